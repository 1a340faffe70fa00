//! Working days in England and Wales: the bank holidays worked out for any year, and
//! counting working days forward from a date (for example the date a dispute is due,
//! R-DIS-1).
//!
//! The holidays are the regular ones of the Banking and Financial Dealings Act 1971 and
//! the royal proclamations that repeat every year: New Year's Day, Good Friday, Easter
//! Monday, the early May bank holiday (first Monday of May), the spring bank holiday (last
//! Monday of May), the summer bank holiday (last Monday of August), Christmas Day and
//! Boxing Day. When New Year's Day, Christmas Day or Boxing Day falls at a weekend, the
//! next weekday that is not already a holiday is the substitute day.
//!
//! One-off changes made by proclamation are not computed: in 2020 the early May bank
//! holiday moved to Friday 8 May (VE Day), in 1995 to Monday 8 May; the spring bank
//! holiday moved in 2002 (4 June), 2012 (4 June) and 2022 (2 June); and there were extra
//! holidays for royal events (29 April 2011, 3 June 2022, 19 September 2022, 8 May 2023)
//! and the millennium (31 December 1999). A due date near one of those may be a working
//! day late or early; staff can change any date offered to them.

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// Easter Sunday in the Gregorian calendar (the anonymous "Meeus/Jones/Butcher"
/// computus), or `None` for a year chrono cannot represent.
pub fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The first `weekday` of `month`.
fn first_weekday(year: i32, month: u32, weekday: Weekday) -> Option<NaiveDate> {
    NaiveDate::from_weekday_of_month_opt(year, month, weekday, 1)
}

/// The last `weekday` of `month`.
fn last_weekday(year: i32, month: u32, weekday: Weekday) -> Option<NaiveDate> {
    let first_of_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    let mut day = first_of_next.pred_opt()?;
    while day.weekday() != weekday {
        day = day.pred_opt()?;
    }
    Some(day)
}

/// The day a fixed-date holiday is taken: itself on a weekday, otherwise the next weekday
/// not already taken by another holiday.
fn observed(date: NaiveDate, taken: &[NaiveDate]) -> Option<NaiveDate> {
    let mut day = date;
    while is_weekend(day) || taken.contains(&day) {
        day = day.succ_opt()?;
    }
    Some(day)
}

/// The bank holidays of England and Wales in `year`, in date order (substitute days in
/// place of weekend ones). Empty for a year chrono cannot represent.
pub fn bank_holidays(year: i32) -> Vec<NaiveDate> {
    bank_holidays_opt(year).unwrap_or_default()
}

fn bank_holidays_opt(year: i32) -> Option<Vec<NaiveDate>> {
    let easter = easter_sunday(year)?;
    let mut days = vec![
        observed(NaiveDate::from_ymd_opt(year, 1, 1)?, &[])?,
        easter.checked_sub_days(Days::new(2))?,
        easter.checked_add_days(Days::new(1))?,
        first_weekday(year, 5, Weekday::Mon)?,
        last_weekday(year, 5, Weekday::Mon)?,
        last_weekday(year, 8, Weekday::Mon)?,
    ];
    let christmas = observed(NaiveDate::from_ymd_opt(year, 12, 25)?, &[])?;
    let boxing = observed(NaiveDate::from_ymd_opt(year, 12, 26)?, &[christmas])?;
    days.extend([christmas, boxing]);
    days.sort_unstable();
    Some(days)
}

/// Whether `date` is a bank holiday in England and Wales.
pub fn is_bank_holiday(date: NaiveDate) -> bool {
    bank_holidays(date.year()).contains(&date)
}

/// A weekday that is not a bank holiday.
pub fn is_working_day(date: NaiveDate) -> bool {
    !is_weekend(date) && !is_bank_holiday(date)
}

/// The date `n` working days after `start` (which itself is not counted), skipping
/// weekends and bank holidays. `n = 0` gives `start`.
pub fn add_working_days(start: NaiveDate, n: u32) -> NaiveDate {
    let mut day = start;
    let mut left = n;
    let mut holidays = bank_holidays(day.year());
    let mut year = day.year();
    while left > 0 {
        let Some(next) = day.succ_opt() else {
            return NaiveDate::MAX;
        };
        day = next;
        if day.year() != year {
            year = day.year();
            holidays = bank_holidays(year);
        }
        if !is_weekend(day) && !holidays.contains(&day) {
            left -= 1;
        }
    }
    day
}

/// The first working day on or after `date`.
pub fn working_day_from(date: NaiveDate) -> NaiveDate {
    let mut day = date;
    while !is_working_day(day) {
        let Some(next) = day.succ_opt() else {
            return NaiveDate::MAX;
        };
        day = next;
    }
    day
}

/// How many working days fall after `start` and on or before `end` (0 if `end` is not
/// after `start`).
fn working_days_after(start: NaiveDate, end: NaiveDate) -> u32 {
    let mut count = 0;
    let mut day = start;
    let mut year = day.year();
    let mut holidays = bank_holidays(year);
    while day < end {
        let Some(next) = day.succ_opt() else {
            break;
        };
        day = next;
        if day.year() != year {
            year = day.year();
            holidays = bank_holidays(year);
        }
        if !is_weekend(day) && !holidays.contains(&day) {
            count += 1;
        }
    }
    count
}

/// One reminder of the series that keeps coming while something stays overdue (a review,
/// a dispute, a police report): number 0 is the first, the ones after it are repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repeat {
    pub number: u32,
    /// The day this reminder fell due.
    pub on: NaiveDate,
}

/// Which reminder of the series for something overdue since `since` is due on `today`
/// (issue 9, finding 12): the first from `since` on, then a repeat every `every` working
/// days, counted from the first working day on or after `since` (overdue on a Saturday:
/// first reminded on Monday, again `every` working days after that Monday). Between two
/// repeats the latest one is due, so a sweep that missed days sends one reminder, not the
/// ones it missed. `None` before `since`; `every` = 0 means no repeats.
pub fn overdue_repeat(since: NaiveDate, every: u32, today: NaiveDate) -> Option<Repeat> {
    if today < since {
        return None;
    }
    let first = Repeat {
        number: 0,
        on: since,
    };
    if every == 0 {
        return Some(first);
    }
    let anchor = working_day_from(since);
    let number = working_days_after(anchor, today) / every;
    if number == 0 {
        return Some(first);
    }
    Some(Repeat {
        number,
        on: add_working_days(anchor, number.saturating_mul(every)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
    }

    #[test]
    fn easter_sunday_matches_known_dates() {
        for (year, month, day) in [
            (2000, 4, 23),
            (2008, 3, 23),
            (2019, 4, 21),
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2027, 3, 28),
            (2038, 4, 25),
        ] {
            assert_eq!(easter_sunday(year), Some(d(year, month, day)), "{year}");
        }
    }

    #[test]
    fn bank_holidays_2026_as_published() {
        assert_eq!(
            bank_holidays(2026),
            vec![
                d(2026, 1, 1),
                d(2026, 4, 3),
                d(2026, 4, 6),
                d(2026, 5, 4),
                d(2026, 5, 25),
                d(2026, 8, 31),
                d(2026, 12, 25),
                // Boxing Day is a Saturday: the substitute is Monday 28 December.
                d(2026, 12, 28),
            ]
        );
        assert!(is_bank_holiday(d(2026, 4, 6)), "Easter Monday 2026");
    }

    #[test]
    fn christmas_on_saturday_moves_both_days() {
        // 2027: Christmas Saturday, Boxing Day Sunday → Monday 27 and Tuesday 28.
        let holidays = bank_holidays(2027);
        assert!(holidays.contains(&d(2027, 12, 27)));
        assert!(holidays.contains(&d(2027, 12, 28)));
        assert!(!holidays.contains(&d(2027, 12, 25)));
        assert_eq!(holidays.len(), 8);
    }

    #[test]
    fn christmas_on_sunday_substitute_follows_boxing_day() {
        // 2022: Christmas Sunday → Boxing Day Monday 26, Christmas substitute Tuesday 27.
        let holidays = bank_holidays(2022);
        assert!(holidays.contains(&d(2022, 12, 26)));
        assert!(holidays.contains(&d(2022, 12, 27)));
        // New Year's Day 2022 was a Saturday: the substitute is Monday 3 January.
        assert!(holidays.contains(&d(2022, 1, 3)));
        assert!(!holidays.contains(&d(2022, 1, 1)));
    }

    #[test]
    fn may_and_august_mondays() {
        let holidays = bank_holidays(2025);
        for day in [d(2025, 5, 5), d(2025, 5, 26), d(2025, 8, 25)] {
            assert!(holidays.contains(&day), "{day}");
        }
    }

    #[test]
    fn twenty_working_days_across_christmas_and_new_year() {
        // Monday 14 Dec 2026: Christmas (Fri 25), Boxing Day substitute (Mon 28) and New
        // Year's Day (Fri 1 Jan 2027) are skipped with the weekends.
        assert_eq!(add_working_days(d(2026, 12, 14), 20), d(2027, 1, 14));
    }

    #[test]
    fn due_date_skips_easter() {
        // Received Thursday 2 April 2026: Good Friday and Easter Monday are not working
        // days, so the 20th working day is Monday 4 May… which is itself a holiday, so
        // Tuesday 5 May.
        assert_eq!(add_working_days(d(2026, 4, 2), 1), d(2026, 4, 7));
        assert_eq!(add_working_days(d(2026, 4, 2), 20), d(2026, 5, 5));
    }

    #[test]
    fn zero_days_and_weekends() {
        assert_eq!(add_working_days(d(2026, 3, 7), 0), d(2026, 3, 7));
        // Friday + 1 → Monday.
        assert_eq!(add_working_days(d(2026, 3, 6), 1), d(2026, 3, 9));
        assert!(!is_working_day(d(2026, 3, 7)));
        assert!(is_working_day(d(2026, 3, 9)));
    }
    /// The default: every five working days (`OVERDUE_REPEAT_WORKING_DAYS`).
    const EVERY: u32 = 5;

    fn repeat(number: u32, on: NaiveDate) -> Option<Repeat> {
        Some(Repeat { number, on })
    }

    #[test]
    fn i9_f12_overdue_reminder_repeats_every_five_working_days_over_weekends() {
        // Overdue from Wednesday 11 November 2026.
        let since = d(2026, 11, 11);
        assert_eq!(overdue_repeat(since, EVERY, d(2026, 11, 10)), None);
        assert_eq!(overdue_repeat(since, EVERY, since), repeat(0, since));
        // Thursday, Friday, the weekend and Monday and Tuesday are still the first.
        for day in 12..=17 {
            assert_eq!(
                overdue_repeat(since, EVERY, d(2026, 11, day)),
                repeat(0, since),
                "{day}"
            );
        }
        // Five working days later, across the weekend: Wednesday 18 November.
        assert_eq!(
            overdue_repeat(since, EVERY, d(2026, 11, 18)),
            repeat(1, d(2026, 11, 18))
        );
        assert_eq!(
            overdue_repeat(since, EVERY, d(2026, 11, 24)),
            repeat(1, d(2026, 11, 18))
        );
        assert_eq!(
            overdue_repeat(since, EVERY, d(2026, 11, 25)),
            repeat(2, d(2026, 11, 25))
        );
    }

    #[test]
    fn i9_f12_overdue_from_a_weekend_counts_from_the_next_working_day() {
        // Overdue from Saturday 14 November 2026: first reminded whenever it is swept,
        // then five working days after Monday 16 November.
        let since = d(2026, 11, 14);
        assert_eq!(overdue_repeat(since, EVERY, since), repeat(0, since));
        assert_eq!(
            overdue_repeat(since, EVERY, d(2026, 11, 16)),
            repeat(0, since)
        );
        assert_eq!(
            overdue_repeat(since, EVERY, d(2026, 11, 20)),
            repeat(0, since)
        );
        assert_eq!(
            overdue_repeat(since, EVERY, d(2026, 11, 23)),
            repeat(1, d(2026, 11, 23))
        );
    }

    #[test]
    fn i9_f12_overdue_repeats_skip_bank_holidays() {
        // Overdue from Wednesday 1 April 2026: Good Friday (3 April) and Easter Monday
        // (6 April) are not working days, so the repeat is Friday 10 April, not Wednesday 8.
        let since = d(2026, 4, 1);
        assert_eq!(
            overdue_repeat(since, EVERY, d(2026, 4, 8)),
            repeat(0, since)
        );
        assert_eq!(
            overdue_repeat(since, EVERY, d(2026, 4, 10)),
            repeat(1, d(2026, 4, 10))
        );
        // Overdue on Good Friday itself: counted from Tuesday 7 April.
        let good_friday = d(2026, 4, 3);
        assert_eq!(
            overdue_repeat(good_friday, EVERY, d(2026, 4, 13)),
            repeat(0, good_friday)
        );
        assert_eq!(
            overdue_repeat(good_friday, EVERY, d(2026, 4, 14)),
            repeat(1, d(2026, 4, 14))
        );
        // Across Christmas and New Year 2026: Fri 25, Mon 28 Dec and Fri 1 Jan are holidays.
        let since = d(2026, 12, 23);
        assert_eq!(
            overdue_repeat(since, EVERY, d(2026, 12, 31)),
            repeat(0, since)
        );
        assert_eq!(
            overdue_repeat(since, EVERY, d(2027, 1, 4)),
            repeat(1, d(2027, 1, 4))
        );
    }

    #[test]
    fn i9_f12_a_missed_sweep_catches_up_with_the_latest_repeat_only() {
        let since = d(2026, 11, 11);
        // Nobody swept for a month: today is the repeat due, numbered as if none was missed.
        assert_eq!(
            overdue_repeat(since, EVERY, d(2026, 12, 14)),
            repeat(4, d(2026, 12, 9))
        );
        // Every working day when set to 1; never repeated when set to 0.
        assert_eq!(
            overdue_repeat(since, 1, d(2026, 11, 16)),
            repeat(3, d(2026, 11, 16))
        );
        assert_eq!(overdue_repeat(since, 0, d(2027, 6, 1)), repeat(0, since));
    }

    #[test]
    fn working_day_from_skips_weekends_and_holidays() {
        assert_eq!(working_day_from(d(2026, 11, 11)), d(2026, 11, 11));
        assert_eq!(working_day_from(d(2026, 11, 14)), d(2026, 11, 16));
        assert_eq!(working_day_from(d(2026, 4, 3)), d(2026, 4, 7));
    }
}
