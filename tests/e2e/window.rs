//! A backlog larger than the window of mails intake reads and checks
//! ahead: what the families, the secretary and the database end up with is
//! what one mail at a time gives, in the order the mails came; a photo that
//! fails its check in the middle of the window stops nothing.

use mleg::domain::Status;

use crate::support::app::{PROCESSED, SCHOOL, TestApp, pesel};
use crate::support::mime::Mail;
use crate::support::photos;

/// (parent's user, first name, last name) of the families.
const FAMILIES: [(&str, &str, &str); 8] = [
    ("adamska", "Ada", "Adamska"),
    ("bielski", "Bartek", "Bielski"),
    ("cichy", "Cezary", "Cichy"),
    ("dudek", "Dawid", "Dudek"),
    ("ewert", "Ewa", "Ewert"),
    ("fijak", "Filip", "Fijak"),
    ("gorska", "Gosia", "Górska"),
    ("hajduk", "Hania", "Hajduk"),
];

/// Which family's photo fails, and the reason its parent must read.
const BAD: [(usize, &str); 2] = [
    (3, "to nie jest plik JPG (to plik PNG)"),
    (5, "nieprawdopodobne wymiary (65535×65535)"),
];

fn photo_of(family: usize) -> Vec<u8> {
    match family {
        3 => photos::png(354, 496),
        5 => photos::huge_header_jpeg(),
        _ => photos::good_jpeg(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backlog_checked_ahead_ends_as_one_mail_at_a_time_would_and_a_bad_photo_stops_nothing() {
    let t = TestApp::spawn();
    let mut ids = Vec::new();
    let mut sent = Vec::new();
    for (i, (user, first, last)) in FAMILIES.iter().enumerate() {
        let parent = t.parent(user);
        ids.push(t.register(
            first,
            last,
            &pesel(2014, 5, 1 + i as u32, 60 + i as u32),
            &parent,
        ));
        let mail = Mail::new(&parent, SCHOOL, "Legitymacja")
            .photo(&format!("{first} {last}.jpg"), photo_of(i));
        t.send(&mail).await;
        sent.push(mail.message_id.clone());
    }
    // The last mail of the backlog: Bartek's second photo, a larger one.
    // Taken after his first, it is the one kept.
    let second = Mail::new(&t.parent("bielski"), SCHOOL, "Legitymacja, lepsze zdjęcie")
        .photo("Bartek Bielski 2.jpg", photos::jpeg(708, 992));
    t.send(&second).await;
    sent.push(second.message_id.clone());

    // Delivered beside intake, and all of it by the end of the round: nine
    // answers, and the secretary's seven photos.
    let (intake, delivered) = t.once().await;
    assert_eq!((intake.examined, intake.processed), (9, 9));
    assert_eq!((delivered.sent, delivered.waiting), (16, 0));

    // Every family heard about its own photo, the bad ones why.
    for (i, (user, first, last)) in FAMILIES.iter().enumerate() {
        let n = if i == 1 { 2 } else { 1 };
        let replies = t.exactly(&format!("{user}@example.pl"), n).await;
        let first_reply = replies
            .iter()
            .find(|r| r.in_reply_to == vec![sent[i].clone()])
            .expect("an answer to the family's mail");
        let text = &first_reply.text;
        match BAD.iter().find(|(bad, _)| *bad == i) {
            Some((_, reason)) => {
                assert!(
                    text.contains(reason),
                    "{user}: {reason:?} missing in:\n{text}"
                );
                assert_eq!(
                    t.application(ids[i]).status,
                    Status::AwaitingPhoto,
                    "{user}"
                );
            }
            None => {
                let accepted = format!("Przyjęliśmy zdjęcie „{first} {last}.jpg”");
                assert!(text.contains(&accepted), "{user}: {text}");
                assert_eq!(
                    t.application(ids[i]).status,
                    Status::AwaitingReview,
                    "{user}"
                );
            }
        }
    }
    let bielski = t.exactly("bielski@example.pl", 2).await;
    assert!(
        bielski
            .iter()
            .any(|r| r.in_reply_to == vec![second.message_id.clone()]
                && r.text
                    .contains("Przyjęliśmy zdjęcie „Bartek Bielski 2.jpg”")),
        "the second photo was answered too"
    );

    // One photo per application that got a good one: Bartek's is the later.
    let stored = mleg::store::probe::stored_photos(t.app.store().conn()).unwrap();
    let mut sizes: Vec<(u32, u32)> = stored.iter().map(|(w, h, _)| (*w, *h)).collect();
    sizes.sort();
    let mut expected = vec![(354, 496); 5];
    expected.push((708, 992));
    assert_eq!(sizes, expected);
    // The secretary was sent each accepted photo, the replaced one too.
    let notes = t.staff_mails_but_digests(7).await;
    assert_eq!(notes.len(), 7);

    // Filed in the order the mails came, none left behind.
    let filed: Vec<String> = t
        .stack
        .fetch_all(SCHOOL, PROCESSED)
        .await
        .iter()
        .filter_map(|m| mleg::mail::parse::parse_mail(&m.raw).ok()?.message_id)
        .collect();
    assert_eq!(filed, sent);
    assert!(t.stack.fetch_all(SCHOOL, "INBOX").await.is_empty());
}
