// Compiled once per backend; see `common.rs`. Correcting the record (R-REC-1): the
// reads (`store::corrections::CorrectionStore`) and the writes on the handle
// (`CorrectionWrites`).

use crate::domain::authority::Manager;
use crate::domain::correction::{saves_over_another_change, CorrectedRecord, RecordRef};
use crate::domain::person::{Identifier, IdentifierKind};
use crate::store::corrections::*;

/// The records a note can be added to, each query taking the person as `$1` and giving
/// `id`, `reference`, `function_id` and `at`.
const CORRECTABLE: [(CorrectedRecord, &str); 4] = [
    (CorrectedRecord::Incident, "SELECT id, reference, function_id, occurred_at AS at FROM incidents WHERE service_user_id = $1"),
    (CorrectedRecord::EndedCall, "SELECT id, NULL AS reference, function_id, occurred_at AS at FROM ended_calls WHERE service_user_id = $1"),
    (CorrectedRecord::Warning, "SELECT id, reference, function_id, created_at AS at FROM warnings WHERE service_user_id = $1"),
    (CorrectedRecord::Breach, "SELECT b.id, r.reference, b.function_id, b.occurred_at AS at FROM breaches b \
        JOIN restrictions r ON r.id = b.restriction_id WHERE b.service_user_id = $1"),
];

const NOTE_COLUMNS: &str = "id, service_user_id, function_id, record_type, record_id, note, created_by, created_at";

fn note_from_row(row: &<Db as sqlx::Database>::Row) -> StoreResult<CorrectionNote> {
    Ok(CorrectionNote {
        id: row.try_get("id")?,
        person_id: row.try_get("service_user_id")?,
        function_id: row.try_get("function_id")?,
        record: RecordRef::new(stored(row, "correction_notes", "record_type")?, row.try_get("record_id")?),
        note: row.try_get("note")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
    })
}

/// An ended call's reference, as `record_ended_call` hands it out.
fn call_reference(id: i64) -> String {
    format!("CALL-{id:05}")
}

#[async_trait]
impl CorrectionStore for ThisStore {
    async fn person_details(&self, person_id: i64) -> StoreResult<Option<PersonDetails>> {
        let Some(person) = super::people::load_person(&self.pool, person_id).await? else {
            return Ok(None);
        };
        let version: i64 = sqlx::query_scalar("SELECT details_version FROM service_users WHERE id = $1")
            .bind(person_id)
            .fetch_one(&self.pool)
            .await?;
        let rows = sqlx::query(
            "SELECT id, kind, value, normalized FROM service_user_identifiers WHERE service_user_id = $1 ORDER BY id",
        )
        .bind(person_id)
        .fetch_all(&self.pool)
        .await?;
        let identifiers = rows
            .iter()
            .map(|row| {
                let kind: String = row.try_get("kind")?;
                Ok(HeldIdentifier {
                    id: row.try_get("id")?,
                    identifier: Identifier::from_stored(
                        kind.parse::<IdentifierKind>().map_err(corrupt)?,
                        row.try_get::<String, _>("value")?,
                        row.try_get::<String, _>("normalized")?,
                    ),
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Some(PersonDetails { person, identifiers, version }))
    }

    async fn correctable_records(&self, person_id: i64) -> StoreResult<Vec<CorrectableRecord>> {
        let mut records = Vec::new();
        for (kind, sql) in CORRECTABLE {
            for row in sqlx::query(sql).bind(person_id).fetch_all(&self.pool).await? {
                let id: i64 = row.try_get("id")?;
                let reference: Option<String> = row.try_get("reference")?;
                records.push(CorrectableRecord {
                    record: RecordRef::new(kind, id),
                    function_id: row.try_get("function_id")?,
                    reference: reference.unwrap_or_else(|| call_reference(id)),
                    at: row.try_get("at")?,
                });
            }
        }
        records.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| b.record.cmp(&a.record)));
        Ok(records)
    }

    async fn correction_notes_of(&self, person_id: i64) -> StoreResult<Vec<CorrectionNote>> {
        let sql = format!("SELECT {NOTE_COLUMNS} FROM correction_notes WHERE service_user_id = $1 ORDER BY created_at, id");
        sqlx::query(&sql)
            .bind(person_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(note_from_row)
            .collect()
    }

    async fn correction_notes_on(&self, records: &[RecordRef]) -> StoreResult<Vec<CorrectionNote>> {
        let sql = format!("SELECT {NOTE_COLUMNS} FROM correction_notes WHERE record_type = $1 AND record_id = $2");
        let mut notes = Vec::new();
        for record in records {
            for row in sqlx::query(&sql)
                .bind(record.kind.as_str())
                .bind(record.id)
                .fetch_all(&self.pool)
                .await?
            {
                notes.push(note_from_row(&row)?);
            }
        }
        notes.sort_by(|a, b| a.created_at.cmp(&b.created_at).then_with(|| a.id.cmp(&b.id)));
        notes.dedup_by_key(|n| n.id);
        Ok(notes)
    }
}

#[async_trait]
impl CorrectionWrites for WriteHandle {
    async fn correct_person(&mut self, correction: &PersonCorrection, by: &Manager, now: DateTime<Utc>) -> StoreResult<CorrectionOutcome> {
        let actor = &by.actor();
        let id = correction.person_id;
        let tx = &mut self.tx;
        let row = sqlx::query(
            "SELECT display_name, preferred_format, language, communication_needs, details_version \
             FROM service_users WHERE id = $1 AND erased_at IS NULL",
        )
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("person {id}")))?;
        let old_name: Option<String> = row.try_get("display_name")?;
        let old_format: String = row.try_get("preferred_format")?;
        let old_language: String = row.try_get("language")?;
        let old_needs: String = row.try_get("communication_needs")?;
        let version: i64 = row.try_get("details_version")?;
        let access = &correction.access;
        let name_changed = old_name.as_deref() != Some(correction.name.as_str());
        let format_changed = old_format != access.format.as_str();
        let language_changed = old_language != access.language.as_str();
        let needs_changed = old_needs != access.communication_needs;
        let details_changed = name_changed || format_changed || language_changed || needs_changed;
        if saves_over_another_change(correction.opened_at_version, version, !details_changed) {
            return Ok(CorrectionOutcome::ChangedMeanwhile);
        }
        let mut fields_changed = Vec::new();
        if details_changed {
            // Written only while the version is the one just read: a save that raced
            // in between is reported, never overwritten.
            let updated = sqlx::query(
                "UPDATE service_users SET display_name = $2, name_folded = $3, preferred_format = $4, language = $5, \
                 communication_needs = $6, updated_at = $7, details_version = details_version + 1 \
                 WHERE id = $1 AND details_version = $8 AND erased_at IS NULL",
            )
            .bind(id)
            .bind(correction.name.as_str())
            // Lower-cased here, not by the database: SQLite's lower() folds ASCII only.
            .bind(correction.name.as_str().to_lowercase())
            .bind(access.format.as_str())
            .bind(access.language.as_str())
            .bind(&access.communication_needs)
            .bind(now)
            .bind(version)
            .execute(&mut **tx)
            .await?
            .rows_affected();
            if updated == 0 {
                return Ok(CorrectionOutcome::ChangedMeanwhile);
            }
        }
        if name_changed {
            fields_changed.push("name");
            let entry = AuditEntry::new(actor, "person_renamed", "service_user", id)
                .after(serde_json::json!({ "fields_changed": ["name"] }));
            insert_audit(tx, &entry, now).await?;
        }
        if format_changed || language_changed || needs_changed {
            for (changed, field) in [(format_changed, "format"), (language_changed, "language"), (needs_changed, "communication_needs")] {
                if changed {
                    fields_changed.push(field);
                }
            }
            // That they changed, never to what: a format or a language can reveal a
            // disability or an origin (R-DP-3). The same shape as `update_access`.
            let entry = AuditEntry::new(actor, "access_requirements_updated", "service_user", id).after(serde_json::json!({
                "format_changed": format_changed,
                "language_changed": language_changed,
                "communication_needs_changed": needs_changed,
            }));
            insert_audit(tx, &entry, now).await?;
        }
        let mut gone = Vec::new();
        let mut removed_kinds = Vec::new();
        for identifier_id in &correction.remove {
            let kind: Option<String> = sqlx::query_scalar(
                "DELETE FROM service_user_identifiers WHERE id = $1 AND service_user_id = $2 RETURNING kind",
            )
            .bind(identifier_id)
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
            match kind {
                Some(kind) => removed_kinds.push(kind),
                None => gone.push(*identifier_id),
            }
        }
        if !gone.is_empty() {
            return Ok(CorrectionOutcome::IdentifiersGone(gone));
        }
        if !removed_kinds.is_empty() {
            fields_changed.push("identifiers_removed");
            let entry = AuditEntry::new(actor, "identifiers_removed", "service_user", id)
                .after(serde_json::json!({ "identifier_kinds": removed_kinds }));
            insert_audit(tx, &entry, now).await?;
        }
        let mut added_kinds = Vec::new();
        for identifier in &correction.add {
            let inserted = sqlx::query(
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
            .await?
            .rows_affected();
            if inserted == 1 {
                added_kinds.push(identifier.kind().as_str());
            }
        }
        if !added_kinds.is_empty() {
            fields_changed.push("identifiers_added");
            let entry = AuditEntry::new(actor, "identifiers_added", "service_user", id)
                .after(serde_json::json!({ "identifier_kinds": added_kinds }));
            insert_audit(tx, &entry, now).await?;
        }
        // A save that changed nothing is not activity: it must not move the retention
        // clock (R-DP-2).
        if !fields_changed.is_empty() {
            touch_person(tx, id, now).await?;
        }
        Ok(CorrectionOutcome::Corrected { fields_changed })
    }

    async fn add_correction_note(&mut self, note: &NewCorrectionNote, by: &Manager, now: DateTime<Utc>) -> StoreResult<i64> {
        let record = note.record;
        let table = match record.kind {
            CorrectedRecord::Incident => "incidents",
            CorrectedRecord::EndedCall => "ended_calls",
            CorrectedRecord::Warning => "warnings",
            CorrectedRecord::Breach => "breaches",
        };
        let tx = &mut self.tx;
        let sql = format!("SELECT function_id FROM {table} WHERE id = $1 AND service_user_id = $2");
        let function_id: i64 = sqlx::query_scalar(&sql)
            .bind(record.id)
            .bind(note.person_id)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| StoreError::not_found(format!("{} {} of person {}", record.kind, record.id, note.person_id)))?;
        same_function(by.function_id(), function_id, "that record")?;
        touch_person(tx, note.person_id, now).await?;
        let actor = &by.actor();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO correction_notes (service_user_id, function_id, record_type, record_id, note, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(note.person_id)
        .bind(function_id)
        .bind(record.kind.as_str())
        .bind(record.id)
        .bind(note.note.as_str())
        .bind(actor.as_str())
        .bind(now)
        .fetch_one(&mut **tx)
        .await?;
        // Which record and which note, never what the note says (R-REC-4).
        let entry = AuditEntry::new(actor, "correction_note_added", "service_user", note.person_id)
            .in_function(function_id)
            .after(serde_json::json!({ "note_id": id, "record_type": record.kind.as_str(), "record_id": record.id }));
        insert_audit(tx, &entry, now).await?;
        Ok(id)
    }
}
