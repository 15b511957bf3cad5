//! Reading a picture's header and decoding it under limits, per format:
//! what [`super::check_photo`] needs to judge size, shape and damage.

use std::io::Cursor;

use image::{ImageDecoder, ImageFormat, ImageReader};

use super::jpeg::walk_jpeg;
use super::{MAX_ALLOC, PhotoProblem, damaged, decode, decode_jpeg, decode_limits, too_large};

/// JPEG: header checks first, decoding last. Returns the displayed size when
/// it is trustworthy enough to judge size and shape by.
pub(super) fn inspect_jpeg(data: &[u8], problems: &mut Vec<PhotoProblem>) -> Option<(u32, u32)> {
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
    } else if let Err(detail) = decode_jpeg(data) {
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
pub(super) fn inspect_png(data: &[u8], problems: &mut Vec<PhotoProblem>) -> Option<(u32, u32)> {
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
