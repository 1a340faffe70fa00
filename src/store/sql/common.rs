// Compiled once per backend: `include!`d by `sqlite.rs` and `postgres.rs` inside a module
// that has `use super::*`, which brings in `Db`, `ThisStore`, `SKIP_LOCKED` and the
// crate's store types. Placeholders are `$1`, `$2`, … which both SQLite and
// PostgreSQL accept, so one statement serves both.

pub(super) use chrono::{DateTime, Utc};
pub(super) use serde_json::Value;
pub(super) use sqlx::types::Json;
pub(super) use sqlx::Row;

pub(super) use crate::domain::audit::AuditEntry;
pub(super) use crate::domain::roles::{FunctionName, Role};
pub(super) use crate::domain::{Actor, UserId};
pub(super) use crate::store::{
    AuditEvent, DeliveryOutcome, FunctionSummary, NewOutboxMessage, OutboxMessage, OutboxStatus,
    RoleHolding,
};

/// Writes one audit event inside the caller's transaction.
pub(super) async fn insert_audit(
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
pub(super) async fn insert_outbox(
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

pub(super) async fn function_id_in(
    tx: &mut Transaction<'static, Db>,
    name: &FunctionName,
) -> StoreResult<i64> {
    sqlx::query_scalar::<_, i64>("SELECT id FROM functions WHERE name = $1")
        .bind(name.as_str())
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("function {name:?}")))
}

pub(super) const OUTBOX_COLUMNS: &str = "id, idempotency_key, method, payload, status, attempts, \
     next_attempt_at, last_error, slack_channel, slack_ts, created_at, sent_at";

pub(super) fn outbox_from_row(row: &<Db as sqlx::Database>::Row) -> StoreResult<OutboxMessage> {
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

pub(super) fn audit_from_row(row: &<Db as sqlx::Database>::Row) -> StoreResult<AuditEvent> {
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

pub(super) fn parse_role(raw: &str) -> StoreResult<Role> {
    raw.parse().map_err(|_| StoreError::Corrupt(format!("role {raw:?}")))
}

pub(super) fn role_subject(function_id: i64, user: &UserId) -> String {
    format!("{function_id}:{user}")
}

