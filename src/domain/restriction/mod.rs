//! Restricting contact (§4, §6, §8): the written warning that comes first (R-RES-1), a
//! manager's request to the head of function (R-RES-2), the §6 checklist the head must
//! tick in full before approving (R-RES-4), who may decide (R-RES-5), the request's state
//! machine (Pending → Approved | Rejected | Withdrawn), and the review dates of §8
//! (R-REV-1). Stored spellings are the schema's.

use chrono::{Days, Months, NaiveDate};

use super::incident::UnknownValue;

/// The longest reason for rejecting a request; the reject form accepts exactly this much.
pub const MAX_REASON_CHARS: usize = 2000;
/// The longest justification or proportionality statement.
pub const MAX_CASE_TEXT_CHARS: usize = 4000;
/// The longest description of unacceptable behaviour in a warning; the warn form accepts
/// exactly this much.
pub const MAX_BEHAVIOUR_CHARS: usize = 2000;
/// §8: "any limits put in place will be reviewed as a minimum annually".
const REVIEW_INTERVAL: Months = Months::new(12);
/// How long a warning gives someone to adapt, unless the manager chooses otherwise.
const DEFAULT_ADAPT_DAYS: Days = Days::new(28);
/// The longest chance to adapt a warning may give.
const MAX_ADAPT: Months = Months::new(6);

/// How dates are written for staff: "14 Oct 2026".
fn day(date: NaiveDate) -> String {
    date.format("%-d %b %Y").to_string()
}

fn unknown(what: &'static str, value: &str) -> UnknownValue {
    UnknownValue {
        what,
        value: value.to_owned(),
    }
}

// ---------------------------------------------------------------------------------------
// Review dates (§8)
// ---------------------------------------------------------------------------------------

/// The first review date offered for a restriction requested on `from`: twelve calendar
/// months later (29 Feb → 28 Feb), the most §8 allows.
pub fn default_first_review(from: NaiveDate) -> NaiveDate {
    twelve_months_after(from)
}

/// The latest review date §8 allows for a restriction approved or reviewed on `from`.
pub fn latest_review(from: NaiveDate) -> NaiveDate {
    twelve_months_after(from)
}

/// R-REV-1: after a review that continues a restriction, the next review is due at most
/// twelve months later.
pub fn next_review_after(reviewed_on: NaiveDate) -> NaiveDate {
    twelve_months_after(reviewed_on)
}

fn twelve_months_after(from: NaiveDate) -> NaiveDate {
    from.checked_add_months(REVIEW_INTERVAL)
        .unwrap_or(NaiveDate::MAX)
}

mod criteria;
mod decision;
mod grounds;
mod request;
#[cfg(test)]
mod tests;
mod warning;

pub use criteria::*;
pub use decision::*;
pub use grounds::*;
pub use request::*;
pub use warning::*;
