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
use chrono::{DateTime, Utc};

use crate::domain::Actor;
use crate::store::records::{LetterSubject, NewLetter};
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

/// Disputes, reviews and review continuations (R-DIS-*, R-REV-*).
#[async_trait]
pub trait DisputeWrites: Send {}
