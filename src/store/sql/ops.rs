// Compiled once per backend; see `common.rs`. The operator's kit (`store::ops`): functions
// renamed and retired, a leaver's open items handed over, the outbox's failed messages,
// the audit trail read, and a copy of a live SQLite database.

use std::path::Path;

use crate::store::ops::*;

/// What is still open in a function, by reference: what `retire-function` lists.
async fn open_in_function(tx: &mut Transaction<'static, Db>, function_id: i64, today: chrono::NaiveDate) -> StoreResult<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as(concat!(
        "SELECT reference FROM restriction_requests WHERE function_id = $1 AND status = 'pending' \
         UNION ALL SELECT reference FROM restrictions r WHERE r.function_id = $1 AND ", restriction_current!("r.", "$2"), " \
         UNION ALL SELECT reference FROM reviews WHERE function_id = $1 AND status = 'open' \
         UNION ALL SELECT reference FROM disputes WHERE function_id = $1 AND status = 'awaiting_resolution' \
         UNION ALL SELECT reference FROM warnings WHERE function_id = $1 AND status IN ('drafted', 'sent') \
         UNION ALL SELECT i.reference FROM incidents i WHERE i.function_id = $1 AND i.police_report_required \
           AND NOT EXISTS (SELECT 1 FROM police_reports p WHERE p.incident_id = i.id) \
         UNION ALL SELECT 'letter ' || CAST(l.id AS TEXT) FROM letters l WHERE l.function_id = $1 AND l.sent_on IS NULL"
    ))
    .bind(function_id)
    .bind(today)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(|(r,)| r).collect())
}

fn open_item(row: &<Db as sqlx::Database>::Row, kind: HandoverKind) -> StoreResult<OpenItem> {
    Ok(OpenItem {
        kind,
        id: row.try_get("id")?,
        reference: row.try_get("reference")?,
        function_id: row.try_get("function_id")?,
        restriction_id: row.try_get("restriction_id")?,
    })
}

#[async_trait]
impl OpsStore for ThisStore {
    async fn rename_function(&self, old: &FunctionName, new: &FunctionName, actor: &Actor, now: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.begin_tx().await?;
        let id = function_id_in(&mut tx, old).await?;
        let before: String = sqlx::query_scalar("SELECT name FROM functions WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
        sqlx::query("UPDATE functions SET name = $2 WHERE id = $1")
            .bind(id)
            .bind(new.as_str())
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::conflict_on_unique(e, format!("a function named \"{new}\" (names are unique whatever their case)")))?;
        // Function names are the organisation's own words, not personal data: both kept.
        let entry = AuditEntry::new(actor, "function_renamed", "function", id)
            .in_function(id)
            .before(serde_json::json!({ "name": before }))
            .after(serde_json::json!({ "name": new }));
        insert_audit(&mut tx, &entry, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn retire_function(&self, name: &FunctionName, actor: &Actor, now: DateTime<Utc>) -> StoreResult<RetireOutcome> {
        let mut tx = self.begin_tx().await?;
        let id = function_id_in(&mut tx, name).await?;
        let retired: Option<DateTime<Utc>> = sqlx::query_scalar("SELECT retired_at FROM functions WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
        if retired.is_some() {
            return Ok(RetireOutcome::AlreadyRetired);
        }
        let open = open_in_function(&mut tx, id, now.date_naive()).await?;
        if !open.is_empty() {
            return Ok(RetireOutcome::OpenItems(open));
        }
        sqlx::query("UPDATE functions SET retired_at = $2, retired_by = $3 WHERE id = $1")
            .bind(id)
            .bind(now)
            .bind(actor.as_str())
            .execute(&mut *tx)
            .await?;
        // Its people stop belonging to it, so no picker offers it; each role's end is
        // recorded as an ordinary revocation.
        let roles: Vec<(String, String)> = sqlx::query_as("DELETE FROM function_roles WHERE function_id = $1 RETURNING slack_user_id, role")
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
        for (user, role) in roles {
            let user = UserId::from_slack(user);
            let entry = AuditEntry::new(actor, "role_revoked", "function_role", role_subject(id, &user))
                .in_function(id)
                .before(serde_json::json!({ "user": user, "role": role }))
                .after(serde_json::json!({ "why": "function retired" }));
            insert_audit(&mut tx, &entry, now).await?;
        }
        let entry = AuditEntry::new(actor, "function_retired", "function", id).in_function(id);
        insert_audit(&mut tx, &entry, now).await?;
        tx.commit().await?;
        Ok(RetireOutcome::Retired)
    }

    async fn retired_functions(&self) -> StoreResult<Vec<i64>> {
        Ok(sqlx::query_scalar("SELECT id FROM functions WHERE retired_at IS NOT NULL ORDER BY id").fetch_all(&self.pool).await?)
    }

    async fn open_items_of(&self, user: &UserId, now: DateTime<Utc>) -> StoreResult<Vec<OpenItem>> {
        let me = user.as_str();
        let mut items = Vec::new();
        let decisions = sqlx::query(
            "SELECT q.id, q.reference, q.function_id, q.varies_restriction_id AS restriction_id FROM restriction_requests q \
             WHERE q.status = 'pending' AND EXISTS (SELECT 1 FROM approval_messages m WHERE m.request_id = q.id AND m.recipient_slack_user_id = $1) \
             ORDER BY q.id",
        )
        .bind(me)
        .fetch_all(&self.pool)
        .await?;
        for row in &decisions {
            items.push(open_item(row, HandoverKind::Decision)?);
        }
        let authorisations = sqlx::query(
            "SELECT c.id, v.reference, c.function_id, v.restriction_id FROM review_continuations c JOIN reviews v ON v.id = c.review_id \
             WHERE c.status = 'pending' AND EXISTS (SELECT 1 FROM review_continuation_messages m WHERE m.continuation_id = c.id \
             AND m.recipient_slack_user_id = $1) ORDER BY c.id",
        )
        .bind(me)
        .fetch_all(&self.pool)
        .await?;
        for row in &authorisations {
            items.push(open_item(row, HandoverKind::Authorisation)?);
        }
        let disputes = sqlx::query(
            "SELECT id, reference, function_id, restriction_id FROM disputes \
             WHERE status = 'awaiting_resolution' AND handler_slack_user_id = $1 ORDER BY id",
        )
        .bind(me)
        .fetch_all(&self.pool)
        .await?;
        for row in &disputes {
            items.push(open_item(row, HandoverKind::Dispute)?);
        }
        let reviews = sqlx::query(concat!(
            "SELECT r.id, r.reference, r.function_id, r.id AS restriction_id FROM restrictions r \
             JOIN restriction_requests q ON q.id = r.request_id \
             WHERE COALESCE(r.review_owner, q.created_by) = $1 AND ", restriction_current!("r.", "$2"), " ORDER BY r.id"
        ))
        .bind(me)
        .bind(now.date_naive())
        .fetch_all(&self.pool)
        .await?;
        for row in &reviews {
            items.push(open_item(row, HandoverKind::Review)?);
        }
        let letters = sqlx::query(
            "SELECT l.id, 'letter ' || CAST(l.id AS TEXT) || ' (' || l.kind || COALESCE(' for ' || COALESCE(w.reference, r.reference, d.reference, v.reference), '') || ')' AS reference, \
             l.function_id, l.restriction_id FROM letters l \
             LEFT JOIN warnings w ON w.id = l.warning_id LEFT JOIN restrictions r ON r.id = l.restriction_id \
             LEFT JOIN disputes d ON d.id = l.dispute_id LEFT JOIN reviews v ON v.id = l.review_id \
             WHERE l.sent_on IS NULL AND COALESCE(l.held_by, l.created_by) = $1 ORDER BY l.id",
        )
        .bind(me)
        .fetch_all(&self.pool)
        .await?;
        for row in &letters {
            items.push(open_item(row, HandoverKind::Letter)?);
        }
        Ok(items)
    }

    async fn hand_over(&self, items: &[OpenItem], from: &UserId, to: &UserId, actor: &Actor, now: DateTime<Utc>) -> StoreResult<u64> {
        let mut tx = self.begin_tx().await?;
        let mut moved = 0;
        for item in items {
            // Each change holds only while the item is still the leaver's: someone may have
            // decided, resolved or sent it since it was listed.
            // $1 the item, $2 the leaver, $3 the new holder.
            let (sql, subject) = match item.kind {
                // The leaver's approval copy becomes the new decider's: the request is on
                // their App Home to decide, and the leaver's DM is still updated with the
                // outcome. The reminder sweep nudges by role, as before.
                HandoverKind::Decision => (
                    "UPDATE approval_messages SET recipient_slack_user_id = $3 WHERE request_id = $1 \
                     AND recipient_slack_user_id = $2 AND EXISTS \
                     (SELECT 1 FROM restriction_requests q WHERE q.id = $1 AND q.status = 'pending')",
                    "restriction_request",
                ),
                HandoverKind::Authorisation => (
                    "UPDATE review_continuation_messages SET recipient_slack_user_id = $3 WHERE continuation_id = $1 \
                     AND recipient_slack_user_id = $2 AND EXISTS \
                     (SELECT 1 FROM review_continuations c WHERE c.id = $1 AND c.status = 'pending')",
                    "review_continuation",
                ),
                HandoverKind::Dispute => (
                    "UPDATE disputes SET handler_slack_user_id = $3 WHERE id = $1 AND handler_slack_user_id = $2 AND status = 'awaiting_resolution'",
                    "dispute",
                ),
                HandoverKind::Review => (
                    "UPDATE restrictions SET review_owner = $3 WHERE id = $1 AND status = 'active' AND COALESCE(review_owner, \
                     (SELECT q.created_by FROM restriction_requests q WHERE q.id = restrictions.request_id)) = $2",
                    "restriction",
                ),
                HandoverKind::Letter => (
                    "UPDATE letters SET held_by = $3 WHERE id = $1 AND sent_on IS NULL AND COALESCE(held_by, created_by) = $2",
                    "letter",
                ),
            };
            // A request may have several approval copies to the leaver: one item moved.
            let changed = sqlx::query(sql)
                .bind(item.id)
                .bind(from.as_str())
                .bind(to.as_str())
                .execute(&mut *tx)
                .await?
                .rows_affected()
                .min(1);
            if changed == 0 {
                continue;
            }
            moved += 1;
            let entry = AuditEntry::new(actor, "handed_over", subject, item.id)
                .in_function(item.function_id)
                .before(serde_json::json!({ "holder": from, "as": item.kind.as_str() }))
                .after(serde_json::json!({ "holder": to, "as": item.kind.as_str() }));
            insert_audit(&mut tx, &entry, now).await?;
        }
        tx.commit().await?;
        Ok(moved)
    }

    async fn outbox_depth(&self) -> StoreResult<OutboxDepth> {
        let rows: Vec<(String, i64)> = sqlx::query_as("SELECT status, COUNT(*) FROM outbox GROUP BY status ORDER BY status")
            .fetch_all(&self.pool)
            .await?;
        let mut by_status = Vec::new();
        for status in [OutboxStatus::Pending, OutboxStatus::Sent, OutboxStatus::Failed] {
            let count = rows.iter().find(|(s, _)| s == status.as_str()).map_or(0, |(_, n)| *n);
            by_status.push((status, count));
        }
        let oldest_pending_at: Option<DateTime<Utc>> = sqlx::query_scalar("SELECT MIN(created_at) FROM outbox WHERE status = 'pending'")
            .fetch_one(&self.pool)
            .await?;
        Ok(OutboxDepth { by_status, oldest_pending_at })
    }

    async fn failed_outbox(&self) -> StoreResult<Vec<FailedMessage>> {
        let rows = sqlx::query("SELECT id, method, last_error, failed_at, created_at FROM outbox WHERE status = 'failed' ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(FailedMessage {
                    id: row.try_get("id")?,
                    method: row.try_get("method")?,
                    error: row.try_get("last_error")?,
                    failed_at: row.try_get("failed_at")?,
                    created_at: row.try_get("created_at")?,
                })
            })
            .collect()
    }

    async fn retry_outbox(&self, id: i64, actor: &Actor, now: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.begin_tx().await?;
        let method: Option<String> = sqlx::query_scalar(
            "UPDATE outbox SET status = 'pending', next_attempt_at = $2, attempts = 0, failed_at = NULL, \
             claimed_by = NULL, claimed_until = NULL WHERE id = $1 AND status = 'failed' RETURNING method",
        )
        .bind(id)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(method) = method else {
            return Err(StoreError::not_found(format!("a failed outbox message {id}")));
        };
        let entry = AuditEntry::new(actor, "outbox_retried", "outbox", id)
            .before(serde_json::json!({ "status": "failed" }))
            .after(serde_json::json!({ "status": "pending", "method": method }));
        insert_audit(&mut tx, &entry, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn read_audit_trail(&self, query: AuditQuery, actor: &Actor, now: DateTime<Utc>) -> StoreResult<Vec<AuditEvent>> {
        let mut tx = self.begin_tx().await?;
        let mut sql = sqlx::QueryBuilder::<Db>::new(
            "SELECT id, occurred_at, actor, action, subject_type, subject_id, function_id, before, after FROM audit_events WHERE 1 = 1",
        );
        if let Some(since) = query.since {
            sql.push(" AND occurred_at >= ").push_bind(since);
        }
        if let Some(person) = query.person_id {
            // The person, and every record held on them (by the subject types the store
            // writes for those records).
            sql.push(" AND ((subject_type = 'service_user' AND subject_id = ").push_bind(person.to_string()).push(")");
            for (subject, table) in [
                ("incident", "incidents"),
                ("ended_call", "ended_calls"),
                ("foi_refusal", "foi_refusals"),
                ("warning", "warnings"),
                ("restriction_request", "restriction_requests"),
                ("restriction", "restrictions"),
                ("dispute", "disputes"),
                ("review", "reviews"),
                ("letter", "letters"),
            ] {
                sql.push(format!(" OR (subject_type = '{subject}' AND subject_id IN (SELECT CAST(id AS TEXT) FROM {table} WHERE service_user_id = "))
                    .push_bind(person)
                    .push("))");
            }
            sql.push(")");
        }
        sql.push(" ORDER BY id");
        let rows = sql.build().fetch_all(&mut *tx).await?;
        let events = rows.iter().map(audit_from_row).collect::<StoreResult<Vec<_>>>()?;
        let entry = match query.person_id {
            Some(person) => AuditEntry::new(actor, "audit_trail_read", "service_user", person),
            None => AuditEntry::new(actor, "audit_trail_read", "audit_trail", "all"),
        }
        .after(serde_json::json!({ "since": query.since, "events": events.len() }));
        insert_audit(&mut tx, &entry, now).await?;
        tx.commit().await?;
        Ok(events)
    }

    async fn backup_into(&self, file: &Path, actor: &Actor, now: DateTime<Utc>) -> StoreResult<()> {
        if BACKEND == Backend::Postgres {
            return Err(StoreError::Refused(
                "admin backup copies a SQLite database; for PostgreSQL use pg_dump (see \"Backup and restore\" in deploy/README.md)".to_owned(),
            ));
        }
        let target = file.to_str().ok_or_else(|| StoreError::Refused(format!("{} is not a path SQLite can use", file.display())))?;
        // VACUUM INTO reads one snapshot of the database (a read transaction), so the copy
        // is consistent while `serve` goes on writing, and it is compact.
        sqlx::query("VACUUM INTO $1").bind(target).execute(&self.pool).await?;
        let mut tx = self.begin_tx().await?;
        let entry = AuditEntry::new(actor, "backup_made", "database", "all");
        insert_audit(&mut tx, &entry, now).await?;
        tx.commit().await?;
        Ok(())
    }
}
