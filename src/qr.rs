//! Reading and drawing the one-time mLegitymacja QR code.
//!
//! When the secretary answers `KOD <activation code>` she may attach a picture
//! of the ministry's web page that shows the QR code the student's phone must
//! scan. That picture is whatever she had at hand: a crisp PNG screenshot of
//! the whole browser window, a JPEG re-compressed by her mail client, or a
//! phone photo of the monitor or of a printout, possibly sideways. This module
//! does two things with it:
//!
//! * [`decode_qr`] finds the QR code in such a picture and returns its text,
//!   so the daemon can store it with the activation code;
//! * [`render_qr_png`] draws that text again as a clean, sharp QR code for the
//!   hand-over slip, because a re-printed photo of a screen scans badly.
//!
//! The picture comes from an e-mail, so it is untrusted input: decoding is
//! bounded in pixels and memory ([`MAX_DIMENSION`], [`MAX_ALLOC`]) and the
//! detector runs on a downscaled copy first. The detector is the pure-Rust
//! `rqrr` crate (a port of quirc); the drawing is done by `qrcode`.

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use image::imageops::{self, FilterType};
use image::{DynamicImage, GrayImage, ImageError, ImageFormat, ImageReader, Limits, Luma};
use rqrr::PreparedImage;

/// Largest accepted width or height of an attached picture. A 12 MP phone
/// photo is ~4000 px wide; anything far beyond that is not a real attachment.
pub const MAX_DIMENSION: u32 = 8000;
/// Most memory the image decoder may allocate for one picture (256 MiB).
pub const MAX_ALLOC: u64 = 256 * 1024 * 1024;
/// Larger byte blobs are refused before even looking at them: the mail
/// gateway caps attachments well below this anyway.
pub const MAX_INPUT_BYTES: usize = 40 * 1024 * 1024;
/// The first detection attempt runs on a copy whose long side is at most this
/// many pixels. A QR code filling a tenth of a phone photo still has several
/// pixels per module at this size, and detection stays well under a second.
const FAST_LONG_SIDE: u32 = 2000;
/// If the fast attempt fails on a bigger picture we retry once at (nearly)
/// full resolution, for a small QR code in a big photo. It is still capped so
/// the retry stays bounded: 4096 keeps a 12 MP phone photo at full size.
const FULL_LONG_SIDE: u32 = 4096;
/// The printed QR code is at least this wide, quiet zone included.
const RENDER_MIN_PX: u32 = 320;

/// Why a QR code could not be read or drawn.
#[derive(Debug, thiserror::Error)]
pub enum QrError {
    /// The bytes are not a PNG or JPEG picture we can decode.
    #[error("attachment is not a readable PNG or JPEG image")]
    NotAnImage,
    /// The picture decoded, but nothing in it looks like a QR code.
    #[error("no QR code found in the image")]
    NoQrFound,
    /// Something QR-like was found but its content could not be recovered
    /// (blurred, cut off, too damaged for error correction).
    #[error("a QR code was found but could not be read: {0}")]
    Unreadable(String),
    /// The picture is bigger than we are willing to decode.
    #[error("image is too large to process")]
    TooLarge,
    /// The content could not be drawn as a QR code (e.g. far too long).
    #[error("could not render QR code: {0}")]
    Render(String),
}

/// Finds and decodes the (first readable) QR code in a PNG or JPEG image: a
/// screenshot of a web page, or a phone photo of a screen/printout.
///
/// Tries, in order, a downscaled copy and then (only if the picture was
/// downscaled) a larger one; at each size it tries the grey image with the
/// detector's own adaptive threshold, a global Otsu threshold, and the
/// inverted image (dark-mode pages draw light modules on a dark background).
/// The first grid that decodes wins. Rotation and moderate perspective are
/// handled by the detector itself.
pub fn decode_qr(image_bytes: &[u8]) -> Result<String, QrError> {
    let gray = load_gray(image_bytes)?;
    let long_side = gray.width().max(gray.height());

    let first = scan_all_passes(&fit_long_side(&gray, FAST_LONG_SIDE));
    if first.is_ok() || long_side <= FAST_LONG_SIDE {
        return first;
    }
    let retry = scan_all_passes(&fit_long_side(&gray, FULL_LONG_SIDE));
    match (first, retry) {
        (_, Ok(text)) => Ok(text),
        // Report the more informative failure: "found but unreadable" tells
        // the secretary to send a sharper photo, "nothing found" does not.
        (Err(QrError::Unreadable(e)), Err(_)) | (_, Err(QrError::Unreadable(e))) => {
            Err(QrError::Unreadable(e))
        }
        (_, Err(e)) => Err(e),
    }
}

/// Renders `content` as a clean black-on-white QR code PNG with a quiet zone,
/// at least ~300 px wide, for printing and for the parent's phone to scan.
pub fn render_qr_png(content: &str) -> Result<Vec<u8>, QrError> {
    // Level M (15 % recovery) is the usual choice for printed codes: robust to
    // a crease or a smudge while keeping modules large for a given size.
    let code = qrcode::QrCode::with_error_correction_level(content.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| QrError::Render(e.to_string()))?;
    // Whole-pixel modules (the renderer scales by an integer factor) keep the
    // edges sharp; the 4-module quiet zone is what phone scanners expect.
    let img: GrayImage = code
        .render::<Luma<u8>>()
        .quiet_zone(true)
        .min_dimensions(RENDER_MIN_PX, RENDER_MIN_PX)
        .dark_color(Luma([0]))
        .light_color(Luma([255]))
        .build();
    let mut png = Cursor::new(Vec::new());
    DynamicImage::ImageLuma8(img)
        .write_to(&mut png, ImageFormat::Png)
        .map_err(|e| QrError::Render(e.to_string()))?;
    Ok(png.into_inner())
}

/// Decodes PNG/JPEG bytes to 8-bit grey under strict limits.
fn load_gray(bytes: &[u8]) -> Result<GrayImage, QrError> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(QrError::TooLarge);
    }
    // Trust the magic bytes, not the attachment's file name or MIME type:
    // mail clients often label screenshots wrongly.
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| QrError::NotAnImage)?;
    match reader.format() {
        Some(ImageFormat::Png | ImageFormat::Jpeg) => {}
        _ => return Err(QrError::NotAnImage),
    }
    // The limits are checked against the header before any pixel buffer is
    // allocated, so a tiny file claiming 60000x60000 px costs nothing.
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    let img = reader.decode().map_err(|e| match e {
        ImageError::Limits(_) => QrError::TooLarge,
        _ => QrError::NotAnImage,
    })?;
    // QR codes carry no colour information; grey halves the work and memory.
    // A transparent PNG is composited onto white first, because transparent
    // pixels usually store black and would otherwise swallow the code.
    Ok(match img {
        DynamicImage::ImageLuma8(g) => g,
        other if other.color().has_alpha() => flatten_on_white(&other),
        other => other.into_luma8(),
    })
}

/// Grey version of an image with alpha, as it would look on a white page.
fn flatten_on_white(img: &DynamicImage) -> GrayImage {
    let la = img.to_luma_alpha8();
    GrayImage::from_fn(la.width(), la.height(), |x, y| {
        let [l, a] = la.get_pixel(x, y).0;
        let (l, a) = (u32::from(l), u32::from(a));
        // Integer "over" blend: l*a + 255*(1-a), rounded; always <= 255.
        Luma([((l * a + 255 * (255 - a) + 127) / 255) as u8])
    })
}

/// Returns `img` itself (borrowed) if it fits, else a copy shrunk to
/// `long_side`. Triangle filtering averages neighbours, which also smooths
/// JPEG noise and the moiré of a photographed screen.
fn fit_long_side(img: &GrayImage, long_side: u32) -> std::borrow::Cow<'_, GrayImage> {
    let (w, h) = img.dimensions();
    let current = w.max(h);
    if current <= long_side {
        return std::borrow::Cow::Borrowed(img);
    }
    let scale = f64::from(long_side) / f64::from(current);
    let nw = ((f64::from(w) * scale).round() as u32).max(1);
    let nh = ((f64::from(h) * scale).round() as u32).max(1);
    std::borrow::Cow::Owned(imageops::resize(img, nw, nh, FilterType::Triangle))
}

/// The ways we binarise a picture before looking for finder patterns.
#[derive(Clone, Copy, Debug)]
enum Pass {
    /// rqrr's own adaptive (moving-average) threshold: best for screenshots
    /// and evenly lit photos.
    Adaptive,
    /// One global Otsu threshold: helps when the adaptive window is smaller
    /// than a module (big, low-contrast photos) and breaks the code apart.
    Otsu,
    /// Adaptive threshold on the negative: dark-mode pages.
    Inverted,
}

/// Runs every pass on one image and returns the first decoded text.
fn scan_all_passes(img: &GrayImage) -> Result<String, QrError> {
    let mut unreadable: Option<String> = None;
    for pass in [Pass::Adaptive, Pass::Otsu, Pass::Inverted] {
        match scan_pass(img, pass) {
            Ok(text) => return Ok(text),
            Err(QrError::Unreadable(e)) => {
                unreadable.get_or_insert(e);
            }
            Err(_) => {}
        }
    }
    Err(unreadable.map_or(QrError::NoQrFound, QrError::Unreadable))
}

/// Binarises `img` as `pass` says, detects grids and decodes them in turn.
fn scan_pass(img: &GrayImage, pass: Pass) -> Result<String, QrError> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let px = |x: usize, y: usize| img.get_pixel(x as u32, y as u32).0[0];
    // rqrr still has asserts that real-world pictures can trip (e.g. upstream
    // issue #54, a perspective overflow on a monitor photo). One bad attachment
    // must not take the daemon down, so a panic becomes "unreadable".
    let result = catch_unwind(AssertUnwindSafe(|| {
        let mut prepared = match pass {
            Pass::Adaptive => PreparedImage::prepare_from_greyscale(w, h, px),
            Pass::Inverted => PreparedImage::prepare_from_greyscale(w, h, |x, y| 255 - px(x, y)),
            Pass::Otsu => {
                let t = otsu_threshold(img);
                PreparedImage::prepare_from_bitmap(w, h, |x, y| px(x, y) <= t)
            }
        };
        let grids = prepared.detect_grids();
        if grids.is_empty() {
            return Err(QrError::NoQrFound);
        }
        let mut last_err = String::new();
        for grid in &grids {
            let mut bytes = Vec::new();
            match grid.decode_to(&mut bytes) {
                Ok(_) => return Ok(bytes_to_text(bytes)),
                Err(e) => last_err = e.to_string(),
            }
        }
        Err(QrError::Unreadable(last_err))
    }));
    result.unwrap_or_else(|_| {
        Err(QrError::Unreadable(format!(
            "QR detector failed on this image ({pass:?} pass)"
        )))
    })
}

/// Text of a QR payload. Modern generators (and the ministry's page) write
/// UTF-8; the QR standard's default for byte mode is ISO-8859-1, so bytes that
/// are not valid UTF-8 are read as Latin-1 rather than rejected.
fn bytes_to_text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes)
        .unwrap_or_else(|e| e.into_bytes().into_iter().map(char::from).collect())
}

/// Otsu's method: the grey level that best splits the histogram into two
/// classes (ink and paper), maximising the between-class variance.
fn otsu_threshold(img: &GrayImage) -> u8 {
    let mut hist = [0u64; 256];
    for p in img.pixels() {
        hist[usize::from(p.0[0])] += 1;
    }
    let total: u64 = hist.iter().sum();
    let sum_all: f64 = hist
        .iter()
        .enumerate()
        .map(|(i, &c)| i as f64 * c as f64)
        .sum();
    let (mut w_bg, mut sum_bg) = (0u64, 0f64);
    let (mut best_t, mut best_var) = (127u8, -1f64);
    for (t, &count) in hist.iter().enumerate() {
        w_bg += count;
        if w_bg == 0 {
            continue;
        }
        let w_fg = total - w_bg;
        if w_fg == 0 {
            break;
        }
        sum_bg += t as f64 * count as f64;
        let mean_bg = sum_bg / w_bg as f64;
        let mean_fg = (sum_all - sum_bg) / w_fg as f64;
        let var = w_bg as f64 * w_fg as f64 * (mean_bg - mean_fg).powi(2);
        if var > best_var {
            best_var = var;
            best_t = t as u8;
        }
    }
    best_t
}

#[cfg(test)]
mod tests;
