//! The store against a real SQLite file: what the secretary and the workers
//! rely on (one open application per PESEL, outbox bookkeeping, photo purge).

use chrono::{Duration, TimeZone, Utc};

use super::*;
use crate::domain::test_support::{class, email, name, pesel};
use crate::domain::{NewApplication, Status};
use crate::mail::outgoing::{MailKind, OutAttachment, OutgoingMail};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap()
}

fn new_app(serial: u32) -> NewApplication {
    NewApplication {
        name: name("Anna Maria", "Nowak-Kowalska"),
        pesel: pesel(2015, 12, 12, serial),
        class: class("3A"),
        parent_email: email("rodzic@example.pl"),
        other_parent_emails: vec![],
        legitymacja_number: Some("123/2024".into()),
        valid_until: None,
        code_to_student: false,
    }
}

fn mail_with_photo() -> OutgoingMail {
    OutgoingMail {
        kind: MailKind::StaffPhoto,
        application_id: None,
        to: email("sekretariat@szkola.test"),
        subject: "s".into(),
        body: "b".into(),
        in_reply_to: Some("orig@example.pl".into()),
        references: vec!["a@x".into(), "orig@example.pl".into()],
        attachments: vec![OutAttachment {
            file_name: "Nowak-Kowalska_Anna_Maria.jpg".into(),
            content_type: "image/jpeg".into(),
            data: b"PHOTO-BYTES".to_vec(),
            stored_photo: None,
        }],
    }
}

#[cfg(unix)]
#[test]
fn the_database_file_is_private_and_reopens_without_migrating_twice() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/mleg.sqlite3");
    let mut s = Store::open(&path).unwrap();
    s.transaction(|tx| apps::insert(tx, &new_app(1), "tok", t0(), "test"))
        .unwrap();
    drop(s);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let s = Store::open(&path).unwrap();
    assert_eq!(apps::list(s.conn(), None).unwrap().len(), 1);
}

#[test]
fn a_second_open_application_for_a_pesel_is_refused_but_a_closed_one_allows_a_new() {
    let mut s = Store::open_in_memory().unwrap();
    let id = s
        .transaction(|tx| apps::insert(tx, &new_app(1), "t1", t0(), "test"))
        .unwrap();
    let err = s
        .transaction(|tx| apps::insert(tx, &new_app(1), "t2", t0(), "test"))
        .unwrap_err();
    assert!(err.to_string().contains(&format!("#{id}")), "{err}");
    s.transaction(|tx| apps::set_status(tx, id, Status::Cancelled, t0(), "", "test"))
        .unwrap();
    s.transaction(|tx| apps::insert(tx, &new_app(1), "t3", t0(), "test"))
        .unwrap();
    let all = apps::list(s.conn(), None).unwrap();
    assert_eq!(all.len(), 2);
    let a = &all[0];
    assert_eq!(
        (a.name.full().as_str(), a.class.as_str()),
        ("Anna Maria Nowak-Kowalska", "3A")
    );
    let history: Vec<String> = apps::events(s.conn(), id)
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(history, vec!["registered", "cancelled"]);
}

#[test]
fn a_failed_transaction_leaves_nothing_behind() {
    let mut s = Store::open_in_memory().unwrap();
    let r: std::result::Result<(), StoreError> = s.transaction(|tx| {
        apps::insert(tx, &new_app(1), "t1", t0(), "test")?;
        outbox::enqueue(tx, &mail_with_photo(), "szkola.test", t0())?;
        Err(StoreError::Conflict("boom".into()))
    });
    assert!(r.is_err());
    assert!(apps::list(s.conn(), None).unwrap().is_empty());
    assert_eq!(
        outbox::counts(s.conn()).unwrap(),
        outbox::OutboxCounts::default()
    );
}

#[test]
fn a_sent_mail_is_never_due_again_and_its_photo_copy_is_dropped() {
    let mut s = Store::open_in_memory().unwrap();
    let mid = s
        .transaction(|tx| outbox::enqueue(tx, &mail_with_photo(), "szkola.test", t0()))
        .unwrap();
    assert!(mid.ends_with("@szkola.test"));
    let due = outbox::due(s.conn(), t0(), 10).unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].references, vec!["a@x", "orig@example.pl"]);
    assert_eq!(due[0].attachments[0].data, b"PHOTO-BYTES");
    outbox::mark_sent(s.conn(), due[0].id, t0()).unwrap();
    assert!(
        outbox::due(s.conn(), t0() + Duration::days(1), 10)
            .unwrap()
            .is_empty()
    );
    let left: i64 = s
        .conn()
        .query_row("SELECT COUNT(*) FROM outbox_attachments", [], |r| r.get(0))
        .unwrap();
    assert_eq!(left, 0);
}

#[test]
fn a_failed_delivery_is_retried_later_and_a_permanent_one_is_given_up() {
    let mut s = Store::open_in_memory().unwrap();
    s.transaction(|tx| outbox::enqueue(tx, &mail_with_photo(), "szkola.test", t0()))
        .unwrap();
    let id = outbox::due(s.conn(), t0(), 10).unwrap()[0].id;
    outbox::mark_failed(s.conn(), id, "421 try later", false, t0()).unwrap();
    assert!(
        outbox::due(s.conn(), t0(), 10).unwrap().is_empty(),
        "not due at once"
    );
    let later = outbox::due(s.conn(), t0() + Duration::minutes(5), 10).unwrap();
    assert_eq!(later[0].attempts, 1);
    outbox::mark_failed(s.conn(), id, "550 no such user", true, t0()).unwrap();
    assert!(
        outbox::due(s.conn(), t0() + Duration::days(9), 10)
            .unwrap()
            .is_empty()
    );
    assert_eq!(outbox::counts(s.conn()).unwrap().failed, 1);
}

#[test]
fn a_newer_photo_supersedes_and_erases_the_older_one() {
    let mut s = Store::open_in_memory().unwrap();
    let app = s
        .transaction(|tx| apps::insert(tx, &new_app(1), "t1", t0(), "test"))
        .unwrap();
    let photo = |data: &'static [u8]| inbox::NewPhoto {
        application_id: Some(app),
        message_row: None,
        source_message_id: None,
        source_subject: "",
        sender: Some("rodzic@example.pl"),
        file_name: Some("a.jpg"),
        name_tokens: &[],
        width: 354,
        height: 496,
        data,
    };
    let first = s
        .transaction(|tx| inbox::insert_photo(tx, &photo(b"OLD"), t0()))
        .unwrap();
    let second = s
        .transaction(|tx| inbox::insert_photo(tx, &photo(b"NEW"), t0()))
        .unwrap();
    assert_eq!(inbox::photo_data(s.conn(), first).unwrap(), None);
    assert_eq!(
        inbox::photo_data(s.conn(), second).unwrap().as_deref(),
        Some(&b"NEW"[..])
    );
    assert_eq!(
        inbox::current_photo(s.conn(), app).unwrap().unwrap().id,
        second
    );
}

#[test]
fn watermark_and_handled_mail_survive_and_pending_moves_are_listed() {
    let mut s = Store::open_in_memory().unwrap();
    let w = inbox::Watermark {
        uid_validity: 7,
        last_uid: 12,
    };
    s.transaction(|tx| {
        inbox::set_watermark(tx, "INBOX", w)?;
        let m = inbox::HandledMail {
            mailbox: "INBOX",
            uid_validity: 7,
            uid: 12,
            message_id: Some("x@y"),
            sender: Some("a@b.pl"),
            disposition: "processed",
            target_folder: "done",
        };
        inbox::record_handled(tx, &m, t0()).map(|_| ())
    })
    .unwrap();
    assert_eq!(inbox::watermark(s.conn(), "INBOX").unwrap(), Some(w));
    assert_eq!(
        inbox::handled_folder_for(s.conn(), "x@y")
            .unwrap()
            .as_deref(),
        Some("done")
    );
    let pending = inbox::pending_moves(s.conn(), "INBOX", 7).unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(
        inbox::abandon_stale_moves(s.conn(), "INBOX", 8, t0()).unwrap(),
        1
    );
    assert!(
        inbox::pending_moves(s.conn(), "INBOX", 7)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn orphan_photos_past_their_retention_are_deleted_with_their_mails() {
    let mut s = Store::open_in_memory().unwrap();
    let orphan = |tokens: &'static [String]| inbox::NewPhoto {
        application_id: None,
        message_row: None,
        source_message_id: None,
        source_subject: "",
        sender: Some("x@example.pl"),
        file_name: Some("a.jpg"),
        name_tokens: tokens,
        width: 354,
        height: 496,
        data: b"ORPHAN",
    };
    let old = s
        .transaction(|tx| inbox::insert_photo(tx, &orphan(&[]), t0()))
        .unwrap();
    let fresh = s
        .transaction(|tx| inbox::insert_photo(tx, &orphan(&[]), t0() + Duration::days(50)))
        .unwrap();
    let now = t0() + Duration::days(61);
    let (mails, photos) = s
        .transaction(|tx| super::retention::orphan_mails(tx, now - Duration::days(30), now))
        .unwrap();
    assert_eq!((mails, photos), (0, 1), "no mail recorded, one photo");
    assert_eq!(inbox::photo_data(s.conn(), old).unwrap(), None);
    assert!(inbox::photo_data(s.conn(), fresh).unwrap().is_some());
}

#[test]
fn every_parent_address_counts_and_old_applications_keep_theirs() {
    let mut s = Store::open_in_memory().unwrap();
    let mut new = new_app(7);
    new.other_parent_emails = vec![email("tata@example.pl")];
    let id = s
        .transaction(|tx| apps::insert(tx, &new, "t7", t0(), "test"))
        .unwrap();
    let a = apps::get(s.conn(), id).unwrap().unwrap();
    assert_eq!(
        a.parent_emails,
        vec![email("rodzic@example.pl"), email("tata@example.pl")]
    );
    assert!(a.has_parent(&email("tata@example.pl")));
    assert!(!a.has_parent(&email("obcy@example.pl")));
    assert!(apps::is_parent(s.conn(), &email("tata@example.pl")).unwrap());
    assert!(!apps::is_parent(s.conn(), &email("obcy@example.pl")).unwrap());

    // An application registered before the table existed keeps its address.
    let mut conn = rusqlite::Connection::open_in_memory().unwrap();
    for (i, m) in schema::MIGRATIONS.iter().enumerate().take(3) {
        conn.execute_batch(m).unwrap();
        conn.pragma_update(None, "user_version", i as i64 + 1)
            .unwrap();
    }
    conn.execute(
        "INSERT INTO applications (first_names, last_name, pesel, class, parent_email, status,
            token, created_at, updated_at) VALUES ('Jan', 'Lis', ?1, '2B', 'stara@example.pl',
            'awaiting_photo', 'tok', ?2, ?2)",
        rusqlite::params![pesel(2015, 1, 1, 3).as_str(), ts(t0())],
    )
    .unwrap();
    migrate(&mut conn).unwrap();
    assert!(apps::is_parent(super::Tx { conn: &conn }, &email("stara@example.pl")).unwrap());
    let n: i64 = conn
        .query_row("SELECT COUNT(*) FROM application_parents", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
}

#[test]
fn a_held_photo_is_nobody_s_until_accepted_and_a_refused_one_is_erased() {
    let mut s = Store::open_in_memory().unwrap();
    let app = s
        .transaction(|tx| apps::insert(tx, &new_app(8), "t8", t0(), "test"))
        .unwrap();
    let photo = |application_id, data: &'static [u8]| inbox::NewPhoto {
        application_id,
        message_row: None,
        source_message_id: Some("obcy-1@example.pl"),
        source_subject: "",
        sender: Some("obcy@example.pl"),
        file_name: Some("Anna Nowak.jpg"),
        name_tokens: &[],
        width: 354,
        height: 496,
        data,
    };
    let parents = s
        .transaction(|tx| inbox::insert_photo(tx, &photo(Some(app), b"PARENT"), t0()))
        .unwrap();
    let (a, b) = s
        .transaction(|tx| -> Result<(i64, i64)> {
            let a = inbox::insert_photo(tx, &photo(None, b"A"), t0())?;
            held::mark_held(tx, a, app, "aaaaaaaaaaaaaaaa")?;
            let b = inbox::insert_photo(tx, &photo(None, b"B"), t0())?;
            held::mark_held(tx, b, app, "bbbbbbbbbbbbbbbb")?;
            held::set_held_notice(tx, b, "note-b@szkola.test")?;
            Ok((a, b))
        })
        .unwrap();
    // Held photos are not orphans and not the application's photo.
    assert!(inbox::orphans(s.conn()).unwrap().is_empty());
    assert_eq!(
        inbox::current_photo(s.conn(), app).unwrap().unwrap().id,
        parents
    );
    let found = held::held_by_notice(s.conn(), "note-b@szkola.test")
        .unwrap()
        .unwrap();
    assert_eq!((found.id, found.application_id), (b, app));
    assert_eq!(
        held::held_by_token(s.conn(), "aaaaaaaaaaaaaaaa")
            .unwrap()
            .unwrap()
            .id,
        a
    );

    s.transaction(|tx| held::refuse_held(tx, b, t0())).unwrap();
    assert_eq!(inbox::photo_data(s.conn(), b).unwrap(), None);
    assert_eq!(
        super::purges::pending(s.conn(), super::purges::WATCHED)
            .unwrap()
            .iter()
            .map(|p| (p.message_id.as_str(), p.kind.as_str()))
            .collect::<Vec<_>>(),
        vec![
            ("obcy-1@example.pl", "parent"),
            ("note-b@szkola.test", "copy")
        ],
        "the sender's mail and the notice are queued for expunging"
    );
    s.transaction(|tx| held::accept_held(tx, a, app, t0()))
        .unwrap();
    assert_eq!(inbox::current_photo(s.conn(), app).unwrap().unwrap().id, a);
    assert_eq!(inbox::photo_data(s.conn(), parents).unwrap(), None);
    let a_again = held::held_by_token(s.conn(), "aaaaaaaaaaaaaaaa")
        .unwrap()
        .unwrap();
    assert_eq!(a_again.outcome.as_deref(), Some("accepted"));

    // Closing the application erases what is still held for it.
    let c = s
        .transaction(|tx| -> Result<i64> {
            let c = inbox::insert_photo(tx, &photo(None, b"C"), t0())?;
            held::mark_held(tx, c, app, "cccccccccccccccc")?;
            Ok(c)
        })
        .unwrap();
    let n = s
        .transaction(|tx| held::purge_held_for(tx, app, t0()))
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(inbox::photo_data(s.conn(), c).unwrap(), None);
    assert!(
        inbox::photo_data(s.conn(), a).unwrap().is_some(),
        "the accepted photo is the application's own purge's business"
    );
}

#[test]
fn the_failure_count_of_a_mail_continues_after_reopening_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mleg.sqlite3");
    let s = Store::open(&path).unwrap();
    assert_eq!(inbox::note_failure(s.conn(), "INBOX", 7, 12).unwrap(), 1);
    assert_eq!(inbox::note_failure(s.conn(), "INBOX", 7, 12).unwrap(), 2);
    assert_eq!(inbox::note_failure(s.conn(), "INBOX", 8, 12).unwrap(), 1);
    assert_eq!(inbox::note_failure(s.conn(), "Other", 7, 12).unwrap(), 1);
    drop(s);
    let s = Store::open(&path).unwrap();
    assert_eq!(inbox::note_failure(s.conn(), "INBOX", 7, 12).unwrap(), 3);
}
