// Compiled once per backend; see `common.rs`. Continuing a restriction at review (§6 at
// review; issue 9, finding 10): the manager's proposal, every copy of the head's
// authorisation message, and the head's decision, each recorded once by a conditional
// UPDATE with its audit events. The writes run inside the write handle's transaction
// (`store::write::DisputeWrites`), where the handler adds the messages and (when
// authorised) the outcome letter before committing.

use chrono::NaiveDate;

use crate::domain::restriction::CompleteChecklist;
use crate::domain::review::ContinuationStatus;
use crate::store::records::*;
use super::disputes::holds_in;
use crate::domain::authority::{Decider, Manager};
use crate::store::NewOutboxMessage;

const CONTINUATION_COLUMNS: &str = "c.id, c.review_id, v.reference AS review_reference, v.restriction_id, \
     r.reference AS restriction_reference, c.service_user_id, c.function_id, c.status, c.reasons, c.next_review_on, \
     c.proposed_by, c.proposed_at, c.decided_by, c.decided_at, c.rejection_reason, c.decided_as_head";

const CONTINUATION_FROM: &str =
    "FROM review_continuations c JOIN reviews v ON v.id = c.review_id JOIN restrictions r ON r.id = v.restriction_id";

fn continuation_from_row(row: &<Db as sqlx::Database>::Row) -> StoreResult<ContinuationRecord> {
    Ok(ContinuationRecord {
        id: row.try_get("id")?,
        review_id: row.try_get("review_id")?,
        review_reference: row.try_get("review_reference")?,
        restriction_id: row.try_get("restriction_id")?,
        restriction_reference: row.try_get("restriction_reference")?,
        person_id: row.try_get("service_user_id")?,
        function_id: row.try_get("function_id")?,
        status: stored(row, "review_continuations", "status")?,
        reasons: row.try_get("reasons")?,
        next_review_on: row.try_get("next_review_on")?,
        proposed_by: row.try_get("proposed_by")?,
        proposed_at: row.try_get("proposed_at")?,
        decided_by: row.try_get("decided_by")?,
        decided_at: row.try_get("decided_at")?,
        rejection_reason: row.try_get("rejection_reason")?,
        decided_as_head: row.try_get("decided_as_head")?,
    })
}

async fn load(tx: &mut Transaction<'static, Db>, id: i64) -> StoreResult<ContinuationRecord> {
    let sql = format!("SELECT {CONTINUATION_COLUMNS} {CONTINUATION_FROM} WHERE c.id = $1");
    let row = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("continuation {id}")))?;
    continuation_from_row(&row)
}

async fn message_outbox_ids(tx: &mut Transaction<'static, Db>, id: i64) -> StoreResult<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT outbox_id FROM review_continuation_messages WHERE continuation_id = $1 AND outbox_id IS NOT NULL ORDER BY id",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?)
}

/// Who settled a proposal that is no longer pending, and when.
fn settled(continuation: &ContinuationRecord) -> StoreResult<ContinuationResult> {
    match (&continuation.decided_by, continuation.decided_at) {
        (Some(by), Some(at)) => Ok(ContinuationResult::AlreadyDecided {
            status: continuation.status,
            by: by.clone(),
            at,
        }),
        _ => Err(corrupt(format!("continuation {} not updated and not settled", continuation.id))),
    }
}

/// Records a proposal to continue (`DisputeWrites::propose_continuation`).
pub(super) async fn propose_continuation(tx: &mut Transaction<'static, Db>, review_id: i64, reasons: &str, next_review_on: NaiveDate, by: &Manager, now: DateTime<Utc>, approvers: &[UserId]) -> StoreResult<Recorded> {
    let actor = &by.actor();
    let row = sqlx::query("SELECT reference, service_user_id, function_id, status FROM reviews WHERE id = $1")
        .bind(review_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("review {review_id}")))?;
    // The review's state machine decides whether it may still be decided.
    let status: crate::domain::review::ReviewStatus = stored(&row, "reviews", "status")?;
    if crate::domain::review::decide(status).is_err() {
        return Err(StoreError::Conflict { what: "a decision on this review".to_owned() });
    }
    // A variation it asked for waits on the head (§7): nothing else meanwhile.
    let varying: Option<i64> =
        sqlx::query_scalar("SELECT id FROM restriction_requests WHERE review_id = $1 AND status = 'pending'")
            .bind(review_id)
            .fetch_optional(&mut **tx)
            .await?;
    if varying.is_some() {
        return Err(StoreError::Conflict { what: "a variation of this restriction waiting on the head".to_owned() });
    }
    let reference: String = row.try_get("reference")?;
    let person_id: i64 = row.try_get("service_user_id")?;
    let function_id: i64 = row.try_get("function_id")?;
    holds_in(by.function_id(), function_id, &format!("review {review_id}"))?;
    touch_person(tx, person_id, now).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO review_continuations (review_id, service_user_id, function_id, status, reasons, next_review_on, \
         proposed_by, proposed_at) VALUES ($1, $2, $3, 'pending', $4, $5, $6, $7) RETURNING id",
    )
    .bind(review_id)
    .bind(person_id)
    .bind(function_id)
    .bind(reasons)
    .bind(next_review_on)
    .bind(actor.as_str())
    .bind(now)
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| StoreError::conflict_on_unique(e, "a proposal to continue this restriction"))?;
    // The reasons are personal: the trail names the review, the date and who proposed.
    let entry = AuditEntry::new(actor, "continuation_proposed", "review", review_id)
        .in_function(function_id)
        .after(serde_json::json!({
            "continuation_id": id, "status": "pending", "next_review_on": next_review_on,
            "approvers": approvers.iter().map(UserId::as_str).collect::<Vec<_>>(),
        }));
    insert_audit(tx, &entry, now).await?;
    Ok(Recorded { id, reference })
}

/// Queues each copy of a proposal's authorisation message and keeps it linked to its
/// outbox row, so every copy can be settled with the outcome
/// (`DisputeWrites::enqueue_continuation_approvals`).
pub(super) async fn enqueue_continuation_approvals(
    tx: &mut Transaction<'static, Db>,
    continuation_id: i64,
    copies: &[(UserId, NewOutboxMessage)],
    now: DateTime<Utc>,
) -> StoreResult<()> {
    for (approver, message) in copies {
        let outbox_id = insert_outbox_returning(tx, message, now).await?;
        sqlx::query(
            "INSERT INTO review_continuation_messages (continuation_id, recipient_slack_user_id, outbox_id, created_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(continuation_id)
        .bind(approver.as_str())
        .bind(outbox_id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Authorises a proposal (`DisputeWrites::authorise_continuation`).
pub(super) async fn authorise_continuation(tx: &mut Transaction<'static, Db>, id: i64, checklist: &CompleteChecklist, by: &Decider, now: DateTime<Utc>) -> StoreResult<ContinuationResult> {
    let actor = &by.actor();
    holds_in(by.function_id(), load(tx, id).await?.function_id, &format!("continuation {id}"))?;
    // The conditional update is the lock: of any number of racing clicks, one wins.
    let won = sqlx::query(
        "UPDATE review_continuations SET status = 'authorised', checklist_complete = $2, decided_by = $3, decided_at = $4 \
         WHERE id = $1 AND status = 'pending'",
    )
    .bind(id)
    .bind(true)
    .bind(actor.as_str())
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    let continuation = load(tx, id).await?;
    if won == 0 {
        let result = settled(&continuation)?;
        return Ok(result);
    }
    let criteria: Vec<&str> = checklist.criteria().iter().map(|c| c.as_str()).collect();
    let entry = AuditEntry::new(actor, "continuation_authorised", "review", continuation.review_id)
        .in_function(continuation.function_id)
        .before(serde_json::json!({ "continuation_id": id, "status": "pending" }))
        .after(serde_json::json!({ "continuation_id": id, "status": "authorised", "criteria": criteria }));
    insert_audit(tx, &entry, now).await?;
    let decided = sqlx::query(
        "UPDATE reviews SET status = 'decided', outcome = 'continue', reasons = $2, next_review_on = $3, decided_by = $4, \
         decided_at = $5, variation_reasons = NULL, variation_proposed_by = NULL, variation_proposed_at = NULL WHERE id = $1 AND status = 'open'",
    )
    .bind(continuation.review_id)
    .bind(&continuation.reasons)
    .bind(continuation.next_review_on)
    .bind(actor.as_str())
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if decided != 1 {
        return Err(corrupt(format!("review {} had a pending continuation but was not open", continuation.review_id)));
    }
    touch_person(tx, continuation.person_id, now).await?;
    let next = continuation.next_review_on;
    let entry = AuditEntry::new(actor, "review_decided", "review", continuation.review_id)
        .in_function(continuation.function_id)
        .before(serde_json::json!({ "status": "open" }))
        .after(serde_json::json!({
            "status": "decided", "outcome": "continue", "next_review_on": next,
            "proposed_by": continuation.proposed_by, "continuation_id": id,
        }));
    insert_audit(tx, &entry, now).await?;
    let before: Option<NaiveDate> = sqlx::query_scalar("SELECT next_review_on FROM restrictions WHERE id = $1 AND status = 'active'")
        .bind(continuation.restriction_id)
        .fetch_optional(&mut **tx)
        .await?;
    if let Some(before) = before {
        sqlx::query("UPDATE restrictions SET next_review_on = $2 WHERE id = $1 AND status = 'active'")
            .bind(continuation.restriction_id)
            .bind(next)
            .execute(&mut **tx)
            .await?;
        let entry = AuditEntry::new(actor, "restriction_review_date_set", "restriction", continuation.restriction_id)
            .in_function(continuation.function_id)
            .before(serde_json::json!({ "next_review_on": before }))
            .after(serde_json::json!({ "next_review_on": next, "review_id": continuation.review_id }));
        insert_audit(tx, &entry, now).await?;
    }
    let concluded = Concluded {
        id: continuation.review_id,
        reference: continuation.review_reference.clone(),
        restriction_id: continuation.restriction_id,
        restriction_reference: continuation.restriction_reference.clone(),
        person_id: continuation.person_id,
        function_id: continuation.function_id,
        outcome: Outcome::Review(crate::domain::review::ReviewOutcome::Continue),
        lifted: false,
        next_review_on: Some(next),
    };
    let decided = ContinuationDecided {
        approval_message_outbox_ids: message_outbox_ids(tx, id).await?,
        concluded: Some(concluded),
        continuation,
    };
    Ok(ContinuationResult::Decided(Box::new(decided)))
}

/// Rejects a proposal (`DisputeWrites::reject_continuation`).
pub(super) async fn reject_continuation(tx: &mut Transaction<'static, Db>, id: i64, reason: &str, by: &Decider, now: DateTime<Utc>) -> StoreResult<ContinuationResult> {
    let actor = &by.actor();
    holds_in(by.function_id(), load(tx, id).await?.function_id, &format!("continuation {id}"))?;
    let won = sqlx::query(
        "UPDATE review_continuations SET status = 'rejected', rejection_reason = $2, decided_by = $3, decided_at = $4, \
         decided_as_head = EXISTS (SELECT 1 FROM function_roles fr WHERE fr.slack_user_id = $3 \
           AND fr.function_id = review_continuations.function_id AND fr.role = 'head') \
         WHERE id = $1 AND status = 'pending'",
    )
    .bind(id)
    .bind(reason)
    .bind(actor.as_str())
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    let continuation = load(tx, id).await?;
    if won == 0 {
        let result = settled(&continuation)?;
        return Ok(result);
    }
    touch_person(tx, continuation.person_id, now).await?;
    // The reason is personal: it is kept with the proposal, not in the trail.
    let entry = AuditEntry::new(actor, "continuation_rejected", "review", continuation.review_id)
        .in_function(continuation.function_id)
        .before(serde_json::json!({ "continuation_id": id, "status": "pending" }))
        .after(serde_json::json!({ "continuation_id": id, "status": "rejected", "review_status": "open" }));
    insert_audit(tx, &entry, now).await?;
    let decided = ContinuationDecided {
        approval_message_outbox_ids: message_outbox_ids(tx, id).await?,
        concluded: None,
        continuation,
    };
    Ok(ContinuationResult::Decided(Box::new(decided)))
}

#[async_trait]
impl ContinuationStore for ThisStore {

    async fn continuation(&self, id: i64) -> StoreResult<Option<ContinuationRecord>> {
        let sql = format!("SELECT {CONTINUATION_COLUMNS} {CONTINUATION_FROM} WHERE c.id = $1");
        let row = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(continuation_from_row).transpose()
    }

    async fn pending_continuation(&self, review_id: i64) -> StoreResult<Option<ContinuationRecord>> {
        let sql = format!("SELECT {CONTINUATION_COLUMNS} {CONTINUATION_FROM} WHERE c.review_id = $1 AND c.status = $2");
        let row = sqlx::query(&sql).bind(review_id).bind(ContinuationStatus::Pending.as_str()).fetch_optional(&self.pool).await?;
        row.as_ref().map(continuation_from_row).transpose()
    }

    async fn last_rejected_continuation(&self, review_id: i64) -> StoreResult<Option<ContinuationRecord>> {
        let sql = format!(
            "SELECT {CONTINUATION_COLUMNS} {CONTINUATION_FROM} WHERE c.review_id = $1 AND c.status = $2 \
             ORDER BY c.decided_at DESC, c.id DESC LIMIT 1"
        );
        let row = sqlx::query(&sql).bind(review_id).bind(ContinuationStatus::Rejected.as_str()).fetch_optional(&self.pool).await?;
        row.as_ref().map(continuation_from_row).transpose()
    }
}
