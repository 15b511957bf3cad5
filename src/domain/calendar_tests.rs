use chrono::{Datelike, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::Warsaw;

use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn t(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

#[test]
fn easter_known_years() {
    assert_eq!(easter(2024), d(2024, 3, 31));
    assert_eq!(easter(2025), d(2025, 4, 20));
    assert_eq!(easter(2026), d(2026, 4, 5));
    assert_eq!(easter(2027), d(2027, 3, 28));
    assert_eq!(easter(2038), d(2038, 4, 25));
}

#[test]
fn movable_feasts_2026_and_2027() {
    // Easter Monday, Pentecost Sunday, Corpus Christi.
    for day in [
        d(2026, 4, 6),
        d(2026, 5, 24),
        d(2026, 6, 4),
        d(2027, 3, 29),
        d(2027, 5, 27),
    ] {
        assert!(is_public_holiday(day), "{day}");
    }
    // The Thursday after Corpus Christi 2026 and Easter Tuesday are ordinary.
    assert!(!is_public_holiday(d(2026, 6, 11)));
    assert!(!is_public_holiday(d(2026, 4, 7)));
}

#[test]
fn fixed_holidays_and_christmas_eve_from_2025() {
    for day in [
        d(2026, 1, 1),
        d(2026, 1, 6),
        d(2026, 5, 1),
        d(2026, 5, 3),
        d(2026, 8, 15),
        d(2026, 11, 1),
        d(2026, 11, 11),
        d(2026, 12, 24),
        d(2026, 12, 25),
        d(2026, 12, 26),
        d(2025, 12, 24),
    ] {
        assert!(is_public_holiday(day), "{day}");
    }
    assert!(!is_public_holiday(d(2024, 12, 24)));
    assert!(!is_public_holiday(d(2026, 5, 2)));
}

#[test]
fn working_days() {
    assert!(is_working_day(d(2026, 12, 1), &[])); // Tuesday
    assert!(!is_working_day(d(2026, 11, 28), &[])); // Saturday
    assert!(!is_working_day(d(2026, 11, 29), &[])); // Sunday
    assert!(!is_working_day(d(2026, 11, 11), &[])); // Wednesday, holiday
    assert!(!is_working_day(d(2026, 5, 4), &[d(2026, 5, 4)])); // school's day off
    assert!(is_working_day(d(2026, 5, 4), &[]));
}

#[test]
fn ordinary_day_local_time() {
    assert_eq!(
        local_instant(d(2026, 12, 1), t(7, 30), Warsaw),
        Utc.with_ymd_and_hms(2026, 12, 1, 6, 30, 0).unwrap()
    );
    assert_eq!(
        local_instant(d(2026, 7, 1), t(7, 30), Warsaw),
        Utc.with_ymd_and_hms(2026, 7, 1, 5, 30, 0).unwrap()
    );
}

#[test]
fn spring_forward_2026_gap_gives_first_valid_time() {
    // 29 March 2026: 02:00 CET jumps to 03:00 CEST (01:00 UTC).
    let three_am = Utc.with_ymd_and_hms(2026, 3, 29, 1, 0, 0).unwrap();
    assert_eq!(local_instant(d(2026, 3, 29), t(2, 30), Warsaw), three_am);
    assert_eq!(local_instant(d(2026, 3, 29), t(2, 0), Warsaw), three_am);
    assert_eq!(
        local_instant(d(2026, 3, 29), t(7, 30), Warsaw),
        Utc.with_ymd_and_hms(2026, 3, 29, 5, 30, 0).unwrap()
    );
}

#[test]
fn fall_back_2026_ambiguous_gives_first() {
    // 25 October 2026: 03:00 CEST goes back to 02:00 CET; 02:30 happens at
    // 00:30 UTC and again at 01:30 UTC.
    assert_eq!(
        local_instant(d(2026, 10, 25), t(2, 30), Warsaw),
        Utc.with_ymd_and_hms(2026, 10, 25, 0, 30, 0).unwrap()
    );
    assert_eq!(
        local_instant(d(2026, 10, 25), t(7, 30), Warsaw),
        Utc.with_ymd_and_hms(2026, 10, 25, 6, 30, 0).unwrap()
    );
}

#[test]
fn local_date_is_the_school_date() {
    // 23:30 UTC on 30 November is already 1 December in Warsaw.
    let late = Utc.with_ymd_and_hms(2026, 11, 30, 23, 30, 0).unwrap();
    assert_eq!(local_date(late, Warsaw), d(2026, 12, 1));
}

/// Every minute of a day, a timer asks whether the daily job is due; the job
/// must run exactly once, at the first check at or after its instant.
fn runs_over_day(day: NaiveDate, at: NaiveTime) -> Vec<chrono::DateTime<Utc>> {
    let start = Warsaw
        .from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap())
        .unwrap()
        .with_timezone(&Utc);
    let mut last = Some(day.pred_opt().unwrap());
    let mut runs = vec![];
    let mut now = start;
    while local_date(now, Warsaw) == day {
        if let Some(date) = daily_slot_due(now, last, at, Warsaw) {
            last = Some(date);
            runs.push(now);
        }
        now += chrono::Duration::minutes(1);
    }
    runs
}

#[test]
fn daily_slot_runs_exactly_once_on_the_2026_dst_sundays() {
    let march = d(2026, 3, 29);
    let october = d(2026, 10, 25);
    // A time inside the skipped hour runs once, at 03:00 CEST.
    assert_eq!(
        runs_over_day(march, t(2, 30)),
        vec![Utc.with_ymd_and_hms(2026, 3, 29, 1, 0, 0).unwrap()]
    );
    // A time inside the repeated hour runs once, the first time it shows.
    assert_eq!(
        runs_over_day(october, t(2, 30)),
        vec![Utc.with_ymd_and_hms(2026, 10, 25, 0, 30, 0).unwrap()]
    );
    // The usual job times run once, at their local time.
    for (day, utc_hour) in [(march, 6), (october, 7)] {
        assert_eq!(
            runs_over_day(day, t(8, 0)),
            vec![
                Utc.with_ymd_and_hms(2026, day.month(), day.day(), utc_hour, 0, 0)
                    .unwrap()
            ]
        );
    }
}

#[test]
fn daily_slot_catches_up_today_but_never_a_past_day() {
    let tuesday_11 = Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap();
    // Missed at 07:30 (daemon down): due at 11:00 the same day.
    assert_eq!(
        daily_slot_due(tuesday_11, Some(d(2026, 11, 30)), t(7, 30), Warsaw),
        Some(d(2026, 12, 1))
    );
    // Already run today.
    assert_eq!(
        daily_slot_due(tuesday_11, Some(d(2026, 12, 1)), t(7, 30), Warsaw),
        None
    );
    // Before today's time nothing is due, not even yesterday's missed run.
    let tuesday_7 = Utc.with_ymd_and_hms(2026, 12, 1, 6, 0, 0).unwrap();
    assert_eq!(
        daily_slot_due(tuesday_7, Some(d(2026, 11, 27)), t(7, 30), Warsaw),
        None
    );
}
