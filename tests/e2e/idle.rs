//! `mleg run` answers at once through IMAP IDLE: with a poll
//! interval of 10 minutes a parent's mail is answered within seconds, and
//! after Dovecot restarts under the running daemon it reconnects and answers
//! the next mail, with no duplicate.

use std::time::Duration;

use mleg::daemon;
use tokio_util::sync::CancellationToken;

use crate::support::app::{SCHOOL, SECRETARY, TestApp, pesel};
use crate::support::mime::Mail;
use crate::support::photos;

/// A TestApp polling only every 10 minutes, with two registered parents.
fn slow_poller() -> (TestApp, String, String) {
    let t = TestApp::spawn_with(|c| {
        *c = c.replace("poll_interval_secs = 1\n", "poll_interval_secs = 600\n");
    });
    let first = t.parent("pierwszy");
    let second = t.parent("drugi");
    t.register("Anna", "Nowak", &pesel(2015, 1, 2, 11), &first);
    t.register("Jan", "Kowalski", &pesel(2015, 3, 4, 12), &second);
    (t, first, second)
}

/// The parent's photo mail, sent without waiting for it in the school's
/// INBOX: the running daemon may move it away at once.
async fn send_photo(t: &TestApp, parent: &str, name: &str) {
    let mail =
        Mail::new(parent, SCHOOL, "legitymacja").photo(&format!("{name}.jpg"), photos::good_jpeg());
    t.post(&mail).await;
}

async fn assert_accepted(t: &TestApp, parent: &str) {
    let reply = &t.received(parent, 1).await[0];
    assert!(reply.text.contains("Przyjęliśmy zdjęcie"), "{}", reply.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_mail_is_answered_at_once_not_after_the_poll_interval() {
    let (t, first, second) = slow_poller();
    let token = CancellationToken::new();
    let scenario = async {
        send_photo(&t, &first, "Anna Nowak").await;
        assert_accepted(&t, &first).await;
        // The first answer proves the start-up round is over: from here on
        // only IDLE can start a round within the 20 s the wait allows.
        send_photo(&t, &second, "Jan Kowalski").await;
        assert_accepted(&t, &second).await;
        token.cancel();
    };
    let stopped = async {
        tokio::time::timeout(Duration::from_secs(60), daemon::run(&t.app, token.clone()))
            .await
            .expect("mleg run stops when asked")
    };
    tokio::join!(stopped, scenario);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_dovecot_restart_run_reconnects_and_answers_the_next_mail_once() {
    let (t, first, second) = slow_poller();
    let token = CancellationToken::new();
    let scenario = async {
        send_photo(&t, &first, "Anna Nowak").await;
        assert_accepted(&t, &first).await;
        // The secretary's notification is in her box before the restart: a
        // restart cutting Postfix's LMTP hand-over short makes Postfix
        // deliver that mail again, which is the mail stack's doing, not mleg's.
        t.received(SECRETARY, 1).await;
        tokio::task::block_in_place(|| t.stack.restart_dovecot());
        send_photo(&t, &second, "Jan Kowalski").await;
        assert_accepted(&t, &second).await;
        // No mail was answered twice, and the secretary got each photo once.
        t.exactly(&first, 1).await;
        t.exactly(&second, 1).await;
        t.staff_mails_but_digests(2).await;
        token.cancel();
    };
    let stopped = async {
        tokio::time::timeout(Duration::from_secs(90), daemon::run(&t.app, token.clone()))
            .await
            .expect("mleg run stops when asked")
    };
    tokio::join!(stopped, scenario);
}

/// IDLE is renewed every `imap.idle_renew_secs` (here 1 s instead of 25
/// min, as behind a NAT that drops quiet connections) and the renewed IDLE
/// still reports a new mail at once, on the same connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renewed_idle_still_answers_at_once() {
    let t = TestApp::spawn_with(|c| {
        *c = c
            .replace("poll_interval_secs = 1\n", "poll_interval_secs = 600\n")
            .replace("[imap]\n", "[imap]\nidle_renew_secs = 1\n");
    });
    let parent = t.parent("odnowa");
    t.register("Ola", "Odnowa", &pesel(2015, 5, 6, 13), &parent);
    let log_file = tempfile::NamedTempFile::new().unwrap();
    let log_to = std::process::Stdio::from(log_file.reopen().unwrap());
    let daemon = crate::support::app::Daemon::start(&t, "debug", log_to);
    let renewals = || {
        std::fs::read_to_string(log_file.path())
            .unwrap()
            .matches("IMAP IDLE renewed")
            .count()
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while renewals() < 3 {
        assert!(std::time::Instant::now() < deadline, "IDLE never renewed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    send_photo(&t, &parent, "Ola Odnowa").await;
    assert_accepted(&t, &parent).await;
    drop(daemon);
    let log = std::fs::read_to_string(log_file.path()).unwrap();
    assert!(
        !log.contains("IMAP IDLE connection back"),
        "renewed, never reconnected:\n{log}"
    );
    assert!(!log.contains("round failed"), "{log}");
}
