//! When each reminder falls due, and which one a step sends (pure: fixed
//! times in, a plan out; the unit tests below run DST weeks).
//!
//! A reminder is due at `reminder_time` (school time zone) on its day, so
//! nobody is mailed at night: a parent's `d` days before the local date the
//! code expires, the secretary's `d` days after the local date the
//! application became complete. After a gap (mleg stopped) only the most
//! urgent due reminder of a series is sent; the ones it overtook are
//! recorded as skipped, never sent late in a burst.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::config::Dates;
use crate::domain::Status;

/// The instant of `time` local on `date` in `tz`, DST-safe: in the autumn
/// overlap the first of the two, in the spring gap the first valid local
/// time after it.
pub fn local_instant(tz: Tz, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let wanted = date.and_time(time);
    (0..=180)
        .find_map(|m| {
            tz.from_local_datetime(&(wanted + Duration::minutes(m)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
        // No zone has a gap over 3 hours; read it as UTC rather than fail.
        .unwrap_or_else(|| Utc.from_utc_datetime(&wanted))
}

/// One series' reminders as (day, due instant), least urgent first.
pub type Series = Vec<(u32, DateTime<Utc>)>;

/// The parent's reminders for a code expiring at `expires_at`. On a
/// `handed_over` application (`remind_after_handover`) only the last one.
pub fn parent_series(dates: &Dates, expires_at: DateTime<Utc>, handed_over: bool) -> Series {
    let day = expires_at.with_timezone(&dates.timezone).date_naive();
    let days = &dates.parent_reminder_days;
    let days: &[u32] = match (handed_over, days.last()) {
        (true, Some(last)) => std::slice::from_ref(last),
        _ => days,
    };
    days.iter()
        .map(|&d| {
            let on = day - Duration::days(i64::from(d));
            (d, local_instant(dates.timezone, on, dates.reminder_time))
        })
        .collect()
}

/// The secretary's reminders for an application complete at `complete_at`.
pub fn staff_series(dates: &Dates, complete_at: DateTime<Utc>) -> Series {
    let day = complete_at.with_timezone(&dates.timezone).date_naive();
    dates
        .staff_reminder_days
        .iter()
        .map(|&d| {
            let on = day + Duration::days(i64::from(d));
            (d, local_instant(dates.timezone, on, dates.reminder_time))
        })
        .collect()
}

/// What one step does with a series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The reminder to send (day, due instant), if any.
    pub send: Option<(u32, DateTime<Utc>)>,
    /// Due reminders overtaken by a more urgent one: recorded, not sent.
    pub skip: Vec<(u32, DateTime<Utc>)>,
}

/// Of the reminders due by `now` and not `recorded`, sends the most urgent
/// and skips the rest; sends nothing once a more urgent one is recorded.
pub fn pick(series: &Series, recorded: &[u32], now: DateTime<Utc>) -> Option<Plan> {
    let due: Vec<(u32, DateTime<Utc>)> = series.iter().copied().filter(|r| r.1 <= now).collect();
    let most_urgent = *due.last()?;
    let mut pending: Vec<_> = due
        .into_iter()
        .filter(|(d, _)| !recorded.contains(d))
        .collect();
    if pending.is_empty() {
        return None;
    }
    if recorded.contains(&most_urgent.0) {
        return Some(Plan {
            send: None,
            skip: pending,
        });
    }
    pending.retain(|r| *r != most_urgent);
    Some(Plan {
        send: Some(most_urgent),
        skip: pending,
    })
}

/// The issue deadline of an application complete at `complete_at`.
pub fn deadline(dates: &Dates, complete_at: DateTime<Utc>) -> DateTime<Utc> {
    complete_at + Duration::days(i64::from(dates.issue_within_days))
}

/// The one meaning of "overdue" (`apps show`/`list`; the digest's and
/// `--overdue`'s query, `store::dates::OWED`, says the same in SQL): the
/// secretary still owes the code and its deadline has passed.
pub fn is_overdue(
    dates: &Dates,
    status: Status,
    complete_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    status.owes_code() && complete_at.is_some_and(|c| now > deadline(dates, c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warsaw(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        local_instant(
            chrono_tz::Europe::Warsaw,
            NaiveDate::from_ymd_opt(y, m, d).unwrap(),
            NaiveTime::from_hms_opt(h, min, 0).unwrap(),
        )
    }

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    #[test]
    fn local_times_across_both_dst_sundays_of_2026() {
        // Winter (UTC+1), summer (UTC+2).
        assert_eq!(warsaw(2026, 3, 28, 8, 0), utc(2026, 3, 28, 7, 0));
        assert_eq!(warsaw(2026, 3, 29, 8, 0), utc(2026, 3, 29, 6, 0));
        // 02:30 on 29 March does not exist: the first valid time, 03:00 CEST.
        assert_eq!(warsaw(2026, 3, 29, 2, 30), utc(2026, 3, 29, 1, 0));
        // 02:30 on 25 October happens twice: the first one (CEST).
        assert_eq!(warsaw(2026, 10, 25, 2, 30), utc(2026, 10, 25, 0, 30));
        assert_eq!(warsaw(2026, 10, 25, 8, 0), utc(2026, 10, 25, 7, 0));
        assert_eq!(warsaw(2026, 10, 24, 8, 0), utc(2026, 10, 24, 6, 0));
    }

    #[test]
    fn parent_reminders_fall_at_eight_local_on_their_days_across_dst() {
        let dates = Dates::default();
        // A code expiring 3 April 2026 14:35 CEST: day 7 is 27 March (CET),
        // day 2 is 1 April (CEST); both at 08:00 local.
        let expires = utc(2026, 4, 3, 12, 35);
        assert_eq!(
            parent_series(&dates, expires, false),
            vec![(7, utc(2026, 3, 27, 7, 0)), (2, utc(2026, 4, 1, 6, 0))]
        );
        // Across the October change: expiry 29 October 10:00 CET.
        let expires = utc(2026, 10, 29, 9, 0);
        assert_eq!(
            parent_series(&dates, expires, false),
            vec![(7, utc(2026, 10, 22, 6, 0)), (2, utc(2026, 10, 27, 7, 0))]
        );
        assert_eq!(
            parent_series(&dates, expires, true),
            vec![(2, utc(2026, 10, 27, 7, 0))],
            "after the hand-over only the last day"
        );
    }

    #[test]
    fn staff_reminders_count_local_days_from_completion() {
        let dates = Dates::default();
        // Complete 20 March 2026 at 23:30 CET (22:30 UTC): days 10 and 13
        // are 30 March and 2 April, 08:00 CEST.
        let complete = utc(2026, 3, 20, 22, 30);
        assert_eq!(
            staff_series(&dates, complete),
            vec![(10, utc(2026, 3, 30, 6, 0)), (13, utc(2026, 4, 2, 6, 0))]
        );
        assert_eq!(deadline(&dates, complete), utc(2026, 4, 3, 22, 30));
    }

    #[test]
    fn one_reminder_each_and_only_the_most_urgent_after_a_gap() {
        let s: Series = vec![(7, utc(2026, 12, 13, 7, 0)), (2, utc(2026, 12, 18, 7, 0))];
        assert_eq!(pick(&s, &[], utc(2026, 12, 13, 6, 59)), None, "not yet");
        assert_eq!(
            pick(&s, &[], utc(2026, 12, 13, 7, 0)),
            Some(Plan {
                send: Some(s[0]),
                skip: vec![]
            })
        );
        assert_eq!(pick(&s, &[7], utc(2026, 12, 15, 7, 0)), None, "sent once");
        assert_eq!(
            pick(&s, &[], utc(2026, 12, 19, 7, 0)),
            Some(Plan {
                send: Some(s[1]),
                skip: vec![s[0]]
            }),
            "after a gap: the urgent one, the other skipped"
        );
        assert_eq!(pick(&s, &[7, 2], utc(2026, 12, 19, 7, 0)), None);
        assert_eq!(
            pick(&s, &[2], utc(2026, 12, 19, 7, 0)),
            Some(Plan {
                send: None,
                skip: vec![s[0]]
            }),
            "an older one is never sent after a more urgent one"
        );
    }
}
