//! What a member of staff should do right now about a person under their measures
//! (R-RPT-5).

use chrono::{DateTime, Datelike};
use chrono_tz::Tz;

use super::*;

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
pub(super) fn time_limit_rule(
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
pub(super) fn time_limit_now(
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
