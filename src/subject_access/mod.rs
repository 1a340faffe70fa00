//! Subject access export (R-DP-1, R-DP-6; issue 10 items 1–3 and 10): everything the
//! register holds about one person ([`SubjectAccessFile`], read by the store) turned into
//! two documents, `<ref>.json` (machine-readable, versioned, documented in README.md under
//! "Subject access export") and `<ref>.html` (readable, self-contained, printable).
//! Rendering is pure: no store, no Slack, no clock. `<ref>` is `SU-<id>`: filesystem-safe
//! and never the person's name.
//!
//! The command line (`admin export-person`, [`cli`]) and Slack (`/contact export`,
//! `slack::subject_access`) both render through here; each export is an audit event.

pub mod cli;
mod html;
mod json;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::domain::person::PersonRef;
pub use crate::store::subject_access::{names_staff, ColumnKind, Section, SubjectAccessFile};

/// What the JSON document says it is (`"format"`).
pub const FORMAT: &str = "contact-policy-bot/subject-access-export";
/// The version of the JSON shape (`"version"`). Adding a key or a section keeps it;
/// renaming or removing one, or changing what a key holds, is a new version.
pub const VERSION: u32 = 1;

/// The filesystem-safe reference for a person in export file names: `SU-<id>`, as
/// [`PersonRef`] writes it.
pub fn reference(person_id: i64) -> String {
    PersonRef(person_id).to_string()
}

/// How the members of staff in the file are named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaffNames {
    /// As Slack gave their names (`users.info`) when the export was made; someone Slack
    /// gave no name for is shown by their Slack user id.
    FromSlack(BTreeMap<String, String>),
    /// Made without Slack (the command line): every member of staff is shown by their
    /// Slack user id, and the document says so.
    UserIdsOnly,
}

impl StaffNames {
    /// The name to show for `staff` (a Slack user id, `cli:…` or `system`).
    pub fn name_of(&self, staff: &str) -> String {
        if staff == "system" {
            return "the contact policy bot (scheduled job)".to_owned();
        }
        if let Some(operator) = staff.strip_prefix("cli:") {
            return format!("{operator}, on the command line");
        }
        match self {
            StaffNames::FromSlack(names) => names
                .get(staff)
                .cloned()
                .unwrap_or_else(|| staff.to_owned()),
            StaffNames::UserIdsOnly => staff.to_owned(),
        }
    }

    fn source(&self) -> &'static str {
        match self {
            StaffNames::FromSlack(_) => "slack",
            StaffNames::UserIdsOnly => "user_ids_only",
        }
    }

    fn note(&self) -> &'static str {
        match self {
            StaffNames::FromSlack(_) => "Members of staff are named as Slack gave their names when this export was made; anyone Slack gave no name for is shown by their Slack user id.",
            StaffNames::UserIdsOnly => "This export was made on the command line, without Slack: members of staff are shown by their Slack user id, not their name. The organisation can tell the person who each id is, or make the export again from Slack with /contact export, which names them.",
        }
    }
}

/// One export to render.
#[derive(Debug, Clone, Copy)]
pub struct Export<'a> {
    pub file: &'a SubjectAccessFile,
    pub names: &'a StaffNames,
    /// Who made the export (a Slack user id or `cli:…`).
    pub made_by: &'a str,
    pub made_at: DateTime<Utc>,
    /// The zone times are shown in (the configured `TIMEZONE`, Europe/London).
    pub zone: Tz,
}

/// The two documents of one export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Documents {
    /// `SU-<id>`.
    pub reference: String,
    pub json: String,
    pub html: String,
}

impl Documents {
    pub fn json_filename(&self) -> String {
        format!("{}.json", self.reference)
    }
    pub fn html_filename(&self) -> String {
        format!("{}.html", self.reference)
    }
}

/// Renders both documents.
pub fn render(export: &Export<'_>) -> Documents {
    Documents {
        reference: reference(export.file.person_id),
        json: json::render(export),
        html: html::render(export),
    }
}

/// The heading each section has in the readable document, in the JSON's order.
pub(crate) fn section_heading(key: &str) -> &'static str {
    match key {
        "identifiers" => {
            "Identifiers (phone numbers, email addresses, postal addresses, case references)"
        }
        "incidents" => "Incidents reported",
        "incident_kinds" => "Kinds of behaviour recorded on each incident",
        "police_reports" => "Police reports",
        "ended_calls" => "Calls ended or put on hold",
        "foi_refusals" => "Freedom of information requests refused (section 14)",
        "warnings" => "Warnings",
        "warning_incidents" => "Incidents each warning is about",
        "restriction_requests" => "Requests to restrict contact, with their decisions",
        "request_criteria" => "The six criteria of §6 on each request",
        "request_measures" => "Measures proposed in each request",
        "request_incidents" => "Incidents each request relies on",
        "approval_messages" => "Approval messages sent about each request",
        "restrictions" => "Restrictions",
        "restriction_measures" => "Measures under each restriction",
        "breaches" => "Breaches of a restriction",
        "disputes" => "Disputes",
        "reviews" => "Reviews",
        "review_continuations" => "Proposals to continue a restriction at review",
        "review_continuation_messages" => "Messages sent about those proposals",
        "letters" => "Letters, with their full text",
        "correction_notes" => "Correction notes",
        "legal_holds" => "Legal holds",
        "reminders" => "Reminders sent to staff about these records",
        "audit_events" => {
            "Audit trail: every change, and every reading of the case file, an export or a letter"
        }
        _ => "Other records",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_dp_1_the_reference_is_su_and_the_id() {
        assert_eq!(reference(12), "SU-12");
    }

    #[test]
    fn r_dp_1_staff_from_the_command_line_are_named_by_user_id() {
        let names = StaffNames::UserIdsOnly;
        assert_eq!(names.name_of("U0ABC"), "U0ABC");
        assert_eq!(names.name_of("cli:ops"), "ops, on the command line");
        let named = StaffNames::FromSlack(BTreeMap::from([("U0ABC".into(), "Sam Jones".into())]));
        assert_eq!(named.name_of("U0ABC"), "Sam Jones");
        assert_eq!(named.name_of("U0OTHER"), "U0OTHER");
    }
}
