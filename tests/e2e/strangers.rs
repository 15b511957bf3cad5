//! A stranger's photo is not a parent's photo: a photo named after a student
//! from an address that is none of that application's parents is held for
//! the secretary, and the sender learns nothing about the student — not even
//! whether one exists: whether they are answered, and what the answer says,
//! depends only on what they wrote. Several parent addresses per application (`--parent-email`
//! repeated, CSV `email_rodzica_2`) are all parents.

use mleg::domain::Status;
use mleg::domain::mail::IncomingMail;
use mleg::store::inbox;

use crate::support::app::{NEEDS_HUMAN, SCHOOL, SECRETARY, TestApp, mleg, pesel, the_one};
use crate::support::mime::Mail;
use crate::support::photos;
use crate::support::replies::{Style, reply};

const HELD_NOTE: &str = "zdjęcie od nieznanego adresu";
const HELD_REPLY: &str = "otrzymaliśmy wiadomość; sekretariat ją sprawdzi.";

/// The student's name or class must appear nowhere in what the stranger got.
fn tells_nothing(m: &IncomingMail) {
    for word in ["Anna", "Nowak", "3A", "3a"] {
        assert!(
            !m.subject.contains(word) && !m.text.contains(word),
            "the stranger learned {word:?}: {} / {}",
            m.subject,
            m.text
        );
    }
}

/// (photo id, has bytes) of the photos held for application `id`.
fn held_photos(t: &TestApp, id: i64) -> Vec<(i64, bool)> {
    mleg::store::probe::held_photos(t.app.store().conn(), id).unwrap()
}

async fn needs_human_subjects(t: &TestApp) -> Vec<String> {
    t.stack
        .fetch_all(SCHOOL, NEEDS_HUMAN)
        .await
        .iter()
        .map(|m| mleg::mail::parse::parse_mail(&m.raw).unwrap().subject)
        .collect()
}

fn current_photo(t: &TestApp, id: i64) -> Option<inbox::PhotoInfo> {
    inbox::current_photo(t.app.store().conn(), id).unwrap()
}

fn photo_bytes(t: &TestApp, photo: i64) -> Option<Vec<u8>> {
    inbox::photo_data(t.app.store().conn(), photo).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stranger_s_photo_is_held_and_the_secretary_s_tak_makes_it_the_application_s() {
    let t = TestApp::spawn();
    let parent = t.parent("mama");
    let stranger = t.parent("obcy");
    let id = t.register("Anna", "Nowak", &pesel(2014, 3, 3, 41), &parent);
    t.send(&Mail::new(&parent, SCHOOL, "legitymacja").photo("Anna Nowak.jpg", photos::good_jpeg()))
        .await;
    t.once().await;
    assert_eq!(t.application(id).status, Status::AwaitingReview);
    let parents_photo = current_photo(&t, id).expect("the parent's photo").id;

    let strangers_jpeg = photos::jpeg(708, 992);
    t.send(
        &Mail::new(&stranger, SCHOOL, "zdjęcie do legitymacji")
            .photo("Anna Nowak.jpg", strangers_jpeg.clone()),
    )
    .await;
    t.once().await;

    let answer = t.exactly(&stranger, 1).await;
    assert!(answer[0].text.contains(HELD_REPLY), "{}", answer[0].text);
    tells_nothing(&answer[0]);
    // Nothing moved: the parent's pending photo is still the one, bytes and all.
    assert_eq!(t.application(id).status, Status::AwaitingReview);
    assert_eq!(current_photo(&t, id).unwrap().id, parents_photo);
    assert!(photo_bytes(&t, parents_photo).is_some());
    assert_eq!(t.stack.fetch_all(SCHOOL, NEEDS_HUMAN).await.len(), 1);
    let note = t.mails_about(SECRETARY, HELD_NOTE, 1).await.remove(0);
    assert_eq!(note.images.len(), 1, "the held photo is attached");
    assert_eq!(note.images[0].data, strangers_jpeg);
    assert!(note.text.contains(&stranger), "{}", note.text);

    t.send(&reply(SECRETARY, &note, "TAK", Style::GmailPlain))
        .await;
    t.once().await;

    assert_eq!(t.application(id).status, Status::AwaitingReview);
    let now = current_photo(&t, id).expect("a photo");
    let held = held_photos(&t, id);
    assert_eq!(now.id, held[0].0, "the held photo is the application's now");
    assert_eq!(
        photo_bytes(&t, now.id).as_deref(),
        Some(&strangers_jpeg[..])
    );
    assert!(
        photo_bytes(&t, parents_photo).is_none(),
        "the older photo is superseded"
    );
    let news = t.exactly(&stranger, 2).await;
    // Only the second answer says the secretary accepted the photo.
    let accepted = the_one(&news, "przyjął");
    tells_nothing(accepted);
    // The secretary has the photo to enter, under the application's token,
    // byte for byte (the parent's note shares the subject and may arrive
    // after it).
    let tag = format!("[mLegitymacja #{id}] Zdjęcie do wprowadzenia");
    let notes = t.mails_about(SECRETARY, &tag, 2).await;
    assert_eq!(
        notes
            .iter()
            .filter(|n| n.images[0].data == strangers_jpeg)
            .count(),
        1,
        "one note carries the stranger's photo"
    );
    assert_eq!(
        t.audit(Some(id)),
        vec![(
            format!("mail:{SECRETARY}"),
            "held_approve".into(),
            "accepted".into()
        )]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_photo_refused_with_nie_is_purged_and_the_sender_gets_the_reason() {
    let t = TestApp::spawn();
    let parent = t.parent("mama");
    let stranger = t.parent("obcy");
    let id = t.register("Anna", "Nowak", &pesel(2014, 3, 4, 42), &parent);
    t.send(&Mail::new(&stranger, SCHOOL, "foto").photo("Anna Nowak.jpg", photos::good_jpeg()))
        .await;
    t.once().await;
    // No word about mLegitymacja: no answer, whomever the photo names.
    t.exactly(&stranger, 0).await;
    assert_eq!(t.application(id).status, Status::AwaitingPhoto);
    assert!(current_photo(&t, id).is_none());
    let note = t.mails_about(SECRETARY, HELD_NOTE, 1).await.remove(0);
    assert_eq!(needs_human_subjects(&t).await, vec!["foto".to_owned()]);

    // Someone who is not staff cannot decide, even with the token.
    t.send(&reply(&parent, &note, "TAK", Style::GmailPlain))
        .await;
    t.once().await;
    assert_eq!(t.application(id).status, Status::AwaitingPhoto);
    assert_eq!(held_photos(&t, id), vec![(held_photos(&t, id)[0].0, true)]);

    let reason = "to nie jest zdjęcie ucznia naszej szkoły";
    t.send(&reply(
        SECRETARY,
        &note,
        &format!("NIE: {reason}"),
        Style::GmailPlain,
    ))
    .await;
    t.once().await;

    assert_eq!(t.application(id).status, Status::AwaitingPhoto);
    assert!(!held_photos(&t, id)[0].1, "the held photo's bytes are gone");
    let kept = needs_human_subjects(&t).await;
    assert!(
        !kept.contains(&"foto".to_owned()),
        "the stranger's mail with the photo is expunged: {kept:?}"
    );
    let news = t.exactly(&stranger, 1).await;
    let refused = the_one(&news, "nie może go przyjąć");
    assert!(refused.text.contains(reason), "{}", refused.text);
    tells_nothing(refused);
    let audit = t.audit(Some(id));
    assert_eq!(audit[0].2, "refused_not_staff");
    assert_eq!(
        audit[1],
        (
            format!("mail:{SECRETARY}"),
            "held_reject".into(),
            "accepted".into()
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stranger_s_photo_kept_before_registration_is_held_not_adopted() {
    let t = TestApp::spawn();
    let parent = t.parent("mama");
    let stranger = t.parent("obcy");
    t.send(
        &Mail::new(&stranger, SCHOOL, "legitymacja").photo("Anna Nowak.jpg", photos::good_jpeg()),
    )
    .await;
    t.once().await;
    t.exactly(&stranger, 1).await;

    let id = t.register("Anna", "Nowak", &pesel(2014, 3, 5, 43), &parent);
    t.once().await;
    assert_eq!(t.application(id).status, Status::AwaitingPhoto);
    assert!(current_photo(&t, id).is_none());
    assert_eq!(held_photos(&t, id).len(), 1);
    let note = t.mails_about(SECRETARY, HELD_NOTE, 1).await.remove(0);
    assert_eq!(note.images.len(), 1);
    // The first answer said the photo was kept; only the second, that the
    // secretary will check it.
    let news = t.exactly(&stranger, 2).await;
    tells_nothing(the_one(&news, HELD_REPLY));
    assert!(t.inbox(&parent).await.is_empty(), "the parent sent nothing");

    // She knows the sender (a grandmother, say) and accepts it.
    t.send(&reply(SECRETARY, &note, "TAK", Style::OutlookPlain))
        .await;
    t.once().await;
    assert_eq!(t.application(id).status, Status::AwaitingReview);
    assert_eq!(
        current_photo(&t, id).map(|p| p.id),
        Some(held_photos(&t, id)[0].0)
    );
    let answer = t.mails_about(SECRETARY, "Re: ", 1).await;
    assert!(answer[0].text.contains("przyjęto"), "{}", answer[0].text);
    // A second TAK to the same photo changes nothing.
    t.send(&reply(SECRETARY, &note, "TAK", Style::GmailPlain))
        .await;
    t.once().await;
    let outcomes: Vec<String> = t.audit(Some(id)).into_iter().map(|a| a.2).collect();
    assert_eq!(outcomes, vec!["accepted", "already_done"]);
}

fn parents_shown(t: &TestApp, id: i64) -> (Vec<String>, String) {
    let json: serde_json::Value =
        serde_json::from_slice(&mleg(t, &["apps", "show", &id.to_string(), "--json"]).stdout)
            .unwrap();
    let list = json["parent_emails"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    let text =
        String::from_utf8_lossy(&mleg(t, &["apps", "show", &id.to_string()]).stdout).into_owned();
    (list, text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_parents_registered_by_cli_or_csv_may_send_the_photo() {
    let t = TestApp::spawn();
    let (mama, tata) = (t.parent("mama"), t.parent("tata"));
    let (mama2, tata2) = (t.parent("mama2"), t.parent("tata2"));
    let out = mleg(
        &t,
        &[
            "apps",
            "add",
            "--first-name",
            "Ola",
            "--last-name",
            "Lis",
            "--pesel",
            &pesel(2015, 4, 4, 51),
            "--class",
            "2B",
            "--parent-email",
            &mama,
            "--parent-email",
            &tata,
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = tempfile::tempdir().unwrap();
    let csv = format!(
        "imię;nazwisko;pesel;klasa;email_rodzica;email_rodzica_2\r\nJan;Lis;{};2B;{mama2};{tata2}\r\n",
        pesel(2015, 5, 5, 52)
    );
    std::fs::write(dir.path().join("lista.csv"), csv).unwrap();
    let out = mleg(
        &t,
        &[
            "apps",
            "import",
            dir.path().join("lista.csv").to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    for (id, first, second) in [(1, &mama, &tata), (2, &mama2, &tata2)] {
        let (list, text) = parents_shown(&t, id);
        assert_eq!(&list, &[first.clone(), second.clone()]);
        assert!(
            text.contains(first.as_str()) && text.contains(second.as_str()),
            "{text}"
        );
    }

    // The second parent's photo is accepted as usual: by name for Ola, by
    // the sender alone for Jan.
    t.send(&Mail::new(&tata, SCHOOL, "legitymacja").photo("Ola Lis.jpg", photos::good_jpeg()))
        .await;
    t.send(&Mail::new(&tata2, SCHOOL, "legitymacja").photo("IMG_0001.jpg", photos::good_jpeg()))
        .await;
    t.once().await;
    for (id, who, name) in [(1, &tata, "Ola Lis"), (2, &tata2, "Jan Lis")] {
        assert_eq!(t.application(id).status, Status::AwaitingReview);
        let answer = t.exactly(who, 1).await;
        assert!(answer[0].text.contains(name), "{}", answer[0].text);
        assert!(answer[0].text.contains("Przyjęliśmy"), "{}", answer[0].text);
    }
    assert!(t.inbox(&mama).await.is_empty() && t.inbox(&mama2).await.is_empty());

    // The news goes to the parent who wrote, not to the first address.
    let out = mleg(&t, &["apps", "approve", "1"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    t.once().await;
    let news = t.exactly(&tata, 2).await;
    let approved = the_one(&news, "wniosek zatwierdzony");
    assert!(approved.text.contains("zatwierdz"), "{}", approved.text);
    assert!(t.inbox(&mama).await.is_empty());
}

/// The same stranger's mail, once while Anna's application is open and once
/// after it was cancelled: the two answers are the same but for dates and ids.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stranger_gets_the_same_answer_whether_or_not_the_child_has_an_application() {
    let t = TestApp::spawn();
    let parent = t.parent("mama");
    let stranger = t.parent("obcy");
    let id = t.register("Anna", "Nowak", &pesel(2014, 3, 5, 43), &parent);
    let probe = || {
        Mail::new(&stranger, SCHOOL, "legitymacja Anny")
            .text("Czy Anna Nowak ma już legitymację?")
            .photo("Anna Nowak.jpg", vec![0xFF])
    };
    t.send(&probe()).await;
    t.once().await;
    let out = mleg(
        &t,
        &["apps", "cancel", &id.to_string(), "--reason", "rezygnacja"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    t.send(&probe()).await;
    t.once().await;
    let answers = t.exactly(&stranger, 2).await;
    assert_eq!(answers[0].subject, answers[1].subject);
    assert_eq!(answers[0].text, answers[1].text);
    assert!(answers[0].text.contains(HELD_REPLY), "{}", answers[0].text);
    assert!(!answers[0].text.contains("3A"));
}
