//! Phone-like photos built in memory: a picture with a red corner, wrapped in
//! every kind of metadata a phone or an editor writes.

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{GenericImageView, ImageEncoder, Rgb, RgbImage};

use super::*;
use crate::photo::{PANIC_IN_DECODER, PhotoPolicy, check_photo};

/// No size limit: these tests are about what is kept and dropped.
const MAX: u64 = u64::MAX;

const CAMERA: &[u8] = b"ZZPhone 15 Pro Max";
const DATE: &[u8] = b"2026:05:01 12:34:56\0";

/// White, with a red 16x16 block in the top-left corner of the stored pixels.
fn marked(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        if x < 16 && y < 16 {
            Rgb([255, 0, 0])
        } else {
            Rgb([255, 255, 255])
        }
    })
}

fn plain_jpeg(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&marked(width, height))
        .expect("encode jpeg");
    out
}

fn segment(marker: u8, body: &[u8]) -> Vec<u8> {
    let len = u16::try_from(body.len() + 2).expect("small segment");
    let mut out = vec![0xFF, marker];
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(body);
    out
}

/// A big-endian Exif block: make, model, orientation, time, and a GPS IFD
/// with latitude N 52° 13' 47.11".
pub(crate) fn exif_with_gps(orientation: u16) -> Vec<u8> {
    let entry = |tag: u16, kind: u16, count: u32, value: [u8; 4]| {
        let mut e = tag.to_be_bytes().to_vec();
        e.extend_from_slice(&kind.to_be_bytes());
        e.extend_from_slice(&count.to_be_bytes());
        e.extend_from_slice(&value);
        e
    };
    let at = |offset: usize| u32::try_from(offset).expect("small").to_be_bytes();
    // Header (8) + IFD0 with 5 entries (2 + 60 + 4), then the data area.
    let data_start = 8 + 2 + 5 * 12 + 4;
    let make_at = data_start;
    let model_at = make_at + 4;
    let date_at = model_at + CAMERA.len() + 1;
    let gps_at = date_at + DATE.len();
    let lat_at = gps_at + 2 + 2 * 12 + 4;
    let count = |n: usize| u32::try_from(n).expect("small");
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    tiff.extend_from_slice(&5u16.to_be_bytes());
    tiff.extend(entry(0x010F, 2, 4, at(make_at)));
    tiff.extend(entry(0x0110, 2, count(CAMERA.len() + 1), at(model_at)));
    let [o1, o0] = orientation.to_be_bytes();
    tiff.extend(entry(0x0112, 3, 1, [o1, o0, 0, 0]));
    tiff.extend(entry(0x0132, 2, count(DATE.len()), at(date_at)));
    tiff.extend(entry(0x8825, 4, 1, at(gps_at)));
    tiff.extend_from_slice(&[0; 4]);
    tiff.extend_from_slice(b"ZZ\0\0");
    tiff.extend_from_slice(CAMERA);
    tiff.push(0);
    tiff.extend_from_slice(DATE);
    tiff.extend_from_slice(&2u16.to_be_bytes());
    tiff.extend(entry(0x0001, 2, 2, *b"N\0\0\0"));
    tiff.extend(entry(0x0002, 5, 3, at(lat_at)));
    tiff.extend_from_slice(&[0; 4]);
    for (num, den) in [(52u32, 1u32), (13, 1), (4711, 100)] {
        tiff.extend_from_slice(&num.to_be_bytes());
        tiff.extend_from_slice(&den.to_be_bytes());
    }
    let mut body = b"Exif\0\0".to_vec();
    body.extend(tiff);
    body
}

/// `jpeg` with Exif (GPS, camera, time), XMP, an MPF APP2, Photoshop/IPTC,
/// a comment, and a Motion-Photo-like trailer after EOI.
fn phone_jpeg(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut out = jpeg[..2].to_vec();
    out.extend(segment(0xE1, &exif_with_gps(orientation)));
    out.extend(segment(
        0xE1,
        b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><exif:GPSLatitude>52,13N</exif:GPSLatitude></x:xmpmeta>",
    ));
    out.extend(segment(0xE2, b"MPF\0ZZMULTIPICTURE"));
    out.extend(segment(0xED, b"Photoshop 3.0\08BIM\x04\x04ZZIPTC-CITY"));
    out.extend(segment(0xFE, b"ZZCOMMENT taken at home"));
    out.extend_from_slice(&jpeg[2..]);
    out.extend_from_slice(b"ZZMOTIONPHOTO trailer");
    out
}

fn contains(data: &[u8], needle: &[u8]) -> bool {
    data.windows(needle.len()).any(|w| w == needle)
}

fn assert_no_metadata(data: &[u8]) {
    for needle in [
        b"Exif".as_slice(),
        b"ZZ",
        CAMERA,
        &DATE[..10],
        b"ns.adobe.com",
        b"8BIM",
        b"MPF",
    ] {
        assert!(
            !contains(data, needle),
            "{:?} still in the photo",
            String::from_utf8_lossy(needle)
        );
    }
    // No APP1, APP13 or COM marker right after SOI or anywhere in headers.
    let walk = walk_jpeg(data);
    assert!(walk.damage.is_none(), "{:?}", walk.damage);
    assert_eq!(walk.orientation, 1);
}

fn is_red(p: Rgb<u8>) -> bool {
    p.0[0] > 200 && p.0[1] < 60 && p.0[2] < 60
}

fn is_white(p: Rgb<u8>) -> bool {
    p.0.iter().all(|&c| c > 200)
}

#[test]
fn upright_phone_photo_loses_gps_camera_time_and_comments() {
    let original = plain_jpeg(48, 64);
    let phone = phone_jpeg(&original, 1);
    assert!(contains(&phone, CAMERA) && contains(&phone, b"8BIM"));

    let stripped = strip_metadata(&phone, MAX).expect("strip");
    assert_no_metadata(&stripped);
    // Lossless: exactly the encoder's own segments, pixels untouched.
    assert_eq!(stripped, original);
}

#[test]
fn colour_profile_and_jfif_are_kept() {
    let original = plain_jpeg(48, 64);
    let mut with_icc = original[..2].to_vec();
    with_icc.extend(segment(0xE2, b"ICC_PROFILE\0\x01\x01fake-profile"));
    with_icc.extend_from_slice(&original[2..]);
    let stripped = strip_metadata(&phone_jpeg(&with_icc, 1), MAX).expect("strip");
    assert!(contains(&stripped, b"ICC_PROFILE\0\x01\x01fake-profile"));
    assert!(contains(&stripped, b"JFIF\0"));
}

#[test]
fn rotated_phone_photo_is_turned_upright_and_stripped() {
    // Stored landscape 48x32 with orientation 6: shown portrait, 32x48, and
    // the stored top-left corner is shown top-right.
    let phone = phone_jpeg(&plain_jpeg(48, 32), 6);
    let policy = PhotoPolicy {
        min_width: 1,
        min_height: 1,
        aspect: None,
        ..PhotoPolicy::default()
    };
    let check = check_photo(&phone, &policy).expect("valid photo");

    let stripped = strip_metadata(&phone, MAX).expect("strip");
    assert_no_metadata(&stripped);
    let shown = image::load_from_memory(&stripped).expect("decodes");
    assert_eq!(shown.dimensions(), (32, 48));
    assert_eq!((check.width, check.height), shown.dimensions());
    let shown = shown.to_rgb8();
    assert!(
        is_red(*shown.get_pixel(24, 8)),
        "{:?}",
        shown.get_pixel(24, 8)
    );
    assert!(is_white(*shown.get_pixel(8, 8)));
    assert!(is_white(*shown.get_pixel(8, 40)));
    // And it is still a photo check_photo accepts, the same size.
    let again = check_photo(&stripped, &policy).expect("still valid");
    assert_eq!((again.width, again.height), (32, 48));
}

#[test]
fn every_orientation_puts_the_corner_where_a_viewer_shows_it() {
    // (orientation, displayed size, where the red corner is shown)
    let cases = [
        (2, (48, 32), (40, 8)),
        (3, (48, 32), (40, 24)),
        (4, (48, 32), (8, 24)),
        (5, (32, 48), (8, 8)),
        (7, (32, 48), (24, 40)),
        (8, (32, 48), (8, 40)),
    ];
    for (orientation, size, (x, y)) in cases {
        let stripped =
            strip_metadata(&phone_jpeg(&plain_jpeg(48, 32), orientation), MAX).expect("strip");
        assert_no_metadata(&stripped);
        let shown = image::load_from_memory(&stripped)
            .expect("decodes")
            .to_rgb8();
        assert_eq!(shown.dimensions(), size, "orientation {orientation}");
        assert!(is_red(*shown.get_pixel(x, y)), "orientation {orientation}");
    }
}

#[test]
fn png_text_exif_and_time_chunks_are_dropped() {
    let mut png = Vec::new();
    let picture = marked(20, 20);
    PngEncoder::new(&mut png)
        .write_image(picture.as_raw(), 20, 20, image::ExtendedColorType::Rgb8)
        .expect("encode png");
    let chunk = |kind: &[u8], data: &[u8]| {
        let mut c = u32::try_from(data.len())
            .expect("small")
            .to_be_bytes()
            .to_vec();
        c.extend_from_slice(kind);
        c.extend_from_slice(data);
        c.extend_from_slice(&[0; 4]); // CRC is not checked by the stripper
        c
    };
    // After the signature and IHDR (8 + 25 bytes).
    let mut tagged = png[..33].to_vec();
    tagged.extend(chunk(b"tEXt", b"Comment\0ZZHOME"));
    tagged.extend(chunk(b"eXIf", &exif_with_gps(1)[6..]));
    tagged.extend(chunk(b"tIME", &[7, 234, 5, 1, 12, 0, 0]));
    tagged.extend_from_slice(&png[33..]);

    let stripped = strip_metadata(&tagged, MAX).expect("strip");
    assert_eq!(stripped, png);
}

#[test]
fn other_files_and_broken_photos_are_refused() {
    assert_eq!(
        strip_metadata(b"%PDF-1.4", MAX),
        Err(StripError::NotAnImage)
    );
    let jpeg = plain_jpeg(48, 64);
    assert!(matches!(
        strip_metadata(&jpeg[..jpeg.len() / 2], MAX),
        Err(StripError::Damaged(_))
    ));
}

#[test]
fn a_decoder_panic_while_turning_is_a_damaged_photo() {
    PANIC_IN_DECODER.with(|p| p.set(true));
    let result = strip_metadata(&phone_jpeg(&plain_jpeg(48, 32), 6), MAX);
    assert!(matches!(result, Err(StripError::Damaged(_))), "{result:?}");
}

#[test]
fn png_with_a_broken_chain_after_the_pixels_is_redrawn_without_its_text() {
    let mut png = Vec::new();
    PngEncoder::new(&mut png)
        .write_image(
            marked(20, 20).as_raw(),
            20,
            20,
            image::ExtendedColorType::Rgb8,
        )
        .expect("encode png");
    let iend = png.len() - 12;
    // A text chunk the decoder reads before the pixels, then junk where the
    // decoder no longer looks (it stops once it has the image data).
    let mut text = 14u32.to_be_bytes().to_vec();
    text.extend_from_slice(b"tEXtComment\0ZZHOME");
    text.extend_from_slice(&[0; 4]);
    let mut odd = png[..33].to_vec();
    odd.extend(text);
    odd.extend_from_slice(&png[33..iend]);
    odd.extend_from_slice(b"\0\0\xff\xffjunk");
    let policy = PhotoPolicy {
        formats: vec![crate::photo::PhotoFormat::Png],
        min_width: 1,
        min_height: 1,
        aspect: None,
        ..PhotoPolicy::default()
    };
    assert!(check_photo(&odd, &policy).is_ok(), "the decoder takes it");

    let stripped = strip_metadata(&odd, MAX).expect("strip");
    assert!(!contains(&stripped, b"ZZHOME"));
    let shown = image::load_from_memory(&stripped)
        .expect("decodes")
        .to_rgb8();
    assert!(is_red(*shown.get_pixel(4, 4)) && is_white(*shown.get_pixel(18, 18)));
}

/// A rotated photo whose re-encoding at the usual quality would exceed the
/// school's size limit is encoded smaller, still upright and without
/// metadata; it never grows past the limit (found by fuzzing: a 1 kB file).
#[test]
fn a_rotated_photo_is_re_encoded_within_the_size_limit() {
    let noisy = RgbImage::from_fn(600, 800, |x, y| {
        let v = (x.wrapping_mul(7919) ^ y.wrapping_mul(104_729)).wrapping_mul(2_654_435_761);
        Rgb([(v >> 8) as u8, (v >> 16) as u8, (v >> 24) as u8])
    });
    let mut plain = Vec::new();
    JpegEncoder::new_with_quality(&mut plain, 80)
        .write_image(noisy.as_raw(), 600, 800, image::ExtendedColorType::Rgb8)
        .unwrap();
    let phone = phone_jpeg(&plain, 6);
    let unlimited = strip_metadata(&phone, MAX).expect("strip");
    let limit = unlimited.len() as u64 * 2 / 3;
    let stripped = strip_metadata(&phone, limit).expect("strip");
    assert!(
        stripped.len() as u64 <= limit,
        "{} > {limit}",
        stripped.len()
    );
    let picture = image::load_from_memory(&stripped).unwrap();
    assert_eq!((picture.width(), picture.height()), (800, 600), "upright");
    assert!(!stripped.windows(CAMERA.len()).any(|w| w == CAMERA));
}
