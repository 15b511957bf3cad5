//! The terminal, through the real binary: a bad span or date is refused in
//! one line (never a panic), `tick --now` in the future only says what it
//! would do until `--send` is given, and a PESEL can come from standard
//! input instead of the command line.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use chrono::{Duration, Utc};
use mleg::domain::Status;

use crate::support::app::{TestApp, mleg, pesel};
use crate::support::dates::{at, complete_at, kod};

/// `mleg --config … args` with `input` on its standard input.
fn mleg_stdin(t: &TestApp, args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mleg"))
        .arg("--config")
        .arg(&t.config_path)
        .args(args)
        .env("MLEG_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mleg runs");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(input.as_bytes()).unwrap();
    drop(stdin);
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_spans_and_dates_are_refused_in_one_line_never_with_a_panic() {
    let t = TestApp::spawn();
    let cases: &[(&[&str], &str)] = &[
        (
            &["apps", "list", "--expiring-within", "99999999999d"],
            "--expiring-within",
        ),
        (
            &["apps", "list", "--expiring-within", "7 tygodni"],
            "--expiring-within",
        ),
        (
            &["apps", "list", "--expiring-within=-7d"],
            "--expiring-within",
        ),
        (&["tick", "--now", "2027-06-01"], "--now"),
        (&["tick", "--now", "99999-01-01T00:00:00Z"], "--now"),
        (&["tick", "--now", "1999-12-31T23:00:00Z"], "--now"),
        (&["tick", "--now", "9999-12-31T23:59:59-23:59"], "--now"),
        (
            &[
                "apps",
                "code",
                "1",
                "AB12CD34",
                "--generated-at",
                "32.13.2026",
            ],
            "--generated-at",
        ),
        (
            &["apps", "code", "1", "AB12CD34", "--generated-at", "wczoraj"],
            "--generated-at",
        ),
    ];
    for (args, option) in cases {
        let out = mleg(&t, args);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.starts_with(&format!("mleg: {option}: ")),
            "{args:?}: {err}"
        );
    }
}

/// The database file and its write-ahead log, byte for byte.
fn database_bytes(t: &TestApp) -> (Vec<u8>, Vec<u8>) {
    let db = &t.app.config.database;
    let wal = db.with_extension("sqlite3-wal");
    (
        std::fs::read(db).unwrap(),
        std::fs::read(wal).unwrap_or_default(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tick_in_the_future_is_a_dry_run_that_changes_nothing_and_send_acts() {
    let t = TestApp::spawn();
    // The photo two days ago, the code generated yesterday: it expires in 29 days.
    let now = Utc::now();
    let id = complete_at(&t, "Maja", "Próbna", 81, now - Duration::days(2)).await;
    let parent = t.parent("rodzic81");
    let generated = now - Duration::days(1);
    let recorded = at(&t, generated + Duration::minutes(1));
    let typed = generated
        .with_timezone(&chrono_tz::Europe::Warsaw)
        .format("%Y-%m-%d %H:%M")
        .to_string();
    kod(&recorded, id, "PR12OB34", &typed);
    mleg::daemon::deliver_once(&recorded).await.unwrap();
    t.exactly(&parent, 2).await;

    // A month on, the code has lapsed: the dry run says so and does nothing.
    let later = (now + Duration::days(31))
        .with_timezone(&chrono_tz::Europe::Warsaw)
        .to_rfc3339();
    let before = database_bytes(&t);
    let out = mleg(&t, &["tick", "--now", &later]);
    let said = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        said.contains("nic nie zmieniono, nic nie wysłano"),
        "{said}"
    );
    assert!(
        said.contains(&format!("wniosek #{id}: kod wygasa")),
        "{said}"
    );
    assert!(said.contains("Razem: wygaśnięcia 1"), "{said}");
    assert!(
        before == database_bytes(&t),
        "the dry run wrote to the database"
    );
    assert_eq!(t.application(id).status, Status::CodeReady);
    t.exactly(&parent, 2).await;

    // With --send it happens: the code expires and the parent is told.
    let out = mleg(&t, &["tick", "--now", &later, "--send"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("tick "),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(t.application(id).status, Status::Expired);
    let told = t.mails_about(&parent, "wygasł", 1).await;
    assert_eq!(told.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pesel_can_come_from_standard_input() {
    let t = TestApp::spawn();
    let pesel = pesel(2014, 5, 5, 4242);
    let parent = t.parent("rodzic4242");
    let add = [
        "apps",
        "add",
        "--first-name",
        "Ewa",
        "--last-name",
        "Wejście",
        "--pesel",
        "-",
        "--class",
        "2B",
        "--parent-email",
        &parent,
    ];
    let out = mleg_stdin(&t, &add, &format!("{pesel}\n"));
    assert!(out.status.success(), "{}", text(&out.stderr));

    let out = mleg_stdin(&t, &["apps", "show", "-"], &format!("{pesel}\n"));
    let shown = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(shown.contains("Ewa Wejście, klasa 2B"), "{shown}");
    assert!(shown.contains(&format!("PESEL: {pesel}")), "{shown}");

    // A mistyped PESEL is refused without being repeated back.
    let out = mleg_stdin(&t, &["apps", "show", "-"], "12345678901\n");
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("PESEL (standard input)"), "{err}");
    assert!(!err.contains("12345678901"), "{err}");
    let out = mleg_stdin(&t, &["apps", "show", "-"], "");
    assert!(text(&out.stderr).contains("nothing was read"));
}
