//! Reporting and lookup (R-RPT-1 … R-RPT-6, R-DP-4): the `/contact report`,
//! `call-ended`, `breach`, `check`, `history`, `open`, `foi`, `access` and `correct`
//! subcommands,
//! their modals and buttons, one use case per file. Handlers decide and write (record,
//! audit event and outbox messages in one transaction) before answering Slack; personal
//! data goes only into modals, ephemeral replies and DM blocks to the people entitled to
//! it, never into a message's fallback text (the lock-screen preview).

use slack_morphism::prelude::*;

use super::blocks::metadata_modal;
use super::metadata::Metadata;
use crate::slack::ids::{Action, Callback};

mod access;
mod breach;
mod call_ended;
mod check;
mod correct;
mod foi;
mod history;
mod police_report;
mod report;

pub use access::{access, open_access_for, submit_access};
pub use breach::{breach, open_breach_for, submit_breach};
pub use call_ended::{open_call_ended, submit_call_ended};
pub use check::{check, check_card};
pub use correct::{correct, open_correct_for, submit_correction};
pub use foi::{open_foi, open_foi_for, submit_foi};
pub use history::{history, history_page};
pub use police_report::{open_items, open_items_page, open_police_report, submit_police_report};
pub use report::{open_report, report_choices_changed, report_fields_to_show, submit_report};

pub use crate::slack::people::person_options;

/// Callback ids of the modals this module owns.
pub const REPORT: &str = Callback::Report.as_str();
pub const CALL_ENDED: &str = Callback::CallEnded.as_str();
pub const BREACH: &str = Callback::Breach.as_str();
pub const POLICE_REPORT: &str = Callback::PoliceReport.as_str();
pub const FOI: &str = Callback::Foi.as_str();
pub const ACCESS: &str = Callback::Access.as_str();
pub const CORRECTION_NOTE: &str = Callback::CorrectionNote.as_str();

/// Action ids of the buttons this module owns.
pub const RECORD_POLICE_REPORT: &str = Action::RecordPoliceReport.as_str();
pub const CHECK_PERSON: &str = Action::CheckPerson.as_str();
pub const HISTORY_PERSON: &str = Action::HistoryPerson.as_str();
pub const HISTORY_NEWER: &str = Action::HistoryNewer.as_str();
pub const HISTORY_OLDER: &str = Action::HistoryOlder.as_str();
pub const OPEN_ITEMS_PREVIOUS: &str = Action::OpenItemsPrevious.as_str();
pub const OPEN_ITEMS_NEXT: &str = Action::OpenItemsNext.as_str();
pub const BREACH_PERSON: &str = Action::BreachPerson.as_str();
pub const FOI_PERSON: &str = Action::FoiPerson.as_str();
pub const REPORT_INSTEAD: &str = Action::ReportInstead.as_str();
pub const ACCESS_PERSON: &str = Action::AccessPerson.as_str();
pub const CORRECT_PERSON: &str = Action::CorrectPerson.as_str();

/// A modal of this feature, carrying its typed metadata.
fn modal(
    title: &str,
    callback: &str,
    submit: &str,
    metadata: &Metadata,
    blocks: Vec<SlackBlock>,
) -> SlackView {
    metadata_modal(title, callback, submit, metadata, blocks, None)
}
