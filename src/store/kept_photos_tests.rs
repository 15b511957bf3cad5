//! The kept photo's row: kept through the code's purge, moved to a reissue,
//! deleted once its window has passed.

use chrono::{Duration, TimeZone, Utc};

use super::*;
use crate::domain::NewApplication;
use crate::domain::test_support::{class, email, name, pesel};
use crate::store::{Store, apps, inbox, lifecycle};

const BYTES: &[u8] = b"\xff\xd8 the stripped photo of a child";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 9, 2, 9, 0, 0).unwrap()
}

fn with_photo(s: &mut Store, serial: u32) -> (i64, i64) {
    let new = NewApplication {
        name: name("Anna", "Nowak"),
        pesel: pesel(2015, 12, 12, serial),
        class: class("3A"),
        parent_email: email("rodzic@example.pl"),
        other_parent_emails: vec![],
        legitymacja_number: None,
        code_to_student: false,
        valid_until: None,
    };
    s.transaction(|tx| {
        let app = apps::insert(tx, &new, &format!("tok{serial}"), t0(), "test")?;
        let photo = inbox::NewPhoto {
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
        };
        Ok::<_, crate::store::StoreError>((app, inbox::insert_photo(tx, &photo, t0())?))
    })
    .unwrap()
}

#[test]
fn a_kept_photo_survives_the_purge_and_goes_once_its_window_has_passed() {
    let mut s = Store::open_in_memory().unwrap();
    let (app, photo) = with_photo(&mut s, 1);
    let until = t0() + Duration::days(30);
    s.transaction(|tx| {
        assert_eq!(keep(tx, app, until)?, Some(photo));
        lifecycle::purge_photos(tx, app, t0())
    })
    .unwrap();
    let kept_now = kept(s.conn(), app).unwrap();
    assert_eq!(kept_now, Some(Kept { photo, until }));
    assert!(
        past_window(s.conn(), until - Duration::seconds(1))
            .unwrap()
            .is_empty()
    );
    assert_eq!(past_window(s.conn(), until).unwrap(), vec![app]);
    let n = s.transaction(|tx| purge_past_window(tx, until)).unwrap();
    assert_eq!(n, 1);
    assert_eq!(kept(s.conn(), app).unwrap(), None);
    assert_eq!(inbox::photo_data(s.conn(), photo).unwrap(), None);
}

#[test]
fn a_reissue_takes_the_row_itself_and_a_reissue_without_it_ends_the_window() {
    let mut s = Store::open_in_memory().unwrap();
    let (app, photo) = with_photo(&mut s, 1);
    let (other, its_own) = with_photo(&mut s, 2);
    s.transaction(|tx| {
        keep(tx, app, t0() + Duration::days(30))?;
        // A reissue is new: it has no photo of its own.
        tx.execute("DELETE FROM photos WHERE id = ?1", [its_own])?;
        hand_to(tx, photo, other)
    })
    .unwrap();
    assert_eq!(kept(s.conn(), app).unwrap(), None);
    assert_eq!(
        kept(s.conn(), other).unwrap(),
        None,
        "no longer kept: in use"
    );
    let current = inbox::current_photo(s.conn(), other).unwrap().unwrap();
    assert_eq!(current.id, photo);

    let (third, _) = with_photo(&mut s, 3);
    s.transaction(|tx| {
        keep(tx, third, t0() + Duration::days(30))?;
        end_window(tx, third, t0())
    })
    .unwrap();
    assert_eq!(past_window(s.conn(), t0()).unwrap(), vec![third]);
}

#[test]
fn a_photo_adopted_later_does_not_replace_the_kept_one() {
    let mut s = Store::open_in_memory().unwrap();
    let (app, photo) = with_photo(&mut s, 4);
    let until = t0() + Duration::days(30);
    s.transaction(|tx| {
        keep(tx, app, until)?;
        let late = inbox::NewPhoto {
            application_id: Some(app),
            message_row: None,
            source_message_id: None,
            source_subject: "",
            sender: Some("rodzic@example.pl"),
            file_name: Some("b.jpg"),
            name_tokens: &[],
            width: 354,
            height: 496,
            data: b"\xff\xd8 a later photo",
        };
        inbox::insert_photo(tx, &late, t0())
    })
    .unwrap();
    assert_eq!(kept(s.conn(), app).unwrap(), Some(Kept { photo, until }));
    assert!(inbox::photo_data(s.conn(), photo).unwrap().is_some());
}
