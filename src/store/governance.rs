//! Reads for the fairness and consistency report (R-DP-5, policy §2): counts over a period,
//! grouped by function and by codes the schema constrains (category, kind, channel, measure,
//! status, outcome, format, language). The queries never select names, identifiers, free
//! text or record ids: only function ids, those codes, dates and counts. Where a count needs
//! the calendar (local months, working days), the query returns the dates, grouped, and the
//! pure [`crate::governance`] module does the arithmetic.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::audit::AuditEntry;
use crate::store::{NewOutboxMessage, StoreResult};

/// A span of time `[from, to)`, both as UTC instants (for timestamp columns) and as the
/// local calendar dates they begin on (for date columns such as `received_on`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountWindow {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub from_date: NaiveDate,
    pub to_date: NaiveDate,
}

/// What the report counts over: the whole period, its local months (for the monthly
/// incident counts), and today (for reviews overdue and not yet done).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GovernanceQuery {
    pub whole: CountWindow,
    /// First day of each local month, with that month's window (clipped to the period).
    pub months: Vec<(NaiveDate, CountWindow)>,
    pub today: NaiveDate,
}

/// A number of records in one function with the given codes (e.g. `["aggressive_abusive"]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupCount {
    pub function_id: i64,
    pub codes: Vec<String>,
    pub count: i64,
}

/// Incidents in one function and category during one local month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthCount {
    pub month: NaiveDate,
    pub function_id: i64,
    pub category: String,
    pub count: i64,
}

/// How many restriction requests in one function were asked on `requested_at` and decided
/// at `decided_at` (grouped by those instants, no ids).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionSpan {
    pub function_id: i64,
    pub requested_at: DateTime<Utc>,
    pub decided_at: DateTime<Utc>,
    pub count: i64,
}

/// Reviews decided in the period: their kind, when decided, and the date they were due
/// (the previous review's next review date, or the request's first review date).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewTiming {
    pub function_id: i64,
    pub kind: String,
    pub decided_at: DateTime<Utc>,
    pub due_on: NaiveDate,
    pub count: i64,
}

/// Everything the report counts, before suppression.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GovernanceCounts {
    /// Incidents that happened in the period, by month, function and category.
    pub incidents: Vec<MonthCount>,
    /// Behaviour kinds ticked on those incidents: codes `[category, kind]`.
    pub incident_kinds: Vec<GroupCount>,
    /// Restriction requests made in the period by status: codes `[status]`.
    pub requests: Vec<GroupCount>,
    /// Requests decided (approved or rejected) in the period.
    pub decisions: Vec<DecisionSpan>,
    /// Measures of restrictions approved in the period: codes `[measure kind]`.
    pub measures: Vec<GroupCount>,
    /// Disputes received in the period: codes `[outcome]`, `awaiting_resolution` while open.
    pub disputes: Vec<GroupCount>,
    /// Reviews decided in the period.
    pub reviews_decided: Vec<ReviewTiming>,
    /// Restrictions still current whose review fell due in the period, before today, and
    /// has not been done: codes `[]`.
    pub reviews_overdue: Vec<GroupCount>,
    /// Incidents in the period that needed or got a police report: codes `[made |
    /// not_made | outstanding]`.
    pub police_reports: Vec<GroupCount>,
    /// Breaches that happened in the period: codes `[channel]`.
    pub breaches: Vec<GroupCount>,
    /// Letters drafted in the period: codes `[kind, format, language]`.
    pub letters: Vec<GroupCount>,
}

/// The fairness and consistency report's reads (R-DP-5).
#[async_trait]
pub trait GovernanceStore: Send + Sync {
    /// Every count of the report over `query`, for all functions (the caller keeps those in
    /// the asker's scope).
    async fn governance_counts(&self, query: &GovernanceQuery) -> StoreResult<GovernanceCounts>;

    /// Records that a report was read (`audit`: who, which period, format and scope; no
    /// counts) and queues its delivery, in one transaction. A reading, not a change to the
    /// register, like [`crate::store::AuditStore::record_reading`].
    async fn record_report_read(
        &self,
        audit: &AuditEntry,
        messages: &[NewOutboxMessage],
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
}
