//! What a letter says about one person and one decision: the values the templates fill in.
//!
//! Everything here is plain data that serialises for the templates. Dates stay dates
//! (`2026-11-03`) and days of the week stay numbers (0 = Monday) so that each template
//! words them in its own language through the `long_date` and `weekday` filters.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveTime};
use serde::Serialize;

use crate::domain::measures::{ContactWindow, Measure};
use crate::domain::UserId;

/// The names letters give members of staff, by Slack user id: their real names, as the
/// caller looked them up when drafting the letter.
pub type StaffNames = BTreeMap<UserId, String>;

/// Everything the letter templates need. Which fields a letter uses depends on its kind:
/// `adapt_until` is for the warning, `measures` and the dates for the restriction notice,
/// `outcome` for the dispute and review outcome letters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LetterContext {
    /// The organisation's name as it should appear in the letter, e.g. "the Independent
    /// Office for Police Conduct". Comes from configuration, never from the code.
    pub organisation: String,
    pub recipient_name: String,
    /// The letter's own reference, e.g. `WRN-00001` or `RES-00001`.
    pub reference: String,
    pub letter_date: NaiveDate,
    /// The function (part of the organisation) that is writing.
    pub function_name: String,
    /// What the behaviour was, in the words of the member of staff.
    pub behaviour: String,
    pub incident_dates: Vec<NaiveDate>,
    /// Warning: the person has until this date to adapt their behaviour (§6).
    pub adapt_until: Option<NaiveDate>,
    /// Restriction notice and varied outcomes: the contact arrangements (§6).
    pub measures: Vec<LetterMeasure>,
    /// Why: the justification for the decision or outcome.
    pub reasons: String,
    pub starts_on: Option<NaiveDate>,
    /// Restriction notice: the arrangements apply from the day the letter is sent (and not
    /// before `starts_on`), not from a date known when it was drafted (issue 9, finding 15).
    pub starts_once_sent: bool,
    /// None: until the restriction is reviewed.
    pub ends_on: Option<NaiveDate>,
    pub next_review_on: Option<NaiveDate>,
    /// Dispute outcome: `still_applies`, `varied` or `lifted` (§7).
    /// Review outcome: `continue`, `vary` or `lift` (§8).
    pub outcome: Option<String>,
    /// Whom to contact (the function), and who signs when no signatory is named.
    pub contact_name: String,
    /// Who signs the letter: the member of staff who made the decision (the manager who
    /// warns or reviews, the head or deputy who decides, the dispute's handler), by their
    /// real name as Slack has it; None when Slack gives no name, and the function signs.
    pub signatory_name: Option<String>,
    /// The signatory's role, worded by the templates: `manager`, `head_of_function`,
    /// `deputy_head_of_function` or `complaints_handler`.
    pub signatory_role: Option<String>,
    /// How to reach the organisation, including its complaints procedure (§7). May hold
    /// several lines; each becomes a line of the letter.
    pub contact_details: String,
    /// Dispute outcome: the organisation's complaints system reference (§7), printed
    /// under the letter's own reference; None for other letters and older disputes.
    pub complaint_reference: Option<String>,
    /// Where the letter is posted: the lines of the person's latest postal address
    /// (R-REC-1), printed under their name at the top; empty when none is on record.
    pub recipient_address: Vec<String>,
    /// Correction notes on the records this letter cites (R-REC-1): records are never
    /// rewritten, so a letter drafted after a note repeats it. Oldest first.
    pub corrections: Vec<LetterCorrection>,
}

/// A correction note a letter repeats: the day of the record it corrects (an incident's,
/// a breach's or a call's day, a warning's date) and the note in the manager's words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LetterCorrection {
    /// `incident`, `ended_call`, `warning` or `breach`.
    pub record_kind: String,
    pub record_date: NaiveDate,
    pub note: String,
}

/// A restriction measure as a letter describes it: its kind (the stored spelling, e.g.
/// `time_limited_contact`) and whichever parameters that kind has. The templates word it
/// in their own language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LetterMeasure {
    pub kind: String,
    /// Time-limited contact: `phone` or `visit`.
    pub mode: Option<String>,
    /// Time-limited contact: when contact is allowed, in week order.
    pub windows: Vec<LetterWindow>,
    pub max_minutes: Option<u32>,
    /// One method of contact: `phone`, `email`, `letter`, `in_person` or `online_form`.
    pub method: Option<String>,
    /// One point of contact: the member of staff's real name (never their Slack id or
    /// Slack markup). A letter with a point of contact and no name is not rendered.
    pub staff_name: Option<String>,
    /// Refusal to reopen: the case.
    pub case_reference: Option<String>,
    /// Blocked numbers or addresses: the person's own, so they know which are blocked.
    pub identifiers: Vec<String>,
    /// Any other measure, in the words of the head of function.
    pub description: Option<String>,
}

/// A weekly window in which contact is allowed: `day` 0 = Monday … 6 = Sunday, times as
/// `09:00`, from `start` up to `end`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LetterWindow {
    pub day: u32,
    pub start: String,
    pub end: String,
}

impl LetterMeasure {
    fn of_kind(measure: &Measure) -> Self {
        Self {
            kind: measure.kind_str().to_owned(),
            mode: None,
            windows: Vec::new(),
            max_minutes: None,
            method: None,
            staff_name: None,
            case_reference: None,
            identifiers: Vec::new(),
            description: None,
        }
    }
}

impl LetterMeasure {
    /// The measure as a letter describes it; `names` gives the real name of the member
    /// of staff a single point of contact is.
    pub fn new(measure: &Measure, names: &StaffNames) -> Self {
        let base = Self::of_kind(measure);
        match measure {
            Measure::TimeLimitedContact {
                mode,
                windows,
                max_minutes,
            } => {
                let mut sorted = windows.clone();
                sorted.sort_by_key(|w| (w.weekday.num_days_from_monday(), w.start, w.end));
                Self {
                    mode: Some(mode.as_str().to_owned()),
                    windows: sorted.iter().map(LetterWindow::from).collect(),
                    max_minutes: *max_minutes,
                    ..base
                }
            }
            Measure::SingleContactMethod { method } => Self {
                method: Some(method.as_str().to_owned()),
                ..base
            },
            Measure::SinglePointOfContact { staff } => Self {
                staff_name: names.get(staff).cloned(),
                ..base
            },
            Measure::CallsRecorded | Measure::ReadAndFile => base,
            Measure::RefuseReopen { case_reference } => Self {
                case_reference: Some(case_reference.clone()),
                ..base
            },
            Measure::BlockContact { identifiers } => Self {
                identifiers: identifiers.clone(),
                ..base
            },
            Measure::Other { description } => Self {
                description: Some(description.clone()),
                ..base
            },
        }
    }
}

impl From<&ContactWindow> for LetterWindow {
    fn from(window: &ContactWindow) -> Self {
        Self {
            day: window.weekday.num_days_from_monday(),
            start: hhmm(window.start),
            end: hhmm(window.end),
        }
    }
}

fn hhmm(time: NaiveTime) -> String {
    time.format("%H:%M").to_string()
}
