// Compiled once per backend; see `common.rs`. Retention, legal holds and erasure (R-DP-2).
//
// Erasure anonymises the person's rows rather than deleting them (see the schema's
// "Personal data and erasure"): identifiers are deleted, the name and access needs cleared,
// and every free-text column that can hold something about them blanked to '' (NULL stays
// NULL, so every CHECK still holds); measure parameters that name a blocked number, an
// address, a case or a description are emptied. Outbox rows about them (found by their
// subject, by the reminder, approval and proposal copies that link them, and, as a safety
// net, by their name, identifiers or record references in the payload) lose their payload,
// and those not yet sent are stopped. The bot's own Slack messages and files among them are
// returned for the caller to delete through the outbox in the same transaction.
// Categories, dates, statuses and counts stay for governance (R-DP-5). The audit trail is
// never touched; one event says which columns of which tables were cleared, in how many
// rows.

use chrono::NaiveDate;

use crate::domain::retention::{self as rule, Kept, RetentionFacts};
use crate::store::retention::*;

const FACTS_SELECT: &str = concat!(
    "SELECT p.id, p.last_activity_at, p.erased_at IS NOT NULL AS erased, \
     (SELECT COUNT(*) FROM restrictions r WHERE r.service_user_id = p.id AND ",
    restriction_current!("r.", "$1"),
    ") AS current_restrictions, \
     (SELECT COUNT(*) FROM disputes d WHERE d.service_user_id = p.id AND d.status = 'awaiting_resolution') AS open_disputes, \
     (SELECT COUNT(*) FROM reviews v WHERE v.service_user_id = p.id AND v.status = 'open') AS open_reviews, \
     (SELECT COUNT(*) FROM restriction_requests q WHERE q.service_user_id = p.id AND q.status = 'pending') AS pending_requests, \
     (SELECT COUNT(*) FROM incidents i WHERE i.service_user_id = p.id AND i.police_report_required \
        AND NOT EXISTS (SELECT 1 FROM police_reports pr WHERE pr.incident_id = i.id)) AS outstanding_police_reports, \
     EXISTS (SELECT 1 FROM legal_holds h WHERE h.service_user_id = p.id AND h.released_at IS NULL) AS open_legal_hold \
     FROM service_users p "
);

fn facts_from_row(row: &<Db as sqlx::Database>::Row) -> StoreResult<RetentionFacts> {
    Ok(RetentionFacts {
        person_id: row.try_get("id")?,
        last_activity_at: row.try_get("last_activity_at")?,
        current_restrictions: row.try_get("current_restrictions")?,
        open_disputes: row.try_get("open_disputes")?,
        open_reviews: row.try_get("open_reviews")?,
        pending_requests: row.try_get("pending_requests")?,
        outstanding_police_reports: row.try_get("outstanding_police_reports")?,
        open_legal_hold: row.try_get("open_legal_hold")?,
        erased: row.try_get("erased")?,
    })
}

#[async_trait]
impl RetentionStore for ThisStore {
    async fn retention_facts(&self, person_id: i64, today: NaiveDate) -> StoreResult<Option<RetentionFacts>> {
        let row = sqlx::query(&format!("{FACTS_SELECT} WHERE p.id = $2"))
            .bind(today)
            .bind(person_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(facts_from_row).transpose()
    }

    async fn past_retention(&self, cutoff: DateTime<Utc>, today: NaiveDate) -> StoreResult<Vec<RetentionFacts>> {
        let rows = sqlx::query(&format!("{FACTS_SELECT} WHERE p.erased_at IS NULL AND p.last_activity_at < $2 ORDER BY p.id"))
            .bind(today)
            .bind(cutoff)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(facts_from_row).collect()
    }

    async fn retention_run(&self, id: i64) -> StoreResult<Option<RetentionRun>> {
        let Some(row) = sqlx::query(
            "SELECT id, dry_run, inactive_days, erased, created_by, created_at, finished_at FROM retention_runs WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let candidates = sqlx::query(
            "SELECT service_user_id, last_activity_at, erased FROM retention_candidates WHERE run_id = $1 ORDER BY service_user_id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|c| {
            Ok(RetentionCandidate {
                person_id: c.try_get("service_user_id")?,
                last_activity_at: c.try_get("last_activity_at")?,
                erased: c.try_get("erased")?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
        let confirmed_by_run = sqlx::query("SELECT id, confirmed_by, erased FROM retention_runs WHERE confirms_run_id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .map(|c| {
                Ok::<_, StoreError>(ConfirmingRun {
                    id: c.try_get("id")?,
                    confirmed_by: c.try_get::<Option<String>, _>("confirmed_by")?.unwrap_or_default(),
                    erased: c.try_get::<Option<i32>, _>("erased")?.map(i64::from),
                })
            })
            .transpose()?;
        Ok(Some(RetentionRun {
            id: row.try_get("id")?,
            dry_run: row.try_get("dry_run")?,
            inactive_days: i64::from(row.try_get::<i32, _>("inactive_days")?),
            candidates,
            erased: row.try_get::<Option<i32>, _>("erased")?.map(i64::from),
            created_by: row.try_get("created_by")?,
            created_at: row.try_get("created_at")?,
            finished_at: row.try_get("finished_at")?,
            confirmed_by_run,
        }))
    }

    async fn retention_run_copies(&self, run_id: i64) -> StoreResult<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT outbox_id FROM retention_run_messages WHERE run_id = $1 AND outbox_id IS NOT NULL ORDER BY id",
        )
        .bind(run_id)
        .fetch_all(&self.pool)
        .await?)
    }
}

/// Every free-text column that can hold something about the person, with the condition
/// (on `$1`, the person's id) that picks their rows.
const PERSONAL_TEXT: &[(&str, &str, &str)] = &[
    ("service_users", "communication_needs", "id = $1"),
    ("incidents", "description", "service_user_id = $1"),
    ("incidents", "impact_note", "service_user_id = $1"),
    ("police_reports", "not_reported_reason", "incident_id IN (SELECT id FROM incidents WHERE service_user_id = $1)"),
    ("police_reports", "note", "incident_id IN (SELECT id FROM incidents WHERE service_user_id = $1)"),
    ("police_reports", "police_reference", "incident_id IN (SELECT id FROM incidents WHERE service_user_id = $1)"),
    ("ended_calls", "note", "service_user_id = $1"),
    ("foi_refusals", "note", "service_user_id = $1"),
    ("foi_refusals", "reference", "service_user_id = $1"),
    ("warnings", "behaviour", "service_user_id = $1"),
    ("warnings", "closed_note", "service_user_id = $1"),
    ("restriction_requests", "justification", "service_user_id = $1"),
    ("restriction_requests", "proportionality", "service_user_id = $1"),
    ("restriction_requests", "decision_reason", "service_user_id = $1"),
    ("restrictions", "end_reason", "service_user_id = $1"),
    ("breaches", "description", "service_user_id = $1"),
    ("disputes", "summary", "service_user_id = $1"),
    ("disputes", "complaint_reference", "service_user_id = $1"),
    ("disputes", "outcome_reasons", "service_user_id = $1"),
    ("disputes", "variation_reasons", "service_user_id = $1"),
    ("reviews", "reasons", "service_user_id = $1"),
    ("reviews", "variation_reasons", "service_user_id = $1"),
    ("review_continuations", "reasons", "service_user_id = $1"),
    ("review_continuations", "rejection_reason", "service_user_id = $1"),
    ("letters", "body", "service_user_id = $1"),
    ("correction_notes", "note", "service_user_id = $1"),
    ("legal_holds", "reason", "service_user_id = $1"),
];

/// Measure parameters that can name something about the person, by kind, and what they
/// become.
const PERSONAL_PARAMS: &[(&str, &str)] = &[
    ("block_contact", r#"{"identifiers":[]}"#),
    ("other", r#"{"description":""}"#),
    ("refuse_reopen", r#"{"case_reference":""}"#),
];

/// Blanks `table.column` in the rows `filter` picks; returns how many changed.
async fn blank(tx: &mut Transaction<'static, Db>, table: &str, column: &str, filter: &str, person_id: i64) -> StoreResult<u64> {
    let sql = format!("UPDATE {table} SET {column} = '' WHERE ({filter}) AND {column} IS NOT NULL AND {column} <> ''");
    Ok(sqlx::query(&sql).bind(person_id).execute(&mut **tx).await?.rows_affected())
}

/// Record ids of the person in `table`.
async fn ids_of(tx: &mut Transaction<'static, Db>, table: &str, person_id: i64) -> StoreResult<Vec<i64>> {
    Ok(sqlx::query_scalar(&format!("SELECT id FROM {table} WHERE service_user_id = $1"))
        .bind(person_id)
        .fetch_all(&mut **tx)
        .await?)
}

/// Texts that identify the person in a message: their name, identifier values and the
/// references of their records, each also as JSON writes it.
async fn needles(tx: &mut Transaction<'static, Db>, person_id: i64) -> StoreResult<Vec<String>> {
    let mut found: Vec<String> = Vec::new();
    let name: Option<String> = sqlx::query_scalar("SELECT display_name FROM service_users WHERE id = $1")
        .bind(person_id)
        .fetch_one(&mut **tx)
        .await?;
    found.extend(name);
    let identifiers = sqlx::query("SELECT value, normalized FROM service_user_identifiers WHERE service_user_id = $1")
        .bind(person_id)
        .fetch_all(&mut **tx)
        .await?;
    for row in &identifiers {
        found.push(row.try_get("value")?);
        found.push(row.try_get("normalized")?);
    }
    for table in ["incidents", "warnings", "restriction_requests", "restrictions", "disputes", "reviews"] {
        let references: Vec<String> = sqlx::query_scalar(&format!("SELECT reference FROM {table} WHERE service_user_id = $1"))
            .bind(person_id)
            .fetch_all(&mut **tx)
            .await?;
        found.extend(references);
    }
    let mut needles = Vec::new();
    for text in found {
        let text = text.trim().to_owned();
        // Too short to pick out one person's messages safely.
        if text.chars().count() < 3 {
            continue;
        }
        let escaped = serde_json::to_string(&text).unwrap_or_default();
        let escaped = escaped.trim_matches('"').to_owned();
        if !escaped.is_empty() && escaped != text && !needles.contains(&escaped) {
            needles.push(escaped);
        }
        if !needles.contains(&text) {
            needles.push(text);
        }
    }
    Ok(needles)
}

/// A delivered outbox row that put one of the bot's messages or files in Slack.
struct Posted {
    method: String,
    channel: Option<String>,
    ts: Option<String>,
}

/// The outbox rows about the person: those queued naming them (`service_user_id`), by
/// subject, through the reminders, approval and proposal copies that link them, and, for
/// rows queued before messages named their person, by what their payload says.
async fn outbox_rows_about(tx: &mut Transaction<'static, Db>, person_id: i64) -> StoreResult<Vec<i64>> {
    let mut subjects: Vec<(&str, Vec<i64>)> = vec![("service_user", vec![person_id])];
    for (kind, table) in [
        ("incident", "incidents"),
        ("ended_call", "ended_calls"),
        ("foi_refusal", "foi_refusals"),
        ("warning", "warnings"),
        ("restriction_request", "restriction_requests"),
        ("restriction", "restrictions"),
        ("breach", "breaches"),
        ("dispute", "disputes"),
        ("review", "reviews"),
        ("review_continuation", "review_continuations"),
        ("letter", "letters"),
    ] {
        subjects.push((kind, ids_of(tx, table, person_id).await?));
    }
    let mut query = sqlx::QueryBuilder::<Db>::new("SELECT o.id FROM outbox o WHERE (1 = 0");
    for (kind, ids) in &subjects {
        if ids.is_empty() {
            continue;
        }
        for source in ["o", "m"] {
            if source == "o" {
                query.push(" OR (o.subject_type = ");
            } else {
                query.push(" OR o.id IN (SELECT m.outbox_id FROM reminders m WHERE m.subject_type = ");
            }
            query.push_bind(*kind);
            query.push(format!(" AND {source}.subject_id IN ("));
            let mut list = query.separated(", ");
            for id in ids {
                list.push_bind(id.to_string());
            }
            query.push("))");
        }
    }
    query.push(" OR o.id IN (SELECT a.outbox_id FROM approval_messages a JOIN restriction_requests q ON q.id = a.request_id WHERE q.service_user_id = ");
    query.push_bind(person_id);
    query.push(") OR o.id IN (SELECT c.outbox_id FROM review_continuation_messages c JOIN review_continuations k ON k.id = c.continuation_id WHERE k.service_user_id = ");
    query.push_bind(person_id);
    query.push(")");
    query.push(" OR o.service_user_id = ");
    query.push_bind(person_id);
    // Rows queued before messages carried their person (migration 0017) can only be
    // found by what they say; no row queued since is searched, so another person who
    // shares a short name or a number is never touched.
    let needles = needles(tx, person_id).await?;
    if !needles.is_empty() {
        query.push(" OR (o.service_user_id IS NULL AND o.id <= (SELECT last_unlinked_id FROM outbox_legacy) AND (1 = 0");
        for needle in needles {
            query.push(" OR lower(CAST(o.payload AS TEXT)) LIKE '%' || lower(");
            query.push_bind(needle);
            query.push(") || '%'");
        }
        query.push("))");
    }
    query.push(") ORDER BY o.id");
    Ok(query.build_query_scalar::<i64>().fetch_all(&mut **tx).await?)
}

/// Whether a sender holds one of `ids` right now (claimed, not yet recorded). On
/// PostgreSQL the rows are locked, so no sender claims one until this erasure is done
/// (claiming skips locked rows).
async fn being_sent(tx: &mut Transaction<'static, Db>, ids: &[i64], now: DateTime<Utc>) -> StoreResult<bool> {
    if ids.is_empty() {
        return Ok(false);
    }
    let mut query = sqlx::QueryBuilder::<Db>::new("SELECT status, claimed_until FROM outbox WHERE id IN (");
    let mut list = query.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    query.push(if BACKEND == Backend::Postgres { ") FOR UPDATE" } else { ")" });
    let rows: Vec<(String, Option<DateTime<Utc>>)> = query.build_query_as().fetch_all(&mut **tx).await?;
    Ok(rows.iter().any(|(status, until)| status == "pending" && until.is_some_and(|u| u > now)))
}

async fn facts_in(tx: &mut Transaction<'static, Db>, person_id: i64, today: NaiveDate) -> StoreResult<Option<RetentionFacts>> {
    // On PostgreSQL the person's row is locked: every new record about them moves their
    // last activity forward (an UPDATE of this row), so it waits for this erasure.
    let locked = sqlx::query_scalar::<_, i64>(&format!("SELECT id FROM service_users WHERE id = $1 {}", if BACKEND == Backend::Postgres { "FOR UPDATE" } else { "" }))
        .bind(person_id)
        .fetch_optional(&mut **tx)
        .await?;
    if locked.is_none() {
        return Ok(None);
    }
    let row = sqlx::query(&format!("{FACTS_SELECT} WHERE p.id = $2"))
        .bind(today)
        .bind(person_id)
        .fetch_one(&mut **tx)
        .await?;
    facts_from_row(&row).map(Some)
}

#[async_trait]
impl RetentionWrites for WriteHandle {
    async fn place_legal_hold(&mut self, person_id: i64, reason: &str, actor: &Actor, now: DateTime<Utc>) -> StoreResult<i64> {
        let tx = &mut self.tx;
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM service_users WHERE id = $1 AND erased_at IS NULL")
            .bind(person_id)
            .fetch_optional(&mut **tx)
            .await?;
        if exists.is_none() {
            return Err(StoreError::not_found(format!("person SU-{person_id}")));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO legal_holds (service_user_id, reason, held_by, held_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(person_id)
        .bind(reason)
        .bind(actor.as_str())
        .bind(now)
        .fetch_one(&mut **tx)
        .await
        .map_err(|e| StoreError::conflict_on_unique(e, format!("an open legal hold on SU-{person_id}")))?;
        let entry = AuditEntry::new(actor, "legal_hold_placed", "service_user", person_id)
            .after(serde_json::json!({ "legal_hold_id": id, "fields": ["reason"] }));
        insert_audit(tx, &entry, now).await?;
        Ok(id)
    }

    async fn release_legal_hold(&mut self, person_id: i64, actor: &Actor, now: DateTime<Utc>) -> StoreResult<()> {
        let tx = &mut self.tx;
        let released: Option<i64> = sqlx::query_scalar(
            "UPDATE legal_holds SET released_by = $2, released_at = $3 WHERE service_user_id = $1 AND released_at IS NULL RETURNING id",
        )
        .bind(person_id)
        .bind(actor.as_str())
        .bind(now)
        .fetch_optional(&mut **tx)
        .await?;
        let Some(id) = released else {
            return Err(StoreError::not_found(format!("an open legal hold on SU-{person_id}")));
        };
        let entry = AuditEntry::new(actor, "legal_hold_released", "service_user", person_id)
            .after(serde_json::json!({ "legal_hold_id": id }));
        insert_audit(tx, &entry, now).await
    }

    async fn erase_person(
        &mut self,
        person_id: i64,
        ground: ErasureGround,
        today: NaiveDate,
        run_id: Option<i64>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> StoreResult<Erasure> {
        let tx = &mut self.tx;
        let Some(facts) = facts_in(tx, person_id, today).await? else {
            return Err(StoreError::not_found(format!("person SU-{person_id}")));
        };
        let kept: Vec<Kept> = match ground {
            ErasureGround::Retention { cutoff } => rule::reasons_kept(&facts, cutoff),
            ErasureGround::Request => rule::blockers(&facts),
        };
        if !kept.is_empty() {
            return Ok(Erasure::Kept(kept));
        }

        // The bot's messages about them, found while their name and identifiers are there.
        let outbox_ids = outbox_rows_about(tx, person_id).await?;
        // A sender holding one of them would post it and then find its row gone, so the
        // message would stay in Slack with nothing to delete it by: wait for it instead.
        if being_sent(tx, &outbox_ids, now).await? {
            return Ok(Erasure::Kept(vec![Kept::MessageBeingSent]));
        }
        let mut report = ErasureReport { person_id, ..ErasureReport::default() };
        let mut posted: Vec<Posted> = Vec::new();
        for id in &outbox_ids {
            let row = sqlx::query("SELECT method, status, slack_channel, slack_ts FROM outbox WHERE id = $1")
                .bind(id)
                .fetch_one(&mut **tx)
                .await?;
            let status: String = row.try_get("status")?;
            if status == "sent" {
                posted.push(Posted { method: row.try_get("method")?, channel: row.try_get("slack_channel")?, ts: row.try_get("slack_ts")? });
            }
            // A message not yet sent is stopped: it would carry what is being erased.
            report.outbox_rows += sqlx::query(
                "UPDATE outbox SET payload = $2, status = CASE WHEN status = 'sent' THEN status ELSE 'failed' END, \
                 last_error = CASE WHEN status = 'sent' THEN last_error ELSE 'erased (R-DP-2)' END, \
                 claimed_by = NULL, claimed_until = NULL WHERE id = $1",
            )
            .bind(id)
            .bind(Json(serde_json::json!({})))
            .execute(&mut **tx)
            .await?
            .rows_affected();
        }
        // Approval copies are delivered outside their outbox row's answer too.
        let copies = sqlx::query(
            "SELECT a.slack_channel, a.slack_ts FROM approval_messages a JOIN restriction_requests q ON q.id = a.request_id \
             WHERE q.service_user_id = $1 AND a.slack_channel IS NOT NULL AND a.slack_ts IS NOT NULL",
        )
        .bind(person_id)
        .fetch_all(&mut **tx)
        .await?;
        for row in &copies {
            posted.push(Posted { method: "chat.postMessage".to_owned(), channel: row.try_get("slack_channel")?, ts: row.try_get("slack_ts")? });
        }
        let files: Vec<Option<String>> = sqlx::query_scalar("SELECT slack_file_id FROM letters WHERE service_user_id = $1 AND slack_file_id IS NOT NULL")
            .bind(person_id)
            .fetch_all(&mut **tx)
            .await?;
        for file in files.into_iter().flatten() {
            posted.push(Posted { method: "files.upload:dm".to_owned(), channel: None, ts: Some(file) });
        }
        let mut targets: Vec<SlackTarget> = Vec::new();
        for p in posted {
            let target = match (p.method.as_str(), p.channel, p.ts) {
                ("files.upload:dm", _, Some(file)) => SlackTarget::File { id: file },
                ("chat.postMessage", Some(channel), Some(ts)) => SlackTarget::Message { channel, ts },
                _ => continue,
            };
            if !targets.contains(&target) {
                targets.push(target);
            }
        }

        for (table, column, filter) in PERSONAL_TEXT {
            let n = blank(tx, table, column, filter, person_id).await?;
            if n > 0 {
                report.cleared.push((table, column, n));
            }
        }
        for (kind, empty) in PERSONAL_PARAMS {
            for (table, parent, link) in [
                ("request_measures", "restriction_requests", "request_id"),
                ("restriction_measures", "restrictions", "restriction_id"),
            ] {
                let n = sqlx::query(&format!(
                    "UPDATE {table} SET params = $3 WHERE kind = $2 AND {link} IN (SELECT id FROM {parent} WHERE service_user_id = $1)"
                ))
                .bind(person_id)
                .bind(*kind)
                .bind(Json(serde_json::from_str::<Value>(empty).map_err(corrupt)?))
                .execute(&mut **tx)
                .await?
                .rows_affected();
                if n > 0 {
                    report.cleared.push((table, "params", n));
                }
            }
        }
        let identifiers = sqlx::query("DELETE FROM service_user_identifiers WHERE service_user_id = $1")
            .bind(person_id)
            .execute(&mut **tx)
            .await?
            .rows_affected();
        if identifiers > 0 {
            report.cleared.push(("service_user_identifiers", "*", identifiers));
        }
        sqlx::query(
            "UPDATE service_users SET display_name = NULL, name_folded = NULL, preferred_format = 'standard', language = 'en', \
             communication_needs = '', erased_at = $2, erased_by = $3, updated_at = $2 WHERE id = $1",
        )
        .bind(person_id)
        .bind(now)
        .bind(actor.as_str())
        .execute(&mut **tx)
        .await?;
        report.cleared.insert(0, ("service_users", "display_name", 1));
        report.cleared.insert(1, ("service_users", "name_folded", 1));
        if let Some(run_id) = run_id {
            sqlx::query("UPDATE retention_candidates SET erased = $3 WHERE run_id = $1 AND service_user_id = $2")
                .bind(run_id)
                .bind(person_id)
                .bind(true)
                .execute(&mut **tx)
                .await?;
        }
        let cleared: Vec<Value> = report
            .cleared
            .iter()
            .map(|(table, column, rows)| serde_json::json!({ "table": table, "column": column, "rows": rows }))
            .collect();
        let entry = AuditEntry::new(actor, "person_erased", "service_user", person_id).after(serde_json::json!({
            "ground": match ground { ErasureGround::Retention { .. } => "retention", ErasureGround::Request => "request" },
            "run_id": run_id,
            "cleared": cleared,
            "outbox_payloads_cleared": report.outbox_rows,
            "slack_messages_deleted": targets.iter().filter(|t| matches!(t, SlackTarget::Message { .. })).count(),
            "slack_files_deleted": targets.iter().filter(|t| matches!(t, SlackTarget::File { .. })).count(),
        }));
        insert_audit(tx, &entry, now).await?;
        report.slack_targets = targets;
        Ok(Erasure::Erased(report))
    }

    async fn erase_unlinked_calls(&mut self, cutoff: DateTime<Utc>, actor: &Actor, now: DateTime<Utc>) -> StoreResult<u64> {
        let tx = &mut self.tx;
        let notes = sqlx::query(
            "UPDATE correction_notes SET note = '' WHERE record_type = 'ended_call' AND note <> '' AND record_id IN \
             (SELECT id FROM ended_calls WHERE service_user_id IS NULL AND occurred_at < $1)",
        )
        .bind(cutoff)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        let calls = sqlx::query("UPDATE ended_calls SET note = '' WHERE service_user_id IS NULL AND occurred_at < $1 AND note <> ''")
            .bind(cutoff)
            .execute(&mut **tx)
            .await?
            .rows_affected();
        if calls + notes > 0 {
            let entry = AuditEntry::new(actor, "unlinked_calls_erased", "ended_call", "unlinked").after(serde_json::json!({
                "cleared": [
                    { "table": "ended_calls", "column": "note", "rows": calls },
                    { "table": "correction_notes", "column": "note", "rows": notes },
                ],
            }));
            insert_audit(tx, &entry, now).await?;
        }
        Ok(calls)
    }

    async fn record_retention_run(&mut self, run: &NewRetentionRun, actor: &Actor, now: DateTime<Utc>) -> StoreResult<i64> {
        let tx = &mut self.tx;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO retention_runs (dry_run, inactive_days, candidates, created_by, created_at, reason) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(run.dry_run)
        .bind(i32::try_from(run.inactive_days).unwrap_or(i32::MAX))
        .bind(i32::try_from(run.candidates.len()).unwrap_or(i32::MAX))
        .bind(actor.as_str())
        .bind(now)
        .bind(run.reason.as_deref())
        .fetch_one(&mut **tx)
        .await?;
        for (person_id, last_activity_at) in &run.candidates {
            sqlx::query("INSERT INTO retention_candidates (run_id, service_user_id, last_activity_at, erased) VALUES ($1, $2, $3, $4)")
                .bind(id)
                .bind(person_id)
                .bind(last_activity_at)
                .bind(false)
                .execute(&mut **tx)
                .await?;
        }
        let entry = AuditEntry::new(actor, "retention_run_started", "retention_run", id).after(serde_json::json!({
            "dry_run": run.dry_run,
            "inactive_days": run.inactive_days,
            "candidates": run.candidates.iter().map(|(p, _)| p).collect::<Vec<_>>(),
        }));
        insert_audit(tx, &entry, now).await?;
        Ok(id)
    }

    async fn finish_retention_run(&mut self, run_id: i64, erased: i64, now: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query("UPDATE retention_runs SET erased = $2, finished_at = $3 WHERE id = $1")
            .bind(run_id)
            .bind(i32::try_from(erased).unwrap_or(i32::MAX))
            .bind(now)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    async fn confirm_retention_run(&mut self, dry_run_id: i64, admin: &UserId, inactive_days: i64, now: DateTime<Utc>) -> StoreResult<Confirmation> {
        let tx = &mut self.tx;
        let before: Option<Option<String>> = sqlx::query_scalar("SELECT confirmed_by FROM retention_runs WHERE confirms_run_id = $1")
            .bind(dry_run_id)
            .fetch_optional(&mut **tx)
            .await?;
        if let Some(by) = before {
            return Ok(Confirmation::AlreadyConfirmed { by: by.unwrap_or_default() });
        }
        let candidates = sqlx::query("SELECT service_user_id, last_activity_at FROM retention_candidates WHERE run_id = $1 ORDER BY service_user_id")
            .bind(dry_run_id)
            .fetch_all(&mut **tx)
            .await?;
        let actor = Actor::user(admin);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO retention_runs (dry_run, inactive_days, candidates, created_by, created_at, confirms_run_id, confirmed_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $4) RETURNING id",
        )
        .bind(false)
        .bind(i32::try_from(inactive_days).unwrap_or(i32::MAX))
        .bind(i32::try_from(candidates.len()).unwrap_or(i32::MAX))
        .bind(actor.as_str())
        .bind(now)
        .bind(dry_run_id)
        .fetch_one(&mut **tx)
        .await
        .map_err(|e| StoreError::conflict_on_unique(e, "a confirmation of this retention run"))?;
        for row in &candidates {
            sqlx::query("INSERT INTO retention_candidates (run_id, service_user_id, last_activity_at, erased) VALUES ($1, $2, $3, $4)")
                .bind(id)
                .bind(row.try_get::<i64, _>("service_user_id")?)
                .bind(row.try_get::<DateTime<Utc>, _>("last_activity_at")?)
                .bind(false)
                .execute(&mut **tx)
                .await?;
        }
        let entry = AuditEntry::new(&actor, "retention_run_confirmed", "retention_run", dry_run_id)
            .after(serde_json::json!({ "applied_as_run": id }));
        insert_audit(tx, &entry, now).await?;
        Ok(Confirmation::Confirmed { run_id: id })
    }

    async fn enqueue_retention_copy(&mut self, run_id: i64, admin: &UserId, message: &NewOutboxMessage, now: DateTime<Utc>) -> StoreResult<()> {
        let tx = &mut self.tx;
        let outbox_id = insert_outbox_returning(tx, message, now).await?;
        sqlx::query("INSERT INTO retention_run_messages (run_id, recipient_slack_user_id, outbox_id, created_at) VALUES ($1, $2, $3, $4)")
            .bind(run_id)
            .bind(admin.as_str())
            .bind(outbox_id)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }
}
