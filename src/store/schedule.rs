//! What the scheduler reads and writes (R-REM-1 … R-REM-3) and what App Home lists: items
//! coming due, the reminders already issued (one per item, occasion and recipient, by a
//! unique key), and claims on each scheduled run so two instances never both run it.

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::UserId;
use crate::store::NewOutboxMessage;

/// The kinds of reminder, as stored (the `reminders.kind` CHECK list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReminderKind {
    ReviewDue,
    ReviewOverdue,
    DisputeDue,
    ApprovalWaiting,
    ApprovalEscalated,
    AdaptPeriodPassed,
    PoliceReportOutstanding,
    RestrictionEnding,
    LetterUnsent,
}

impl ReminderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReminderKind::ReviewDue => "review_due",
            ReminderKind::ReviewOverdue => "review_overdue",
            ReminderKind::DisputeDue => "dispute_due",
            ReminderKind::ApprovalWaiting => "approval_waiting",
            ReminderKind::ApprovalEscalated => "approval_escalated",
            ReminderKind::AdaptPeriodPassed => "adapt_period_passed",
            ReminderKind::PoliceReportOutstanding => "police_report_outstanding",
            ReminderKind::RestrictionEnding => "restriction_ending",
            ReminderKind::LetterUnsent => "letter_unsent",
        }
    }
}

/// One reminder to issue: at most one per (kind, subject, occasion, recipient), ever.
#[derive(Debug, Clone, PartialEq)]
pub struct NewReminder {
    pub kind: ReminderKind,
    pub subject_type: &'static str,
    pub subject_id: i64,
    /// The due occasion, e.g. the review date: a new date is a new occasion.
    pub occasion: String,
    pub recipient: UserId,
    pub function_id: i64,
    pub message: NewOutboxMessage,
    /// When the message is a fresh copy of an approval message, it is registered so the
    /// decision updates it like every other copy.
    pub copy_of: Option<ApprovalCopy>,
}

/// What a fresh approval copy is a copy of: a restriction request's approval message, or a
/// proposal to continue at review's authorisation message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApprovalCopy {
    Request(i64),
    Continuation(i64),
}

impl NewReminder {
    /// The outbox key: the reminder's own unique key, so the message is queued once.
    pub fn key(
        kind: ReminderKind,
        subject_type: &str,
        subject_id: i64,
        occasion: &str,
        recipient: &UserId,
    ) -> String {
        format!(
            "reminder:{}:{subject_type}:{subject_id}:{occasion}:{recipient}",
            kind.as_str()
        )
    }
}

/// A restriction whose review is coming due, or overdue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueReview {
    pub restriction_id: i64,
    pub reference: String,
    pub function_id: i64,
    pub next_review_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    /// The manager who requested it: they own it.
    pub owner: UserId,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueDispute {
    pub dispute_id: i64,
    pub reference: String,
    pub function_id: i64,
    pub due_on: NaiveDate,
    pub handler: UserId,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingRequest {
    pub request_id: i64,
    pub reference: String,
    pub person_id: i64,
    pub function_id: i64,
    pub requested_at: DateTime<Utc>,
    pub requester: UserId,
}

/// A proposal to continue a restriction at review, still waiting for the head or a deputy
/// to authorise it (finding 10), nudged like a waiting request (finding 12).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingContinuation {
    pub continuation_id: i64,
    pub review_id: i64,
    pub function_id: i64,
    pub proposed_at: DateTime<Utc>,
    pub proposer: UserId,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LapsedWarning {
    pub warning_id: i64,
    pub reference: String,
    pub function_id: i64,
    pub person_id: i64,
    pub adapt_until: NaiveDate,
    pub owner: UserId,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutstandingReport {
    pub incident_id: i64,
    pub reference: String,
    pub function_id: i64,
    pub occurred_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsentLetter {
    pub letter_id: i64,
    pub kind: String,
    pub function_id: i64,
    pub subject_reference: String,
    pub created_at: DateTime<Utc>,
    /// The manager holding the draft: it was delivered to them to send.
    pub owner: UserId,
    /// A restriction notice whose restriction is approved but not yet in force: it
    /// waits on this letter being sent (issue 9, finding 15).
    pub restriction_waits: bool,
}

/// Everything a sweep may remind about, as of one day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DueItems {
    pub reviews: Vec<DueReview>,
    pub ending: Vec<DueReview>,
    pub disputes: Vec<DueDispute>,
    pub waiting_requests: Vec<WaitingRequest>,
    pub waiting_continuations: Vec<WaitingContinuation>,
    pub lapsed_warnings: Vec<LapsedWarning>,
    pub outstanding_reports: Vec<OutstandingReport>,
    pub unsent_letters: Vec<UnsentLetter>,
}

/// How far ahead and how far back a sweep looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueQuery {
    /// Reviews due on or before this day (today + N days), including overdue ones.
    pub reviews_until: NaiveDate,
    /// Restrictions ending on or before this day, from today.
    pub ending_until: NaiveDate,
    pub today: NaiveDate,
    /// Requests made before this instant have waited long enough to be nudged.
    pub requests_before: DateTime<Utc>,
    /// Police reports for incidents before this instant are outstanding.
    pub reports_before: DateTime<Utc>,
    /// Letters drafted before this instant and not marked sent are reminded.
    pub letters_before: DateTime<Utc>,
}

/// The first items of a list and how many there are in all: a count shown to a person is
/// the true count, not the size of the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed<T> {
    pub items: Vec<T>,
    pub total: usize,
}

impl<T> Default for Listed<T> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            total: 0,
        }
    }
}

impl<T> Listed<T> {
    /// How many are not among `items`.
    pub fn more(&self) -> usize {
        self.total.saturating_sub(self.items.len())
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }
}

/// One user's App Home: what is theirs to do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HomeItems {
    /// Requests sent to this user for a decision (an approval copy is theirs) while they
    /// still decide for the function: reference and when requested.
    pub approvals_waiting: Listed<(i64, String, DateTime<Utc>)>,
    /// Proposals to continue a restriction at review sent to this user to authorise:
    /// review reference, restriction reference, when proposed.
    pub continuations_waiting: Listed<(i64, String, String, DateTime<Utc>)>,
    /// This user's own requests and proposals still waiting on the head: reference and when.
    pub waiting_on_head: Listed<(String, DateTime<Utc>)>,
    pub reviews_due: Listed<(i64, String, NaiveDate)>,
    pub disputes_to_resolve: Listed<(i64, String, NaiveDate)>,
    pub police_reports: Listed<(i64, String, DateTime<Utc>)>,
    /// Letters this user holds, not yet marked sent: kind, subject reference, and whether
    /// an approved restriction waits on it to take effect (finding 15).
    pub letters_to_send: Listed<(i64, String, String, bool)>,
    pub my_reports: Listed<(String, DateTime<Utc>, String)>,
}
