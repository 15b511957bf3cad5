use super::*;

fn t(mins: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap() + Duration::minutes(mins)
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, 1, d).unwrap()
}

fn failing(cause: Cause, since: i64) -> Login {
    Login {
        cause,
        ok: false,
        since: t(since),
        detail: Some("535 5.7.139 Authentication unsuccessful".into()),
    }
}

fn ok(cause: Cause, since: i64) -> Login {
    Login {
        cause,
        ok: true,
        since: t(since),
        detail: None,
    }
}

fn sent(key: &str, kind: Kind, at: i64) -> Sent {
    Sent {
        key: key.into(),
        kind,
        at: t(at),
    }
}

fn run(logins: &[Login], sent: &[Sent], now: i64) -> Vec<Due> {
    decide(&Facts {
        logins,
        expiries: &[],
        sent,
        after: Duration::minutes(60),
        now: t(now),
        today: day(1),
    })
}

fn reminders(on: NaiveDate, today: NaiveDate, sent: &[Sent]) -> Vec<i64> {
    let expiries = [Expiry {
        credential: "client_secret".into(),
        on,
    }];
    let facts = Facts {
        logins: &[],
        expiries: &expiries,
        sent,
        after: Duration::minutes(60),
        now: t(0),
        today,
    };
    decide(&facts)
        .into_iter()
        .map(|d| match d {
            Due::Reminder { threshold, .. } => threshold,
            other => panic!("not a reminder: {other:?}"),
        })
        .collect()
}

#[test]
fn a_login_failing_for_alert_after_mins_is_alerted_not_before() {
    let smtp = [failing(Cause::Smtp, 0)];
    assert_eq!(run(&smtp, &[], 59), vec![]);
    let due = run(&smtp, &[], 60);
    assert_eq!(due.len(), 1);
    assert!(
        matches!(&due[0], Due::Alert { cause: Cause::Smtp, since, detail: Some(d) }
        if *since == t(0) && d.contains("5.7.139"))
    );
}

#[test]
fn one_alert_per_cause_per_day() {
    let smtp = [failing(Cause::Smtp, 0)];
    let once = [sent("smtp", Kind::Alert, 60)];
    assert_eq!(run(&smtp, &once, 61), vec![]);
    assert_eq!(run(&smtp, &once, 60 + 24 * 60 - 1), vec![]);
    assert_eq!(
        run(&smtp, &once, 60 + 24 * 60).len(),
        1,
        "the next day: again"
    );
    // Another cause is not held back by SMTP's alert.
    let both = [failing(Cause::Smtp, 0), failing(Cause::Imap, 0)];
    assert!(matches!(
        run(&both, &once, 61)[..],
        [Due::Alert {
            cause: Cause::Imap,
            ..
        }]
    ));
    // A flapping server: failing again after its recovery, the same day.
    let again = [
        sent("smtp", Kind::Alert, 60),
        sent("smtp", Kind::Recovery, 120),
    ];
    assert_eq!(run(&[failing(Cause::Smtp, 130)], &again, 300), vec![]);
}

#[test]
fn a_recovery_follows_an_alert_once() {
    let alerted = [sent("imap", Kind::Alert, 60)];
    let due = run(&[ok(Cause::Imap, 90)], &alerted, 91);
    assert_eq!(
        due,
        vec![Due::Recovery {
            cause: Cause::Imap,
            since: t(90)
        }]
    );
    let recovered = [
        sent("imap", Kind::Alert, 60),
        sent("imap", Kind::Recovery, 91),
    ];
    assert_eq!(run(&[ok(Cause::Imap, 90)], &recovered, 92), vec![]);
    // Nothing was alerted: a login that works says nothing.
    assert_eq!(run(&[ok(Cause::Imap, 90)], &[], 92), vec![]);
    // A short failure never alerted about recovers silently.
    let other = [sent("smtp", Kind::Alert, 60)];
    assert_eq!(run(&[ok(Cause::Imap, 90)], &other, 92), vec![]);
}

#[test]
fn a_failing_token_endpoint_is_the_one_cause_of_the_logins_it_breaks() {
    let all = [
        failing(Cause::Token, 0),
        failing(Cause::Imap, 0),
        failing(Cause::Smtp, 0),
    ];
    let due = run(&all, &[], 60);
    assert!(
        matches!(
            due[..],
            [Due::Alert {
                cause: Cause::Token,
                ..
            }]
        ),
        "{due:?}"
    );
}

#[test]
fn reminders_30_7_and_1_day_before_once_each() {
    let on = day(31);
    let before = day(1).pred_opt().unwrap();
    assert_eq!(
        reminders(on, before, &[]),
        Vec::<i64>::new(),
        "31 days before"
    );
    assert_eq!(reminders(on, day(1), &[]), vec![30]);
    let r30 = sent(&reminder_key("client_secret", on, 30), Kind::Reminder, 0);
    assert_eq!(
        reminders(on, day(3), std::slice::from_ref(&r30)),
        Vec::<i64>::new()
    );
    assert_eq!(
        reminders(on, day(23), std::slice::from_ref(&r30)),
        Vec::<i64>::new()
    );
    assert_eq!(reminders(on, day(24), std::slice::from_ref(&r30)), vec![7]);
    let r7 = sent(&reminder_key("client_secret", on, 7), Kind::Reminder, 0);
    let both = [r30.clone(), r7.clone()];
    assert_eq!(reminders(on, day(25), &both), Vec::<i64>::new());
    assert_eq!(reminders(on, day(30), &both), vec![1]);
    let r1 = sent(&reminder_key("client_secret", on, 1), Kind::Reminder, 0);
    assert_eq!(reminders(on, day(31), &[r30, r7, r1]), Vec::<i64>::new());
}

#[test]
fn a_date_learnt_late_sends_only_the_most_urgent_reminder_and_none_once_past() {
    let on = day(20);
    assert_eq!(reminders(on, day(17), &[]), vec![7]);
    assert_eq!(reminders(on, day(20), &[]), vec![1], "the last day");
    assert_eq!(reminders(on, day(21), &[]), Vec::<i64>::new());
    // A renewed secret (a new date) is reminded afresh.
    let old = sent(
        &reminder_key("client_secret", day(10), 7),
        Kind::Reminder,
        0,
    );
    assert_eq!(reminders(on, day(17), &[old]), vec![7]);
}
