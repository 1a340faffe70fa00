//! The write handle: one database transaction a handler holds while it records a change,
//! renders the letter the change needs and queues the Slack messages that announce it.
//!
//! A handler reads top to bottom: authority → domain decision (a typed refusal or a
//! proof) → [`crate::store::Store::begin_write`] → typed write → render → `draft_letter` →
//! `enqueue` → [`WriteTx::commit`] → reply. Nothing is visible to anyone until `commit`;
//! dropping the handle (an early `return`, a `?` on a failed render) rolls everything back,
//! so a change is never recorded without its audit events, its letter and its messages.
//!
//! The typed writes are grouped like the read traits (`ReportingWrites`, …); every group
//! is a supertrait of [`WriteTx`], so a `Box<dyn WriteTx>` offers them all.
//!
//! While a handle is open it holds the database's write lock on SQLite (every write
//! transaction begins IMMEDIATE): do the slow work, above all any call to Slack, before
//! `begin_write`, and hold the handle only for the writes and the rendering.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::authority::{Decider, DisputeHandler, Manager};
use crate::domain::dispute::ValidResolution;
use crate::domain::restriction::CompleteChecklist;
use crate::domain::review::ValidReview;
use crate::domain::{Actor, UserId};
use crate::store::records::{
    Conclusion, ContinuationResult, LetterSubject, NewDispute, NewLetter, NewReview, Recorded,
};
use crate::store::{NewOutboxMessage, StoreResult};

/// One open write transaction. See the module documentation.
#[async_trait]
pub trait WriteTx: ReportingWrites + RestrictionWrites + DisputeWrites + Send {
    /// Queues Slack messages to leave through the outbox once this commits; a message whose
    /// idempotency key is already queued is skipped.
    async fn enqueue(
        &mut self,
        messages: &[NewOutboxMessage],
        now: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// Stores a drafted letter about `subject` (held by `letter.held_by`, who is reminded
    /// until it is marked sent) with its audit event; returns the letter's id, which the
    /// messages that deliver it need.
    async fn draft_letter(
        &mut self,
        letter: &NewLetter,
        subject: LetterSubject,
        person_id: i64,
        function_id: i64,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> StoreResult<i64>;

    /// Makes every write, letter and message of this handle visible at once.
    async fn commit(self: Box<Self>) -> StoreResult<()>;
}

/// Incidents, ended calls, police reports, breaches and FOI refusals (R-RPT-*).
#[async_trait]
pub trait ReportingWrites: Send {}

/// Warnings, restriction requests, their decisions and letters (R-RES-*, R-LET-*).
#[async_trait]
pub trait RestrictionWrites: Send {}

/// Disputes, reviews and review continuations (R-DIS-*, R-REV-*). Each write demands the
/// proof of authority its rule grants, holding in the record's function (a proof for
/// another function is `NotFound`), and records the proof's holder as the actor. An
/// outcome is recorded exactly once however many clicks race: the loser gets
/// `AlreadyConcluded` / `AlreadyDecided` and nothing is written.
#[async_trait]
pub trait DisputeWrites: Send {
    /// Records a dispute of a restriction in force (`DSP-…`), by a manager of its function
    /// (R-DIS-1). A restriction not in force is `NotFound`.
    async fn record_dispute(
        &mut self,
        dispute: &NewDispute,
        by: &Manager,
        now: DateTime<Utc>,
    ) -> StoreResult<Recorded>;

    /// Resolves a dispute awaiting resolution (R-DIS-2, §7): "still applies" or "lifted"
    /// (which ends the restriction) resolve it; "varied" records the proposal and keeps it
    /// awaiting resolution until the head decides the variation.
    async fn resolve_dispute(
        &mut self,
        id: i64,
        resolution: &ValidResolution,
        by: &DisputeHandler,
        now: DateTime<Utc>,
    ) -> StoreResult<Conclusion>;

    /// Starts a review of a restriction in force (`REV-…`). A second open review of the
    /// same restriction is a `Conflict` (the handle is then spent: drop it).
    async fn start_review(
        &mut self,
        review: &NewReview,
        by: &Manager,
        now: DateTime<Utc>,
    ) -> StoreResult<Recorded>;

    /// Decides an open review: lift ends the restriction; vary records the proposal and
    /// leaves the review open (and the restriction in force) until the head decides the
    /// variation (§7); "continue" is proposed with [`DisputeWrites::propose_continuation`]
    /// (a "continue" here sets the next review date). A review with a variation or a
    /// proposal to continue waiting on the head is `AlreadyConcluded` with what waits.
    async fn decide_review(
        &mut self,
        id: i64,
        decision: &ValidReview,
        by: &Manager,
        now: DateTime<Utc>,
    ) -> StoreResult<Conclusion>;

    /// Records a proposal to continue on an open review (finding 10); `approvers` are
    /// named in its audit event. A review already decided, with a proposal waiting or with
    /// a variation waiting, is a `Conflict`. Send the authorisation message with
    /// [`DisputeWrites::enqueue_continuation_approvals`].
    async fn propose_continuation(
        &mut self,
        review_id: i64,
        reasons: &str,
        next_review_on: NaiveDate,
        by: &Manager,
        now: DateTime<Utc>,
        approvers: &[UserId],
    ) -> StoreResult<Recorded>;

    /// Queues each approver's copy of a proposal's authorisation message, each kept linked
    /// to its outbox row so that every copy can be settled with the outcome.
    async fn enqueue_continuation_approvals(
        &mut self,
        continuation_id: i64,
        copies: &[(UserId, NewOutboxMessage)],
        now: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// Authorises a pending proposal (§6 at review): the review is decided "continue" and
    /// the restriction's next review date set. Draft the outcome letter on this handle.
    async fn authorise_continuation(
        &mut self,
        id: i64,
        checklist: &CompleteChecklist,
        by: &Decider,
        now: DateTime<Utc>,
    ) -> StoreResult<ContinuationResult>;

    /// Rejects a pending proposal with `reason`; the review stays open for the manager.
    async fn reject_continuation(
        &mut self,
        id: i64,
        reason: &str,
        by: &Decider,
        now: DateTime<Utc>,
    ) -> StoreResult<ContinuationResult>;
}
