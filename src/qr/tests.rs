//! Test inputs are generated here with `qrcode` + `image`, imitating what the
//! secretary may attach: screenshots, re-compressed JPEGs, rotated photos.

use super::*;
use image::codecs::jpeg::JpegEncoder;
use image::{GenericImage, LumaA};

/// Looks like what a ministry page would encode; the host is a reserved
/// example name, not a real service.
const CONTENT: &str = "https://mlegitymacja.example.invalid/aktywacja?kod=7KQ2-9XWD-4HZP-TR8M";

/// A QR code as a grey image, `module_px` pixels per module, with quiet zone.
fn qr_gray(content: &str, module_px: u32) -> GrayImage {
    qrcode::QrCode::new(content.as_bytes())
        .unwrap()
        .render::<Luma<u8>>()
        .quiet_zone(true)
        .module_dimensions(module_px, module_px)
        .build()
}

/// The same code smoothly scaled to `side` pixels, as a browser shows it.
fn qr_scaled(content: &str, side: u32) -> GrayImage {
    imageops::resize(&qr_gray(content, 8), side, side, FilterType::Triangle)
}

fn png(img: &GrayImage) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png).unwrap();
    out.into_inner()
}

fn jpeg(img: &GrayImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    // Encode as RGB, which is what cameras and mail clients produce.
    let rgb = DynamicImage::ImageLuma8(img.clone()).into_rgb8();
    JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(&rgb)
        .unwrap();
    out
}

/// Small deterministic generator so the "noise" is the same on every run.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, bound: u32) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % u64::from(bound)) as u32
    }
}

fn fill_rect(img: &mut GrayImage, x0: u32, y0: u32, w: u32, h: u32, v: u8) {
    for y in y0..(y0 + h).min(img.height()) {
        for x in x0..(x0 + w).min(img.width()) {
            img.put_pixel(x, y, Luma([v]));
        }
    }
}

/// A 1280x900 light-grey "browser window": dark header bar, buttons, lines
/// of text-like dashes, and the QR code (200 px) pasted at (760, 330).
fn screenshot_with_qr() -> GrayImage {
    let mut rng = Lcg(7);
    let mut img = GrayImage::from_pixel(1280, 900, Luma([236]));
    fill_rect(&mut img, 0, 0, 1280, 64, 40); // header bar
    fill_rect(&mut img, 0, 64, 220, 836, 250); // side menu
    for (i, y) in (120..860).step_by(26).enumerate() {
        // "Words": short dark bars of varying length on each text line.
        let mut x = 250 + (i as u32 % 3) * 10;
        while x < 700 {
            let w = 12 + rng.next(50);
            fill_rect(&mut img, x, y, w, 9, 30 + rng.next(60) as u8);
            x += w + 6 + rng.next(8);
        }
    }
    for (x, y) in [(40, 120), (40, 180), (40, 240), (760, 600), (900, 600)] {
        fill_rect(&mut img, x, y, 120, 36, 60); // buttons
    }
    img.copy_from(&qr_scaled(CONTENT, 200), 760, 330).unwrap();
    img
}

#[test]
fn round_trip_render_then_decode() {
    let text = "Zażółć gęślą jaźń — kod 7KQ2-9XWD";
    let bytes = render_qr_png(text).unwrap();
    assert_eq!(decode_qr(&bytes).unwrap(), text);
    assert_eq!(
        decode_qr(&render_qr_png(CONTENT).unwrap()).unwrap(),
        CONTENT
    );
}

#[test]
fn rendered_png_is_clean_black_on_white_with_quiet_zone() {
    let bytes = render_qr_png(CONTENT).unwrap();
    let img = image::load_from_memory_with_format(&bytes, ImageFormat::Png)
        .unwrap()
        .into_luma8();
    assert!(img.width() >= 300 && img.width() == img.height());
    assert!(img.pixels().all(|p| p.0[0] == 0 || p.0[0] == 255));
    // The quiet zone: every border pixel is white.
    let (w, h) = img.dimensions();
    for i in 0..w {
        for (x, y) in [(i, 0), (i, h - 1), (0, i), (w - 1, i)] {
            assert_eq!(img.get_pixel(x, y).0[0], 255);
        }
    }
}

#[test]
fn content_too_long_is_render_error() {
    let huge = "A".repeat(8000);
    assert!(matches!(render_qr_png(&huge), Err(QrError::Render(_))));
}

#[test]
fn small_qr_in_large_screenshot() {
    assert_eq!(decode_qr(&png(&screenshot_with_qr())).unwrap(), CONTENT);
}

#[test]
fn scaled_qr_as_jpeg_quality_70() {
    // A non-integer scale (333 px) blurs module edges, then JPEG adds ringing.
    let mut img = GrayImage::from_pixel(600, 450, Luma([245]));
    img.copy_from(&qr_scaled(CONTENT, 333), 140, 60).unwrap();
    assert_eq!(decode_qr(&jpeg(&img, 70)).unwrap(), CONTENT);
}

#[test]
fn rotated_qr() {
    let mut img = GrayImage::from_pixel(500, 400, Luma([240]));
    img.copy_from(&qr_scaled(CONTENT, 260), 200, 70).unwrap();
    let rotated = imageops::rotate90(&img);
    assert_eq!(decode_qr(&png(&rotated)).unwrap(), CONTENT);
    assert_eq!(decode_qr(&jpeg(&rotated, 85)).unwrap(), CONTENT);
}

#[test]
fn dark_mode_inverted_qr() {
    // Light modules on a dark page: the whole screenshot inverted.
    let mut img = screenshot_with_qr();
    imageops::invert(&mut img);
    assert_eq!(decode_qr(&png(&img)).unwrap(), CONTENT);
}

#[test]
fn transparent_png_is_read_as_on_white() {
    // Some generators draw dark modules on a transparent background whose
    // pixels are "transparent black"; dropping alpha would make it all black.
    let qr = qr_gray(CONTENT, 5);
    let la = image::ImageBuffer::from_fn(qr.width(), qr.height(), |x, y| {
        if qr.get_pixel(x, y).0[0] < 128 {
            LumaA([0u8, 255])
        } else {
            LumaA([0u8, 0])
        }
    });
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageLumaA8(la)
        .write_to(&mut out, ImageFormat::Png)
        .unwrap();
    assert_eq!(decode_qr(&out.into_inner()).unwrap(), CONTENT);
}

#[test]
fn big_photo_small_qr_found_by_full_size_retry() {
    // 4200 px wide: the fast pass shrinks it to 2000 px, leaving the 90 px
    // code (~3 px/module) at ~1.5 px/module, too small; the retry at 4096 px
    // reads it.
    let mut img = GrayImage::from_pixel(4200, 360, Luma([230]));
    img.copy_from(&qr_scaled("7KQ2-9XWD", 90), 3000, 120)
        .unwrap();
    assert_eq!(decode_qr(&png(&img)).unwrap(), "7KQ2-9XWD");
}

#[test]
fn big_photo_is_decoded_downscaled() {
    let mut img = GrayImage::from_pixel(3000, 2000, Luma([220]));
    img.copy_from(&qr_scaled(CONTENT, 700), 1100, 600).unwrap();
    assert_eq!(decode_qr(&jpeg(&img, 80)).unwrap(), CONTENT);
}

#[test]
fn photo_without_qr_is_no_qr_found() {
    // Smooth lighting gradient, soft blobs and sensor noise, as in a photo
    // of a desk: plenty of structure, but no finder patterns.
    let mut rng = Lcg(42);
    let blobs: Vec<(f64, f64, f64, f64)> = (0..12)
        .map(|_| {
            (
                f64::from(rng.next(640)),
                f64::from(rng.next(480)),
                20.0 + f64::from(rng.next(60)),
                -120.0 + f64::from(rng.next(240)),
            )
        })
        .collect();
    let img = GrayImage::from_fn(640, 480, |x, y| {
        let (fx, fy) = (f64::from(x), f64::from(y));
        let mut v = 90.0 + 0.15 * fx + 0.1 * fy;
        for &(bx, by, r, amp) in &blobs {
            let d2 = (fx - bx).powi(2) + (fy - by).powi(2);
            v += amp * (-d2 / (2.0 * r * r)).exp();
        }
        v += f64::from(rng.next(25)) - 12.0;
        Luma([v.clamp(0.0, 255.0) as u8])
    });
    assert!(matches!(
        decode_qr(&jpeg(&img, 80)),
        Err(QrError::NoQrFound)
    ));
    assert!(matches!(decode_qr(&png(&img)), Err(QrError::NoQrFound)));
}

#[test]
fn garbage_is_not_an_image() {
    assert!(matches!(decode_qr(b""), Err(QrError::NotAnImage)));
    assert!(matches!(
        decode_qr(b"KOD 1234 -- not a picture at all"),
        Err(QrError::NotAnImage)
    ));
    // Right magic bytes, broken body.
    let mut broken = png(&qr_gray("x", 2));
    broken.truncate(40);
    assert!(matches!(decode_qr(&broken), Err(QrError::NotAnImage)));
    // A real picture in a format we do not accept.
    assert!(matches!(
        decode_qr(b"GIF89a\x04\x00\x04\x00\x00\x00\x00;"),
        Err(QrError::NotAnImage)
    ));
}

/// CRC-32 (IEEE) as PNG chunks need it; bitwise, tests only.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
}

#[test]
fn huge_png_header_is_too_large_without_allocating() {
    // A 100-byte file claiming 60000x60000 RGB (10.8 GB decoded). If the
    // limits were not checked before allocation this test would abort.
    let mut file = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&60_000u32.to_be_bytes());
    ihdr.extend_from_slice(&60_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB, no interlace
    chunk(&mut file, b"IHDR", &ihdr);
    chunk(
        &mut file,
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    );
    chunk(&mut file, b"IEND", &[]);
    assert!(matches!(decode_qr(&file), Err(QrError::TooLarge)));
}

#[test]
fn oversized_input_is_too_large() {
    let blob = vec![0u8; MAX_INPUT_BYTES + 1];
    assert!(matches!(decode_qr(&blob), Err(QrError::TooLarge)));
}

#[test]
fn non_utf8_payload_is_read_as_latin1() {
    assert_eq!(bytes_to_text(b"kod \xe6\xf3".to_vec()), "kod æó");
    assert_eq!(bytes_to_text("żółw".as_bytes().to_vec()), "żółw");
}

#[test]
fn otsu_splits_ink_from_paper() {
    let img = GrayImage::from_fn(10, 10, |x, _| Luma([if x < 5 { 30 } else { 220 }]));
    let t = otsu_threshold(&img);
    assert!((30..220).contains(&t));
}

#[test]
fn scaling_keeps_aspect_and_borrows_when_unchanged() {
    let img = GrayImage::new(3000, 1000);
    assert_eq!(scaled(&img, 2000).dimensions(), (2000, 667));
    assert_eq!(scaled(&img, 4000).dimensions(), (4000, 1333));
    assert!(matches!(scaled(&img, 3000), Cow::Borrowed(_)));
}

#[test]
fn pure_noise_is_bounded_and_finds_nothing() {
    // Enlarged noise is the detector's worst case (thousands of finder-pattern
    // candidates); without the work budget this took minutes. Here it must
    // simply come back with an error.
    let mut rng = Lcg(3);
    let img = GrayImage::from_fn(320, 240, |_, _| Luma([rng.next(256) as u8]));
    let err = decode_qr(&png(&img)).unwrap_err();
    assert!(
        matches!(err, QrError::NoQrFound | QrError::Unreadable(_)),
        "{err:?}"
    );
}

#[test]
fn work_budget_abandons_a_scan_quietly() {
    let img = Budgeted {
        img: GrayImage::new(10, 10),
        left: Rc::new(Cell::new(150)),
    };
    let copy = img.clone(); // costs 100
    let caught = catch_unwind(AssertUnwindSafe(|| copy.clone()));
    assert!(caught.is_err_and(|p| p.is::<OverBudget>()));
}

#[test]
fn a_decoder_panic_is_an_unreadable_code_not_a_crash() {
    let picture = png(&qr_gray("https://example.test/a", 8));
    crate::photo::PANIC_IN_DECODER.with(|p| p.set(true));
    let result = decode_qr(&picture);
    assert!(matches!(result, Err(QrError::Unreadable(_))), "{result:?}");
    // Without the forced panic the same picture reads fine.
    assert_eq!(
        decode_qr(&picture).expect("decodes"),
        "https://example.test/a"
    );
}
