//! A picture is not always a photo: signature logos, icons and tracking
//! pixels are taken out before anything is decided.

use super::*;
use crate::workflow::decoration::without_decorations;

fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::new(width, height);
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

fn gif_16px() -> Vec<u8> {
    let mut gif = b"GIF89a".to_vec();
    gif.extend([16, 0, 16, 0, 0, 0, 0, b';']);
    gif
}

/// Decides on the mail as intake hands it over: without decorations.
fn decide_photos(w: &World, m: &IncomingMail) -> (Decision, IncomingMail) {
    let photos = without_decorations(m, &w.apps).into_owned();
    (w.decide(&photos), photos)
}

#[test]
fn a_parent_s_everyday_mail_with_only_a_logo_is_left_alone() {
    let w = World::new(vec![lucja()]);
    for logo in [("image001.png", png(60, 19)), ("icon.gif", gif_16px())] {
        let m = mail("mama@example.pl", "Wycieczka do Krakowa", vec![logo]);
        let (d, photos) = decide_photos(&w, &m);
        assert!(photos.images.is_empty());
        assert_eq!(d, Decision::ignore());
    }
}

#[test]
fn a_logo_only_mail_about_mlegitymacja_is_a_mail_without_a_photo() {
    let w = World::new(vec![lucja()]);
    let m = mail(
        "mama@example.pl",
        "Pytanie o legitymację",
        vec![("image001.png", png(60, 19))],
    );
    let (d, _) = decide_photos(&w, &m);
    assert_eq!(d.human, Some(HumanReason::NoPhoto));
    assert!(d.photos.is_empty() && d.reply_to_parent);
}

#[test]
fn a_photo_with_a_signature_logo_is_answered_about_the_photo_only() {
    let w = World::new(vec![lucja()]);
    let m = mail(
        "mama@example.pl",
        "Legitymacja",
        vec![
            ("image001.png", png(60, 19)),
            ("zdjecie.jpg", jpeg(354, 496)),
            ("image002.png", png(200, 40)),
        ],
    );
    let (d, photos) = decide_photos(&w, &m);
    let names: Vec<_> = photos
        .images
        .iter()
        .map(|i| i.file_name.as_deref().unwrap())
        .collect();
    assert_eq!(names, ["zdjecie.jpg"]);
    // The one photo, matched by the sender, as if the logos were not there.
    assert!(matches!(
        d.photos[..],
        [PhotoDecision::Accepted {
            image: 0,
            application_id: 1,
            ..
        }]
    ));
}

#[test]
fn a_tiny_picture_named_after_a_student_is_a_photo_and_is_refused() {
    let w = World::new(vec![lucja()]);
    let m = mail(
        "mama@example.pl",
        "Legitymacja",
        vec![("Łucja Żak.jpg", jpeg(80, 100))],
    );
    let (d, photos) = decide_photos(&w, &m);
    assert_eq!(photos.images.len(), 1);
    assert!(matches!(
        &d.photos[..],
        [PhotoDecision::Rejected { application_id: Some(1), problems, .. }]
            if problems.iter().any(|p| p.code() == "too_small")
    ));
}

#[test]
fn a_picture_whose_size_cannot_be_read_is_not_a_decoration() {
    let w = World::new(vec![lucja()]);
    let m = mail(
        "mama@example.pl",
        "Legitymacja",
        vec![("zdjecie.jpg", b"\xFF\xD8\xFF\xE0broken".to_vec())],
    );
    let (d, _) = decide_photos(&w, &m);
    assert!(matches!(d.photos[..], [PhotoDecision::Rejected { .. }]));
}
