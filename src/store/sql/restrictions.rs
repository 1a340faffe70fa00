// Compiled once per backend; see `common.rs`.

use chrono::NaiveDate;

use crate::domain::measures::Measure;
use crate::domain::authority::{Decider, Manager, Withdrawer};
use crate::domain::restriction::{RequestStatus, RestrictionStatus, WarningStatus};
use crate::store::records::*;
use crate::store::write::RestrictionWrites;

const REQUEST_COLUMNS: &str = "id, reference, service_user_id, function_id, status, created_by, created_at, \
     justification, proportionality, internal_review_exhausted, ends_on, first_review_on, warning_id, \
     no_warning_reason, varies_restriction_id, decided_by, decided_at, decision_reason, withdrawn_by, withdrawn_at, decided_as_head";

async fn load_request(pool: &Pool<Db>, id: i64) -> StoreResult<Option<RequestRecord>> {
    let sql = format!("SELECT {REQUEST_COLUMNS} FROM restriction_requests WHERE id = $1");
    let Some(row) = sqlx::query(&sql).bind(id).fetch_optional(pool).await? else {
        return Ok(None);
    };
    let incident_ids: Vec<i64> = sqlx::query_scalar("SELECT incident_id FROM request_incidents WHERE request_id = $1 ORDER BY incident_id")
        .bind(id)
        .fetch_all(pool)
        .await?;
    let measure_rows = sqlx::query("SELECT kind, params FROM request_measures WHERE request_id = $1 ORDER BY id")
        .bind(id)
        .fetch_all(pool)
        .await?;
    let measures = measure_rows
        .iter()
        .map(|m| {
            let kind: String = m.try_get("kind")?;
            let params: Json<Value> = m.try_get("params")?;
            Measure::from_parts(&kind, &params.0).map_err(corrupt)
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let ticked: Vec<String> = sqlx::query_scalar("SELECT criterion FROM request_criteria WHERE request_id = $1 AND ticked ORDER BY criterion")
        .bind(id)
        .fetch_all(pool)
        .await?;
    Ok(Some(RequestRecord {
        id,
        reference: row.try_get("reference")?,
        person_id: row.try_get("service_user_id")?,
        function_id: row.try_get("function_id")?,
        status: stored(&row, "restriction_requests", "status")?,
        requested_by: row.try_get("created_by")?,
        requested_at: row.try_get("created_at")?,
        incident_ids,
        measures,
        justification: row.try_get("justification")?,
        proportionality: row.try_get("proportionality")?,
        internal_review_exhausted: row.try_get("internal_review_exhausted")?,
        ends_on: row.try_get("ends_on")?,
        first_review_on: row.try_get("first_review_on")?,
        warning_id: row.try_get("warning_id")?,
        no_warning_reason: row.try_get("no_warning_reason")?,
        varies_restriction_id: row.try_get("varies_restriction_id")?,
        ticked,
        decided_by: row.try_get("decided_by")?,
        decided_at: row.try_get("decided_at")?,
        decision_reason: row.try_get("decision_reason")?,
        withdrawn_by: row.try_get("withdrawn_by")?,
        withdrawn_at: row.try_get("withdrawn_at")?,
        decided_as_head: row.try_get("decided_as_head")?,
    }))
}

async fn approval_outbox_ids(tx: &mut Transaction<'static, Db>, request_id: i64) -> StoreResult<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT outbox_id FROM approval_messages WHERE request_id = $1 AND outbox_id IS NOT NULL ORDER BY id")
        .bind(request_id)
        .fetch_all(&mut **tx)
        .await?)
}

/// Who decided (or withdrew) a request that is no longer pending, and when.
async fn settled(tx: &mut Transaction<'static, Db>, id: i64) -> StoreResult<DecisionResult> {
    let row = sqlx::query("SELECT status, decided_by, decided_at, withdrawn_by, withdrawn_at FROM restriction_requests WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("request {id}")))?;
    let status: RequestStatus = stored(&row, "restriction_requests", "status")?;
    let by: Option<String> = row.try_get("decided_by")?;
    let at: Option<DateTime<Utc>> = row.try_get("decided_at")?;
    let withdrawn_by: Option<String> = row.try_get("withdrawn_by")?;
    let withdrawn_at: Option<DateTime<Utc>> = row.try_get("withdrawn_at")?;
    match (by.or(withdrawn_by), at.or(withdrawn_at)) {
        (Some(by), Some(at)) => Ok(DecisionResult::AlreadyDecided { status, by, at }),
        _ => Err(corrupt(format!("request {id} is {status} with no decider"))),
    }
}

async fn record_ticks(tx: &mut Transaction<'static, Db>, request_id: i64, function_id: i64, ticked: &[String], actor: &Actor, now: DateTime<Utc>) -> StoreResult<()> {
    for criterion in ticked {
        let updated = sqlx::query(
            "UPDATE request_criteria SET ticked = TRUE, ticked_by = $3, ticked_at = $4 WHERE request_id = $1 AND criterion = $2",
        )
        .bind(request_id)
        .bind(criterion)
        .bind(actor.as_str())
        .bind(now)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if updated == 1 {
            let entry = AuditEntry::new(actor, "criterion_ticked", "restriction_request", request_id)
                .in_function(function_id)
                .after(serde_json::json!({ "criterion": criterion }));
            insert_audit(tx, &entry, now).await?;
        }
    }
    Ok(())
}

#[async_trait]
impl RestrictionWrites for WriteHandle {
    async fn record_warning(&mut self, warning: &NewWarning, manager: &Manager, now: DateTime<Utc>) -> StoreResult<Recorded> {
        same_function(manager.function_id(), warning.function_id, "that warning")?;
        let actor = &manager.actor();
        let tx = &mut self.tx;
        touch_person(tx, warning.person_id, now).await?;
        let reference = next_reference(tx, "WRN").await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO warnings (reference, service_user_id, function_id, behaviour, adapt_until, status, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, 'drafted', $6, $7) RETURNING id",
        )
        .bind(&reference)
        .bind(warning.person_id)
        .bind(warning.function_id)
        .bind(&warning.behaviour)
        .bind(warning.adapt_until)
        .bind(actor.as_str())
        .bind(now)
        .fetch_one(&mut **tx)
        .await?;
        for incident_id in &warning.incident_ids {
            sqlx::query("INSERT INTO warning_incidents (warning_id, incident_id, service_user_id) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(incident_id)
                .bind(warning.person_id)
                .execute(&mut **tx)
                .await
                .map_err(|e| StoreError::conflict_on_unique(e, "that incident on this warning"))?;
        }
        let entry = AuditEntry::new(actor, "warning_recorded", "warning", id)
            .in_function(warning.function_id)
            .after(serde_json::json!({ "reference": reference, "service_user_id": warning.person_id, "incident_ids": warning.incident_ids, "adapt_until": warning.adapt_until }));
        insert_audit(tx, &entry, now).await?;
        let recorded = Recorded { id, reference };
        Ok(recorded)
    }

    async fn create_request(&mut self, request: &NewRequest, manager: &Manager, now: DateTime<Utc>) -> StoreResult<Recorded> {
        same_function(manager.function_id(), request.function_id, "that request")?;
        let actor = &manager.actor();
        let tx = &mut self.tx;
        touch_person(tx, request.person_id, now).await?;
        let reference = next_reference(tx, "REQ").await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO restriction_requests (reference, service_user_id, function_id, status, justification, proportionality, \
             internal_review_exhausted, warning_id, no_warning_reason, ends_on, first_review_on, varies_restriction_id, created_by, created_at) \
             VALUES ($1, $2, $3, 'pending', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
        )
        .bind(&reference)
        .bind(request.person_id)
        .bind(request.function_id)
        .bind(&request.justification)
        .bind(&request.proportionality)
        .bind(request.internal_review_exhausted)
        .bind(request.warning_id)
        .bind(request.no_warning_reason.as_deref())
        .bind(request.ends_on)
        .bind(request.first_review_on)
        .bind(request.varies_restriction_id)
        .bind(actor.as_str())
        .bind(now)
        .fetch_one(&mut **tx)
        .await
        .map_err(|e| StoreError::conflict_on_unique(e, "a pending request for this person in this function"))?;
        for incident_id in &request.incident_ids {
            sqlx::query("INSERT INTO request_incidents (request_id, incident_id, service_user_id) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(incident_id)
                .bind(request.person_id)
                .execute(&mut **tx)
                .await?;
        }
        for measure in &request.measures {
            sqlx::query("INSERT INTO request_measures (request_id, kind, params) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(measure.kind_str())
                .bind(Json(measure.params()))
                .execute(&mut **tx)
                .await?;
        }
        for criterion in crate::domain::restriction::Criterion::ALL {
            sqlx::query("INSERT INTO request_criteria (request_id, criterion, ticked) VALUES ($1, $2, FALSE)")
                .bind(id)
                .bind(criterion.as_str())
                .execute(&mut **tx)
                .await?;
        }
        if let Some(warning_id) = request.warning_id {
            // The warning has led to a request: it is closed as escalated. Only a sent
            // warning: one closed as no further action stays closed, and the request that
            // relies on it cannot be approved (finding 3, `relied_on_warning_stands`).
            let escalated = sqlx::query(
                "UPDATE warnings SET status = 'escalated', closed_by = $2, closed_at = $3 \
                 WHERE id = $1 AND status = 'sent'",
            )
            .bind(warning_id)
            .bind(actor.as_str())
            .bind(now)
            .execute(&mut **tx)
            .await?
            .rows_affected();
            if escalated == 1 {
                let entry = AuditEntry::new(actor, "warning_escalated", "warning", warning_id)
                    .in_function(request.function_id)
                    .before(serde_json::json!({ "status": "sent" }))
                    .after(serde_json::json!({ "status": "escalated", "restriction_request_id": id }));
                insert_audit(tx, &entry, now).await?;
            }
        }
        let kinds: Vec<&str> = request.measures.iter().map(Measure::kind_str).collect();
        let entry = AuditEntry::new(actor, "restriction_requested", "restriction_request", id)
            .in_function(request.function_id)
            .after(serde_json::json!({
                "reference": reference, "service_user_id": request.person_id, "incident_ids": request.incident_ids,
                "measures": kinds, "warning_id": request.warning_id, "no_warning_reason": request.no_warning_reason,
                "ends_on": request.ends_on, "first_review_on": request.first_review_on,
                "internal_review_exhausted": request.internal_review_exhausted, "varies_restriction_id": request.varies_restriction_id,
            }));
        insert_audit(tx, &entry, now).await?;
        if let Some(varies) = request.varies_restriction_id {
            // A variation answers the review or dispute that asked for it (R-REV-1, R-DIS-2).
            super::disputes::link_variation(tx, id, varies, actor, now).await?;
        }
        let recorded = Recorded { id, reference };
        Ok(recorded)
    }

    async fn enqueue_approval_copy(&mut self, request_id: i64, approver: &UserId, message: &NewOutboxMessage, now: DateTime<Utc>) -> StoreResult<()> {
        let outbox_id = insert_outbox_returning(&mut self.tx, message, now).await?;
        sqlx::query("INSERT INTO approval_messages (request_id, recipient_slack_user_id, outbox_id, created_at) VALUES ($1, $2, $3, $4)")
            .bind(request_id)
            .bind(approver.as_str())
            .bind(outbox_id)
            .bind(now)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    async fn decide_request(&mut self, id: i64, decision: &Decision, decider: &Decider, now: DateTime<Utc>) -> StoreResult<DecisionResult> {
        request_in_function(&mut self.tx, id, decider.function_id()).await?;
        // Deciding writes in a savepoint: when it finds it must not stand (a variation
        // of a restriction no longer in force) it is undone alone, and the handle goes on.
        sqlx::query("SAVEPOINT decide_request").execute(&mut *self.tx).await?;
        let result = decide_in(&mut self.tx, id, decision, &decider.actor(), now).await?;
        if !matches!(result, DecisionResult::Decided(_)) {
            sqlx::query("ROLLBACK TO SAVEPOINT decide_request").execute(&mut *self.tx).await?;
        }
        sqlx::query("RELEASE SAVEPOINT decide_request").execute(&mut *self.tx).await?;
        Ok(result)
    }

    async fn withdraw_request(&mut self, id: i64, reason: &str, withdrawer: &Withdrawer, now: DateTime<Utc>) -> StoreResult<DecisionResult> {
        request_in_function(&mut self.tx, id, withdrawer.function_id()).await?;
        let actor = &withdrawer.actor();
        let tx = &mut self.tx;
        let won = sqlx::query(
            "UPDATE restriction_requests SET status = 'withdrawn', withdrawn_by = $2, withdrawn_at = $3, decision_reason = $4 \
             WHERE id = $1 AND status = 'pending'",
        )
        .bind(id)
        .bind(actor.as_str())
        .bind(now)
        .bind(reason)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if won == 0 {
            return settled(tx, id).await;
        }
        let row = sqlx::query("SELECT reference, function_id FROM restriction_requests WHERE id = $1").bind(id).fetch_one(&mut **tx).await?;
        let function_id: i64 = row.try_get("function_id")?;
        let entry = AuditEntry::new(actor, "request_withdrawn", "restriction_request", id)
            .in_function(function_id)
            .before(serde_json::json!({ "status": "pending" }))
            .after(serde_json::json!({ "status": "withdrawn" }));
        insert_audit(tx, &entry, now).await?;
        super::disputes::settle_variation_dispute(tx, id, crate::domain::dispute::VariationDecision::NotApproved, actor, now).await?;
        let decided = Decided {
            request_id: id,
            request_reference: row.try_get("reference")?,
            status: RequestStatus::Withdrawn,
            restriction: None,
            approval_message_outbox_ids: approval_outbox_ids(tx, id).await?,
        };
        Ok(DecisionResult::Decided(decided))
    }
}

/// The request exists and is in the function the proof holds in.
async fn request_in_function(tx: &mut Transaction<'static, Db>, id: i64, holds_in: i64) -> StoreResult<()> {
    let function_id: i64 = sqlx::query_scalar("SELECT function_id FROM restriction_requests WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("request {id}")))?;
    same_function(holds_in, function_id, &format!("request {id}"))
}

/// Marks the restriction `old` superseded by the variation `by_reference`, if it is still
/// active and the same person's in the same function; the number of rows changed (0 or 1).
async fn supersede(
    tx: &mut Transaction<'static, Db>,
    old: i64,
    by_reference: &str,
    function_id: i64,
    person_id: i64,
    actor: &Actor,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    Ok(sqlx::query(
        "UPDATE restrictions SET status = 'superseded', ended_by = $2, ended_at = $3, end_reason = $4 \
         WHERE id = $1 AND status = 'active' AND function_id = $5 AND service_user_id = $6",
    )
    .bind(old)
    .bind(actor.as_str())
    .bind(now)
    .bind(format!("varied by {by_reference}"))
    .bind(function_id)
    .bind(person_id)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// The decision's writes, inside `decide_request`'s savepoint.
async fn decide_in(tx: &mut Transaction<'static, Db>, id: i64, decision: &Decision, decider: &Actor, now: DateTime<Utc>) -> StoreResult<DecisionResult> {
    let (status, reason, ticked): (RequestStatus, Option<&str>, Vec<String>) = match decision {
        Decision::Approve { checklist, .. } => {
            (RequestStatus::Approved, None, checklist.criteria().iter().map(|c| c.as_str().to_owned()).collect())
        }
        Decision::Reject { ticked, reason } => (RequestStatus::Rejected, Some(reason.as_str()), ticked.clone()),
    };
    // The conditional update is the lock: of any number of racing clicks, only one
    // finds the request still pending.
    let won = sqlx::query(
        "UPDATE restriction_requests SET status = $2, decided_by = $3, decided_at = $4, decision_reason = $5, \
         decided_as_head = EXISTS (SELECT 1 FROM function_roles fr WHERE fr.slack_user_id = $3 \
           AND fr.function_id = restriction_requests.function_id AND fr.role = 'head') \
         WHERE id = $1 AND status = 'pending'",
    )
    .bind(id)
    .bind(status.as_str())
    .bind(decider.as_str())
    .bind(now)
    .bind(reason)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if won == 0 {
        return settled(tx, id).await;
}
    let request = sqlx::query("SELECT reference, service_user_id, function_id, ends_on, first_review_on, varies_restriction_id FROM restriction_requests WHERE id = $1")
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    let reference: String = request.try_get("reference")?;
    let person_id: i64 = request.try_get("service_user_id")?;
    let function_id: i64 = request.try_get("function_id")?;
    touch_person(tx, person_id, now).await?;
    record_ticks(tx, id, function_id, &ticked, decider, now).await?;
    let entry = AuditEntry::new(decider, if status == RequestStatus::Approved { "request_approved" } else { "request_rejected" }, "restriction_request", id)
        .in_function(function_id)
        .before(serde_json::json!({ "status": "pending" }))
        .after(serde_json::json!({ "status": status.as_str(), "criteria_ticked": ticked }));
    insert_audit(tx, &entry, now).await?;
    let mut restriction = None;
    if let Decision::Approve { takes_effect, .. } = decision {
        let starts_on = takes_effect.starts_on;
        let ends_on: Option<NaiveDate> = request.try_get("ends_on")?;
        let next_review_on: NaiveDate = request.try_get("first_review_on")?;
        let varies: Option<i64> = request.try_get("varies_restriction_id")?;
        let restriction_reference = next_reference(tx, "RES").await?;
        let restriction_id: i64 = sqlx::query_scalar(
            "INSERT INTO restrictions (reference, service_user_id, function_id, request_id, status, starts_on, ends_on, \
             next_review_on, created_by, created_at, awaits_notice, at_once_for_staff_safety) \
             VALUES ($1, $2, $3, $4, 'active', $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(&restriction_reference)
        .bind(person_id)
        .bind(function_id)
        .bind(id)
        .bind(starts_on)
        .bind(ends_on)
        .bind(next_review_on)
        .bind(decider.as_str())
        .bind(now)
        .bind(takes_effect.awaits_notice)
        .bind(takes_effect.at_once_for_staff_safety)
        .fetch_one(&mut **tx)
        .await?;
        sqlx::query("INSERT INTO restriction_measures (restriction_id, kind, params) SELECT $1, kind, params FROM request_measures WHERE request_id = $2 ORDER BY id")
            .bind(restriction_id)
            .bind(id)
            .execute(&mut **tx)
            .await?;
        if let Some(old) = varies {
            // A variation replaces the restriction it varies (R-REV-1, R-DIS-2): at once
            // when the head records it must apply at once for staff safety; otherwise
            // the old one stays in force until the variation's letter is marked sent
            // (issue 9, finding 15; `take_effect_on_notice`). Either way, only the same
            // person's restriction in the same function, still active, can be varied.
            let replaced = if takes_effect.awaits_notice {
                let standing: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM restrictions WHERE id = $1 AND status = 'active' AND function_id = $2 AND service_user_id = $3",
                )
                .bind(old)
                .bind(function_id)
                .bind(person_id)
                .fetch_optional(&mut **tx)
                .await?;
                u64::from(standing.is_some())
            } else {
                supersede(tx, old, &restriction_reference, function_id, person_id, decider, now).await?
            };
            if replaced == 0 {
                // It ended or was lifted while the variation waited: approving would
                // bring back a restriction that is over. Nothing is written.
                let row = sqlx::query("SELECT reference, status FROM restrictions WHERE id = $1")
                    .bind(old)
                    .fetch_one(&mut **tx)
                    .await?;
                let ended = DecisionResult::VariedNotInForce {
                    reference: row.try_get("reference")?,
                    status: stored::<RestrictionStatus>(&row, "restrictions", "status")?,
                };
                return Ok(ended);
            }
            if !takes_effect.awaits_notice {
                let entry = AuditEntry::new(decider, "restriction_superseded", "restriction", old)
                    .in_function(function_id)
                    .after(serde_json::json!({ "superseded_by": restriction_id }));
                insert_audit(tx, &entry, now).await?;
            }
        }
        let entry = AuditEntry::new(decider, "restriction_created", "restriction", restriction_id)
            .in_function(function_id)
            .after(serde_json::json!({ "reference": restriction_reference, "request_id": id, "starts_on": starts_on, "ends_on": ends_on, "next_review_on": next_review_on,
                "awaits_notice": takes_effect.awaits_notice, "at_once_for_staff_safety": takes_effect.at_once_for_staff_safety }));
        insert_audit(tx, &entry, now).await?;
        restriction = Some(Recorded { id: restriction_id, reference: restriction_reference });
}
    let settles = match decision {
        Decision::Approve { .. } => crate::domain::dispute::VariationDecision::Approved,
        Decision::Reject { .. } => crate::domain::dispute::VariationDecision::NotApproved,
    };
    super::disputes::settle_variation_dispute(tx, id, settles, decider, now).await?;
    let decided = Decided {
        request_id: id,
        request_reference: reference,
        status,
        restriction,
        approval_message_outbox_ids: approval_outbox_ids(tx, id).await?,
    };
    Ok(DecisionResult::Decided(decided))
}

#[async_trait]
impl RestrictionStore for ThisStore {
    async fn incidents_of(&self, person_id: i64) -> StoreResult<Vec<IncidentSummary>> {
        let rows = sqlx::query(
            "SELECT id, reference, occurred_at, category, function_id, police_report_required FROM incidents WHERE service_user_id = $1 \
             ORDER BY occurred_at DESC, id DESC LIMIT 100",
        )
        .bind(person_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(IncidentSummary {
                    id: row.try_get("id")?,
                    reference: row.try_get("reference")?,
                    occurred_at: row.try_get("occurred_at")?,
                    category: row.try_get("category")?,
                    function_id: row.try_get("function_id")?,
                    violence: row.try_get("police_report_required")?,
                })
            })
            .collect()
    }

    async fn warning_on_file(&self, person_id: i64, function_id: i64, today: NaiveDate) -> StoreResult<Option<WarningRecord>> {
        let rows = sqlx::query(&format!(
            "{WARNING_SELECT} WHERE w.service_user_id = $1 AND w.function_id = $2 ORDER BY sent_on DESC, w.id DESC"
        ))
        .bind(person_id)
        .bind(function_id)
        .fetch_all(&self.pool)
        .await?;
        for row in &rows {
            let warning = warning_from(row)?;
            if crate::domain::restriction::warning_stands(warning.status, warning.sent_on, today) {
                return Ok(Some(warning));
            }
        }
        Ok(None)
    }

    async fn warning(&self, id: i64) -> StoreResult<Option<WarningRecord>> {
        let row = sqlx::query(&format!("{WARNING_SELECT} WHERE w.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(warning_from).transpose()
    }

    async fn close_warning(&self, id: i64, actor: &Actor, now: DateTime<Utc>) -> StoreResult<WarningClosed> {
        let mut tx = self.begin_tx().await?;
        let closed = sqlx::query(
            "UPDATE warnings SET status = 'no_further_action', closed_by = $2, closed_at = $3, closed_note = 'behaviour adapted' \
             WHERE id = $1 AND status IN ('sent', 'escalated')",
        )
        .bind(id)
        .bind(actor.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let row = sqlx::query("SELECT reference, status, function_id, service_user_id FROM warnings WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::not_found(format!("warning {id}")))?;
        let reference: String = row.try_get("reference")?;
        let function_id: i64 = row.try_get("function_id")?;
        if closed == 0 {
            let status: WarningStatus = stored(&row, "warnings", "status")?;
            tx.rollback().await?;
            return Ok(WarningClosed::NotOpen { reference, status });
        }
        touch_person(&mut tx, row.try_get("service_user_id")?, now).await?;
        let entry = AuditEntry::new(actor, "warning_closed", "warning", id)
            .in_function(function_id)
            .after(serde_json::json!({ "status": "no_further_action", "reason": "behaviour adapted" }));
        insert_audit(&mut tx, &entry, now).await?;
        tx.commit().await?;
        Ok(WarningClosed::Closed { reference, function_id })
    }

    async fn request(&self, id: i64) -> StoreResult<Option<RequestRecord>> {
        load_request(&self.pool, id).await
    }

    async fn standing_rejection(&self, person_id: i64, function_id: i64) -> StoreResult<Option<RequestRecord>> {
        let latest: Option<(i64, String)> = sqlx::query_as(
            "SELECT id, status FROM restriction_requests WHERE service_user_id = $1 AND function_id = $2 \
             AND status IN ($3, $4) ORDER BY decided_at DESC, id DESC LIMIT 1",
        )
        .bind(person_id)
        .bind(function_id)
        .bind(RequestStatus::Approved.as_str())
        .bind(RequestStatus::Rejected.as_str())
        .fetch_optional(&self.pool)
        .await?;
        let Some((id, status)) = latest else { return Ok(None) };
        match parse_stored::<RequestStatus>("restriction_requests", "status", &status)? {
            RequestStatus::Rejected => load_request(&self.pool, id).await,
            _ => Ok(None),
        }
    }

    async fn pending_request_for(&self, person_id: i64, function_id: i64) -> StoreResult<Option<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM restriction_requests WHERE service_user_id = $1 AND function_id = $2 AND status = $3",
        )
        .bind(person_id)
        .bind(function_id)
        .bind(RequestStatus::Pending.as_str())
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn letter(&self, id: i64) -> StoreResult<Option<LetterRecord>> {
        let row = sqlx::query(
            "SELECT l.id, l.kind, l.service_user_id, l.function_id, l.format, l.language, l.body, l.sent_on, l.sent_method, \
             l.sent_recorded_by, l.created_by, l.created_at, COALESCE(w.reference, r.reference, d.reference, v.reference, '') AS subject_reference \
             FROM letters l LEFT JOIN warnings w ON w.id = l.warning_id LEFT JOIN restrictions r ON r.id = l.restriction_id \
             LEFT JOIN disputes d ON d.id = l.dispute_id LEFT JOIN reviews v ON v.id = l.review_id WHERE l.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(LetterRecord {
            id,
            kind: row.try_get("kind")?,
            person_id: row.try_get("service_user_id")?,
            function_id: row.try_get("function_id")?,
            format: row.try_get("format")?,
            language: row.try_get("language")?,
            body: row.try_get("body")?,
            sent_on: row.try_get("sent_on")?,
            sent_method: row.try_get("sent_method")?,
            sent_recorded_by: row.try_get("sent_recorded_by")?,
            created_by: row.try_get("created_by")?,
            created_at: row.try_get("created_at")?,
            subject_reference: row.try_get("subject_reference")?,
        }))
    }

    async fn mark_letter_sent(&self, id: i64, on: NaiveDate, method: &str, actor: &Actor, now: DateTime<Utc>) -> StoreResult<LetterSent> {
        let mut tx = self.begin_tx().await?;
        let updated = sqlx::query(
            "UPDATE letters SET sent_on = $2, sent_method = $3, sent_recorded_by = $4, sent_recorded_at = $5 WHERE id = $1 AND sent_on IS NULL",
        )
        .bind(id)
        .bind(on)
        .bind(method)
        .bind(actor.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        // A variation made for a review or dispute is told in that outcome letter (R-LET-3):
        // the restriction it waits on is the one its approved request created.
        let row = sqlx::query(
            "SELECT l.kind, l.function_id, l.warning_id, l.sent_on, l.sent_recorded_by, \
             COALESCE(l.restriction_id, (SELECT r.id FROM restrictions r JOIN restriction_requests q ON q.id = r.request_id \
               WHERE q.status = 'approved' AND ((l.review_id IS NOT NULL AND q.review_id = l.review_id) \
                 OR (l.dispute_id IS NOT NULL AND q.dispute_id = l.dispute_id)) ORDER BY r.id DESC LIMIT 1)) AS restriction_id \
             FROM letters l WHERE l.id = $1",
        )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::not_found(format!("letter {id}")))?;
        if updated == 0 {
            let on: Option<NaiveDate> = row.try_get("sent_on")?;
            let by: Option<String> = row.try_get("sent_recorded_by")?;
            tx.rollback().await?;
            return match (on, by) {
                (Some(on), Some(by)) => Ok(LetterSent::AlreadySent { on, by }),
                _ => Err(corrupt(format!("letter {id} not updated and not sent"))),
            };
        }
        let function_id: i64 = row.try_get("function_id")?;
        if let Some(warning_id) = row.try_get::<Option<i64>, _>("warning_id")? {
            // The person has now been told in writing: the warning is on file (R-RES-1).
            let sent = sqlx::query("UPDATE warnings SET status = 'sent' WHERE id = $1 AND status = 'drafted'")
                .bind(warning_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if sent == 1 {
                let entry = AuditEntry::new(actor, "warning_sent", "warning", warning_id)
                    .in_function(function_id)
                    .before(serde_json::json!({ "status": "drafted" }))
                    .after(serde_json::json!({ "status": "sent", "letter_id": id }));
                insert_audit(&mut tx, &entry, now).await?;
            }
        }
        let entry = AuditEntry::new(actor, "letter_sent", "letter", id)
            .in_function(function_id)
            .after(serde_json::json!({ "sent_on": on, "method": method }));
        insert_audit(&mut tx, &entry, now).await?;
        let mut restriction = None;
        if let Some(restriction_id) = row.try_get::<Option<i64>, _>("restriction_id")? {
            restriction = take_effect_on_notice(&mut tx, restriction_id, function_id, on, actor, now).await?;
        }
        tx.commit().await?;
        Ok(LetterSent::Recorded { restriction })
    }
}

/// A warning with the day its (first) letter was marked sent.
const WARNING_SELECT: &str = "SELECT w.id, w.reference, w.service_user_id, w.function_id, w.status, w.adapt_until, w.created_at, w.created_by, \
     (SELECT MIN(l.sent_on) FROM letters l WHERE l.warning_id = w.id AND l.sent_on IS NOT NULL) AS sent_on FROM warnings w";

fn warning_from(row: &<Db as sqlx::Database>::Row) -> StoreResult<WarningRecord> {
    Ok(WarningRecord {
        id: row.try_get("id")?,
        reference: row.try_get("reference")?,
        person_id: row.try_get("service_user_id")?,
        function_id: row.try_get("function_id")?,
        status: stored(row, "warnings", "status")?,
        adapt_until: row.try_get("adapt_until")?,
        sent_on: row.try_get("sent_on")?,
        created_at: row.try_get("created_at")?,
        created_by: row.try_get("created_by")?,
    })
}

/// The person has been told: a restriction waiting on this notice takes effect, on the
/// day it was sent or the later start the head set (issue 9, finding 15); its review
/// stays on the date the letter promised. One whose end came first never takes effect and is left as it is.
async fn take_effect_on_notice(
    tx: &mut Transaction<'static, Db>,
    restriction_id: i64,
    function_id: i64,
    sent_on: NaiveDate,
    actor: &Actor,
    now: DateTime<Utc>,
) -> StoreResult<Option<TookEffect>> {
    let Some(row) = sqlx::query(
        "SELECT r.reference, r.starts_on, r.ends_on, r.service_user_id, q.varies_restriction_id \
         FROM restrictions r JOIN restriction_requests q ON q.id = r.request_id \
         WHERE r.id = $1 AND r.status = 'active' AND r.awaits_notice",
    )
        .bind(restriction_id)
        .fetch_optional(&mut **tx)
        .await?
    else {
        return Ok(None);
    };
    let reference: String = row.try_get("reference")?;
    let starts_on: NaiveDate = row.try_get("starts_on")?;
    let ends_on: Option<NaiveDate> = row.try_get("ends_on")?;
    let Some(start) = crate::domain::restriction::start_on_notice(sent_on, starts_on, ends_on) else {
        return Ok(None);
    };
    sqlx::query("UPDATE restrictions SET awaits_notice = FALSE, starts_on = $2 WHERE id = $1")
        .bind(restriction_id)
        .bind(start)
        .execute(&mut **tx)
        .await?;
    let entry = AuditEntry::new(actor, "restriction_took_effect", "restriction", restriction_id)
        .in_function(function_id)
        .before(serde_json::json!({ "awaits_notice": true, "starts_on": starts_on }))
        .after(serde_json::json!({ "awaits_notice": false, "starts_on": start }));
    insert_audit(tx, &entry, now).await?;
    // A variation replaces the restriction it varies now, in this transaction (issue 9,
    // finding 15). If that one ended or was lifted meanwhile, the variation still takes
    // effect: the person has been told of it.
    let mut replaces = None;
    if let Some(old) = row.try_get::<Option<i64>, _>("varies_restriction_id")? {
        let person_id: i64 = row.try_get("service_user_id")?;
        if supersede(tx, old, &reference, function_id, person_id, actor, now).await? == 1 {
            let entry = AuditEntry::new(actor, "restriction_superseded", "restriction", old)
                .in_function(function_id)
                .after(serde_json::json!({ "superseded_by": restriction_id, "on_notice": true }));
            insert_audit(tx, &entry, now).await?;
            let old_reference: String = sqlx::query_scalar("SELECT reference FROM restrictions WHERE id = $1")
                .bind(old)
                .fetch_one(&mut **tx)
                .await?;
            replaces = Some(old_reference);
        }
    }
    Ok(Some(TookEffect { reference, starts_on: start, replaces }))
}
