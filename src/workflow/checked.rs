//! The expensive, state-free part of deciding about a mail, done ahead.
//!
//! Checking a photo (the full decode, the re-encode of one too large as a
//! file) and stripping its metadata are pure functions of its bytes and the
//! school's photo rules: they need nothing from the store. The intake runs
//! them for the next few mails on the blocking pool, on every core, while it
//! decides and commits the current one; [`super::decide_checked`] then takes
//! each image's result from here instead of decoding it again. A mail
//! decided without them ([`Checked::none`]) is checked inline, with the same
//! outcome.

use super::compress::{self, Compressed};
use crate::domain::mail::IncomingMail;
use crate::photo::{PhotoCheck, PhotoPolicy, PhotoProblem, strip_metadata};

/// What [`compress::check_or_fit`] says of one image.
pub type CheckOutcome = Result<(PhotoCheck, Option<Compressed>), Vec<PhotoProblem>>;

/// One image, checked ahead.
#[derive(Clone)]
pub struct CheckedImage {
    pub outcome: CheckOutcome,
    /// The copy without metadata, for a photo that passed as it was sent
    /// (`None` when stripping failed: it is then tried again, as before).
    pub stripped: Option<Vec<u8>>,
}

// By hand: a photo's bytes must never reach a log through `{:?}`.
impl std::fmt::Debug for CheckedImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckedImage")
            .field("outcome", &self.outcome)
            .field("stripped_bytes", &self.stripped.as_ref().map(Vec::len))
            .finish()
    }
}

/// The images of one mail checked ahead, in the mail's order.
#[derive(Debug, Clone, Default)]
pub struct Checked(Vec<Option<CheckedImage>>);

impl Checked {
    /// Nothing checked ahead: every image is checked when decided.
    pub fn none() -> Checked {
        Checked::default()
    }

    /// Checks (and strips) every image of `mail`. A mail over a MIME cap
    /// has no images collected, so nothing of it is decoded.
    pub fn of(mail: &IncomingMail, policy: &PhotoPolicy) -> Checked {
        let images = mail.images.iter().enumerate().map(|(i, img)| {
            let outcome = compress::check_or_fit(i, &img.data, policy);
            let stripped = match &outcome {
                Ok((_, None)) => strip_metadata(&img.data, policy.max_bytes).ok(),
                _ => None,
            };
            Some(CheckedImage { outcome, stripped })
        });
        Checked(images.collect())
    }

    /// The result for image `index`, if it was checked ahead.
    pub fn get(&self, index: usize) -> Option<&CheckedImage> {
        self.0.get(index).and_then(Option::as_ref)
    }

    /// The results of `from` (the mail as checked) for the images `to`
    /// kept of it (decorations taken out), in `to`'s order. An image is
    /// found by its bytes, so no result can land on another picture.
    pub fn realigned(mut self, from: &IncomingMail, to: &IncomingMail) -> Checked {
        let images = to.images.iter().enumerate().map(|(j, img)| {
            let i = from.images.iter().position(|f| f.data == img.data)?;
            let found = self.0.get_mut(i)?.take()?;
            // The outcome names its image by index: renumber it.
            Some(renumbered(found, j))
        });
        Checked(images.collect())
    }
}

fn renumbered(mut c: CheckedImage, index: usize) -> CheckedImage {
    if let Ok((_, Some(compressed))) = &mut c.outcome {
        compressed.image = index;
    }
    c
}
