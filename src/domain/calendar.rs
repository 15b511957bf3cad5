//! The school's calendar: which days are working days in Poland, and when a
//! local wall-clock time happens as an instant.
//!
//! Pure functions, no clock: the digest asks "is today a working day?" and
//! every daily job asks "at which instant is 07:30 today in Warsaw?". The
//! second question has no plain answer twice a year (the spring-forward hour
//! does not exist, the fall-back hour exists twice), so it is answered here
//! once, the same way for every job.

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Timelike, Utc,
};
use chrono_tz::Tz;

/// Easter Sunday of `year` (Gregorian computus, the anonymous algorithm).
pub fn easter(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
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
    // month is 3 or 4 and day 1..=31 by construction of the algorithm.
    NaiveDate::from_ymd_opt(year, month as u32, day as u32)
        .unwrap_or_else(|| unreachable!("computus gives a March or April date"))
}

/// Whether `date` is a Polish statutory public holiday (ustawa o dniach
/// wolnych od pracy), for any year. 24 December counts from 2025 on.
pub fn is_public_holiday(date: NaiveDate) -> bool {
    let fixed = matches!(
        (date.month(), date.day()),
        (1, 1) | (1, 6) | (5, 1) | (5, 3) | (8, 15) | (11, 1) | (11, 11) | (12, 25) | (12, 26)
    );
    if fixed || (date.month() == 12 && date.day() == 24 && date.year() >= 2025) {
        return true;
    }
    let easter = easter(date.year());
    // Easter Sunday, Easter Monday, Pentecost Sunday (+49), Corpus Christi (+60).
    [0, 1, 49, 60]
        .iter()
        .any(|&d| easter + Duration::days(d) == date)
}

/// A working day of the school: not a weekend, not a public holiday, not one
/// of the school's own `extra_days_off`.
pub fn is_working_day(date: NaiveDate, extra_days_off: &[NaiveDate]) -> bool {
    let weekend = date.weekday().number_from_monday() >= 6;
    !weekend && !is_public_holiday(date) && !extra_days_off.contains(&date)
}

/// The instant at which the wall clock in `tz` shows `time` on `date`.
///
/// DST-safe, so a daily job happens exactly once every day: a local time
/// that does not exist (skipped when clocks go forward) gives the first valid
/// local time after it; one that happens twice (clocks go back) gives the
/// first of the two.
pub fn local_instant(date: NaiveDate, time: NaiveTime, tz: Tz) -> DateTime<Utc> {
    let wanted = date.and_time(time);
    // A gap is at most a few hours in any real zone; a day of minutes bounds
    // the search without a loop that could run away.
    for minutes in 0..=24 * 60 {
        let local = wanted + Duration::minutes(minutes);
        // Inside a gap, whole minutes: the gap ends on one.
        let local = if minutes == 0 {
            local
        } else {
            local.with_second(0).unwrap_or(local)
        };
        match tz.from_local_datetime(&local) {
            LocalResult::Single(t) => return t.with_timezone(&Utc),
            LocalResult::Ambiguous(first, _) => return first.with_timezone(&Utc),
            LocalResult::None => {}
        }
    }
    // Unreachable for real zones; fall back to reading the time as UTC.
    Utc.from_utc_datetime(&wanted)
}

/// The school's local date at instant `now`.
pub fn local_date(now: DateTime<Utc>, tz: Tz) -> NaiveDate {
    now.with_timezone(&tz).date_naive()
}

/// The local date whose daily job at `time` is due at `now`, if it has not
/// run yet (`last_run` is the local date it last ran for).
///
/// Only today's slot counts: a job missed on a past day is never run late,
/// but one missed earlier today is run by the next call. Because the answer
/// depends only on `now` and `last_run` (kept in the database), a timer that
/// fires too often, too late or twice cannot run the job twice.
pub fn daily_slot_due(
    now: DateTime<Utc>,
    last_run: Option<NaiveDate>,
    time: NaiveTime,
    tz: Tz,
) -> Option<NaiveDate> {
    let today = local_date(now, tz);
    let due = now >= local_instant(today, time, tz);
    (due && last_run != Some(today)).then_some(today)
}

#[cfg(test)]
#[path = "calendar_tests.rs"]
mod tests;
