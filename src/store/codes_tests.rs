//! Codes have their own record: the migration moves the old columns over,
//! a new code replaces the current one, and the current one is what the
//! date rules and the notices read.

use chrono::{TimeZone, Utc};

use super::schema::MIGRATIONS;
use super::{Store, lifecycle};
use crate::domain::NewApplication;
use crate::domain::test_support::{class, email, name, pesel};
use crate::workflow::lifecycle::CodeRecord;

fn new_app() -> NewApplication {
    NewApplication {
        name: name("Anna", "Nowak"),
        pesel: pesel(2015, 12, 12, 4),
        class: class("3A"),
        parent_email: email("rodzic@example.pl"),
        other_parent_emails: vec![],
        legitymacja_number: None,
        valid_until: None,
        code_to_student: false,
    }
}

#[test]
fn codes_recorded_before_the_codes_table_move_to_their_own_records() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sqlite3");
    let mine = MIGRATIONS
        .iter()
        .position(|m| m.contains("CREATE TABLE codes"))
        .unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    for m in &MIGRATIONS[..mine] {
        conn.execute_batch(m).unwrap();
    }
    conn.pragma_update(None, "user_version", mine as i64)
        .unwrap();
    conn.execute_batch(
        "INSERT INTO applications (id, first_names, last_name, pesel, class, parent_email,
            status, token, created_at, updated_at, activation_code, qr_content,
            code_generated_at, code_expires_at, handed_over_at, handed_over_by)
         VALUES
         (1, 'Jan', 'Kowalski', '14251712346', '3A', 'r@example.pl', 'handed_over', 't1',
            '2026-11-01T08:00:00Z', '2026-11-01T08:00:00Z', 'AB12CD34', 'https://x.gov.pl/q',
            '2026-11-02T08:00:00Z', '2026-12-02T08:00:00Z', '2026-11-03T08:00:00Z', 'mail:parent'),
         (2, 'Anna', 'Nowak', '14251712347', '3A', 'r@example.pl', 'expired', 't2',
            '2026-11-01T08:00:00Z', '2026-11-01T08:00:00Z', 'ZZ99', NULL,
            '2026-10-01T08:00:00Z', '2026-10-31T08:00:00Z', NULL, NULL),
         (3, 'Ola', 'Lis', '14251712348', '3A', 'r@example.pl', 'awaiting_photo', 't3',
            '2026-11-01T08:00:00Z', '2026-11-01T08:00:00Z', NULL, NULL, NULL, NULL, NULL, NULL);",
    )
    .unwrap();
    drop(conn);
    let s = Store::open(&path).unwrap();
    let handed = lifecycle::code_info(s.conn(), 1).unwrap().unwrap();
    assert_eq!(handed.code, "AB12CD34");
    assert_eq!(handed.qr_content.as_deref(), Some("https://x.gov.pl/q"));
    assert_eq!(handed.handed_over_how.as_deref(), Some("activated"));
    assert_eq!(handed.handed_over_to.as_deref(), Some("parent"));
    assert!(handed.activated_at.is_some());
    let expired = lifecycle::code_info(s.conn(), 2).unwrap().unwrap();
    assert_eq!(
        expired.expired_at,
        Some(Utc.with_ymd_and_hms(2026, 10, 31, 8, 0, 0).unwrap())
    );
    assert!(lifecycle::code_info(s.conn(), 3).unwrap().is_none());
    let dates = super::dates::app_dates(s.conn(), 1).unwrap();
    assert_eq!(dates.code_expires_at, Some(handed.expires_at));
}

#[test]
fn a_new_code_replaces_the_current_one_and_both_stay_listed() {
    let mut s = Store::open_in_memory().unwrap();
    let t = |d| Utc.with_ymd_and_hms(2026, 11, d, 8, 0, 0).unwrap();
    let id = s
        .transaction(|tx| {
            let id = super::apps::insert(tx, &new_app(), "tok4", t(1), "test")?;
            for (code, day) in [("FIRST1", 2), ("SECOND2", 3)] {
                let rec = CodeRecord {
                    code: code.into(),
                    generated_at: t(day),
                    expires_at: t(day) + chrono::Duration::days(30),
                };
                lifecycle::record_code(tx, id, &rec, None)?;
            }
            lifecycle::invalidate_code(tx, id, t(4), "card_invalid")?;
            Ok::<_, super::StoreError>(id)
        })
        .unwrap();
    let all = lifecycle::codes(s.conn(), id).unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].replaced_by, Some(all[1].id));
    assert_eq!(all[0].invalidated_at, None);
    let current = lifecycle::code_info(s.conn(), id).unwrap().unwrap();
    assert_eq!(current.code, "SECOND2");
    assert_eq!(current.invalidated_reason.as_deref(), Some("card_invalid"));
}

#[test]
fn a_second_application_for_a_student_is_refused_while_the_first_is_open_by_every_closed_set() {
    use crate::domain::Status;
    let t = Utc.with_ymd_and_hms(2026, 11, 1, 8, 0, 0).unwrap();
    for status in Status::ALL {
        let mut s = Store::open_in_memory().unwrap();
        let first = s
            .transaction(|tx| {
                let id = super::apps::insert(tx, &new_app(), "first", t, "test")?;
                super::apps::set_status(tx, id, status, t, "", "test")?;
                Ok::<_, super::StoreError>(id)
            })
            .unwrap();
        // The register's check is built from `Status::is_closed`; the
        // unique index behind it must not refuse what the check allows.
        let second = s.transaction(|tx| super::apps::insert(tx, &new_app(), "second", t, "test"));
        assert_eq!(second.is_ok(), status.is_closed(), "{status}");
        // A reissue is allowed from every status it may start from, and the
        // old one then no longer counts as open.
        if status.may_be_reissued() && !status.is_closed() {
            let reissue = s.transaction(|tx| {
                let old = super::apps::get(tx, first)?.expect("the first application");
                super::apps::insert_reissue(tx, &old, "third", t, "test")
            });
            let id = reissue.unwrap_or_else(|e| panic!("{status}: {e}"));
            assert_eq!(
                super::apps::reissue_links(s.conn(), first).unwrap(),
                (None, Some(id))
            );
        }
    }
}
