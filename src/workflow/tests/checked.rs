//! Photos checked ahead (on the blocking pool) give the decision that
//! checking them in place gives.

use super::*;

impl World {
    fn decide_checked(&self, m: &IncomingMail, checked: &Checked) -> Decision {
        let ctx = Context {
            open_apps: &self.apps,
            sender_is_parent: true,
            reply_to_ours: false,
            too_large: None,
            staff: &self.staff,
            policy: &self.policy,
            robot: None,
            last_reply: false,
        };
        decide_checked(m, &ctx, checked)
    }
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([x as u8, y as u8, 7]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn backlog_mail() -> IncomingMail {
    mail(
        "mama@example.pl",
        "Legitymacja",
        vec![
            ("Łucja Żak.jpg", jpeg(354, 496)),
            ("Łucja Żak 2.jpg", png(354, 496)),
            ("Łucja Żak 3.jpg", jpeg(1416, 1984)),
        ],
    )
}

#[test]
fn checked_ahead_the_decision_is_the_same_compressed_copy_included() {
    let mut w = World::new(vec![lucja()]);
    // The third photo is over the limit as a file only: it is re-encoded.
    w.policy.max_bytes = jpeg(1416, 1984).len() as u64 - 1;
    let m = backlog_mail();
    let inline = w.decide(&m);
    let ahead = w.decide_checked(&m, &Checked::of(&m, &w.policy));
    assert_eq!(ahead, inline);
    assert!(matches!(inline.photos[1], PhotoDecision::Rejected { .. }));
    assert_eq!(inline.compressed.len(), 1, "{:?}", inline.compressed);
}

#[test]
fn the_checks_are_taken_from_ahead_not_decoded_again() {
    let w = World::new(vec![lucja()]);
    let good = mail(
        "mama@example.pl",
        "Legitymacja",
        vec![("Łucja Żak.jpg", jpeg(354, 496))],
    );
    let bad = mail(
        "mama@example.pl",
        "Legitymacja",
        vec![("Łucja Żak.jpg", png(354, 496))],
    );
    // Deliberately the wrong mail's results: the decision follows them.
    let d = w.decide_checked(&good, &Checked::of(&bad, &w.policy));
    assert!(
        matches!(d.photos[0], PhotoDecision::Rejected { .. }),
        "{:?}",
        d.photos
    );
}

#[test]
fn after_decorations_are_taken_out_each_photo_keeps_its_own_check() {
    let w = World::new(vec![lucja()]);
    let mut sent = backlog_mail();
    sent.images.insert(0, sent.images[1].clone());
    sent.images[0].data = jpeg(16, 16);
    let mut kept = sent.clone();
    kept.images.remove(0);
    let checked = Checked::of(&sent, &w.policy).realigned(&sent, &kept);
    assert_eq!(w.decide_checked(&kept, &checked), w.decide(&kept));
    assert!(
        checked.get(1).is_some_and(|c| c.outcome.is_err()),
        "the PNG stays refused"
    );
}
