//! Contact windows: when a time-limited measure lets the person make contact, how staff
//! type them, and how they are named in instructions.

use std::fmt;

use chrono::{NaiveTime, Weekday};

use super::*;

impl ContactWindow {
    /// Whether a local wall-clock moment falls inside the window (start inclusive,
    /// end exclusive).
    pub fn contains(&self, weekday: Weekday, time: NaiveTime) -> bool {
        weekday == self.weekday && self.start <= time && time < self.end
    }

    /// Days from `weekday` until this window's day: 0 on the same day.
    pub(super) fn days_after(&self, weekday: Weekday) -> u32 {
        (7 + self.weekday.num_days_from_monday() - weekday.num_days_from_monday()) % 7
    }

    pub(super) fn hours(&self) -> String {
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
pub(super) fn parse_window(item: &str) -> Result<ContactWindow, MeasureError> {
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
pub(super) fn typed_weekday(raw: &str) -> Option<Weekday> {
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
pub(super) fn typed_time(raw: &str) -> Option<NaiveTime> {
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

/// Windows in week order: "Monday 09:00–10:00, Tuesday 09:00–12:00 and Thursday 14:00–16:00".
pub(super) fn list_windows(windows: &[ContactWindow]) -> String {
    let mut sorted = windows.to_vec();
    sorted.sort_by_key(|w| (w.weekday.num_days_from_monday(), w.start, w.end));
    let named: Vec<String> = sorted.iter().map(ToString::to_string).collect();
    join_and(&named)
}

pub(super) fn join_and<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [only] => only.as_ref().to_owned(),
        [rest @ .., last] => {
            let rest: Vec<&str> = rest.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", rest.join(", "), last.as_ref())
        }
    }
}

pub(super) fn minutes_phrase(minutes: u32) -> String {
    if minutes == 1 {
        "1 minute".into()
    } else {
        format!("{minutes} minutes")
    }
}

pub(super) fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

pub(super) fn hhmm(time: NaiveTime) -> String {
    time.format("%H:%M").to_string()
}

pub(super) fn weekday_name(weekday: Weekday) -> &'static str {
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
pub(super) fn weekday_code(weekday: Weekday) -> &'static str {
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
