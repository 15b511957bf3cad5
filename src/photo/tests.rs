//! Every test makes its own small images in memory, so nothing depends on
//! fixture files and each case shows exactly what makes it good or bad.

use super::*;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{ImageEncoder, RgbImage};

/// A textured picture, so the JPEG has real entropy-coded data to cut.
fn picture(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 7 + y * 3) as u8, (x ^ y) as u8, (x * y) as u8])
    })
}

fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&picture(width, height))
        .expect("encode jpeg");
    out
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    PngEncoder::new(&mut out)
        .write_image(
            picture(width, height).as_raw(),
            width,
            height,
            image::ExtendedColorType::Rgb8,
        )
        .expect("encode png");
    out
}

/// Inserts an APP1 Exif segment with one Orientation entry right after SOI.
fn with_orientation(jpeg: &[u8], orientation: u16, big_endian: bool) -> Vec<u8> {
    let u16b = |v: u16| {
        if big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let u32b = |v: u32| {
        if big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let mut tiff = Vec::new();
    tiff.extend_from_slice(if big_endian { b"MM" } else { b"II" });
    tiff.extend_from_slice(&u16b(42));
    tiff.extend_from_slice(&u32b(8)); // IFD0 right after the header
    tiff.extend_from_slice(&u16b(2)); // two entries: something else, then orientation
    // ImageDescription (0x010E), ASCII, 4 bytes inline: "ab\0\0".
    tiff.extend_from_slice(&u16b(0x010E));
    tiff.extend_from_slice(&u16b(2));
    tiff.extend_from_slice(&u32b(4));
    tiff.extend_from_slice(b"ab\0\0");
    tiff.extend_from_slice(&u16b(0x0112));
    tiff.extend_from_slice(&u16b(3));
    tiff.extend_from_slice(&u32b(1));
    tiff.extend_from_slice(&u16b(orientation));
    tiff.extend_from_slice(&[0, 0]);
    tiff.extend_from_slice(&u32b(0)); // no next IFD

    let mut body = b"Exif\0\0".to_vec();
    body.extend_from_slice(&tiff);
    let len = u16::try_from(body.len() + 2).expect("small segment");
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&body);
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn segment(marker: u8, body: &[u8]) -> Vec<u8> {
    let len = u16::try_from(body.len() + 2).expect("small segment");
    let mut out = vec![0xFF, marker];
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(body);
    out
}

/// A complete, decodable baseline JPEG built by hand: `components` channels
/// of one flat 8x8 block each. With 4 components this is a genuine CMYK file,
/// which the `image` encoder cannot write.
fn handmade_jpeg(width: u16, height: u16, components: u8) -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8];
    let mut dqt = vec![0x00];
    dqt.extend_from_slice(&[1; 64]);
    out.extend(segment(0xDB, &dqt));
    let mut sof = vec![8];
    sof.extend_from_slice(&height.to_be_bytes());
    sof.extend_from_slice(&width.to_be_bytes());
    sof.push(components);
    for id in 1..=components {
        sof.extend_from_slice(&[id, 0x11, 0]);
    }
    out.extend(segment(0xC0, &sof));
    // Tiny Huffman tables: the one code "0" is symbol 0 (DC diff 0 / AC
    // end-of-block). A single code, because an all-ones code is illegal.
    for class in [0x00, 0x10] {
        let mut dht = vec![class, 1];
        dht.extend_from_slice(&[0; 15]);
        dht.push(0x00);
        out.extend(segment(0xC4, &dht));
    }
    let mut sos = vec![components];
    for id in 1..=components {
        sos.extend_from_slice(&[id, 0x00]);
    }
    sos.extend_from_slice(&[0, 63, 0]);
    out.extend(segment(0xDA, &sos));
    // Two zero bits per block (DC, EOB) per component, padded with ones.
    let blocks = usize::from(width.div_ceil(8)) * usize::from(height.div_ceil(8));
    let bits = blocks * usize::from(components) * 2;
    let mut data = vec![0u8; bits / 8];
    if bits % 8 != 0 {
        data.push(0xFF >> (bits % 8));
    }
    out.extend_from_slice(&data);
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

/// A structurally complete JPEG whose frame header claims `width`x`height`
/// but which carries data for a single 8x8 block only.
fn claims_size(width: u16, height: u16) -> Vec<u8> {
    let mut out = handmade_jpeg(8, 8, 3);
    let sof = find(&out, &[0xFF, 0xC0]);
    out[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
    out[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
    out
}

fn find(data: &[u8], needle: &[u8]) -> usize {
    data.windows(needle.len())
        .position(|w| w == needle)
        .expect("needle present")
}

/// PNG CRC-32 (ISO 3309), so a crafted header is not rejected for its CRC.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn lenient() -> PhotoPolicy {
    PhotoPolicy {
        formats: vec![PhotoFormat::Jpeg, PhotoFormat::Png],
        max_bytes: u64::MAX,
        min_width: 1,
        min_height: 1,
        aspect: None,
    }
}

fn problems(data: &[u8], policy: &PhotoPolicy) -> Vec<PhotoProblem> {
    check_photo(data, policy).expect_err("photo should be refused")
}

fn is_damaged(p: &PhotoProblem) -> bool {
    matches!(p, PhotoProblem::Damaged { .. })
}

fn wrong_aspect(width: u32, height: u32) -> PhotoProblem {
    PhotoProblem::WrongAspect {
        width,
        height,
        aspect_width: 354,
        aspect_height: 496,
    }
}

fn too_small(width: u32, height: u32) -> PhotoProblem {
    PhotoProblem::TooSmall {
        width,
        height,
        min_width: 354,
        min_height: 496,
    }
}

#[test]
fn exact_size_jpeg_is_accepted() {
    let data = jpeg(354, 496);
    let check = check_photo(&data, &PhotoPolicy::default()).expect("accepted");
    assert_eq!(
        check,
        PhotoCheck {
            format: PhotoFormat::Jpeg,
            width: 354,
            height: 496,
            bytes: data.len(),
        }
    );
}

#[test]
fn larger_jpeg_of_the_same_shape_is_accepted() {
    let check = check_photo(&jpeg(708, 992), &PhotoPolicy::default()).expect("accepted");
    assert_eq!((check.width, check.height), (708, 992));
}

#[test]
fn shape_within_tolerance_is_accepted() {
    // 360/496 is 1.7% wider than 354/496, 357/496 only 0.85%.
    assert!(check_photo(&jpeg(357, 496), &PhotoPolicy::default()).is_ok());
    assert_eq!(
        problems(&jpeg(360, 496), &PhotoPolicy::default()),
        vec![wrong_aspect(360, 496)]
    );
}

#[test]
fn square_photo_has_wrong_aspect() {
    // 400 px is also short of the 496 px minimum height: both are reported.
    assert_eq!(
        problems(&jpeg(400, 400), &PhotoPolicy::default()),
        vec![too_small(400, 400), wrong_aspect(400, 400)]
    );
}

#[test]
fn small_photo_of_the_right_shape_is_only_too_small() {
    assert_eq!(
        problems(&jpeg(200, 280), &PhotoPolicy::default()),
        vec![too_small(200, 280)]
    );
}

#[test]
fn file_over_max_bytes_is_refused() {
    let data = jpeg(354, 496);
    let policy = PhotoPolicy {
        max_bytes: 1000,
        ..PhotoPolicy::default()
    };
    assert_eq!(
        problems(&data, &policy),
        vec![PhotoProblem::TooManyBytes {
            bytes: data.len() as u64,
            max_bytes: 1000
        }]
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let policy = PhotoPolicy {
        max_bytes: 100,
        ..PhotoPolicy::default()
    };
    let data = jpeg(400, 400);
    assert_eq!(
        problems(&data, &policy),
        vec![
            PhotoProblem::TooManyBytes {
                bytes: data.len() as u64,
                max_bytes: 100
            },
            too_small(400, 400),
            wrong_aspect(400, 400),
        ]
    );

    // Not an allowed format: no decoding, but the size is still reported.
    let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".to_vec();
    let policy = PhotoPolicy {
        max_bytes: 10,
        ..PhotoPolicy::default()
    };
    assert_eq!(
        problems(&heic, &policy),
        vec![
            PhotoProblem::NotAllowedFormat {
                detected: DetectedKind::Heic,
                allowed: vec![PhotoFormat::Jpeg]
            },
            PhotoProblem::TooManyBytes {
                bytes: heic.len() as u64,
                max_bytes: 10
            },
        ]
    );
}

#[test]
fn png_is_refused_by_jpeg_only_policy() {
    assert_eq!(
        problems(&png(354, 496), &PhotoPolicy::default()),
        vec![PhotoProblem::NotAllowedFormat {
            detected: DetectedKind::Png,
            allowed: vec![PhotoFormat::Jpeg]
        }]
    );
}

#[test]
fn png_is_accepted_when_policy_allows_it() {
    let policy = PhotoPolicy {
        formats: vec![PhotoFormat::Jpeg, PhotoFormat::Png],
        ..PhotoPolicy::default()
    };
    let data = png(354, 496);
    let check = check_photo(&data, &policy).expect("accepted");
    assert_eq!(
        check,
        PhotoCheck {
            format: PhotoFormat::Png,
            width: 354,
            height: 496,
            bytes: data.len(),
        }
    );
    // JPEG must still work under the same policy, and size checks apply to PNG.
    assert!(check_photo(&jpeg(354, 496), &policy).is_ok());
    assert_eq!(problems(&png(200, 280), &policy), vec![too_small(200, 280)]);
}

#[test]
fn jpeg_cut_in_half_is_damaged() {
    let data = jpeg(354, 496);
    let half = &data[..data.len() / 2];
    // image 0.25 (zune-jpeg) decodes this "successfully"; only our walk to
    // the end-of-image marker catches it.
    let found = problems(half, &PhotoPolicy::default());
    assert!(found.iter().any(is_damaged), "{found:?}");
    // The header was intact, so it is judged by size too: here it is fine.
    assert_eq!(found.len(), 1, "{found:?}");
}

#[test]
fn jpeg_cut_anywhere_is_damaged() {
    let data = jpeg(354, 496);
    for cut in [
        3,
        4,
        10,
        100,
        data.len() / 4,
        data.len() - 2,
        data.len() - 1,
    ] {
        let found = problems(&data[..cut], &PhotoPolicy::default());
        assert!(found.iter().any(is_damaged), "cut at {cut}: {found:?}");
    }
}

#[test]
fn truncated_png_is_damaged() {
    let policy = lenient();
    let data = png(354, 496);
    for cut in [data.len() / 2, data.len() - 12] {
        let found = problems(&data[..cut], &policy);
        assert!(found.iter().all(is_damaged), "cut at {cut}: {found:?}");
    }
}

#[test]
fn corrupt_scan_data_is_damaged() {
    // A marker the scan cannot contain (DHT) in the middle of entropy data.
    let mut data = jpeg(354, 496);
    let sos = find(&data, &[0xFF, 0xDA]);
    let middle = sos + (data.len() - sos) / 2;
    data[middle..middle + 4].copy_from_slice(&[0xFF, 0xC4, 0x00, 0x02]);
    let found = problems(&data, &PhotoPolicy::default());
    assert!(found.iter().any(is_damaged), "{found:?}");

    // Garbage where the first segment should be.
    let found = problems(b"\xFF\xD8\xFF\xE0garbage", &PhotoPolicy::default());
    assert!(found.iter().all(is_damaged), "{found:?}");
}

#[test]
fn padding_and_trailers_after_end_of_image_are_accepted() {
    let mut data = jpeg(354, 496);
    data.extend_from_slice(&[0; 64]);
    data.extend_from_slice(b" \r\n");
    assert!(check_photo(&data, &PhotoPolicy::default()).is_ok());
    // Like a Motion Photo: a video appended after the picture's EOI.
    let mut data = jpeg(354, 496);
    data.extend_from_slice(b"\0\0\0\x18ftypmp42 not a picture");
    assert!(check_photo(&data, &PhotoPolicy::default()).is_ok());
}

#[test]
fn cmyk_jpeg_is_refused_although_it_decodes() {
    let data = handmade_jpeg(354, 496, 4);
    // The decoder quietly converts CMYK to RGB, so only the header tells.
    assert!(
        ImageReader::with_format(Cursor::new(&data), ImageFormat::Jpeg)
            .decode()
            .is_ok()
    );
    assert_eq!(
        problems(&data, &PhotoPolicy::default()),
        vec![PhotoProblem::Cmyk]
    );
    // Control: the same hand-made file with 3 components passes.
    assert!(check_photo(&handmade_jpeg(354, 496, 3), &PhotoPolicy::default()).is_ok());
}

#[test]
fn four_components_in_a_patched_header_are_cmyk() {
    let mut data = jpeg(354, 496);
    let sof = find(&data, &[0xFF, 0xC0]);
    data[sof + 9] = 4; // component count; the rest of the file no longer matches
    let found = problems(&data, &PhotoPolicy::default());
    assert_eq!(found.first(), Some(&PhotoProblem::Cmyk), "{found:?}");
}

#[test]
fn huge_claimed_dimensions_are_refused_without_decoding() {
    // Had it been decoded, the single block of data would also give Damaged.
    assert_eq!(
        problems(&claims_size(65535, 65535), &lenient()),
        vec![PhotoProblem::DimensionsTooLarge {
            width: 65535,
            height: 65535
        }]
    );
    // One side too long, and too many pixels in total.
    for (w, h) in [(12_001, 100), (100, 12_001), (8_000, 8_000)] {
        assert_eq!(
            problems(&claims_size(w, h), &lenient()),
            vec![PhotoProblem::DimensionsTooLarge {
                width: u32::from(w),
                height: u32::from(h)
            }]
        );
    }
}

#[test]
fn huge_claimed_png_dimensions_are_refused_without_decoding() {
    let mut data = png(8, 8);
    let ihdr = find(&data, b"IHDR");
    data[ihdr + 4..ihdr + 8].copy_from_slice(&100_000u32.to_be_bytes());
    data[ihdr + 8..ihdr + 12].copy_from_slice(&100_000u32.to_be_bytes());
    let crc = crc32(&data[ihdr..ihdr + 17]);
    data[ihdr + 17..ihdr + 21].copy_from_slice(&crc.to_be_bytes());
    assert_eq!(
        problems(&data, &lenient()),
        vec![PhotoProblem::DimensionsTooLarge {
            width: 100_000,
            height: 100_000
        }]
    );
}

#[test]
fn png_too_large_for_memory_is_too_large_not_damaged() {
    // 40 MP is under the pixel cap, but as 16-bit RGBA it needs 320 MB.
    let mut data = png(8, 8);
    let ihdr = find(&data, b"IHDR");
    data[ihdr + 4..ihdr + 8].copy_from_slice(&8_000u32.to_be_bytes());
    data[ihdr + 8..ihdr + 12].copy_from_slice(&5_000u32.to_be_bytes());
    data[ihdr + 12] = 16; // bit depth
    data[ihdr + 13] = 6; // colour type RGBA
    let crc = crc32(&data[ihdr..ihdr + 17]);
    data[ihdr + 17..ihdr + 21].copy_from_slice(&crc.to_be_bytes());
    assert_eq!(
        problems(&data, &lenient()),
        vec![PhotoProblem::DimensionsTooLarge {
            width: 8_000,
            height: 5_000
        }]
    );
}

#[test]
fn exif_orientation_6_turns_landscape_into_portrait() {
    let stored = jpeg(496, 354);
    for big_endian in [false, true] {
        let data = with_orientation(&stored, 6, big_endian);
        let check = check_photo(&data, &PhotoPolicy::default()).expect("accepted");
        assert_eq!(
            (check.width, check.height),
            (354, 496),
            "big endian: {big_endian}"
        );
    }
    // Without the tag, or with a 180° turn, it stays landscape.
    assert_eq!(
        problems(&stored, &PhotoPolicy::default()),
        vec![too_small(496, 354), wrong_aspect(496, 354)]
    );
    assert_eq!(
        problems(&with_orientation(&stored, 3, true), &PhotoPolicy::default()),
        vec![too_small(496, 354), wrong_aspect(496, 354)]
    );
}

#[test]
fn malformed_exif_is_ignored() {
    let stored = jpeg(354, 496);
    let mut data = with_orientation(&stored, 6, false);
    // Point IFD0 far outside the block.
    let tiff = find(&data, b"II*\0");
    data[tiff + 4..tiff + 8].copy_from_slice(&0xFFFF_FF00u32.to_le_bytes());
    assert!(check_photo(&data, &PhotoPolicy::default()).is_ok());
    // An out-of-range orientation value counts as upright.
    assert!(
        check_photo(
            &with_orientation(&stored, 9, false),
            &PhotoPolicy::default()
        )
        .is_ok()
    );
}

#[test]
fn other_kinds_are_told_apart_by_magic_bytes() {
    let cases: [(&[u8], DetectedKind); 12] = [
        (b"\0\0\0\x18ftypheic\0\0\0\0", DetectedKind::Heic),
        (b"\0\0\0\x1cftypmif1\0\0\0\0", DetectedKind::Heic),
        (b"\0\0\0\x1cftypavif\0\0\0\0", DetectedKind::Unknown),
        (b"%PDF-1.7\n", DetectedKind::Pdf),
        (b"GIF89a\x01\0", DetectedKind::Gif),
        (b"RIFF\x10\0\0\0WEBPVP8 ", DetectedKind::Webp),
        (b"BM\x36\0\0\0", DetectedKind::Bmp),
        (b"II*\0\x08\0\0\0", DetectedKind::Tiff),
        (b"MM\0*\0\0\0\x08", DetectedKind::Tiff),
        (b"\xFF\xD8\xFF\xE0", DetectedKind::Jpeg),
        (b"\x89PNG\r\n\x1a\n", DetectedKind::Png),
        (b"hello", DetectedKind::Unknown),
    ];
    for (data, kind) in cases {
        assert_eq!(detect_kind(data), kind, "{data:?}");
    }
}

#[test]
fn heic_and_pdf_named_jpg_are_not_allowed() {
    for (data, kind) in [
        (
            &b"\0\0\0\x18ftypheic\0\0\0\0mif1heic"[..],
            DetectedKind::Heic,
        ),
        (&b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n"[..], DetectedKind::Pdf),
    ] {
        assert_eq!(
            problems(data, &PhotoPolicy::default()),
            vec![PhotoProblem::NotAllowedFormat {
                detected: kind,
                allowed: vec![PhotoFormat::Jpeg]
            }]
        );
    }
}

#[test]
fn empty_file_is_empty() {
    assert_eq!(
        problems(&[], &PhotoPolicy::default()),
        vec![PhotoProblem::Empty]
    );
}

#[test]
fn default_policy_is_the_seed_procedure() {
    let policy = PhotoPolicy::default();
    assert_eq!(policy.formats, vec![PhotoFormat::Jpeg]);
    assert_eq!(policy.max_bytes, 5 * 1024 * 1024);
    assert_eq!((policy.min_width, policy.min_height), (354, 496));
    assert_eq!(
        policy.aspect,
        Some(Aspect {
            width: 354,
            height: 496,
            tolerance_percent: 1.0
        })
    );
}

#[test]
fn policy_and_problems_serialize_for_config_and_api() {
    let json = r#"{"formats":["jpeg","png"],"max_bytes":1000,"min_width":1,"min_height":2,
        "aspect":{"width":3,"height":4,"tolerance_percent":0.5}}"#;
    let policy: PhotoPolicy = serde_json::from_str(json).expect("valid policy");
    assert_eq!(policy.formats, vec![PhotoFormat::Jpeg, PhotoFormat::Png]);
    let typo = json.replace("max_bytes", "max_byte");
    assert!(serde_json::from_str::<PhotoPolicy>(&typo).is_err());

    let problem = PhotoProblem::NotAllowedFormat {
        detected: DetectedKind::Heic,
        allowed: vec![PhotoFormat::Jpeg],
    };
    assert_eq!(
        serde_json::to_string(&problem).expect("serializes"),
        r#"{"code":"not_allowed_format","detected":"heic","allowed":["jpeg"]}"#
    );
    assert_eq!(
        serde_json::to_string(&PhotoProblem::Cmyk).expect("serializes"),
        r#"{"code":"cmyk"}"#
    );
    assert_eq!(
        serde_json::to_string(&PhotoProblem::DimensionsTooLarge {
            width: 1,
            height: 2
        })
        .expect("serializes"),
        r#"{"code":"dimensions_too_large","width":1,"height":2}"#
    );
}

#[test]
fn zero_sided_aspect_in_policy_refuses_rather_than_accepts() {
    let policy = PhotoPolicy {
        aspect: Some(Aspect {
            width: 0,
            height: 0,
            tolerance_percent: 1.0,
        }),
        ..PhotoPolicy::default()
    };
    let found = problems(&jpeg(354, 496), &policy);
    assert!(
        matches!(found[..], [PhotoProblem::WrongAspect { .. }]),
        "{found:?}"
    );
}

#[test]
fn a_decoder_panic_is_a_damaged_photo_not_a_crash() {
    let good = jpeg(354, 496);
    PANIC_IN_DECODER.with(|p| p.set(true));
    let found = problems(&good, &PhotoPolicy::default());
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(is_damaged(&found[0]), "{found:?}");
    // The next photo on the same thread is judged normally again.
    assert!(check_photo(&good, &PhotoPolicy::default()).is_ok());
}
