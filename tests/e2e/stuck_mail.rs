//! A mail the server will not give, or will not let mleg move, never stops
//! intake for good. A relay in front of Dovecot fails one chosen mail as a
//! real server does with a mail it cannot read: `NO` to its `UID FETCH`, no
//! answer at all, a crash, or `NO` to its `UID MOVE`. After three rounds the
//! mail is left in INBOX (unread, unflagged), the secretary gets one note
//! naming it, and the parents' mails after it are answered; a server that
//! is down charges no mail.

use mleg::daemon;
use mleg::intake::IntakeReport;

use crate::support::app::{PROCESSED, SCHOOL, TestApp, pesel};
use crate::support::imap_relay::{Fault, ImapRelay};
use crate::support::mime::Mail;
use crate::support::photos;
use crate::support::stack::MailStack;
use crate::transport::set_key;

/// A TestApp reading its mailbox through a relay with `fault`; the
/// timeouts are short so that a stalled command ends quickly.
async fn behind_relay(fault: Fault) -> (TestApp, ImapRelay) {
    let stack = MailStack::start();
    let relay = ImapRelay::start(stack.imap_port, fault).await;
    let port = relay.port.to_string();
    let t = TestApp::spawn_on(stack, |toml| {
        set_key(toml, "imap", "port", &port);
        set_key(toml, "imap", "timeout_secs", "2");
        set_key(toml, "imap", "fetch_timeout_secs", "2");
    });
    (t, relay)
}

/// A mail about something else, from someone who is no parent: the one
/// the server will fail. Returns its UID in the school's INBOX.
async fn school_trip(t: &TestApp) -> u32 {
    let sender = t.parent("wycieczka");
    t.send(&Mail::new(&sender, SCHOOL, "Wycieczka do Krakowa").text("Czy są jeszcze miejsca?"))
        .await;
    let inbox = t.stack.fetch_all(SCHOOL, "INBOX").await;
    inbox.last().expect("the mail arrived").uid
}

/// A registered parent's photo mail; returns the parent's address.
async fn photo_from_parent(t: &TestApp, local: &str, first: &str, serial: u32) -> String {
    let parent = t.parent(local);
    t.register(first, "Kowalski", &pesel(2014, 5, 5, serial), &parent);
    let name = format!("{first} Kowalski.jpg");
    t.send(&Mail::new(&parent, SCHOOL, "legitymacja").photo(&name, photos::good_jpeg()))
        .await;
    parent
}

/// One round that must fail in intake (the mail is tried and counted).
async fn failing_round(t: &TestApp) {
    let e = daemon::once(&t.app)
        .await
        .expect_err("the round stops at the mail the server will not give");
    println!("round: {e}");
}

/// The mail with `uid` is still in INBOX, unread and unflagged.
async fn still_in_inbox_untouched(t: &TestApp, uid: u32) {
    let inbox = t.stack.fetch_all(SCHOOL, "INBOX").await;
    let mail = inbox
        .iter()
        .find(|m| m.uid == uid)
        .unwrap_or_else(|| panic!("mail {uid} left INBOX"));
    assert!(
        !mail.seen && !mail.flagged,
        "{uid}: seen {} flagged {}",
        mail.seen,
        mail.flagged
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mail_whose_fetch_is_refused_is_left_in_the_inbox_and_named_once_and_intake_goes_on() {
    let (t, relay) = behind_relay(Fault::RefuseBody).await;
    let uid = school_trip(&t).await;
    relay.fail_uid(uid);
    let parent = photo_from_parent(&t, "rodzic1", "Jan", 1).await;

    failing_round(&t).await;
    failing_round(&t).await;
    assert!(
        t.inbox(&parent).await.is_empty(),
        "blocked behind it so far"
    );
    let (intake, _) = t.once().await;
    assert_eq!((intake.left_alone, intake.processed), (1, 1), "{intake:?}");
    // The parent after it is answered, over IMAP.
    let reply = &t.received(&parent, 1).await[0];
    assert!(reply.text.contains("Jan Kowalski.jpg"), "{}", reply.text);
    // More rounds ask the server for it no more, and say nothing more.
    for _ in 0..2 {
        assert_eq!(t.once().await.0, IntakeReport::default());
    }
    assert_eq!(
        relay.hits(),
        3,
        "three fetches refused, then never asked again"
    );

    let staff = t.staff_mails_but_digests(2).await;
    let note = crate::support::app::the_one(&staff, "nie wydaje");
    assert!(
        note.subject.contains("Wycieczka do Krakowa"),
        "{}",
        note.subject
    );
    for line in [
        "Temat:   Wycieczka do Krakowa",
        "Data:    23.11.2026 10:00",
        &format!("(UID) {uid}"),
        "3 razy z rzędu",
    ] {
        assert!(note.text.contains(line), "{line:?}:\n{}", note.text);
    }
    still_in_inbox_untouched(&t, uid).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mail_the_server_never_answers_for_is_named_by_its_uid_when_not_even_its_header_comes() {
    let (t, relay) = behind_relay(Fault::StallFetch).await;
    let uid = school_trip(&t).await;
    relay.fail_uid(uid);
    let parent = photo_from_parent(&t, "rodzic2", "Adam", 2).await;

    failing_round(&t).await;
    failing_round(&t).await;
    let (intake, _) = t.once().await;
    assert_eq!((intake.left_alone, intake.processed), (1, 1), "{intake:?}");
    t.received(&parent, 1).await;
    t.once().await;
    // Three whole-mail fetches and the header fetch of the third round.
    assert_eq!(relay.hits(), 4);

    let staff = t.staff_mails_but_digests(2).await;
    let note = crate::support::app::the_one(&staff, "nie wydaje");
    for line in [
        "Temat:   nieznany",
        "Data:    nieznana",
        &format!("numer wiadomości (UID) {uid}"),
    ] {
        assert!(note.text.contains(line), "{line:?}:\n{}", note.text);
    }
    still_in_inbox_untouched(&t, uid).await;
}

/// A server that dies while handing the mail over (and is not back when
/// mleg reconnects at once) is a broken connection, however often it
/// happens: the rounds fail, nothing is charged to the mail, and once the
/// server gives it, it is answered like any other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_crashes_while_handing_over_a_mail_charges_nothing_to_that_mail() {
    let (t, relay) = behind_relay(Fault::CrashOnFetch).await;
    let parent = photo_from_parent(&t, "rodzic3", "Ewa", 3).await;
    let uid = t.stack.fetch_all(SCHOOL, "INBOX").await[0].uid;
    relay.fail_uid(uid);
    for _ in 0..5 {
        failing_round(&t).await;
    }
    assert_eq!(relay.hits(), 5, "fetched (and crashed on) in every round");
    relay.fail_uid(0);
    let (intake, _) = t.once().await;
    assert_eq!((intake.processed, intake.left_alone), (1, 0), "{intake:?}");
    t.received(&parent, 1).await;
    let staff = t.staff_mails_but_digests(1).await;
    assert!(
        staff[0].subject.contains("Zdjęcie do wprowadzenia"),
        "{}",
        staff[0].subject
    );
    assert_eq!(t.stack.fetch_all(SCHOOL, PROCESSED).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_move_refused_three_times_is_left_and_named_once_and_blocks_no_other_mail() {
    let (t, relay) = behind_relay(Fault::RefuseMove).await;
    let first = photo_from_parent(&t, "rodzic4", "Olek", 4).await;
    let uid = t.stack.fetch_all(SCHOOL, "INBOX").await[0].uid;
    relay.fail_uid(uid);
    let (intake, _) = t.once().await;
    assert_eq!((intake.processed, intake.moved), (1, 0), "{intake:?}");
    t.received(&first, 1).await;

    // A mail that comes while the first one's move keeps being refused.
    let second = photo_from_parent(&t, "rodzic5", "Piotr", 5).await;
    let (intake, _) = t.once().await;
    assert_eq!((intake.processed, intake.moved), (1, 1), "{intake:?}");
    t.received(&second, 1).await;
    let (intake, _) = t.once().await;
    assert_eq!(intake.left_alone, 1, "{intake:?}");
    for _ in 0..2 {
        assert_eq!(t.once().await.0, IntakeReport::default());
    }
    assert_eq!(
        relay.hits(),
        3,
        "three moves refused, then never tried again"
    );

    // Two photo notifications and the one note.
    let staff = t.staff_mails_but_digests(3).await;
    let note = crate::support::app::the_one(&staff, "nie pozwala przenieść");
    for line in [
        "Temat:   legitymacja",
        "Data:    23.11.2026 10:00",
        PROCESSED,
    ] {
        assert!(note.text.contains(line), "{line:?}:\n{}", note.text);
    }
    still_in_inbox_untouched(&t, uid).await;
    assert_eq!(t.stack.fetch_all(SCHOOL, PROCESSED).await.len(), 1);
    assert_eq!(t.exactly(&first, 1).await.len(), 1, "answered once");
}
