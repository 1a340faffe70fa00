// Compiled once per backend; see `common.rs`. The write handle (`store::write`); its typed
// writes live beside the SQL of their part of the record (`reporting.rs`, `restrictions.rs`).

use crate::store::write::{DisputeWrites, WriteTx};

impl ThisStore {
    /// The handle [`crate::store::Store::begin_write`] returns.
    pub(super) async fn write_handle(&self) -> StoreResult<Box<dyn WriteTx>> {
        Ok(Box::new(WriteHandle { tx: self.begin_tx().await? }))
    }
}

#[async_trait]
impl WriteTx for WriteHandle {
    async fn enqueue(&mut self, messages: &[NewOutboxMessage], now: DateTime<Utc>) -> StoreResult<()> {
        insert_outbox(&mut self.tx, messages, now).await?;
        Ok(())
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
impl DisputeWrites for WriteHandle {}
