//! The report model: tables of cells, each a count or "fewer than 5", built from the
//! store's raw counts for the functions in the asker's scope.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Serialize, Serializer};

use super::period::Period;
use crate::domain::calendar::is_working_day;
use crate::domain::dispute::DisputeOutcome;
use crate::domain::incident::{Category, Channel};
use crate::domain::measures::MeasureKind;
use crate::domain::person::Language;
use crate::domain::restriction::RequestStatus;
use crate::letters::{LetterFormat, LetterKind};
use crate::store::governance::{GovernanceCounts, GroupCount};

/// Counts below this (and above zero) are never shown (R-DP-5).
pub const SUPPRESS_BELOW: i64 = 5;
/// How a suppressed count reads in every output.
pub const FEWER_THAN_FIVE: &str = "fewer than 5";
/// How a count withheld to protect a suppressed one reads.
pub const WITHHELD: &str = "withheld";

/// One number of the report as it may be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    /// Zero, or five or more.
    Count(i64),
    /// From 1 to 4: shown only as "fewer than 5".
    FewerThanFive,
    /// Five or more, but not shown: the one other cell hidden beside a lone "fewer than
    /// 5", so that it cannot be worked out from a total the report gives elsewhere
    /// (secondary suppression).
    Withheld,
}

impl Cell {
    pub fn of(count: i64) -> Self {
        if count > 0 && count < SUPPRESS_BELOW {
            Cell::FewerThanFive
        } else {
            Cell::Count(count)
        }
    }

    pub fn shown(self) -> Option<i64> {
        match self {
            Cell::Count(n) => Some(n),
            Cell::FewerThanFive | Cell::Withheld => None,
        }
    }

    pub fn text(self) -> String {
        match self {
            Cell::Count(n) => n.to_string(),
            Cell::FewerThanFive => FEWER_THAN_FIVE.to_owned(),
            Cell::Withheld => WITHHELD.to_owned(),
        }
    }
}

impl Serialize for Cell {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Cell::Count(n) => serializer.serialize_i64(*n),
            Cell::FewerThanFive => serializer.serialize_str(FEWER_THAN_FIVE),
            Cell::Withheld => serializer.serialize_str(WITHHELD),
        }
    }
}

/// One cell of a table: a function, the codes it is counted under (and their labels), and
/// the count. `month` is set only in the monthly table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub month: Option<String>,
    pub function: String,
    pub codes: Vec<String>,
    pub labels: Vec<String>,
    pub count: Cell,
}

/// One section of the report. Its cells are disjoint, and the report gives no totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Table {
    pub section: &'static str,
    pub title: &'static str,
    /// What one unit of `count` is.
    pub counts: &'static str,
    pub rows: Vec<Row>,
}

impl Table {
    /// The cell for `function` and `codes` (and `month`, in the monthly table).
    pub fn cell(&self, month: Option<&str>, function: &str, codes: &[&str]) -> Option<Cell> {
        self.rows
            .iter()
            .find(|row| {
                row.month.as_deref() == month
                    && row.function == function
                    && row
                        .codes
                        .iter()
                        .map(String::as_str)
                        .eq(codes.iter().copied())
            })
            .map(|row| row.count)
    }
}

/// Who the report is about: every function (admins) or the asker's own (heads).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "functions")]
pub enum Scope {
    AllFunctions,
    Functions(Vec<String>),
}

impl Scope {
    pub fn label(&self) -> String {
        match self {
            Scope::AllFunctions => "all functions".to_owned(),
            Scope::Functions(names) => names.join(", "),
        }
    }
}

/// The fairness and consistency report (R-DP-5): no names, identifiers or free text, only
/// function names, policy categories and counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub organisation: String,
    pub period_start: NaiveDate,
    /// The last day counted.
    pub period_end: NaiveDate,
    pub scope: Scope,
    pub generated_at: DateTime<Utc>,
    pub suppression: &'static str,
    pub tables: Vec<Table>,
}

/// How the report protects small numbers; printed in the JSON and under the chart.
pub const SUPPRESSION_RULE: &str =
    "Any count from 1 to 4 is shown as \"fewer than 5\" (0 stays 0). \
     The report gives no totals. Where one function's cells in a section (or in one kind of \
     letter, or one month) hide a single count, the smallest other count beside it is \
     withheld too, so the hidden count cannot be worked out by subtracting the shown ones \
     from a total another section implies. Reports for overlapping periods (a year and its \
     quarters) can still be compared with each other; share them with that in mind.";

impl Report {
    pub fn table(&self, section: &str) -> Option<&Table> {
        self.tables.iter().find(|table| table.section == section)
    }
}

/// A function in the report's scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopedFunction {
    pub id: i64,
    pub name: String,
}

/// What the report needs besides the counts.
pub struct ReportContext<'a> {
    pub organisation: &'a str,
    pub period: Period,
    pub scope: Scope,
    /// The functions counted, in the order the report lists them.
    pub functions: &'a [ScopedFunction],
    pub zone: Tz,
    pub now: DateTime<Utc>,
}

/// The decision-time buckets, in working days from request to decision.
pub const DECISION_BUCKETS: [(&str, &str); 4] = [
    ("up_to_2", "2 working days or fewer"),
    ("3_to_5", "3 to 5 working days"),
    ("6_to_10", "6 to 10 working days"),
    ("over_10", "more than 10 working days"),
];

pub const REVIEW_TIMELINESS: [(&str, &str); 4] = [
    ("done_on_time", "Annual review done by its due date"),
    ("done_late", "Annual review done after its due date"),
    ("early", "Early review (reconsideration before due)"),
    (
        "overdue_not_done",
        "Review due in the period, overdue and not yet done",
    ),
];

pub const POLICE_REPORTS: [(&str, &str); 3] = [
    ("made", "Reported to the police"),
    ("not_made", "Recorded as not reported, with the reason"),
    ("outstanding", "Report required and not yet recorded"),
];

/// Builds the report: every combination of codes for every function in scope, zeros
/// included, each count suppressed by [`Cell::of`].
pub fn build(counts: &GovernanceCounts, ctx: &ReportContext<'_>) -> Report {
    let tables = vec![
        incidents_by_month(counts, ctx),
        simple(
            ctx,
            "incident_kinds",
            "Behaviour kinds recorded on incidents, by category",
            "kinds ticked on incidents that happened in the period (an incident may have several)",
            &counts.incident_kinds,
            Category::ALL
                .iter()
                .flat_map(|c| {
                    c.kinds().into_iter().map(move |k| {
                        (vec![c.as_str().to_owned(), k.as_str().to_owned()], vec![c.label().to_owned(), k.label().to_owned()])
                    })
                })
                .collect(),
        ),
        simple(
            ctx,
            "requests_by_outcome",
            "Restriction requests by outcome",
            "requests made in the period, by their status today",
            &counts.requests,
            RequestStatus::ALL
                .iter()
                .map(|s| (vec![s.as_str().to_owned()], vec![request_label(*s).to_owned()]))
                .collect(),
        ),
        simple(
            ctx,
            "decision_time",
            "Time from request to decision",
            "requests approved or rejected in the period, by working days taken",
            &decision_buckets(counts, ctx.zone),
            codes_of(&DECISION_BUCKETS),
        ),
        simple(
            ctx,
            "restriction_measures",
            "Restrictions by measure",
            "measures imposed by restrictions approved in the period (a restriction may impose several)",
            &counts.measures,
            MeasureKind::ALL
                .iter()
                .map(|m| (vec![m.as_str().to_owned()], vec![m.label().to_owned()]))
                .collect(),
        ),
        simple(
            ctx,
            "disputes_by_outcome",
            "Disputes and their outcomes",
            "disputes received in the period, by outcome today",
            &counts.disputes,
            std::iter::once((vec!["awaiting_resolution".to_owned()], vec!["Awaiting resolution".to_owned()]))
                .chain(
                    DisputeOutcome::ALL
                        .iter()
                        .map(|o| (vec![o.as_str().to_owned()], vec![o.label().to_owned()])),
                )
                .collect(),
        ),
        simple(
            ctx,
            "reviews",
            "Reviews done on time, late, and overdue",
            "reviews decided in the period, and restrictions whose review fell due in the period and is overdue",
            &review_timeliness(counts, ctx.zone),
            codes_of(&REVIEW_TIMELINESS),
        ),
        simple(
            ctx,
            "police_reports",
            "Police reports",
            "incidents in the period that needed a police report or had one recorded",
            &counts.police_reports,
            codes_of(&POLICE_REPORTS),
        ),
        simple(
            ctx,
            "breaches_by_channel",
            "Breaches of restrictions, by contact channel",
            "breaches that happened in the period",
            &counts.breaches,
            Channel::ALL
                .iter()
                .map(|c| (vec![c.as_str().to_owned()], vec![c.label().to_owned()]))
                .collect(),
        ),
        simple(
            ctx,
            "letters",
            "Letters by kind, format and language",
            "letters drafted in the period",
            &counts.letters,
            letter_codes(),
        ),
    ];
    Report {
        organisation: ctx.organisation.to_owned(),
        period_start: ctx.period.from(),
        period_end: ctx.period.last_day(),
        scope: ctx.scope.clone(),
        generated_at: ctx.now,
        suppression: SUPPRESSION_RULE,
        tables,
    }
}

type Combos = Vec<(Vec<String>, Vec<String>)>;

fn codes_of(list: &[(&str, &str)]) -> Combos {
    list.iter()
        .map(|(code, label)| (vec![(*code).to_owned()], vec![(*label).to_owned()]))
        .collect()
}

fn request_label(status: RequestStatus) -> &'static str {
    match status {
        RequestStatus::Pending => "Pending (not yet decided)",
        RequestStatus::Approved => "Approved",
        RequestStatus::Rejected => "Rejected",
        RequestStatus::Withdrawn => "Withdrawn",
    }
}

fn letter_codes() -> Combos {
    let mut combos = Vec::new();
    for kind in LetterKind::ALL {
        for format in LetterFormat::ALL {
            for language in Language::ALL {
                combos.push((
                    vec![
                        kind.as_str().to_owned(),
                        format.as_str().to_owned(),
                        language.as_str().to_owned(),
                    ],
                    vec![
                        letter_kind_label(kind).to_owned(),
                        format_label(format).to_owned(),
                        language.label().to_owned(),
                    ],
                ));
            }
        }
    }
    combos
}

fn letter_kind_label(kind: LetterKind) -> &'static str {
    match kind {
        LetterKind::Warning => "Warning",
        LetterKind::RestrictionNotice => "Restriction notice",
        LetterKind::DisputeOutcome => "Dispute outcome",
        LetterKind::ReviewOutcome => "Review outcome",
    }
}

fn format_label(format: LetterFormat) -> &'static str {
    match format {
        LetterFormat::Standard => "Standard",
        LetterFormat::LargePrint => "Large print",
        LetterFormat::EasyRead => "Easy read",
    }
}

/// A table over the whole period: one row per function in scope and combination of codes.
fn simple(
    ctx: &ReportContext<'_>,
    section: &'static str,
    title: &'static str,
    counts: &'static str,
    groups: &[GroupCount],
    combos: Combos,
) -> Table {
    let mut rows = Vec::new();
    for function in ctx.functions {
        for (codes, labels) in &combos {
            let count = groups
                .iter()
                .filter(|g| g.function_id == function.id && &g.codes == codes)
                .map(|g| g.count)
                .sum();
            rows.push(Row {
                month: None,
                function: function.name.clone(),
                codes: codes.clone(),
                labels: labels.clone(),
                count: Cell::of(count),
            });
        }
    }
    protect(&mut rows, |r| r.function.clone());
    if combos.first().is_some_and(|(codes, _)| codes.len() > 1) {
        protect(&mut rows, |r| format!("{}\u{0}{}", r.function, r.codes[0]));
    }
    Table {
        section,
        title,
        counts,
        rows,
    }
}

/// Secondary suppression: in each group of `rows` (by `key`) that hides exactly one
/// count from 1 to 4, the smallest other positive count is withheld as well.
fn protect(rows: &mut [Row], key: impl Fn(&Row) -> String) {
    let mut groups: Vec<String> = rows.iter().map(&key).collect();
    groups.sort();
    groups.dedup();
    for group in groups {
        let members: Vec<usize> = (0..rows.len())
            .filter(|i| key(&rows[*i]) == group)
            .collect();
        let hidden = members
            .iter()
            .filter(|i| rows[**i].count == Cell::FewerThanFive)
            .count();
        let withheld = members.iter().any(|i| rows[*i].count == Cell::Withheld);
        if hidden != 1 || withheld {
            continue;
        }
        let smallest = members
            .iter()
            .filter_map(|i| match rows[*i].count {
                Cell::Count(n) if n > 0 => Some((n, *i)),
                _ => None,
            })
            .min();
        if let Some((_, i)) = smallest {
            rows[i].count = Cell::Withheld;
        }
    }
}

fn incidents_by_month(counts: &GovernanceCounts, ctx: &ReportContext<'_>) -> Table {
    let mut rows = Vec::new();
    for month in ctx.period.months() {
        for function in ctx.functions {
            for category in Category::ALL {
                let count = counts
                    .incidents
                    .iter()
                    .filter(|c| {
                        c.month == month
                            && c.function_id == function.id
                            && c.category == category.as_str()
                    })
                    .map(|c| c.count)
                    .sum();
                rows.push(Row {
                    month: Some(month.format("%Y-%m").to_string()),
                    function: function.name.clone(),
                    codes: vec![category.as_str().to_owned()],
                    labels: vec![category.label().to_owned()],
                    count: Cell::of(count),
                });
            }
        }
    }
    protect(&mut rows, |r| r.function.clone());
    protect(&mut rows, |r| {
        format!(
            "{}\u{0}{}",
            r.function,
            r.month.as_deref().unwrap_or_default()
        )
    });
    Table {
        section: "incidents_by_month",
        title: "Incidents by behaviour category, per month",
        counts: "incidents that happened in the month",
        rows,
    }
}

/// Working days after `from` up to and including `to` (0 when decided the same day).
pub fn working_days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    from.iter_days()
        .skip(1)
        .take_while(|day| *day <= to)
        .filter(|day| is_working_day(*day))
        .count() as i64
}

fn decision_bucket(days: i64) -> &'static str {
    match days {
        ..=2 => "up_to_2",
        3..=5 => "3_to_5",
        6..=10 => "6_to_10",
        _ => "over_10",
    }
}

fn decision_buckets(counts: &GovernanceCounts, zone: Tz) -> Vec<GroupCount> {
    let local = |at: DateTime<Utc>| at.with_timezone(&zone).date_naive();
    counts
        .decisions
        .iter()
        .map(|span| GroupCount {
            function_id: span.function_id,
            codes: vec![decision_bucket(working_days_between(
                local(span.requested_at),
                local(span.decided_at),
            ))
            .to_owned()],
            count: span.count,
        })
        .collect()
}

fn review_timeliness(counts: &GovernanceCounts, zone: Tz) -> Vec<GroupCount> {
    let done = counts.reviews_decided.iter().map(|review| {
        let decided_on = review.decided_at.with_timezone(&zone).date_naive();
        let code = if review.kind == "early" {
            "early"
        } else if decided_on <= review.due_on {
            "done_on_time"
        } else {
            "done_late"
        };
        GroupCount {
            function_id: review.function_id,
            codes: vec![code.to_owned()],
            count: review.count,
        }
    });
    let overdue = counts.reviews_overdue.iter().map(|group| GroupCount {
        function_id: group.function_id,
        codes: vec!["overdue_not_done".to_owned()],
        count: group.count,
    });
    done.chain(overdue).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    fn row(function: &str, code: &str, count: i64) -> Row {
        Row {
            month: None,
            function: function.to_owned(),
            codes: vec![code.to_owned()],
            labels: vec![code.to_owned()],
            count: Cell::of(count),
        }
    }

    #[test]
    fn r_dp_5_a_lone_small_count_has_the_smallest_other_count_withheld_beside_it() {
        // Approved 7, rejected 3: with the decisions' total implied by another section,
        // showing 7 would give the 3 away.
        let mut rows = vec![
            row("A", "approved", 7),
            row("A", "rejected", 3),
            row("A", "withdrawn", 9),
            row("A", "pending", 0),
            row("B", "approved", 2),
            row("B", "rejected", 1),
            row("B", "withdrawn", 8),
        ];
        protect(&mut rows, |r| r.function.clone());
        let cells: Vec<Cell> = rows.iter().map(|r| r.count).collect();
        assert_eq!(
            cells,
            vec![
                Cell::Withheld,
                Cell::FewerThanFive,
                Cell::Count(9),
                Cell::Count(0),
                // Two hidden already: neither can be worked out alone.
                Cell::FewerThanFive,
                Cell::FewerThanFive,
                Cell::Count(8),
            ]
        );
        assert_eq!(Cell::Withheld.text(), "withheld");
        assert_eq!(Cell::Withheld.shown(), None);
    }

    #[test]
    fn r_dp_5_counts_from_one_to_four_read_fewer_than_five() {
        assert_eq!(Cell::of(0), Cell::Count(0));
        for n in 1..=4 {
            assert_eq!(Cell::of(n), Cell::FewerThanFive);
            assert_eq!(Cell::of(n).text(), "fewer than 5");
        }
        assert_eq!(Cell::of(5), Cell::Count(5));
        assert_eq!(
            serde_json::to_value(Cell::of(3)).ok(),
            Some(serde_json::json!("fewer than 5"))
        );
        assert_eq!(
            serde_json::to_value(Cell::of(7)).ok(),
            Some(serde_json::json!(7))
        );
    }

    #[test]
    fn r_dp_5_decision_time_counts_working_days_skipping_weekends_and_bank_holidays() {
        // Fri 18 Dec 2026 to Tue 29 Dec 2026: 21, 22, 23, 24, (25, 28 bank holidays), 29.
        assert_eq!(working_days_between(d(2026, 12, 18), d(2026, 12, 29)), 5);
        assert_eq!(working_days_between(d(2026, 3, 2), d(2026, 3, 2)), 0);
        assert_eq!(decision_bucket(0), "up_to_2");
        assert_eq!(decision_bucket(3), "3_to_5");
        assert_eq!(decision_bucket(10), "6_to_10");
        assert_eq!(decision_bucket(11), "over_10");
    }
}
