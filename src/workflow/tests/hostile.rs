//! Hostile or careless mail: a photo named after someone else never goes to
//! the sender's child, and a mail over a MIME cap is read no further.

use super::*;

fn zaneta() -> Application {
    application(
        1,
        "Żaneta",
        "Świątek",
        "mama@example.pl",
        Status::AwaitingPhoto,
    )
}

fn unregistered_tokens(d: &Decision) -> Vec<String> {
    match &d.photos[..] {
        [PhotoDecision::Unregistered { name_tokens, .. }] => name_tokens.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_file_named_after_an_unregistered_child_is_not_the_senders_childs() {
    let w = World::new(vec![zaneta()]);
    let d = w.decide(&mail(
        "mama@example.pl",
        "legitymacja",
        vec![("Kamil Ślimak.jpg", jpeg(354, 496))],
    ));
    assert_eq!(unregistered_tokens(&d), vec!["kamil", "slimak"]);
    assert!(d.reply_to_parent);
}

#[test]
fn a_subject_or_body_naming_an_unregistered_child_stops_the_fallback() {
    let w = World::new(vec![zaneta()]);
    let d = w.decide(&mail(
        "mama@example.pl",
        "Zdjęcie Kamil Ślimak",
        vec![("IMG_2034.jpg", jpeg(354, 496))],
    ));
    assert_eq!(unregistered_tokens(&d), vec!["kamil", "slimak"]);

    let mut m = mail(
        "mama@example.pl",
        "legitymacja",
        vec![("IMG_2034.jpg", jpeg(354, 496))],
    );
    m.text = "Dzień dobry,\nprzesyłam zdjęcie Kamila Ślimaka.\nPozdrawiam\nAnna Świątek".into();
    assert_eq!(
        unregistered_tokens(&w.decide(&m)),
        vec!["kamila", "slimaka"]
    );
}

#[test]
fn the_sender_still_decides_when_nothing_names_anybody() {
    let w = World::new(vec![zaneta()]);
    for (file, subject, body) in [
        ("IMG_2034.jpg", "Zdjęcie legitymacja", "Dzień dobry"),
        (
            "WhatsApp Image 2026-11-20 at 10.33.12.jpeg",
            "Re: mLegitymacja",
            "W załączniku zdjęcie córki.\n\nPozdrawiam\nAnna Świątek",
        ),
        ("zdjecie.jpg", "Nowe zdjęcie", "Przesyłam.\nAnna Świątek"),
    ] {
        let mut m = mail("mama@example.pl", subject, vec![(file, jpeg(354, 496))]);
        m.text = body.into();
        m.from_name = Some("Anna Świątek".into());
        assert!(
            matches!(
                w.decide(&m).photos[..],
                [PhotoDecision::Accepted {
                    application_id: 1,
                    ..
                }]
            ),
            "{file} / {subject} / {body}"
        );
    }
}

#[test]
fn a_registered_name_in_the_file_wins_over_a_stranger_in_the_body() {
    let w = World::new(vec![zaneta()]);
    let mut m = mail(
        "mama@example.pl",
        "legitymacja",
        vec![("Żaneta Świątek.jpg", jpeg(354, 496))],
    );
    m.text = "Zdjęcie zrobił Jan Kowalski.".into();
    assert!(matches!(
        w.decide(&m).photos[..],
        [PhotoDecision::Accepted {
            application_id: 1,
            ..
        }]
    ));
}

#[test]
fn a_mail_over_a_mime_cap_goes_to_a_human_with_one_answer() {
    use crate::domain::mail::OverLimit;
    let w = World::new(vec![zaneta()]);
    let mut m = mail("mama@example.pl", "zdjęcia", vec![]);
    m.over_limit = Some(OverLimit::Images { found: 25, max: 20 });
    let d = w.decide(&m);
    assert_eq!(d.disposition, Disposition::NeedsHuman);
    assert_eq!(d.human, Some(HumanReason::OverLimit));
    assert!(d.reply_to_parent && d.photos.is_empty());
    let mut spam = mail("obcy@example.com", "Oferta", vec![]);
    spam.over_limit = m.over_limit;
    assert_eq!(w.decide(&spam).disposition, Disposition::Ignore);
}

#[test]
fn the_senders_own_name_from_the_address_is_no_stranger() {
    let w = World::new(vec![application(
        1,
        "Żaneta",
        "Świątek",
        "anna.swiatek@example.pl",
        Status::AwaitingPhoto,
    )]);
    let m = mail(
        "anna.swiatek@example.pl",
        "Anna Świątek - legitymacja",
        vec![("IMG_1.jpg", jpeg(354, 496))],
    );
    assert!(matches!(
        w.decide(&m).photos[..],
        [PhotoDecision::Accepted {
            application_id: 1,
            ..
        }]
    ));
}
