//! Crashes and repeats must neither lose a parent's mail nor answer it twice.

use mleg::daemon;
use mleg::store::outbox;

use crate::support::app::{PROCESSED, SCHOOL, SECRETARY, TestApp, pesel};
use crate::support::mime::Mail;
use crate::support::photos;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn running_once_twice_sends_nothing_twice() {
    let t = TestApp::spawn();
    let parent = t.parent("dwarazy");
    t.register("Ola", "Lis", &pesel(2014, 9, 9, 9), &parent);
    t.send(&Mail::new(&parent, SCHOOL, "legitymacja").photo("ola lis.jpg", photos::good_jpeg()))
        .await;
    let (_, first) = t.once().await;
    let (again, second) = t.once().await;
    assert_eq!((first.sent, second.sent, again.examined), (2, 0, 0));
    t.exactly(&parent, 1).await;
    t.exactly(SECRETARY, 1).await;
}

/// A crash after the decision was committed but before delivery: the mails
/// wait in the outbox and go out exactly once on the next round.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mails_queued_before_a_crash_are_delivered_once_by_the_next_round() {
    let t = TestApp::spawn();
    let parent = t.parent("awaria");
    t.register("Ela", "Sowa", &pesel(2011, 11, 11, 1), &parent);
    t.send(&Mail::new(&parent, SCHOOL, "legitymacja").photo("Ela Sowa.jpg", photos::good_jpeg()))
        .await;
    daemon::intake_once(&t.app).await.unwrap();
    // The process "dies" here: nothing was sent yet.
    assert_eq!(outbox::counts(t.app.store().conn()).unwrap().pending, 2);
    let (intake, sent) = t.once().await;
    assert_eq!((intake.examined, sent.sent), (0, 2));
    t.exactly(&parent, 1).await;
}

/// A crash between the commit and the IMAP move leaves the mail in INBOX;
/// the next round only moves it. Simulated by forgetting the move.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mail_left_in_the_inbox_by_a_crash_is_moved_later_not_answered_again() {
    let t = TestApp::spawn();
    let parent = t.parent("przeniesienie");
    t.register("Iga", "Kot", &pesel(2012, 2, 2, 2), &parent);
    let mail = Mail::new(&parent, SCHOOL, "legitymacja").photo("Iga Kot.jpg", photos::good_jpeg());
    t.send(&mail).await;
    t.once().await;
    // Put the mail back (as if the move never happened) and forget that it was moved.
    let moved = t.stack.fetch_all(SCHOOL, PROCESSED).await;
    t.send_raw(&parent, &moved[0].raw).await;
    mleg::store::probe::forget_moves(t.app.store().conn()).unwrap();

    let (intake, sent) = t.once().await;
    assert_eq!((intake.duplicates, sent.sent), (1, 0));
    t.exactly(&parent, 1).await;
    assert!(t.stack.fetch_all(SCHOOL, "INBOX").await.is_empty());
}

/// The server renumbered the mailbox (new UIDVALIDITY): every mail is looked
/// at again, and recognised by its Message-ID.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_uidvalidity_change_does_not_answer_anything_twice() {
    let t = TestApp::spawn();
    let parent = t.parent("uidv");
    t.register("Max", "Wilk", &pesel(2013, 3, 3, 3), &parent);
    let photo_mail =
        Mail::new(&parent, SCHOOL, "legitymacja").photo("Max Wilk.jpg", photos::good_jpeg());
    t.send(&photo_mail).await;
    t.send(&Mail::new("ktos@example.pl", SCHOOL, "Zebranie rodziców"))
        .await;
    t.once().await;
    // Same mail delivered again (e.g. restored from a backup) and the watermark forgotten.
    let moved = t.stack.fetch_all(SCHOOL, PROCESSED).await;
    t.send_raw(&parent, &moved[0].raw).await;
    mleg::store::probe::bump_uid_validity(t.app.store().conn()).unwrap();
    let (intake, sent) = t.once().await;
    assert_eq!(
        (
            intake.examined,
            intake.duplicates,
            intake.ignored,
            sent.sent
        ),
        (2, 1, 1, 0)
    );
    t.exactly(&parent, 1).await;
    t.exactly(SECRETARY, 1).await;
}
