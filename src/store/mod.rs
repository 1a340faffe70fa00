//! Persistence behind one `Store` trait, implemented for SQLite (`sqlite.rs`) and
//! PostgreSQL (`postgres.rs`). The backend is chosen once, from the `DATABASE_URL`
//! scheme. Every method that changes something writes its audit event (and any outbox
//! message) in the same transaction as the change.

/// SQL twin of [`crate::domain::restriction::restriction_current`]: the restriction under
/// `$alias` (e.g. `"r."`, or `""`) is active and not past its end date on the date bound
/// as `$today` (e.g. `"$2"`), the reader's Europe/London today. Every query that asks
/// whether a restriction still stands uses this, so none waits for the nightly sweep.
macro_rules! restriction_current {
    ($alias:literal, $today:literal) => {
        concat!(
            "(",
            $alias,
            "status = 'active' AND (",
            $alias,
            "ends_on IS NULL OR ",
            $alias,
            "ends_on >= ",
            $today,
            "))"
        )
    };
}

/// SQL twin of [`crate::domain::restriction::restriction_in_force`]: the restriction under
/// `$alias` still stands on `$today`, the person has been told (it no longer awaits its
/// notice letter) and it has started. What staff check against, breaches, disputes and
/// reviews need (issue 9, finding 15).
macro_rules! restriction_in_force {
    ($alias:literal, $today:literal) => {
        concat!(
            "(",
            restriction_current!($alias, $today),
            " AND NOT ",
            $alias,
            "awaits_notice AND ",
            $alias,
            "starts_on <= ",
            $today,
            ")"
        )
    };
}

/// SQL twin of [`crate::domain::restriction::restriction_standing`], in the case file's
/// words: over (its status on `$today`), approved but not yet in force (and why), or
/// active (in force).
macro_rules! restriction_standing {
    ($alias:literal, $today:literal) => {
        concat!(
            "(CASE WHEN ",
            restriction_current!($alias, $today),
            " AND ",
            $alias,
            "awaits_notice THEN 'approved, not yet in force: waiting for the notice letter to be sent' WHEN ",
            restriction_current!($alias, $today),
            " AND ",
            $alias,
            "starts_on > ",
            $today,
            " THEN 'approved, not yet in force' ELSE ",
            restriction_status_on!($alias, $today),
            " END)"
        )
    };
}

/// SQL twin of [`crate::domain::restriction::RestrictionStatus::on`]: the restriction's
/// status on the date bound as `$today`, `ended` once an active one is past its end date.
macro_rules! restriction_status_on {
    ($alias:literal, $today:literal) => {
        concat!(
            "(CASE WHEN ",
            $alias,
            "status = 'active' AND ",
            $alias,
            "ends_on < ",
            $today,
            " THEN 'ended' ELSE ",
            $alias,
            "status END)"
        )
    };
}

/// The `Store` impl and the SQL both backends share, compiled into the backend module
/// that invokes it (which defines `Db`, `ThisStore`, `BACKEND`, `SKIP_LOCKED`,
/// `begin_tx` and `migrate_pool`). Each part of the record is one file under `sql/`.
macro_rules! shared_sql {
    () => {
        #[async_trait]
        impl Store for ThisStore {
            fn backend(&self) -> Backend {
                BACKEND
            }

            async fn migrate(&self) -> StoreResult<()> {
                self.migrate_pool().await
            }

            async fn ping(&self) -> StoreResult<()> {
                // Ready only at the schema this binary carries: an emptied or older
                // database answers, yet every request would fail.
                let applied: Option<i64> =
                    sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
                        .fetch_one(&self.pool)
                        .await?;
                let expected = ThisStore::latest_migration();
                if applied != Some(expected) {
                    return Err(StoreError::SchemaNotCurrent { applied, expected });
                }
                Ok(())
            }

            async fn begin_write(&self) -> StoreResult<Box<dyn crate::store::write::WriteTx>> {
                self.write_handle().await
            }
        }

        mod common {
            use super::*;
            include!("sql/common.rs");
        }
        shared_sql!(@parts roles audit outbox people reporting restrictions schedule disputes continuations write corrections retention subject_access governance ops);
    };
    (@parts $($part:ident)*) => {
        $(
            mod $part {
                use super::common::*;
                use super::*;
                include!(concat!("sql/", stringify!($part), ".rs"));
            }
        )*
    };
}

pub mod corrections;
pub mod governance;
pub mod name_index;
pub mod once;
pub mod ops;
mod postgres;
pub mod records;
pub mod retention;
pub mod schedule;
mod sqlite;
pub mod subject_access;
pub mod url;
pub mod write;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

use crate::domain::audit::AuditEntry;
use crate::domain::person::IdentifierKind;
use crate::domain::roles::{FunctionName, Role};
use crate::domain::{Actor, UserId};
use records::*;

pub use postgres::PostgresStore;
pub use sqlite::InstanceLock;

/// Every store trait, for callers that use `Arc<dyn Store>`.
pub mod prelude {
    pub use super::corrections::CorrectionStore;
    pub use super::governance::GovernanceStore;
    pub use super::ops::OpsStore;
    pub use super::retention::RetentionStore;
    pub use super::ContinuationStore;
    pub use super::DisputeStore;
    pub use super::SubjectAccessStore;
    pub use super::{
        AuditStore, OutboxStore, PeopleStore, ReportingStore, RestrictionStore, RoleStore,
        ScheduleStore, Store,
    };
}
pub use sqlite::SqliteStore;
pub use subject_access::SubjectAccessStore;

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule was broken; `what` says which, in words a user understands.
    #[error("{what} already exists")]
    Conflict { what: String },
    #[error("{what} was not found")]
    NotFound { what: String },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data could not be read: {0}")]
    Corrupt(String),
    /// A proof of authority was handed for a record in another function than the one it
    /// holds in: nothing is written.
    #[error("{what} is not in the function the authority given for it holds in")]
    WrongFunction { what: String },
    /// A stored status or outcome that names none of the domain's values: the database and
    /// the code disagree (issue 9, core shape). Never defaulted.
    #[error("stored data could not be read: {table}.{column} holds {value:?}, which is not a {column} the code knows")]
    UnknownValue {
        table: &'static str,
        column: &'static str,
        value: String,
    },
    /// PostgreSQL did not answer, or refused the connection: where, and why.
    #[error("could not connect to PostgreSQL at {host}: {reason}")]
    Unreachable { host: String, reason: String },
    /// An admin command named a SQLite file that does not exist: nothing was created.
    #[error("there is no database at {}: run `contact-policy-bot migrate` (or start the bot) to create it, or set DATABASE_URL to the bot's database", file.display())]
    NoDatabase { file: std::path::PathBuf },
    /// Another `serve` holds this SQLite file: one instance per file.
    #[error("another contact-policy-bot is already serving {}: one instance per SQLite file (stop it first, or use PostgreSQL to run several)", file.display())]
    InUse { file: std::path::PathBuf },
    /// Inside `once`: this submission was stored before (a retry or a second click).
    #[error("this submission was already handled")]
    AlreadyHandled,
    /// The database answers but its schema is not the one this binary was built for
    /// (issue 11, R-OPS-4): not ready.
    #[error("the database schema is at migration {applied:?}, this binary needs {expected}")]
    SchemaNotCurrent { applied: Option<i64>, expected: i64 },
    /// Asked for something this store will not do, in words for the operator (e.g. a
    /// SQLite backup of a PostgreSQL database).
    #[error("{0}")]
    Refused(String),
}

impl StoreError {
    pub(crate) fn not_found(what: impl Into<String>) -> Self {
        StoreError::NotFound { what: what.into() }
    }

    /// Turns a unique-constraint violation into a `Conflict`; other errors pass through.
    pub(crate) fn conflict_on_unique(err: sqlx::Error, what: impl Into<String>) -> Self {
        match &err {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict { what: what.into() }
            }
            _ => StoreError::Database(err),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A function with everyone who holds a role in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionSummary {
    pub id: i64,
    pub name: String,
    pub head: Option<UserId>,
    pub deputies: Vec<UserId>,
    pub managers: Vec<UserId>,
    pub members: Vec<UserId>,
}

/// One role a user holds, with the function it is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleHolding {
    pub function_id: i64,
    pub function_name: String,
    pub role: Role,
}

/// A stored audit event, as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub subject_type: String,
    pub subject_id: String,
    pub function_id: Option<i64>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// A message for Slack, queued in the same transaction as the change that caused it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOutboxMessage {
    /// Unique per message and occasion: enqueuing the same key twice stores one row.
    pub idempotency_key: String,
    /// The Slack Web API method, e.g. `chat.postMessage`.
    pub method: String,
    pub payload: Value,
    pub subject_type: Option<String>,
    pub subject_id: Option<String>,
    /// The service user the message is about, if any: what erasure finds it by (R-DP-2).
    pub service_user_id: Option<i64>,
}

impl NewOutboxMessage {
    /// Marks the message as being about the service user `person_id`, so that erasing
    /// them clears it and deletes it from Slack (R-DP-2). Every message that names a
    /// person or quotes their records must carry this.
    pub fn about(mut self, person_id: i64) -> Self {
        self.service_user_id = Some(person_id);
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxStatus {
    Pending,
    Sent,
    Failed,
}

impl OutboxStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Pending => "pending",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Failed => "failed",
        }
    }

    fn parse(s: &str) -> StoreResult<Self> {
        match s {
            "pending" => Ok(OutboxStatus::Pending),
            "sent" => Ok(OutboxStatus::Sent),
            "failed" => Ok(OutboxStatus::Failed),
            other => Err(StoreError::Corrupt(format!("outbox status {other:?}"))),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct OutboxMessage {
    pub id: i64,
    pub idempotency_key: String,
    pub method: String,
    pub payload: Value,
    pub status: OutboxStatus,
    /// Attempts that failed for a passing reason (5xx, timeout, unreadable reply, or a
    /// sender that died mid-send). Waiting out a 429, or for the message an update is
    /// about, is not an attempt.
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub slack_channel: Option<String>,
    pub slack_ts: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// When the row was first claimed for sending: Slack cannot have it from before then.
    pub first_attempted_at: Option<DateTime<Utc>>,
    /// Claimed after another worker's claim lapsed with no result: Slack may already have
    /// this message, so the sender checks before sending it again.
    pub in_doubt: bool,
}

/// What the sender learned from one attempt to deliver an outbox row.
#[derive(Debug, Clone, PartialEq)]
pub enum DeliveryOutcome {
    Sent {
        channel: Option<String>,
        ts: Option<String>,
    },
    /// The attempt failed for a passing reason: counted, and tried again at
    /// `next_attempt_at` (backoff).
    Retry {
        next_attempt_at: DateTime<Utc>,
        error: String,
    },
    /// Not an attempt (Slack's Retry-After, or the message to update is not delivered
    /// yet): tried again at `next_attempt_at` without counting.
    Deferred {
        next_attempt_at: DateTime<Utc>,
        error: String,
    },
    /// Slack refused it for good; the row is kept for an operator to see.
    Failed { error: String },
}

/// The whole store: one backend, every part of the record.
#[async_trait]
pub trait Store:
    RoleStore
    + AuditStore
    + OutboxStore
    + PeopleStore
    + ReportingStore
    + RestrictionStore
    + DisputeStore
    + ContinuationStore
    + corrections::CorrectionStore
    + ScheduleStore
    + retention::RetentionStore
    + SubjectAccessStore
    + governance::GovernanceStore
    + ops::OpsStore
    + std::fmt::Debug
    + Send
    + Sync
    + 'static
{
    fn backend(&self) -> Backend;

    /// Applies this backend's migrations (idempotent).
    async fn migrate(&self) -> StoreResult<()>;

    /// Cheap round trip for readiness checks.
    async fn ping(&self) -> StoreResult<()>;

    /// Opens a write transaction (see [`write`]): the handler records, renders, queues its
    /// messages and commits; dropping the handle changes nothing. Inside `store::once` the
    /// submission's key is written first, so a repeat is `AlreadyHandled`.
    async fn begin_write(&self) -> StoreResult<Box<dyn write::WriteTx>>;
}

/// Functions, roles and admins (managed with `contact-policy-bot admin`).
#[async_trait]
pub trait RoleStore: Send + Sync {
    async fn add_function(
        &self,
        name: &FunctionName,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> StoreResult<i64>;
    async fn list_functions(&self) -> StoreResult<Vec<FunctionSummary>>;
    async fn function_by_name(&self, name: &FunctionName) -> StoreResult<Option<FunctionSummary>>;
    /// Grants a role. Setting a head replaces the previous head (both recorded).
    async fn grant_role(
        &self,
        function: &FunctionName,
        user: &UserId,
        role: Role,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn revoke_role(
        &self,
        function: &FunctionName,
        user: &UserId,
        role: Role,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn roles_of(&self, user: &UserId) -> StoreResult<Vec<RoleHolding>>;
    async fn add_admin(&self, user: &UserId, actor: &Actor, now: DateTime<Utc>) -> StoreResult<()>;
    async fn remove_admin(
        &self,
        user: &UserId,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn list_admins(&self) -> StoreResult<Vec<UserId>>;
    async fn is_admin(&self, user: &UserId) -> StoreResult<bool>;
    /// Names `user` a complaints handler (§7): a role outside the functions, who may
    /// handle any dispute of a restriction they had no part in.
    async fn add_complaints_handler(
        &self,
        user: &UserId,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn remove_complaints_handler(
        &self,
        user: &UserId,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn list_complaints_handlers(&self) -> StoreResult<Vec<UserId>>;
}

/// The audit trail, read side; writes happen inside the changes they record (R-REC-4).
#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn audit_events(
        &self,
        subject_type: &str,
        subject_id: &str,
    ) -> StoreResult<Vec<AuditEvent>>;
    async fn all_audit_events(&self) -> StoreResult<Vec<AuditEvent>>;
    /// Records that `actor` read something about a person (a page of their case file):
    /// readings are audited like changes (R-DP-3), with no content in the event.
    async fn record_reading(
        &self,
        actor: &Actor,
        action: &'static str,
        person_id: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// The functions that hold any record on the person (incidents, calls, warnings,
    /// requests, restrictions, disputes, FOI refusals): whose managers may read the case file.
    async fn functions_holding_records(&self, person_id: i64) -> StoreResult<Vec<i64>>;
}

/// What came in from Slack (event de-duplication) and what goes out (the outbox).
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Whether `event_id` was already handled.
    async fn event_seen(&self, event_id: &str) -> StoreResult<bool>;
    /// Gives back a claim taken with `first_sighting_of_event` (a submission not accepted).
    async fn forget_event(&self, event_id: &str) -> StoreResult<()>;
    /// Records that `event_id` was handled; false if it was seen before (a retry).
    async fn first_sighting_of_event(
        &self,
        event_id: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;

    /// Queues messages on their own, with an audit event for why they were sent.
    /// Returns how many new rows were stored (a repeated key stores nothing).
    async fn enqueue(
        &self,
        messages: &[NewOutboxMessage],
        audit: Option<&AuditEntry>,
        now: DateTime<Utc>,
    ) -> StoreResult<u64>;
    /// Claims up to `limit` due rows for `worker` until `claim_until`, noting `now` as the
    /// first attempt of rows never claimed before. A row claimed by a sender that died is
    /// claimable again once its claim has lapsed; that lapsed claim counts as an attempt.
    async fn claim_outbox(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        claim_until: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<OutboxMessage>>;
    /// Records the result of one attempt. Does nothing unless `worker` still holds the claim
    /// (a lapsed claim nobody else has taken still counts: the result is then still true).
    async fn record_delivery(
        &self,
        id: i64,
        worker: &str,
        outcome: &DeliveryOutcome,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Renews `worker`'s claim on a row just before sending it; false if the claim lapsed
    /// and another worker took the row (it must then not be sent here).
    async fn renew_outbox_claim(
        &self,
        id: i64,
        worker: &str,
        until: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Hands back a claimed row unsent (at shutdown); nothing is counted.
    async fn release_outbox_claim(&self, id: i64, worker: &str) -> StoreResult<()>;
    async fn outbox_messages(&self) -> StoreResult<Vec<OutboxMessage>>;
    async fn outbox_message(&self, id: i64) -> StoreResult<Option<OutboxMessage>>;
    /// The earliest time a pending row becomes due, so the sender can sleep until then.
    async fn next_outbox_due(&self) -> StoreResult<Option<DateTime<Utc>>>;
}

/// Service users and their identifiers (R-REC-1).
#[async_trait]
pub trait PeopleStore: Send + Sync {
    /// Creates a person with their identifiers; the audit event names the id only.
    async fn create_person(
        &self,
        person: &NewPerson,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> StoreResult<i64>;
    async fn person(&self, id: i64) -> StoreResult<Option<PersonRecord>>;
    /// People whose name contains `query` (any case) or who hold one of `identifiers`
    /// (kind and normalised value), best matches first.
    async fn find_people(
        &self,
        name_query: &str,
        identifiers: &[(IdentifierKind, String)],
        limit: i64,
    ) -> StoreResult<Vec<PersonRecord>>;
    /// How many people [`PeopleStore::find_people`] would find without a limit: the true
    /// count staff are told when only the first few are listed.
    async fn count_people(
        &self,
        name_query: &str,
        identifiers: &[(IdentifierKind, String)],
    ) -> StoreResult<i64>;
}

/// What staff read back about incidents, ended calls, police reports, breaches and FOI
/// refusals: the check, the case file and the manager's open list (R-RPT-*, R-DP-4). They
/// are recorded through the write handle ([`write::ReportingWrites`]).
#[async_trait]
pub trait ReportingStore: Send + Sync {
    async fn incident(&self, id: i64) -> StoreResult<Option<IncidentRecord>>;
    /// Calls ended or held for `person_id` since `since` (e.g. the start of this week).
    async fn count_ended_calls(&self, person_id: i64, since: DateTime<Utc>) -> StoreResult<i64>;
    /// Restrictions in force on `today` (active, the person told, started, not past their
    /// end date: `restriction_in_force!`).
    async fn active_restrictions(
        &self,
        person_id: i64,
        today: NaiveDate,
    ) -> StoreResult<Vec<ActiveRestriction>>;
    /// Restrictions approved and still standing on `today` but not yet in force: waiting
    /// for their notice letter to be sent, or starting on a later day (issue 9, finding 15).
    async fn restrictions_not_yet_in_force(
        &self,
        person_id: i64,
        today: NaiveDate,
    ) -> StoreResult<Vec<ActiveRestriction>>;
    async fn open_disputes(&self, person_id: i64) -> StoreResult<Vec<OpenDispute>>;
    /// What `/contact check` shows of a person's restrictions on `today`, read together:
    /// those in force ([`Self::active_restrictions`]) and those approved but not yet
    /// ([`Self::restrictions_not_yet_in_force`]), with their measures.
    async fn current_restrictions(
        &self,
        person_id: i64,
        today: NaiveDate,
    ) -> StoreResult<CurrentRestrictions>;
    /// The whole case file, newest first, each restriction as it stands on `today`.
    async fn history(&self, person_id: i64, today: NaiveDate) -> StoreResult<Vec<HistoryEntry>>;
    /// Incidents still needing a police report in functions `user` manages or heads.
    async fn outstanding_police_reports(
        &self,
        user: &UserId,
    ) -> StoreResult<Vec<OutstandingPoliceReport>>;
    /// Who hears about reports in a function: its managers (or, if none, its head and deputies).
    async fn report_recipients(&self, function_id: i64) -> StoreResult<Vec<UserId>>;
}

/// Warnings, restriction requests and their decisions, restrictions and letters
/// (R-RES-1 … R-RES-6, R-LET-*). Warnings, requests and decisions are recorded through
/// the write handle ([`write::RestrictionWrites`]).
#[async_trait]
pub trait RestrictionStore: Send + Sync {
    /// A person's incidents, newest first, for choosing what a warning or request relies on.
    async fn incidents_of(&self, person_id: i64) -> StoreResult<Vec<IncidentSummary>>;
    /// The warning on file for the person in the function on `today`, if any: the most
    /// recently sent one that still stands by the domain's rule
    /// ([`crate::domain::restriction::warning_stands`]).
    async fn warning_on_file(
        &self,
        person_id: i64,
        function_id: i64,
        today: NaiveDate,
    ) -> StoreResult<Option<WarningRecord>>;
    /// One warning, with the day its letter was sent.
    async fn warning(&self, id: i64) -> StoreResult<Option<WarningRecord>>;
    /// Closes a warning as no further action: the person adapted (§6). A warning already
    /// closed, or never sent, is left as it is and reported.
    async fn close_warning(
        &self,
        id: i64,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> StoreResult<WarningClosed>;
    async fn request(&self, id: i64) -> StoreResult<Option<RequestRecord>>;
    /// The latest decided request for the person in the function, if it was rejected:
    /// the decision a new request answers to (a head's rejection stands, §6).
    async fn standing_rejection(
        &self,
        person_id: i64,
        function_id: i64,
    ) -> StoreResult<Option<RequestRecord>>;
    async fn pending_request_for(
        &self,
        person_id: i64,
        function_id: i64,
    ) -> StoreResult<Option<i64>>;
    async fn letter(&self, id: i64) -> StoreResult<Option<LetterRecord>>;
    async fn mark_letter_sent(
        &self,
        id: i64,
        on: NaiveDate,
        method: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> StoreResult<LetterSent>;
}

/// Disputes of a restriction and its reviews (R-DIS-1, R-DIS-2, R-REV-1, R-REV-2, R-LET-3):
/// the reads. The writes are on the write handle (`write::DisputeWrites`).
#[async_trait]
pub trait DisputeStore: Send + Sync {
    /// A restriction as recorded, with its measures and who requested it.
    async fn restriction(&self, id: i64) -> StoreResult<Option<RestrictionRecord>>;
    async fn dispute(&self, id: i64) -> StoreResult<Option<DisputeRecord>>;
    async fn review(&self, id: i64) -> StoreResult<Option<ReviewRecord>>;
    /// The review of this restriction started and not yet decided, if any.
    async fn open_review_for(&self, restriction_id: i64) -> StoreResult<Option<ReviewRecord>>;
    /// The review or dispute a variation request was made for, if any.
    async fn variation_origin(&self, request_id: i64) -> StoreResult<Option<VariationOrigin>>;
    /// Disputes awaiting resolution due on or before `on_or_before`, earliest first.
    async fn disputes_due(&self, on_or_before: NaiveDate) -> StoreResult<Vec<DueDispute>>;
    /// Restrictions still standing on `today` due for review on or before `on_or_before`,
    /// earliest first.
    async fn reviews_due(
        &self,
        today: NaiveDate,
        on_or_before: NaiveDate,
    ) -> StoreResult<Vec<DueReview>>;
}

/// Continuing a restriction at review (§6 at review; issue 9, finding 10): the reviewing
/// manager proposes it, the head of function or a deputy authorises it with the six §6
/// criteria (the proof is what authorising takes) or rejects it; the review stays open
/// until it is authorised. The reads; the writes are on the write handle
/// (`write::DisputeWrites`).
#[async_trait]
pub trait ContinuationStore: Send + Sync {
    async fn continuation(&self, id: i64) -> StoreResult<Option<ContinuationRecord>>;
    /// The proposal waiting for authorisation on this review, if any.
    async fn pending_continuation(&self, review_id: i64)
        -> StoreResult<Option<ContinuationRecord>>;
    /// The latest proposal rejected on this review, if any.
    async fn last_rejected_continuation(
        &self,
        review_id: i64,
    ) -> StoreResult<Option<ContinuationRecord>>;
}

/// The scheduler's reads and writes, and App Home's lists (R-REM-*).
#[async_trait]
pub trait ScheduleStore: Send + Sync {
    /// Claims one scheduled run for `worker`; false if another holds it or it finished.
    /// A claim whose holder died is taken over once `claimed_until` has passed.
    async fn claim_run(
        &self,
        job: &str,
        scheduled_for: DateTime<Utc>,
        worker: &str,
        now: DateTime<Utc>,
        claim_until: DateTime<Utc>,
    ) -> StoreResult<bool>;
    async fn finish_run(
        &self,
        job: &str,
        scheduled_for: DateTime<Utc>,
        worker: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn run_finished(&self, job: &str, scheduled_for: DateTime<Utc>) -> StoreResult<bool>;
    /// Marks restrictions past their end date as ended, with an audit event each.
    async fn end_expired_restrictions(
        &self,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> StoreResult<u64>;
    async fn due_items(&self, query: &schedule::DueQuery) -> StoreResult<schedule::DueItems>;
    /// Issues reminders: each stored once with its outbox message (by its unique key) and
    /// an audit event; returns how many were new.
    async fn record_reminders(
        &self,
        reminders: &[schedule::NewReminder],
        now: DateTime<Utc>,
    ) -> StoreResult<u64>;
    /// The keys (as `NewReminder::key` builds them) of reminders already issued for
    /// occasions on or after `occasions_from`, so a sweep skips them before building them.
    async fn issued_reminder_keys(
        &self,
        occasions_from: &str,
    ) -> StoreResult<std::collections::HashSet<String>>;
    /// `user`'s to-do lists on `today`, with reviews due on or before `reviews_until`.
    async fn home_items(
        &self,
        user: &UserId,
        today: NaiveDate,
        reviews_until: NaiveDate,
    ) -> StoreResult<schedule::HomeItems>;
}

/// Opens the store the URL names and applies its migrations.
pub async fn connect(database_url: &str) -> StoreResult<Arc<dyn Store>> {
    let store: Arc<dyn Store> =
        if database_url.starts_with("postgres://") || database_url.starts_with("postgresql://") {
            Arc::new(PostgresStore::connect(database_url).await?)
        } else {
            Arc::new(SqliteStore::connect(database_url).await?)
        };
    store.migrate().await?;
    Ok(store)
}

/// [`connect`] for admin commands: a SQLite file must exist already, so a command run in
/// the wrong directory (or without DATABASE_URL) never creates an empty database.
pub async fn connect_existing(database_url: &str) -> StoreResult<Arc<dyn Store>> {
    let store = open_existing(database_url).await?;
    store.migrate().await?;
    Ok(store)
}

/// Opens an existing database without migrating it, for `check-config` to look at.
pub async fn open_existing(database_url: &str) -> StoreResult<Arc<dyn Store>> {
    Ok(
        if database_url.starts_with("postgres://") || database_url.starts_with("postgresql://") {
            Arc::new(PostgresStore::connect(database_url).await?)
        } else {
            Arc::new(SqliteStore::connect_existing(database_url).await?)
        },
    )
}

/// Where the database is, for an operator's eyes: the SQLite file's full path, or the
/// PostgreSQL host and database (never the user or password).
pub fn describe(database_url: &str) -> String {
    if let Some(file) = url::sqlite_file(database_url) {
        let shown = std::path::absolute(&file).unwrap_or(file);
        return format!("SQLite file {}", shown.display());
    }
    match ::url::Url::parse(database_url) {
        Ok(u) => format!(
            "PostgreSQL database {} on {}",
            u.path().trim_start_matches('/'),
            u.host_str().unwrap_or("localhost")
        ),
        Err(_) => "the database named by DATABASE_URL".to_owned(),
    }
}

#[cfg(test)]
mod status_literal_tests {
    use super::OutboxStatus;
    use crate::domain::dispute::{DisputeOutcome, DisputeStatus};
    use crate::domain::incident::CallOutcome;
    use crate::domain::restriction::{RequestStatus, RestrictionStatus, WarningStatus};
    use crate::domain::review::{ContinuationStatus, ReviewOutcome, ReviewStatus};

    /// The SQL both backends share: reads bind `as_str()`, but the write methods' bodies
    /// (and the conditional updates that keep races safe) still spell some statuses.
    const SQL: [&str; 13] = [
        include_str!("sql/audit.rs"),
        include_str!("sql/common.rs"),
        include_str!("sql/continuations.rs"),
        include_str!("sql/corrections.rs"),
        include_str!("sql/disputes.rs"),
        include_str!("sql/outbox.rs"),
        include_str!("sql/people.rs"),
        include_str!("sql/reporting.rs"),
        include_str!("sql/restrictions.rs"),
        include_str!("sql/ops.rs"),
        include_str!("sql/roles.rs"),
        include_str!("sql/schedule.rs"),
        include_str!("sql/write.rs"),
    ];

    /// Every quoted value `column` is compared with or set to in `sql`:
    /// `status = 'x'`, `status <> 'x'` and `status IN ('x', 'y')`.
    fn literals<'a>(sql: &'a str, column: &str) -> Vec<&'a str> {
        let mut found = Vec::new();
        for op in [" = '", " <> '"] {
            let pattern = format!("{column}{op}");
            for (at, _) in sql.match_indices(&pattern) {
                let rest = &sql[at + pattern.len()..];
                found.extend(rest.split('\'').next());
            }
        }
        let pattern = format!("{column} IN (");
        for (at, _) in sql.match_indices(&pattern) {
            let rest = &sql[at + pattern.len()..];
            let list = rest.split(')').next().unwrap_or_default();
            found.extend(
                list.split(',')
                    .map(str::trim)
                    .filter_map(|v| v.strip_prefix('\'')?.strip_suffix('\'')),
            );
        }
        found
    }

    /// Issue 9 (core shape): every status or outcome the store's SQL spells as a literal
    /// is one the domain knows, so a typo or a renamed variant fails here, not in a
    /// conditional update that silently matches nothing.
    #[test]
    fn i9_core_status_literals_in_the_stores_sql_are_the_domains_spellings() {
        let statuses: Vec<&str> = RequestStatus::ALL
            .iter()
            .map(|s| s.as_str())
            .chain(WarningStatus::ALL.iter().map(|s| s.as_str()))
            .chain(RestrictionStatus::ALL.iter().map(|s| s.as_str()))
            .chain(DisputeStatus::ALL.iter().map(|s| s.as_str()))
            .chain(ReviewStatus::ALL.iter().map(|s| s.as_str()))
            .chain(ContinuationStatus::ALL.iter().map(|s| s.as_str()))
            .chain(
                [
                    OutboxStatus::Pending,
                    OutboxStatus::Sent,
                    OutboxStatus::Failed,
                ]
                .iter()
                .map(|s| s.as_str()),
            )
            .collect();
        let outcomes: Vec<&str> = DisputeOutcome::ALL
            .iter()
            .map(|o| o.as_str())
            .chain(ReviewOutcome::ALL.iter().map(|o| o.as_str()))
            .chain(CallOutcome::ALL.iter().map(|o| o.as_str()))
            .collect();
        let mut checked = 0;
        for sql in SQL {
            for status in literals(sql, "status") {
                assert!(
                    statuses.contains(&status),
                    "unknown status literal {status:?}"
                );
                checked += 1;
            }
            for outcome in literals(sql, "outcome") {
                assert!(
                    outcomes.contains(&outcome),
                    "unknown outcome literal {outcome:?}"
                );
                checked += 1;
            }
        }
        assert!(
            checked > 30,
            "only {checked} literals found: is the scan still reading the SQL?"
        );
        assert_eq!(literals("x.status IN ('a', $2, 'b')", "status"), ["a", "b"]);
        assert_eq!(
            literals("SET status = 'c' WHERE status <> 'd'", "status"),
            ["c", "d"]
        );
    }

    /// Issue 9 (core shape): the SQL twins must be literals (`concat!`), so the statuses
    /// they spell are checked here against the domain's own spelling.
    #[test]
    fn i9_core_sql_twins_spell_the_restriction_statuses_as_the_domain_does() {
        let active = RestrictionStatus::Active.as_str();
        let ended = RestrictionStatus::Ended.as_str();
        assert_eq!(
            restriction_current!("r.", "$1"),
            format!("(r.status = '{active}' AND (r.ends_on IS NULL OR r.ends_on >= $1))")
        );
        assert_eq!(
            restriction_status_on!("", "$2"),
            format!(
                "(CASE WHEN status = '{active}' AND ends_on < $2 THEN '{ended}' ELSE status END)"
            )
        );
        assert!(restriction_in_force!("r.", "$1").contains(restriction_current!("r.", "$1")));
        assert!(restriction_standing!("r.", "$1").contains(restriction_status_on!("r.", "$1")));
    }
}
