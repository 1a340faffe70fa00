//! The ways contact can be restricted (§6 list, R-RES-3), each with its parameters, and
//! what they mean for a member of staff about to deal with the person (R-RPT-5).
//!
//! A measure is stored as a kind (the schema's spelling) and its parameters as JSON, e.g.
//! `time_limited_contact` with
//! `{"mode":"phone","slots":[{"day":"tue","from":"09:00","to":"12:00"}],"max_minutes":10}`.
//! Window times are wall-clock times where the organisation is (Europe/London), so a
//! 09:00 window stays at 09:00 when the clocks change.

use std::fmt;
use std::str::FromStr;

use chrono::{NaiveTime, Weekday};

use super::UserId;

/// A restriction measure with its parameters (§6: "this list is not exhaustive").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Measure {
    /// Calls or visits only in the given windows, optionally each at most `max_minutes`
    /// ("one call on one specified morning/afternoon of any week").
    TimeLimitedContact {
        mode: ContactMode,
        windows: Vec<ContactWindow>,
        max_minutes: Option<u32>,
    },
    /// Communication restricted to one method of contact.
    SingleContactMethod { method: ContactMethod },
    /// One specific point of contact only: a member of staff, by their Slack user id.
    /// Surfaces name them their own way (a Slack mention; in a letter, their real name as
    /// Slack has it when the letter is drafted), so no name is stored.
    SinglePointOfContact { staff: UserId },
    /// Telephone calls recorded or monitored.
    CallsRecorded,
    /// Read and file correspondence; respond only to new information or a new complaint.
    ReadAndFile,
    /// Refuse demands to reopen a closed case or case decision.
    RefuseReopen { case_reference: String },
    /// Severe cases only: block telephone numbers and/or email addresses.
    BlockContact { identifiers: Vec<String> },
    /// Any other action the head of function considers appropriate.
    Other { description: String },
}

/// Which contact a time limit applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContactMode {
    Phone,
    Visit,
}

/// The one method of contact a person is restricted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContactMethod {
    Phone,
    Email,
    Letter,
    InPerson,
    OnlineForm,
}

/// A weekly window in which contact is allowed, in local wall-clock time: from `start`
/// up to (not including) `end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ContactWindow {
    pub weekday: Weekday,
    pub start: NaiveTime,
    pub end: NaiveTime,
}

/// The kind of a measure without its parameters: the stored spelling, and the label
/// managers choose from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MeasureKind {
    TimeLimitedContact,
    SingleContactMethod,
    SinglePointOfContact,
    CallsRecorded,
    ReadAndFile,
    RefuseReopen,
    BlockContact,
    Other,
}

/// Why a measure or its stored parameters were not accepted. Messages are for the manager
/// filling in the request; none of them repeat blocked numbers or other personal values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MeasureError {
    #[error("unknown measure {0:?}")]
    UnknownKind(String),
    #[error("the parameters of a {kind} measure are not as expected: {reason}")]
    BadParams { kind: &'static str, reason: String },
    #[error("Give at least one day and time when contact is allowed")]
    NoWindows,
    #[error("Each time window must end after it starts ({0})")]
    WindowEndsBeforeStart(ContactWindow),
    #[error("Give window times to the minute, such as 09:00 ({0})")]
    WindowNotWholeMinutes(ContactWindow),
    #[error("A time limit must be at least 1 minute")]
    ZeroMinutes,
    #[error("Choose the member of staff who is the point of contact")]
    InvalidStaffUserId,
    #[error("Give the reference of the case that will not be reopened")]
    EmptyCaseReference,
    #[error("List the phone numbers or email addresses to block")]
    NoIdentifiers,
    #[error("Describe the measure")]
    EmptyDescription,
    #[error("Keep this to {max} characters or fewer")]
    TooLong { max: usize },
}

/// The longest case reference a "refuse to reopen" measure names; the restrict form
/// accepts exactly this much.
pub const MAX_CASE_REFERENCE_CHARS: usize = 64;
/// The longest description of an "other" measure; the restrict form accepts exactly this
/// much.
pub const MAX_DESCRIPTION_CHARS: usize = 1000;

impl MeasureKind {
    pub const ALL: [MeasureKind; 8] = [
        MeasureKind::TimeLimitedContact,
        MeasureKind::SingleContactMethod,
        MeasureKind::SinglePointOfContact,
        MeasureKind::CallsRecorded,
        MeasureKind::ReadAndFile,
        MeasureKind::RefuseReopen,
        MeasureKind::BlockContact,
        MeasureKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MeasureKind::TimeLimitedContact => "time_limited_contact",
            MeasureKind::SingleContactMethod => "single_contact_method",
            MeasureKind::SinglePointOfContact => "single_point_of_contact",
            MeasureKind::CallsRecorded => "calls_recorded",
            MeasureKind::ReadAndFile => "read_and_file",
            MeasureKind::RefuseReopen => "refuse_reopen",
            MeasureKind::BlockContact => "block_contact",
            MeasureKind::Other => "other",
        }
    }

    /// The §6 measure as managers choose it.
    pub fn label(self) -> &'static str {
        match self {
            MeasureKind::TimeLimitedContact => "Time-limited calls or visits",
            MeasureKind::SingleContactMethod => "One method of contact only",
            MeasureKind::SinglePointOfContact => "One named point of contact",
            MeasureKind::CallsRecorded => "Calls recorded or monitored",
            MeasureKind::ReadAndFile => "Read and file correspondence",
            MeasureKind::RefuseReopen => "Refuse to reopen a closed case or decision",
            MeasureKind::BlockContact => "Block numbers or email addresses (severe cases)",
            MeasureKind::Other => "Other",
        }
    }
}

impl fmt::Display for MeasureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MeasureKind {
    type Err = MeasureError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| MeasureError::UnknownKind(s.to_owned()))
    }
}

impl ContactMode {
    pub const ALL: [ContactMode; 2] = [ContactMode::Phone, ContactMode::Visit];

    pub fn as_str(self) -> &'static str {
        match self {
            ContactMode::Phone => "phone",
            ContactMode::Visit => "visit",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ContactMode::Phone => "Phone calls",
            ContactMode::Visit => "Visits in person",
        }
    }

    fn plural(self) -> &'static str {
        match self {
            ContactMode::Phone => "calls",
            ContactMode::Visit => "visits",
        }
    }

    fn singular(self) -> &'static str {
        match self {
            ContactMode::Phone => "call",
            ContactMode::Visit => "visit",
        }
    }
}

impl FromStr for ContactMode {
    type Err = MeasureError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| MeasureError::BadParams {
                kind: MeasureKind::TimeLimitedContact.as_str(),
                reason: format!("unknown contact mode {s:?}"),
            })
    }
}

impl ContactMethod {
    pub const ALL: [ContactMethod; 5] = [
        ContactMethod::Phone,
        ContactMethod::Email,
        ContactMethod::Letter,
        ContactMethod::InPerson,
        ContactMethod::OnlineForm,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ContactMethod::Phone => "phone",
            ContactMethod::Email => "email",
            ContactMethod::Letter => "letter",
            ContactMethod::InPerson => "in_person",
            ContactMethod::OnlineForm => "online_form",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ContactMethod::Phone => "Phone",
            ContactMethod::Email => "Email",
            ContactMethod::Letter => "Letter",
            ContactMethod::InPerson => "In person",
            ContactMethod::OnlineForm => "Online form",
        }
    }

    /// "Contact is … only".
    fn by(self) -> &'static str {
        match self {
            ContactMethod::Phone => "by phone",
            ContactMethod::Email => "by email",
            ContactMethod::Letter => "by letter",
            ContactMethod::InPerson => "in person",
            ContactMethod::OnlineForm => "through the online form",
        }
    }

    /// "Ask them to …".
    fn ask_to(self) -> &'static str {
        match self {
            ContactMethod::Phone => "phone",
            ContactMethod::Email => "write by email",
            ContactMethod::Letter => "write by letter",
            ContactMethod::InPerson => "come in person",
            ContactMethod::OnlineForm => "use the online form",
        }
    }
}

impl FromStr for ContactMethod {
    type Err = MeasureError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| MeasureError::BadParams {
                kind: MeasureKind::SingleContactMethod.as_str(),
                reason: format!("unknown contact method {s:?}"),
            })
    }
}

mod instructions;
mod stored;
#[cfg(test)]
mod tests;
mod windows;

pub use instructions::*;
pub use windows::*;
