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
//! Decoding runs under `catch_unwind`: a decoder bug tripped by a hostile
//! file makes that file "damaged", it does not stop the daemon.
//!
//! A photo that passed is stored and passed on only as [`strip_metadata`]
//! leaves it: without GPS position, device and time. A JPEG refused only for
//! its file size is re-encoded to fit instead ([`fit_to_size`]).
//!
//! Sizes are compared as the photo is *displayed*: a phone photo stored
//! landscape with EXIF orientation 6 ("rotate 90°") counts as portrait.

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use image::{ImageFormat, ImageReader, Limits};
use serde::{Deserialize, Serialize};

#[cfg(test)]
mod decode_tests;
mod fit;
mod inspect;
mod jpeg;
mod size;
mod strip;
#[cfg(test)]
mod tests;

pub use fit::{fit_to_size, only_too_many_bytes};
use inspect::{inspect_jpeg, inspect_png};
pub use size::declared_size;
pub use strip::{REENCODE_QUALITY, StripError, strip_metadata};

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
    // The decoders are large and fed by strangers: should one panic, the
    // parent hears "damaged file" and the daemon goes on with the next mail.
    // Nothing is shared across the unwind but `data` and `policy`, read-only.
    catch_unwind(AssertUnwindSafe(|| check_unguarded(data, policy)))
        .unwrap_or_else(|_| Err(vec![damaged("the image decoder crashed on this file")]))
}

#[cfg(test)]
thread_local! {
    /// Set by a test to make this thread's next decode panic, the way a
    /// decoder bug would.
    pub(crate) static PANIC_IN_DECODER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Panics when a test asked for it; nothing outside tests.
pub(crate) fn decoder_test_hook() {
    #[cfg(test)]
    if PANIC_IN_DECODER.with(|p| p.replace(false)) {
        panic!("decoder crash forced by a test");
    }
}

fn check_unguarded(data: &[u8], policy: &PhotoPolicy) -> Result<PhotoCheck, Vec<PhotoProblem>> {
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
    decoder_test_hook();
    reader.decode().map(drop).map_err(|e| e.to_string())
}

/// [`decode`] for a JPEG, in grey: every block of every component is still
/// read and checked (the colour blocks are entropy-decoded and dropped), but
/// only the brightness is turned into pixels. That holds a third of what a
/// colour decode holds (2 bytes less per pixel: a 12-megapixel photo needs
/// 12 MB, not 36) and skips the colour maths, on the path every photo of
/// the September rush takes. The decoder and its leniency are `image`'s own.
fn decode_jpeg(data: &[u8]) -> Result<(), String> {
    use zune_jpeg::zune_core::bytestream::ZCursor;
    use zune_jpeg::zune_core::colorspace::ColorSpace;
    use zune_jpeg::zune_core::options::DecoderOptions;
    // Lenient like `image`: a photo a viewer shows is not refused here; a
    // cut-short file is caught by the marker walk instead.
    let options = DecoderOptions::default()
        .set_strict_mode(false)
        .set_max_width(MAX_SIDE as usize)
        .set_max_height(MAX_SIDE as usize);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(data), options);
    decoder.decode_headers().map_err(|e| e.to_string())?;
    // Colour models without a brightness channel (RGB, CMYK) decode to RGB,
    // as `image` does.
    let out = match decoder.input_colorspace() {
        Some(ColorSpace::YCbCr | ColorSpace::Luma) => ColorSpace::Luma,
        _ => ColorSpace::RGB,
    };
    decoder.set_options(decoder.options().jpeg_set_out_colorspace(out));
    let bytes = decoder.output_buffer_size().unwrap_or(usize::MAX);
    if bytes as u64 > MAX_ALLOC {
        return Err(format!("decoding would need {bytes} bytes"));
    }
    decoder_test_hook();
    decoder.decode().map(drop).map_err(|e| e.to_string())
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
