//! What the people and reporting parts of the store take and give back. Personal values
//! (names, identifiers, descriptions) travel in these types but never into the audit
//! trail, logs or metrics.

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::foi::FoiGround;
use crate::domain::incident::{
    BehaviourKind, CallEndReason, CallOutcome, Category, Channel, ValidIncident,
};
use crate::domain::measures::Measure;
use crate::domain::person::{AccessRequirements, Identifier, PersonName};

/// A person to create, with the identifiers staff typed.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPerson {
    pub name: PersonName,
    pub identifiers: Vec<Identifier>,
    pub access: AccessRequirements,
}

/// Who a record is about: someone already on record, or a new person created in the
/// same transaction as the record (so a failed report leaves no orphan person).
#[derive(Debug, Clone, PartialEq)]
pub enum PersonChoice {
    Existing(i64),
    New(NewPerson),
}

/// A service user as staff see them.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonRecord {
    pub id: i64,
    pub name: String,
    pub identifiers: Vec<Identifier>,
    pub access: AccessRequirements,
}

/// A reference handed out for a new record, e.g. `INC-00042`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub id: i64,
    pub reference: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewIncident {
    pub person: PersonChoice,
    pub function_id: i64,
    pub incident: ValidIncident,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IncidentRecord {
    pub id: i64,
    pub reference: String,
    pub person_id: i64,
    pub function_id: i64,
    pub category: Category,
    pub kinds: Vec<BehaviourKind>,
    pub channel: Channel,
    pub occurred_at: DateTime<Utc>,
    pub description: String,
    pub police_report_required: bool,
    pub police_report_recorded: bool,
    pub reported_by: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewEndedCall {
    pub person: Option<PersonChoice>,
    pub function_id: i64,
    pub outcome: CallOutcome,
    pub reason: CallEndReason,
    pub note: String,
    pub occurred_at: DateTime<Utc>,
}

/// A police report about an incident, or why it was not made (R-RPT-3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PoliceReport {
    Reported {
        on: NaiveDate,
        police_reference: String,
        note: String,
    },
    NotReported {
        reason: String,
        note: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewBreach {
    pub restriction_id: i64,
    /// The restriction must be in force on this day (the reporter's today).
    pub today: NaiveDate,
    pub channel: Channel,
    pub occurred_at: DateTime<Utc>,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFoiRefusal {
    pub person_id: i64,
    pub function_id: i64,
    pub reference: String,
    pub refused_on: NaiveDate,
    pub ground: FoiGround,
    pub note: String,
}

/// A restriction in force today, with what staff must do (R-RPT-5, R-RES-6).
#[derive(Debug, Clone, PartialEq)]
pub struct ActiveRestriction {
    pub id: i64,
    pub reference: String,
    pub person_id: i64,
    pub function_id: i64,
    pub function_name: String,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub next_review_on: NaiveDate,
    pub measures: Vec<Measure>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenDispute {
    pub id: i64,
    pub reference: String,
    pub restriction_reference: String,
    pub received_on: NaiveDate,
    pub due_on: NaiveDate,
}

/// One line of a person's case file (R-RPT-6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    pub kind: &'static str,
    pub reference: Option<String>,
    pub summary: String,
    pub by: String,
}

/// An incident that still needs a police report, on a manager's open list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutstandingPoliceReport {
    pub incident_id: i64,
    pub reference: String,
    pub person_name: String,
    pub function_name: String,
    pub occurred_at: DateTime<Utc>,
}
