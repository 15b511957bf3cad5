//! `mleg run` runs the date rules by itself: with a short
//! schedule, the real binary on the real clock sends a parent the code's
//! expiry reminder, once, without `mleg tick`.

use std::process::Stdio;

use chrono::{Duration, Utc};
use mleg::secretary::{self, Source};
use mleg::workflow::command::StaffCommand;

use crate::support::app::{Daemon, TestApp};
use crate::support::dates::complete_at;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mleg_run_sends_a_due_code_reminder_by_itself_once() {
    let t = TestApp::spawn_with(|toml| {
        toml.push_str("[dates]\ncheck_every_secs = 1\nreminder_time = \"00:00\"\n");
    });
    // The photo came 25 days ago and the code was generated the day after:
    // it expires in 6 days, so the 7-day reminder is due.
    let id = complete_at(&t, "Kama", "Demonowa", 9, Utc::now() - Duration::days(25)).await;
    let parent = t.parent("rodzic9");
    let generated = (Utc::now() - Duration::days(24))
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
    let out = secretary::execute(&t.app, id, &kod, None, &source).unwrap();
    assert!(matches!(out, secretary::Outcome::Done { .. }), "{out:?}");

    let log = tempfile::NamedTempFile::new().unwrap();
    let daemon = Daemon::start(&t, "debug", Stdio::from(log.reopen().unwrap()));
    let reminder = &t.mails_about(&parent, "kod aktywacyjny wygasa", 1).await[0];
    // A pickup school: where and when to collect the card, not the code.
    for line in [
        "zostało 6 dni",
        "w sekretariacie szkoły (sekretariat jest czynny: pon.–pt. 8:00–15:00) i aktywować",
    ] {
        assert!(reminder.text.contains(line), "{line:?}:\n{}", reminder.text);
    }
    assert!(!reminder.text.contains("KD12EF34"), "{}", reminder.text);
    // Five more scheduled steps (one a second) after it went out.
    let steps = || {
        std::fs::read_to_string(log.path())
            .unwrap()
            .matches("scheduled step done")
            .count()
    };
    let target = steps() + 5;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while steps() < target {
        assert!(
            std::time::Instant::now() < deadline,
            "the scheduler stopped"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    drop(daemon);
    let reminders: Vec<_> = t
        .exactly(&parent, t.inbox(&parent).await.len())
        .await
        .into_iter()
        .filter(|m| m.subject.contains("kod aktywacyjny wygasa"))
        .collect();
    assert_eq!(reminders.len(), 1, "one reminder, not one per step");
}
