//! What the date tests share: the whole program on a clock fixed at an
//! instant (what `mleg tick --now` builds), one scheduler step and a
//! delivery round there, the secretary's commands from the CLI side, and an
//! application made complete at a chosen instant.

use std::process::Output;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use mleg::app::App;
use mleg::clock::FixedClock;
use mleg::config::Config;
use mleg::domain::mail::IncomingMail;
use mleg::scheduler::TickReport;
use mleg::secretary::{self, Source};
use mleg::workflow::command::StaffCommand;

use super::app::{SCHOOL, SECRETARY, TestApp, pesel};
use super::mime::Mail;
use super::photos;

pub fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

/// The whole program on a clock fixed at `now`, as `mleg tick` builds it.
pub fn at(t: &TestApp, now: DateTime<Utc>) -> App {
    let config = Config::load(&t.config_path).unwrap();
    App::new(config, Arc::new(FixedClock(now))).unwrap()
}

/// From now on the test's program (`t.app`: intake, delivery, commands)
/// runs on a clock fixed at `now`, so the dates a test types stay true
/// whatever day it runs: a code is generated after its photo arrived and
/// within `code_valid_days` of being recorded.
pub fn set_clock(t: &mut TestApp, now: DateTime<Utc>) {
    t.app = at(t, now);
}

/// 30 November 2026, 10:00 Warsaw: the photo arrives, the day before the
/// code these tests record as generated on "2026-12-01 10:00".
pub fn photo_day(t: &mut TestApp) {
    set_clock(t, utc(2026, 11, 30, 9, 0));
}

/// 1 December 2026, 10:05 Warsaw: the code generated at 10:00 is recorded.
pub fn code_day(t: &mut TestApp) {
    set_clock(t, utc(2026, 12, 1, 9, 5));
}

/// One scheduler step at `now` and a delivery round.
pub async fn tick(t: &TestApp, now: DateTime<Utc>) -> TickReport {
    let app = at(t, now);
    let report = mleg::scheduler::step(&app, now).await.expect("step");
    mleg::daemon::deliver_once(&app).await.expect("delivery");
    report
}

/// `n` steps from `from`, `every` apart: (parent, staff) reminders summed.
pub async fn ticks(t: &TestApp, from: DateTime<Utc>, every: Duration, n: i32) -> (usize, usize) {
    let (mut parent, mut staff) = (0, 0);
    for i in 0..n {
        let r = tick(t, from + every * i).await;
        parent += r.rules.parent_reminders;
        staff += r.rules.staff_reminders;
    }
    (parent, staff)
}

/// The secretary's command from the CLI side; it must be carried out.
pub fn command(app: &App, id: i64, c: &StaffCommand) {
    let source = Source {
        actor: "cli:test".into(),
        mail: None,
    };
    let out = secretary::execute(app, id, c, None, &source).unwrap();
    assert!(matches!(out, secretary::Outcome::Done { .. }), "{out:?}");
}

/// The secretary records a code generated at `generated` (Warsaw time).
pub fn kod(app: &App, id: i64, code: &str, generated: &str) {
    let c = StaffCommand::Code {
        code: code.into(),
        generated_at: Some(NaiveDateTime::parse_from_str(generated, "%Y-%m-%d %H:%M").unwrap()),
    };
    command(app, id, &c);
}

/// `mleg --config … args`, which must succeed.
pub fn mleg(t: &TestApp, args: &[&str]) -> Output {
    let out = super::app::mleg(t, args);
    assert!(
        out.status.success(),
        "mleg {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `mleg apps show <id> --json`.
pub fn show_json(t: &TestApp, id: i64) -> serde_json::Value {
    let out = mleg(t, &["apps", "show", &id.to_string(), "--json"]);
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The ids `mleg apps list --json <args>` lists.
pub fn listed(t: &TestApp, args: &[&str]) -> Vec<i64> {
    let out = mleg(t, &[&["apps", "list", "--json"], args].concat());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_i64().unwrap())
        .collect()
}

pub fn count(mails: &[IncomingMail], needle: &str) -> usize {
    mails.iter().filter(|m| m.subject.contains(needle)).count()
}

/// The parent `rodzic<serial>` sends a valid photo of the student; the
/// intake and delivery run on a clock fixed at `when`.
pub async fn photo_at(t: &TestApp, parent: &str, first: &str, last: &str, when: DateTime<Utc>) {
    let photo = Mail::new(parent, SCHOOL, "legitymacja")
        .photo(&format!("{first} {last}.jpg"), photos::good_jpeg());
    t.send(&photo).await;
    mleg::daemon::once(&at(t, when)).await.unwrap();
}

/// A registered student whose photo arrived at `when` (the intake runs on
/// a clock fixed there), so the application became complete then.
pub async fn complete_at(
    t: &TestApp,
    first: &str,
    last: &str,
    serial: u32,
    when: DateTime<Utc>,
) -> i64 {
    let parent = t.parent(&format!("rodzic{serial}"));
    let id = t.register(
        first,
        last,
        &pesel(2014, 3, 1 + serial % 28, serial),
        &parent,
    );
    photo_at(t, &parent, first, last, when).await;
    t.mails_about(SECRETARY, &format!("[mLegitymacja #{id}]"), 1)
        .await;
    id
}

/// 08:00 Warsaw time (the default `reminder_time`) on `date`.
pub fn warsaw_8am(date: NaiveDate) -> DateTime<Utc> {
    warsaw(date, 8, 0)
}

/// `h:m` Warsaw time on `date`.
pub fn warsaw(date: NaiveDate, h: u32, m: u32) -> DateTime<Utc> {
    chrono_tz::Europe::Warsaw
        .from_local_datetime(&date.and_hms_opt(h, m, 0).unwrap())
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

/// The Warsaw date of `t`.
pub fn warsaw_day(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&chrono_tz::Europe::Warsaw).date_naive()
}
