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

use crate::domain::authority::{Decider, DisputeHandler, Manager, Reporter, Withdrawer};
use crate::domain::dispute::ValidResolution;
use crate::domain::restriction::CompleteChecklist;
use crate::domain::review::ValidReview;
use crate::domain::{Actor, UserId};
use crate::store::records::{
    Conclusion, ContinuationResult, Decision, DecisionResult, LetterSubject, NewBreach, NewDispute,
    NewEndedCall, NewFoiRefusal, NewIncident, NewLetter, NewRequest, NewReview, NewWarning,
    PoliceReport, Recorded,
};
use crate::store::{NewOutboxMessage, StoreResult};

/// One open write transaction. See the module documentation.
#[async_trait]
pub trait WriteTx:
    ReportingWrites
    + RestrictionWrites
    + DisputeWrites
    + crate::store::corrections::CorrectionWrites
    + crate::store::retention::RetentionWrites
    + Send
{
    /// Queues Slack messages to leave through the outbox once this commits; a message whose
    /// idempotency key is already queued is skipped. `about` is the service user the
    /// messages concern, if any: erasing them finds the messages by it (R-DP-2), so every
    /// change about a person passes it.
    async fn enqueue(
        &mut self,
        about: Option<i64>,
        messages: &[NewOutboxMessage],
        now: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// The service user one of their records (incident, ended call, warning, breach) is
    /// about, as this transaction sees it: `None` for a call from an unknown caller.
    async fn person_of(
        &mut self,
        record: crate::domain::correction::RecordRef,
    ) -> StoreResult<Option<i64>>;

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

/// Incidents, ended calls, police reports, breaches and FOI refusals (R-RPT-*). Each
/// write demands the proof of who may make it, and records the proof's holder as the
/// actor; a proof for another function than the record's is `WrongFunction`. After an
/// error, drop the handle: on PostgreSQL a failed statement ends the transaction.
#[async_trait]
pub trait ReportingWrites: Send {
    /// Records an incident (`INC-…`), creating its person first when they are new.
    async fn record_incident(
        &mut self,
        incident: &NewIncident,
        reporter: &Reporter,
        now: DateTime<Utc>,
    ) -> StoreResult<Recorded>;

    /// Records the police report for an incident; a second one is a `Conflict`. The
    /// `Recorded` carries the incident's reference.
    async fn record_police_report(
        &mut self,
        incident_id: i64,
        report: &PoliceReport,
        manager: &Manager,
        now: DateTime<Utc>,
    ) -> StoreResult<Recorded>;

    /// Records a call ended or put on hold (`CALL-…`).
    async fn record_ended_call(
        &mut self,
        call: &NewEndedCall,
        reporter: &Reporter,
        now: DateTime<Utc>,
    ) -> StoreResult<Recorded>;

    /// Records a breach of a restriction in force on `breach.today`; one that is not is
    /// `NotFound`. The `Recorded` carries the restriction's reference.
    async fn record_breach(
        &mut self,
        breach: &NewBreach,
        reporter: &Reporter,
        now: DateTime<Utc>,
    ) -> StoreResult<Recorded>;

    /// Records a refusal of an FOI request under section 14.
    async fn record_foi_refusal(
        &mut self,
        refusal: &NewFoiRefusal,
        manager: &Manager,
        now: DateTime<Utc>,
    ) -> StoreResult<Recorded>;
}

/// Warnings, restriction requests and their decisions (R-RES-*); their letters go
/// through [`WriteTx::draft_letter`]. Proofs as for [`ReportingWrites`].
#[async_trait]
pub trait RestrictionWrites: Send {
    /// Records a drafted warning (`WRN-…`); it is on file once its letter is sent.
    async fn record_warning(
        &mut self,
        warning: &NewWarning,
        manager: &Manager,
        now: DateTime<Utc>,
    ) -> StoreResult<Recorded>;

    /// Records a pending request (`REQ-…`), escalating the warning it relies on and
    /// linking a variation to the review or dispute that asked for it. A second pending
    /// request for the person in the function is a `Conflict`. Each approver's copy of
    /// the approval message is then queued with [`RestrictionWrites::enqueue_approval_copy`].
    async fn create_request(
        &mut self,
        request: &NewRequest,
        manager: &Manager,
        now: DateTime<Utc>,
    ) -> StoreResult<Recorded>;

    /// Queues `approver`'s copy of the approval message of request `request_id`, linked
    /// to its outbox row so that the decision settles every copy
    /// (`Decided::approval_message_outbox_ids`). A copy whose key is already queued is
    /// linked to nothing, as before.
    async fn enqueue_approval_copy(
        &mut self,
        request_id: i64,
        approver: &UserId,
        message: &NewOutboxMessage,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// Decides a pending request: `Decision::Approve` carries the `CompleteChecklist`
    /// only `check_approval` makes, and creates the restriction with its measures.
    /// Exactly one decision is ever recorded, however many clicks race: a request no
    /// longer pending is `AlreadyDecided`, and a variation of a restriction no longer in
    /// force is `VariedNotInForce`; neither writes anything, and the handle can go on
    /// (say, to withdraw the variation).
    async fn decide_request(
        &mut self,
        id: i64,
        decision: &Decision,
        decider: &Decider,
        now: DateTime<Utc>,
    ) -> StoreResult<DecisionResult>;

    /// Withdraws a pending request with the reason given (kept with it, shown in the
    /// case file). The bot's own withdrawal of a variation that can no longer be
    /// approved holds `restriction::system_withdraws_unapprovable`'s proof. A request no
    /// longer pending is `AlreadyDecided`, and nothing is written.
    async fn withdraw_request(
        &mut self,
        id: i64,
        reason: &str,
        withdrawer: &Withdrawer,
        now: DateTime<Utc>,
    ) -> StoreResult<DecisionResult>;
}

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
