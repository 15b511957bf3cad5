//! A stranger learns nothing: whether a sender who is nobody's parent is
//! answered, and what the answer says, depends only on what they wrote.

use super::*;

/// The school with Jan Kowalski's application open, or closed (cancelled).
fn school(dir: &std::path::Path, jan_open: bool) -> App {
    let (app, id) = app(dir);
    if !jan_open {
        let cancel = StaffCommand::Cancel {
            reason: "rezygnacja".into(),
        };
        let cli = crate::secretary::Source {
            actor: "cli:test".into(),
            mail: None,
        };
        crate::secretary::execute(&app, id, &cancel, None, &cli).unwrap();
    }
    app
}

/// What the stranger got for `mail` at a school where Jan's application is
/// open or not: (subject, body) of each mail to them.
fn answers(jan_open: bool, mail: &IncomingMail) -> Vec<(String, String)> {
    let dir = tempfile::tempdir().unwrap();
    let app = school(dir.path(), jan_open);
    handle(&app, uid(1), mail, None).unwrap();
    queued(&app)
        .into_iter()
        .filter(|r| r.to == "obcy@example.com")
        .map(|r| (r.subject, r.body))
        .collect()
}

fn tiny_named(mut m: IncomingMail, name: &str, data: Vec<u8>) -> IncomingMail {
    m.images.clear();
    with_image(m, name, "image/jpeg", data)
}

#[test]
fn the_same_stranger_mail_gets_the_same_answer_whether_or_not_the_child_exists() {
    let one_byte = tiny_named(
        photo_from("obcy@example.com", "s1@example.com"),
        "Jan Kowalski.jpg",
        vec![0xFF],
    );
    let mut thumbnail = photo_from("obcy@example.com", "s2@example.com");
    let small = crate::photo::strip_metadata(&good_jpeg(), u64::MAX).unwrap();
    thumbnail = tiny_named(thumbnail, "Jan Kowalski.jpg", small);
    for mail in [
        photo_from("obcy@example.com", "s0@example.com"),
        one_byte,
        thumbnail,
        mail(
            "obcy@example.com",
            "s3@example.com",
            "Legitymacja Jana Kowalskiego",
            "Kiedy?",
        ),
    ] {
        let with = answers(true, &mail);
        let without = answers(false, &mail);
        assert_eq!(with.len(), 1, "{:?}", mail.subject);
        assert_eq!(with, without, "the answer tells whether Jan is registered");
        assert!(
            with[0].1.contains("sekretariat ją sprawdzi"),
            "{}",
            with[0].1
        );
        // It may echo what the stranger wrote, never what the register holds.
        for word in ["3A", "klas", "wniosek dla"] {
            assert!(!with[0].1.contains(word), "{word}: {}", with[0].1);
        }
    }
}

#[test]
fn a_stranger_without_mlegitymacja_words_gets_no_answer_even_naming_a_student() {
    let mut m = photo_from("obcy@example.com", "s1@example.com");
    m.subject = "Wycieczka do Krakowa".into();
    m.text = "W załączniku.".into();
    let bad = tiny_named(m.clone(), "Jan Kowalski.jpg", vec![0xFF]);
    for mail in [m, bad] {
        assert!(answers(true, &mail).is_empty());
        assert!(answers(false, &mail).is_empty());
    }
    // The valid photo is still held for the secretary.
    let dir = tempfile::tempdir().unwrap();
    let app = school(dir.path(), true);
    let mut held = photo_from("obcy@example.com", "s9@example.com");
    held.subject = "Wycieczka do Krakowa".into();
    held.text = "W załączniku.".into();
    let h = handle(&app, uid(1), &held, None).unwrap();
    assert_eq!(h.disposition, Disposition::NeedsHuman);
    assert_eq!(kinds(&queued(&app)), ["staff_held_photo"]);
}
