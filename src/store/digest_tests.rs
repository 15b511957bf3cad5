//! The digest's queries on a real SQLite store: which section an application
//! lands in, oldest first, the issue deadline, the expiry window, the cap.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

use super::*;
use crate::domain::NewApplication;
use crate::domain::test_support::{class, email, name, pesel};
use crate::store::{Store, apps, lifecycle};
use crate::workflow::lifecycle::CodeRecord;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 6, 30, 0).unwrap()
}

fn add(store: &mut Store, serial: u32, status: Status, at: DateTime<Utc>) -> i64 {
    let new = NewApplication {
        name: name(
            "Ala",
            &format!("Kot{}", "a".repeat(serial as usize % 5 + 1)),
        ),
        pesel: pesel(2015, 1, 1 + serial % 28, serial),
        class: class("3A"),
        parent_email: email("rodzic@example.pl"),
        other_parent_emails: vec![],
        legitymacja_number: None,
        valid_until: None,
        code_to_student: false,
    };
    store
        .transaction(|tx| -> Result<i64> {
            let id = apps::insert(tx, &new, &format!("t{serial}"), at, "test")?;
            if status != Status::AwaitingPhoto {
                apps::set_status(tx, id, status, at, "", "test")?;
            }
            Ok(id)
        })
        .unwrap()
}

fn code(store: &mut Store, id: i64, expires_at: DateTime<Utc>) {
    let record = CodeRecord {
        code: "K".into(),
        generated_at: expires_at - Duration::days(30),
        expires_at,
    };
    lifecycle::record_code(store.conn(), id, &record, None).unwrap();
}

fn complete(store: &Store, id: i64, at: DateTime<Utc>) {
    store
        .conn()
        .execute(
            "UPDATE applications SET complete_at = ?2 WHERE id = ?1",
            rusqlite::params![id, ts(at)],
        )
        .unwrap();
}

fn query(pickup: bool) -> Query {
    Query {
        now: now(),
        issue_within_days: 14,
        expiring_within_days: 7,
        pickup,
    }
}

fn ids(s: &Section) -> Vec<i64> {
    s.items.iter().map(|i| i.id).collect()
}

#[test]
fn each_application_lands_in_its_section_oldest_first() {
    let mut store = Store::open_in_memory().unwrap();
    let day = |d: i64| now() - Duration::days(d);
    let review_new = add(&mut store, 1, Status::AwaitingReview, day(1));
    let review_old = add(&mut store, 2, Status::AwaitingReview, day(20));
    complete(&store, review_new, day(1));
    complete(&store, review_old, day(20));
    let approved = add(&mut store, 3, Status::Approved, day(3));
    complete(&store, approved, day(15));
    let soon = add(&mut store, 4, Status::CodeReady, day(25));
    code(&mut store, soon, now() + Duration::days(5));
    let later = add(&mut store, 5, Status::CodeReady, day(2));
    code(&mut store, later, now() + Duration::days(28));
    let expired = add(&mut store, 6, Status::Expired, day(1));
    // Completed once, then sent back for a new photo: not complete, so
    // not overdue (one meaning with `apps list --overdue`).
    let new_photo = add(&mut store, 7, Status::AwaitingPhoto, day(1));
    complete(&store, new_photo, day(20));
    add(&mut store, 8, Status::HandedOver, day(1));
    add(&mut store, 9, Status::Rejected, day(1));

    let w = waiting(store.conn(), query(true)).unwrap();
    assert_eq!(ids(&w.review), vec![review_old, review_new]);
    assert_eq!(ids(&w.approved), vec![approved]);
    // Complete 20 and 15 days ago: past the 14 days; the date is the deadline.
    assert_eq!(ids(&w.overdue), vec![review_old, approved]);
    assert_eq!(w.overdue.items[0].at, day(20) + Duration::days(14));
    assert_eq!(ids(&w.expiring), vec![soon]);
    assert_eq!(w.expiring.items[0].at, now() + Duration::days(5));
    assert_eq!(ids(&w.not_picked_up), vec![later]);
    assert_eq!(ids(&w.expired), vec![expired]);
    assert!(!w.is_empty());

    // A school that e-mails codes has nothing to pick up.
    let w = waiting(store.conn(), query(false)).unwrap();
    assert_eq!(w.not_picked_up.total, 0);

    let counts = status_counts(store.conn()).unwrap();
    assert_eq!(counts[0], (Status::AwaitingPhoto, 1));
    assert_eq!(counts[1], (Status::AwaitingReview, 2));
}

#[test]
fn nothing_waits_for_an_application_without_a_photo() {
    let mut store = Store::open_in_memory().unwrap();
    add(&mut store, 1, Status::AwaitingPhoto, now());
    add(&mut store, 2, Status::HandedOver, now());
    assert!(waiting(store.conn(), query(true)).unwrap().is_empty());
}

#[test]
fn a_long_section_lists_the_oldest_and_counts_all() {
    let mut store = Store::open_in_memory().unwrap();
    let n = SECTION_LIMIT as u32 + 5;
    let mut first = 0;
    for i in 0..n {
        let id = add(
            &mut store,
            i,
            Status::Approved,
            now() - Duration::hours(i64::from(i)),
        );
        if i == n - 1 {
            first = id;
        }
    }
    let w = waiting(store.conn(), query(true)).unwrap();
    assert_eq!(w.approved.total, n as usize);
    assert_eq!(w.approved.items.len(), SECTION_LIMIT);
    assert_eq!(w.approved.items[0].id, first, "oldest first");
}

#[test]
fn a_day_is_recorded_once() {
    let store = Store::open_in_memory().unwrap();
    let d = |day| NaiveDate::from_ymd_opt(2026, 12, day).unwrap();
    assert_eq!(last_decided(store.conn()).unwrap(), None);
    assert!(record(store.conn(), d(1), now(), true).unwrap());
    assert!(!record(store.conn(), d(1), now(), false).unwrap());
    assert!(record(store.conn(), d(2), now(), false).unwrap());
    assert_eq!(last_decided(store.conn()).unwrap(), Some(d(2)));
}

#[test]
fn an_open_application_whose_parent_address_bounces_waits_for_the_secretary() {
    let mut store = Store::open_in_memory().unwrap();
    let day = |d: i64| now() - Duration::days(d);
    let open = add(&mut store, 1, Status::AwaitingPhoto, day(3));
    let done = add(&mut store, 2, Status::HandedOver, day(3));
    for id in [open, done] {
        store
            .conn()
            .execute(
                "UPDATE applications SET bounced_at = ?2, bounced_kind = 'parent' WHERE id = ?1",
                rusqlite::params![id, ts(day(2))],
            )
            .unwrap();
    }
    let w = waiting(store.conn(), query(true)).unwrap();
    assert_eq!(ids(&w.bounced), vec![open]);
    assert!(!w.is_empty(), "a bouncing address alone is worth a digest");
}

#[test]
fn a_parents_request_waits_until_the_status_moves() {
    let mut store = Store::open_in_memory().unwrap();
    let asked = now() - Duration::days(2);
    let id = add(&mut store, 1, Status::HandedOver, now() - Duration::days(9));
    let other = add(&mut store, 2, Status::HandedOver, now() - Duration::days(9));
    store
        .transaction(|tx| crate::store::requests::record(tx, id, "lost", true, asked))
        .unwrap();
    let w = waiting(store.conn(), query(false)).unwrap();
    assert_eq!(ids(&w.requests), vec![id]);
    assert_eq!(w.requests.items[0].at, asked);
    assert!(!ids(&w.requests).contains(&other));
    // Her command moves the status: the request is answered.
    store
        .transaction(|tx| apps::set_status(tx, id, Status::Cancelled, now(), "", "test"))
        .unwrap();
    assert_eq!(
        waiting(store.conn(), query(false)).unwrap().requests.total,
        0
    );
}
