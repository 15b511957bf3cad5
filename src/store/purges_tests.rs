//! The expunge queue against a real SQLite store: what a purge queues, for
//! which account, with which origin, and where each mail was recorded.

use std::collections::BTreeSet;

use chrono::{DateTime, TimeZone, Utc};

use super::{Linked, Origin, Place, STAFF, WATCHED};
use crate::domain::test_support::{class, email, name, pesel};
use crate::domain::{NewApplication, Status};
use crate::mail::outgoing::{MailKind, OutgoingMail};
use crate::store::inbox::{self, HandledMail, NewPhoto};
use crate::store::{Store, apps, lifecycle, outbox, purges};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap()
}

fn application(s: &Store) -> i64 {
    let new = NewApplication {
        name: name("Anna", "Nowak"),
        pesel: pesel(2015, 12, 12, 1),
        class: class("3A"),
        parent_email: email("rodzic@example.pl"),
        other_parent_emails: vec![],
        legitymacja_number: None,
        valid_until: None,
        code_to_student: false,
    };
    apps::insert(s.conn(), &new, "tok", t0(), "test").unwrap()
}

fn sent(s: &Store, kind: MailKind, application_id: Option<i64>) -> String {
    let mail = OutgoingMail {
        kind,
        application_id,
        to: email("sekretariat@szkola.test"),
        subject: "s".into(),
        body: "b".into(),
        in_reply_to: None,
        references: vec![],
        attachments: vec![],
    };
    outbox::enqueue(s.conn(), &mail, "szkola.test", t0()).unwrap()
}

/// (Message-ID, kind, origin) of the pending rows of `account`.
fn queued(s: &Store, account: &str) -> BTreeSet<(String, String, Origin)> {
    purges::pending(s.conn(), account)
        .unwrap()
        .into_iter()
        .map(|p| (p.message_id, p.kind, p.origin))
        .collect()
}

fn row(id: &str, kind: &str, origin: Origin) -> (String, String, Origin) {
    (id.into(), kind.into(), origin)
}

#[test]
fn a_purge_queues_each_mail_once_and_someone_elses_only_in_the_watched_account() {
    let s = Store::open_in_memory().unwrap();
    let c = s.conn();
    let id = application(&s);
    let photo = NewPhoto {
        application_id: Some(id),
        message_row: None,
        source_message_id: Some("p1@example.pl"),
        source_subject: "",
        sender: None,
        file_name: None,
        name_tokens: &[],
        width: 1,
        height: 1,
        data: b"PHOTO",
    };
    inbox::insert_photo(c, &photo, t0()).unwrap();
    lifecycle::link_mail(c, id, "refused@example.pl").unwrap();
    purges::link(c, id, "kod@szkola.test", Linked::Staff).unwrap();
    purges::link(c, id, "forged@example.pl", Linked::Foreign).unwrap();
    let note = sent(&s, MailKind::StaffPhoto, Some(id));
    let answer = sent(&s, MailKind::StaffAnswer, Some(id));

    lifecycle::purge_photos(c, id, t0()).unwrap();
    lifecycle::purge_photos(c, id, t0()).unwrap();
    let mine = [
        row("kod@szkola.test", "copy", Origin::Staff),
        row(&note, "copy", Origin::Minted),
    ];
    let mut watched: BTreeSet<_> = mine.iter().cloned().collect();
    watched.extend([
        row("p1@example.pl", "parent", Origin::Foreign),
        row("refused@example.pl", "parent", Origin::Foreign),
        row("forged@example.pl", "copy", Origin::Foreign),
    ]);
    assert_eq!(queued(&s, WATCHED), watched, "each once, with its origin");
    assert_eq!(
        queued(&s, STAFF),
        mine.into_iter().collect(),
        "a mail someone else named is never looked for in her account"
    );
    assert!(
        !queued(&s, WATCHED).iter().any(|r| r.0 == answer),
        "the answer to her command holds no photo, PESEL or code"
    );
}

#[test]
fn a_needs_human_note_goes_only_once_the_application_is_closed() {
    let s = Store::open_in_memory().unwrap();
    let c = s.conn();
    let id = application(&s);
    let note = sent(&s, MailKind::StaffNeedsHuman, None);
    purges::link(c, id, &note, Linked::Note).unwrap();
    lifecycle::purge_photos(c, id, t0()).unwrap();
    assert!(
        queued(&s, WATCHED).is_empty(),
        "open: the secretary may need it"
    );

    apps::set_status(c, id, Status::Cancelled, t0(), "", "test").unwrap();
    lifecycle::purge_photos(c, id, t0()).unwrap();
    let expected: BTreeSet<_> = [row(&note, "copy", Origin::Minted)].into();
    assert_eq!(queued(&s, WATCHED), expected);
    assert_eq!(queued(&s, STAFF), expected);
}

#[test]
fn a_report_on_a_mail_of_ours_leaves_with_its_application_even_after_the_purge() {
    let s = Store::open_in_memory().unwrap();
    let c = s.conn();
    let id = application(&s);
    let notification = sent(&s, MailKind::StaffPhoto, Some(id));
    let unrelated = vec!["someone@example.pl".to_string()];
    purges::link_report(c, "report1@mx.example.pl", &unrelated, t0()).unwrap();
    purges::link_report(
        c,
        "report2@mx.example.pl",
        std::slice::from_ref(&notification),
        t0(),
    )
    .unwrap();
    lifecycle::purge_photos(c, id, t0()).unwrap();
    let report = |n| row(&format!("report{n}@mx.example.pl"), "copy", Origin::Foreign);
    assert!(queued(&s, WATCHED).contains(&report(2)));
    assert!(
        !queued(&s, WATCHED).contains(&report(1)),
        "not about our mail"
    );
    assert!(queued(&s, STAFF).iter().all(|r| r.2 != Origin::Foreign));

    // A report that comes after the purge is queued at once.
    purges::link_report(c, "report3@mx.example.pl", &[notification], t0()).unwrap();
    assert!(queued(&s, WATCHED).contains(&report(3)));
}

#[test]
fn places_are_where_the_server_filed_the_mail_with_its_size_and_rows_count_attempts() {
    let s = Store::open_in_memory().unwrap();
    let c = s.conn();
    let handled = HandledMail {
        mailbox: "INBOX",
        uid_validity: 7,
        uid: 3,
        message_id: Some("p1@example.pl"),
        sender: Some("rodzic@example.pl"),
        disposition: "processed",
        target_folder: "done",
    };
    let r = inbox::record_handled(c, &handled, t0()).unwrap();
    let place = |folder: &str, uid_validity, uid, size| Place {
        folder: folder.into(),
        uid_validity,
        uid,
        size,
    };
    // Recorded before its size (an older database): the UID alone.
    assert_eq!(
        purges::places(c, "p1@example.pl").unwrap(),
        vec![place("INBOX", 7, 3, None)]
    );
    inbox::record_size(c, "INBOX", 7, 3, 2048).unwrap();
    inbox::record_size(c, "INBOX", 7, 4, 99).unwrap();
    assert_eq!(
        purges::places(c, "p1@example.pl").unwrap(),
        vec![place("INBOX", 7, 3, Some(2048))],
        "not moved yet: the watched mailbox"
    );
    inbox::record_filed(c, r, "done", 9, 41).unwrap();
    inbox::mark_moved(c, r, t0()).unwrap();
    assert_eq!(
        purges::places(c, "p1@example.pl").unwrap(),
        vec![place("done", 9, 41, Some(2048))],
        "moved: where COPYUID said"
    );

    purges::queue_mail(c, "p1@example.pl", "parent", Origin::Foreign, None, t0()).unwrap();
    purges::queue_mail(c, "p2@example.pl", "parent", Origin::Foreign, None, t0()).unwrap();
    let rows = purges::pending(c, WATCHED).unwrap();
    assert_eq!(purges::note_failure(c, rows[0].row, "BAD").unwrap(), 1);
    assert_eq!(purges::note_failure(c, rows[0].row, "BAD").unwrap(), 2);
    purges::mark_failed(c, rows[0].row, t0(), "refused").unwrap();
    purges::mark_done(c, rows[1].row, t0(), None).unwrap();
    assert!(purges::pending(c, WATCHED).unwrap().is_empty());
}

#[test]
fn rows_queued_before_origins_were_kept_get_theirs_and_no_foreign_search_in_her_account() {
    use crate::store::schema::MIGRATIONS;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sqlite3");
    let mine = MIGRATIONS
        .iter()
        .position(|m| m.contains("provably the one mail"))
        .unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    for m in &MIGRATIONS[..mine] {
        conn.execute_batch(m).unwrap();
    }
    conn.pragma_update(None, "user_version", mine as i64)
        .unwrap();
    conn.execute_batch(
        "INSERT INTO applications (id, first_names, last_name, pesel, class, parent_email,
            status, token, created_at, updated_at)
         VALUES (1, 'Jan', 'Kowalski', '14251712346', '3A', 'r@example.pl', 'code_ready', 't1',
            '2026-11-01T08:00:00Z', '2026-11-01T08:00:00Z');
         INSERT INTO outbox (created_at, kind, application_id, recipient, subject, body,
            message_id, next_attempt_at)
         VALUES ('2026-11-01T08:00:00Z', 'staff_photo', 1, 's@szkola.test', 's', 'b',
            'mleg.1@szkola.test', '2026-11-01T08:00:00Z');
         INSERT INTO application_mails (application_id, message_id, kind)
         VALUES (1, 'her-kod@szkola.test', 'copy');
         INSERT INTO imap_purges (message_id, created_at, application_id, kind, account) VALUES
            ('p@example.pl', '2026-11-02T09:00:00Z', 1, 'parent', 'watched'),
            ('p@example.pl', '2026-11-02T09:00:00Z', 1, 'parent', 'staff'),
            ('mleg.1@szkola.test', '2026-11-02T09:00:00Z', 1, 'copy', 'watched'),
            ('mleg.1@szkola.test', '2026-11-02T09:00:00Z', 1, 'copy', 'staff'),
            ('her-kod@szkola.test', '2026-11-02T09:00:00Z', 1, 'copy', 'watched'),
            ('her-kod@szkola.test', '2026-11-02T09:00:00Z', 1, 'copy', 'staff');",
    )
    .unwrap();
    drop(conn);
    let s = Store::open(&path).unwrap();
    let hers = [
        row("mleg.1@szkola.test", "copy", Origin::Minted),
        row("her-kod@szkola.test", "copy", Origin::Staff),
    ];
    let mut watched: BTreeSet<_> = hers.iter().cloned().collect();
    watched.insert(row("p@example.pl", "parent", Origin::Foreign));
    assert_eq!(queued(&s, WATCHED), watched);
    assert_eq!(queued(&s, STAFF), hers.into_iter().collect());
}
