// The SQL both backends share, compiled once per backend: this file is `include!`d by
// `sqlite.rs` and `postgres.rs`, which define `Db`, `ThisStore`, `BACKEND`,
// `SKIP_LOCKED`, `begin_write` and `migrate_pool`. Placeholders are `$1`, `$2`, … which
// both SQLite and PostgreSQL accept, so one statement serves both.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;
use sqlx::Row;

use crate::domain::audit::AuditEntry;
use crate::domain::roles::{FunctionName, Role};
use crate::domain::{Actor, UserId};
use crate::store::{
    AuditEvent, DeliveryOutcome, FunctionSummary, NewOutboxMessage, OutboxMessage, OutboxStatus,
    RoleHolding,
};

/// Writes one audit event inside the caller's transaction.
async fn insert_audit(
    tx: &mut Transaction<'static, Db>,
    entry: &AuditEntry,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO audit_events \
         (occurred_at, actor, action, subject_type, subject_id, function_id, before, after) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(now)
    .bind(entry.actor.as_str())
    .bind(entry.action)
    .bind(entry.subject_type)
    .bind(&entry.subject_id)
    .bind(entry.function_id)
    .bind(entry.before.clone().map(Json))
    .bind(entry.after.clone().map(Json))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Queues outbox rows inside the caller's transaction; a repeated key is skipped.
async fn insert_outbox(
    tx: &mut Transaction<'static, Db>,
    messages: &[NewOutboxMessage],
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    let mut stored = 0;
    for message in messages {
        let result = sqlx::query(
            "INSERT INTO outbox \
             (idempotency_key, method, payload, status, attempts, next_attempt_at, \
              subject_type, subject_id, created_at) \
             VALUES ($1, $2, $3, 'pending', 0, $4, $5, $6, $4) \
             ON CONFLICT (idempotency_key) DO NOTHING",
        )
        .bind(&message.idempotency_key)
        .bind(&message.method)
        .bind(Json(&message.payload))
        .bind(now)
        .bind(message.subject_type.as_deref())
        .bind(message.subject_id.as_deref())
        .execute(&mut **tx)
        .await?;
        stored += result.rows_affected();
    }
    Ok(stored)
}

async fn function_id_in(
    tx: &mut Transaction<'static, Db>,
    name: &FunctionName,
) -> StoreResult<i64> {
    sqlx::query_scalar::<_, i64>("SELECT id FROM functions WHERE name = $1")
        .bind(name.as_str())
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("function {name:?}")))
}

const OUTBOX_COLUMNS: &str = "id, idempotency_key, method, payload, status, attempts, \
     next_attempt_at, last_error, slack_channel, slack_ts, created_at, sent_at";

fn outbox_from_row(row: &<Db as sqlx::Database>::Row) -> StoreResult<OutboxMessage> {
    let status: String = row.try_get("status")?;
    let payload: Json<Value> = row.try_get("payload")?;
    Ok(OutboxMessage {
        id: row.try_get("id")?,
        idempotency_key: row.try_get("idempotency_key")?,
        method: row.try_get("method")?,
        payload: payload.0,
        status: OutboxStatus::parse(&status)?,
        attempts: row.try_get("attempts")?,
        next_attempt_at: row.try_get("next_attempt_at")?,
        last_error: row.try_get("last_error")?,
        slack_channel: row.try_get("slack_channel")?,
        slack_ts: row.try_get("slack_ts")?,
        created_at: row.try_get("created_at")?,
        sent_at: row.try_get("sent_at")?,
    })
}

fn audit_from_row(row: &<Db as sqlx::Database>::Row) -> StoreResult<AuditEvent> {
    let before: Option<Json<Value>> = row.try_get("before")?;
    let after: Option<Json<Value>> = row.try_get("after")?;
    Ok(AuditEvent {
        id: row.try_get("id")?,
        occurred_at: row.try_get("occurred_at")?,
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        subject_type: row.try_get("subject_type")?,
        subject_id: row.try_get("subject_id")?,
        function_id: row.try_get("function_id")?,
        before: before.map(|j| j.0),
        after: after.map(|j| j.0),
    })
}

fn parse_role(raw: &str) -> StoreResult<Role> {
    raw.parse().map_err(|_| StoreError::Corrupt(format!("role {raw:?}")))
}

fn role_subject(function_id: i64, user: &UserId) -> String {
    format!("{function_id}:{user}")
}

#[async_trait]
impl Store for ThisStore {
    fn backend(&self) -> Backend {
        BACKEND
    }

    async fn migrate(&self) -> StoreResult<()> {
        self.migrate_pool().await
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn add_function(&self, name: &FunctionName, actor: &Actor, now: DateTime<Utc>) -> StoreResult<i64> {
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO functions (name, created_at, created_by) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(name.as_str())
        .bind(now)
        .bind(actor.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| StoreError::conflict_on_unique(e, format!("function {name:?}")))?;
        let entry = AuditEntry::new(actor, "function_created", "function", id)
            .in_function(id)
            .after(serde_json::json!({ "id": id }));
        insert_audit(&mut tx, &entry, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn list_functions(&self) -> StoreResult<Vec<FunctionSummary>> {
        let functions = sqlx::query("SELECT id, name FROM functions ORDER BY name")
            .fetch_all(&self.pool)
            .await?;
        let roles = sqlx::query(
            "SELECT function_id, slack_user_id, role FROM function_roles ORDER BY slack_user_id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(functions.len());
        for row in &functions {
            out.push(FunctionSummary {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
                head: None,
                deputies: Vec::new(),
                managers: Vec::new(),
                members: Vec::new(),
            });
        }
        for row in &roles {
            let function_id: i64 = row.try_get("function_id")?;
            let user = UserId::from_slack(row.try_get::<String, _>("slack_user_id")?);
            let role = parse_role(&row.try_get::<String, _>("role")?)?;
            if let Some(f) = out.iter_mut().find(|f| f.id == function_id) {
                match role {
                    Role::Head => f.head = Some(user),
                    Role::Deputy => f.deputies.push(user),
                    Role::Manager => f.managers.push(user),
                    Role::Member => f.members.push(user),
                }
            }
        }
        Ok(out)
    }

    async fn function_by_name(&self, name: &FunctionName) -> StoreResult<Option<FunctionSummary>> {
        Ok(self.list_functions().await?.into_iter().find(|f| f.name == name.as_str()))
    }

    async fn grant_role(&self, function: &FunctionName, user: &UserId, role: Role, actor: &Actor, now: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let function_id = function_id_in(&mut tx, function).await?;
        if role == Role::Head {
            // A function has one head: the previous one, if any, steps down in the same
            // transaction, and both changes are recorded.
            let previous: Option<String> = sqlx::query_scalar(
                "SELECT slack_user_id FROM function_roles WHERE function_id = $1 AND role = 'head'",
            )
            .bind(function_id)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(previous) = previous {
                if previous == user.as_str() {
                    return Err(StoreError::Conflict { what: format!("{user} as head of {function}") });
                }
                sqlx::query("DELETE FROM function_roles WHERE function_id = $1 AND role = 'head'")
                    .bind(function_id)
                    .execute(&mut *tx)
                    .await?;
                let previous = UserId::from_slack(previous);
                let entry = AuditEntry::new(actor, "role_revoked", "function_role", role_subject(function_id, &previous))
                    .in_function(function_id)
                    .before(serde_json::json!({ "user": previous, "role": "head" }));
                insert_audit(&mut tx, &entry, now).await?;
            }
        }
        sqlx::query(
            "INSERT INTO function_roles (function_id, slack_user_id, role, granted_at, granted_by) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(function_id)
        .bind(user.as_str())
        .bind(role.as_str())
        .bind(now)
        .bind(actor.as_str())
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::conflict_on_unique(e, format!("{user} as {role} of {function}")))?;
        let entry = AuditEntry::new(actor, "role_granted", "function_role", role_subject(function_id, user))
            .in_function(function_id)
            .after(serde_json::json!({ "user": user, "role": role }));
        insert_audit(&mut tx, &entry, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn revoke_role(&self, function: &FunctionName, user: &UserId, role: Role, actor: &Actor, now: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let function_id = function_id_in(&mut tx, function).await?;
        let removed = sqlx::query(
            "DELETE FROM function_roles WHERE function_id = $1 AND slack_user_id = $2 AND role = $3",
        )
        .bind(function_id)
        .bind(user.as_str())
        .bind(role.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if removed == 0 {
            return Err(StoreError::not_found(format!("{user} as {role} of {function}")));
        }
        let entry = AuditEntry::new(actor, "role_revoked", "function_role", role_subject(function_id, user))
            .in_function(function_id)
            .before(serde_json::json!({ "user": user, "role": role }));
        insert_audit(&mut tx, &entry, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn roles_of(&self, user: &UserId) -> StoreResult<Vec<RoleHolding>> {
        let rows = sqlx::query(
            "SELECT r.function_id, f.name, r.role FROM function_roles r \
             JOIN functions f ON f.id = r.function_id \
             WHERE r.slack_user_id = $1 ORDER BY f.name, r.role",
        )
        .bind(user.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(RoleHolding {
                    function_id: row.try_get("function_id")?,
                    function_name: row.try_get("name")?,
                    role: parse_role(&row.try_get::<String, _>("role")?)?,
                })
            })
            .collect()
    }

    async fn add_admin(&self, user: &UserId, actor: &Actor, now: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO admins (slack_user_id, granted_at, granted_by) VALUES ($1, $2, $3)")
            .bind(user.as_str())
            .bind(now)
            .bind(actor.as_str())
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::conflict_on_unique(e, format!("admin {user}")))?;
        let entry = AuditEntry::new(actor, "admin_added", "admin", user);
        insert_audit(&mut tx, &entry, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn remove_admin(&self, user: &UserId, actor: &Actor, now: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let removed = sqlx::query("DELETE FROM admins WHERE slack_user_id = $1")
            .bind(user.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if removed == 0 {
            return Err(StoreError::not_found(format!("admin {user}")));
        }
        let entry = AuditEntry::new(actor, "admin_removed", "admin", user);
        insert_audit(&mut tx, &entry, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn list_admins(&self) -> StoreResult<Vec<UserId>> {
        let ids: Vec<String> = sqlx::query_scalar("SELECT slack_user_id FROM admins ORDER BY slack_user_id")
            .fetch_all(&self.pool)
            .await?;
        Ok(ids.into_iter().map(UserId::from_slack).collect())
    }

    async fn is_admin(&self, user: &UserId) -> StoreResult<bool> {
        let found: Option<i32> = sqlx::query_scalar("SELECT 1 FROM admins WHERE slack_user_id = $1")
            .bind(user.as_str())
            .fetch_optional(&self.pool)
            .await?;
        Ok(found.is_some())
    }

    async fn audit_events(&self, subject_type: &str, subject_id: &str) -> StoreResult<Vec<AuditEvent>> {
        let rows = sqlx::query(
            "SELECT id, occurred_at, actor, action, subject_type, subject_id, function_id, before, after \
             FROM audit_events WHERE subject_type = $1 AND subject_id = $2 ORDER BY id",
        )
        .bind(subject_type)
        .bind(subject_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(audit_from_row).collect()
    }

    async fn all_audit_events(&self) -> StoreResult<Vec<AuditEvent>> {
        let rows = sqlx::query(
            "SELECT id, occurred_at, actor, action, subject_type, subject_id, function_id, before, after \
             FROM audit_events ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(audit_from_row).collect()
    }

    async fn event_seen(&self, event_id: &str) -> StoreResult<bool> {
        let found: Option<i32> = sqlx::query_scalar("SELECT 1 FROM slack_events_seen WHERE event_id = $1")
            .bind(event_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(found.is_some())
    }

    async fn first_sighting_of_event(&self, event_id: &str, now: DateTime<Utc>) -> StoreResult<bool> {
        let inserted = sqlx::query(
            "INSERT INTO slack_events_seen (event_id, received_at) VALUES ($1, $2) \
             ON CONFLICT (event_id) DO NOTHING",
        )
        .bind(event_id)
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(inserted == 1)
    }

    async fn enqueue(&self, messages: &[NewOutboxMessage], audit: Option<&AuditEntry>, now: DateTime<Utc>) -> StoreResult<u64> {
        let mut tx = self.begin_write().await?;
        let stored = insert_outbox(&mut tx, messages, now).await?;
        if let (Some(entry), true) = (audit, stored > 0) {
            insert_audit(&mut tx, entry, now).await?;
        }
        tx.commit().await?;
        Ok(stored)
    }

    async fn claim_outbox(&self, worker: &str, now: DateTime<Utc>, claim_until: DateTime<Utc>, limit: i64) -> StoreResult<Vec<OutboxMessage>> {
        let mut tx = self.begin_write().await?;
        let sql = format!(
            "UPDATE outbox SET claimed_by = $1, claimed_until = $2, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $3 \
               AND (claimed_until IS NULL OR claimed_until < $3) ORDER BY id LIMIT $4 {SKIP_LOCKED}) \
             RETURNING {OUTBOX_COLUMNS}"
        );
        let rows = sqlx::query(&sql)
            .bind(worker)
            .bind(claim_until)
            .bind(now)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        let mut claimed = rows.iter().map(outbox_from_row).collect::<StoreResult<Vec<_>>>()?;
        claimed.sort_by_key(|m| m.id);
        Ok(claimed)
    }

    async fn record_delivery(&self, id: i64, worker: &str, outcome: &DeliveryOutcome, now: DateTime<Utc>) -> StoreResult<bool> {
        let query = match outcome {
            DeliveryOutcome::Sent { channel, ts } => sqlx::query(
                "UPDATE outbox SET status = 'sent', slack_channel = $3, slack_ts = $4, sent_at = $5, \
                 last_error = NULL, claimed_by = NULL, claimed_until = NULL \
                 WHERE id = $1 AND claimed_by = $2 AND status = 'pending'",
            )
            .bind(id)
            .bind(worker)
            .bind(channel.clone())
            .bind(ts.clone())
            .bind(now),
            DeliveryOutcome::Retry { next_attempt_at, error } => sqlx::query(
                "UPDATE outbox SET next_attempt_at = $3, last_error = $4, \
                 claimed_by = NULL, claimed_until = NULL \
                 WHERE id = $1 AND claimed_by = $2 AND status = 'pending'",
            )
            .bind(id)
            .bind(worker)
            .bind(*next_attempt_at)
            .bind(error.clone()),
            DeliveryOutcome::Failed { error } => sqlx::query(
                "UPDATE outbox SET status = 'failed', last_error = $3, \
                 claimed_by = NULL, claimed_until = NULL \
                 WHERE id = $1 AND claimed_by = $2 AND status = 'pending'",
            )
            .bind(id)
            .bind(worker)
            .bind(error.clone()),
        };
        let updated = query.execute(&self.pool).await?.rows_affected();
        Ok(updated == 1)
    }

    async fn release_outbox_claim(&self, id: i64, worker: &str) -> StoreResult<()> {
        sqlx::query(
            "UPDATE outbox SET claimed_by = NULL, claimed_until = NULL, attempts = attempts - 1 \
             WHERE id = $1 AND claimed_by = $2 AND status = 'pending'",
        )
        .bind(id)
        .bind(worker)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn outbox_messages(&self) -> StoreResult<Vec<OutboxMessage>> {
        let sql = format!("SELECT {OUTBOX_COLUMNS} FROM outbox ORDER BY id");
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(outbox_from_row).collect()
    }

    async fn next_outbox_due(&self) -> StoreResult<Option<DateTime<Utc>>> {
        Ok(sqlx::query_scalar(
            "SELECT next_attempt_at FROM outbox WHERE status = 'pending' \
             ORDER BY next_attempt_at LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?)
    }
}
