// Compiled once per backend; see `common.rs`. The write handle (`store::write`); its typed
// writes live beside the SQL of their part of the record (`reporting.rs`, `restrictions.rs`).

use chrono::NaiveDate;

use crate::domain::authority::{Decider, DisputeHandler, Manager};
use crate::domain::dispute::ValidResolution;
use crate::domain::restriction::CompleteChecklist;
use crate::domain::review::ValidReview;
use crate::store::records::*;
use crate::store::write::{DisputeWrites, WriteTx};

impl ThisStore {
    /// The handle [`crate::store::Store::begin_write`] returns.
    pub(super) async fn write_handle(&self) -> StoreResult<Box<dyn WriteTx>> {
        Ok(Box::new(WriteHandle { tx: self.begin_tx().await? }))
    }
}

#[async_trait]
impl WriteTx for WriteHandle {
    async fn enqueue(&mut self, about: Option<i64>, messages: &[NewOutboxMessage], now: DateTime<Utc>) -> StoreResult<()> {
        match about {
            Some(person_id) => {
                let tagged: Vec<NewOutboxMessage> = messages
                    .iter()
                    .map(|m| if m.service_user_id.is_some() { m.clone() } else { m.clone().about(person_id) })
                    .collect();
                insert_outbox(&mut self.tx, &tagged, now).await?;
            }
            None => {
                insert_outbox(&mut self.tx, messages, now).await?;
            }
        }
        Ok(())
    }

    async fn person_of(&mut self, record: crate::domain::correction::RecordRef) -> StoreResult<Option<i64>> {
        use crate::domain::correction::CorrectedRecord;
        let table = match record.kind {
            CorrectedRecord::Incident => "incidents",
            CorrectedRecord::EndedCall => "ended_calls",
            CorrectedRecord::Warning => "warnings",
            CorrectedRecord::Breach => "breaches",
        };
        let person: Option<Option<i64>> = sqlx::query_scalar(&format!("SELECT service_user_id FROM {table} WHERE id = $1"))
            .bind(record.id)
            .fetch_optional(&mut *self.tx)
            .await?;
        Ok(person.flatten())
    }

    async fn draft_letter(
        &mut self,
        letter: &NewLetter,
        subject: LetterSubject,
        person_id: i64,
        function_id: i64,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> StoreResult<i64> {
        insert_letter(&mut self.tx, letter, subject, person_id, function_id, actor, now).await
    }

    async fn commit(self: Box<Self>) -> StoreResult<()> {
        self.tx.commit().await?;
        Ok(())
    }
}

#[async_trait]
impl DisputeWrites for WriteHandle {
    async fn record_dispute(&mut self, dispute: &NewDispute, by: &Manager, now: DateTime<Utc>) -> StoreResult<Recorded> {
        super::disputes::record_dispute(&mut self.tx, dispute, by, now).await
    }

    async fn resolve_dispute(&mut self, id: i64, resolution: &ValidResolution, by: &DisputeHandler, now: DateTime<Utc>) -> StoreResult<Conclusion> {
        super::disputes::resolve_dispute(&mut self.tx, id, resolution, by, now).await
    }

    async fn start_review(&mut self, review: &NewReview, by: &Manager, now: DateTime<Utc>) -> StoreResult<Recorded> {
        super::disputes::start_review(&mut self.tx, review, by, now).await
    }

    async fn decide_review(&mut self, id: i64, decision: &ValidReview, by: &Manager, now: DateTime<Utc>) -> StoreResult<Conclusion> {
        super::disputes::decide_review(&mut self.tx, id, decision, by, now).await
    }

    async fn propose_continuation(
        &mut self,
        review_id: i64,
        reasons: &str,
        next_review_on: NaiveDate,
        by: &Manager,
        now: DateTime<Utc>,
        approvers: &[UserId],
    ) -> StoreResult<Recorded> {
        super::continuations::propose_continuation(&mut self.tx, review_id, reasons, next_review_on, by, now, approvers).await
    }

    async fn enqueue_continuation_approvals(&mut self, continuation_id: i64, copies: &[(UserId, NewOutboxMessage)], now: DateTime<Utc>) -> StoreResult<()> {
        super::continuations::enqueue_continuation_approvals(&mut self.tx, continuation_id, copies, now).await
    }

    async fn authorise_continuation(&mut self, id: i64, checklist: &CompleteChecklist, by: &Decider, now: DateTime<Utc>) -> StoreResult<ContinuationResult> {
        super::continuations::authorise_continuation(&mut self.tx, id, checklist, by, now).await
    }

    async fn reject_continuation(&mut self, id: i64, reason: &str, by: &Decider, now: DateTime<Utc>) -> StoreResult<ContinuationResult> {
        super::continuations::reject_continuation(&mut self.tx, id, reason, by, now).await
    }
}
