//! Crashes lose nothing, and duplicates happen only where SMTP
//! makes them unavoidable (a row "in doubt": cut off after `DATA` began).
//!
//! The kill test runs the real binary (`mleg run`) over a backlog of parents'
//! photos and SIGKILLs it at random instants, restarting it each time; the
//! SIGTERM test checks that a stop finishes the mail in hand and is quick.

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mleg::mail::outgoing::MailKind;
use mleg::store::{delivery, outbox, probe};

use crate::support::app::{SCHOOL, SECRETARY, TestApp, pesel};
use crate::support::mime::Mail;
use crate::support::photos;

pub(crate) fn ids(mails: &[mleg::domain::mail::IncomingMail]) -> Vec<String> {
    mails.iter().filter_map(|m| m.message_id.clone()).collect()
}

/// A crash right after the `sending` mark: where the server filed a copy in
/// the sent folder, that mail is not sent again; the other is resent (same
/// Message-ID) and counted as in doubt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_in_doubt_mail_found_in_the_sent_folder_is_not_sent_again() {
    let t = TestApp::spawn_with(|c| {
        *c = c.replace(
            "password_file = \"imap.password\"\n",
            "password_file = \"imap.password\"\nsent_folder = \"Sent\"\n",
        )
    });
    let parent = t.parent("niepewny");
    let mids = t.queue_mails(MailKind::ParentNews, &parent, 2);
    assert_eq!(probe::mark_all_sending(t.app.store().conn()).unwrap(), 2);
    let copy = format!(
        "Message-ID: <{}>\r\nFrom: {SCHOOL}\r\nTo: {parent}\r\nSubject: Wiadomość 0\r\n\r\nTreść 0\r\n",
        mids[0]
    );
    // A near miss (header search is a substring match) proves nothing.
    let near = format!(
        "Message-ID: <x{}>\r\nFrom: {SCHOOL}\r\nTo: {parent}\r\nSubject: inna\r\n\r\ninna\r\n",
        mids[1]
    );
    t.stack.append(SCHOOL, "Sent", copy.as_bytes()).await;
    t.stack.append(SCHOOL, "Sent", near.as_bytes()).await;
    let (_, report) = t.once().await;
    assert_eq!((report.found_sent, report.in_doubt, report.sent), (1, 1, 1));
    let got = t.exactly(&parent, 1).await;
    assert_eq!(ids(&got), vec![mids[1].clone()]);
    let doubts = probe::outbox_doubts(t.app.store().conn()).unwrap();
    assert_eq!(
        doubts,
        vec![(mids[0].clone(), 0, true), (mids[1].clone(), 1, true)]
    );
}

/// Without a sent folder an in-doubt mail is resent with its Message-ID and counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_sent_folder_an_in_doubt_mail_is_resent_with_the_same_message_id() {
    let t = TestApp::spawn();
    let parent = t.parent("bezfolderu");
    let mids = t.queue_mails(MailKind::ParentNews, &parent, 1);
    probe::mark_all_sending(t.app.store().conn()).unwrap();
    let (_, report) = t.once().await;
    assert_eq!((report.in_doubt, report.sent), (1, 1));
    assert_eq!(ids(&t.exactly(&parent, 1).await), mids);
    assert_eq!(
        probe::outbox_doubts(t.app.store().conn()).unwrap(),
        vec![(mids[0].clone(), 1, true)]
    );
}

/// `n` registered students whose parents' photo mails wait in the school's INBOX.
pub(crate) async fn backlog(t: &TestApp, n: u32) -> Vec<String> {
    let parents: Vec<String> = (0..n).map(|i| format!("kolejka{i}@example.pl")).collect();
    t.stack.add_users(&parents);
    let photo = photos::good_jpeg();
    for (i, parent) in (0..n).zip(&parents) {
        let last = format!("Kolejka{}", letters(i));
        t.register(
            "Jan",
            &last,
            &pesel(2012, 1 + i % 12, 1 + i % 28, 1000 + i),
            parent,
        );
        let mail = Mail::new(parent, SCHOOL, "legitymacja")
            .photo(&format!("Jan {last}.jpg"), photo.clone());
        t.stack.send_raw(parent, &[SCHOOL], &mail.build()).await;
    }
    t.stack.wait_for_mails(SCHOOL, "INBOX", n as usize).await;
    parents
}

/// A surname suffix unique per index (names must not be confused by matching).
fn letters(mut i: u32) -> String {
    let mut s = String::new();
    for _ in 0..3 {
        s.push((b'a' + (i % 26) as u8) as char);
        i /= 26;
    }
    s
}

fn start(t: &TestApp, log: &std::path::Path) -> Child {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .unwrap();
    Command::new(env!("CARGO_BIN_EXE_mleg"))
        .arg("--config")
        .arg(&t.config_path)
        .arg("run")
        .env("MLEG_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap()
}

/// (handled mails, sent rows, unsent rows) in the database right now.
fn progress(t: &TestApp) -> (i64, i64, i64) {
    probe::progress(t.app.store().conn()).unwrap()
}

/// Waits (bounded) until the daemon made progress beyond `seen`: handled a
/// mail or sent one, or only sent one (`sending`: kill inside delivery).
async fn progress_beyond(t: &TestApp, seen: (i64, i64, i64), sending: bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let now = progress(t);
        if now.1 > seen.1 || (!sending && now.0 > seen.0) {
            return;
        }
        assert!(Instant::now() < deadline, "no progress from {seen:?}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn done(p: (i64, i64, i64), n: i64) -> bool {
    p.0 >= n && p.2 == 0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkilled_30_times_over_a_backlog_mleg_loses_nothing_and_duplicates_only_in_doubt_rows() {
    const N: u32 = 100;
    let t = TestApp::spawn();
    let parents = backlog(&t, N).await;
    let log = t.stack.path().join("mleg-run.log");
    let started = Instant::now();
    let mut kills = 0;
    let mut seen = progress(&t);
    while kills < 30 && !done(seen, N as i64) {
        let mut child = start(&t, &log);
        // Every other kill lands while mails are being sent (the crash window).
        progress_beyond(&t, seen, kills % 2 == 1).await;
        let delay = (uuid::Uuid::new_v4().as_u128() % 40) as u64;
        tokio::time::sleep(Duration::from_millis(delay)).await;
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        kills += 1;
        seen = progress(&t);
    }
    assert!(
        kills >= 30,
        "the backlog ran out after {kills} kills: {seen:?}"
    );
    let mut child = start(&t, &log);
    let deadline = Instant::now() + Duration::from_secs(120);
    while !done(progress(&t), N as i64) {
        assert!(
            Instant::now() < deadline,
            "never finished: {:?}",
            progress(&t)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();

    // What everyone received, by Message-ID.
    let mut copies: HashMap<String, usize> = HashMap::new();
    for parent in &parents {
        let got = t.received(parent, 1).await;
        assert!(
            got.iter().any(|m| m.text.contains("Przyjęliśmy zdjęcie")),
            "{parent} got no reply"
        );
        for id in ids(&got) {
            *copies.entry(id).or_default() += 1;
        }
    }
    // `mleg run` starts with a scheduler step on the real clock: on a working
    // day after 07:30 the secretary also gets her digest, which is not part
    // of the backlog (digest.rs tests it).
    let staff = t.received(SECRETARY, N as usize).await;
    let staff: Vec<_> = staff
        .into_iter()
        .filter(|m| !m.subject.contains("Podsumowanie dnia"))
        .collect();
    for id in ids(&staff) {
        *copies.entry(id).or_default() += 1;
    }
    let doubts: HashMap<String, u32> = probe::outbox_doubts(t.app.store().conn())
        .unwrap()
        .into_iter()
        .map(|(id, n, sent)| {
            assert!(sent, "row {id} not sent");
            (id, n)
        })
        .collect();
    let duplicates: usize = copies.values().map(|c| c - 1).sum();
    for (id, c) in &copies {
        if *c > 1 {
            let counted = doubts.get(id).copied().unwrap_or(0) as usize;
            assert!(
                counted >= c - 1,
                "{id} arrived {c} times, in doubt {counted}"
            );
        }
    }
    let in_doubt: u32 = doubts.values().sum();
    let rows = doubts.values().filter(|n| **n > 0).count();
    println!(
        "crash test: {kills} kills, {rows} in-doubt rows ({in_doubt} resends), {duplicates} duplicates, {} distinct mails, {:?}",
        copies.len(),
        started.elapsed()
    );
    assert_eq!(
        copies.len(),
        2 * N as usize,
        "every reply and notification arrived"
    );
    assert_eq!(probe::integrity_check(t.app.store().conn()).unwrap(), "ok");
    let counts = outbox::counts(t.app.store().conn()).unwrap();
    assert_eq!((counts.pending, counts.failed), (0, 0));
    assert!(delivery::in_doubt(t.app.store().conn()).unwrap().is_empty());
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_the_mail_in_hand_and_exits_leaving_the_backlog_for_the_next_start() {
    const N: u32 = 60;
    let t = TestApp::spawn();
    backlog(&t, N).await;
    let log = t.stack.path().join("mleg-run.log");
    let mut child = start(&t, &log);
    progress_beyond(&t, progress(&t), false).await;
    let asked = Instant::now();
    assert!(
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    let deadline = asked + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "mleg run did not stop");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let took = asked.elapsed();
    let (handled, _, _) = progress(&t);
    println!("SIGTERM: exited after {took:?}, {handled} of {N} mails handled");
    assert!(status.success(), "{status:?}");
    // Stopping does not wait for the round to work through the backlog:
    // the rest waits for the next start.
    assert!(
        handled < N as i64,
        "stopped early, not after the whole backlog"
    );
    assert!(
        delivery::in_doubt(t.app.store().conn()).unwrap().is_empty(),
        "the mail in hand was finished, none left in doubt"
    );
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(!text.contains("Kolejka"), "no names in the log: {text}");
}
