//! The grey decode of a JPEG ([`decode_jpeg`]) must refuse exactly what a
//! colour decode through `image` refuses: it only skips turning colour
//! blocks into pixels, never reading or checking them.

use super::*;
use image::RgbImage;
use image::codecs::jpeg::JpegEncoder;

/// A colour photo-like picture, encoded with chroma subsampling (4:2:0, as
/// phones do) — the case where the grey decode skips the most.
fn colour_jpeg(width: u32, height: u32) -> Vec<u8> {
    let img = RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 5 + y) as u8, (x ^ (y * 3)) as u8, (x * y / 7) as u8])
    });
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 80)
        .encode_image(&img)
        .expect("encode jpeg");
    out
}

fn colour_decode(data: &[u8]) -> Result<(), String> {
    decode(data, ImageFormat::Jpeg)
}

#[test]
fn a_good_photo_decodes_in_grey() {
    let photo = colour_jpeg(96, 128);
    assert_eq!(decode_jpeg(&photo), Ok(()));
    assert_eq!(colour_decode(&photo), Ok(()));
}

#[test]
fn grey_and_colour_decodes_refuse_the_same_damaged_files() {
    let photo = colour_jpeg(64, 48);
    let mut refused = 0;
    // Every byte of the headers and a sample of the picture data, each set
    // to a few values that break markers, lengths and Huffman codes.
    let positions = (2..photo.len()).filter(|p| *p < 700 || p % 7 == 0);
    for at in positions {
        for value in [0x00, 0xFF, 0x7F, photo[at] ^ 0x10] {
            let mut broken = photo.clone();
            broken[at] = value;
            let grey = decode_jpeg(&broken).is_ok();
            let colour = colour_decode(&broken).is_ok();
            assert_eq!(
                grey, colour,
                "byte {at} set to {value:#04x}: grey decode ok = {grey}, colour decode ok = {colour}"
            );
            refused += usize::from(!grey);
        }
    }
    // Not a vacuous comparison: many of the changes are refused.
    assert!(refused > 100, "only {refused} damaged files were refused");
}

#[test]
fn a_photo_too_large_to_hold_is_refused_before_decoding() {
    // The header claims 12,000 × 12,000 in colour: over the allocation cap
    // as RGB, but the side limit refuses it first either way.
    let mut photo = colour_jpeg(16, 16);
    let sof = photo
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("baseline frame header");
    photo[sof + 5..sof + 9].copy_from_slice(&[0x2E, 0xE1, 0x2E, 0xE1]);
    assert!(decode_jpeg(&photo).is_err());
}
