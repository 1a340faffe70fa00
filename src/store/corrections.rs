//! Correcting the record (R-REC-1): a person's own details corrected in place, and
//! correction notes on records of what happened, which are never rewritten. The reads
//! are [`CorrectionStore`]; the writes are on the write handle ([`CorrectionWrites`]),
//! each moving the person's last activity on and writing its audit event (field names
//! and identifier kinds, never values) in the same transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::domain::authority::Manager;
use crate::domain::correction::{CorrectionText, RecordRef};
use crate::domain::person::{AccessRequirements, Identifier, PersonName};
use crate::store::records::PersonRecord;
use crate::store::StoreResult;

/// A person as the correction form shows them: their record, each identifier with the
/// id a removal names, and the version of their name and access requirements the form
/// is opened at.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonDetails {
    pub person: PersonRecord,
    pub identifiers: Vec<HeldIdentifier>,
    pub version: i64,
}

/// One identifier on record, with its row id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldIdentifier {
    pub id: i64,
    pub identifier: Identifier,
}

/// What a manager saves from the correction form: the person's name and access
/// requirements as the form holds them (unchanged ones are simply not written),
/// identifiers to add and the ids of identifiers to remove.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonCorrection {
    pub person_id: i64,
    /// The details version the form was opened at ([`PersonDetails::version`]).
    pub opened_at_version: i64,
    pub name: PersonName,
    pub access: AccessRequirements,
    pub add: Vec<Identifier>,
    pub remove: Vec<i64>,
}

/// How a correction went. Anything but `Corrected` may have written part of it: drop
/// the handle, and nothing is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorrectionOutcome {
    /// Saved; the names of the fields that changed (`name`, `format`, `language`,
    /// `communication_needs`, `identifiers_added`, `identifiers_removed`), empty when
    /// the form changed nothing.
    Corrected { fields_changed: Vec<&'static str> },
    /// Someone else changed the name or access requirements after the form was opened,
    /// and saving it would undo that (`domain::correction::saves_over_another_change`).
    ChangedMeanwhile,
    /// These identifiers are no longer on record (someone else removed them).
    IdentifiersGone(Vec<i64>),
}

/// An incident, ended call, warning or breach a note can be added to, as the form
/// offers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorrectableRecord {
    pub record: RecordRef,
    pub function_id: i64,
    /// The record's reference (a breach: its restriction's).
    pub reference: String,
    pub at: DateTime<Utc>,
}

/// A correction note, as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorrectionNote {
    pub id: i64,
    pub person_id: Option<i64>,
    pub function_id: i64,
    pub record: RecordRef,
    pub note: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// A note to add to one of the person's records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCorrectionNote {
    pub person_id: i64,
    pub record: RecordRef,
    pub note: CorrectionText,
}

/// The reads of correcting the record.
#[async_trait]
pub trait CorrectionStore: Send + Sync {
    /// The person as the correction form shows them; `None` once erased or unknown.
    async fn person_details(&self, person_id: i64) -> StoreResult<Option<PersonDetails>>;
    /// The person's incidents, ended calls, warnings and breaches, newest first.
    async fn correctable_records(&self, person_id: i64) -> StoreResult<Vec<CorrectableRecord>>;
    /// Every correction note on the person's records, oldest first.
    async fn correction_notes_of(&self, person_id: i64) -> StoreResult<Vec<CorrectionNote>>;
    /// The notes on `records`, oldest first: what a letter citing them repeats.
    async fn correction_notes_on(&self, records: &[RecordRef]) -> StoreResult<Vec<CorrectionNote>>;
}

/// The writes of correcting the record, on the write handle.
#[async_trait]
pub trait CorrectionWrites: Send {
    /// Corrects a person's name, access requirements and identifiers, as any manager
    /// may (`by` is a manager of one of their functions). One audit event per kind of
    /// change: `person_renamed`, `access_requirements_updated`, `identifiers_added`,
    /// `identifiers_removed`. An identifier to add that the person already has is
    /// skipped. A person not on record is `NotFound`.
    async fn correct_person(
        &mut self,
        correction: &PersonCorrection,
        by: &Manager,
        now: DateTime<Utc>,
    ) -> StoreResult<CorrectionOutcome>;

    /// Adds a correction note to one of the person's records, by a manager of the
    /// record's function (another function's proof is `WrongFunction`); a record that is
    /// not the person's is `NotFound`. Returns the note's id.
    async fn add_correction_note(
        &mut self,
        note: &NewCorrectionNote,
        by: &Manager,
        now: DateTime<Utc>,
    ) -> StoreResult<i64>;
}
