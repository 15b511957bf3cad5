//! Making a photo that is refused only for its file size fit the limit.
//!
//! Phones send 3–5 MB photos and some schools accept at most 1 MB. Sending
//! such a photo back costs the family a mail each way in the busiest weeks,
//! while the picture itself is fine: it has far more pixels and detail than
//! a 354×496 ID photo needs. So the photo is re-encoded with the quality
//! ladder of [`super::strip`] and, where the quality alone does not do, scaled
//! down, keeping its proportions and never below the school's minimum size.
//!
//! Scaling is preferred to crushing the quality: at sizes above the minimum
//! the ladder stops at [`FIT_FLOOR`]; only at the minimum size does it go
//! down to its lowest step. The copy is re-encoded from the pixels, so it
//! carries no metadata, with the EXIF orientation applied.

use std::panic::{AssertUnwindSafe, catch_unwind};

use image::DynamicImage;
use image::imageops::FilterType;

use super::jpeg::walk_jpeg;
use super::strip::{LOWEST_QUALITY, decode_upright_jpeg, encode_within};
use super::{DetectedKind, PhotoCheck, PhotoPolicy, PhotoProblem, check_photo, detect_kind};

/// Lowest JPEG quality used while the photo can still be made smaller.
const FIT_FLOOR: u8 = 75;
/// Rounds of scaling at most; each one aims below the limit, so two or
/// three are the rule. The cap only keeps a pathological file bounded.
const MAX_ROUNDS: usize = 6;
/// Aim this far below the limit when scaling: the size of a JPEG does not
/// shrink exactly with its pixel count.
const HEADROOM: f64 = 0.85;

/// Whether `problems` (of [`check_photo`]) are the file size alone: only
/// such a photo is worth re-encoding.
pub fn only_too_many_bytes(problems: &[PhotoProblem]) -> bool {
    matches!(problems, [PhotoProblem::TooManyBytes { .. }])
}

/// A copy of a JPEG that was refused only for its file size, re-encoded
/// (and scaled down if needed) until it fits `policy.max_bytes`, with the
/// [`PhotoCheck`] of that copy. `None` if no copy at the minimum size fits,
/// or the copy fails a check (then the parent hears why the original was
/// refused).
pub fn fit_to_size(data: &[u8], policy: &PhotoPolicy) -> Option<(Vec<u8>, PhotoCheck)> {
    if detect_kind(data) != DetectedKind::Jpeg {
        return None;
    }
    // A decoder bug must cost one photo, not the daemon (see check_photo).
    let copy = catch_unwind(AssertUnwindSafe(|| shrink_jpeg(data, policy)))
        .ok()
        .flatten()?;
    // The copy is judged like any photo: what is stored always passed.
    let check = check_photo(&copy, policy).ok()?;
    Some((copy, check))
}

fn shrink_jpeg(data: &[u8], policy: &PhotoPolicy) -> Option<Vec<u8>> {
    let orientation = walk_jpeg(data).orientation.max(1);
    let (mut picture, icc) = decode_upright_jpeg(data, orientation).ok()?;
    for _ in 0..MAX_ROUNDS {
        let smallest = min_scale(&picture, policy);
        let at_minimum = smallest >= 0.98;
        let floor = if at_minimum {
            LOWEST_QUALITY
        } else {
            FIT_FLOOR
        };
        let out = encode_within(&picture, icc.as_deref(), policy.max_bytes, floor).ok()?;
        let len = out.len() as f64;
        if len <= policy.max_bytes as f64 {
            return Some(out);
        }
        if at_minimum {
            return None;
        }
        // Bytes follow the pixel count roughly, so the side follows its root.
        let scale = (policy.max_bytes as f64 * HEADROOM / len)
            .sqrt()
            .max(smallest);
        picture = scaled(&picture, scale, policy);
    }
    None
}

/// The factor that brings the picture to the minimum size on one side,
/// keeping the proportions (1.0 or more: it cannot shrink).
fn min_scale(picture: &DynamicImage, policy: &PhotoPolicy) -> f64 {
    let w = f64::from(policy.min_width) / f64::from(picture.width().max(1));
    let h = f64::from(policy.min_height) / f64::from(picture.height().max(1));
    w.max(h)
}

fn scaled(picture: &DynamicImage, scale: f64, policy: &PhotoPolicy) -> DynamicImage {
    // Rounded up, and never below the minimum: float error must not leave
    // a side one pixel short.
    let side = |v: u32, min: u32| -> u32 {
        let s = (f64::from(v) * scale).ceil();
        // Within u32: scale < 1 here.
        (s as u32).clamp(min, v)
    };
    let width = side(picture.width(), policy.min_width);
    let height = side(picture.height(), policy.min_height);
    picture.resize_exact(width, height, FilterType::Triangle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::codecs::jpeg::JpegEncoder;
    use image::{ImageEncoder, RgbImage};

    /// A phone-sized photo with fine noise, which compresses badly: about
    /// 4.8 MB at quality 85.
    pub(crate) fn noisy_phone_jpeg(w: u32, h: u32, quality: u8) -> Vec<u8> {
        let mut seed = 0x2468_ace1u32;
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
        JpegEncoder::new_with_quality(&mut out, quality)
            .write_image(img.as_raw(), w, h, image::ExtendedColorType::Rgb8)
            .expect("encode");
        out
    }

    #[test]
    fn a_phone_photo_over_the_limit_is_fitted_without_going_below_the_minimum() {
        let policy = PhotoPolicy {
            max_bytes: 1024 * 1024,
            ..PhotoPolicy::default()
        };
        let data = noisy_phone_jpeg(2832, 3968, 85);
        assert!(
            (4_600_000..5_000_000).contains(&data.len()),
            "{} bytes",
            data.len()
        );
        let problems = check_photo(&data, &policy).expect_err("too large as a file");
        assert!(only_too_many_bytes(&problems), "{problems:?}");

        let (copy, check) = fit_to_size(&data, &policy).expect("fitted");
        assert!(
            copy.len() as u64 <= policy.max_bytes,
            "{} bytes",
            copy.len()
        );
        assert_eq!(check.bytes, copy.len());
        assert!(check.width >= 354 && check.height >= 496, "{check:?}");
        // The proportions are kept (check_photo's 1% rule passed, too).
        let ratio = f64::from(check.width) / f64::from(check.height);
        assert!((ratio - 2832.0 / 3968.0).abs() < 0.005, "{ratio}");
        assert_eq!(check_photo(&copy, &policy), Ok(check));
    }

    #[test]
    fn a_photo_that_cannot_fit_at_the_minimum_size_is_not_fitted() {
        // 5 kB cannot hold 354×496 pixels of noise even at the lowest quality.
        let policy = PhotoPolicy {
            max_bytes: 5_000,
            ..PhotoPolicy::default()
        };
        let data = noisy_phone_jpeg(708, 992, 95);
        assert!(only_too_many_bytes(
            &check_photo(&data, &policy).unwrap_err()
        ));
        assert!(fit_to_size(&data, &policy).is_none());
    }

    #[test]
    fn only_the_file_size_alone_counts() {
        let size = PhotoProblem::TooManyBytes {
            bytes: 2,
            max_bytes: 1,
        };
        assert!(only_too_many_bytes(std::slice::from_ref(&size)));
        assert!(!only_too_many_bytes(&[size, PhotoProblem::Cmyk]));
        assert!(!only_too_many_bytes(&[]));
    }
}
