//! How many mails a killed delivery sends twice: `mleg once` children
//! SIGKILLed 30 times while delivering a backlog, then a round to the end.
//! A kill after the `sending` mark and before the `sent` mark leaves the
//! mail in doubt. Most of that window is the server's own (Postfix syncs its
//! queue file before it answers `250`), so nearly every kill lands in it.
//!
//! The school's server files a copy of what mleg sends in `Sent` (Microsoft
//! 365 and Gmail do so by themselves; a Postfix is set up to with
//! `sender_bcc_maps`, see `scripts/mailstack`), and `[imap] sent_folder`
//! names it: a mail in doubt that the server took is found there and not
//! sent again. Only a mail the server never took (a kill before its content
//! was through) goes again — or one whose copy was not filed yet when the
//! next round looked. The counts are printed and bounded by what the design
//! guarantees; no time is asserted. Run with one SMTP session, and with
//! three (`[smtp] connections`): then a kill may catch up to three mails in
//! hand, never more, and none arrives twice beyond those.

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mleg::store::probe;

use crate::crash::{backlog, ids};
use crate::support::app::{SCHOOL, SECRETARY, TestApp};
use crate::support::stack::MailStack;

/// Parents whose photos make the backlog: a reply and a notification with
/// the photo each, so twice as many mails are queued.
const PARENTS: u32 = 40;
const KILLS: u32 = 30;

/// `mleg once` in a child process: intake finds nothing new, delivery runs.
fn once(t: &TestApp, log: &std::path::Path) -> Child {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .unwrap();
    Command::new(env!("CARGO_BIN_EXE_mleg"))
        .arg("--config")
        .arg(&t.config_path)
        .arg("once")
        // The in-doubt worker's info lines say which mails the sent folder settled.
        .env("MLEG_LOG", "warn,mleg::outbox::in_doubt=info")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap()
}

fn sent_rows(t: &TestApp) -> i64 {
    probe::progress(t.app.store().conn()).unwrap().1
}

/// Waits (bounded) until a mail more than `seen` is marked sent, or the
/// child ended (the queue ran dry).
async fn a_mail_sent(t: &TestApp, seen: i64, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while sent_rows(t) <= seen && child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "no mail sent beyond {seen}");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkilled_30_times_while_delivering_each_kill_re_sends_at_most_the_mail_in_hand() {
    killed_while_delivering(1, KILLS).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_three_sessions_each_kill_re_sends_at_most_the_three_mails_in_hand() {
    killed_while_delivering(3, 15).await;
}

/// `kills` SIGKILLs of a delivery over `connections` SMTP sessions.
async fn killed_while_delivering(connections: u32, kills_wanted: u32) {
    let t = TestApp::spawn_on(MailStack::start_filing_sent(SCHOOL, "Sent"), |toml| {
        *toml = toml.replace("[imap]\n", "[imap]\nsent_folder = \"Sent\"\n");
        *toml = toml.replace(
            "[smtp]\n",
            &format!("[smtp]\nconnections = {connections}\n"),
        );
    });
    let parents = backlog(&t, PARENTS).await;
    mleg::daemon::intake_once(&t.app).await.unwrap();
    let queued = probe::progress(t.app.store().conn()).unwrap().2;
    assert_eq!(
        queued,
        2 * PARENTS as i64,
        "a reply and a notification each"
    );

    let log = t.stack.path().join("mleg-once.log");
    let mut kills = 0;
    while kills < kills_wanted {
        let seen = sent_rows(&t);
        let mut child = once(&t, &log);
        a_mail_sent(&t, seen, &mut child).await;
        // A random instant within the next few mails.
        let delay = (uuid::Uuid::new_v4().as_u128() % 15) as u64;
        tokio::time::sleep(Duration::from_millis(delay)).await;
        let ran_out = child.try_wait().unwrap().is_some();
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        assert!(!ran_out, "the backlog ran out after {kills} kills");
        kills += 1;
    }
    let status = once(&t, &log).wait().unwrap();
    assert!(status.success(), "the last round completes");

    let mut copies: HashMap<String, usize> = HashMap::new();
    for parent in &parents {
        for id in ids(&t.received(parent, 1).await) {
            *copies.entry(id).or_default() += 1;
        }
    }
    let staff = t.received(SECRETARY, PARENTS as usize).await;
    let staff = staff
        .into_iter()
        .filter(|m| !m.subject.contains("Podsumowanie dnia"));
    for id in staff.flat_map(|m| m.message_id) {
        *copies.entry(id).or_default() += 1;
    }
    let doubts = probe::outbox_doubts(t.app.store().conn()).unwrap();
    let in_doubt: u32 = doubts.iter().map(|(_, n, _)| n).sum();
    let twice: usize = copies.values().map(|c| c - 1).sum();
    let found = std::fs::read_to_string(&log)
        .unwrap()
        .matches("found in the sent folder")
        .count() as u32;
    println!(
        "delivery kills ({connections} SMTP sessions): {kills} kills, {found} in doubt found in Sent (not sent again), \
         {in_doubt} in-doubt re-sends, {twice} mails received twice"
    );
    assert_eq!(copies.len(), 2 * PARENTS as usize, "every mail arrived");
    assert!(doubts.iter().all(|(_, _, sent)| *sent), "every row sent");
    // A kill re-sends at most the mails in hand, and only those whose
    // `sending` mark says the server may have them: a lost `sent` mark (or a
    // mail in flight beyond one per session) would show here.
    for (id, c) in &copies {
        let counted = doubts.iter().find(|(d, _, _)| d == id).map_or(0, |d| d.1);
        assert!(
            *c as u32 <= 1 + counted,
            "{id} arrived {c} times, in doubt {counted}"
        );
    }
    // A kill leaves at most one mail per session in doubt, settled once.
    assert!(
        found + in_doubt <= kills * connections,
        "{found} found and {in_doubt} re-sent over {kills} kills"
    );
    // Without the sent folder nearly every kill re-sends (the server's wait
    // before `250` is most of a mail's time). The folder is read: at least
    // one kill must have left a mail the server took, and it was not re-sent.
    assert!(found > 0, "no in-doubt mail was found in the sent folder");
}
