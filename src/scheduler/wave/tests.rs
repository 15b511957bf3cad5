//! The wave's families as the store hands them over: every student linked
//! through any shared parent address is one family.

use chrono::{NaiveDate, TimeZone, Utc};

use super::families;
use crate::domain::NewApplication;
use crate::domain::test_support::{class, email, name, pesel};
use crate::store::{Store, StoreError, apps, wave as store_wave};

fn student(last: &str, serial: u32, parents: &[&str]) -> NewApplication {
    NewApplication {
        name: name("Jan", last),
        pesel: pesel(2014, 5, 17, serial),
        class: class("3A"),
        parent_email: email(parents[0]),
        other_parent_emails: parents[1..].iter().map(|p| email(p)).collect(),
        legitymacja_number: None,
        valid_until: None,
        code_to_student: false,
    }
}

#[test]
fn a_child_of_the_second_parent_is_in_the_family_and_a_stranger_s_is_not() {
    let mut s = Store::open_in_memory().unwrap();
    let t = Utc.with_ymd_and_hms(2026, 9, 1, 8, 0, 0).unwrap();
    let until = NaiveDate::from_ymd_opt(2027, 9, 30).unwrap();
    let ids = s
        .transaction(|tx| {
            let a = apps::insert(tx, &student("Ala", 1, &["p1@x.pl", "p2@x.pl"]), "a", t, "x")?;
            let b = apps::insert(tx, &student("Bob", 2, &["p2@x.pl"]), "b", t, "x")?;
            let c = apps::insert(tx, &student("Cyd", 3, &["p3@x.pl"]), "c", t, "x")?;
            store_wave::create(tx, (until, 2026), &[a, c, b], t, "x")?;
            Ok::<_, StoreError>([a, b, c])
        })
        .unwrap();
    let [a, b, c] = ids;
    let found: Vec<Vec<i64>> = families(s.conn())
        .unwrap()
        .into_iter()
        .map(|f| f.into_iter().map(|p| p.application).collect())
        .collect();
    assert_eq!(found, vec![vec![a, b], vec![c]]);
}
