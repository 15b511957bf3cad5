//! One copy of a photo: the secretary's notification refers to the stored
//! photo, so its bytes are in the file once, a purge leaves nothing queued
//! behind it, and a sent mail keeps no bytes.

use chrono::{TimeZone, Utc};
use rusqlite::Connection;

use super::*;
use crate::domain::NewApplication;
use crate::domain::test_support::{class, email, name, pesel};
use crate::mail::outgoing::{MailKind, OutAttachment, OutgoingMail};

const BYTES: &[u8] = b"\xff\xd8 the stripped photo of a child";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 9, 2, 9, 0, 0).unwrap()
}

fn new_app() -> NewApplication {
    NewApplication {
        name: name("Anna", "Nowak"),
        pesel: pesel(2015, 12, 12, 1),
        class: class("3A"),
        parent_email: email("rodzic@example.pl"),
        other_parent_emails: vec![],
        legitymacja_number: None,
        code_to_student: false,
        valid_until: None,
    }
}

fn photo(app: i64) -> inbox::NewPhoto<'static> {
    inbox::NewPhoto {
        application_id: Some(app),
        message_row: None,
        source_message_id: None,
        source_subject: "",
        sender: Some("rodzic@example.pl"),
        file_name: Some("a.jpg"),
        name_tokens: &[],
        width: 354,
        height: 496,
        data: BYTES,
    }
}

fn notification(app: i64) -> OutgoingMail {
    OutgoingMail {
        kind: MailKind::StaffPhoto,
        application_id: Some(app),
        to: email("sekretariat@szkola.test"),
        subject: "Zdjęcie".into(),
        body: "b".into(),
        in_reply_to: None,
        references: vec![],
        attachments: vec![OutAttachment {
            file_name: "Nowak_Anna.jpg".into(),
            content_type: "image/jpeg".into(),
            data: BYTES.to_vec(),
            stored_photo: None,
        }],
    }
}

/// How many times the photo's bytes are in the database.
fn copies(s: &Store) -> i64 {
    s.conn()
        .query_row(
            "SELECT (SELECT COUNT(*) FROM photos WHERE data = ?1)
                  + (SELECT COUNT(*) FROM outbox_attachments WHERE data = ?1)",
            [BYTES],
            |r| r.get(0),
        )
        .unwrap()
}

/// An application with its photo and the secretary's notification queued,
/// in one transaction as intake does it.
fn queued(s: &mut Store) -> (i64, i64) {
    s.transaction(|tx| {
        let app = apps::insert(tx, &new_app(), "tok", t0(), "test")?;
        let id = inbox::insert_photo(tx, &photo(app), t0())?;
        outbox::enqueue(tx, &notification(app).with_stored_photo(id), "s.test", t0())?;
        Ok::<_, StoreError>((app, id))
    })
    .unwrap()
}

#[test]
fn a_queued_notification_holds_no_second_copy_and_sends_the_photo() {
    let mut s = Store::open_in_memory().unwrap();
    let (_, photo_id) = queued(&mut s);
    assert_eq!(copies(&s), 1, "the photo's bytes are stored once");
    let due = outbox::due(s.conn(), t0(), 10).unwrap();
    assert_eq!(due[0].attachments.len(), 1);
    assert_eq!(due[0].attachments[0].data, BYTES);
    assert_eq!(due[0].attachments[0].stored_photo, Some(photo_id));

    outbox::mark_sent(s.conn(), due[0].id, t0()).unwrap();
    let left: i64 = s
        .conn()
        .query_row("SELECT COUNT(*) FROM outbox_attachments", [], |r| r.get(0))
        .unwrap();
    assert_eq!(left, 0, "a sent mail keeps nothing");
    assert_eq!(copies(&s), 1, "the photo itself stays until its purge");
}

#[test]
fn a_purge_leaves_no_bytes_and_cancels_the_unsent_notification() {
    let mut s = Store::open_in_memory().unwrap();
    let (app, _) = queued(&mut s);
    s.transaction(|tx| lifecycle::purge_photos(tx, app, t0()))
        .unwrap();
    assert_eq!(copies(&s), 0);
    assert!(outbox::due(s.conn(), t0(), 10).unwrap().is_empty());
    assert_eq!(outbox::counts(s.conn()).unwrap().cancelled, 1);
}

#[test]
fn the_migration_turns_a_queued_copy_into_a_reference_and_keeps_other_files() {
    // The schema just before the migration that made copies references
    // (later migrations may follow it).
    let n = schema::MIGRATIONS
        .iter()
        .position(|m| m.contains("CREATE TABLE outbox_attachments_new"))
        .unwrap();
    let conn = Connection::open_in_memory().unwrap();
    conn.pragma_update(None, "foreign_keys", "ON").unwrap();
    for (i, sql) in schema::MIGRATIONS[..n].iter().enumerate() {
        conn.execute_batch(sql).unwrap();
        conn.pragma_update(None, "user_version", i as i64 + 1)
            .unwrap();
    }
    let tx = Tx { conn: &conn };
    // The schema of then: the student's columns on the application.
    conn.execute(
        "INSERT INTO applications (first_names, last_name, pesel, class, parent_email, status,
            token, created_at, updated_at) VALUES ('Anna', 'Nowak', ?1, '3A', 'rodzic@example.pl',
            'awaiting_photo', 'tok', ?2, ?2)",
        rusqlite::params![new_app().pesel.as_str(), ts(t0())],
    )
    .unwrap();
    let app = conn.last_insert_rowid();
    // By hand: today's `insert_photo` knows columns added after this schema.
    conn.execute(
        "INSERT INTO photos (application_id, sender, file_name, width, height, bytes, data, received_at)
         VALUES (?1, 'rodzic@example.pl', 'a.jpg', 354, 496, ?3, ?2, ?4)",
        rusqlite::params![app, BYTES, BYTES.len() as i64, ts(t0())],
    )
    .unwrap();
    let photo_id = conn.last_insert_rowid();
    // The old schema's way: each mail with its own copy of the bytes.
    let old_copy = |kind: MailKind, data: &[u8]| {
        let mut m = notification(app);
        m.kind = kind;
        m.attachments.clear();
        let mid = outbox::enqueue(tx, &m, "s.test", t0()).unwrap();
        conn.execute(
            "INSERT INTO outbox_attachments (outbox_id, file_name, content_type, data)
             SELECT id, 'f', 'image/jpeg', ?2 FROM outbox WHERE message_id = ?1",
            rusqlite::params![mid, data],
        )
        .unwrap();
        mid
    };
    let mid = old_copy(MailKind::StaffPhoto, BYTES);
    old_copy(MailKind::StaffSlip, b"<html>slip</html>");
    let before: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM outbox_attachments WHERE data = ?1",
            [BYTES],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(before, 1, "the old schema kept a copy");

    let s = Store::init(conn).unwrap();
    assert_eq!(copies(&s), 1);
    let due = outbox::due(s.conn(), t0(), 10).unwrap();
    let photo_mail = due.iter().find(|q| q.message_id == mid).unwrap();
    assert_eq!(photo_mail.attachments[0].data, BYTES);
    assert_eq!(photo_mail.attachments[0].stored_photo, Some(photo_id));
    let slip_mail = due.iter().find(|q| q.message_id != mid).unwrap();
    assert_eq!(slip_mail.attachments[0].data, b"<html>slip</html>");
    assert_eq!(slip_mail.attachments[0].stored_photo, None);
}
