use chrono::{DateTime, Duration, TimeZone, Utc};

use super::*;
use crate::domain::EmailAddress;
use crate::mail::outgoing::{MailKind, OutgoingMail};
use crate::store::{Store, outbox};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 9, 1, 8, 0, 0).unwrap()
}

fn mail(kind: MailKind) -> OutgoingMail {
    OutgoingMail {
        kind,
        application_id: None,
        to: EmailAddress::parse("rodzic@example.pl").unwrap(),
        subject: "s".into(),
        body: "b".into(),
        in_reply_to: None,
        references: vec![],
        attachments: vec![],
    }
}

fn queue(s: &mut Store, kind: MailKind, at: DateTime<Utc>) -> i64 {
    s.transaction(|tx| outbox::enqueue(tx, &mail(kind), "szkola.test", at))
        .unwrap();
    *outbox::due_ids(s.conn(), at + Duration::days(3650))
        .unwrap()
        .iter()
        .max()
        .unwrap()
}

#[test]
fn parents_replies_are_due_before_staff_notifications_and_no_batch_limit_applies() {
    let mut s = Store::open_in_memory().unwrap();
    for _ in 0..40 {
        queue(&mut s, MailKind::StaffPhoto, t0());
    }
    for _ in 0..40 {
        queue(&mut s, MailKind::ParentReply, t0());
    }
    let ids = outbox::due_ids(s.conn(), t0()).unwrap();
    assert_eq!(ids.len(), 80, "one round sees the whole queue");
    let kinds: Vec<String> = ids
        .iter()
        .map(|id| {
            list(s.conn(), false)
                .unwrap()
                .into_iter()
                .find(|r| r.id == *id)
                .unwrap()
                .kind
        })
        .collect();
    assert!(kinds[..40].iter().all(|k| k == "parent_reply"), "{kinds:?}");
    assert!(kinds[40..].iter().all(|k| k == "staff_photo"), "{kinds:?}");
}

#[test]
fn a_row_marked_sending_is_not_due_until_resolved_and_then_counted() {
    let mut s = Store::open_in_memory().unwrap();
    let id = queue(&mut s, MailKind::ParentReply, t0());
    assert!(claim(s.conn(), id, t0()).unwrap());
    assert!(outbox::due_ids(s.conn(), t0()).unwrap().is_empty());
    assert!(outbox::load(s.conn(), id).unwrap().is_none());
    assert_eq!(in_doubt(s.conn()).unwrap().len(), 1);
    resend_in_doubt(s.conn(), id, t0()).unwrap();
    assert_eq!(outbox::due_ids(s.conn(), t0()).unwrap(), vec![id]);
    assert!(in_doubt(s.conn()).unwrap().is_empty());
    assert_eq!(list(s.conn(), false).unwrap()[0].in_doubt, 1);
}

#[test]
fn a_row_is_claimed_once_and_never_once_sent_or_given_up() {
    let mut s = Store::open_in_memory().unwrap();
    let id = queue(&mut s, MailKind::ParentReply, t0());
    assert!(
        claim(s.conn(), id, t0()).unwrap(),
        "the first claim takes it"
    );
    assert!(
        !claim(s.conn(), id, t0()).unwrap(),
        "a second claim backs off"
    );
    s.transaction(|tx| outbox::mark_sent(tx, id, t0())).unwrap();
    assert!(
        !claim(s.conn(), id, t0()).unwrap(),
        "a sent row is not claimed"
    );
    let other = queue(&mut s, MailKind::ParentReply, t0());
    give_up(s.conn(), other, "550 no such user", t0()).unwrap();
    assert!(!claim(s.conn(), other, t0()).unwrap(), "nor a given-up row");
}

#[test]
fn the_server_backoff_doubles_from_the_base_up_to_the_cap_and_clears_on_success() {
    let s = Store::open_in_memory().unwrap();
    assert_eq!(server_backoff(s.conn()).unwrap(), None);
    let (base, cap) = (Duration::seconds(60), Duration::minutes(15));
    let waits: Vec<i64> = (0..6)
        .map(|_| (server_failed(s.conn(), "down", t0(), base, cap).unwrap() - t0()).num_seconds())
        .collect();
    assert_eq!(waits, vec![60, 120, 240, 480, 900, 900]);
    assert_eq!(
        server_backoff(s.conn()).unwrap(),
        Some(t0() + Duration::minutes(15))
    );
    server_ok(s.conn()).unwrap();
    assert_eq!(server_backoff(s.conn()).unwrap(), None);
}

#[test]
fn a_mail_is_given_up_by_age_not_by_tries_and_retry_counts_its_age_anew() {
    let mut s = Store::open_in_memory().unwrap();
    let id = queue(&mut s, MailKind::ParentReply, t0());
    for _ in 0..30 {
        outbox::mark_failed(s.conn(), id, "451 later", false, t0()).unwrap();
    }
    assert_eq!(
        outbox::counts(s.conn()).unwrap().failed,
        0,
        "30 tries give nothing up"
    );
    assert!(expired(s.conn(), t0()).unwrap().is_empty());
    assert_eq!(
        expired(s.conn(), t0() + Duration::hours(1)).unwrap(),
        vec![id]
    );
    let lost = give_up(s.conn(), id, "too old", t0()).unwrap();
    assert_eq!(
        (lost.kind.as_str(), lost.created_at),
        ("parent_reply", t0())
    );
    assert_eq!(list(s.conn(), true).unwrap()[0].state, "failed");
    let later = t0() + Duration::days(6);
    assert!(retry(s.conn(), id, later).unwrap());
    assert!(!retry(s.conn(), id, later).unwrap(), "only a failed row");
    assert!(expired(s.conn(), later).unwrap().is_empty());
    assert_eq!(outbox::due_ids(s.conn(), later).unwrap(), vec![id]);
}

#[test]
fn a_mail_cancelled_because_its_photo_was_purged_is_never_retried() {
    let mut s = Store::open_in_memory().unwrap();
    let id = queue(&mut s, MailKind::StaffPhoto, t0());
    give_up(s.conn(), id, "cancelled: photo purged before sending", t0()).unwrap();
    assert_eq!(list(s.conn(), true).unwrap()[0].state, "cancelled");
    assert!(!retry(s.conn(), id, t0()).unwrap());
    assert_eq!(retry_all_failed(s.conn(), t0()).unwrap(), 0);
}

#[test]
fn mleg_check_counts_a_copy_cancelled_by_a_purge_apart_from_the_failed_mails() {
    use crate::domain::NewApplication;
    use crate::domain::test_support::{class, email, name, pesel};
    use crate::store::{apps, lifecycle};
    let mut s = Store::open_in_memory().unwrap();
    let child = NewApplication {
        name: name("Ola", "Nowak"),
        pesel: pesel(2015, 12, 12, 1),
        class: class("3A"),
        parent_email: email("rodzic@example.pl"),
        other_parent_emails: vec![],
        legitymacja_number: None,
        valid_until: None,
        code_to_student: false,
    };
    let refused = queue(&mut s, MailKind::ParentReply, t0());
    outbox::mark_failed(s.conn(), refused, "550 no such user", true, t0()).unwrap();
    s.transaction(|tx| {
        let id = apps::insert(tx, &child, "t1", t0(), "test")?;
        let mut note = mail(MailKind::StaffPhoto);
        note.application_id = Some(id);
        outbox::enqueue(tx, &note, "szkola.test", t0())?;
        // Processed before the copy went out: the copy is cancelled.
        lifecycle::purge_photos(tx, id, t0())
    })
    .unwrap();
    queue(&mut s, MailKind::ParentReply, t0());
    assert_eq!(
        outbox::counts(s.conn()).unwrap(),
        outbox::OutboxCounts {
            pending: 1,
            sent: 0,
            failed: 1,
            cancelled: 1,
        }
    );
}
