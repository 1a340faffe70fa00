//! Retention and erasure (R-DP-2, policy §9): when a person's personal data is due to be
//! erased, and each reason it is kept. Pure: the store gathers the [`RetentionFacts`],
//! this decides.
//!
//! A person is due when their last activity is older than the retention period
//! (`RETENTION_PERIOD`, default six years) and nothing keeps them: no restriction that
//! still stands (in force, or approved and waiting for its notice or start date), no open
//! dispute or review, no pending restriction request, no outstanding police report (an
//! incident that needs one and has none) and no open legal hold. A one-person erasure on
//! request (right to erasure, `admin erase`) ignores the period and is refused for the
//! same reasons.

use std::fmt;

use chrono::{DateTime, Months, Utc};

/// How long personal data is kept after a person's last activity.
///
/// Written as a whole number and a unit: `6y` (years), `72m` (months) or `2190d` (days),
/// from one day to 100 years. Years and months are calendar ones, counted back from now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetentionPeriod {
    Months(u32),
    Days(u32),
}

/// The default: six years.
pub const DEFAULT_RETENTION_PERIOD: &str = "6y";

impl RetentionPeriod {
    /// Parses `6y`, `72m` or `2190d`; the error says what is accepted (the caller names
    /// the variable).
    pub fn parse(raw: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "{raw:?} is not a period such as 6y (years), 72m (months) or 2190d (days), from 1d to 100y"
            )
        };
        let trimmed = raw.trim().to_ascii_lowercase();
        let (number, unit) = trimmed.split_at(trimmed.len().saturating_sub(1));
        let n: u32 = number.parse().map_err(|_| bad())?;
        let period = match unit {
            "y" if (1..=100).contains(&n) => RetentionPeriod::Months(n * 12),
            "m" if (1..=1200).contains(&n) => RetentionPeriod::Months(n),
            "d" if (1..=36_600).contains(&n) => RetentionPeriod::Days(n),
            _ => return Err(bad()),
        };
        Ok(period)
    }

    /// The instant before which last activity is "older than the period", seen at `now`.
    pub fn cutoff(self, now: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            RetentionPeriod::Months(m) => now
                .checked_sub_months(Months::new(m))
                .unwrap_or(DateTime::<Utc>::MIN_UTC),
            RetentionPeriod::Days(d) => now - chrono::Duration::days(i64::from(d)),
        }
    }

    /// The period in whole days as seen at `now` (what `retention_runs.inactive_days` holds).
    pub fn days_at(self, now: DateTime<Utc>) -> i64 {
        (now - self.cutoff(now)).num_days().max(1)
    }
}

impl fmt::Display for RetentionPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RetentionPeriod::Months(m) if m % 12 == 0 => write!(f, "{}y", m / 12),
            RetentionPeriod::Months(m) => write!(f, "{m}m"),
            RetentionPeriod::Days(d) => write!(f, "{d}d"),
        }
    }
}

/// What the store knows about one person that bears on retention. Counts, not values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionFacts {
    pub person_id: i64,
    pub last_activity_at: DateTime<Utc>,
    /// Restrictions that still stand today: in force, or approved and waiting for their
    /// notice letter or start date.
    pub current_restrictions: i64,
    pub open_disputes: i64,
    pub open_reviews: i64,
    pub pending_requests: i64,
    /// Incidents that need a police report (§4) and have none.
    pub outstanding_police_reports: i64,
    pub open_legal_hold: bool,
    pub erased: bool,
}

/// One reason a person's data is kept. Named in the dry run and in refusals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kept {
    /// Active within the period: the last activity is not older than it.
    RecentActivity {
        last_activity_at: DateTime<Utc>,
    },
    CurrentRestriction,
    OpenDispute,
    OpenReview,
    PendingRequest,
    OutstandingPoliceReport,
    LegalHold,
    /// A message about them is being sent to Slack at this moment: erasing now would
    /// lose its Slack id, and with it the means to delete it.
    MessageBeingSent,
    AlreadyErased,
}

impl Kept {
    /// A stable machine name, for the audit trail and JSON.
    pub fn code(&self) -> &'static str {
        match self {
            Kept::RecentActivity { .. } => "recent_activity",
            Kept::CurrentRestriction => "current_restriction",
            Kept::OpenDispute => "open_dispute",
            Kept::OpenReview => "open_review",
            Kept::PendingRequest => "pending_request",
            Kept::OutstandingPoliceReport => "outstanding_police_report",
            Kept::LegalHold => "legal_hold",
            Kept::MessageBeingSent => "message_being_sent",
            Kept::AlreadyErased => "already_erased",
        }
    }

    /// What someone may do about it, for a refusal.
    pub fn remedy(&self) -> &'static str {
        match self {
            Kept::RecentActivity { .. } => "wait until the retention period has passed, or use `admin erase` for a request to erase",
            Kept::CurrentRestriction => "the restriction must end or be lifted first (its manager, by review, or the head of function)",
            Kept::OpenDispute => "the complaints handler must resolve the dispute first",
            Kept::OpenReview => "the restriction's manager must decide the review first",
            Kept::PendingRequest => "the head of function must decide the request, or its manager withdraw it, first",
            Kept::OutstandingPoliceReport => "the function's manager must record the police report first",
            Kept::LegalHold => "an admin must release the legal hold first (`admin release`)",
            Kept::MessageBeingSent => "try again in a minute, once the message has been sent",
            Kept::AlreadyErased => "nothing to do",
        }
    }
}

impl fmt::Display for Kept {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kept::RecentActivity { last_activity_at } => write!(
                f,
                "active within the retention period (last activity {})",
                last_activity_at.date_naive()
            ),
            Kept::CurrentRestriction => {
                f.write_str("a restriction still stands (in force or approved)")
            }
            Kept::OpenDispute => f.write_str("a dispute is open"),
            Kept::OpenReview => f.write_str("a review is open"),
            Kept::PendingRequest => f.write_str("a restriction request is pending"),
            Kept::OutstandingPoliceReport => f.write_str("a police report is outstanding"),
            Kept::LegalHold => f.write_str("a legal hold is open"),
            Kept::MessageBeingSent => f.write_str("a message about them is being sent just now"),
            Kept::AlreadyErased => f.write_str("already erased"),
        }
    }
}

/// Why a person may not be erased now, whatever the period says: the records that
/// still need them. Empty means they may be erased on request.
pub fn blockers(facts: &RetentionFacts) -> Vec<Kept> {
    let mut kept = Vec::new();
    if facts.erased {
        kept.push(Kept::AlreadyErased);
        return kept;
    }
    if facts.current_restrictions > 0 {
        kept.push(Kept::CurrentRestriction);
    }
    if facts.open_disputes > 0 {
        kept.push(Kept::OpenDispute);
    }
    if facts.open_reviews > 0 {
        kept.push(Kept::OpenReview);
    }
    if facts.pending_requests > 0 {
        kept.push(Kept::PendingRequest);
    }
    if facts.outstanding_police_reports > 0 {
        kept.push(Kept::OutstandingPoliceReport);
    }
    if facts.open_legal_hold {
        kept.push(Kept::LegalHold);
    }
    kept
}

/// Every reason the person is kept by the retention job at `cutoff`; empty means due.
pub fn reasons_kept(facts: &RetentionFacts, cutoff: DateTime<Utc>) -> Vec<Kept> {
    let mut kept = Vec::new();
    if !facts.erased && facts.last_activity_at >= cutoff {
        kept.push(Kept::RecentActivity {
            last_activity_at: facts.last_activity_at,
        });
    }
    kept.extend(blockers(facts));
    kept
}

/// Whether the retention job erases the person at `cutoff`.
pub fn is_due(facts: &RetentionFacts, cutoff: DateTime<Utc>) -> bool {
    reasons_kept(facts, cutoff).is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("time")
            .with_timezone(&Utc)
    }

    fn quiet(last: &str) -> RetentionFacts {
        RetentionFacts {
            person_id: 7,
            last_activity_at: at(last),
            current_restrictions: 0,
            open_disputes: 0,
            open_reviews: 0,
            pending_requests: 0,
            outstanding_police_reports: 0,
            open_legal_hold: false,
            erased: false,
        }
    }

    #[test]
    fn r_dp_2_periods_parse_in_years_months_and_days() {
        assert_eq!(
            RetentionPeriod::parse("6y"),
            Ok(RetentionPeriod::Months(72))
        );
        assert_eq!(
            RetentionPeriod::parse(" 72M "),
            Ok(RetentionPeriod::Months(72))
        );
        assert_eq!(
            RetentionPeriod::parse("2190d"),
            Ok(RetentionPeriod::Days(2190))
        );
        for bad in ["", "6", "y", "0y", "-1d", "6 years", "101y", "1.5y", "6w"] {
            assert!(RetentionPeriod::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(RetentionPeriod::Months(72).to_string(), "6y");
        let now = at("2026-12-04T10:00:00Z");
        assert_eq!(
            RetentionPeriod::Months(72).cutoff(now),
            at("2020-12-04T10:00:00Z")
        );
        assert_eq!(
            RetentionPeriod::Days(10).cutoff(now),
            at("2026-11-24T10:00:00Z")
        );
    }

    #[test]
    fn r_dp_2_due_only_past_the_period_with_nothing_keeping_them() {
        let cutoff = at("2020-12-04T00:00:00Z");
        assert!(is_due(&quiet("2020-01-01T00:00:00Z"), cutoff));
        assert_eq!(
            reasons_kept(&quiet("2021-01-01T00:00:00Z"), cutoff),
            vec![Kept::RecentActivity {
                last_activity_at: at("2021-01-01T00:00:00Z")
            }]
        );
        let mut busy = quiet("2020-01-01T00:00:00Z");
        busy.current_restrictions = 1;
        busy.open_disputes = 1;
        busy.open_reviews = 2;
        busy.pending_requests = 1;
        busy.outstanding_police_reports = 1;
        busy.open_legal_hold = true;
        let kept = reasons_kept(&busy, cutoff);
        assert_eq!(
            kept,
            vec![
                Kept::CurrentRestriction,
                Kept::OpenDispute,
                Kept::OpenReview,
                Kept::PendingRequest,
                Kept::OutstandingPoliceReport,
                Kept::LegalHold
            ]
        );
        assert!(kept.iter().all(|k| !k.remedy().is_empty()));
        let mut gone = quiet("2020-01-01T00:00:00Z");
        gone.erased = true;
        assert_eq!(reasons_kept(&gone, cutoff), vec![Kept::AlreadyErased]);
    }
}
