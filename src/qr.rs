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

mod budget;

use std::borrow::Cow;
use std::cell::Cell;
use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;

use image::imageops::{self, FilterType};
use image::{
    DynamicImage, GenericImageView, GrayImage, ImageError, ImageFormat, ImageReader, Limits, Luma,
};
use rqrr::PreparedImage;

use budget::{Budgeted, OverBudget};

/// Largest accepted width or height. A 12 MP phone photo is ~4000 px wide.
pub const MAX_DIMENSION: u32 = 8000;
/// Most memory the image decoder may allocate for one picture (256 MiB).
pub const MAX_ALLOC: u64 = 256 * 1024 * 1024;
/// Larger byte blobs are refused unread; real attachments are far smaller.
pub const MAX_INPUT_BYTES: usize = 40 * 1024 * 1024;
/// Long side of the first, fast attempt. A code filling a tenth of a phone
/// photo still has several pixels per module at this size.
const FAST_LONG_SIDE: u32 = 2000;
/// Cap of the one retry at higher resolution: keeps a 12 MP photo full size.
const FULL_LONG_SIDE: u32 = 4096;
/// A grid found but not decoded is enlarged to about this size and scanned
/// again, at most at [`MAX_ZOOMS`] places per image.
const ZOOM_LONG_SIDE: u32 = 900;
const MAX_ZOOMS: usize = 3;
/// Detector work per pass, in pixel reads/writes per image pixel (pages with
/// a QR code measured 5-14), and at least [`MIN_WORK`] for small pictures,
/// where decoding a grid dominates. See [`Budgeted`] for why there is a cap.
const WORK_PER_PIXEL: u64 = 48;
const MIN_WORK: u64 = 4_000_000;
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
/// Tries the picture at most at two sizes: shrunk to 2000 px, then once at a
/// higher resolution (full size up to 4096 px, or 2x for small pictures). At
/// each size it tries the grey image with the detector's own adaptive
/// threshold, a global Otsu threshold, and the inverted image (dark-mode pages
/// draw light modules on a dark background), then zooms into grids that were
/// located but not decoded. The first grid that decodes wins. Rotation and
/// moderate perspective are handled by the detector itself.
///
/// A panic anywhere in decoding (the image decoders, rqrr) is caught and
/// reported as [`QrError::Unreadable`]: one hostile picture must not stop
/// the daemon.
pub fn decode_qr(image_bytes: &[u8]) -> Result<String, QrError> {
    catch_unwind(AssertUnwindSafe(|| decode_unguarded(image_bytes))).unwrap_or_else(|_| {
        Err(QrError::Unreadable(
            "the image decoder crashed on this picture".to_owned(),
        ))
    })
}

fn decode_unguarded(image_bytes: &[u8]) -> Result<String, QrError> {
    let gray = load_gray(image_bytes)?;
    let long_side = gray.width().max(gray.height());
    let first = scan_all_passes(&scaled(&gray, long_side.min(FAST_LONG_SIDE)));
    if first.is_ok() {
        return first;
    }
    // One more, bounded, try at a higher resolution: the full picture if it
    // was shrunk (a small code in a big photo), else the picture enlarged 2x
    // (a code of ~3 px per module in a screenshot, which the detector often
    // misses at its native size but finds once interpolated).
    let retry_long = if long_side > FAST_LONG_SIDE {
        long_side
    } else {
        long_side * 2
    };
    let retry = scan_all_passes(&scaled(&gray, retry_long.min(FULL_LONG_SIDE)));
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
    crate::photo::decoder_test_hook();
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

/// `img` scaled so its long side is `long_side` (itself if it already is).
/// Triangle (bilinear) filtering averages neighbours when shrinking, which
/// also smooths JPEG noise and the moiré of a photographed screen.
fn scaled(img: &GrayImage, long_side: u32) -> Cow<'_, GrayImage> {
    let (w, h) = img.dimensions();
    let current = w.max(h);
    if current == long_side || current == 0 {
        return Cow::Borrowed(img);
    }
    let scale = f64::from(long_side) / f64::from(current);
    let nw = ((f64::from(w) * scale).round() as u32).max(1);
    let nh = ((f64::from(h) * scale).round() as u32).max(1);
    Cow::Owned(imageops::resize(img, nw, nh, FilterType::Triangle))
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

/// A grid's bounding box in image pixels: x, y, width, height.
type Region = (u32, u32, u32, u32);

/// What the failed passes on one image saw, to report and to zoom into.
#[derive(Default)]
struct Misses {
    /// Last reason a found grid could not be decoded, if any was found.
    unreadable: Option<String>,
    /// Where grids were found but not decoded.
    regions: Vec<Region>,
}

/// Runs every pass on one image and returns the first decoded text. If a grid
/// was located but not decoded, zooms in on it and tries again.
fn scan_all_passes(img: &GrayImage) -> Result<String, QrError> {
    let mut misses = Misses::default();
    if let Some(text) = scan_passes(img, &mut misses) {
        return Ok(text);
    }
    // The detector samples one pixel per module centre; at ~2-3 px per module
    // (a small code in a screenshot, a far-away photo) rounding makes it hit
    // module edges and error correction gives up. Enlarging just the found
    // region with bilinear interpolation puts the samples back on the modules.
    let mut zoomed: Vec<Region> = Vec::new();
    for &(x, y, w, h) in &misses.regions {
        // The passes usually find the same grid; zoom into each place once.
        let (cx, cy) = (x + w / 2, y + h / 2);
        let inside = |z: &Region| (z.0..z.0 + z.2).contains(&cx) && (z.1..z.1 + z.3).contains(&cy);
        if zoomed.len() >= MAX_ZOOMS || zoomed.iter().any(inside) {
            continue;
        }
        zoomed.push((x, y, w, h));
        let zoom = zoom_into(img, (x, y, w, h));
        if let Some(text) = zoom.and_then(|z| scan_passes(&z, &mut Misses::default())) {
            return Ok(text);
        }
    }
    Err(misses
        .unreadable
        .map_or(QrError::NoQrFound, QrError::Unreadable))
}

/// The first text that any pass decodes in `img`.
fn scan_passes(img: &GrayImage, misses: &mut Misses) -> Option<String> {
    [Pass::Adaptive, Pass::Otsu, Pass::Inverted]
        .into_iter()
        .find_map(|pass| scan_pass(img, pass, misses))
}

/// `region` plus a margin for the quiet zone, enlarged to about
/// [`ZOOM_LONG_SIDE`] px; `None` if it is already nearly that large.
fn zoom_into(img: &GrayImage, (x, y, w, h): Region) -> Option<GrayImage> {
    let margin = w.max(h) / 5 + 4;
    let (x0, y0) = (x.saturating_sub(margin), y.saturating_sub(margin));
    let x1 = (x + w + margin).min(img.width());
    let y1 = (y + h + margin).min(img.height());
    let crop = imageops::crop_imm(img, x0, y0, x1.checked_sub(x0)?, y1.checked_sub(y0)?);
    let long = crop.width().max(crop.height());
    (long > 0 && long * 3 <= ZOOM_LONG_SIDE * 2)
        .then(|| scaled(&crop.to_image(), ZOOM_LONG_SIDE).into_owned())
}

/// Binarises `img` as `pass` says, detects grids and decodes them in turn.
/// Grids that are found but do not decode are recorded in `misses`.
fn scan_pass(img: &GrayImage, pass: Pass, misses: &mut Misses) -> Option<String> {
    let mut buffer = img.clone();
    match pass {
        Pass::Adaptive => {}
        Pass::Inverted => imageops::invert(&mut buffer),
        // rqrr's pre-binarised input format: 1 is a dark pixel, 0 a light one.
        Pass::Otsu => {
            let t = otsu_threshold(img);
            buffer.iter_mut().for_each(|v| *v = u8::from(*v <= t));
        }
    }
    let work = (img.len() as u64).saturating_mul(WORK_PER_PIXEL);
    let left = Rc::new(Cell::new(work.max(MIN_WORK)));
    let buffer = Budgeted { img: buffer, left };
    // rqrr still has asserts that real-world pictures can trip (e.g. upstream
    // issue #54, a perspective overflow on a monitor photo), and `Budgeted`
    // aborts runaway scans by unwinding. Either way one bad attachment must not
    // take the daemon down, so we catch the unwind here.
    let result = catch_unwind(AssertUnwindSafe(|| {
        let mut prepared = match pass {
            Pass::Otsu => PreparedImage::without_preparation(buffer),
            Pass::Adaptive | Pass::Inverted => PreparedImage::prepare(buffer),
        };
        let mut failed = Vec::new();
        for grid in prepared.detect_grids() {
            let mut bytes = Vec::new();
            match grid.decode_to(&mut bytes) {
                Ok(_) => return Ok(bytes_to_text(bytes)),
                Err(e) => failed.push((e.to_string(), bounding_box(&grid.bounds, img))),
            }
        }
        Err(failed)
    }));
    match result {
        Ok(Ok(text)) => Some(text),
        Ok(Err(failed)) => {
            for (reason, region) in failed {
                misses.unreadable = Some(reason);
                misses.regions.extend(region);
            }
            None
        }
        // Too busy a picture (noise, fine textures) to be a page with a code:
        // leave `misses` alone, so it ends as NoQrFound.
        Err(payload) if payload.is::<OverBudget>() => None,
        Err(_) => {
            misses.unreadable = Some(format!("QR detector crashed ({pass:?} pass)"));
            None
        }
    }
}

/// Axis-aligned box around a grid's four corners, clipped to the image.
fn bounding_box(corners: &[rqrr::Point; 4], img: &GrayImage) -> Option<Region> {
    let clip = |v: i32, max: u32| u32::try_from(v.max(0)).unwrap_or(0).min(max);
    let xs = corners.iter().map(|p| clip(p.x, img.width()));
    let ys = corners.iter().map(|p| clip(p.y, img.height()));
    let (x0, x1) = (xs.clone().min()?, xs.max()?);
    let (y0, y1) = (ys.clone().min()?, ys.max()?);
    (x1 > x0 && y1 > y0).then_some((x0, y0, x1 - x0, y1 - y0))
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
    let mut hist = [0f64; 256];
    for p in img.pixels() {
        hist[usize::from(p.0[0])] += 1.0;
    }
    let total: f64 = hist.iter().sum();
    let sum_all: f64 = hist.iter().enumerate().map(|(i, c)| i as f64 * c).sum();
    let (mut w_bg, mut sum_bg, mut best) = (0f64, 0f64, (0u8, -1f64));
    for (t, &count) in hist.iter().enumerate() {
        w_bg += count;
        sum_bg += t as f64 * count;
        let w_fg = total - w_bg;
        if w_bg == 0.0 || w_fg == 0.0 {
            continue;
        }
        let diff = sum_bg / w_bg - (sum_all - sum_bg) / w_fg;
        let var = w_bg * w_fg * diff * diff;
        if var > best.1 {
            best = (t as u8, var);
        }
    }
    best.0
}

#[cfg(test)]
mod tests;
