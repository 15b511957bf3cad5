//! A photo refused only for its file size is made to fit and accepted;
//! one with any other problem is refused as before.

use super::*;

/// A JPEG of fine noise (compresses badly) at quality 100.
fn noisy_jpeg(width: u32, height: u32) -> Vec<u8> {
    let mut seed = 0x1357_9bdfu32;
    let img = image::RgbImage::from_fn(width, height, |_, _| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let b = seed.to_le_bytes();
        image::Rgb([b[0] / 4 + 96, b[1] / 4 + 96, b[2] / 4 + 96])
    });
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 100)
        .encode_image(&img)
        .unwrap();
    out
}

fn world_with_limit(max_bytes: u64) -> World {
    let mut w = World::new(vec![lucja()]);
    w.policy.max_bytes = max_bytes;
    w
}

#[test]
fn a_photo_too_large_only_as_a_file_is_compressed_and_accepted() {
    let w = world_with_limit(150_000);
    let sent = noisy_jpeg(708, 992);
    assert!(sent.len() > 400_000, "{} bytes", sent.len());
    let d = w.decide(&mail(
        "mama@example.pl",
        "Legitymacja",
        vec![("Łucja Żak.jpg", sent.clone())],
    ));
    let [
        PhotoDecision::Accepted {
            image: 0,
            application_id: 1,
            check,
        },
    ] = &d.photos[..]
    else {
        panic!("{:?}", d.photos);
    };
    let [copy] = &d.compressed[..] else {
        panic!("{:?}", d.compressed);
    };
    assert_eq!(copy.image, 0);
    assert_eq!(copy.original_bytes, sent.len() as u64);
    assert!(copy.data.len() <= 150_000, "{} bytes", copy.data.len());
    // The check describes the copy that will be stored, not the original.
    assert_eq!(check.bytes, copy.data.len());
    assert!(check.width >= 354 && check.height >= 496, "{check:?}");
    assert_eq!(d.disposition, Disposition::Processed);
    assert!(d.reply_to_parent);
}

#[test]
fn a_photo_too_large_and_of_the_wrong_shape_is_refused_for_both() {
    let w = world_with_limit(150_000);
    let d = w.decide(&mail(
        "mama@example.pl",
        "Legitymacja",
        vec![("Łucja Żak.jpg", noisy_jpeg(800, 800))],
    ));
    match &d.photos[..] {
        [PhotoDecision::Rejected { problems, .. }] => assert_eq!(
            problems.iter().map(|p| p.code()).collect::<Vec<_>>(),
            vec!["too_many_bytes", "wrong_aspect"]
        ),
        other => panic!("{other:?}"),
    }
    assert!(d.compressed.is_empty());
}

#[test]
fn a_photo_that_cannot_fit_at_the_minimum_size_is_refused_for_its_size() {
    let w = world_with_limit(4_000);
    let d = w.decide(&mail(
        "mama@example.pl",
        "Legitymacja",
        vec![("Łucja Żak.jpg", noisy_jpeg(354, 496))],
    ));
    match &d.photos[..] {
        [PhotoDecision::Rejected { problems, .. }] => assert_eq!(
            problems.iter().map(|p| p.code()).collect::<Vec<_>>(),
            vec!["too_many_bytes"]
        ),
        other => panic!("{other:?}"),
    }
    assert!(d.compressed.is_empty());
}
