use super::*;

fn at(minutes: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap() + Duration::minutes(minutes)
}

fn state(ok: bool, since: i64, at_: i64, detail: Option<&str>) -> Option<State> {
    Some(State {
        ok,
        since: at(since),
        at: at(at_),
        detail: detail.map(str::to_owned),
        last_ok: None,
    })
}

/// A daemon that ran a round a minute ago, everything fine.
fn healthy() -> Snapshot {
    Snapshot {
        now: at(60),
        round: state(true, 0, 59, None),
        imap: state(true, 0, 59, None),
        idle: state(true, 1, 1, None),
        smtp: None,
        queue: 0,
        oldest_queued: None,
        given_up: 0,
        digest_today: None,
        db_bytes: 4096,
        poll: Duration::seconds(60),
        idle_wanted: true,
        today: at(60).date_naive(),
        secret_expires: None,
        alerts: vec![],
    }
}

#[test]
fn a_recent_good_round_is_ok_with_no_reasons() {
    let s = healthy();
    assert_eq!(judge(&s), (Level::Ok, vec![]));
    assert_eq!(s.idle_connected(), Some(true));
    assert_eq!(s.failing_since(), None);
}

#[test]
fn a_failing_smtp_server_is_critical_and_says_since_when() {
    let mut s = healthy();
    s.smtp = Some(SmtpFailing {
        since: Some(at(30)),
        error: "SMTP server: connect: refused".into(),
    });
    let (level, reasons) = judge(&s);
    assert_eq!(level, Level::Critical);
    assert_eq!(
        reasons,
        vec!["SMTP failing since 2027-01-15T08:30:00Z: SMTP server: connect: refused"]
    );
    assert_eq!(s.failing_since(), Some(at(30)));
}

#[test]
fn a_refused_imap_login_and_a_failed_round_are_critical() {
    let mut s = healthy();
    s.imap = state(false, 10, 59, Some("IMAP login refused"));
    s.round = state(false, 10, 59, Some("IMAP login refused"));
    let (level, reasons) = judge(&s);
    assert_eq!(level, Level::Critical);
    assert_eq!(
        reasons,
        vec!["IMAP failing since 2027-01-15T08:10:00Z: IMAP login refused"],
        "the round's failure is the same one, said once"
    );
    assert_eq!(s.failing_since(), Some(at(10)));
    s.round = state(false, 10, 59, Some("database: disk full"));
    assert_eq!(judge(&s).1.len(), 2);
}

#[test]
fn no_round_for_long_is_a_warning_and_idle_becomes_unknown() {
    let mut s = healthy();
    s.now = at(60 + 16);
    let (level, reasons) = judge(&s);
    assert_eq!(level, Level::Warning);
    assert!(reasons[0].contains("is mleg running?"), "{reasons:?}");
    assert_eq!(s.idle_connected(), None);
    s.round = None;
    assert_eq!(judge(&s).0, Level::Warning);
}

#[test]
fn a_mail_queued_over_an_hour_warns_but_a_fresh_one_does_not() {
    let mut s = healthy();
    s.queue = 2;
    s.oldest_queued = Some(at(5));
    assert_eq!(judge(&s).0, Level::Ok);
    s.oldest_queued = Some(at(-1));
    let (level, reasons) = judge(&s);
    assert_eq!(level, Level::Warning);
    assert!(reasons[0].starts_with("2 mail(s) queued"), "{reasons:?}");
}

#[test]
fn idle_down_for_over_ten_minutes_warns_unless_polling_is_configured() {
    let mut s = healthy();
    s.idle = state(false, 55, 55, Some("connection lost"));
    assert_eq!(judge(&s).0, Level::Ok);
    s.idle = state(false, 45, 55, Some("connection lost"));
    assert_eq!(judge(&s).0, Level::Warning);
    s.idle_wanted = false;
    assert_eq!(judge(&s).0, Level::Ok);
}

#[test]
fn the_worst_reason_comes_first() {
    let mut s = healthy();
    s.queue = 1;
    s.oldest_queued = Some(at(-10));
    s.smtp = Some(SmtpFailing {
        since: None,
        error: "refused".into(),
    });
    let (level, reasons) = judge(&s);
    assert_eq!(level, Level::Critical);
    assert!(
        reasons[0].starts_with("SMTP failing since unknown"),
        "{reasons:?}"
    );
    assert_eq!(reasons.len(), 2);
}

#[test]
fn a_client_secret_warns_30_days_before_and_is_critical_once_expired() {
    let mut s = healthy();
    let day = |d: i64| s.today + Duration::days(d);
    let (d31, d30, d0, past) = (day(31), day(30), day(0), day(-1));
    s.secret_expires = Some(d31);
    assert_eq!(judge(&s), (Level::Ok, vec![]));
    s.secret_expires = Some(d30);
    let (level, reasons) = judge(&s);
    assert_eq!(level, Level::Warning);
    assert_eq!(
        reasons[0],
        format!(
            "the OAuth2 client secret expires on {d30} (in 30 days): create a new one (Entra \
             ID → App registrations → mleg → Certificates & secrets), put it in place and set \
             [oauth2] client_secret_expires"
        )
    );
    s.secret_expires = Some(d0);
    assert_eq!(judge(&s).0, Level::Warning);
    s.secret_expires = Some(past);
    let (level, reasons) = judge(&s);
    assert_eq!(level, Level::Critical);
    assert!(reasons[0].starts_with(&format!("the OAuth2 client secret expired on {past}")));
}

#[test]
fn a_standing_alert_warns_and_a_failing_server_stays_critical() {
    let mut s = healthy();
    s.alerts = vec![LiveAlert {
        cause: "token".into(),
        sent_at: at(50),
        failing_since: Some(at(0)),
    }];
    let (level, reasons) = judge(&s);
    assert_eq!(level, Level::Warning);
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert!(
        reasons[0].starts_with("TOKEN alert mailed at "),
        "{reasons:?}"
    );
    assert!(reasons[0].contains(", failing since "), "{reasons:?}");

    // Recovered, the recovery mail not out yet: still a warning, said so.
    s.alerts[0].failing_since = None;
    let (level, reasons) = judge(&s);
    assert_eq!(level, Level::Warning);
    assert!(reasons[0].contains("it works again"), "{reasons:?}");

    // The IMAP login refused now is critical; the alert adds its line.
    s.imap = state(false, 0, 59, Some("login refused"));
    s.alerts[0].cause = "imap".into();
    s.alerts[0].failing_since = Some(at(0));
    let (level, reasons) = judge(&s);
    assert_eq!(level, Level::Critical);
    assert!(reasons[0].starts_with("IMAP failing since"), "{reasons:?}");
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("IMAP alert mailed at")),
        "{reasons:?}"
    );
}
