//! A parent's photo through the whole loop: checked, answered, handed to the secretary.

use mleg::domain::Status;

use crate::support::app::{NEEDS_HUMAN, PROCESSED, SCHOOL, SECRETARY, TestApp, pesel};
use crate::support::mime::Mail;
use crate::support::photos;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_good_photo_is_accepted_and_reaches_the_secretary_with_the_data_to_enter() {
    let t = TestApp::spawn();
    let parent = t.parent("nowak");
    let pesel = pesel(2015, 12, 12, 123);
    let id = t.register("Anna Maria", "Nowak-Kowalska", &pesel, &parent);
    let mail = Mail::new(&parent, SCHOOL, "mLegitymacja Ania")
        .photo("Anna Maria Nowak-Kowalska.jpg", photos::good_jpeg());
    t.send(&mail).await;

    let (intake, sent) = t.once().await;
    assert_eq!((intake.processed, sent.sent), (1, 2));

    let reply = &t.exactly(&parent, 1).await[0];
    assert_eq!(reply.subject, "Re: mLegitymacja Ania");
    assert_eq!(reply.in_reply_to, vec![mail.message_id.clone()]);
    assert!(reply.auto_generated(), "carries Auto-Submitted");
    assert!(reply.text.contains("Przyjęliśmy zdjęcie „Anna Maria Nowak-Kowalska.jpg” dla: Anna Maria Nowak-Kowalska (klasa 3A)"), "{}", reply.text);
    assert!(reply.text.contains("14 dni"), "{}", reply.text);

    let note = &t.exactly(SECRETARY, 1).await[0];
    assert!(
        note.subject.contains("Zdjęcie do wprowadzenia"),
        "{}",
        note.subject
    );
    assert!(!note.subject.contains(&pesel), "no PESEL in the subject");
    for expected in [
        pesel.as_str(),
        "12.12.2015",
        "Nowak-Kowalska",
        "Anna Maria",
        "123/2024",
        parent.as_str(),
    ] {
        assert!(
            note.text.contains(expected),
            "{expected} missing from:\n{}",
            note.text
        );
    }
    assert_eq!(note.images.len(), 1);
    assert_eq!(
        note.images[0].file_name.as_deref(),
        Some("Nowak-Kowalska_Anna_Maria.jpg")
    );
    assert_eq!(note.images[0].data, photos::good_jpeg());

    assert_eq!(t.application(id).status, Status::AwaitingReview);
    assert!(
        t.stack.fetch_all(SCHOOL, "INBOX").await.is_empty(),
        "the parent's mail left the inbox"
    );
    assert_eq!(t.stack.fetch_all(SCHOOL, PROCESSED).await.len(), 1);
}

/// Each bad photo gets one answer naming its own problem, in Polish.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_bad_photo_gets_one_rejection_with_its_reason_and_the_state_stays() {
    let t = TestApp::spawn();
    let cases: Vec<(&str, &str, Vec<u8>, &str)> = vec![
        (
            "aspekt",
            "Adam Aspekt",
            photos::jpeg(600, 600),
            "wymagane są proporcje 354:496",
        ),
        (
            "maly",
            "Bartek Mały",
            photos::jpeg(177, 248),
            "musi mieć co najmniej 354×496 pikseli",
        ),
        (
            "duzy",
            "Celina Duża",
            photos::jpeg_over_5_mb(),
            "może mieć najwyżej 5 MB",
        ),
        (
            "png",
            "Dawid Png",
            photos::png(354, 496),
            "to nie jest plik JPG (to plik PNG)",
        ),
        (
            "uciety",
            "Ewa Ucięta",
            photos::truncated_jpeg(),
            "uszkodzony albo niekompletny",
        ),
        ("cmyk", "Filip Cmyk", photos::cmyk_jpeg(), "w kolorach CMYK"),
        (
            "wielki",
            "Gosia Wielka",
            photos::huge_header_jpeg(),
            "nieprawdopodobne wymiary (65535×65535)",
        ),
    ];
    let mut ids = Vec::new();
    for (i, (user, name, data, _)) in cases.iter().enumerate() {
        let parent = t.parent(user);
        let (first, last) = name.split_once(' ').unwrap();
        ids.push(t.register(
            first,
            last,
            &pesel(2014, 3, 1 + i as u32, 40 + i as u32),
            &parent,
        ));
        t.send(
            &Mail::new(&parent, SCHOOL, "Legitymacja").photo(&format!("{name}.jpg"), data.clone()),
        )
        .await;
    }
    let (intake, _) = t.once().await;
    assert_eq!(intake.processed, cases.len());

    for ((user, _, _, reason), id) in cases.iter().zip(ids) {
        let replies = t.exactly(&format!("{user}@example.pl"), 1).await;
        let text = &replies[0].text;
        assert!(text.contains("nie spełnia wymagań"), "{user}: {text}");
        assert!(
            text.contains(reason),
            "{user}: expected {reason:?} in:\n{text}"
        );
        assert!(
            text.contains("Prosimy odpowiedzieć na tę wiadomość"),
            "{user}: invitation to resend"
        );
        assert_eq!(t.application(id).status, Status::AwaitingPhoto, "{user}");
    }
    assert!(
        t.inbox(SECRETARY).await.is_empty(),
        "no notification for a bad photo"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unrelated_mail_stays_unread_in_the_inbox() {
    let t = TestApp::spawn();
    let parent = t.parent("rodzic");
    t.register("Jan", "Kowalski", &pesel(2013, 1, 2, 7), &parent);
    t.send(
        &Mail::new("dostawca@example.pl", SCHOOL, "Faktura VAT 11/2026")
            .text("W załączeniu faktura."),
    )
    .await;
    let newsletter = Mail::new("gazetka@example.pl", SCHOOL, "Nowości w bibliotece")
        .photo("okladka.jpg", photos::good_jpeg());
    t.send(&newsletter).await;

    let (intake, sent) = t.once().await;
    assert_eq!((intake.examined, intake.ignored, sent.sent), (2, 2, 0));
    let inbox = t.stack.fetch_all(SCHOOL, "INBOX").await;
    assert_eq!(inbox.len(), 2);
    assert!(
        inbox.iter().all(|m| !m.seen),
        "still unread for the secretary"
    );
    // Examined once: the next round does not look at them again.
    let (again, _) = t.once().await;
    assert_eq!(again.examined, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mail_about_the_id_without_a_photo_asks_for_one_and_alerts_the_secretary() {
    let t = TestApp::spawn();
    let parent = t.parent("pytanie");
    let mail = Mail::new(&parent, SCHOOL, "Pytanie o legitymację")
        .text("Kiedy będzie gotowa?")
        .part(
            "application/pdf",
            "attachment; filename=\"wniosek.pdf\"",
            b"%PDF-1.4 ...".to_vec(),
        );
    t.send(&mail).await;
    t.once().await;
    let reply = &t.exactly(&parent, 1).await[0];
    assert!(
        reply
            .text
            .contains("nie znaleźliśmy zdjęcia (otrzymaliśmy: wniosek.pdf)"),
        "{}",
        reply.text
    );
    let alert = &t.exactly(SECRETARY, 1).await[0];
    assert!(
        alert.subject.contains("wiadomość bez zdjęcia"),
        "{}",
        alert.subject
    );
    assert_eq!(t.stack.fetch_all(SCHOOL, NEEDS_HUMAN).await.len(), 1);
}
