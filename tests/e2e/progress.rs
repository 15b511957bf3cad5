//! What `mleg once` shows while it works: a bar for a person at a terminal,
//! nothing animated in a pipe or under systemd, and one summary line.

use std::process::{Command, Output, Stdio};

use crate::support::app::{SCHOOL, SECRETARY, TestApp, pesel};
use crate::support::mime::Mail;
use crate::support::photos;

/// The bytes a drawn bar leaves: escape sequences (cursor moves, clearing)
/// and carriage returns.
fn has_bar_controls(bytes: &[u8]) -> bool {
    bytes.iter().any(|&b| b == 0x1b || b == b'\r')
}

/// Two parents' photo mails waiting in the school's mailbox; `round`
/// keeps each call's students and parents apart.
async fn two_photos(t: &TestApp, round: u32) -> (String, String) {
    let names = [
        [("Anna", "Nowak"), ("Jan", "Wiśniewski")],
        [("Ewa", "Zielińska"), ("Piotr", "Kamiński")],
    ];
    let mut parents = Vec::new();
    for (n, (first, last)) in (1..).zip(names[usize::try_from(round).unwrap()]) {
        let parent = t.parent(&format!("rodzic{round}{n}"));
        t.register(first, last, &pesel(2015, 3, 3, round * 10 + n), &parent);
        let file = format!("{first} {last}.jpg");
        t.send(&Mail::new(&parent, SCHOOL, "legitymacja").photo(&file, photos::good_jpeg()))
            .await;
        parents.push(parent);
    }
    (parents.remove(0), parents.remove(0))
}

fn once(t: &TestApp) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mleg"));
    cmd.arg("--config")
        .arg(&t.config_path)
        .arg("once")
        // Info lines on stderr: the round's own log must stay plain too.
        .env("MLEG_LOG", "info")
        .env("TERM", "xterm-256color")
        .env_remove("JOURNAL_STREAM")
        .env_remove("INVOCATION_ID");
    cmd
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn once_into_a_pipe_draws_no_bar_and_says_one_summary_line() {
    let t = TestApp::spawn();
    let (first, second) = two_photos(&t, 0).await;

    let out = once(&t).output().expect("mleg runs");
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        !has_bar_controls(&out.stderr),
        "bar drawn into a pipe: {stderr:?}"
    );
    assert!(!has_bar_controls(&out.stdout), "{stdout:?}");
    assert!(!stderr.contains("Poczta przychodząca"), "{stderr}");
    assert!(
        stderr.contains("intake step done"),
        "the log stays: {stderr}"
    );
    assert_eq!(
        stdout,
        "przejrzano: 2, obsłużono: 2, do sprawdzenia: 0, pominięto: 0, wysłano: 4\n"
    );
    // What the line counts really happened: each parent answered, the
    // secretary given both photos.
    t.exactly(&first, 1).await;
    t.exactly(&second, 1).await;
    t.exactly(SECRETARY, 2).await;
}

/// `script` gives the command a terminal of its own; what it drew is in
/// the typescript.
fn on_a_terminal(t: &TestApp, args: &str, extra_env: &[(&str, &str)]) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let typescript = dir.path().join("typescript");
    let line = format!(
        "{} --config {} {args}",
        env!("CARGO_BIN_EXE_mleg"),
        t.config_path.display()
    );
    let mut cmd = Command::new("script");
    cmd.args(["-q", "-e", "-c", &line])
        .arg(&typescript)
        .env("MLEG_LOG", "warn")
        .env("TERM", "xterm-256color")
        .env_remove("JOURNAL_STREAM")
        .env_remove("INVOCATION_ID")
        // The typescript has it all; the test's own output stays clean.
        .stdout(Stdio::null());
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let status = cmd.status().expect("script runs");
    let drawn = std::fs::read(&typescript).unwrap();
    (
        status.success(),
        String::from_utf8_lossy(&drawn).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_at_a_terminal_sees_the_bar_but_not_under_systemd() {
    let t = TestApp::spawn();
    two_photos(&t, 0).await;
    // Under a unit (here: on a terminal all the same) nothing is drawn.
    let (ok, drawn) = on_a_terminal(&t, "once", &[("INVOCATION_ID", "4f2c")]);
    assert!(ok, "{drawn}");
    assert!(!drawn.contains("Poczta przychodząca"), "{drawn:?}");
    assert!(!drawn.contains('\u{1b}'), "{drawn:?}");
    assert!(drawn.contains("przejrzano: 2, obsłużono: 2,"), "{drawn}");

    let (first, second) = two_photos(&t, 1).await;
    let (ok, drawn) = on_a_terminal(&t, "once", &[]);
    assert!(ok, "{drawn}");
    assert!(drawn.contains("Poczta przychodząca ["), "{drawn:?}");
    assert!(drawn.contains("/2 · "), "count of two: {drawn:?}");
    assert!(drawn.contains("Wysyłanie ["), "{drawn:?}");
    assert!(drawn.contains("przejrzano: 2, obsłużono: 2,"), "{drawn}");
    t.exactly(&first, 1).await;
    t.exactly(&second, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_csv_import_at_a_terminal_shows_its_count() {
    let t = TestApp::spawn();
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("imię;nazwisko;pesel;klasa;email_rodzica\r\n");
    for n in 1..=40 {
        let pesel = pesel(2014, 5, 5, n);
        csv.push_str(&format!("Jan;Kowalski;{pesel};2A;rodzic{n}@example.pl\r\n"));
    }
    let file = dir.path().join("klasa.csv");
    std::fs::write(&file, csv).unwrap();
    let (ok, drawn) = on_a_terminal(&t, &format!("apps import {}", file.display()), &[]);
    assert!(ok, "{drawn}");
    assert!(drawn.contains("Import wniosków ["), "{drawn:?}");
    assert!(drawn.contains("/40 · "), "{drawn:?}");
    assert!(drawn.contains("Zaimportowano wniosków: 40"), "{drawn}");
}
