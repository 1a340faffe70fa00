//! What an operator needs from the store (issue 11, item 13): renaming and retiring a
//! function, handing a leaver's open items to someone else, the outbox's failed messages
//! and its depth for metrics, reading the audit trail, and a consistent copy of a live
//! SQLite database. Every change writes its audit event in the same transaction; reading
//! the audit trail is itself recorded.

use std::path::Path;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::domain::roles::FunctionName;
use crate::domain::{Actor, UserId};
use crate::store::{AuditEvent, OutboxStatus, StoreResult};

/// How many outbox rows are in each state, and when the oldest pending one was queued.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OutboxDepth {
    pub by_status: Vec<(OutboxStatus, i64)>,
    pub oldest_pending_at: Option<DateTime<Utc>>,
}

/// A message Slack refused for good: by reference only (the payload may hold personal
/// data, so it is never shown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedMessage {
    pub id: i64,
    pub method: String,
    pub error: Option<String>,
    /// When Slack refused it; `None` for rows that failed before this was recorded.
    pub failed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// Which audit events to read: all, or those about one person (the person and every
/// record held on them), from `since` on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AuditQuery {
    pub person_id: Option<i64>,
    pub since: Option<DateTime<Utc>>,
}

/// What retiring a function did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetireOutcome {
    Retired,
    AlreadyRetired,
    /// Refused: these items are still open in it, by reference.
    OpenItems(Vec<String>),
}

/// The kinds of open item a leaver can hand over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HandoverKind {
    /// A pending restriction request whose approval message went to them (a head or
    /// deputy); the new person is given it to decide.
    Decision,
    /// A proposal to continue a restriction at review whose authorisation message went to
    /// them (a head or deputy); the new person is given it to authorise or reject.
    Authorisation,
    /// A dispute awaiting resolution that they handle.
    Dispute,
    /// A standing restriction whose reviews they own.
    Review,
    /// A letter drafted and not yet marked sent that they hold.
    Letter,
}

impl HandoverKind {
    pub fn as_str(self) -> &'static str {
        match self {
            HandoverKind::Decision => "decision",
            HandoverKind::Authorisation => "authorisation",
            HandoverKind::Dispute => "dispute",
            HandoverKind::Review => "review",
            HandoverKind::Letter => "letter",
        }
    }
}

/// One open item of a leaver's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenItem {
    pub kind: HandoverKind,
    /// The request, proposal, dispute, restriction or letter id.
    pub id: i64,
    /// What an operator reads: `REQ-3`, `REV-4`, `DSP-1`, `RES-2`, or
    /// `letter 7 (restriction_notice for RES-2)`.
    pub reference: String,
    pub function_id: i64,
    /// The restriction the item is about, when there is one (disputes need it for who may
    /// handle them).
    pub restriction_id: Option<i64>,
}

#[async_trait]
pub trait OpsStore: Send + Sync {
    /// Renames a function (matched whatever its case); an audit event keeps both names.
    async fn rename_function(
        &self,
        old: &FunctionName,
        new: &FunctionName,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Retires a function, unless something is still open in it.
    async fn retire_function(
        &self,
        name: &FunctionName,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> StoreResult<RetireOutcome>;
    /// Ids of the retired functions: pickers leave them out.
    async fn retired_functions(&self) -> StoreResult<Vec<i64>>;
    /// Everything open that `user` holds, in reference order within each kind.
    async fn open_items_of(&self, user: &UserId, now: DateTime<Utc>) -> StoreResult<Vec<OpenItem>>;
    /// Hands `items` from `from` to `to` in one transaction, an audit event per item. An
    /// item no longer `from`'s (someone acted meanwhile) is left alone; returns how many
    /// moved.
    async fn hand_over(
        &self,
        items: &[OpenItem],
        from: &UserId,
        to: &UserId,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> StoreResult<u64>;
    /// Rows in each outbox state, and the oldest pending row's age, for metrics.
    async fn outbox_depth(&self) -> StoreResult<OutboxDepth>;
    async fn failed_outbox(&self) -> StoreResult<Vec<FailedMessage>>;
    /// Puts one failed message back in the queue, to be sent at once; `NotFound` unless
    /// it is a failed message.
    async fn retry_outbox(&self, id: i64, actor: &Actor, now: DateTime<Utc>) -> StoreResult<()>;
    /// Reads the audit trail and records that it was read, in one transaction.
    async fn read_audit_trail(
        &self,
        query: AuditQuery,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<AuditEvent>>;
    /// A consistent copy of the whole database into a new file (SQLite `VACUUM INTO`, safe
    /// while the bot serves). PostgreSQL refuses: use `pg_dump`.
    async fn backup_into(&self, file: &Path, actor: &Actor, now: DateTime<Utc>) -> StoreResult<()>;
}
