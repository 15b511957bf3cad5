//! Test photos, made in memory: each test shows exactly what makes a photo
//! good or bad. (The CMYK and huge-header builders mirror the unit tests in
//! `src/photo/tests.rs`; the image encoder cannot write those files.)

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{ImageEncoder, RgbImage};

/// A textured picture, so the JPEG has real entropy-coded data.
fn picture(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 7 + y * 3) as u8, (x ^ y) as u8, (x * y) as u8])
    })
}

pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&picture(width, height))
        .expect("encode jpeg");
    out
}

/// A valid photo under the default (seed) rules.
pub fn good_jpeg() -> Vec<u8> {
    jpeg(354, 496)
}

pub fn png(width: u32, height: u32) -> Vec<u8> {
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

/// A valid JPEG over 5 MB (noise does not compress), square: a photo over
/// the size limit and otherwise fine would be compressed to fit and
/// accepted, so this one also has the wrong shape and is refused for both.
pub fn jpeg_over_5_mb() -> Vec<u8> {
    let (w, h) = (2300u32, 2300u32);
    let mut seed = 0x1234_5678u32;
    let img = RgbImage::from_fn(w, h, |_, _| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let b = seed.to_le_bytes();
        image::Rgb([b[0], b[1], b[2]])
    });
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 100)
        .encode_image(&img)
        .expect("encode jpeg");
    assert!(
        out.len() > 5 * 1024 * 1024,
        "test photo only {} bytes",
        out.len()
    );
    out
}

/// A phone photo as phones send it: 2832×3968 pixels (the 354:496 shape),
/// about 4.8 MB, fine noise over gradients so it compresses like a photo
/// with detail rather than like a flat test card.
pub fn phone_jpeg_4_8_mb() -> Vec<u8> {
    let out = phone_jpeg(2832, 3968, 0x2468_ace1);
    assert!(
        (4_600_000..5_000_000).contains(&out.len()),
        "test photo is {} bytes",
        out.len()
    );
    out
}

/// A phone-like photo of any size: fine noise (from `seed`) over gradients.
pub fn phone_jpeg(w: u32, h: u32, seed: u32) -> Vec<u8> {
    let mut seed = seed;
    let img = RgbImage::from_fn(w, h, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let n = (seed & 0x3f) as u8;
        image::Rgb([
            (x % 256) as u8 / 2 + n,
            (y % 256) as u8 / 2 + n,
            128u8.wrapping_add(n),
        ])
    });
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&img)
        .expect("encode jpeg");
    out
}

pub fn truncated_jpeg() -> Vec<u8> {
    let full = good_jpeg();
    full[..full.len() / 2].to_vec()
}

fn segment(marker: u8, body: &[u8]) -> Vec<u8> {
    let len = u16::try_from(body.len() + 2).expect("small segment");
    let mut out = vec![0xFF, marker];
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(body);
    out
}

/// A complete, decodable baseline JPEG built by hand with `components`
/// channels; with 4 it is a genuine CMYK file.
pub fn handmade_jpeg(width: u16, height: u16, components: u8) -> Vec<u8> {
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

pub fn cmyk_jpeg() -> Vec<u8> {
    handmade_jpeg(354, 496, 4)
}

/// A tiny file whose header claims 65535×65535 pixels.
pub fn huge_header_jpeg() -> Vec<u8> {
    let mut out = handmade_jpeg(8, 8, 3);
    let sof = out
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("SOF0");
    out[sof + 5..sof + 7].copy_from_slice(&65535u16.to_be_bytes());
    out[sof + 7..sof + 9].copy_from_slice(&65535u16.to_be_bytes());
    out
}
