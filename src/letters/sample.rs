//! Sample details that exercise every part of every template: the check at load renders
//! every letter with them, and `letters preview` shows an edited template with them.

use chrono::NaiveDate;

use super::{LetterContext, LetterCorrection, LetterMeasure, LetterWindow};
use crate::domain::measures::MeasureKind;

/// The sample with every detail a letter can do without left out.
pub(super) fn sparse(ctx: LetterContext) -> LetterContext {
    LetterContext {
        function_name: String::new(),
        behaviour: String::new(),
        incident_dates: Vec::new(),
        adapt_until: None,
        ends_on: None,
        measures: ctx.measures.into_iter().take(1).collect(),
        recipient_address: Vec::new(),
        corrections: Vec::new(),
        signatory_name: None,
        signatory_role: None,
        ..ctx
    }
}

/// Details that exercise every part of every template, for the check at load and for
/// `letters preview`.
pub fn sample_context(outcome: Option<&str>) -> LetterContext {
    let date = |d| NaiveDate::from_ymd_opt(2026, 1, d).unwrap_or_default();
    let window = |day, start: &str, end: &str| LetterWindow {
        day,
        start: start.to_owned(),
        end: end.to_owned(),
    };
    let measure = |kind: &str| LetterMeasure {
        kind: kind.to_owned(),
        mode: Some("phone".to_owned()),
        windows: vec![window(1, "09:00", "12:00")],
        max_minutes: Some(10),
        method: Some("email".to_owned()),
        staff_name: Some("Sample Staff".to_owned()),
        case_reference: Some("CASE-1".to_owned()),
        identifiers: vec!["sample@example.org".to_owned()],
        description: Some("Sample measure".to_owned()),
    };
    let kinds = MeasureKind::ALL;
    LetterContext {
        organisation: "Sample organisation".to_owned(),
        recipient_name: "Sample Person".to_owned(),
        reference: "SAMPLE-1".to_owned(),
        letter_date: date(5),
        function_name: "Sample function".to_owned(),
        behaviour: "Sample behaviour.\n\nSecond paragraph.".to_owned(),
        incident_dates: vec![date(1), date(2)],
        adapt_until: Some(date(20)),
        measures: kinds.iter().map(|k| measure(k.as_str())).collect(),
        reasons: "Sample reasons.".to_owned(),
        starts_on: Some(date(6)),
        starts_once_sent: false,
        ends_on: Some(date(30)),
        next_review_on: Some(date(31)),
        outcome: outcome.map(str::to_owned),
        contact_name: "Sample Contact".to_owned(),
        signatory_name: Some("Sample Signatory".to_owned()),
        signatory_role: Some("head_of_function".to_owned()),
        contact_details: "Sample address\nsample@example.org".to_owned(),
        complaint_reference: Some("CMP-0001".to_owned()),
        recipient_address: vec!["1 Sample Street".to_owned(), "SA1 1AA".to_owned()],
        corrections: ["incident", "ended_call", "warning", "breach"]
            .iter()
            .map(|kind| LetterCorrection {
                record_kind: (*kind).to_owned(),
                record_date: date(2),
                note: "Sample correction.".to_owned(),
            })
            .collect(),
    }
}
