//! The student is a record apart from each application: the migration
//! moves the student's columns into `students`, a reissue is another
//! application of the same student, and a change is written once.

use chrono::{TimeZone, Utc};

use super::schema::MIGRATIONS;
use super::{Store, apps, students};
use crate::domain::NewApplication;
use crate::domain::test_support::{class, email, name, pesel};

const PESEL: &str = "14251712346";

fn old_database(path: &std::path::Path) {
    let mine = MIGRATIONS
        .iter()
        .position(|m| m.contains("CREATE TABLE students"))
        .unwrap();
    let conn = rusqlite::Connection::open(path).unwrap();
    for m in &MIGRATIONS[..mine] {
        conn.execute_batch(m).unwrap();
    }
    conn.pragma_update(None, "user_version", mine as i64)
        .unwrap();
    // Application 1 was handed over, invalidated and reissued as 2 (the
    // reissue copied the student, then the name was corrected on it); 3 is
    // another child, 4 an anonymised trail.
    let other = pesel(2015, 12, 12, 4);
    let other = other.as_str();
    conn.execute_batch(&format!(
        "INSERT INTO applications (id, first_names, last_name, pesel, class, parent_email,
            legitymacja_number, status, token, created_at, updated_at, reissue_of, reissued_as,
            valid_until, anonymised_at)
         VALUES
         (1, 'Jan', 'Kowalsky', '{PESEL}', '2A', 'mama@example.pl', '12/2024', 'invalidated',
            't1', '2026-09-01T08:00:00Z', '2026-10-01T08:00:00Z', NULL, 2, '2026-09-30', NULL),
         (2, 'Jan', 'Kowalski', '{PESEL}', '3A', 'mama@example.pl', '12/2024', 'awaiting_photo',
            't2', '2026-10-01T08:00:00Z', '2026-10-01T08:00:00Z', 1, NULL, '2027-09-30', NULL),
         (3, 'Ola', 'Lis', '{other}', '1B', 'lis@example.pl', NULL, 'awaiting_photo',
            't3', '2026-10-01T08:00:00Z', '2026-10-01T08:00:00Z', NULL, NULL, NULL, NULL),
         (4, '', '', 'anonymised:4', '', '', NULL, 'cancelled',
            'anonymised:4', '2025-10-01T08:00:00Z', '2025-10-01T08:00:00Z', NULL, NULL, NULL,
            '2026-01-01T08:00:00Z');
         INSERT INTO application_parents (application_id, email, position) VALUES
            (1, 'mama@example.pl', 0), (1, 'tata@example.pl', 1),
            (2, 'mama@example.pl', 0), (2, 'tata@example.pl', 1),
            (3, 'lis@example.pl', 0);
         INSERT INTO objections (application_id, recorded_at) VALUES
            (3, '2026-10-02T08:00:00Z');"
    ))
    .unwrap();
}

#[test]
fn a_reissue_with_two_parents_migrates_to_one_student_with_both_and_two_applications() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sqlite3");
    old_database(&path);
    let s = Store::open(&path).unwrap();
    let (first, second) = (
        apps::get(s.conn(), 1).unwrap().unwrap(),
        apps::get(s.conn(), 2).unwrap().unwrap(),
    );
    assert_eq!(first.student_id, second.student_id);
    // The newest application's values win.
    assert_eq!(first.name.last_name(), "Kowalski");
    assert_eq!(first.class.as_str(), "3A");
    assert_eq!(
        first.parent_emails,
        vec![email("mama@example.pl"), email("tata@example.pl")]
    );
    assert_eq!(
        apps::of_student(s.conn(), first.student_id)
            .unwrap()
            .iter()
            .map(|a| a.id)
            .collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert_eq!(
        students::valid_until(s.conn(), first.student_id)
            .unwrap()
            .as_deref(),
        Some("2027-09-30")
    );
    let other = apps::get(s.conn(), 3).unwrap().unwrap();
    assert_ne!(other.student_id, first.student_id);
    // The objection stays the student's.
    assert!(super::requests::objected_student(s.conn(), &other.pesel).unwrap());
    assert!(
        apps::get(s.conn(), 4).unwrap().is_none(),
        "a trail stays a trail"
    );

    let conn = rusqlite::Connection::open(&path).unwrap();
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(
        count("SELECT COUNT(*) FROM students WHERE anonymised_at IS NULL"),
        2
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM students WHERE pesel = '14251712346'"),
        1
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM applications WHERE student_id IS NULL"),
        0
    );
    assert_eq!(count("SELECT COUNT(*) FROM pragma_foreign_key_check"), 0);
    let columns: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_info('applications')")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    for gone in ["pesel", "first_names", "last_name", "class", "parent_email"] {
        assert!(!columns.iter().any(|c| c == gone), "{gone}");
    }
    for kept in [
        "applications_student",
        "applications_open_student",
        "applications_status",
        "applications_complete",
        "applications_retention",
    ] {
        let n = count(&format!(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = '{kept}'"
        ));
        assert_eq!(n, 1, "{kept}");
    }
    // At most one open application per student: the index refuses a
    // second one written past the store's own check.
    let second_open = conn.execute(
        "INSERT INTO applications (student_id, status, token, created_at, updated_at)
         SELECT student_id, 'awaiting_photo', 'x', created_at, updated_at
         FROM applications WHERE id = 2",
        [],
    );
    assert!(second_open.is_err());
}

fn new_app(last: &str, class_name: &str, parents: &[&str]) -> NewApplication {
    NewApplication {
        name: name("Jan", last),
        pesel: pesel(2014, 5, 17, 1234),
        class: class(class_name),
        parent_email: email(parents[0]),
        other_parent_emails: parents[1..].iter().map(|p| email(p)).collect(),
        legitymacja_number: None,
        valid_until: None,
        code_to_student: false,
    }
}

#[test]
fn a_second_registration_and_a_reissue_are_the_same_student_and_a_change_reaches_all() {
    let mut s = Store::open_in_memory().unwrap();
    let t = Utc.with_ymd_and_hms(2026, 9, 1, 8, 0, 0).unwrap();
    let (first, again, reissue) = s
        .transaction(|tx| {
            let first = apps::insert(tx, &new_app("Lis", "2A", &["a@example.pl"]), "t1", t, "x")?;
            apps::set_status(tx, first, crate::domain::Status::Cancelled, t, "", "x")?;
            let again = apps::insert(tx, &new_app("Lis", "2A", &["a@example.pl"]), "t2", t, "x")?;
            apps::set_status(tx, again, crate::domain::Status::HandedOver, t, "", "x")?;
            let old = apps::get(tx, again)?.unwrap();
            let reissue = apps::insert_reissue(tx, &old, "t3", t, "x")?;
            Ok::<_, super::StoreError>((first, again, reissue))
        })
        .unwrap();
    let student = apps::get(s.conn(), first).unwrap().unwrap().student_id;
    for id in [again, reissue] {
        assert_eq!(
            apps::get(s.conn(), id).unwrap().unwrap().student_id,
            student
        );
    }
    // The register's new name, class and parents, written once.
    let changed = new_app("Lis-Nowak", "3A", &["a@example.pl", "b@example.pl"]);
    s.transaction(|tx| students::update(tx, student, &changed, t))
        .unwrap();
    for id in [first, again, reissue] {
        let a = apps::get(s.conn(), id).unwrap().unwrap();
        assert_eq!(a.name.last_name(), "Lis-Nowak");
        assert_eq!(a.class.as_str(), "3A");
        assert!(a.has_parent(&email("b@example.pl")));
    }
    let found = apps::photo_candidates(s.conn(), &["nowak".to_owned()], None).unwrap();
    assert_eq!(
        found.iter().map(|a| a.id).collect::<Vec<_>>(),
        vec![reissue]
    );
}
