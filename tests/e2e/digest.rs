//! The secretary's working-day digest, with time driven by
//! `scheduler::step` on a fixed clock (or `mleg tick --now`), and once by
//! the daemon's own scheduler.
//!
//! The DST Sundays are covered by the unit test
//! `domain::calendar::tests::daily_slot_runs_exactly_once_on_the_2026_dst_sundays`
//! (the digest's daily slot over every minute of 29 March and 25 October
//! 2026): a Sunday has no digest, so an e2e digest cannot show it.

use std::process::Command;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use mleg::app::App;
use mleg::clock::{Clock, FixedClock};
use mleg::config::Config;
use mleg::scheduler::TickReport;
use tokio_util::sync::CancellationToken;

use crate::support::app::{NEEDS_HUMAN, SCHOOL, SECRETARY, TestApp, pesel};

const DIGEST: &str = "Podsumowanie dnia";

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .with_timezone(&Utc)
}

/// The whole program on a clock fixed at `now`: one scheduler step, then a
/// delivery round (what `mleg tick --now` does).
async fn tick(t: &TestApp, now: &str) -> TickReport {
    let now = at(now);
    let config = Config::load(&t.config_path).unwrap();
    let app = App::new(config, Arc::new(FixedClock(now))).unwrap();
    let report = mleg::scheduler::step(&app, now).await.expect("step");
    mleg::daemon::deliver_once(&app).await.expect("delivery");
    report
}

/// Digest mails queued so far (sent or not), from the outbox.
fn digests_queued(t: &TestApp) -> usize {
    t.outbox_state()
        .iter()
        .filter(|(to, kind, _, _)| kind == "staff_digest" && to == SECRETARY)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_digest_on_a_tuesday_listing_what_waits_even_when_ticked_again() {
    let t = TestApp::spawn();
    let (id, parent, _note) = t.photo_with_secretary("Ala", "Przegląd", 3).await;
    // A mail a person must look at, in the needs-human folder.
    t.stack
        .append(
            SCHOOL,
            NEEDS_HUMAN,
            b"From: ktos@example.pl\r\nTo: szkola@szkola.test\r\nSubject: pytanie\r\n\r\nx\r\n",
        )
        .await;

    // Tuesday 1 December 2026: not yet at 07:29, due at 07:30, then never again.
    assert!(!tick(&t, "2026-12-01T07:29:00+01:00").await.digest.sent);
    assert!(tick(&t, "2026-12-01T07:30:00+01:00").await.digest.sent);
    let out = Command::new(env!("CARGO_BIN_EXE_mleg"))
        .arg("--config")
        .arg(&t.config_path)
        .args(["tick", "--now", "2026-12-01T08:00:00+01:00", "--send"])
        .env("MLEG_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!tick(&t, "2026-12-01T11:00:00+01:00").await.digest.sent);
    assert_eq!(digests_queued(&t), 1);

    // The photo notification and one digest, nothing more.
    let mails = t.exactly(SECRETARY, 2).await;
    let digest = mails
        .iter()
        .find(|m| m.subject.contains(DIGEST))
        .expect("a digest");
    assert!(digest.subject.contains("1.12.2026"), "{}", digest.subject);
    let text = &digest.text;
    assert!(text.contains("Zdjęcia do sprawdzenia (1):"), "{text}");
    assert!(
        text.contains(&format!("#{id}  Ala Przegląd, kl. 3A")),
        "{text}"
    );
    assert!(
        text.contains(&format!("„{NEEDS_HUMAN}”: 1")),
        "needs-human count over IMAP: {text}"
    );
    assert!(text.contains("zdjęcie do sprawdzenia: 1"), "{text}");
    // Nothing beyond what her other notifications carry.
    let child_pesel = t.application(id).pesel.as_str().to_owned();
    assert!(
        !text.contains(&child_pesel) && !text.contains(&parent),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missed_digest_is_caught_up_the_same_day_never_on_a_later_day() {
    let t = TestApp::spawn();
    t.photo_with_secretary("Ola", "Spóźniona", 4).await;
    // Monday 30 November: mleg was down all day. On Tuesday before 07:30
    // Monday's digest is not sent late.
    assert!(!tick(&t, "2026-12-01T06:00:00+01:00").await.digest.sent);
    assert_eq!(digests_queued(&t), 0);
    // Down at 07:30 on Tuesday too; the first step at 10:15 sends it.
    assert!(tick(&t, "2026-12-01T10:15:00+01:00").await.digest.sent);
    assert!(!tick(&t, "2026-12-01T16:00:00+01:00").await.digest.sent);
    // Wednesday has its own.
    assert!(tick(&t, "2026-12-02T07:30:00+01:00").await.digest.sent);
    assert_eq!(digests_queued(&t), 2);
    t.exactly(SECRETARY, 3).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_digest_on_weekends_polish_holidays_and_the_schools_days_off() {
    let t =
        TestApp::spawn_with(|toml| toml.push_str("[dates]\nextra_days_off = [\"2026-12-02\"]\n"));
    t.photo_with_secretary("Jan", "Świąteczny", 5).await;
    for day_off in [
        "2026-11-28T08:00:00+01:00", // Saturday
        "2026-11-29T08:00:00+01:00", // Sunday
        "2026-11-11T08:00:00+01:00", // Independence Day (Wednesday)
        "2027-03-29T08:00:00+02:00", // Easter Monday 2027
        "2026-12-24T08:00:00+01:00", // Christmas Eve (Thursday), a holiday from 2025
        "2026-12-02T08:00:00+01:00", // the school's own day off (Wednesday)
    ] {
        let report = tick(&t, day_off).await;
        assert!(!report.digest.sent, "digest on {day_off}");
    }
    assert_eq!(digests_queued(&t), 0);
    // The same waiting photo gives a digest on an ordinary Tuesday.
    assert!(tick(&t, "2026-12-01T08:00:00+01:00").await.digest.sent);
    assert_eq!(digests_queued(&t), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_digest_when_nothing_waits() {
    let t = TestApp::spawn();
    let parent = t.parent("czekajacy");
    // Registered, no photo yet: waits for the parent, not for the secretary.
    t.register("Ewa", "Pusta", &pesel(2014, 2, 2, 77), &parent);
    assert!(!tick(&t, "2026-12-01T07:30:00+01:00").await.digest.sent);
    assert_eq!(digests_queued(&t), 0);
    // Something waits from Wednesday on: Wednesday's digest lists it.
    t.photo_with_secretary("Piotr", "Pełny", 6).await;
    assert!(tick(&t, "2026-12-02T07:30:00+01:00").await.digest.sent);
    assert_eq!(digests_queued(&t), 1);
}

/// A clock the test moves while the daemon runs.
struct MovableClock(Mutex<DateTime<Utc>>);

impl Clock for MovableClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daemon_sends_the_digest_by_itself_on_its_schedule() {
    let t = TestApp::spawn_with(|toml| toml.push_str("[dates]\ncheck_every_secs = 1\n"));
    t.photo_with_secretary("Kuba", "Demon", 7).await;
    let clock = Arc::new(MovableClock(Mutex::new(at("2026-12-01T07:31:00+01:00"))));
    let app = App::new(Config::load(&t.config_path).unwrap(), clock.clone()).unwrap();
    let token = CancellationToken::new();
    let daemon = mleg::daemon::run(&app, token.clone());
    let scenario = async {
        // Tuesday's digest: the daemon's first step (catch-up at start) or
        // a scheduled one sends it.
        t.mails_about(SECRETARY, DIGEST, 1).await;
        // Wednesday's can only come from a fire after that: the scheduler's.
        *clock.0.lock().unwrap() = at("2026-12-02T07:31:00+01:00");
        let digests = t.mails_about(SECRETARY, DIGEST, 2).await;
        token.cancel();
        digests
    };
    let ((), digests) = tokio::join!(daemon, scenario);
    assert!(digests.iter().any(|m| m.subject.contains("2.12.2026")));
    assert!(
        digests[0].text.contains("Kuba Demon"),
        "{}",
        digests[0].text
    );
    assert_eq!(digests_queued(&t), 2);
}
