//! `scheduler::step` (what `mleg tick` and the daemon's timers run) over
//! 1,000 and 10,000 applications in mixed states: time per application and
//! the ratio (`cargo bench --bench tick`). Timings live here, never in tests.
//!
//! The ratio is what matters on any machine: each rule and each digest list
//! is one indexed query, so the time per application must stay flat (ratio
//! about 1 or below) as the school grows, not grow with it. The step covers
//! the date rules (parent reminders and expiry, the secretary's 14-day
//! reminders over applications completed up to 60 days ago) and the digest; on a branch where the rules are still a
//! stub, it measures the digest alone. Each timed step runs on a different
//! working day, so every one of them builds and queues a real digest. IMAP
//! points at a closed port: the needs-human count is "unknown", at the cost
//! of one refused connection per step.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Duration as Days, NaiveDate, NaiveTime, Utc};
use mleg::app::App;
use mleg::clock::FixedClock;
use mleg::config::Config;
use mleg::domain::calendar::{is_working_day, local_instant};
use mleg::domain::{EmailAddress, NewApplication, Pesel, SchoolClass, Status, StudentName};
use mleg::store::{StoreError, apps, dates, lifecycle};
use mleg::workflow::lifecycle::CodeRecord;

const CONFIG: &str = r#"
language = "pl"
database = "bench.sqlite3"
[school]
name = "SP 1"
[imap]
host = "127.0.0.1"
port = 1
tls = "none"
user = "szkola@szkola.test"
password_file = "pw"
[smtp]
host = "127.0.0.1"
port = 1
tls = "none"
from = "szkola@szkola.test"
[staff]
addresses = ["sekretariat@szkola.test"]
"#;

/// A valid PESEL, unique per `serial` (0..10,000).
fn pesel(serial: u32) -> Pesel {
    let ten = format!(
        "14{:02}{:02}{:04}",
        21 + serial % 12,
        1 + serial % 28,
        serial
    );
    let sum: u32 = ten
        .chars()
        .zip([1, 3, 7, 9, 1, 3, 7, 9, 1, 3])
        .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
        .sum();
    Pesel::parse(&format!("{ten}{}", (10 - sum % 10) % 10)).expect("valid PESEL")
}

/// `n` applications spread over every status, registered over 60 days
/// before `now`; codes expire from yesterday to 30 days ahead.
fn seed(app: &App, n: u32, now: DateTime<Utc>) -> Result<(), StoreError> {
    app.store().transaction(|tx| {
        for i in 0..n {
            let created = now - Days::hours(i64::from(i % 1440));
            let new = NewApplication {
                name: StudentName::parse("Ala", "Kowalska").expect("name"),
                pesel: pesel(i),
                class: SchoolClass::parse("3A").expect("class"),
                parent_email: EmailAddress::parse(&format!("r{i}@example.pl")).expect("email"),
                other_parent_emails: vec![],
                legitymacja_number: None,
                valid_until: None,
                code_to_student: false,
            };
            let id = apps::insert(tx, &new, &format!("token{i}"), created, "bench")?;
            let status = Status::ALL[i as usize % Status::ALL.len()];
            if status == Status::AwaitingPhoto {
                continue;
            }
            if matches!(
                status,
                Status::CodeReady | Status::HandedOver | Status::Expired
            ) {
                let code = CodeRecord {
                    code: format!("C{i}"),
                    generated_at: created,
                    expires_at: now + Days::days(i64::from(i % 31) - 1),
                };
                lifecycle::record_code(tx, id, &code, None)?;
            }
            apps::set_status(tx, id, status, created, "", "bench")?;
            if matches!(status, Status::AwaitingReview | Status::Approved) {
                // Complete since it was registered: the 14-day rule and the
                // overdue list have applications to look at, some overdue.
                dates::set_complete_at(tx, id, Some(created))?;
            }
        }
        Ok(())
    })
}

/// Median time of one step on each of the next `runs` working days.
fn time_steps(rt: &tokio::runtime::Runtime, app: &App, from: NaiveDate, runs: usize) -> Duration {
    let tz = app.config.dates.timezone;
    let mut samples: Vec<Duration> = from
        .iter_days()
        .filter(|d| is_working_day(*d, &[]))
        .take(runs)
        .map(|day| {
            let now = local_instant(
                day,
                NaiveTime::from_hms_opt(8, 0, 0).unwrap_or_default(),
                tz,
            );
            let start = Instant::now();
            let report = rt.block_on(mleg::scheduler::step(app, now));
            let took = start.elapsed();
            assert!(
                black_box(report).is_ok_and(|r| r.digest.sent),
                "a digest each day"
            );
            took
        })
        .collect();
    samples.sort();
    samples[samples.len() / 2]
}

fn run(rt: &tokio::runtime::Runtime, n: u32) -> Duration {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("pw"), "x").expect("password file");
    let config = Config::from_toml(CONFIG, dir.path()).expect("bench config");
    let start = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default();
    let seeded_at = local_instant(start, NaiveTime::MIN, config.dates.timezone);
    let app = App::new(config, Arc::new(FixedClock(seeded_at))).expect("app");
    seed(&app, n, seeded_at).expect("seed");
    let per_step = time_steps(rt, &app, start, 7);
    println!(
        "step over {n:>6} applications: {per_step:?} ({:.2} µs per application)",
        per_step.as_secs_f64() * 1e6 / f64::from(n)
    );
    per_step
}

fn main() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let small = run(&rt, 1_000);
    let large = run(&rt, 10_000);
    let per_app = |d: Duration, n: f64| d.as_secs_f64() / n;
    println!(
        "time per application, 10,000 vs 1,000: ratio {:.2} (about 1 or below means flat)",
        per_app(large, 10_000.0) / per_app(small, 1_000.0)
    );
}
