//! A photo refused only for its file size is made to fit rather than sent
//! back: one mail each way less for the family, in the busiest weeks.
//!
//! The decision stays pure: [`crate::photo::fit_to_size`] is a function of
//! the bytes and the policy. The copy travels in the [`super::Decision`], and
//! the intake stores and mails it instead of the original, which is not kept.

use crate::photo::{PhotoCheck, PhotoPolicy, PhotoProblem, check_photo, fit_to_size};

/// The re-encoded copy of one photo (`image` indexes `mail.images`).
#[derive(Clone, PartialEq)]
pub struct Compressed {
    pub image: usize,
    /// The copy: re-encoded from the pixels, so without metadata, upright.
    pub data: Vec<u8>,
    /// The size of the file that was sent.
    pub original_bytes: u64,
}

// By hand: a photo's bytes must never reach a log through `{:?}`.
impl std::fmt::Debug for Compressed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compressed")
            .field("image", &self.image)
            .field("bytes", &self.data.len())
            .field("original_bytes", &self.original_bytes)
            .finish()
    }
}

/// [`check_photo`], with a photo that fails only on its file size
/// re-encoded to fit: then the check is the copy's, and the copy comes along.
pub(super) fn check_or_fit(
    image: usize,
    data: &[u8],
    policy: &PhotoPolicy,
) -> Result<(PhotoCheck, Option<Compressed>), Vec<PhotoProblem>> {
    match check_photo(data, policy) {
        Ok(check) => Ok((check, None)),
        Err(problems) if crate::photo::only_too_many_bytes(&problems) => {
            match fit_to_size(data, policy) {
                Some((copy, check)) => Ok((
                    check,
                    Some(Compressed {
                        image,
                        data: copy,
                        original_bytes: u64::try_from(data.len()).unwrap_or(u64::MAX),
                    }),
                )),
                None => Err(problems),
            }
        }
        Err(problems) => Err(problems),
    }
}
