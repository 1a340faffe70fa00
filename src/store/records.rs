//! What the people and reporting parts of the store take and give back. Personal values
//! (names, identifiers, descriptions) travel in these types but never into the audit
//! trail, logs or metrics.

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::dispute::{DisputeOutcome, DisputeStatus};
use crate::domain::foi::FoiGround;
use crate::domain::incident::{
    BehaviourKind, CallEndReason, CallOutcome, Category, Channel, ValidIncident,
};
use crate::domain::measures::Measure;
use crate::domain::person::{AccessRequirements, Identifier, PersonName};
use crate::domain::restriction::{RequestStatus, RestrictionStatus, WarningStatus};
use crate::domain::review::{ContinuationStatus, ReviewKind, ReviewOutcome, ReviewStatus};

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
    /// With threats among the kinds, whether it was a threat of physical violence (§4);
    /// `None` without threats, or when reported before the form asked.
    pub threat_of_violence: Option<bool>,
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
    /// Approved, waiting for its notice letter to be marked sent (issue 9, finding 15).
    pub awaits_notice: bool,
    pub measures: Vec<Measure>,
}

impl ActiveRestriction {
    /// Where it stands on `today` (the domain's one rule).
    pub fn standing(&self, today: NaiveDate) -> crate::domain::restriction::Standing {
        crate::domain::restriction::restriction_standing(
            crate::domain::restriction::RestrictionStatus::Active,
            self.awaits_notice,
            self.starts_on,
            self.ends_on,
            today,
        )
    }
}

/// A person's current restrictions on a day, as `/contact check` shows them.
#[derive(Debug, Clone, Default)]
pub struct CurrentRestrictions {
    /// In force (`restriction_in_force!`).
    pub in_force: Vec<ActiveRestriction>,
    /// Approved and standing, not yet in force (waiting for the notice, or a later start).
    pub not_yet: Vec<ActiveRestriction>,
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
    /// The id of the incident, ended call, warning or breach the entry is (what a
    /// correction note names, R-REC-1); `None` for other entries.
    pub record_id: Option<i64>,
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

/// A written warning to record (R-RES-1); its letter is drafted in the same transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct NewWarning {
    pub person_id: i64,
    pub function_id: i64,
    pub incident_ids: Vec<i64>,
    pub behaviour: String,
    pub adapt_until: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarningRecord {
    pub id: i64,
    pub reference: String,
    pub person_id: i64,
    pub function_id: i64,
    pub status: WarningStatus,
    pub adapt_until: NaiveDate,
    /// The day its letter was sent; `None` while only drafted.
    pub sent_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// What closing a warning did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WarningClosed {
    Closed {
        reference: String,
        function_id: i64,
    },
    /// It was not open to close: drafted, or already closed (`status` says how).
    NotOpen {
        reference: String,
        status: WarningStatus,
    },
}

/// An incident, as listed for a manager choosing what a warning or request relies on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentSummary {
    pub id: i64,
    pub reference: String,
    pub occurred_at: DateTime<Utc>,
    pub category: String,
    pub function_id: i64,
    /// Physical violence used or threatened (a police report is required, §4).
    pub violence: bool,
}

/// A restriction request as the manager made it (R-RES-2).
#[derive(Debug, Clone, PartialEq)]
pub struct NewRequest {
    pub person_id: i64,
    pub function_id: i64,
    pub incident_ids: Vec<i64>,
    pub measures: Vec<Measure>,
    pub justification: String,
    pub proportionality: String,
    pub internal_review_exhausted: bool,
    pub ends_on: Option<NaiveDate>,
    pub first_review_on: NaiveDate,
    pub warning_id: Option<i64>,
    pub no_warning_reason: Option<String>,
    /// Set when the request varies a restriction in force (review or dispute outcome).
    pub varies_restriction_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RequestRecord {
    pub id: i64,
    pub reference: String,
    pub person_id: i64,
    pub function_id: i64,
    pub status: RequestStatus,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub incident_ids: Vec<i64>,
    pub measures: Vec<Measure>,
    pub justification: String,
    pub proportionality: String,
    pub internal_review_exhausted: bool,
    pub ends_on: Option<NaiveDate>,
    pub first_review_on: NaiveDate,
    pub warning_id: Option<i64>,
    pub no_warning_reason: Option<String>,
    pub varies_restriction_id: Option<i64>,
    pub ticked: Vec<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_reason: Option<String>,
    pub withdrawn_by: Option<String>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// Whether its decider was the head of the function when deciding (`None` for
    /// decisions recorded before this was kept): a head's rejection stands (finding 11).
    pub decided_as_head: Option<bool>,
}

/// A head's decision on a pending request (R-RES-4, R-RES-5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Every criterion ticked (the proof only `check_approval` makes); the restriction
    /// takes effect as `takes_effect` says (issue 9, finding 15).
    Approve {
        checklist: crate::domain::restriction::CompleteChecklist,
        /// When it takes effect: once its notice is sent, or at once for staff safety.
        takes_effect: crate::domain::restriction::TakesEffect,
    },
    Reject {
        ticked: Vec<String>,
        reason: String,
    },
}

/// A letter drafted for a record, to store and send to the manager (R-LET-*).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLetter {
    pub kind: &'static str,
    pub format: &'static str,
    pub language: &'static str,
    pub template: String,
    pub body: String,
    /// The manager it is delivered to, who sends it and is reminded until it is marked
    /// sent (not always the one whose action drafted it).
    pub held_by: crate::domain::UserId,
}

/// The record a letter is about: the column that links it and the record's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LetterSubject {
    Warning(i64),
    Restriction(i64),
    Dispute(i64),
    Review(i64),
}

/// What a decision (or a withdrawal) produced, for the messages that announce it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decided {
    pub request_id: i64,
    pub request_reference: String,
    /// Approved, rejected or withdrawn.
    pub status: RequestStatus,
    pub restriction: Option<Recorded>,
    /// The outbox rows of every copy of the approval message, to update each.
    pub approval_message_outbox_ids: Vec<i64>,
}

/// The result of trying to decide: this call decided, or someone already had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecisionResult {
    Decided(Decided),
    AlreadyDecided {
        status: RequestStatus,
        by: String,
        at: DateTime<Utc>,
    },
    /// A variation whose restriction is no longer in force (ended, lifted or replaced):
    /// nothing was written.
    VariedNotInForce {
        reference: String,
        status: RestrictionStatus,
    },
}

/// Marking a letter sent: recorded now, or it already was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LetterSent {
    /// Recorded; `restriction` is the restriction that waited on this notice and now
    /// takes effect, if any (issue 9, finding 15).
    Recorded {
        restriction: Option<TookEffect>,
    },
    AlreadySent {
        on: NaiveDate,
        by: String,
    },
}

/// A restriction that took effect once its notice letter was marked sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TookEffect {
    pub reference: String,
    /// The day it is in force from.
    pub starts_on: NaiveDate,
    /// The restriction it varies, superseded at the same moment (issue 9, finding 15);
    /// `None` when it varies none, or that one ended or was lifted while it waited.
    pub replaces: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterRecord {
    pub id: i64,
    pub kind: String,
    pub person_id: i64,
    pub function_id: i64,
    pub format: String,
    pub language: String,
    pub body: String,
    pub sent_on: Option<NaiveDate>,
    pub sent_method: Option<String>,
    pub sent_recorded_by: Option<String>,
    pub created_by: String,
    /// When it was drafted: it cannot have been sent before that (issue 9, finding 1).
    pub created_at: DateTime<Utc>,
    pub subject_reference: String,
}

// ---------------------------------------------------------------------------------------
// Disputes and reviews (R-DIS-1, R-DIS-2, R-REV-1, R-REV-2)
// ---------------------------------------------------------------------------------------

/// A restriction as recorded, whether or not it is still in force.
#[derive(Debug, Clone, PartialEq)]
pub struct RestrictionRecord {
    pub id: i64,
    pub reference: String,
    pub person_id: i64,
    pub function_id: i64,
    pub request_id: i64,
    /// As stored: the nightly sweep may not yet have ended one past its end date (see
    /// [`RestrictionRecord::status_on`]).
    pub status: RestrictionStatus,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub next_review_on: NaiveDate,
    /// Approved, waiting for its notice (or outcome) letter to be marked sent (issue 9,
    /// finding 15).
    pub awaits_notice: bool,
    pub measures: Vec<Measure>,
    /// The manager who requested it: the owner reminded of its reviews.
    pub requested_by: String,
    /// The head (or deputy) who approved it.
    pub approved_by: String,
    pub created_at: DateTime<Utc>,
}

impl RestrictionRecord {
    /// Where it stands on `today`: `ended` once past its end date, even before the nightly
    /// sweep records that (`RestrictionStatus::on`).
    pub fn status_on(&self, today: NaiveDate) -> RestrictionStatus {
        self.status.on(self.ends_on, today)
    }

    /// Whether it still stands on `today`: active and not past its end date.
    pub fn current_on(&self, today: NaiveDate) -> bool {
        crate::domain::restriction::restriction_current(self.status, self.ends_on, today)
    }

    /// Whether it is in force on `today`: it still stands, the person has been told (or
    /// it applied at once for staff safety) and it has started.
    pub fn in_force_on(&self, today: NaiveDate) -> bool {
        crate::domain::restriction::restriction_in_force(
            self.status,
            self.awaits_notice,
            self.starts_on,
            self.ends_on,
            today,
        )
    }
}

/// A dispute to record (R-DIS-1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDispute {
    pub restriction_id: i64,
    /// The restriction must be in force on this day (the recorder's today).
    pub today: NaiveDate,
    pub received_on: NaiveDate,
    pub summary: String,
    pub handler: crate::domain::UserId,
    /// The organisation's complaints system reference (§7).
    pub complaint_reference: String,
    pub due_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisputeRecord {
    pub id: i64,
    pub reference: String,
    pub restriction_id: i64,
    pub restriction_reference: String,
    pub person_id: i64,
    pub function_id: i64,
    pub received_on: NaiveDate,
    pub summary: String,
    pub handler: String,
    pub due_on: NaiveDate,
    pub status: DisputeStatus,
    /// Set once resolved.
    pub outcome: Option<DisputeOutcome>,
    pub outcome_reasons: Option<String>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// The complaints system's reference; None for disputes recorded before it was asked.
    pub complaint_reference: Option<String>,
    /// A "vary" outcome waiting on the head's decision on the variation: who chose it and
    /// when (the dispute stays awaiting resolution until then, §7).
    pub variation_proposed_by: Option<String>,
    pub variation_proposed_at: Option<DateTime<Utc>>,
}

/// A review to start (R-REV-1): annual, or early reconsideration (§8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReview {
    pub restriction_id: i64,
    pub kind: crate::domain::review::ReviewKind,
    /// The restriction must be in force on this day.
    pub today: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewRecord {
    pub id: i64,
    pub reference: String,
    pub restriction_id: i64,
    pub restriction_reference: String,
    pub person_id: i64,
    pub function_id: i64,
    pub kind: ReviewKind,
    pub status: ReviewStatus,
    /// Set once decided.
    pub outcome: Option<ReviewOutcome>,
    pub reasons: Option<String>,
    pub next_review_on: Option<NaiveDate>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// A "vary" outcome waiting on the head's decision on the variation: who chose it and
    /// when (the review stays open until then, §7, §8).
    pub variation_proposed_by: Option<String>,
    pub variation_proposed_at: Option<DateTime<Utc>>,
}

/// What resolving a dispute or deciding a review changed, for the messages and the
/// outcome letter written in the same transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Concluded {
    /// The dispute's or review's id and reference.
    pub id: i64,
    pub reference: String,
    pub restriction_id: i64,
    pub restriction_reference: String,
    pub person_id: i64,
    pub function_id: i64,
    /// What the dispute or review concluded.
    pub outcome: Outcome,
    /// Whether this outcome lifted the restriction (false if it was no longer active).
    pub lifted: bool,
    /// Continue only: the restriction's new review date.
    pub next_review_on: Option<NaiveDate>,
}

/// The result of trying to resolve a dispute or decide a review: this call did, or
/// someone already had (exactly one outcome is ever recorded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conclusion {
    Concluded(Concluded),
    AlreadyConcluded {
        outcome: Outcome,
        by: String,
        at: DateTime<Utc>,
        /// A dispute whose "varied" waits on the head's decision on the variation: it is
        /// not resolved yet, but takes no other outcome until then (§7).
        awaiting_variation: bool,
    },
}

/// What a dispute or a review concluded: the domain's outcome of each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    Dispute(DisputeOutcome),
    Review(ReviewOutcome),
}

impl Outcome {
    /// The stored spelling (`disputes.outcome` or `reviews.outcome`), also the letter's
    /// `outcome`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Dispute(outcome) => outcome.as_str(),
            Outcome::Review(outcome) => outcome.as_str(),
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a variation request was made for: a review decided "vary" or a dispute resolved
/// "varied" (R-REV-1, R-DIS-2); its outcome letter is drafted when the head approves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VariationOf {
    Review,
    Dispute,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariationOrigin {
    pub of: VariationOf,
    pub id: i64,
    pub reference: String,
    /// The reasons given for varying, for the outcome letter.
    pub reasons: String,
    /// A dispute's complaints system reference, for the outcome letter (§7).
    pub complaint_reference: Option<String>,
    /// Who decides again when the variation is not approved: a dispute's handler, or the
    /// reviewer who chose to vary a review (§7).
    pub handler: Option<String>,
    /// The restriction the review or dispute is about.
    pub restriction_id: i64,
}

/// A dispute awaiting resolution whose due date has come (for reminders, R-REM-1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueDispute {
    pub id: i64,
    pub reference: String,
    pub restriction_id: i64,
    pub restriction_reference: String,
    pub person_id: i64,
    pub function_id: i64,
    pub handler: String,
    pub received_on: NaiveDate,
    pub due_on: NaiveDate,
}

/// An active restriction whose review date has come (for reminders, R-REM-1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueReview {
    pub restriction_id: i64,
    pub restriction_reference: String,
    pub person_id: i64,
    pub function_id: i64,
    pub next_review_on: NaiveDate,
    /// The manager who requested the restriction.
    pub owner: String,
    /// A review already started and not yet decided, if any.
    pub open_review_id: Option<i64>,
    pub open_review_reference: Option<String>,
}

/// A manager's proposal, at review, that a restriction continues, waiting for (or given)
/// the head of function's authorisation (§6; issue 9, finding 10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContinuationRecord {
    pub id: i64,
    pub review_id: i64,
    pub review_reference: String,
    pub restriction_id: i64,
    pub restriction_reference: String,
    pub person_id: i64,
    pub function_id: i64,
    pub status: ContinuationStatus,
    pub reasons: String,
    pub next_review_on: NaiveDate,
    pub proposed_by: String,
    pub proposed_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub rejection_reason: Option<String>,
    /// Whether its decider was the head of the function when deciding (`None` for
    /// decisions recorded before this was kept): a head's rejection stands (finding 11).
    pub decided_as_head: Option<bool>,
}

/// What authorising or rejecting a proposal to continue changed, for the messages (and,
/// when authorised, the outcome letter) written in the same transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContinuationDecided {
    pub continuation: ContinuationRecord,
    /// The review as concluded: set when authorised, `None` when rejected (it stays open).
    pub concluded: Option<Concluded>,
    /// Every copy of the authorisation message, to be settled.
    pub approval_message_outbox_ids: Vec<i64>,
}

/// The result of authorising or rejecting a proposal to continue: this call did, or it
/// was already settled (by whom, when).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContinuationResult {
    Decided(Box<ContinuationDecided>),
    AlreadyDecided {
        status: ContinuationStatus,
        by: String,
        at: DateTime<Utc>,
    },
}
