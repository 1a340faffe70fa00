// Compiled once per backend; see `common.rs`. Disputes (§7) and reviews (§8) of a
// restriction: each outcome is recorded once by a conditional UPDATE, like
// `decide_request`, with its audit events. The writes run inside the write handle's
// transaction (`store::write::DisputeWrites`), where the handler adds the outcome letter
// and the messages before committing; the reads are `DisputeStore`.

use chrono::NaiveDate;

use crate::domain::authority::{DisputeHandler, Manager};
use crate::domain::dispute::{DisputeOutcome, DisputeStatus, ValidResolution};
use crate::domain::restriction::RestrictionStatus;
use crate::domain::review::{ReviewOutcome, ReviewStatus, ValidReview};
use crate::store::records::*;

const DISPUTE_COLUMNS: &str = "d.id, d.reference, d.restriction_id, r.reference AS restriction_reference, \
     d.service_user_id, d.function_id, d.received_on, d.summary, d.handler_slack_user_id, d.due_on, d.status, \
     d.outcome, d.outcome_reasons, d.resolved_by, d.resolved_at, d.created_by, d.created_at, d.complaint_reference, \
     d.variation_proposed_by, d.variation_proposed_at";

const REVIEW_COLUMNS: &str = "v.id, v.reference, v.restriction_id, r.reference AS restriction_reference, \
     v.service_user_id, v.function_id, v.kind, v.status, v.outcome, v.reasons, v.next_review_on, v.decided_by, \
     v.decided_at, v.created_by, v.created_at, v.variation_proposed_by, v.variation_proposed_at";

fn dispute_from_row(row: &<Db as sqlx::Database>::Row) -> StoreResult<DisputeRecord> {
    Ok(DisputeRecord {
        id: row.try_get("id")?,
        reference: row.try_get("reference")?,
        restriction_id: row.try_get("restriction_id")?,
        restriction_reference: row.try_get("restriction_reference")?,
        person_id: row.try_get("service_user_id")?,
        function_id: row.try_get("function_id")?,
        received_on: row.try_get("received_on")?,
        summary: row.try_get("summary")?,
        handler: row.try_get("handler_slack_user_id")?,
        due_on: row.try_get("due_on")?,
        status: stored(row, "disputes", "status")?,
        outcome: stored_opt(row, "disputes", "outcome")?,
        outcome_reasons: row.try_get("outcome_reasons")?,
        resolved_by: row.try_get("resolved_by")?,
        resolved_at: row.try_get("resolved_at")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        complaint_reference: row.try_get("complaint_reference")?,
        variation_proposed_by: row.try_get("variation_proposed_by")?,
        variation_proposed_at: row.try_get("variation_proposed_at")?,
    })
}

fn review_from_row(row: &<Db as sqlx::Database>::Row) -> StoreResult<ReviewRecord> {
    Ok(ReviewRecord {
        id: row.try_get("id")?,
        reference: row.try_get("reference")?,
        restriction_id: row.try_get("restriction_id")?,
        restriction_reference: row.try_get("restriction_reference")?,
        person_id: row.try_get("service_user_id")?,
        function_id: row.try_get("function_id")?,
        kind: stored(row, "reviews", "kind")?,
        status: stored(row, "reviews", "status")?,
        outcome: stored_opt(row, "reviews", "outcome")?,
        reasons: row.try_get("reasons")?,
        next_review_on: row.try_get("next_review_on")?,
        decided_by: row.try_get("decided_by")?,
        decided_at: row.try_get("decided_at")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        variation_proposed_by: row.try_get("variation_proposed_by")?,
        variation_proposed_at: row.try_get("variation_proposed_at")?,
    })
}

/// The restriction a new dispute or review is about: it must be in force on `today`.
/// Returns its reference, person and function.
async fn in_force(tx: &mut Transaction<'static, Db>, restriction_id: i64, today: NaiveDate) -> StoreResult<(String, i64, i64)> {
    let row = sqlx::query(concat!(
        "SELECT reference, service_user_id, function_id FROM restrictions WHERE id = $1 AND ",
        restriction_in_force!("", "$2")
    ))
    .bind(restriction_id)
    .bind(today)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| StoreError::not_found(format!("active restriction {restriction_id}")))?;
    Ok((row.try_get("reference")?, row.try_get("service_user_id")?, row.try_get("function_id")?))
}

/// Ends a restriction that a dispute or review lifted; false if it was no longer active.
async fn lift(tx: &mut Transaction<'static, Db>, restriction_id: i64, function_id: i64, because: &str, actor: &Actor, now: DateTime<Utc>) -> StoreResult<bool> {
    let lifted = sqlx::query(
        "UPDATE restrictions SET status = 'lifted', ended_by = $2, ended_at = $3, end_reason = $4 WHERE id = $1 AND status = 'active'",
    )
    .bind(restriction_id)
    .bind(actor.as_str())
    .bind(now)
    .bind(because)
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1;
    if lifted {
        let entry = AuditEntry::new(actor, "restriction_lifted", "restriction", restriction_id)
            .in_function(function_id)
            .before(serde_json::json!({ "status": "active" }))
            .after(serde_json::json!({ "status": "lifted", "end_reason": because }));
        insert_audit(tx, &entry, now).await?;
    }
    Ok(lifted)
}

/// Links a new variation request to the review decided "vary" (open, waiting on the
/// head; or decided so before finding 7) or the dispute resolved "varied" it was made for: the latest such outcome on `restriction_id` that no pending
/// or approved request answers yet. Called by `create_request` in its transaction.
pub(super) async fn link_variation(tx: &mut Transaction<'static, Db>, request_id: i64, restriction_id: i64, actor: &Actor, now: DateTime<Utc>) -> StoreResult<()> {
    let origin = sqlx::query(
        "SELECT origin, id FROM ( \
           SELECT 'review' AS origin, v.id AS id, COALESCE(v.variation_proposed_at, v.decided_at) AS at FROM reviews v \
            WHERE v.restriction_id = $1 AND (v.outcome = 'vary' OR (v.status = 'open' AND v.variation_proposed_at IS NOT NULL)) AND NOT EXISTS ( \
              SELECT 1 FROM restriction_requests q WHERE q.review_id = v.id AND q.status IN ('pending', 'approved')) \
           UNION ALL \
           SELECT 'dispute' AS origin, d.id AS id, d.variation_proposed_at AS at FROM disputes d \
            WHERE d.restriction_id = $1 AND d.status = 'awaiting_resolution' AND d.variation_proposed_at IS NOT NULL AND NOT EXISTS ( \
              SELECT 1 FROM restriction_requests q WHERE q.dispute_id = d.id AND q.status IN ('pending', 'approved')) \
         ) o ORDER BY at DESC, id DESC LIMIT 1",
    )
    .bind(restriction_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(origin) = origin else { return Ok(()) };
    let kind: String = origin.try_get("origin")?;
    let id: i64 = origin.try_get("id")?;
    let column = if kind == "review" { "review_id" } else { "dispute_id" };
    sqlx::query(&format!("UPDATE restriction_requests SET {column} = $2 WHERE id = $1"))
        .bind(request_id)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    let function_id: i64 = sqlx::query_scalar("SELECT function_id FROM restriction_requests WHERE id = $1")
        .bind(request_id)
        .fetch_one(&mut **tx)
        .await?;
    let entry = AuditEntry::new(actor, "variation_linked", "restriction_request", request_id)
        .in_function(function_id)
        .after(serde_json::json!({ column: id, "varies_restriction_id": restriction_id }));
    insert_audit(tx, &entry, now).await
}

/// Settles the dispute or the review a variation request answers, if any, once the head
/// decides it (§7): see [`settle_dispute`] and [`settle_review`]. Returns the record's id
/// and reference. Called in the decision's transaction.
pub(super) async fn settle_variation_dispute(
    tx: &mut Transaction<'static, Db>,
    request_id: i64,
    decision: crate::domain::dispute::VariationDecision,
    actor: &Actor,
    now: DateTime<Utc>,
) -> StoreResult<Option<(i64, String)>> {
    if let Some(settled) = settle_dispute(tx, request_id, decision, actor, now).await? {
        return Ok(Some(settled));
    }
    settle_review(tx, request_id, decision, actor, now).await
}

/// The review a variation request answers, settled once the head decides it (§7, §8,
/// `review::after_variation`): approved, the review is decided "vary" with the reasons
/// given for varying, in the name of whoever chose to vary; not approved (rejected,
/// withdrawn or closed), it goes back to its reviewer, still open.
async fn settle_review(
    tx: &mut Transaction<'static, Db>,
    request_id: i64,
    decision: crate::domain::review::VariationDecision,
    actor: &Actor,
    now: DateTime<Utc>,
) -> StoreResult<Option<(i64, String)>> {
    use crate::domain::review::{after_variation, ReviewStatus};
    let row = sqlx::query(
        "SELECT v.id, v.reference, v.function_id, v.service_user_id FROM restriction_requests q JOIN reviews v ON v.id = q.review_id \
         WHERE q.id = $1 AND v.status = 'open' AND v.variation_proposed_at IS NOT NULL",
    )
    .bind(request_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let id: i64 = row.try_get("id")?;
    let reference: String = row.try_get("reference")?;
    let function_id: i64 = row.try_get("function_id")?;
    let person_id: i64 = row.try_get("service_user_id")?;
    let entry = match after_variation(decision) {
        ReviewStatus::Decided => {
            sqlx::query(
                "UPDATE reviews SET status = 'decided', outcome = 'vary', reasons = variation_reasons, \
                 decided_by = variation_proposed_by, decided_at = $2 WHERE id = $1",
            )
            .bind(id)
            .bind(now)
            .execute(&mut **tx)
            .await?;
            AuditEntry::new(actor, "review_decided", "review", id)
                .in_function(function_id)
                .before(serde_json::json!({ "status": "open", "outcome_proposed": "vary" }))
                .after(serde_json::json!({ "status": "decided", "outcome": "vary", "request_id": request_id }))
        }
        ReviewStatus::Open => {
            sqlx::query(
                "UPDATE reviews SET variation_reasons = NULL, variation_proposed_by = NULL, variation_proposed_at = NULL WHERE id = $1",
            )
            .bind(id)
            .execute(&mut **tx)
            .await?;
            AuditEntry::new(actor, "review_returned_to_reviewer", "review", id)
                .in_function(function_id)
                .before(serde_json::json!({ "status": "open", "outcome_proposed": "vary" }))
                .after(serde_json::json!({ "status": "open", "request_id": request_id }))
        }
    };
    touch_person(tx, person_id, now).await?;
    insert_audit(tx, &entry, now).await?;
    Ok(Some((id, reference)))
}

/// The dispute a variation request answers, settled once the head decides it (§7,
/// `dispute::after_variation`): approved, the dispute is resolved "varied" with the reasons
/// given for varying, in the name of whoever chose to vary; not approved (rejected,
/// withdrawn or closed), it goes back to its handler, still awaiting resolution.
async fn settle_dispute(
    tx: &mut Transaction<'static, Db>,
    request_id: i64,
    decision: crate::domain::dispute::VariationDecision,
    actor: &Actor,
    now: DateTime<Utc>,
) -> StoreResult<Option<(i64, String)>> {
    use crate::domain::dispute::{after_variation, DisputeStatus};
    let row = sqlx::query(
        "SELECT d.id, d.reference, d.function_id FROM restriction_requests q JOIN disputes d ON d.id = q.dispute_id \
         WHERE q.id = $1 AND d.status = 'awaiting_resolution' AND d.variation_proposed_at IS NOT NULL",
    )
    .bind(request_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let id: i64 = row.try_get("id")?;
    let reference: String = row.try_get("reference")?;
    let function_id: i64 = row.try_get("function_id")?;
    let entry = match after_variation(decision) {
        DisputeStatus::Resolved => {
            sqlx::query(
                "UPDATE disputes SET status = 'resolved', outcome = 'varied', outcome_reasons = variation_reasons, \
                 resolved_by = variation_proposed_by, resolved_at = $2 WHERE id = $1",
            )
            .bind(id)
            .bind(now)
            .execute(&mut **tx)
            .await?;
            AuditEntry::new(actor, "dispute_resolved", "dispute", id)
                .in_function(function_id)
                .before(serde_json::json!({ "status": "awaiting_resolution", "outcome_proposed": "varied" }))
                .after(serde_json::json!({ "status": "resolved", "outcome": "varied", "request_id": request_id }))
        }
        DisputeStatus::AwaitingResolution => {
            sqlx::query(
                "UPDATE disputes SET variation_reasons = NULL, variation_proposed_by = NULL, variation_proposed_at = NULL WHERE id = $1",
            )
            .bind(id)
            .execute(&mut **tx)
            .await?;
            AuditEntry::new(actor, "dispute_returned_to_handler", "dispute", id)
                .in_function(function_id)
                .before(serde_json::json!({ "status": "awaiting_resolution", "outcome_proposed": "varied" }))
                .after(serde_json::json!({ "status": "awaiting_resolution", "request_id": request_id }))
        }
    };
    insert_audit(tx, &entry, now).await?;
    Ok(Some((id, reference)))
}

/// Why a review's outcome was not recorded: decided already, or open with something
/// waiting on the head (the variation "vary" asked for, or a proposal to continue).
async fn review_waiting(tx: &mut Transaction<'static, Db>, row: &<Db as sqlx::Database>::Row, id: i64) -> StoreResult<Conclusion> {
    let review = review_from_row(row)?;
    if review.status != ReviewStatus::Open {
        return already(review.outcome.map(Outcome::Review), &review.decided_by, review.decided_at, &format!("review {id}"));
    }
    if let (Some(by), Some(at)) = (review.variation_proposed_by, review.variation_proposed_at) {
        return Ok(Conclusion::AlreadyConcluded { outcome: Outcome::Review(ReviewOutcome::Vary), by, at, awaiting_variation: true });
    }
    let continuing: Option<(String, DateTime<Utc>)> =
        sqlx::query_as("SELECT proposed_by, proposed_at FROM review_continuations WHERE review_id = $1 AND status = 'pending'")
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
    match continuing {
        // Open, with a proposal to continue waiting on the head's authorisation.
        Some((by, at)) => Ok(Conclusion::AlreadyConcluded { outcome: Outcome::Review(ReviewOutcome::Continue), by, at, awaiting_variation: true }),
        None => Err(corrupt(format!("review {id} not updated, open and nothing waiting"))),
    }
}

/// The function a dispute or review (`table`) is in; `NotFound` if there is none.
async fn function_of(tx: &mut Transaction<'static, Db>, table: &str, id: i64) -> StoreResult<i64> {
    sqlx::query_scalar(&format!("SELECT function_id FROM {table} WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("{table} {id}")))
}

/// A proof of authority holds in one function (`domain::authority`): a write on a record
/// of another function is refused as if the record were not there.
pub(super) fn holds_in(proof_function: i64, record_function: i64, what: &str) -> StoreResult<()> {
    if proof_function == record_function {
        Ok(())
    } else {
        Err(StoreError::not_found(format!("{what} in function {proof_function}")))
    }
}

/// Who recorded an outcome that is already recorded, and when.
fn already(outcome: Option<Outcome>, by: &Option<String>, at: Option<DateTime<Utc>>, what: &str) -> StoreResult<Conclusion> {
    match (outcome, by, at) {
        (Some(outcome), Some(by), Some(at)) => Ok(Conclusion::AlreadyConcluded { outcome, by: by.clone(), at, awaiting_variation: false }),
        _ => Err(corrupt(format!("{what} not updated and not concluded"))),
    }
}

/// Records a dispute (`DisputeWrites::record_dispute`).
pub(super) async fn record_dispute(tx: &mut Transaction<'static, Db>, dispute: &NewDispute, by: &Manager, now: DateTime<Utc>) -> StoreResult<Recorded> {
    let actor = &by.actor();
    let (_, person_id, function_id) = in_force(tx, dispute.restriction_id, dispute.today).await?;
    holds_in(by.function_id(), function_id, &format!("restriction {}", dispute.restriction_id))?;
    touch_person(tx, person_id, now).await?;
    let reference = next_reference(tx, "DSP").await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO disputes (reference, restriction_id, service_user_id, function_id, received_on, summary, \
         handler_slack_user_id, due_on, status, created_by, created_at, complaint_reference) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'awaiting_resolution', $9, $10, $11) RETURNING id",
    )
    .bind(&reference)
    .bind(dispute.restriction_id)
    .bind(person_id)
    .bind(function_id)
    .bind(dispute.received_on)
    .bind(&dispute.summary)
    .bind(dispute.handler.as_str())
    .bind(dispute.due_on)
    .bind(actor.as_str())
    .bind(now)
    .bind(&dispute.complaint_reference)
    .fetch_one(&mut **tx)
    .await?;
    // The summary is personal: the trail names the record, its dates and its handler.
    let entry = AuditEntry::new(actor, "dispute_recorded", "dispute", id)
        .in_function(function_id)
        .after(serde_json::json!({
            "reference": reference, "restriction_id": dispute.restriction_id, "service_user_id": person_id,
            "received_on": dispute.received_on, "due_on": dispute.due_on, "handler": dispute.handler.as_str(),
            "status": "awaiting_resolution",
        }));
    insert_audit(tx, &entry, now).await?;
    Ok(Recorded { id, reference })
}

/// Resolves a dispute (`DisputeWrites::resolve_dispute`).
pub(super) async fn resolve_dispute(tx: &mut Transaction<'static, Db>, id: i64, resolution: &ValidResolution, by: &DisputeHandler, now: DateTime<Utc>) -> StoreResult<Conclusion> {
    let actor = &by.actor();
    holds_in(by.function_id(), function_of(tx, "disputes", id).await?, &format!("dispute {id}"))?;
    let outcome = resolution.outcome.as_str();
    let varied = resolution.outcome == crate::domain::dispute::DisputeOutcome::Varied;
    // The conditional update is the lock: of any number of racing submissions, only
    // one finds the dispute still awaiting resolution with no variation waiting on the
    // head. "Vary" keeps it awaiting resolution until the head decides (§7); an
    // earlier "vary" whose form was never sent can be changed.
    let sql = if varied {
        "UPDATE disputes SET variation_reasons = $3, variation_proposed_by = $4, variation_proposed_at = $5 \
         WHERE id = $1 AND status = 'awaiting_resolution' AND $2 = 'varied' AND NOT EXISTS ( \
           SELECT 1 FROM restriction_requests q WHERE q.dispute_id = disputes.id AND q.status = 'pending')"
    } else {
        "UPDATE disputes SET status = 'resolved', outcome = $2, outcome_reasons = $3, resolved_by = $4, resolved_at = $5, \
         variation_reasons = NULL, variation_proposed_by = NULL, variation_proposed_at = NULL \
         WHERE id = $1 AND status = 'awaiting_resolution' AND NOT EXISTS ( \
           SELECT 1 FROM restriction_requests q WHERE q.dispute_id = disputes.id AND q.status = 'pending')"
    };
    let won = sqlx::query(sql)
        .bind(id)
        .bind(outcome)
        .bind(&resolution.reasons)
        .bind(actor.as_str())
        .bind(now)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    let sql = format!("SELECT {DISPUTE_COLUMNS} FROM disputes d JOIN restrictions r ON r.id = d.restriction_id WHERE d.id = $1");
    let row = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("dispute {id}")))?;
    if won == 0 {
        let dispute = dispute_from_row(&row)?;
        let result = match (dispute.status, dispute.variation_proposed_by, dispute.variation_proposed_at) {
            (DisputeStatus::AwaitingResolution, Some(by), Some(at)) => Conclusion::AlreadyConcluded {
                outcome: Outcome::Dispute(DisputeOutcome::Varied),
                by,
                at,
                awaiting_variation: true,
            },
            _ => already(dispute.outcome.map(Outcome::Dispute), &dispute.resolved_by, dispute.resolved_at, &format!("dispute {id}"))?,
        };
        return Ok(result);
    }
    let dispute = dispute_from_row(&row)?;
    touch_person(tx, dispute.person_id, now).await?;
    let entry = if varied {
        AuditEntry::new(actor, "dispute_variation_proposed", "dispute", id)
            .in_function(dispute.function_id)
            .before(serde_json::json!({ "status": "awaiting_resolution" }))
            .after(serde_json::json!({ "status": "awaiting_resolution", "outcome_proposed": outcome }))
    } else {
        AuditEntry::new(actor, "dispute_resolved", "dispute", id)
            .in_function(dispute.function_id)
            .before(serde_json::json!({ "status": "awaiting_resolution" }))
            .after(serde_json::json!({ "status": "resolved", "outcome": outcome }))
    };
    insert_audit(tx, &entry, now).await?;
    let lifted = match resolution.outcome {
        crate::domain::dispute::DisputeOutcome::Lifted => {
            let because = format!("lifted after dispute {}", dispute.reference);
            lift(tx, dispute.restriction_id, dispute.function_id, &because, actor, now).await?
        }
        _ => false,
    };
    let concluded = Concluded {
        id,
        reference: dispute.reference,
        restriction_id: dispute.restriction_id,
        restriction_reference: dispute.restriction_reference,
        person_id: dispute.person_id,
        function_id: dispute.function_id,
        outcome: Outcome::Dispute(resolution.outcome),
        lifted,
        next_review_on: None,
    };
    Ok(Conclusion::Concluded(concluded))
}

/// Starts a review (`DisputeWrites::start_review`).
pub(super) async fn start_review(tx: &mut Transaction<'static, Db>, review: &NewReview, by: &Manager, now: DateTime<Utc>) -> StoreResult<Recorded> {
    let actor = &by.actor();
    let (_, person_id, function_id) = in_force(tx, review.restriction_id, review.today).await?;
    holds_in(by.function_id(), function_id, &format!("restriction {}", review.restriction_id))?;
    touch_person(tx, person_id, now).await?;
    let reference = next_reference(tx, "REV").await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO reviews (reference, restriction_id, service_user_id, function_id, kind, status, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'open', $6, $7) RETURNING id",
    )
    .bind(&reference)
    .bind(review.restriction_id)
    .bind(person_id)
    .bind(function_id)
    .bind(review.kind.as_str())
    .bind(actor.as_str())
    .bind(now)
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| StoreError::conflict_on_unique(e, "an open review of this restriction"))?;
    let entry = AuditEntry::new(actor, "review_started", "review", id)
        .in_function(function_id)
        .after(serde_json::json!({
            "reference": reference, "restriction_id": review.restriction_id, "service_user_id": person_id,
            "kind": review.kind.as_str(), "status": "open",
        }));
    insert_audit(tx, &entry, now).await?;
    Ok(Recorded { id, reference })
}

/// Decides a review (`DisputeWrites::decide_review`).
pub(super) async fn decide_review(tx: &mut Transaction<'static, Db>, id: i64, decision: &ValidReview, by: &Manager, now: DateTime<Utc>) -> StoreResult<Conclusion> {
    let actor = &by.actor();
    holds_in(by.function_id(), function_of(tx, "reviews", id).await?, &format!("review {id}"))?;
    let outcome = decision.outcome.as_str();
    let next_review_on = match decision.outcome {
        ReviewOutcome::Continue => decision.next_review_on,
        ReviewOutcome::Vary | ReviewOutcome::Lift => None,
    };
    let varied = decision.outcome == ReviewOutcome::Vary;
    // The conditional update is the lock: of any number of racing submissions, only
    // one finds the review open with nothing waiting on the head (a proposal to
    // continue, or a variation request it asked for). "Vary" keeps it open until the
    // head decides the variation (§7, §8); an earlier "vary" whose form was never
    // sent can be changed.
    const NOTHING_WAITING: &str = "NOT EXISTS (SELECT 1 FROM restriction_requests q WHERE q.review_id = reviews.id AND q.status = 'pending') \
         AND NOT EXISTS (SELECT 1 FROM review_continuations c WHERE c.review_id = reviews.id AND c.status = 'pending')";
    let won = if varied {
        sqlx::query(&format!(
            "UPDATE reviews SET variation_reasons = $2, variation_proposed_by = $3, variation_proposed_at = $4 \
             WHERE id = $1 AND status = 'open' AND {NOTHING_WAITING}"
        ))
        .bind(id)
        .bind(&decision.reasons)
        .bind(actor.as_str())
        .bind(now)
        .execute(&mut **tx)
        .await?
        .rows_affected()
    } else {
        sqlx::query(&format!(
            "UPDATE reviews SET status = 'decided', outcome = $2, reasons = $3, next_review_on = $4, decided_by = $5, decided_at = $6, \
             variation_reasons = NULL, variation_proposed_by = NULL, variation_proposed_at = NULL \
             WHERE id = $1 AND status = 'open' AND {NOTHING_WAITING}"
        ))
        .bind(id)
        .bind(outcome)
        .bind(&decision.reasons)
        .bind(next_review_on)
        .bind(actor.as_str())
        .bind(now)
        .execute(&mut **tx)
        .await?
        .rows_affected()
    };
    let sql = format!("SELECT {REVIEW_COLUMNS} FROM reviews v JOIN restrictions r ON r.id = v.restriction_id WHERE v.id = $1");
    let row = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("review {id}")))?;
    if won == 0 {
        let result = review_waiting(tx, &row, id).await?;
        return Ok(result);
    }
    let review = review_from_row(&row)?;
    touch_person(tx, review.person_id, now).await?;
    let entry = if varied {
        AuditEntry::new(actor, "review_variation_proposed", "review", id)
            .in_function(review.function_id)
            .before(serde_json::json!({ "status": "open" }))
            .after(serde_json::json!({ "status": "open", "outcome_proposed": outcome }))
    } else {
        AuditEntry::new(actor, "review_decided", "review", id)
            .in_function(review.function_id)
            .before(serde_json::json!({ "status": "open" }))
            .after(serde_json::json!({ "status": "decided", "outcome": outcome, "next_review_on": next_review_on }))
    };
    insert_audit(tx, &entry, now).await?;
    let mut lifted = false;
    match (decision.outcome, next_review_on) {
        (ReviewOutcome::Continue, Some(next)) => {
            let before: Option<NaiveDate> = sqlx::query_scalar("SELECT next_review_on FROM restrictions WHERE id = $1 AND status = 'active'")
                .bind(review.restriction_id)
                .fetch_optional(&mut **tx)
                .await?;
            if let Some(before) = before {
                sqlx::query("UPDATE restrictions SET next_review_on = $2 WHERE id = $1 AND status = 'active'")
                    .bind(review.restriction_id)
                    .bind(next)
                    .execute(&mut **tx)
                    .await?;
                let entry = AuditEntry::new(actor, "restriction_review_date_set", "restriction", review.restriction_id)
                    .in_function(review.function_id)
                    .before(serde_json::json!({ "next_review_on": before }))
                    .after(serde_json::json!({ "next_review_on": next, "review_id": id }));
                insert_audit(tx, &entry, now).await?;
            }
        }
        (ReviewOutcome::Lift, _) => {
            let because = format!("lifted at review {}", review.reference);
            lifted = lift(tx, review.restriction_id, review.function_id, &because, actor, now).await?;
        }
        _ => {}
    }
    let concluded = Concluded {
        id,
        reference: review.reference,
        restriction_id: review.restriction_id,
        restriction_reference: review.restriction_reference,
        person_id: review.person_id,
        function_id: review.function_id,
        outcome: Outcome::Review(decision.outcome),
        lifted,
        next_review_on,
    };
    Ok(Conclusion::Concluded(concluded))
}

#[async_trait]
impl DisputeStore for ThisStore {
    async fn restriction(&self, id: i64) -> StoreResult<Option<RestrictionRecord>> {
        let row = sqlx::query(
            "SELECT r.id, r.reference, r.service_user_id, r.function_id, r.request_id, r.status, r.starts_on, r.ends_on, \
             r.next_review_on, r.awaits_notice, r.created_by, r.created_at, q.created_by AS requested_by \
             FROM restrictions r JOIN restriction_requests q ON q.id = r.request_id WHERE r.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(RestrictionRecord {
            id,
            reference: row.try_get("reference")?,
            person_id: row.try_get("service_user_id")?,
            function_id: row.try_get("function_id")?,
            request_id: row.try_get("request_id")?,
            status: stored::<RestrictionStatus>(&row, "restrictions", "status")?,
            starts_on: row.try_get("starts_on")?,
            ends_on: row.try_get("ends_on")?,
            next_review_on: row.try_get("next_review_on")?,
            awaits_notice: row.try_get("awaits_notice")?,
            measures: super::reporting::load_measures(&self.pool, id).await?,
            requested_by: row.try_get("requested_by")?,
            approved_by: row.try_get("created_by")?,
            created_at: row.try_get("created_at")?,
        }))
    }

    async fn dispute(&self, id: i64) -> StoreResult<Option<DisputeRecord>> {
        let sql = format!("SELECT {DISPUTE_COLUMNS} FROM disputes d JOIN restrictions r ON r.id = d.restriction_id WHERE d.id = $1");
        let row = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(dispute_from_row).transpose()
    }

    async fn review(&self, id: i64) -> StoreResult<Option<ReviewRecord>> {
        let sql = format!("SELECT {REVIEW_COLUMNS} FROM reviews v JOIN restrictions r ON r.id = v.restriction_id WHERE v.id = $1");
        let row = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(review_from_row).transpose()
    }

    async fn open_review_for(&self, restriction_id: i64) -> StoreResult<Option<ReviewRecord>> {
        let sql = format!(
            "SELECT {REVIEW_COLUMNS} FROM reviews v JOIN restrictions r ON r.id = v.restriction_id \
             WHERE v.restriction_id = $1 AND v.status = $2"
        );
        let row = sqlx::query(&sql).bind(restriction_id).bind(ReviewStatus::Open.as_str()).fetch_optional(&self.pool).await?;
        row.as_ref().map(review_from_row).transpose()
    }

    async fn variation_origin(&self, request_id: i64) -> StoreResult<Option<VariationOrigin>> {
        let row = sqlx::query(
            "SELECT q.review_id, q.dispute_id, v.reference AS review_reference, COALESCE(v.reasons, v.variation_reasons) AS reasons, \
             CASE WHEN v.status = 'open' THEN v.variation_proposed_by END AS reviewer, v.restriction_id AS review_restriction_id, \
             d.reference AS dispute_reference, COALESCE(d.outcome_reasons, d.variation_reasons) AS outcome_reasons, \
             d.complaint_reference, d.handler_slack_user_id, d.restriction_id AS dispute_restriction_id FROM restriction_requests q \
             LEFT JOIN reviews v ON v.id = q.review_id LEFT JOIN disputes d ON d.id = q.dispute_id WHERE q.id = $1",
        )
        .bind(request_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let origin = |of, id, reference: Option<String>, reasons: Option<String>, restriction_id: Option<i64>| VariationOrigin {
            of,
            id,
            reference: reference.unwrap_or_default(),
            reasons: reasons.unwrap_or_default(),
            complaint_reference: None,
            handler: None,
            restriction_id: restriction_id.unwrap_or_default(),
        };
        if let Some(id) = row.try_get::<Option<i64>, _>("review_id")? {
            return Ok(Some(VariationOrigin {
                handler: row.try_get("reviewer")?,
                ..origin(VariationOf::Review, id, row.try_get("review_reference")?, row.try_get("reasons")?, row.try_get("review_restriction_id")?)
            }));
        }
        if let Some(id) = row.try_get::<Option<i64>, _>("dispute_id")? {
            return Ok(Some(VariationOrigin {
                complaint_reference: row.try_get("complaint_reference")?,
                handler: row.try_get("handler_slack_user_id")?,
                ..origin(VariationOf::Dispute, id, row.try_get("dispute_reference")?, row.try_get("outcome_reasons")?, row.try_get("dispute_restriction_id")?)
            }));
        }
        Ok(None)
    }

    async fn disputes_due(&self, on_or_before: NaiveDate) -> StoreResult<Vec<DueDispute>> {
        let rows = sqlx::query(
            "SELECT d.id, d.reference, d.restriction_id, r.reference AS restriction_reference, d.service_user_id, \
             d.function_id, d.handler_slack_user_id, d.received_on, d.due_on \
             FROM disputes d JOIN restrictions r ON r.id = d.restriction_id \
             WHERE d.status = $2 AND d.due_on <= $1 ORDER BY d.due_on, d.id",
        )
        .bind(on_or_before)
        .bind(DisputeStatus::AwaitingResolution.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(DueDispute {
                    id: row.try_get("id")?,
                    reference: row.try_get("reference")?,
                    restriction_id: row.try_get("restriction_id")?,
                    restriction_reference: row.try_get("restriction_reference")?,
                    person_id: row.try_get("service_user_id")?,
                    function_id: row.try_get("function_id")?,
                    handler: row.try_get("handler_slack_user_id")?,
                    received_on: row.try_get("received_on")?,
                    due_on: row.try_get("due_on")?,
                })
            })
            .collect()
    }

    async fn reviews_due(&self, today: NaiveDate, on_or_before: NaiveDate) -> StoreResult<Vec<DueReview>> {
        let rows = sqlx::query(concat!(
            "SELECT r.id, r.reference, r.service_user_id, r.function_id, r.next_review_on, COALESCE(r.review_owner, q.created_by) AS owner, \
             v.id AS open_review_id, v.reference AS open_review_reference \
             FROM restrictions r JOIN restriction_requests q ON q.id = r.request_id \
             LEFT JOIN reviews v ON v.restriction_id = r.id AND v.status = $3 \
             WHERE ",
            restriction_current!("r.", "$2"),
            " AND r.next_review_on <= $1 ORDER BY r.next_review_on, r.id"
        ))
        .bind(on_or_before)
        .bind(today)
        .bind(ReviewStatus::Open.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(DueReview {
                    restriction_id: row.try_get("id")?,
                    restriction_reference: row.try_get("reference")?,
                    person_id: row.try_get("service_user_id")?,
                    function_id: row.try_get("function_id")?,
                    next_review_on: row.try_get("next_review_on")?,
                    owner: row.try_get("owner")?,
                    open_review_id: row.try_get("open_review_id")?,
                    open_review_reference: row.try_get("open_review_reference")?,
                })
            })
            .collect()
    }
}
