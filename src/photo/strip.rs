//! Removing what a photo says about where, when and with what it was taken.
//!
//! A phone photo carries the GPS position of the family's home, the phone's
//! make and model, the time it was taken and often a thumbnail, in Exif/XMP
//! (JPEG APP1), Photoshop/IPTC (APP13), comments (COM), multi-picture data
//! (APP2 MPF) and data appended after the end of the image (Motion Photo
//! videos, gain maps). None of it is needed for a student ID, and the school
//! must not keep or pass on more about a child than it needs, so the copy
//! mleg stores and mails to the secretary is stripped ([`strip_metadata`]).
//!
//! Kept is only what the picture needs to look the same: for JPEG the
//! tables, frame, scans, JFIF (APP0), the ICC colour profile (APP2) and the
//! Adobe colour-transform flag (APP14); for PNG the critical chunks and the
//! colour/transparency ones. Everything else goes, on a whitelist, so an
//! unknown kind of metadata is dropped rather than passed on.
//!
//! The EXIF orientation is applied first: without it a phone photo stored
//! sideways would show sideways once its Exif block is gone. An upright
//! photo is stripped losslessly by copying segments; a rotated one is
//! decoded, turned and re-encoded (JPEG quality [`REENCODE_QUALITY`]), which
//! writes no metadata at all.

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use image::codecs::jpeg::{JpegDecoder, JpegEncoder};
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageEncoder};

use super::jpeg::{skip_entropy_data, walk_jpeg};
use super::{DetectedKind, decode_limits, detect_kind};

/// JPEG quality of a re-encoded (rotated) photo: visually lossless for a
/// face, and well within the ministry's size limit at ID-photo sizes.
pub const REENCODE_QUALITY: u8 = 92;

/// The qualities tried after [`REENCODE_QUALITY`] when the re-encoded photo
/// would exceed the size limit (a phone photo near 5 MB saved at a lower
/// quality than 92, or a tiny file that decodes to a large noisy picture:
/// one found by fuzzing grew from 1 kB to 8.6 MB at 92 and fits at 60).
const SMALLER_QUALITIES: [u8; 5] = [85, 75, 60, 45, 30];

/// Why a photo could not be stripped. mleg only strips photos that passed
/// [`super::check_photo`], so any of these means the file is damaged.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StripError {
    /// Neither JPEG nor PNG: nothing we know how to strip.
    #[error("only JPEG and PNG photos can be stripped of metadata")]
    NotAnImage,
    /// The structure is broken or the picture does not decode.
    #[error("photo is damaged: {0}")]
    Damaged(String),
}

/// The photo's bytes without metadata, with the EXIF orientation applied.
///
/// The result shows the same picture as the input would in a viewer that
/// honours the orientation; its pixel size is the displayed size that
/// [`super::check_photo`] reported, so a stored `PhotoCheck` still describes it.
///
/// A re-encoded photo is kept within `max_bytes` (the school's size limit)
/// by lowering the quality step by step; should even the lowest step not
/// fit, that smallest copy is returned: never the original with its
/// metadata.
pub fn strip_metadata(data: &[u8], max_bytes: u64) -> Result<Vec<u8>, StripError> {
    // A decoder bug must cost one photo, not the daemon (see check_photo).
    catch_unwind(AssertUnwindSafe(|| match detect_kind(data) {
        DetectedKind::Jpeg => strip_jpeg(data, max_bytes),
        DetectedKind::Png => strip_png(data),
        _ => Err(StripError::NotAnImage),
    }))
    .unwrap_or_else(|_| Err(StripError::Damaged("the image decoder crashed".to_owned())))
}

fn strip_jpeg(data: &[u8], max_bytes: u64) -> Result<Vec<u8>, StripError> {
    let walk = walk_jpeg(data);
    if let Some(detail) = walk.damage {
        // A structure the walk finds broken but the decoder reads (check_photo
        // accepted it): a re-encode from the pixels is still a clean copy, so
        // the caller never has to fall back to the original and its metadata.
        return reencode_jpeg(data, walk.orientation.max(1), max_bytes)
            .map_err(|_| StripError::Damaged(detail));
    }
    match walk.orientation {
        // Should the copy meet a structure the walk let pass, a re-encode
        // still gives a clean photo of a file that decodes.
        1 => copy_jpeg_segments(data).map_or_else(|| reencode_jpeg(data, 1, max_bytes), Ok),
        o => reencode_jpeg(data, o, max_bytes),
    }
}

/// Copies the segments a decoder needs, from SOI to EOI; `None` if the
/// structure is broken. Nothing after EOI is copied.
fn copy_jpeg_segments(data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(data.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let mut pos = 2;
    loop {
        if data.get(pos) != Some(&0xFF) {
            return None;
        }
        while data.get(pos) == Some(&0xFF) {
            pos += 1;
        }
        let marker = *data.get(pos)?;
        pos += 1;
        match marker {
            0xD9 => {
                out.extend_from_slice(&[0xFF, 0xD9]);
                return Some(out);
            }
            0xD0..=0xD7 | 0x01 => {
                out.extend_from_slice(&[0xFF, marker]);
                continue;
            }
            0xD8 => return None,
            _ => {}
        }
        let len = usize::from(u16::from_be_bytes([*data.get(pos)?, *data.get(pos + 1)?]));
        let end = pos.checked_add(len).filter(|_| len >= 2)?;
        let body = data.get(pos + 2..end)?;
        // A scan header is followed by its entropy-coded data.
        let segment_end = if marker == 0xDA {
            skip_entropy_data(data, end)
        } else {
            end
        };
        if keep_jpeg_segment(marker, body) {
            out.extend_from_slice(&[0xFF, marker]);
            out.extend_from_slice(data.get(pos..segment_end)?);
        }
        pos = segment_end;
    }
}

/// The whitelist: coding segments, and the three APPn that change how the
/// picture looks. Exif/XMP (APP1), MPF (APP2), IPTC (APP13), COM and every
/// other APPn or unknown marker are dropped.
fn keep_jpeg_segment(marker: u8, body: &[u8]) -> bool {
    match marker {
        // SOFn, DHT, JPG, DAC; SOS, DQT, DNL, DRI, DHP, EXP.
        0xC0..=0xCF | 0xDA..=0xDF => true,
        0xE0 => body.starts_with(b"JFIF\0"),
        0xE2 => body.starts_with(b"ICC_PROFILE\0"),
        0xEE => body.starts_with(b"Adobe"),
        _ => false,
    }
}

/// Decodes (with the limits of check_photo), turns the picture upright and
/// encodes it again, within `max_bytes` where a quality step allows; the
/// encoder writes JFIF and the ICC profile only.
fn reencode_jpeg(
    data: &[u8],
    exif_orientation: u16,
    max_bytes: u64,
) -> Result<Vec<u8>, StripError> {
    let (picture, icc) = decode_upright_jpeg(data, exif_orientation)?;
    encode_within(&picture, icc.as_deref(), max_bytes, LOWEST_QUALITY)
        .map_err(|e| StripError::Damaged(e.to_string()))
}

/// The lowest quality of the ladder.
pub(super) const LOWEST_QUALITY: u8 = 30;

/// The JPEG's pixels as displayed (EXIF orientation applied), grey or RGB,
/// and its ICC profile; decoded with the limits of check_photo.
pub(super) fn decode_upright_jpeg(
    data: &[u8],
    exif_orientation: u16,
) -> Result<(DynamicImage, Option<Vec<u8>>), StripError> {
    let damaged = |e: image::ImageError| StripError::Damaged(e.to_string());
    let mut decoder = JpegDecoder::new(Cursor::new(data)).map_err(damaged)?;
    decoder.set_limits(decode_limits(true)).map_err(damaged)?;
    let icc = decoder.icc_profile().ok().flatten();
    super::decoder_test_hook();
    let mut picture = DynamicImage::from_decoder(decoder).map_err(damaged)?;
    let orientation = u8::try_from(exif_orientation)
        .ok()
        .and_then(Orientation::from_exif)
        .unwrap_or(Orientation::NoTransforms);
    picture.apply_orientation(orientation);
    // check_photo refuses CMYK, so the picture is grey or colour.
    let picture = match picture {
        DynamicImage::ImageLuma8(_) => picture,
        other => DynamicImage::ImageRgb8(other.to_rgb8()),
    };
    Ok((picture, icc))
}

/// The quality ladder: [`REENCODE_QUALITY`], then lower steps down to
/// `floor`, until the copy fits `max_bytes`. Returns the first copy that
/// fits, or the smallest one tried (the caller judges it).
pub(super) fn encode_within(
    picture: &DynamicImage,
    icc: Option<&[u8]>,
    max_bytes: u64,
    floor: u8,
) -> Result<Vec<u8>, image::ImageError> {
    let mut out = Vec::new();
    let ladder = std::iter::once(REENCODE_QUALITY).chain(SMALLER_QUALITIES);
    for quality in ladder.filter(|q| *q >= floor) {
        out = encode_jpeg(picture, icc.map(<[u8]>::to_vec), quality)?;
        if out.len() as u64 <= max_bytes {
            break;
        }
    }
    Ok(out)
}

fn encode_jpeg(
    picture: &DynamicImage,
    icc: Option<Vec<u8>>,
    quality: u8,
) -> Result<Vec<u8>, image::ImageError> {
    let mut out = Vec::new();
    let mut encoder = JpegEncoder::new_with_quality(&mut out, quality);
    if let Some(icc) = icc {
        // Without the profile a wide-gamut photo only looks a little duller.
        let _ = encoder.set_icc_profile(icc);
    }
    encoder.write_image(
        picture.as_bytes(),
        picture.width(),
        picture.height(),
        picture.color().into(),
    )?;
    Ok(out)
}

/// PNG chunks kept: the critical ones and those that change the colours.
/// Text (tEXt, zTXt, iTXt), eXIf, tIME and unknown chunks are dropped.
const PNG_KEPT: [&[u8; 4]; 12] = [
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT",
    b"bKGD", b"pHYs",
];

/// check_photo ignores a PNG's eXIf orientation, so dropping it keeps what
/// was checked.
fn strip_png(data: &[u8]) -> Result<Vec<u8>, StripError> {
    // The decoder stops once it has the pixels, so a PNG whose chunk chain
    // breaks after the image data still passes check_photo (found by
    // fuzzing); such a file is redrawn from its pixels instead.
    copy_png_chunks(data).map_or_else(|| reencode_png(data), Ok)
}

/// Copies the whitelisted chunks verbatim (their CRCs stay valid), up to
/// IEND; `None` if the chunk chain breaks before it.
fn copy_png_chunks(data: &[u8]) -> Option<Vec<u8>> {
    let mut out = data.get(..8)?.to_vec();
    let mut pos: usize = 8;
    loop {
        let len = data
            .get(pos..pos.checked_add(4)?)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            .and_then(|l| usize::try_from(l).ok())?;
        // Length, type, data, CRC.
        let end = pos.checked_add(len)?.checked_add(12)?;
        let chunk = data.get(pos..end)?;
        let kind = &chunk[4..8];
        if PNG_KEPT.iter().any(|k| kind == k.as_slice()) {
            out.extend_from_slice(chunk);
        }
        if kind == b"IEND" {
            return Some(out);
        }
        pos = end;
    }
}

/// Decodes (with the limits of check_photo) and writes a new PNG of the same
/// pixels; the encoder writes no text, time or Exif chunks.
fn reencode_png(data: &[u8]) -> Result<Vec<u8>, StripError> {
    let damaged = |e: image::ImageError| StripError::Damaged(e.to_string());
    let mut reader = image::ImageReader::with_format(Cursor::new(data), image::ImageFormat::Png);
    reader.limits(decode_limits(true));
    super::decoder_test_hook();
    let picture = reader.decode().map_err(damaged)?;
    let mut out = Cursor::new(Vec::new());
    picture
        .write_to(&mut out, image::ImageFormat::Png)
        .map_err(damaged)?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests;
