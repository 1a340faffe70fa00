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
pub(super) use crate::store::records::{LetterSubject, NewLetter};
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
              subject_type, subject_id, service_user_id, created_at) \
             VALUES ($1, $2, $3, 'pending', 0, $4, $5, $6, $7, $4) \
             ON CONFLICT (idempotency_key) DO NOTHING",
        )
        .bind(&message.idempotency_key)
        .bind(&message.method)
        .bind(Json(&message.payload))
        .bind(now)
        .bind(message.subject_type.as_deref())
        .bind(message.subject_id.as_deref())
        .bind(message.service_user_id)
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
    // Names are unique whatever their case (migration 0016), so `casework` names
    // `Casework`.
    sqlx::query_scalar::<_, i64>("SELECT id FROM functions WHERE lower(name) = lower($1)")
        .bind(name.as_str())
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("function \"{name}\"")))
}

pub(super) const OUTBOX_COLUMNS: &str = "id, idempotency_key, method, payload, status, attempts, \
     next_attempt_at, last_error, slack_channel, slack_ts, created_at, sent_at, first_attempted_at";

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
        first_attempted_at: row.try_get("first_attempted_at")?,
        in_doubt: false,
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


/// Allocates the next human-readable reference for `prefix`, e.g. `INC-00042`.
pub(super) async fn next_reference(tx: &mut Transaction<'static, Db>, prefix: &str) -> StoreResult<String> {
    let n: i64 = sqlx::query_scalar(
        "INSERT INTO reference_counters (prefix, last_value) VALUES ($1, 1) \
         ON CONFLICT (prefix) DO UPDATE SET last_value = reference_counters.last_value + 1 \
         RETURNING last_value",
    )
    .bind(prefix)
    .fetch_one(&mut **tx)
    .await?;
    Ok(format!("{prefix}-{n:05}"))
}

/// Moves a person's last activity forward; the retention job (R-DP-2) reads it.
pub(super) async fn touch_person(tx: &mut Transaction<'static, Db>, person_id: i64, now: DateTime<Utc>) -> StoreResult<()> {
    let updated = sqlx::query("UPDATE service_users SET last_activity_at = $2 WHERE id = $1 AND erased_at IS NULL")
        .bind(person_id)
        .bind(now)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if updated == 0 {
        return Err(StoreError::not_found(format!("person {person_id}")));
    }
    Ok(())
}

pub(super) fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

/// A stored status or outcome in `table.column`, read back as the domain's enum. A
/// spelling the code does not know is a clear error naming where it was found and what
/// it held, never a panic and never a default.
pub(super) fn parse_stored<T: std::str::FromStr>(table: &'static str, column: &'static str, raw: &str) -> StoreResult<T> {
    raw.parse().map_err(|_| StoreError::UnknownValue { table, column, value: raw.to_owned() })
}

/// [`parse_stored`] of a row's `column`.
pub(super) fn stored<T: std::str::FromStr>(row: &<Db as sqlx::Database>::Row, table: &'static str, column: &'static str) -> StoreResult<T> {
    let raw: String = row.try_get(column)?;
    parse_stored(table, column, &raw)
}

/// [`parse_stored`] of a row's nullable `column`.
pub(super) fn stored_opt<T: std::str::FromStr>(row: &<Db as sqlx::Database>::Row, table: &'static str, column: &'static str) -> StoreResult<Option<T>> {
    let raw: Option<String> = row.try_get(column)?;
    raw.map(|raw| parse_stored(table, column, &raw)).transpose()
}

/// Creates a person with their identifiers inside the caller's transaction. The audit
/// event names the record and which kinds of identifier it holds, never the values, so
/// erasing the person never touches the trail.
pub(super) async fn insert_person(
    tx: &mut Transaction<'static, Db>,
    person: &crate::store::records::NewPerson,
    actor: &Actor,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    let id: i64 = sqlx::query_scalar(
            "INSERT INTO service_users (display_name, preferred_format, language, communication_needs, \
             created_by, created_at, updated_at, last_activity_at, name_folded) \
             VALUES ($1, $2, $3, $4, $5, $6, $6, $6, $7) RETURNING id",
        )
        .bind(person.name.as_str())
        .bind(person.access.format.as_str())
        .bind(person.access.language.as_str())
        .bind(&person.access.communication_needs)
        .bind(actor.as_str())
        .bind(now)
        // Lower-cased here, not by the database: SQLite's lower() folds ASCII only.
        .bind(person.name.as_str().to_lowercase())
        .fetch_one(&mut **tx)
        .await?;
        for identifier in &person.identifiers {
            sqlx::query(
                "INSERT INTO service_user_identifiers (service_user_id, kind, value, normalized, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (service_user_id, kind, normalized) DO NOTHING",
            )
            .bind(id)
            .bind(identifier.kind().as_str())
            .bind(identifier.value())
            .bind(identifier.normalized())
            .bind(actor.as_str())
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
        // The audit trail names the record and which kinds of identifier it holds, never
        // the values themselves, so erasing the person never touches the trail.
        // Nor the format or language of their access requirements: a braille or audio
        // format or a language can reveal a disability or an origin (R-DP-3), and the
        // trail outlives erasure. That some were recorded is enough.
        let kinds: Vec<&str> = person.identifiers.iter().map(|i| i.kind().as_str()).collect();
        let access_recorded = person.access != crate::domain::person::AccessRequirements::default();
        let entry = AuditEntry::new(actor, "person_created", "service_user", id)
            .after(serde_json::json!({ "id": id, "identifier_kinds": kinds, "access_requirements_recorded": access_recorded }));
        insert_audit(tx, &entry, now).await?;
    Ok(id)
}

/// The id of the person a record is about, creating them first when they are new.
pub(super) async fn resolve_person(
    tx: &mut Transaction<'static, Db>,
    choice: &crate::store::records::PersonChoice,
    actor: &Actor,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    use crate::store::records::PersonChoice;
    match choice {
        PersonChoice::Existing(id) => {
            touch_person(tx, *id, now).await?;
            Ok(*id)
        }
        PersonChoice::New(person) => insert_person(tx, person, actor, now).await,
    }
}

/// Queues one outbox row and returns its id (None when its key was already queued).
pub(super) async fn insert_outbox_returning(
    tx: &mut Transaction<'static, Db>,
    message: &NewOutboxMessage,
    now: DateTime<Utc>,
) -> StoreResult<Option<i64>> {
    Ok(sqlx::query_scalar(
        "INSERT INTO outbox (idempotency_key, method, payload, status, attempts, next_attempt_at, \
         subject_type, subject_id, service_user_id, created_at) VALUES ($1, $2, $3, 'pending', 0, $4, $5, $6, $7, $4) \
         ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
    )
    .bind(&message.idempotency_key)
    .bind(&message.method)
    .bind(Json(&message.payload))
    .bind(now)
    .bind(message.subject_type.as_deref())
    .bind(message.subject_id.as_deref())
    .bind(message.service_user_id)
    .fetch_optional(&mut **tx)
    .await?)
}


/// Stores a drafted letter about `subject` and its audit event inside the caller's
/// transaction (R-LET-4); returns the letter's id.
pub(super) async fn insert_letter(
    tx: &mut Transaction<'static, Db>,
    letter: &NewLetter,
    subject: LetterSubject,
    person_id: i64,
    function_id: i64,
    actor: &Actor,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    let (warning_id, restriction_id, dispute_id, review_id): (_, _, Option<i64>, Option<i64>) = match subject {
        LetterSubject::Warning(id) => (Some(id), None, None, None),
        LetterSubject::Restriction(id) => (None, Some(id), None, None),
        LetterSubject::Dispute(id) => (None, None, Some(id), None),
        LetterSubject::Review(id) => (None, None, None, Some(id)),
    };
    let letter_id: i64 = sqlx::query_scalar(
        "INSERT INTO letters (kind, service_user_id, function_id, warning_id, restriction_id, dispute_id, review_id, \
         format, language, template, body, created_by, created_at, held_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
    )
    .bind(letter.kind)
    .bind(person_id)
    .bind(function_id)
    .bind(warning_id)
    .bind(restriction_id)
    .bind(dispute_id)
    .bind(review_id)
    .bind(letter.format)
    .bind(letter.language)
    .bind(&letter.template)
    .bind(&letter.body)
    .bind(actor.as_str())
    .bind(now)
    .bind(letter.held_by.as_str())
    .fetch_one(&mut **tx)
    .await?;
    // The letter's format and language stay on the letter (erased with it), not in the
    // trail: they can reveal a disability or an origin (R-DP-3).
    let entry = AuditEntry::new(actor, "letter_drafted", "letter", letter_id)
        .in_function(function_id)
        .after(serde_json::json!({ "kind": letter.kind }));
    insert_audit(tx, &entry, now).await?;
    Ok(letter_id)
}

/// A proof of authority holds in one function: the record it allows is in that one.
pub(super) fn same_function(holds_in: i64, record_in: i64, what: &str) -> StoreResult<()> {
    if holds_in == record_in {
        Ok(())
    } else {
        Err(StoreError::WrongFunction { what: what.to_owned() })
    }
}

/// The transaction behind a [`crate::store::write::WriteTx`] handle; dropping it rolls back.
pub(super) struct WriteHandle {
    pub(super) tx: Transaction<'static, Db>,
}

/// Records the current submission's key (see `store::once`) in the transaction that is
/// beginning, so the key is committed with the record or not at all. A key already there
/// means the submission was handled before: `AlreadyHandled`, and the caller's
/// transaction is dropped, changing nothing.
pub(super) async fn carry_submission_key(tx: &mut Transaction<'static, Db>) -> StoreResult<()> {
    let Some(key) = crate::store::once::key_to_carry() else {
        return Ok(());
    };
    let inserted = sqlx::query(
        "INSERT INTO slack_events_seen (event_id, received_at) VALUES ($1, $2) \
         ON CONFLICT (event_id) DO NOTHING",
    )
    .bind(key)
    .bind(Utc::now())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if inserted == 1 {
        Ok(())
    } else {
        Err(StoreError::AlreadyHandled)
    }
}
