//! Every mail goes out once, however many mleg processes deliver: `mleg run`
//! and `mleg tick` (a cron job) side by side over a queue of 200 mails and a
//! due reminder, and each recipient holds each Message-ID exactly once. A
//! command that finds a round under way waits for it and says so.

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use mleg::mail::outgoing::MailKind;
use mleg::round_lock::RoundLock;
use mleg::secretary::{self, Source};
use mleg::store::{delivery, outbox, probe};
use mleg::workflow::command::StaffCommand;

use crate::support::app::{Daemon, TestApp};

/// What `mleg tick` and `mleg outbox retry` print while they wait.
const WAITING: &str = "another mleg round is under way";

/// `mleg --config … <args>` as a child whose stderr goes to `log`.
fn child(t: &TestApp, args: &[&str], log: &std::fs::File) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_mleg"))
        .arg("--config")
        .arg(&t.config_path)
        .args(args)
        .env("MLEG_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(log.try_clone().unwrap())
        .spawn()
        .expect("mleg starts")
}

/// A code generated 24 days ago, after a photo of 25 days ago: its 7-day
/// expiry reminder is due now.
async fn due_reminder(t: &TestApp) -> String {
    // The photo came 25 days ago, so a code generated after it can be due.
    let photo_at = Utc::now() - chrono::Duration::days(25);
    let id = crate::support::dates::complete_at(t, "Kama", "Dwojga", 21, photo_at).await;
    let parent = "rodzic21@example.pl".to_string();
    let generated = (Utc::now() - chrono::Duration::days(24))
        .with_timezone(&chrono_tz::Europe::Warsaw)
        .naive_local();
    let kod = StaffCommand::Code {
        code: "KD12EF34".into(),
        generated_at: Some(generated),
    };
    let source = Source {
        actor: "cli:test".into(),
        mail: None,
    };
    secretary::execute(&t.app, id, &kod, None, &source).unwrap();
    parent
}

fn unsent(t: &TestApp) -> i64 {
    probe::progress(t.app.store().conn()).unwrap().2
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mleg_run_and_mleg_tick_side_by_side_send_every_mail_exactly_once() {
    let t = TestApp::spawn_with(|toml| {
        toml.push_str("[dates]\ncheck_every_secs = 1\nreminder_time = \"00:00\"\n");
    });
    let reminded = due_reminder(&t).await;
    let parents: Vec<String> = (0..4).map(|i| t.parent(&format!("kolejka{i}"))).collect();
    for p in &parents {
        t.queue_mails(MailKind::ParentNews, p, 50);
    }

    let daemon_log = tempfile::NamedTempFile::new().unwrap();
    let daemon = Daemon::start(&t, "info", Stdio::from(daemon_log.reopen().unwrap()));
    // Two cron-like loops of `mleg tick` while the daemon delivers.
    let ticks: Vec<_> = (0..2)
        .map(|_| {
            let config = t.config_path.clone();
            let db = t.app.config.database.clone();
            std::thread::spawn(move || tick_until_sent(&config, &db))
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    while unsent(&t) > 0 {
        assert!(
            Instant::now() < deadline,
            "the queue did not drain: {} left",
            unsent(&t)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut waited = 0;
    for tick in ticks {
        let (runs, said_waiting) = tick.join().unwrap();
        assert!(runs >= 3, "each loop ran tick at least three times");
        waited += said_waiting;
    }
    drop(daemon);
    println!("ticks that waited for a round: {waited}");

    let sent = probe::sent_mails(t.app.store().conn()).unwrap();
    assert!(sent.len() > 200, "{} mails sent", sent.len());
    let mut expected: HashMap<String, Vec<String>> = HashMap::new();
    for (to, id) in sent {
        expected.entry(to).or_default().push(id);
    }
    for (to, mut ids) in expected {
        let mut got: Vec<String> = t
            .exactly(&to, ids.len())
            .await
            .into_iter()
            .map(|m| m.message_id.expect("a Message-ID"))
            .collect();
        got.sort();
        ids.sort();
        assert_eq!(got, ids, "{to}: each mail once, none missing");
    }
    let reminders = t
        .inbox(&reminded)
        .await
        .into_iter()
        .filter(|m| m.subject.contains("kod aktywacyjny wygasa"))
        .count();
    assert_eq!(reminders, 1, "the due reminder, once");
    let doubts: u32 = probe::outbox_doubts(t.app.store().conn())
        .unwrap()
        .iter()
        .map(|(_, n, _)| n)
        .sum();
    assert_eq!(
        doubts, 0,
        "no row another process was sending was taken as in doubt"
    );
}

/// Runs `mleg tick` again and again until the database holds no unsent
/// mail (at least three times); returns how many ran and how many said
/// they waited for a round. Every one must succeed.
fn tick_until_sent(config: &std::path::Path, db: &std::path::Path) -> (usize, usize) {
    let (mut runs, mut waited) = (0, 0);
    loop {
        let out = Command::new(env!("CARGO_BIN_EXE_mleg"))
            .arg("--config")
            .arg(config)
            .arg("tick")
            .env("MLEG_LOG", "warn")
            .output()
            .expect("mleg tick runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "mleg tick failed: {stderr}");
        runs += 1;
        waited += usize::from(stderr.contains(WAITING));
        if runs >= 3 && pending(db) == 0 {
            return (runs, waited);
        }
    }
}

/// Unsent mails, read from the database file by a second connection (the
/// test's App lives on another thread).
fn pending(db: &std::path::Path) -> usize {
    let store = mleg::store::Store::open(db).unwrap();
    delivery::list(store.conn(), false).unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tick_and_outbox_retry_wait_for_a_round_under_way_and_say_so() {
    let t = TestApp::spawn();
    let parent = t.parent("czeka");
    t.queue_mails(MailKind::ParentNews, &parent, 1);
    let lock = RoundLock::take(&t.app, || panic!("nobody else holds it"))
        .await
        .unwrap();
    let logs: Vec<tempfile::NamedTempFile> = (0..2)
        .map(|_| tempfile::NamedTempFile::new().unwrap())
        .collect();
    let mut tick = child(&t, &["tick"], logs[0].as_file());
    let mut retry = child(&t, &["outbox", "retry", "--all-failed"], logs[1].as_file());
    for log in &logs {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !std::fs::read_to_string(log.path())
            .unwrap()
            .contains(WAITING)
        {
            assert!(Instant::now() < deadline, "no word of waiting");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    // They said they wait, and they do: nothing was sent under our round.
    assert!(tick.try_wait().unwrap().is_none() && retry.try_wait().unwrap().is_none());
    assert_eq!(outbox::counts(t.app.store().conn()).unwrap().pending, 1);
    drop(lock);
    assert!(tick.wait().unwrap().success() && retry.wait().unwrap().success());
    t.exactly(&parent, 1).await;
}
