//! The pure heart of `mleg`: what to do with a mail, given what is known.
//!
//! `decide(mail, context) → Decision` reads no clock, no database, no
//! network. The intake worker gathers the context (open applications, whether
//! the sender is a parent, whether the mail answers one of ours), calls
//! `decide`, and then carries the decision out in one transaction. That keeps
//! every rule about relevance, matching and photo checks testable without a
//! mail server.

pub mod activated;
pub mod asks_request;
pub mod asks_status;
pub mod checked;
pub mod command;
mod compress;
pub mod decoration;
mod find;
pub mod keep_photo;
pub mod lifecycle;
pub mod qr_shape;
mod quiet;
pub mod retention;
pub mod sender;
#[cfg(test)]
mod tests;
pub mod transition;
pub mod wave;

use crate::domain::mail::{IncomingMail, RobotReason};
use crate::domain::matching::{self, Candidate, MatchOutcome};
use crate::domain::{Application, EmailAddress, StaffAddresses};
use crate::photo::{PhotoCheck, PhotoPolicy, PhotoProblem};
pub use checked::Checked;
pub use compress::Compressed;
use find::{MailNames, candidates, find_student, name_guess};
pub use find::{file_stem, mail_name_keys};
pub use quiet::bare_subject;

/// Words that make a mail to the school's general address about mLegitymacja,
/// compared after folding case and diacritics. "Zdjęcie" counts only in the
/// subject: bodies mention photos of school trips far too often.
const SUBJECT_KEYWORDS: &[&str] = &["legitymacj", "zdjeci", "zdjec"];
const BODY_KEYWORDS: &[&str] = &["legitymacj"];

/// What the worker knows beyond the mail itself.
#[derive(Debug)]
pub struct Context<'a> {
    /// Applications still accepting a photo (`awaiting_photo`,
    /// `awaiting_review`) that the mail may be about: at least those sharing
    /// a name key with it ([`mail_name_keys`]) and the sender's own. More do
    /// no harm; the decision is the same as over the whole register.
    pub open_apps: &'a [Application],
    /// The sender is a parent on some application.
    pub sender_is_parent: bool,
    /// The mail answers a mail `mleg` sent.
    pub reply_to_ours: bool,
    /// Set when the mail is larger than `max_mail_bytes`: only its headers
    /// were fetched, so `mail.images` is empty.
    pub too_large: Option<u64>,
    /// The secretariat's addresses: a mail from one of them is a command.
    pub staff: &'a StaffAddresses,
    pub policy: &'a PhotoPolicy,
    /// Why this mail gets no automatic answer, if it gets none: the mail's
    /// own robot headers, or what intake found (a loop to mleg's address,
    /// the per-sender cap reached, a repeated mail).
    pub robot: Option<RobotReason>,
    /// The answer to this mail would be the sender's last automatic reply
    /// within 24 hours: it is replaced by the "further mails are read by the
    /// secretariat" notice.
    pub last_reply: bool,
}

/// Where the mail ends up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Not about mLegitymacja: left untouched and unread.
    Ignore,
    /// Fully handled: moved to the processed folder.
    Processed,
    /// A person must look at it: moved to the needs-human folder.
    NeedsHuman,
}

/// What happened to one image of the mail (`image` indexes `mail.images`).
#[derive(Debug, Clone, PartialEq)]
pub enum PhotoDecision {
    /// Valid and matched: stored for the application, which moves to `awaiting_review`.
    Accepted {
        image: usize,
        application_id: i64,
        check: PhotoCheck,
    },
    /// Failed a check; the application (if one was found) does not move.
    Rejected {
        image: usize,
        application_id: Option<i64>,
        problems: Vec<PhotoProblem>,
    },
    /// Valid, but no application names this student yet: kept until one is registered.
    Unregistered {
        image: usize,
        check: PhotoCheck,
        name_tokens: Vec<String>,
    },
    /// Valid and named after a student, but the sender is not one of that
    /// application's parents: kept aside, not the application's photo (it
    /// supersedes nothing, the status does not move) until the secretary
    /// accepts or refuses it. The sender is told nothing about the student.
    Held {
        image: usize,
        application_id: i64,
        check: PhotoCheck,
    },
    /// Valid, but several applications fit: kept; the secretary decides.
    Ambiguous {
        image: usize,
        check: PhotoCheck,
        candidates: Vec<i64>,
        name_tokens: Vec<String>,
    },
}

/// Why the secretary must look at a mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HumanReason {
    /// More than one application fits a photo.
    AmbiguousStudent,
    /// A mail about mLegitymacja with no photo (often a question).
    NoPhoto,
    /// Larger than the mail size limit.
    TooLarge,
    /// A staff member's mail that `mleg` does not act on.
    StaffMail,
    /// An automatic mail (bounce, auto-reply) answering one of ours.
    AutoReply,
    /// Over a cap on MIME parts, pictures or nesting: nothing in it was read.
    OverLimit,
    /// A robot's mail (or one past the per-sender cap) that mleg did not
    /// answer; `Decision::robot` says why. Its photos were recorded as usual.
    Robot,
    /// `AKTYWOWANO` / `ACTIVATED` that mleg did not record: not from the
    /// application's parent in answer to its mail, or codes are picked up.
    /// Nobody is answered (a stranger learns nothing); the status stays.
    Activation,
    /// An answer to one of mleg's mails with no photo and no word mleg acts
    /// on: not answered automatically, so an auto-responder without robot
    /// headers cannot ping-pong with mleg.
    ReplyToOurs,
}

/// The outcome of [`decide`].
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub disposition: Disposition,
    pub photos: Vec<PhotoDecision>,
    /// Send the parent the combined answer for this mail.
    pub reply_to_parent: bool,
    /// Alert the secretary, and why.
    pub human: Option<HumanReason>,
    /// Why the sender gets no automatic answer (then `reply_to_parent` is false).
    pub robot: Option<RobotReason>,
    /// The answer is the sender's last within the cap: send the
    /// "further mails are read by the secretariat" notice instead.
    pub last_notice: bool,
    /// The sender is no registered parent: any answer is the one neutral
    /// answer, the same whoever the register holds.
    pub neutral: bool,
    /// Photos refused only for their file size, re-encoded to fit: these
    /// copies are stored and mailed instead (the parent is told).
    pub compressed: Vec<Compressed>,
}

impl Decision {
    fn ignore() -> Decision {
        Decision {
            disposition: Disposition::Ignore,
            photos: vec![],
            reply_to_parent: false,
            human: None,
            robot: None,
            last_notice: false,
            neutral: false,
            compressed: vec![],
        }
    }

    fn human(reason: HumanReason, reply_to_parent: bool) -> Decision {
        Decision {
            disposition: Disposition::NeedsHuman,
            photos: vec![],
            reply_to_parent,
            human: Some(reason),
            robot: None,
            last_notice: false,
            neutral: false,
            compressed: vec![],
        }
    }
}

/// Decides what to do with one mail.
pub fn decide(mail: &IncomingMail, ctx: &Context<'_>) -> Decision {
    decide_checked(mail, ctx, &Checked::none())
}

/// [`decide`], with the images' checks taken from `checked` where they
/// were done ahead (the same outcome, without decoding twice).
pub fn decide_checked(mail: &IncomingMail, ctx: &Context<'_>, checked: &Checked) -> Decision {
    let mut decision = decide_for_a_person(mail, ctx, checked);
    decision.neutral = decision.reply_to_parent && !ctx.sender_is_parent;
    match ctx.robot.or(mail.robot) {
        // Never answer a robot: a loop of auto-replies is the classic way to spam a parent.
        Some(reason) => quiet::without_reply(decision, reason, mail, concerns_mleg(mail, ctx)),
        None => quiet::last_notice(decision, ctx),
    }
}

/// Whether a robot's mail belongs to mleg rather than to the secretary's
/// other work in the same mailbox: it answers one of mleg's mails, or it
/// carries a photo from a registered parent's address or named after a
/// registered student. Words alone do not count: a newsletter may well
/// mention mLegitymacja.
fn concerns_mleg(mail: &IncomingMail, ctx: &Context<'_>) -> bool {
    let sender = mail
        .from
        .as_deref()
        .and_then(|a| EmailAddress::parse(a).ok());
    let candidates = candidates(ctx.open_apps, sender.as_ref());
    ctx.reply_to_ours
        || (!mail.images.is_empty() && (ctx.sender_is_parent || names_a_student(mail, &candidates)))
}

/// Whether some picture's file name names an open application's student.
fn names_a_student(mail: &IncomingMail, candidates: &[Candidate<'_>]) -> bool {
    mail.images.iter().any(|img| {
        img.file_name
            .as_deref()
            .is_some_and(|n| !matching::students_named_in(file_stem(n), candidates).is_empty())
    })
}

/// What a person's mail would get.
fn decide_for_a_person(mail: &IncomingMail, ctx: &Context<'_>, checked: &Checked) -> Decision {
    let sender = mail
        .from
        .as_deref()
        .and_then(|a| EmailAddress::parse(a).ok());
    let sender_is_staff = sender.as_ref().is_some_and(|s| ctx.staff.contains(s));
    // The activation word alone, not recorded by `intake::activated`.
    let activation =
        mail.images.is_empty() && activated::says_activated(&mail.text, mail.html.as_deref());
    let words =
        mentions_any(&mail.subject, SUBJECT_KEYWORDS) || mentions_any(&mail.text, BODY_KEYWORDS);
    let about_us = ctx.reply_to_ours || activation || words;
    // A stranger learns nothing: whether they are answered depends only on
    // what they wrote, never on whom the register holds.
    let may_answer = sender.is_some() && (ctx.sender_is_parent || words);

    if sender_is_staff {
        return if about_us {
            Decision::human(HumanReason::StaffMail, false)
        } else {
            Decision::ignore()
        };
    }
    if let Some(_bytes) = ctx.too_large {
        return if about_us || ctx.sender_is_parent {
            Decision::human(HumanReason::TooLarge, may_answer)
        } else {
            Decision::ignore()
        };
    }

    if mail.over_limit.is_some() {
        // Its pictures were never collected, so none is decoded or checked.
        return if about_us || ctx.sender_is_parent {
            Decision::human(HumanReason::OverLimit, may_answer)
        } else {
            Decision::ignore()
        };
    }

    let candidates = candidates(ctx.open_apps, sender.as_ref());
    let relevant = about_us
        || (!mail.images.is_empty()
            && (ctx.sender_is_parent || names_a_student(mail, &candidates)));
    if !relevant {
        return Decision::ignore();
    }
    if activation {
        // No "please send a photo" to a family that activated its code, and
        // nothing at all to a stranger: the secretary decides.
        return Decision::human(HumanReason::Activation, false);
    }
    if mail.images.is_empty() && ctx.reply_to_ours {
        // An answer to mleg's own mail with no photo and no word mleg acts
        // on: a person's "thank you", or a broken auto-responder without
        // robot headers. Answering it again would start a ping-pong.
        return Decision::human(HumanReason::ReplyToOurs, false);
    }
    if mail.images.is_empty() {
        return Decision::human(HumanReason::NoPhoto, may_answer);
    }

    let names = MailNames::of(mail, sender.as_ref(), &candidates);
    let (photos, compressed): (Vec<PhotoDecision>, Vec<Option<Compressed>>) =
        (0..mail.images.len())
            .map(|i| {
                let photo = Photo { index: i, checked };
                decide_photo(mail, photo, sender.as_ref(), &candidates, &names, ctx)
            })
            .unzip();
    let ambiguous = photos
        .iter()
        .any(|p| matches!(p, PhotoDecision::Ambiguous { .. }));
    let held = photos
        .iter()
        .any(|p| matches!(p, PhotoDecision::Held { .. }));
    // A stranger's photo of a registered student with no words about
    // mLegitymacja is not answered; the mail waits for the secretary.
    let unanswered_stranger = !may_answer && !ctx.sender_is_parent;
    Decision {
        disposition: if ambiguous || held || unanswered_stranger {
            Disposition::NeedsHuman
        } else {
            Disposition::Processed
        },
        photos,
        reply_to_parent: may_answer,
        human: ambiguous.then_some(HumanReason::AmbiguousStudent),
        robot: None,
        last_notice: false,
        neutral: false,
        compressed: compressed.into_iter().flatten().collect(),
    }
}

/// Which image is decided, and what was checked ahead.
struct Photo<'c> {
    index: usize,
    checked: &'c Checked,
}

/// One image's decision, and its re-encoded copy if it was made to fit.
fn decide_photo(
    mail: &IncomingMail,
    photo: Photo<'_>,
    sender: Option<&EmailAddress>,
    candidates: &[Candidate<'_>],
    names: &MailNames,
    ctx: &Context<'_>,
) -> (PhotoDecision, Option<Compressed>) {
    let index = photo.index;
    let image = &mail.images[index];
    let outcome = find_student(mail, index, sender, candidates, names, ctx.open_apps);
    // Only a parent of the application learns that the photo was matched.
    let from_parent = |id: i64| {
        sender.is_some_and(|s| ctx.open_apps.iter().any(|a| a.id == id && a.has_parent(s)))
    };
    let checked = match photo.checked.get(index) {
        Some(ahead) => ahead.outcome.clone(),
        None => compress::check_or_fit(index, &image.data, ctx.policy),
    };
    let (check, compressed) = match checked {
        Ok(checked) => checked,
        Err(problems) => {
            let application_id = match outcome {
                MatchOutcome::One(id) if from_parent(id) => Some(id),
                _ => None,
            };
            let rejected = PhotoDecision::Rejected {
                image: index,
                application_id,
                problems,
            };
            return (rejected, None);
        }
    };
    let decision = match outcome {
        MatchOutcome::One(application_id) if !from_parent(application_id) => PhotoDecision::Held {
            image: index,
            application_id,
            check,
        },
        MatchOutcome::One(application_id) => PhotoDecision::Accepted {
            image: index,
            application_id,
            check,
        },
        MatchOutcome::NoMatch => PhotoDecision::Unregistered {
            image: index,
            check,
            name_tokens: name_guess(mail, index, names),
        },
        MatchOutcome::Ambiguous(candidates) => PhotoDecision::Ambiguous {
            image: index,
            check,
            candidates,
            name_tokens: name_guess(mail, index, names),
        },
    };
    (decision, compressed)
}

fn mentions_any(text: &str, keywords: &[&str]) -> bool {
    let folded = crate::domain::fold(text);
    keywords.iter().any(|k| folded.contains(k))
}
