//! The period a governance report covers: `[from, to)` in local dates, parsed from the
//! admin command's `--from`/`--to` or from the small grammar `/contact governance` accepts.

use chrono::{Datelike, Duration, Months, NaiveDate, TimeZone};
use chrono_tz::Tz;

use crate::store::governance::{CountWindow, GovernanceQuery};

/// The longest period one report covers: ten years of monthly counts.
pub const MAX_MONTHS: usize = 120;

/// What `/contact governance` accepts, for help and errors.
pub const PERIOD_GRAMMAR: &str = "`2026` (a year), `2026-Q3` (a quarter), `2026-11` (a month), `last-month`, `last-quarter`, `last-12-months`, or nothing for the last 12 complete months";

/// Local dates `from` (included) to `to` (not included); never empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    from: NaiveDate,
    to: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("{0:?} is not a date: write it as YYYY-MM-DD, e.g. 2026-01-31")]
    NotADate(String),
    #[error("the period is empty: --from {from} is not before --to {to} (--to is the first day not counted)")]
    Empty { from: NaiveDate, to: NaiveDate },
    #[error("the period is longer than {MAX_MONTHS} months; ask for a shorter one")]
    TooLong,
    #[error("I can't read the period {0:?}. Try {PERIOD_GRAMMAR}.")]
    Unknown(String),
}

impl Period {
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Self, PeriodError> {
        if from >= to {
            return Err(PeriodError::Empty { from, to });
        }
        let period = Self { from, to };
        if period.months().len() > MAX_MONTHS {
            return Err(PeriodError::TooLong);
        }
        Ok(period)
    }

    /// `--from DATE --to DATE` (ISO dates; `to` not included).
    pub fn from_dates(from: &str, to: &str) -> Result<Self, PeriodError> {
        let date = |text: &str| {
            NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                .map_err(|_| PeriodError::NotADate(text.to_owned()))
        };
        Self::new(date(from)?, date(to)?)
    }

    /// What `/contact governance [period]` accepts ([`PERIOD_GRAMMAR`]), relative to `today`.
    pub fn parse(text: &str, today: NaiveDate) -> Result<Self, PeriodError> {
        let typed = text.trim().to_lowercase();
        let unknown = || PeriodError::Unknown(text.trim().to_owned());
        let this_month = first_of_month(today);
        let quarter_start = |year: i32, q: u32| {
            NaiveDate::from_ymd_opt(year, (q - 1) * 3 + 1, 1).ok_or_else(unknown)
        };
        let (from, to) = match typed.as_str() {
            "" | "last-12-months" => (minus_months(this_month, 12), this_month),
            "last-month" => (minus_months(this_month, 1), this_month),
            "last-quarter" => {
                let this_quarter = quarter_start(today.year(), (today.month() - 1) / 3 + 1)?;
                (minus_months(this_quarter, 3), this_quarter)
            }
            _ => {
                let (year, rest) = typed.split_once('-').unwrap_or((typed.as_str(), ""));
                if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(unknown());
                }
                let year: i32 = year.parse().map_err(|_| unknown())?;
                match rest {
                    "" => (quarter_start(year, 1)?, quarter_start(year + 1, 1)?),
                    "q1" | "q2" | "q3" | "q4" => {
                        let q: u32 = rest[1..].parse().map_err(|_| unknown())?;
                        let from = quarter_start(year, q)?;
                        (from, plus_months(from, 3))
                    }
                    month if month.len() == 2 && month.bytes().all(|b| b.is_ascii_digit()) => {
                        let month: u32 = month.parse().map_err(|_| unknown())?;
                        let from = NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(unknown)?;
                        (from, plus_months(from, 1))
                    }
                    _ => return Err(unknown()),
                }
            }
        };
        Self::new(from, to)
    }

    pub fn from(&self) -> NaiveDate {
        self.from
    }

    /// The first day not counted.
    pub fn to(&self) -> NaiveDate {
        self.to
    }

    /// The last day counted.
    pub fn last_day(&self) -> NaiveDate {
        self.to - Duration::days(1)
    }

    /// "1 Jan 2026 to 31 Dec 2026".
    pub fn label(&self) -> String {
        format!(
            "{} to {}",
            self.from.format("%-d %b %Y"),
            self.last_day().format("%-d %b %Y")
        )
    }

    /// The first day of every local month the period touches.
    pub fn months(&self) -> Vec<NaiveDate> {
        let mut months = Vec::new();
        let mut month = first_of_month(self.from);
        while month < self.to && months.len() <= MAX_MONTHS {
            months.push(month);
            month = plus_months(month, 1);
        }
        months
    }

    /// The store's windows: local midnights in `zone` turned into UTC instants.
    pub fn query(&self, zone: Tz, today: NaiveDate) -> GovernanceQuery {
        let window = |from: NaiveDate, to: NaiveDate| CountWindow {
            from: midnight(zone, from),
            to: midnight(zone, to),
            from_date: from,
            to_date: to,
        };
        GovernanceQuery {
            whole: window(self.from, self.to),
            months: self
                .months()
                .into_iter()
                .map(|month| {
                    let from = month.max(self.from);
                    let to = plus_months(month, 1).min(self.to);
                    (month, window(from, to))
                })
                .collect(),
            today,
        }
    }
}

fn first_of_month(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

fn plus_months(date: NaiveDate, n: u32) -> NaiveDate {
    date.checked_add_months(Months::new(n))
        .unwrap_or(NaiveDate::MAX)
}

fn minus_months(date: NaiveDate, n: u32) -> NaiveDate {
    date.checked_sub_months(Months::new(n))
        .unwrap_or(NaiveDate::MIN)
}

/// The instant local midnight begins on `date` in `zone` (the earliest, should a zone ever
/// repeat midnight; a midnight a zone skips is taken an hour later).
fn midnight(zone: Tz, date: NaiveDate) -> chrono::DateTime<chrono::Utc> {
    let start = date.and_time(chrono::NaiveTime::MIN);
    zone.from_local_datetime(&start)
        .earliest()
        .or_else(|| {
            zone.from_local_datetime(&(start + Duration::hours(1)))
                .earliest()
        })
        .map(|at| at.with_timezone(&chrono::Utc))
        .unwrap_or_else(|| start.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn r_dp_5_slack_periods_follow_the_grammar() {
        let today = d(2026, 12, 4);
        let p = |text: &str| Period::parse(text, today).expect(text);
        assert_eq!((p("").from(), p("").to()), (d(2025, 12, 1), d(2026, 12, 1)));
        assert_eq!(p("last-12-months"), p(""));
        assert_eq!(
            (p("2026").from(), p("2026").to()),
            (d(2026, 1, 1), d(2027, 1, 1))
        );
        assert_eq!(
            (p("2026-Q3").from(), p("2026-q3").to()),
            (d(2026, 7, 1), d(2026, 10, 1))
        );
        assert_eq!(
            (p("2026-11").from(), p("2026-11").to()),
            (d(2026, 11, 1), d(2026, 12, 1))
        );
        assert_eq!(
            (p("last-month").from(), p("last-month").to()),
            (d(2026, 11, 1), d(2026, 12, 1))
        );
        assert_eq!(
            (p("last-quarter").from(), p("last-quarter").to()),
            (d(2026, 7, 1), d(2026, 10, 1))
        );
        for bad in [
            "2026-13",
            "2026-Q5",
            "26",
            "yesterday",
            "2026-1",
            "2026-11-01",
        ] {
            assert!(
                matches!(Period::parse(bad, today), Err(PeriodError::Unknown(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn r_dp_5_cli_dates_refuse_an_empty_or_reversed_period() {
        assert!(Period::from_dates("2026-01-01", "2026-02-01").is_ok());
        assert!(matches!(
            Period::from_dates("2026-02-01", "2026-01-01"),
            Err(PeriodError::Empty { .. })
        ));
        assert!(matches!(
            Period::from_dates("2026-02-01", "2026-02-01"),
            Err(PeriodError::Empty { .. })
        ));
        assert!(matches!(
            Period::from_dates("2026-02-30", "2026-03-01"),
            Err(PeriodError::NotADate(_))
        ));
        assert!(matches!(
            Period::from_dates("2000-01-01", "2026-03-01"),
            Err(PeriodError::TooLong)
        ));
    }

    #[test]
    fn r_dp_5_months_are_local_and_clipped_to_the_period() {
        let period = Period::from_dates("2026-03-15", "2026-05-10").expect("period");
        let query = period.query(chrono_tz::Europe::London, d(2026, 12, 4));
        assert_eq!(query.months.len(), 3);
        assert_eq!(query.months[0].1.from_date, d(2026, 3, 15));
        assert_eq!(query.months[2].1.to_date, d(2026, 5, 10));
        // 1 April is in British Summer Time: local midnight is 23:00 UTC the day before.
        assert_eq!(
            query.months[1].1.from.to_rfc3339(),
            "2026-03-31T23:00:00+00:00"
        );
    }
}
