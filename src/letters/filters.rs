//! The filters letter templates use to word dates, days and staff's free text:
//!
//! - `{{ letter_date|long_date }}`: "3 November 2026", or "3 Tachwedd 2026" in Welsh;
//! - `{{ window.day|weekday }}`: "Tuesday", or "Dydd Mawrth" in Welsh;
//! - `{{ contact_details|lines }}`: each line escaped, joined with `<br>`;
//! - `{{ behaviour|paragraphs }}`: blank-line separated paragraphs as escaped `<p>`s;
//! - `{{ organisation|upper_first }}`: the first letter capitalised, the rest as given, so
//!   "the Independent Office for Police Conduct" can head a letter.
//!
//! The language is the letter's own (the `language` value every letter is rendered with);
//! a template may name another, e.g. `{{ letter_date|long_date("en") }}`.

use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};
use minijinja::{Environment, Error, ErrorKind, HtmlEscape, State, Value};

use crate::domain::person::Language;

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter("long_date", long_date);
    env.add_filter("weekday", weekday);
    env.add_filter("lines", lines);
    env.add_filter("paragraphs", paragraphs);
    env.add_filter("upper_first", upper_first);
}

/// "3 November 2026" / "3 Tachwedd 2026".
pub fn format_date(date: NaiveDate, language: Language) -> String {
    format!(
        "{} {} {}",
        date.day(),
        month_name(date.month0(), language),
        date.year()
    )
}

/// The day of the week, 0 = Monday: "Tuesday" / "Dydd Mawrth". None past Sunday.
pub fn weekday_name(day: u32, language: Language) -> Option<&'static str> {
    const EN: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    const CY: [&str; 7] = [
        "Dydd Llun",
        "Dydd Mawrth",
        "Dydd Mercher",
        "Dydd Iau",
        "Dydd Gwener",
        "Dydd Sadwrn",
        "Dydd Sul",
    ];
    let names = match language {
        Language::En => &EN,
        Language::Cy => &CY,
    };
    names.get(usize::try_from(day).ok()?).copied()
}

fn month_name(month0: u32, language: Language) -> &'static str {
    const EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    const CY: [&str; 12] = [
        "Ionawr",
        "Chwefror",
        "Mawrth",
        "Ebrill",
        "Mai",
        "Mehefin",
        "Gorffennaf",
        "Awst",
        "Medi",
        "Hydref",
        "Tachwedd",
        "Rhagfyr",
    ];
    let names = match language {
        Language::En => &EN,
        Language::Cy => &CY,
    };
    // month0 is 0..=11 for any NaiveDate.
    names[month0 as usize % 12]
}

fn long_date(state: &State, value: String, language: Option<String>) -> Result<String, Error> {
    let language = letter_language(state, language)?;
    let date = NaiveDate::parse_from_str(&value, "%Y-%m-%d").map_err(|_| {
        Error::new(
            ErrorKind::InvalidOperation,
            "long_date expects a date such as 2026-11-03",
        )
    })?;
    Ok(format_date(date, language))
}

fn weekday(state: &State, day: u32, language: Option<String>) -> Result<String, Error> {
    let language = letter_language(state, language)?;
    weekday_name(day, language)
        .map(str::to_owned)
        .ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidOperation,
                "weekday expects a day number from 0 (Monday) to 6 (Sunday)",
            )
        })
}

/// The language named in the template, else the letter's.
fn letter_language(state: &State, named: Option<String>) -> Result<Language, Error> {
    let code = match named {
        Some(code) => code,
        None => state
            .lookup("language")
            .and_then(|v| v.as_str().map(str::to_owned))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidOperation,
                    "no letter language to word the date in",
                )
            })?,
    };
    code.parse().map_err(|_| {
        Error::new(
            ErrorKind::InvalidOperation,
            format!("unknown letter language {code:?} (expected \"en\" or \"cy\")"),
        )
    })
}

/// Staff's text line by line, escaped, with `<br>` between lines.
fn lines(value: String) -> Value {
    Value::from_safe_string(escaped_lines(&value))
}

/// Staff's text as paragraphs: a blank line starts a new `<p>`, a single line break is a
/// `<br>`. Everything the staff typed is escaped.
fn paragraphs(value: String) -> Value {
    let normalised = value.replace("\r\n", "\n");
    let mut html = String::new();
    let mut paragraph: Vec<&str> = Vec::new();
    for line in normalised.lines().chain(std::iter::once("")) {
        if line.trim().is_empty() {
            if !paragraph.is_empty() {
                let _ = writeln!(html, "<p>{}</p>", escaped_lines(&paragraph.join("\n")));
                paragraph.clear();
            }
        } else {
            paragraph.push(line.trim_end());
        }
    }
    Value::from_safe_string(html)
}

fn upper_first(value: String) -> String {
    let mut chars = value.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn escaped_lines(text: &str) -> String {
    text.replace("\r\n", "\n")
        .lines()
        .map(|line| HtmlEscape(line.trim_end()).to_string())
        .collect::<Vec<_>>()
        .join("<br>\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_let_4_dates_are_worded_in_the_letters_language() {
        let date = NaiveDate::from_ymd_opt(2026, 11, 3).unwrap();
        assert_eq!(format_date(date, Language::En), "3 November 2026");
        assert_eq!(format_date(date, Language::Cy), "3 Tachwedd 2026");
        let march = NaiveDate::from_ymd_opt(2027, 3, 1).unwrap();
        assert_eq!(format_date(march, Language::Cy), "1 Mawrth 2027");
    }

    #[test]
    fn r_let_4_days_are_worded_in_the_letters_language() {
        assert_eq!(weekday_name(1, Language::En), Some("Tuesday"));
        assert_eq!(weekday_name(1, Language::Cy), Some("Dydd Mawrth"));
        assert_eq!(weekday_name(6, Language::Cy), Some("Dydd Sul"));
        assert_eq!(weekday_name(7, Language::En), None);
    }

    #[test]
    fn staff_text_is_escaped_and_keeps_its_paragraphs() {
        let html =
            paragraphs("Shouted <b>abuse</b>\r\nat Sam.\n\n\nCalled 50 times & more.".into());
        assert_eq!(
            html.as_str(),
            Some("<p>Shouted &lt;b&gt;abuse&lt;&#x2f;b&gt;<br>\nat Sam.</p>\n<p>Called 50 times &amp; more.</p>\n")
        );
        assert!(html.is_safe());
        assert_eq!(lines("a\n<b>".into()).as_str(), Some("a<br>\n&lt;b&gt;"));
        assert_eq!(upper_first("the IOPC".into()), "The IOPC");
        assert_eq!(upper_first(String::new()), "");
    }
}
