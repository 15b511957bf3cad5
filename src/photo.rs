//! Checking a student ID photo before the secretariat accepts it.
//!
//! Parents upload a photo for the student ID (legitymacja szkolna). A photo
//! in the wrong format, too small, the wrong shape, CMYK (which the ministry's
//! systems reject) or damaged would otherwise be found out late, after the
//! secretariat has filed the application. This module checks at upload time,
//! so the parent is told *every* reason at once and can send a better photo
//! straight away.
//!
//! The one entry point is [`check_photo`]. It turns raw bytes into a
//! [`PhotoCheck`] (a photo known to satisfy the [`PhotoPolicy`]) or a list of
//! every [`PhotoProblem`] found. Nothing downstream needs to re-validate a
//! `PhotoCheck`: parse, don't validate.
//!
//! How a photo is examined, cheapest and safest step first:
//! 1. The kind of file is read from its magic bytes ([`detect_kind`]), never
//!    from its name: a HEIC photo renamed to `.jpg` is still HEIC.
//! 2. For JPEG, the marker structure is walked by hand before any decoding.
//!    This reads the frame header (size, number of colour components) and the
//!    EXIF orientation, finds the end-of-image marker, and lets us refuse a
//!    header that claims absurd dimensions without allocating anything.
//! 3. Only then is the image fully decoded, with allocation limits, so that
//!    corrupt data is caught.
//!
//! Sizes are compared as the photo is *displayed*: a phone photo stored
//! landscape with EXIF orientation 6 ("rotate 90°") counts as portrait.

use std::io::Cursor;

use image::{ImageDecoder, ImageFormat, ImageReader, Limits};
use serde::{Deserialize, Serialize};

#[cfg(test)]
mod tests;

/// Longest side we are willing to decode. Real ID photos are a few thousand
/// pixels at most; anything larger is a mistake or an attack.
const MAX_SIDE: u32 = 12_000;
/// Pixel count we are willing to decode (60 megapixels ≈ 180 MB as RGB).
const MAX_PIXELS: u64 = 60_000_000;
/// Upper bound on what the decoder may allocate for one photo.
const MAX_ALLOC: u64 = 256 * 1024 * 1024;

/// An image format the policy may allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PhotoFormat {
    Jpeg,
    Png,
}

/// Required shape of the photo, as width:height, e.g. 354:496 in the seed
/// procedure.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Aspect {
    pub width: u32,
    pub height: u32,
    /// How far the photo's width/height ratio may stray from
    /// `width / height`, in percent of that ratio.
    pub tolerance_percent: f64,
}

/// What the school accepts. Loaded from configuration; unknown keys are an
/// error so that a typo (`max_byte`) does not silently fall back to a default.
///
/// Keep `aspect.width` and `aspect.height` above zero: with a zero side no
/// photo can match, and every upload is reported as [`PhotoProblem::WrongAspect`].
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PhotoPolicy {
    pub formats: Vec<PhotoFormat>,
    pub max_bytes: u64,
    pub min_width: u32,
    pub min_height: u32,
    pub aspect: Option<Aspect>,
}

impl Default for PhotoPolicy {
    /// The seed procedure: JPEG only, at most 5 MB, at least 354×496 pixels,
    /// in the 354:496 shape with 1% tolerance.
    fn default() -> Self {
        PhotoPolicy {
            formats: vec![PhotoFormat::Jpeg],
            max_bytes: 5 * 1024 * 1024,
            min_width: 354,
            min_height: 496,
            aspect: Some(Aspect {
                width: 354,
                height: 496,
                tolerance_percent: 1.0,
            }),
        }
    }
}

/// A photo that passed every check (built once, at the edge: parse, don't validate).
///
/// `width` and `height` are as displayed, i.e. after applying the EXIF
/// orientation; `bytes` is the size of the uploaded file.
#[derive(Debug, Clone, PartialEq)]
pub struct PhotoCheck {
    pub format: PhotoFormat,
    pub width: u32,
    pub height: u32,
    pub bytes: usize,
}

/// What a file really is, judged by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DetectedKind {
    Jpeg,
    Png,
    Heic,
    Pdf,
    Gif,
    Webp,
    Bmp,
    Tiff,
    Unknown,
}

/// One reason a photo is refused. Serialized with a `code` tag so the mail
/// templates can pick a translated message for the parent; the `Display` text is
/// meant for logs.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum PhotoProblem {
    #[error("file is {detected:?}, allowed formats are {allowed:?}")]
    NotAllowedFormat {
        detected: DetectedKind,
        allowed: Vec<PhotoFormat>,
    },
    #[error("file has {bytes} bytes, at most {max_bytes} are allowed")]
    TooManyBytes { bytes: u64, max_bytes: u64 },
    #[error("photo is {width}x{height} pixels, at least {min_width}x{min_height} are required")]
    TooSmall {
        width: u32,
        height: u32,
        min_width: u32,
        min_height: u32,
    },
    #[error("photo is {width}x{height} pixels, its shape must be {aspect_width}:{aspect_height}")]
    WrongAspect {
        width: u32,
        height: u32,
        aspect_width: u32,
        aspect_height: u32,
    },
    #[error("photo uses CMYK colours, only RGB or greyscale is accepted")]
    Cmyk,
    #[error("photo is damaged or incomplete: {detail}")]
    Damaged { detail: String },
    #[error("photo claims to be {width}x{height} pixels, which is too large to process")]
    DimensionsTooLarge { width: u32, height: u32 },
    #[error("file is empty")]
    Empty,
}

impl PhotoProblem {
    /// The stable name templates and the history use (same as the serde tag).
    pub fn code(&self) -> &'static str {
        match self {
            PhotoProblem::NotAllowedFormat { .. } => "not_allowed_format",
            PhotoProblem::TooManyBytes { .. } => "too_many_bytes",
            PhotoProblem::TooSmall { .. } => "too_small",
            PhotoProblem::WrongAspect { .. } => "wrong_aspect",
            PhotoProblem::Cmyk => "cmyk",
            PhotoProblem::Damaged { .. } => "damaged",
            PhotoProblem::DimensionsTooLarge { .. } => "dimensions_too_large",
            PhotoProblem::Empty => "empty",
        }
    }
}

/// Tells what a file is from its magic bytes, never from its file name.
pub fn detect_kind(data: &[u8]) -> DetectedKind {
    // ISO base media files (HEIC/HEIF) start with a box size, then `ftyp`
    // and the major brand. AVIF shares the container but is not HEIC, so
    // only HEIF brands count; AVIF is reported as Unknown.
    const HEIF_BRANDS: [&[u8; 4]; 10] = [
        b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1",
    ];
    let heif = data.get(4..8) == Some(b"ftyp")
        && data
            .get(8..12)
            .is_some_and(|brand| HEIF_BRANDS.iter().any(|b| brand == b.as_slice()));

    if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        DetectedKind::Jpeg
    } else if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        DetectedKind::Png
    } else if heif {
        DetectedKind::Heic
    } else if data.starts_with(b"%PDF-") {
        DetectedKind::Pdf
    } else if data.starts_with(b"GIF87a") || data.starts_with(b"GIF89a") {
        DetectedKind::Gif
    } else if data.starts_with(b"RIFF") && data.get(8..12) == Some(b"WEBP") {
        DetectedKind::Webp
    } else if data.starts_with(b"BM") {
        DetectedKind::Bmp
    } else if data.starts_with(b"II*\0") || data.starts_with(b"MM\0*") {
        DetectedKind::Tiff
    } else {
        DetectedKind::Unknown
    }
}

/// Checks an uploaded photo against the policy.
///
/// Returns every problem found, not just the first, so the parent can fix
/// them all in one go. A file that is not an allowed image is not decoded at
/// all; only its byte size is reported alongside.
pub fn check_photo(data: &[u8], policy: &PhotoPolicy) -> Result<PhotoCheck, Vec<PhotoProblem>> {
    if data.is_empty() {
        return Err(vec![PhotoProblem::Empty]);
    }
    let mut problems = Vec::new();
    let detected = detect_kind(data);
    let format = match detected {
        DetectedKind::Jpeg => Some(PhotoFormat::Jpeg),
        DetectedKind::Png => Some(PhotoFormat::Png),
        _ => None,
    }
    .filter(|f| policy.formats.contains(f));
    if format.is_none() {
        problems.push(PhotoProblem::NotAllowedFormat {
            detected,
            allowed: policy.formats.clone(),
        });
    }

    // usize → u64 cannot fail on any platform we build for; saturate anyway.
    let bytes = u64::try_from(data.len()).unwrap_or(u64::MAX);
    if bytes > policy.max_bytes {
        problems.push(PhotoProblem::TooManyBytes {
            bytes,
            max_bytes: policy.max_bytes,
        });
    }

    // Decoding something we would refuse anyway only adds attack surface.
    let Some(format) = format else {
        return Err(problems);
    };

    let shown = match format {
        PhotoFormat::Jpeg => inspect_jpeg(data, &mut problems),
        PhotoFormat::Png => inspect_png(data, &mut problems),
    };
    if let Some((width, height)) = shown {
        check_geometry(width, height, policy, &mut problems);
    }

    match shown {
        Some((width, height)) if problems.is_empty() => Ok(PhotoCheck {
            format,
            width,
            height,
            bytes: data.len(),
        }),
        _ => {
            // The inspectors report a problem whenever they cannot give a
            // size; this keeps an `Err` from ever being an empty list.
            if problems.is_empty() {
                problems.push(damaged("image size could not be determined"));
            }
            Err(problems)
        }
    }
}

fn damaged(detail: impl Into<String>) -> PhotoProblem {
    PhotoProblem::Damaged {
        detail: detail.into(),
    }
}

fn too_large(width: u32, height: u32) -> bool {
    width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS
}

/// Size and shape, on the dimensions as displayed.
fn check_geometry(width: u32, height: u32, policy: &PhotoPolicy, problems: &mut Vec<PhotoProblem>) {
    if width < policy.min_width || height < policy.min_height {
        problems.push(PhotoProblem::TooSmall {
            width,
            height,
            min_width: policy.min_width,
            min_height: policy.min_height,
        });
    }
    if let Some(aspect) = &policy.aspect {
        let wanted = f64::from(aspect.width) / f64::from(aspect.height);
        let actual = f64::from(width) / f64::from(height);
        let deviation = (actual - wanted).abs() / wanted;
        // Written so that NaN (a zero side in the policy) fails the check
        // rather than letting every photo through.
        let fits = deviation <= aspect.tolerance_percent / 100.0;
        if !fits {
            problems.push(PhotoProblem::WrongAspect {
                width,
                height,
                aspect_width: aspect.width,
                aspect_height: aspect.height,
            });
        }
    }
}

/// Full decode with hard limits; `Err` carries the decoder's message.
fn decode(data: &[u8], format: ImageFormat) -> Result<(), String> {
    let mut reader = ImageReader::with_format(Cursor::new(data), format);
    reader.limits(decode_limits(true));
    reader.decode().map(drop).map_err(|e| e.to_string())
}

fn decode_limits(with_sides: bool) -> Limits {
    // `Limits` is non-exhaustive, so start from a value and set fields.
    let mut limits = Limits::no_limits();
    if with_sides {
        limits.max_image_width = Some(MAX_SIDE);
        limits.max_image_height = Some(MAX_SIDE);
    }
    limits.max_alloc = Some(MAX_ALLOC);
    limits
}

/// JPEG: header checks first, decoding last. Returns the displayed size when
/// it is trustworthy enough to judge size and shape by.
fn inspect_jpeg(data: &[u8], problems: &mut Vec<PhotoProblem>) -> Option<(u32, u32)> {
    let walk = walk_jpeg(data);
    let Some(frame) = walk.frame else {
        problems.push(damaged(
            walk.damage
                .unwrap_or_else(|| "no frame header (SOF)".to_owned()),
        ));
        return None;
    };
    if frame.components == 4 {
        // CMYK or YCCK (Adobe). The decoder would convert it to RGB without
        // complaint, so only the header tells us.
        problems.push(PhotoProblem::Cmyk);
    }
    if frame.width == 0 || frame.height == 0 {
        // Height 0 means "defined later by a DNL marker", which nothing in
        // the ministry chain accepts.
        problems.push(damaged("frame header gives a zero width or height"));
        return None;
    }
    if too_large(frame.width, frame.height) {
        problems.push(PhotoProblem::DimensionsTooLarge {
            width: frame.width,
            height: frame.height,
        });
        problems.extend(walk.damage.map(damaged));
        return None;
    }

    if let Some(detail) = walk.damage {
        // Structure already broken (e.g. truncated): decoding adds nothing.
        problems.push(damaged(detail));
    } else if frame.precision != 8 {
        problems.push(damaged(format!(
            "{}-bit samples; only 8-bit JPEG is accepted",
            frame.precision
        )));
    } else if let Err(detail) = decode(data, ImageFormat::Jpeg) {
        problems.push(damaged(detail));
    }

    // Orientations 5–8 rotate by 90°, so the displayed photo is transposed.
    Some(if (5..=8).contains(&walk.orientation) {
        (frame.height, frame.width)
    } else {
        (frame.width, frame.height)
    })
}

/// PNG: the header size via `image`, then a full decode.
fn inspect_png(data: &[u8], problems: &mut Vec<PhotoProblem>) -> Option<(u32, u32)> {
    // No side limits here: we want the real numbers to report, and reading
    // the header allocates nothing in proportion to them.
    let mut reader = ImageReader::with_format(Cursor::new(data), ImageFormat::Png);
    reader.limits(decode_limits(false));
    let header = reader
        .into_decoder()
        .map(|d| (d.dimensions(), d.total_bytes()));
    let ((width, height), output_bytes) = match header {
        Ok(header) => header,
        Err(e) => {
            problems.push(damaged(e.to_string()));
            return None;
        }
    };
    // A 16-bit RGBA PNG needs 8 bytes a pixel, so it can exceed the memory
    // cap below the pixel cap; that is "too large", not "damaged".
    if too_large(width, height) || output_bytes > MAX_ALLOC {
        problems.push(PhotoProblem::DimensionsTooLarge { width, height });
        return None;
    }
    if let Err(detail) = decode(data, ImageFormat::Png) {
        problems.push(damaged(detail));
    }
    Some((width, height))
}

/// The parts of a JPEG frame header (SOFn) we judge by.
#[derive(Debug, Clone, Copy)]
struct Frame {
    precision: u8,
    width: u32,
    height: u32,
    components: u8,
}

/// What walking the marker structure found.
#[derive(Debug, Default)]
struct JpegWalk {
    frame: Option<Frame>,
    /// EXIF orientation, 1 (upright) if absent or unreadable.
    orientation: u16,
    /// Why the structure is broken, if it is; `None` means the walk reached
    /// the end-of-image marker.
    damage: Option<String>,
}

/// Walks the JPEG markers from SOI to EOI without decoding any pixels.
///
/// Segments are skipped by their length and entropy-coded data is scanned
/// for the next marker, so an `FF D9` inside a segment (such as the EXIF
/// thumbnail) is never mistaken for the end. Reaching the real EOI proves the
/// file was not cut short, which the decoder alone does not: image 0.25
/// (zune-jpeg, lenient mode) returns a full-size picture for a JPEG cut in
/// half. Bytes after EOI are allowed, because phones append data there
/// (Ultra HDR gain maps, Motion Photo videos).
fn walk_jpeg(data: &[u8]) -> JpegWalk {
    let mut walk = JpegWalk {
        orientation: 1,
        ..JpegWalk::default()
    };
    if let Err(detail) = walk_markers(data, &mut walk) {
        walk.damage = Some(detail);
    }
    walk
}

fn walk_markers(data: &[u8], walk: &mut JpegWalk) -> Result<(), String> {
    let mut pos = 2; // after SOI, which detect_kind has seen
    loop {
        if data.get(pos) != Some(&0xFF) {
            return Err(match data.get(pos) {
                None => "file ends before the end-of-image marker (truncated)".to_owned(),
                Some(_) => format!("expected a marker at byte {pos}"),
            });
        }
        // Any number of 0xFF fill bytes may precede a marker code.
        while data.get(pos) == Some(&0xFF) {
            pos += 1;
        }
        let Some(&marker) = data.get(pos) else {
            return Err("file ends inside a marker (truncated)".to_owned());
        };
        pos += 1;
        match marker {
            0xD9 => return Ok(()),
            // Restart markers and TEM stand alone, without a length.
            0xD0..=0xD7 | 0x01 => continue,
            0xD8 => return Err(format!("second start-of-image marker at byte {}", pos - 2)),
            _ => {}
        }
        let len = data
            .get(pos..pos + 2)
            .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
            .ok_or("file ends inside a segment header (truncated)")?;
        let body = data
            .get(pos + 2..pos + len)
            .filter(|_| len >= 2)
            .ok_or_else(|| format!("segment 0xFF{marker:02X} at byte {} is cut short", pos - 2))?;
        pos += len;
        match marker {
            // SOF0–SOF15, except DHT (C4), JPG (C8) and DAC (CC).
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                if walk.frame.is_some() {
                    return Err("more than one frame header (SOF)".to_owned());
                }
                let [precision, h1, h0, w1, w0, components, ..] = *body else {
                    return Err("frame header (SOF) too short".to_owned());
                };
                walk.frame = Some(Frame {
                    precision,
                    height: u32::from(u16::from_be_bytes([h1, h0])),
                    width: u32::from(u16::from_be_bytes([w1, w0])),
                    components,
                });
            }
            0xE1 => {
                if let Some(tiff) = body.strip_prefix(b"Exif\0\0") {
                    // A broken EXIF block does not spoil the picture, and
                    // viewers ignore it too: fall back to "upright".
                    if let Some(o) = exif_orientation(tiff) {
                        walk.orientation = o;
                    }
                }
            }
            0xDA => {
                if walk.frame.is_none() {
                    return Err("scan (SOS) before the frame header (SOF)".to_owned());
                }
                pos = skip_entropy_data(data, pos);
            }
            _ => {}
        }
    }
}

/// Returns the position of the first real marker after entropy-coded data
/// (or the end of the data if there is none).
fn skip_entropy_data(data: &[u8], mut pos: usize) -> usize {
    while pos < data.len() {
        if data[pos] == 0xFF {
            match data.get(pos + 1) {
                // Stuffed zero byte or restart marker: still inside the scan.
                Some(0x00 | 0xD0..=0xD7) => pos += 2,
                // Fill byte before a marker: let the caller skip it.
                _ => return pos,
            }
        } else {
            pos += 1;
        }
    }
    pos
}

/// Reads tag 0x0112 (Orientation) from IFD0 of an EXIF TIFF block, in either
/// byte order. `None` if the block is malformed or has no valid tag.
fn exif_orientation(tiff: &[u8]) -> Option<u16> {
    let big_endian = match tiff.get(0..2)? {
        b"MM" => true,
        b"II" => false,
        _ => return None,
    };
    // Unsigned integer of `len` bytes at `at`, in the block's byte order.
    let uint_at = |at: usize, len: usize| -> Option<u32> {
        let bytes = tiff.get(at..at.checked_add(len)?)?;
        let fold = |acc: u32, &b: &u8| (acc << 8) | u32::from(b);
        Some(if big_endian {
            bytes.iter().fold(0, fold)
        } else {
            bytes.iter().rev().fold(0, fold)
        })
    };
    // Two bytes always fit in a u16.
    let u16_at = |at: usize| uint_at(at, 2).and_then(|v| u16::try_from(v).ok());
    if u16_at(2)? != 42 {
        return None;
    }
    let ifd = usize::try_from(uint_at(4, 4)?).ok()?;
    let count = usize::from(u16_at(ifd)?);
    (0..count).find_map(|i| {
        let entry = ifd.checked_add(2 + 12 * i)?;
        // Tag 0x0112, type SHORT (3): the value sits in the entry itself.
        if u16_at(entry)? != 0x0112 || u16_at(entry + 2)? != 3 {
            return None;
        }
        u16_at(entry + 8).filter(|o| (1..=8).contains(o))
    })
}
