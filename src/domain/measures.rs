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

use chrono::{DateTime, Datelike, NaiveTime, Timelike, Weekday};
use chrono_tz::Tz;
use serde_json::{json, Map, Value};

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

impl ContactWindow {
    /// Whether a local wall-clock moment falls inside the window (start inclusive,
    /// end exclusive).
    pub fn contains(&self, weekday: Weekday, time: NaiveTime) -> bool {
        weekday == self.weekday && self.start <= time && time < self.end
    }

    /// Days from `weekday` until this window's day: 0 on the same day.
    fn days_after(&self, weekday: Weekday) -> u32 {
        (7 + self.weekday.num_days_from_monday() - weekday.num_days_from_monday()) % 7
    }

    fn hours(&self) -> String {
        format!("{}–{}", hhmm(self.start), hhmm(self.end))
    }
}

/// "Tuesday 09:00–12:00".
impl fmt::Display for ContactWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", weekday_name(self.weekday), self.hours())
    }
}

/// Reads the contact windows a manager types (R-RES-2), e.g. "Tue 09:00-12:00",
/// "Tuesday 9:00–12:00, Thu 14:00-16:30" or "tue 9-12": one window per item, items
/// separated by commas, semicolons or new lines. Each item is a day (its name or an
/// abbreviation of at least two letters, any case) then a time range joined by a hyphen,
/// a dash or "to"; times are hours with or without minutes ("9", "9:30", "09.30"), with
/// an optional am/pm. Checks each window ends after it starts.
pub fn parse_windows(text: &str) -> Result<Vec<ContactWindow>, MeasureError> {
    let windows = text
        .split([',', ';', '\n'])
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(parse_window)
        .collect::<Result<Vec<_>, _>>()?;
    if windows.is_empty() {
        return Err(MeasureError::NoWindows);
    }
    Ok(windows)
}

/// One typed window: "Tuesday 9:00–12:00".
fn parse_window(item: &str) -> Result<ContactWindow, MeasureError> {
    let unreadable = |reason: String| MeasureError::BadParams {
        kind: MeasureKind::TimeLimitedContact.as_str(),
        reason,
    };
    let lower = item.to_lowercase();
    let (day, range) = lower.split_at(
        lower
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(lower.len()),
    );
    let weekday = typed_weekday(day).ok_or_else(|| {
        unreadable(format!(
            "{:?} is not a day of the week; write a day then times, such as Tue 09:00-12:00",
            day.trim()
        ))
    })?;
    let range: String = range
        .replace(['–', '—'], "-")
        .replace(" to ", "-")
        .split_whitespace()
        .collect();
    let times = range
        .split_once('-')
        .and_then(|(from, to)| Some((typed_time(from)?, typed_time(to)?)));
    let (start, end) = times.ok_or_else(|| {
        unreadable(format!(
            "{item:?} does not give a time range; write times such as 09:00-12:00"
        ))
    })?;
    let window = ContactWindow {
        weekday,
        start,
        end,
    };
    if start >= end {
        return Err(MeasureError::WindowEndsBeforeStart(window));
    }
    Ok(window)
}

/// "tue", "Tues", "TUESDAY", "tu", "Tuesdays" and "weds" name their day.
fn typed_weekday(raw: &str) -> Option<Weekday> {
    const DAYS: [(Weekday, &str); 7] = [
        (Weekday::Mon, "monday"),
        (Weekday::Tue, "tuesday"),
        (Weekday::Wed, "wednesday"),
        (Weekday::Thu, "thursday"),
        (Weekday::Fri, "friday"),
        (Weekday::Sat, "saturday"),
        (Weekday::Sun, "sunday"),
    ];
    let word = raw.trim().trim_end_matches(['.', ':']).to_lowercase();
    let word = match word.as_str() {
        "weds" => "wed",
        other => other
            .strip_suffix('s')
            .filter(|w| w.ends_with("day"))
            .unwrap_or(other),
    };
    DAYS.into_iter()
        .find(|(_, name)| word.len() >= 2 && name.starts_with(word))
        .map(|(day, _)| day)
}

/// "9", "09", "9:30", "09.30", "2pm", "12:15am" as a time of day.
fn typed_time(raw: &str) -> Option<NaiveTime> {
    let (clock, half) = if let Some(clock) = raw.strip_suffix("am") {
        (clock, Some(0))
    } else if let Some(clock) = raw.strip_suffix("pm") {
        (clock, Some(12))
    } else {
        (raw, None)
    };
    let (hours, minutes) = clock.split_once([':', '.']).unwrap_or((clock, "00"));
    let digits = |s: &str, lengths: &[usize]| {
        lengths.contains(&s.len()) && s.chars().all(|c| c.is_ascii_digit())
    };
    if !digits(hours, &[1, 2]) || !digits(minutes, &[2]) {
        return None;
    }
    let mut hour: u32 = hours.parse().ok()?;
    let minute: u32 = minutes.parse().ok()?;
    if let Some(offset) = half {
        if !(1..=12).contains(&hour) {
            return None;
        }
        hour = hour % 12 + offset;
    }
    NaiveTime::from_hms_opt(hour, minute, 0)
}

impl Measure {
    pub fn kind(&self) -> MeasureKind {
        match self {
            Measure::TimeLimitedContact { .. } => MeasureKind::TimeLimitedContact,
            Measure::SingleContactMethod { .. } => MeasureKind::SingleContactMethod,
            Measure::SinglePointOfContact { .. } => MeasureKind::SinglePointOfContact,
            Measure::CallsRecorded => MeasureKind::CallsRecorded,
            Measure::ReadAndFile => MeasureKind::ReadAndFile,
            Measure::RefuseReopen { .. } => MeasureKind::RefuseReopen,
            Measure::BlockContact { .. } => MeasureKind::BlockContact,
            Measure::Other { .. } => MeasureKind::Other,
        }
    }

    /// The stored spelling of the kind (the `kind` column).
    pub fn kind_str(&self) -> &'static str {
        self.kind().as_str()
    }

    /// The parameters as stored (the `params` column).
    pub fn params(&self) -> Value {
        match self {
            Measure::TimeLimitedContact {
                mode,
                windows,
                max_minutes,
            } => {
                let slots: Vec<Value> = windows
                    .iter()
                    .map(|w| {
                        json!({
                            "day": weekday_code(w.weekday),
                            "from": hhmm(w.start),
                            "to": hhmm(w.end),
                        })
                    })
                    .collect();
                let mut params = json!({ "mode": mode.as_str(), "slots": slots });
                if let (Some(minutes), Some(object)) = (max_minutes, params.as_object_mut()) {
                    object.insert("max_minutes".into(), json!(minutes));
                }
                params
            }
            Measure::SingleContactMethod { method } => json!({ "method": method.as_str() }),
            Measure::SinglePointOfContact { staff } => json!({ "slack_user_id": staff }),
            Measure::CallsRecorded | Measure::ReadAndFile => json!({}),
            Measure::RefuseReopen { case_reference } => {
                json!({ "case_reference": case_reference })
            }
            Measure::BlockContact { identifiers } => json!({ "identifiers": identifiers }),
            Measure::Other { description } => json!({ "description": description }),
        }
    }

    /// Rebuilds a measure from its stored kind and parameters. Checks their shape only;
    /// [`Measure::validate`] checks that the measure makes sense.
    pub fn from_parts(kind: &str, params: &Value) -> Result<Measure, MeasureError> {
        let kind: MeasureKind = kind.parse()?;
        let fields = Fields::new(kind, params)?;
        let measure = match kind {
            MeasureKind::TimeLimitedContact => Measure::TimeLimitedContact {
                mode: fields.text("mode")?.parse()?,
                windows: fields
                    .list("slots")?
                    .iter()
                    .map(window_from_json)
                    .collect::<Result<_, _>>()
                    .map_err(|e| fields.bad(e))?,
                max_minutes: fields.optional_minutes("max_minutes")?,
            },
            MeasureKind::SingleContactMethod => Measure::SingleContactMethod {
                method: fields.text("method")?.parse()?,
            },
            MeasureKind::SinglePointOfContact => Measure::SinglePointOfContact {
                staff: fields.staff_user_id()?,
            },
            MeasureKind::CallsRecorded => Measure::CallsRecorded,
            MeasureKind::ReadAndFile => Measure::ReadAndFile,
            MeasureKind::RefuseReopen => Measure::RefuseReopen {
                case_reference: fields.text("case_reference")?.to_owned(),
            },
            MeasureKind::BlockContact => Measure::BlockContact {
                identifiers: fields.texts("identifiers")?,
            },
            MeasureKind::Other => Measure::Other {
                description: fields.text("description")?.to_owned(),
            },
        };
        Ok(measure)
    }

    /// Checks that the measure can be applied as written: windows that exist and end after
    /// they start, a real member of staff, a case reference, something to block.
    pub fn validate(&self) -> Result<(), MeasureError> {
        match self {
            Measure::TimeLimitedContact {
                windows,
                max_minutes,
                ..
            } => {
                if windows.is_empty() {
                    return Err(MeasureError::NoWindows);
                }
                for window in windows {
                    if window.start.second() != 0 || window.end.second() != 0 {
                        return Err(MeasureError::WindowNotWholeMinutes(*window));
                    }
                    if window.start >= window.end {
                        return Err(MeasureError::WindowEndsBeforeStart(*window));
                    }
                }
                if *max_minutes == Some(0) {
                    return Err(MeasureError::ZeroMinutes);
                }
                Ok(())
            }
            Measure::SingleContactMethod { .. } | Measure::CallsRecorded | Measure::ReadAndFile => {
                Ok(())
            }
            Measure::SinglePointOfContact { staff } => UserId::parse(staff.as_str())
                .map(drop)
                .map_err(|_| MeasureError::InvalidStaffUserId),
            Measure::RefuseReopen { case_reference } => bounded(
                case_reference,
                MAX_CASE_REFERENCE_CHARS,
                MeasureError::EmptyCaseReference,
            ),
            Measure::BlockContact { identifiers } => {
                if identifiers.is_empty() || identifiers.iter().any(|i| i.trim().is_empty()) {
                    return Err(MeasureError::NoIdentifiers);
                }
                Ok(())
            }
            Measure::Other { description } => bounded(
                description,
                MAX_DESCRIPTION_CHARS,
                MeasureError::EmptyDescription,
            ),
        }
    }

    /// The member of staff the measure names, if it names one.
    pub fn staff(&self) -> Option<&UserId> {
        match self {
            Measure::SinglePointOfContact { staff } => Some(staff),
            _ => None,
        }
    }

    /// The measure with every value staff typed into it (a case reference, blocked
    /// numbers or addresses, a description) passed through `typed`: a surface escapes
    /// them this way before wording the measure around them.
    pub fn with_typed_text(&self, typed: &dyn Fn(&str) -> String) -> Measure {
        match self {
            Measure::RefuseReopen { case_reference } => Measure::RefuseReopen {
                case_reference: typed(case_reference),
            },
            Measure::BlockContact { identifiers } => Measure::BlockContact {
                identifiers: identifiers.iter().map(|i| typed(i)).collect(),
            },
            Measure::Other { description } => Measure::Other {
                description: typed(description),
            },
            other => other.clone(),
        }
    }

    /// One line for managers and heads of function, e.g.
    /// "Calls only Tuesday 09:00–12:00, at most 10 minutes". `staff` names the member of
    /// staff a single point of contact is (in Slack, a mention).
    pub fn summary(&self, staff: &dyn Fn(&UserId) -> String) -> String {
        match self {
            Measure::TimeLimitedContact {
                mode,
                windows,
                max_minutes,
            } => {
                let mut line = format!(
                    "{} only {}",
                    capitalised(mode.plural()),
                    list_windows(windows)
                );
                if let Some(minutes) = max_minutes {
                    line.push_str(&format!(", at most {}", minutes_phrase(*minutes)));
                }
                line
            }
            Measure::SingleContactMethod { method } => {
                format!("Contact {} only", method.by())
            }
            Measure::SinglePointOfContact { staff: who } => {
                format!("Single point of contact: {}", staff(who))
            }
            Measure::CallsRecorded => "Calls recorded or monitored".into(),
            Measure::ReadAndFile => {
                "Read and file correspondence; reply only to new information or a new complaint"
                    .into()
            }
            Measure::RefuseReopen { case_reference } => format!(
                "Refuse to reopen case {} or its decision",
                case_reference.trim()
            ),
            Measure::BlockContact { identifiers } => {
                let trimmed: Vec<&str> = identifiers.iter().map(|i| i.trim()).collect();
                format!("Block contact from {}", join_and(&trimmed))
            }
            Measure::Other { description } => format!("Other: {}", description.trim()),
        }
    }
}

/// What a member of staff should do right now about a person under these measures
/// (R-RPT-5), one instruction per line, e.g. "Do not take calls except Tuesday
/// 09:00–12:00." then whether a call may be taken at `now` (local time). `staff` names
/// the member of staff a single point of contact is (in Slack, a mention).
pub fn instructions(
    measures: &[Measure],
    now: DateTime<Tz>,
    staff: &dyn Fn(&UserId) -> String,
) -> Vec<String> {
    let time_limited = measures
        .iter()
        .any(|m| matches!(m, Measure::TimeLimitedContact { .. }));
    let mut lines = Vec::new();
    for measure in measures {
        match measure {
            Measure::TimeLimitedContact {
                mode,
                windows,
                max_minutes,
            } => {
                lines.push(time_limit_rule(*mode, windows, *max_minutes));
                if let Some(line) = time_limit_now(*mode, windows, now) {
                    lines.push(line);
                }
            }
            Measure::SingleContactMethod { method } if time_limited => {
                lines.push(format!("Ask them to {}.", method.ask_to()));
            }
            Measure::SingleContactMethod { method } => lines.push(format!(
                "Contact is {} only; ask them to {}.",
                method.by(),
                method.ask_to()
            )),
            Measure::SinglePointOfContact { staff: who } => {
                let name = staff(who);
                lines.push(format!(
                    "Only {name} deals with them; pass any contact to {name}."
                ));
            }
            Measure::CallsRecorded => {
                lines.push("Calls must be recorded or monitored; tell the caller.".into())
            }
            Measure::ReadAndFile => lines.push(
                "Read and file their correspondence; reply only to new information or a new complaint."
                    .into(),
            ),
            Measure::RefuseReopen { case_reference } => lines.push(format!(
                "Do not reopen case {} or its decision.",
                case_reference.trim()
            )),
            Measure::BlockContact { .. } => {
                lines.push("Their listed numbers/addresses are blocked.".into())
            }
            Measure::Other { description } => lines.push(description.trim().to_owned()),
        }
    }
    lines
}

/// "Do not take calls except Tuesday 09:00–12:00, and end each call after 10 minutes."
fn time_limit_rule(
    mode: ContactMode,
    windows: &[ContactWindow],
    max_minutes: Option<u32>,
) -> String {
    let verb = match mode {
        ContactMode::Phone => "Do not take calls",
        ContactMode::Visit => "Do not see them in person",
    };
    // No windows at all (refused by `validate`, but stored data is not re-checked) means
    // no calls or visits: say so rather than "except ." with nothing after it.
    let mut line = if windows.is_empty() {
        verb.to_owned()
    } else {
        format!("{verb} except {}", list_windows(windows))
    };
    if let Some(minutes) = max_minutes {
        line.push_str(&format!(
            ", and end each {} after {}",
            mode.singular(),
            minutes_phrase(minutes)
        ));
    }
    line.push('.');
    line
}

/// Whether `now` is inside one of the windows, and if not, when the next one is. None
/// only when there are no windows (which [`Measure::validate`] refuses).
fn time_limit_now(
    mode: ContactMode,
    windows: &[ContactWindow],
    now: DateTime<Tz>,
) -> Option<String> {
    let weekday = now.weekday();
    let time = now.time();
    if let Some(open) = windows.iter().find(|w| w.contains(weekday, time)) {
        let permission = match mode {
            ContactMode::Phone => "a call may be taken now",
            ContactMode::Visit => "a visit may take place now",
        };
        return Some(format!(
            "It is {} {}: {permission}, until {}.",
            weekday_name(weekday),
            hhmm(time),
            hhmm(open.end)
        ));
    }
    let next = windows.iter().filter(|w| w.start < w.end).min_by_key(|w| {
        let days = match w.days_after(weekday) {
            0 if w.start <= time => 7,
            days => days,
        };
        (days, w.start)
    })?;
    let when = if next.weekday == weekday && next.start > time {
        format!("today {}", next.hours())
    } else {
        next.to_string()
    };
    Some(format!(
        "{} are not allowed now; the next window is {when}.",
        capitalised(mode.plural())
    ))
}

/// Windows in week order: "Monday 09:00–10:00, Tuesday 09:00–12:00 and Thursday 14:00–16:00".
fn list_windows(windows: &[ContactWindow]) -> String {
    let mut sorted = windows.to_vec();
    sorted.sort_by_key(|w| (w.weekday.num_days_from_monday(), w.start, w.end));
    let named: Vec<String> = sorted.iter().map(ToString::to_string).collect();
    join_and(&named)
}

fn join_and<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [only] => only.as_ref().to_owned(),
        [rest @ .., last] => {
            let rest: Vec<&str> = rest.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", rest.join(", "), last.as_ref())
        }
    }
}

fn minutes_phrase(minutes: u32) -> String {
    if minutes == 1 {
        "1 minute".into()
    } else {
        format!("{minutes} minutes")
    }
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn hhmm(time: NaiveTime) -> String {
    time.format("%H:%M").to_string()
}

fn weekday_name(weekday: Weekday) -> &'static str {
    match weekday {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

/// The stored spelling of a day: "mon" … "sun".
fn weekday_code(weekday: Weekday) -> &'static str {
    match weekday {
        Weekday::Mon => "mon",
        Weekday::Tue => "tue",
        Weekday::Wed => "wed",
        Weekday::Thu => "thu",
        Weekday::Fri => "fri",
        Weekday::Sat => "sat",
        Weekday::Sun => "sun",
    }
}

fn bounded(value: &str, max: usize, empty: MeasureError) -> Result<(), MeasureError> {
    let value = value.trim();
    if value.is_empty() {
        Err(empty)
    } else if value.chars().count() > max {
        Err(MeasureError::TooLong { max })
    } else {
        Ok(())
    }
}

fn window_from_json(slot: &Value) -> Result<ContactWindow, String> {
    let field = |key: &str| {
        slot.get(key)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("a slot has no text \"{key}\""))
    };
    let day = field("day")?;
    let time = |key: &str| {
        let raw = field(key)?;
        NaiveTime::parse_from_str(raw, "%H:%M")
            .map_err(|_| format!("slot \"{key}\" {raw:?} is not a time like 09:00"))
    };
    Ok(ContactWindow {
        weekday: day
            .parse()
            .map_err(|_| format!("slot day {day:?} is not a day of the week"))?,
        start: time("from")?,
        end: time("to")?,
    })
}

/// Reads the fields of stored parameters for `from_parts`. Errors name the field, never
/// its value, because some parameters are personal data (blocked numbers, staff names).
struct Fields<'a> {
    kind: MeasureKind,
    params: &'a Map<String, Value>,
}

impl<'a> Fields<'a> {
    fn new(kind: MeasureKind, params: &'a Value) -> Result<Self, MeasureError> {
        match params.as_object() {
            Some(params) => Ok(Self { kind, params }),
            None => Err(MeasureError::BadParams {
                kind: kind.as_str(),
                reason: "they are not a JSON object".into(),
            }),
        }
    }

    fn bad(&self, reason: String) -> MeasureError {
        MeasureError::BadParams {
            kind: self.kind.as_str(),
            reason,
        }
    }

    fn missing(&self, key: &str, expected: &str) -> MeasureError {
        self.bad(format!("\"{key}\" is missing or not {expected}"))
    }

    fn text(&self, key: &str) -> Result<&'a str, MeasureError> {
        self.params
            .get(key)
            .and_then(Value::as_str)
            .ok_or_else(|| self.missing(key, "text"))
    }

    /// The member of staff of a single point of contact: `slack_user_id`, as an id or
    /// as Slack's mention markup (`<@U…>`). Rows stored before names were looked up in
    /// Slack also carry `name`, which held that markup; the id is read from it when
    /// `slack_user_id` does not give one. Any other `name` is ignored.
    fn staff_user_id(&self) -> Result<UserId, MeasureError> {
        ["slack_user_id", "name"]
            .into_iter()
            .filter_map(|key| self.params.get(key).and_then(Value::as_str))
            .find_map(|raw| UserId::parse(raw).ok())
            .ok_or_else(|| self.missing("slack_user_id", "a Slack user id"))
    }

    fn list(&self, key: &str) -> Result<&'a [Value], MeasureError> {
        self.params
            .get(key)
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .ok_or_else(|| self.missing(key, "a list"))
    }

    fn texts(&self, key: &str) -> Result<Vec<String>, MeasureError> {
        self.list(key)?
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<_>>()
            .ok_or_else(|| self.missing(key, "a list of text"))
    }

    fn optional_minutes(&self, key: &str) -> Result<Option<u32>, MeasureError> {
        match self.params.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => value
                .as_u64()
                .and_then(|m| u32::try_from(m).ok())
                .map(Some)
                .ok_or_else(|| self.missing(key, "a whole number of minutes")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use chrono_tz::Europe::London;

    fn at(hour: u32, minute: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(hour, minute, 0).unwrap()
    }

    fn window(weekday: Weekday, from: (u32, u32), to: (u32, u32)) -> ContactWindow {
        ContactWindow {
            weekday,
            start: at(from.0, from.1),
            end: at(to.0, to.1),
        }
    }

    fn tuesday_mornings(max_minutes: Option<u32>) -> Measure {
        Measure::TimeLimitedContact {
            mode: ContactMode::Phone,
            windows: vec![window(Weekday::Tue, (9, 0), (12, 0))],
            max_minutes,
        }
    }

    /// How the tests' surface names staff: Sam Jones is U012AB3CD.
    fn by_name(staff: &UserId) -> String {
        match staff.as_str() {
            "U012AB3CD" => "Sam Jones".to_owned(),
            other => format!("someone else ({other})"),
        }
    }

    fn email_only() -> Measure {
        Measure::SingleContactMethod {
            method: ContactMethod::Email,
        }
    }

    /// Local wall-clock time in London.
    fn london(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Tz> {
        London.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    fn every_kind() -> Vec<Measure> {
        vec![
            Measure::TimeLimitedContact {
                mode: ContactMode::Visit,
                windows: vec![
                    window(Weekday::Tue, (9, 0), (12, 0)),
                    window(Weekday::Thu, (14, 30), (16, 0)),
                ],
                max_minutes: Some(30),
            },
            tuesday_mornings(None),
            email_only(),
            Measure::SinglePointOfContact {
                staff: UserId::from_slack("U012AB3CD"),
            },
            Measure::CallsRecorded,
            Measure::ReadAndFile,
            Measure::RefuseReopen {
                case_reference: "CASE-123".into(),
            },
            Measure::BlockContact {
                identifiers: vec!["+447700900123".into(), "sam@example.org".into()],
            },
            Measure::Other {
                description: "Meetings only with a second member of staff present.".into(),
            },
        ]
    }

    #[test]
    fn i9_f5_the_single_point_of_contact_is_stored_as_the_staff_members_user_id() {
        let sam = Measure::SinglePointOfContact {
            staff: UserId::from_slack("U012AB3CD"),
        };
        // The id only: no name, and no Slack markup, is stored.
        assert_eq!(sam.params(), json!({ "slack_user_id": "U012AB3CD" }));
        assert_eq!(sam.staff(), Some(&UserId::from_slack("U012AB3CD")));
        assert_eq!(email_only().staff(), None);
    }

    #[test]
    fn i9_f5_rows_stored_with_slack_markup_read_back_as_the_user_id() {
        let sam = Ok(Measure::SinglePointOfContact {
            staff: UserId::from_slack("U012AB3CD"),
        });
        let kind = "single_point_of_contact";
        // As the restrict form stored it before: the id, and the mention as the "name".
        let before = json!({ "slack_user_id": "U012AB3CD", "name": "<@U012AB3CD>" });
        assert_eq!(Measure::from_parts(kind, &before), sam);
        // Markup where the id belongs, with or without a label, or only in the name.
        for stored in [
            json!({ "slack_user_id": "<@U012AB3CD>" }),
            json!({ "slack_user_id": "<@U012AB3CD|sam>", "name": "Sam" }),
            json!({ "name": "<@U012AB3CD>" }),
            json!({ "slack_user_id": "", "name": "<@U012AB3CD>" }),
        ] {
            assert_eq!(Measure::from_parts(kind, &stored), sam, "{stored}");
        }
        // A name that is not a mention does not make up an id.
        for stored in [json!({ "name": "Sam Jones" }), json!({})] {
            assert!(
                matches!(
                    Measure::from_parts(kind, &stored),
                    Err(MeasureError::BadParams { .. })
                ),
                "{stored}"
            );
        }
    }

    #[test]
    fn i9_f5_surfaces_name_the_staff_member_and_escape_what_staff_typed() {
        let shout = |text: &str| text.to_uppercase();
        let typed = Measure::Other {
            description: "<b>two staff</b>".into(),
        }
        .with_typed_text(&shout);
        assert_eq!(
            typed,
            Measure::Other {
                description: "<B>TWO STAFF</B>".into()
            }
        );
        let sam = Measure::SinglePointOfContact {
            staff: UserId::from_slack("U012AB3CD"),
        };
        assert_eq!(sam.with_typed_text(&shout), sam);
        let mention = |staff: &UserId| format!("<@{staff}>");
        assert_eq!(
            sam.summary(&mention),
            "Single point of contact: <@U012AB3CD>"
        );
        assert_eq!(
            instructions(&[sam], london(2025, 10, 16, 10, 0), &mention),
            ["Only <@U012AB3CD> deals with them; pass any contact to <@U012AB3CD>."]
        );
    }

    #[test]
    fn r_res_3_every_measure_round_trips_through_its_stored_kind_and_params() {
        for measure in every_kind() {
            let stored = measure.params();
            assert_eq!(
                Measure::from_parts(measure.kind_str(), &stored),
                Ok(measure.clone()),
                "{stored}"
            );
            assert_eq!(measure.validate(), Ok(()), "{measure:?}");
        }
    }

    #[test]
    fn r_res_3_kinds_use_the_schema_spellings() {
        let kinds: Vec<&str> = MeasureKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "time_limited_contact",
                "single_contact_method",
                "single_point_of_contact",
                "calls_recorded",
                "read_and_file",
                "refuse_reopen",
                "block_contact",
                "other"
            ]
        );
        for kind in MeasureKind::ALL {
            assert_eq!(kind.as_str().parse(), Ok(kind));
        }
        assert_eq!(
            Measure::from_parts("curfew", &json!({})),
            Err(MeasureError::UnknownKind("curfew".into()))
        );
    }

    #[test]
    fn r_res_3_time_limited_params_are_stored_as_days_and_times() {
        assert_eq!(
            tuesday_mornings(Some(10)).params(),
            json!({
                "mode": "phone",
                "slots": [{"day": "tue", "from": "09:00", "to": "12:00"}],
                "max_minutes": 10
            })
        );
        assert_eq!(
            tuesday_mornings(None).params(),
            json!({"mode": "phone", "slots": [{"day": "tue", "from": "09:00", "to": "12:00"}]})
        );
    }

    #[test]
    fn r_res_3_malformed_params_are_refused_without_repeating_personal_values() {
        let error = Measure::from_parts("block_contact", &json!({"identifiers": "07700 900123"}))
            .unwrap_err();
        assert_eq!(
            error,
            MeasureError::BadParams {
                kind: "block_contact",
                reason: "\"identifiers\" is missing or not a list".into()
            }
        );
        assert!(!error.to_string().contains("07700"));
        assert!(Measure::from_parts("time_limited_contact", &json!([])).is_err());
        assert!(Measure::from_parts(
            "time_limited_contact",
            &json!({"mode": "phone", "slots": [{"day": "someday", "from": "09:00", "to": "12:00"}]})
        )
        .is_err());
        assert!(
            Measure::from_parts("time_limited_contact", &json!({"mode": "fax", "slots": []}))
                .is_err()
        );
        assert!(Measure::from_parts(
            "time_limited_contact",
            &json!({"mode": "phone", "slots": [], "max_minutes": -1})
        )
        .is_err());
        assert!(
            Measure::from_parts("single_contact_method", &json!({"method": "pigeon"})).is_err()
        );
    }

    #[test]
    fn r_res_3_measures_must_make_sense_before_they_are_requested() {
        let no_windows = Measure::TimeLimitedContact {
            mode: ContactMode::Phone,
            windows: vec![],
            max_minutes: None,
        };
        assert_eq!(no_windows.validate(), Err(MeasureError::NoWindows));
        let backwards = window(Weekday::Tue, (12, 0), (9, 0));
        let measure = Measure::TimeLimitedContact {
            mode: ContactMode::Phone,
            windows: vec![backwards],
            max_minutes: None,
        };
        assert_eq!(
            measure.validate(),
            Err(MeasureError::WindowEndsBeforeStart(backwards))
        );
        assert_eq!(
            measure.validate().unwrap_err().to_string(),
            "Each time window must end after it starts (Tuesday 12:00–09:00)"
        );
        assert_eq!(
            tuesday_mornings(Some(0)).validate(),
            Err(MeasureError::ZeroMinutes)
        );
        let nobody = Measure::SinglePointOfContact {
            staff: UserId::from_slack("sam"),
        };
        assert_eq!(nobody.validate(), Err(MeasureError::InvalidStaffUserId));
        let no_case = Measure::RefuseReopen {
            case_reference: "".into(),
        };
        assert_eq!(no_case.validate(), Err(MeasureError::EmptyCaseReference));
        for identifiers in [vec![], vec!["  ".to_owned()]] {
            assert_eq!(
                Measure::BlockContact { identifiers }.validate(),
                Err(MeasureError::NoIdentifiers)
            );
        }
        let blank = Measure::Other {
            description: "\n".into(),
        };
        assert_eq!(blank.validate(), Err(MeasureError::EmptyDescription));
    }

    #[test]
    fn r_rpt_5_staff_are_told_calls_only_in_the_window_and_otherwise_to_email() {
        let measures = [tuesday_mornings(None), email_only()];
        assert_eq!(
            instructions(&measures, london(2025, 10, 14, 10, 15), &by_name),
            [
                "Do not take calls except Tuesday 09:00–12:00.",
                "It is Tuesday 10:15: a call may be taken now, until 12:00.",
                "Ask them to write by email.",
            ]
        );
        assert_eq!(
            instructions(&measures, london(2025, 10, 16, 10, 15), &by_name),
            [
                "Do not take calls except Tuesday 09:00–12:00.",
                "Calls are not allowed now; the next window is Tuesday 09:00–12:00.",
                "Ask them to write by email.",
            ]
        );
    }

    #[test]
    fn r_rpt_5_window_boundaries_start_inclusive_end_exclusive() {
        let measures = [tuesday_mornings(None)];
        assert_eq!(
            instructions(&measures, london(2025, 10, 14, 9, 0), &by_name)[1],
            "It is Tuesday 09:00: a call may be taken now, until 12:00."
        );
        assert_eq!(
            instructions(&measures, london(2025, 10, 14, 11, 59), &by_name)[1],
            "It is Tuesday 11:59: a call may be taken now, until 12:00."
        );
        assert_eq!(
            instructions(&measures, london(2025, 10, 14, 12, 0), &by_name)[1],
            "Calls are not allowed now; the next window is Tuesday 09:00–12:00."
        );
        assert_eq!(
            instructions(&measures, london(2025, 10, 14, 8, 59), &by_name)[1],
            "Calls are not allowed now; the next window is today 09:00–12:00."
        );
    }

    #[test]
    fn r_rpt_5_windows_follow_london_wall_clock_across_the_clocks_changing() {
        let measures = [tuesday_mornings(None)];
        // Tuesday 21 October 2025, 09:30 BST (08:30 UTC): before the clocks go back.
        let before = utc_in_london(2025, 10, 21, 8, 30);
        // Tuesday 28 October 2025, 09:30 GMT (09:30 UTC): after they went back on the 26th.
        let after = utc_in_london(2025, 10, 28, 9, 30);
        for now in [before, after] {
            assert_eq!(
                instructions(&measures, now, &by_name)[1],
                "It is Tuesday 09:30: a call may be taken now, until 12:00."
            );
        }
        // 08:30 UTC on the 28th is 08:30 in London: not yet open.
        assert_eq!(
            instructions(&measures, utc_in_london(2025, 10, 28, 8, 30), &by_name)[1],
            "Calls are not allowed now; the next window is today 09:00–12:00."
        );
    }

    fn utc_in_london(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Tz> {
        chrono::Utc
            .with_ymd_and_hms(y, mo, d, h, mi, 0)
            .unwrap()
            .with_timezone(&London)
    }

    #[test]
    fn r_rpt_5_the_next_window_is_the_soonest_in_the_week() {
        let measures = [Measure::TimeLimitedContact {
            mode: ContactMode::Visit,
            windows: vec![
                window(Weekday::Thu, (14, 0), (16, 0)),
                window(Weekday::Mon, (9, 0), (10, 0)),
                window(Weekday::Tue, (9, 0), (12, 0)),
            ],
            max_minutes: Some(30),
        }];
        // Wednesday 15 October 2025.
        assert_eq!(
            instructions(&measures, london(2025, 10, 15, 13, 0), &by_name),
            [
                "Do not see them in person except Monday 09:00–10:00, Tuesday 09:00–12:00 and Thursday 14:00–16:00, and end each visit after 30 minutes.",
                "Visits are not allowed now; the next window is Thursday 14:00–16:00.",
            ]
        );
        // Friday: the next window wraps round to Monday.
        assert_eq!(
            instructions(&measures, london(2025, 10, 17, 9, 30), &by_name)[1],
            "Visits are not allowed now; the next window is Monday 09:00–10:00."
        );
        assert_eq!(
            instructions(&measures, london(2025, 10, 16, 15, 0), &by_name)[1],
            "It is Thursday 15:00: a visit may take place now, until 16:00."
        );
    }

    #[test]
    fn r_rpt_5_each_measure_says_what_to_do() {
        let now = london(2025, 10, 16, 10, 0);
        let measures = every_kind();
        assert_eq!(
            instructions(&measures[3..], now, &by_name),
            [
                "Only Sam Jones deals with them; pass any contact to Sam Jones.",
                "Calls must be recorded or monitored; tell the caller.",
                "Read and file their correspondence; reply only to new information or a new complaint.",
                "Do not reopen case CASE-123 or its decision.",
                "Their listed numbers/addresses are blocked.",
                "Meetings only with a second member of staff present.",
            ]
        );
        assert_eq!(
            instructions(&[email_only()], now, &by_name),
            ["Contact is by email only; ask them to write by email."]
        );
        assert!(instructions(&[], now, &by_name).is_empty());
        let no_windows = Measure::TimeLimitedContact {
            mode: ContactMode::Phone,
            windows: vec![],
            max_minutes: None,
        };
        assert_eq!(
            instructions(&[no_windows], now, &by_name),
            ["Do not take calls."]
        );
    }

    #[test]
    fn r_res_3_managers_see_one_line_per_measure() {
        let lines: Vec<String> = every_kind().iter().map(|m| m.summary(&by_name)).collect();
        assert_eq!(
            lines,
            [
                "Visits only Tuesday 09:00–12:00 and Thursday 14:30–16:00, at most 30 minutes",
                "Calls only Tuesday 09:00–12:00",
                "Contact by email only",
                "Single point of contact: Sam Jones",
                "Calls recorded or monitored",
                "Read and file correspondence; reply only to new information or a new complaint",
                "Refuse to reopen case CASE-123 or its decision",
                "Block contact from +447700900123 and sam@example.org",
                "Other: Meetings only with a second member of staff present.",
            ]
        );
        assert_eq!(
            tuesday_mornings(Some(10)).summary(&by_name),
            "Calls only Tuesday 09:00–12:00, at most 10 minutes"
        );
    }

    #[test]
    fn r_res_2_managers_type_windows_as_days_and_times() {
        assert_eq!(
            parse_windows("Tue 09:00-12:00"),
            Ok(vec![window(Weekday::Tue, (9, 0), (12, 0))])
        );
        assert_eq!(
            parse_windows("Tuesday 9:00–12:00, Thu 14:00-16:30"),
            Ok(vec![
                window(Weekday::Tue, (9, 0), (12, 0)),
                window(Weekday::Thu, (14, 0), (16, 30)),
            ])
        );
        assert_eq!(
            parse_windows("tue 9-12"),
            Ok(vec![window(Weekday::Tue, (9, 0), (12, 0))])
        );
        assert_eq!(
            parse_windows("MON 9 - 10;\nFridays 2pm–4.30pm\n\nweds: 9am to 12pm,  su 08:15-8:45 ,"),
            Ok(vec![
                window(Weekday::Mon, (9, 0), (10, 0)),
                window(Weekday::Fri, (14, 0), (16, 30)),
                window(Weekday::Wed, (9, 0), (12, 0)),
                window(Weekday::Sun, (8, 15), (8, 45)),
            ])
        );
        assert_eq!(
            parse_windows("Thurs 12am-12:30am; sat. 11am-12pm"),
            Ok(vec![
                window(Weekday::Thu, (0, 0), (0, 30)),
                window(Weekday::Sat, (11, 0), (12, 0)),
            ])
        );
    }

    #[test]
    fn r_res_2_typed_windows_read_back_as_they_are_shown() {
        let windows = vec![
            window(Weekday::Mon, (9, 0), (10, 0)),
            window(Weekday::Thu, (14, 30), (16, 0)),
        ];
        let shown: Vec<String> = windows.iter().map(ToString::to_string).collect();
        assert_eq!(parse_windows(&shown.join(", ")), Ok(windows));
    }

    #[test]
    fn r_res_2_typed_windows_must_name_a_day_and_end_after_they_start() {
        assert!(matches!(
            parse_windows("Someday 9-12"),
            Err(MeasureError::BadParams { .. })
        ));
        assert!(matches!(
            parse_windows("t 9-12"),
            Err(MeasureError::BadParams { .. })
        ));
        assert!(matches!(
            parse_windows("9-12"),
            Err(MeasureError::BadParams { .. })
        ));
        assert_eq!(
            parse_windows("Tue 12-9"),
            Err(MeasureError::WindowEndsBeforeStart(window(
                Weekday::Tue,
                (12, 0),
                (9, 0)
            )))
        );
        assert_eq!(
            parse_windows("Tue 9:00-12:00, Wed 10-10"),
            Err(MeasureError::WindowEndsBeforeStart(window(
                Weekday::Wed,
                (10, 0),
                (10, 0)
            )))
        );
        for unreadable in [
            "Tue",
            "Tue 9",
            "Tue 9-",
            "Tue 25-26",
            "Tue 9:5-12",
            "Tue 13pm-14pm",
            "Tue 0900-1200",
            "Tue 9-12-14",
            "Tue +9-12",
        ] {
            assert!(
                matches!(
                    parse_windows(unreadable),
                    Err(MeasureError::BadParams { .. })
                ),
                "{unreadable}"
            );
        }
        assert_eq!(parse_windows(""), Err(MeasureError::NoWindows));
        assert_eq!(parse_windows(" ,\n; "), Err(MeasureError::NoWindows));
    }
}
