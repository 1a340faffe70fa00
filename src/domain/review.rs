//! Reviews of a restriction (§8, R-REV-1): every restriction is reviewed at least once a
//! year, and may be reconsidered sooner when the person shows a more acceptable approach.
//! A review is open until a manager decides it: the restriction continues (with a new
//! review date at most twelve months on), is varied (new measures, approved by the head of
//! function as any request is, R-RES-4) or is lifted.
//!
//! Open → Decided, once; stored spellings are the schema's.

use std::fmt;
use std::str::FromStr;

use chrono::{Days, NaiveDate};

use super::incident::UnknownValue;
use super::restriction::next_review_after;

/// The most a review's reasons may hold. The review form offers exactly this much (kept
/// within what Slack lets an input accept), so what a person can type is what is accepted.
pub const MAX_REASONS_CHARS: usize = 3000;

/// A review started this many days or fewer before the restriction's review date (or
/// after it) is the annual review; one started earlier is an early reconsideration.
pub const ANNUAL_REVIEW_WINDOW_DAYS: u64 = 30;

fn day(date: NaiveDate) -> String {
    date.format("%-d %b %Y").to_string()
}

/// Why a review happens (§8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReviewKind {
    /// The review due by the restriction's next review date.
    Annual,
    /// Reconsideration before it is due, e.g. because behaviour improved.
    Early,
}

impl ReviewKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewKind::Annual => "annual",
            ReviewKind::Early => "early",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReviewKind::Annual => "annual review",
            ReviewKind::Early => "early reconsideration",
        }
    }

    /// The kind of a review started on `today` for a restriction due for review on
    /// `next_review_on`.
    pub fn starting_on(today: NaiveDate, next_review_on: NaiveDate) -> Self {
        let window_opens = next_review_on
            .checked_sub_days(Days::new(ANNUAL_REVIEW_WINDOW_DAYS))
            .unwrap_or(NaiveDate::MIN);
        if today >= window_opens {
            ReviewKind::Annual
        } else {
            ReviewKind::Early
        }
    }
}

impl FromStr for ReviewKind {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [ReviewKind::Annual, ReviewKind::Early]
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownValue {
                what: "review kind",
                value: s.to_owned(),
            })
    }
}

/// What a review decided (§8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReviewOutcome {
    /// The restriction continues; reviewed again by a new date.
    Continue,
    /// New measures, which need the head of function's approval.
    Vary,
    /// The restriction is lifted.
    Lift,
}

impl ReviewOutcome {
    pub const ALL: [ReviewOutcome; 3] = [
        ReviewOutcome::Continue,
        ReviewOutcome::Vary,
        ReviewOutcome::Lift,
    ];

    /// The stored spelling (`reviews.outcome`), also the letter's `outcome`.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewOutcome::Continue => "continue",
            ReviewOutcome::Vary => "vary",
            ReviewOutcome::Lift => "lift",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReviewOutcome::Continue => "Continue the restriction",
            ReviewOutcome::Vary => "Vary the restriction (new measures)",
            ReviewOutcome::Lift => "Lift the restriction",
        }
    }
}

impl fmt::Display for ReviewOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ReviewOutcome {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|o| o.as_str() == s)
            .ok_or_else(|| UnknownValue {
                what: "review outcome",
                value: s.to_owned(),
            })
    }
}

/// Where a review stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReviewStatus {
    Open,
    Decided,
}

impl ReviewStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Open => "open",
            ReviewStatus::Decided => "decided",
        }
    }
}

/// A review is decided once; a second decision is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("This review was already decided.")]
pub struct AlreadyDecided;

/// The review's state machine: Open → Decided, nothing else.
pub fn decide(from: ReviewStatus) -> Result<ReviewStatus, AlreadyDecided> {
    match from {
        ReviewStatus::Open => Ok(ReviewStatus::Decided),
        ReviewStatus::Decided => Err(AlreadyDecided),
    }
}

/// A field of the review form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReviewField {
    Outcome,
    NextReviewOn,
    Reasons,
}

impl ReviewField {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewField::Outcome => "outcome",
            ReviewField::NextReviewOn => "next_review_on",
            ReviewField::Reasons => "reasons",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ReviewFieldError {
    pub field: ReviewField,
    pub message: String,
}

fn error(field: ReviewField, message: impl Into<String>) -> ReviewFieldError {
    ReviewFieldError {
        field,
        message: message.into(),
    }
}

/// What the reviewing manager submitted, before checking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewDraft {
    pub outcome: Option<ReviewOutcome>,
    /// Continue only; None takes the latest date allowed.
    pub next_review_on: Option<NaiveDate>,
    pub reasons: String,
}

/// A decided review, ready to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidReview {
    pub outcome: ReviewOutcome,
    /// Set exactly when the outcome is continue.
    pub next_review_on: Option<NaiveDate>,
    pub reasons: String,
}

/// The review date offered when a restriction continues after a review on `today`, and
/// the latest §8 allows.
pub fn default_next_review(today: NaiveDate) -> NaiveDate {
    next_review_after(today)
}

impl ReviewDraft {
    /// Checks the decision made on `today`: an outcome, reasons, and for continue a new
    /// review date after today and at most twelve months on (R-REV-1, §8).
    pub fn validate(self, today: NaiveDate) -> Result<ValidReview, Vec<ReviewFieldError>> {
        let mut errors = Vec::new();
        if self.outcome.is_none() {
            errors.push(error(ReviewField::Outcome, "Choose the outcome"));
        }
        let reasons = self.reasons.trim();
        if reasons.is_empty() {
            errors.push(error(
                ReviewField::Reasons,
                "Give the reasons: they go in the letter to the person",
            ));
        } else if reasons.chars().count() > MAX_REASONS_CHARS {
            errors.push(error(
                ReviewField::Reasons,
                "Keep this to 3,000 characters or fewer",
            ));
        }
        let mut next_review_on = None;
        if self.outcome == Some(ReviewOutcome::Continue) {
            let latest = next_review_after(today);
            let chosen = self.next_review_on.unwrap_or(latest);
            if chosen <= today {
                errors.push(error(
                    ReviewField::NextReviewOn,
                    "The next review must be after today",
                ));
            } else if chosen > latest {
                errors.push(error(
                    ReviewField::NextReviewOn,
                    format!(
                        "§8: a restriction is reviewed at least annually: choose a date on or before {}",
                        day(latest)
                    ),
                ));
            }
            next_review_on = Some(chosen);
        }
        match (self.outcome, errors.is_empty()) {
            (Some(outcome), true) => Ok(ValidReview {
                outcome,
                next_review_on,
                reasons: reasons.to_owned(),
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn reasons_are_accepted_up_to_the_limit_the_form_offers_and_no_further() {
        let today = d(2026, 3, 10);
        let draft = |n: usize| ReviewDraft {
            outcome: Some(ReviewOutcome::Lift),
            next_review_on: None,
            reasons: "x".repeat(n),
        };
        assert!(draft(MAX_REASONS_CHARS).validate(today).is_ok());
        let errors = draft(MAX_REASONS_CHARS + 1)
            .validate(today)
            .expect_err("too long");
        assert_eq!(errors[0].field, ReviewField::Reasons);
        assert!(errors[0].message.contains("3,000"), "{errors:?}");
    }

    #[test]
    fn r_rev_1_continue_sets_a_review_at_most_twelve_months_on() {
        let today = d(2026, 3, 10);
        let valid = ReviewDraft {
            outcome: Some(ReviewOutcome::Continue),
            next_review_on: None,
            reasons: "Still calling daily".to_owned(),
        }
        .validate(today)
        .expect("valid");
        assert_eq!(valid.next_review_on, Some(d(2027, 3, 10)));
        let errors = ReviewDraft {
            outcome: Some(ReviewOutcome::Continue),
            next_review_on: Some(d(2027, 3, 11)),
            reasons: "Still calling daily".to_owned(),
        }
        .validate(today)
        .expect_err("too far");
        assert_eq!(errors[0].field, ReviewField::NextReviewOn);
        assert!(errors[0].message.contains("10 Mar 2027"), "{errors:?}");
    }

    #[test]
    fn lift_and_vary_carry_no_review_date_and_all_need_reasons() {
        let valid = ReviewDraft {
            outcome: Some(ReviewOutcome::Lift),
            next_review_on: Some(d(2026, 6, 1)),
            reasons: "Behaviour improved".to_owned(),
        }
        .validate(d(2026, 3, 10))
        .expect("valid");
        assert_eq!(valid.next_review_on, None);
        let errors = ReviewDraft {
            outcome: None,
            next_review_on: None,
            reasons: String::new(),
        }
        .validate(d(2026, 3, 10))
        .expect_err("empty");
        let fields: Vec<ReviewField> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, vec![ReviewField::Outcome, ReviewField::Reasons]);
    }

    #[test]
    fn a_review_near_its_date_is_annual_and_earlier_is_early() {
        let due = d(2026, 6, 30);
        assert_eq!(
            ReviewKind::starting_on(d(2026, 6, 1), due),
            ReviewKind::Annual
        );
        assert_eq!(
            ReviewKind::starting_on(d(2026, 7, 5), due),
            ReviewKind::Annual
        );
        assert_eq!(
            ReviewKind::starting_on(d(2026, 5, 1), due),
            ReviewKind::Early
        );
    }

    #[test]
    fn a_review_is_decided_once() {
        assert_eq!(decide(ReviewStatus::Open), Ok(ReviewStatus::Decided));
        assert_eq!(decide(ReviewStatus::Decided), Err(AlreadyDecided));
    }
}
