//! The name keys narrow a mail's candidates by index: every student the
//! mail can name and the sender's own applications, not the register.

use chrono::{TimeZone, Utc};

use super::*;
use crate::domain::NewApplication;
use crate::domain::test_support::{class, email, name, pesel};

fn register(s: &mut Store, first: &str, last: &str, parent: &str, serial: u32) -> i64 {
    let new = NewApplication {
        name: name(first, last),
        pesel: pesel(2015, 3, 1 + serial % 28, serial),
        class: class("3A"),
        parent_email: email(parent),
        other_parent_emails: vec![],
        legitymacja_number: None,
        valid_until: None,
        code_to_student: false,
    };
    let at = Utc.with_ymd_and_hms(2026, 9, 1, 8, 0, 0).unwrap();
    s.transaction(|tx| apps::insert(tx, &new, &format!("tok{serial}"), at, "test"))
        .unwrap()
}

/// The keys of a mail with this subject and one picture of this file name.
fn keys_of(subject: &str, file: &str) -> Vec<String> {
    let mut keys = std::collections::BTreeSet::new();
    crate::domain::matching::text_keys(subject, &mut keys);
    crate::domain::matching::text_keys(crate::workflow::file_stem(file), &mut keys);
    keys.into_iter().collect()
}

fn ids(apps: Vec<crate::domain::Application>) -> Vec<i64> {
    apps.into_iter().map(|a| a.id).collect()
}

#[test]
fn a_mail_gets_the_students_it_may_name_and_the_senders_applications() {
    let mut s = Store::open_in_memory().unwrap();
    let lucja = register(&mut s, "Łucja", "Żak", "mama@example.pl", 1);
    let jan = register(&mut s, "Jan", "Kowalski", "tata@example.pl", 2);
    let ola = register(&mut s, "Ola", "Nowak", "inna@example.pl", 3);
    let sender = email("tata@example.pl");

    // Declined in the subject, the sender's own child besides.
    let keys = keys_of("zdjęcie Łucji Żak", "IMG_2034.jpg");
    let found = apps::photo_candidates(s.conn(), &keys, Some(&sender)).unwrap();
    assert_eq!(ids(found), vec![lucja, jan]);
    // A stranger naming nobody gets nothing; naming Ola, Ola.
    let stranger = email("obcy@example.pl");
    let none = apps::photo_candidates(s.conn(), &keys_of("Legitymacja", "x.jpg"), Some(&stranger));
    assert!(none.unwrap().is_empty());
    let named = apps::photo_candidates(s.conn(), &keys_of("", "NOWAK OLA 3A.jpg"), Some(&stranger));
    assert_eq!(ids(named.unwrap()), vec![ola]);
}

#[test]
fn applications_registered_before_the_keys_get_them_when_the_store_opens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mleg.sqlite3");
    let mut s = Store::open(&path).unwrap();
    let jan = register(&mut s, "Jan", "Kowalski", "tata@example.pl", 2);
    s.conn()
        .execute("DELETE FROM application_name_keys", [])
        .unwrap();
    let keys = keys_of("Jan Kowalski", "a.jpg");
    assert!(
        apps::photo_candidates(s.conn(), &keys, None)
            .unwrap()
            .is_empty()
    );
    drop(s);
    let s = Store::open(&path).unwrap();
    assert_eq!(
        ids(apps::photo_candidates(s.conn(), &keys, None).unwrap()),
        vec![jan]
    );
}
