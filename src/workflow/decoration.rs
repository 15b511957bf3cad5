//! A picture is not always a photo.
//!
//! Everyday mail carries pictures nobody meant as a photo of a child:
//! Outlook's signature logo (`image001.png`, 60×19), a 16-px icon, a
//! tracking pixel, an emoji. Judged as photos they would earn a parent
//! "your photo image001.png does not meet the requirements" for writing
//! from Outlook. So before anything is decided, such decorations are taken
//! out of the mail: never checked, never mentioned in a reply, never stored.
//!
//! A decoration is a picture whose shorter side is under
//! [`DECORATION_MAX_SIDE`] pixels, as its header says, and whose file name
//! names no registered student. A tiny picture named after a student (`Jan Kowalski.jpg`,
//! 80×100) is a photo, and is refused with its reasons like any other.

use std::borrow::Cow;

use super::find::file_stem;
use crate::domain::Application;
use crate::domain::mail::{Attachment, IncomingMail};
use crate::domain::matching::{self, Candidate};
use crate::photo::declared_size;

/// A picture whose shorter side is below this many pixels may be a
/// decoration. The smallest photo any school accepts is 246×304.
pub const DECORATION_MAX_SIDE: u32 = 100;

/// Whether `image` is a decoration rather than a photo, among the students
/// of `open_apps`. Only a registered student's name keeps a tiny picture a
/// photo: the wider guess of "some person's name" takes `ui-toolbar.png`
/// or `Eelanalüüsi päring.jpg` for one.
pub fn is_decoration(image: &Attachment, open_apps: &[Application]) -> bool {
    if !small(image) {
        return false;
    }
    let Some(name) = image.file_name.as_deref() else {
        return true;
    };
    let candidates: Vec<Candidate<'_>> = super::find::candidates(open_apps, None);
    matching::students_named_in(file_stem(name), &candidates).is_empty()
}

/// `mail` without its decorations (borrowed as it is when it has none).
pub fn without_decorations<'m>(
    mail: &'m IncomingMail,
    open_apps: &[Application],
) -> Cow<'m, IncomingMail> {
    if !mail.images.iter().any(small) {
        return Cow::Borrowed(mail);
    }
    let images: Vec<Attachment> = mail
        .images
        .iter()
        .filter(|img| !is_decoration(img, open_apps))
        .cloned()
        .collect();
    Cow::Owned(IncomingMail {
        images,
        ..mail.clone()
    })
}

/// Whether the picture's header gives a shorter side under the limit. A
/// picture whose size cannot be read is not small: it may be a damaged
/// photo, and the parent should hear why it was refused.
pub fn small(image: &Attachment) -> bool {
    declared_size(&image.data).is_some_and(|(w, h)| w.min(h) < DECORATION_MAX_SIDE)
}
