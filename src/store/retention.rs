//! Retention, legal holds and erasure in the store (R-DP-2): what the retention job reads
//! ([`RetentionStore`]) and writes ([`RetentionWrites`], on the write handle). The rule
//! itself is [`crate::domain::retention`].

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::retention::{Kept, RetentionFacts};
use crate::domain::{Actor, UserId};
use crate::store::{NewOutboxMessage, StoreResult};

/// A run of the retention job (`retention_runs`), with the people it selected.
#[derive(Debug, Clone, PartialEq)]
pub struct RetentionRun {
    pub id: i64,
    pub dry_run: bool,
    pub inactive_days: i64,
    pub candidates: Vec<RetentionCandidate>,
    pub erased: Option<i64>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// The confirming run, when an admin confirmed this (scheduled) dry run.
    pub confirmed_by_run: Option<ConfirmingRun>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConfirmingRun {
    pub id: i64,
    pub confirmed_by: String,
    pub erased: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RetentionCandidate {
    pub person_id: i64,
    pub last_activity_at: DateTime<Utc>,
    pub erased: bool,
}

/// A run to record: the dry run the schedule makes, an applied run, or one erasure on
/// request (`reason` set, one candidate).
#[derive(Debug, Clone, PartialEq)]
pub struct NewRetentionRun {
    pub dry_run: bool,
    pub inactive_days: i64,
    pub reason: Option<String>,
    pub candidates: Vec<(i64, DateTime<Utc>)>,
}

/// What one erasure cleared: per table and column, how many rows (never the values).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ErasureReport {
    pub person_id: i64,
    pub cleared: Vec<(&'static str, &'static str, u64)>,
    /// Outbox rows about the person whose payload was cleared.
    pub outbox_rows: u64,
    /// The bot's own Slack messages and files that named the person: the caller queues
    /// their deletion on the same handle before it commits.
    pub slack_targets: Vec<SlackTarget>,
}

/// One of the bot's own messages or files in Slack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlackTarget {
    Message { channel: String, ts: String },
    File { id: String },
}

impl ErasureReport {
    pub fn rows(&self) -> u64 {
        self.cleared.iter().map(|(_, _, n)| n).sum::<u64>() + self.outbox_rows
    }
}

/// The outcome of asking to erase one person.
#[derive(Debug, Clone, PartialEq)]
pub enum Erasure {
    Erased(ErasureReport),
    /// Nothing written: these keep the person (re-checked inside the transaction).
    Kept(Vec<Kept>),
}

/// How an erasure is checked before it is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErasureGround {
    /// The retention job: last activity before `cutoff` and nothing keeping them.
    Retention { cutoff: DateTime<Utc> },
    /// Right to erasure, on request: nothing keeping them, whatever their last activity.
    Request,
}

/// The outcome of an admin's confirmation of a scheduled dry run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmation {
    /// This click confirmed it: the new (applying) run's id.
    Confirmed { run_id: i64 },
    /// It was confirmed before (a double click or a retry), by `by`.
    AlreadyConfirmed { by: String },
}

/// Reads for the retention job.
#[async_trait]
pub trait RetentionStore: Send + Sync {
    /// What bears on retention for one person; `None` if there is no such person.
    async fn retention_facts(
        &self,
        person_id: i64,
        today: NaiveDate,
    ) -> StoreResult<Option<RetentionFacts>>;

    /// Every person not yet erased whose last activity is before `cutoff`, by id.
    async fn past_retention(
        &self,
        cutoff: DateTime<Utc>,
        today: NaiveDate,
    ) -> StoreResult<Vec<RetentionFacts>>;

    async fn retention_run(&self, id: i64) -> StoreResult<Option<RetentionRun>>;

    /// The outbox rows of every admin's copy of a scheduled dry run's DM.
    async fn retention_run_copies(&self, run_id: i64) -> StoreResult<Vec<i64>>;
}

/// Writes for retention, legal holds and erasure, on the write handle.
#[async_trait]
pub trait RetentionWrites: Send {
    /// Opens a legal hold: the person is kept until it is released. A second open hold is
    /// a `Conflict`; an unknown or erased person `NotFound`.
    async fn place_legal_hold(
        &mut self,
        person_id: i64,
        reason: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> StoreResult<i64>;

    /// Releases the person's open legal hold; none open is `NotFound`.
    async fn release_legal_hold(
        &mut self,
        person_id: i64,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// Erases one person's personal data (see the module documentation of
    /// `store::sql::retention`), re-checking in this transaction what keeps them; queues
    /// the deletion of the bot's Slack messages and files that named them; writes one
    /// audit event naming what was cleared. A person already erased is
    /// `Kept([AlreadyErased])`, so a second run changes nothing. `run_id` marks the
    /// person erased in that run's candidates.
    async fn erase_person(
        &mut self,
        person_id: i64,
        ground: ErasureGround,
        today: NaiveDate,
        run_id: Option<i64>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> StoreResult<Erasure>;

    /// Clears the notes of ended calls with no known caller that happened before `cutoff`
    /// (and their correction notes); returns how many calls.
    async fn erase_unlinked_calls(
        &mut self,
        cutoff: DateTime<Utc>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> StoreResult<u64>;

    /// Records a run and its candidates, with its audit event; returns its id.
    async fn record_retention_run(
        &mut self,
        run: &NewRetentionRun,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> StoreResult<i64>;

    /// Sets how many were erased and when the run finished.
    async fn finish_retention_run(
        &mut self,
        run_id: i64,
        erased: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// Records `admin`'s confirmation of scheduled dry run `dry_run_id` as a new run with
    /// the same candidates, once: a second confirmation is `AlreadyConfirmed`.
    async fn confirm_retention_run(
        &mut self,
        dry_run_id: i64,
        admin: &UserId,
        inactive_days: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<Confirmation>;

    /// Queues `admin`'s copy of a dry run's DM, linked to the run.
    async fn enqueue_retention_copy(
        &mut self,
        run_id: i64,
        admin: &UserId,
        message: &NewOutboxMessage,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
}
