//! `KOD` with a typed generation time: refused when it cannot be right (in
//! the future, before the application was complete, or long enough ago that
//! the code has lapsed), to the minute or the day that was typed.

use chrono::{NaiveDate, TimeZone};

use super::*;
use crate::domain::test_support::{class, email, name, pesel};
use crate::workflow::lifecycle::issue_time::IssueTimeProblem;

/// 23 November 2026, 11:00 in Warsaw.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap()
}

/// The photo that completed the application came on 20 November at 14:35:40 Warsaw.
fn completed() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 13, 35, 40).unwrap()
}

const RULES: Rules = Rules {
    process: Process::Portal,
    code_valid_days: 30,
    timezone: chrono_tz::Europe::Warsaw,
};

fn application(status: Status) -> Application {
    Application {
        id: 7,
        student_id: 7,
        name: name("Jan", "Kowalski"),
        pesel: pesel(2012, 5, 17, 1234),
        class: class("3a"),
        parent_email: email("rodzic@example.pl"),
        parent_emails: vec![email("rodzic@example.pl")],
        legitymacja_number: None,
        code_to_student: false,
        status,
        token: "0123456789abcdef".into(),
        created_at: now(),
        updated_at: now(),
    }
}

/// `KOD AB12CD34 <typed>` (Warsaw time; `None`: no time typed) on an
/// application in `status`, complete at `complete_at`.
fn kod_in(
    status: Status,
    typed: Option<(i32, u32, u32, u32, u32)>,
    complete_at: Option<DateTime<Utc>>,
    recorded_code: Option<&str>,
) -> Result<Outcome, Refusal> {
    let generated_at = typed.map(|(y, m, d, h, min)| {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, min, 0)
            .unwrap()
    });
    let event = Event::Staff {
        command: StaffCommand::Code {
            code: "AB12CD34".into(),
            generated_at,
        },
        recorded_code: recorded_code.map(Into::into),
        complete_at,
    };
    transition(&application(status), &event, &RULES, now())
}

fn kod(typed: (i32, u32, u32, u32, u32)) -> Result<Outcome, Refusal> {
    kod_in(Status::Approved, Some(typed), Some(completed()), None)
}

fn problem(r: Result<Outcome, Refusal>) -> Option<IssueTimeProblem> {
    match r {
        Err(Refusal::BadIssueTime { problem, .. }) => Some(problem),
        Ok(_) => None,
        Err(other) => panic!("another refusal: {other:?}"),
    }
}

#[test]
fn a_typo_in_the_year_is_refused_as_before_the_completion_and_records_nothing() {
    let r = kod((2020, 1, 1, 0, 0));
    assert_eq!(
        r,
        Err(Refusal::BadIssueTime {
            at: Utc.with_ymd_and_hms(2019, 12, 31, 23, 0, 0).unwrap(),
            problem: IssueTimeProblem::BeforeCompletion {
                complete_at: completed()
            },
        })
    );
}

#[test]
fn a_time_in_the_future_is_refused_beyond_a_few_minutes_of_clock_difference() {
    assert_eq!(
        problem(kod((2026, 11, 24, 9, 0))),
        Some(IssueTimeProblem::Future)
    );
    assert_eq!(
        problem(kod((2026, 11, 23, 11, 6))),
        Some(IssueTimeProblem::Future)
    );
    assert_eq!(problem(kod((2026, 11, 23, 11, 4))), None, "clocks differ");
    assert_eq!(
        problem(kod((2026, 11, 23, 0, 0))),
        None,
        "today's date alone"
    );
}

#[test]
fn a_code_generated_more_than_code_valid_days_ago_has_lapsed_and_is_refused() {
    let lapsed = IssueTimeProblem::Lapsed { valid_days: 30 };
    // 24 October 12:00 Warsaw + 30 days is exactly now: lapsed.
    for typed in [(2026, 10, 24, 11, 0), (2026, 10, 24, 12, 0)] {
        assert_eq!(
            problem(kod_in(Status::Approved, Some(typed), None, None)),
            Some(lapsed),
            "{typed:?}"
        );
    }
    let fresh = kod_in(Status::Approved, Some((2026, 10, 24, 12, 1)), None, None);
    let code = fresh.unwrap().code.unwrap();
    assert_eq!(code.expires_at, now() + chrono::Duration::minutes(1));
}

#[test]
fn the_completion_is_compared_to_the_minute_or_the_day_that_was_typed() {
    let before = Some(IssueTimeProblem::BeforeCompletion {
        complete_at: completed(),
    });
    assert_eq!(
        problem(kod((2026, 11, 20, 14, 35))),
        None,
        "the same minute"
    );
    assert_eq!(problem(kod((2026, 11, 20, 14, 34))), before);
    assert_eq!(
        problem(kod((2026, 11, 20, 0, 0))),
        None,
        "the same day, date alone"
    );
    assert_eq!(problem(kod((2026, 11, 19, 0, 0))), before);
}

#[test]
fn without_a_typed_time_the_code_is_generated_now_and_not_questioned() {
    let o = kod_in(Status::AwaitingReview, None, Some(completed()), None).unwrap();
    assert_eq!(o.code.unwrap().generated_at, now());
}

#[test]
fn the_state_and_a_replay_are_judged_before_the_time() {
    let typo = Some((2020, 1, 1, 0, 0));
    assert_eq!(
        kod_in(Status::AwaitingPhoto, typo, None, None),
        Err(Refusal::NotNow {
            status: Status::AwaitingPhoto
        })
    );
    assert_eq!(
        kod_in(Status::CodeReady, typo, Some(completed()), Some("AB12CD34")),
        Err(Refusal::AlreadyDone {
            status: Status::CodeReady
        })
    );
    // A new code after expiry is checked like any other.
    assert!(matches!(
        kod_in(Status::Expired, typo, Some(completed()), None),
        Err(Refusal::BadIssueTime { .. })
    ));
}
