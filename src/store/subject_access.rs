//! Everything the register holds about one person, read for a subject access request
//! (R-DP-1, R-DP-6; issue 10 items 1–3 and 10): the person's own row, every record about
//! them, table by table, the reminders sent about those records, and the audit events whose
//! subject is the person or one of their records (readings included). Rows are kept as the
//! database holds them, column by column, so nothing held is left out by a record type that
//! forgot a field; `crate::subject_access` turns this into the JSON and HTML documents.
//!
//! Nothing about anyone else is read: every section is selected by the person's id, through
//! the person's own records only.

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde_json::{Map, Value};

use chrono::{DateTime, Utc};

use super::{NewOutboxMessage, StoreResult};
use crate::domain::Actor;

/// The audit action of an export (R-REC-4, R-DP-6).
pub const EXPORT_ACTION: &str = "subject_access_export";

/// How a column's value is read and shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Text,
    Int,
    Bool,
    /// An instant, held in UTC: in the JSON as RFC 3339 (`…Z`), shown in local time.
    Time,
    /// A calendar date: `YYYY-MM-DD`.
    Date,
    Json,
}

/// One kind of record: the rows of one table that are about the person.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// The section's stable key in the export (e.g. `incidents`), documented in README.md.
    pub key: &'static str,
    /// The columns of each row, in order, with how to read them.
    pub columns: Vec<(&'static str, ColumnKind)>,
    /// Each row as column name -> value (`null` where the column is empty).
    pub rows: Vec<Map<String, Value>>,
}

/// Everything held about one person.
#[derive(Debug, Clone, PartialEq)]
pub struct SubjectAccessFile {
    pub person_id: i64,
    /// The person's own row (`service_users`), with the erasure marks.
    pub person: Section,
    /// Every other section, in the order the documents show them.
    pub sections: Vec<Section>,
    /// The functions the records belong to, by id: their names are not personal data.
    pub functions: BTreeMap<i64, String>,
    /// Every member of staff (Slack user id, or `cli:…` / `system`) named anywhere in the
    /// file, with the roles they hold now: `head of Housing`, `admin`, …
    pub staff: BTreeMap<String, Vec<String>>,
}

impl SubjectAccessFile {
    /// The section with this key, if the export has it.
    pub fn section(&self, key: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.key == key)
    }

    /// Whether the person's data has been erased (R-DP-2): what remains is exported.
    pub fn erased(&self) -> bool {
        self.person
            .rows
            .first()
            .and_then(|row| row.get("erased_at"))
            .is_some_and(|v| !v.is_null())
    }
}

/// Whether a column names a member of staff (a Slack user id, or `cli:…` / `system`):
/// the `…_by` columns, the audit trail's actor, and the recipients and handlers.
pub fn names_staff(column: &str) -> bool {
    column.ends_with("_by")
        || matches!(
            column,
            "actor" | "recipient_slack_user_id" | "handler_slack_user_id"
        )
}

/// The subject access read (R-DP-1).
#[async_trait]
pub trait SubjectAccessStore: Send + Sync {
    /// Everything held about person `person_id`, erased or not; `None` if there is no such
    /// person.
    async fn subject_access_file(&self, person_id: i64) -> StoreResult<Option<SubjectAccessFile>>;

    /// Records that `actor` exported person `person_id`'s file (`via` `"cli"` or
    /// `"slack"`): one audit event ([`EXPORT_ACTION`], subject `service_user/<id>`, after
    /// `{"format": ["json", "html"], "via": …}`, no personal values), in one transaction
    /// with `deliveries`, the messages that carry the files (none from the command line).
    async fn record_export(
        &self,
        actor: &Actor,
        person_id: i64,
        via: &'static str,
        deliveries: &[NewOutboxMessage],
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
}
