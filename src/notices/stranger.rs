//! The one answer a sender who is nobody's parent gets: neutral.
//!
//! A stranger must not learn from mleg whether a named child has an
//! application. So this answer names no student or class and reads the same
//! whoever the register holds: it says the mail arrived and the secretariat
//! will check it, lists what is wrong with each picture they sent (which
//! depends only on the picture), and repeats the photo rules and "hand in
//! the paper application". Whether it is sent at all is decided by
//! `workflow::decide` from the sender's own words alone.

use serde::Serialize;

use super::{PolicyView, policy_view};
use crate::config::{Config, School};
use crate::domain::EmailAddress;
use crate::domain::mail::{IncomingMail, OverLimit};
use crate::mail::outgoing::{ECHO_MAX_CHARS, MailKind, OutgoingMail, echo_safe};
use crate::photo::PhotoProblem;
use crate::templates::{TemplateError, Templates, format_mb};
use crate::workflow::PhotoDecision;

#[derive(Debug, Serialize)]
struct RefusedItem {
    file_name: String,
    problems: Vec<PhotoProblem>,
}

#[derive(Debug, Serialize)]
struct StrangerReplyView<'a> {
    school: &'a School,
    /// Pictures that fail the checks, by the name the sender gave them.
    items: Vec<RefusedItem>,
    /// Some picture passed the checks: it is kept for the secretary.
    any_valid: bool,
    /// No picture at all (and the mail was read whole).
    no_photo: bool,
    other_attachments: Vec<String>,
    too_large_mb: Option<String>,
    over_limit: Option<OverLimit>,
    max_mail_mb: String,
    policy: PolicyView,
}

/// The neutral answer to `mail` from `to`, who is no registered parent.
pub fn stranger_reply(
    t: &Templates,
    cfg: &Config,
    to: &EmailAddress,
    mail: &IncomingMail,
    photos: &[PhotoDecision],
    too_large: Option<u64>,
) -> Result<OutgoingMail, TemplateError> {
    let items = photos
        .iter()
        .filter_map(|d| match d {
            PhotoDecision::Rejected {
                image, problems, ..
            } => Some(RefusedItem {
                file_name: match &mail.images[*image].file_name {
                    Some(name) => echo_safe(name, ECHO_MAX_CHARS),
                    None => format!("zdjęcie {}", image + 1),
                },
                problems: problems.clone(),
            }),
            _ => None,
        })
        .collect();
    let view = StrangerReplyView {
        school: &cfg.school,
        items,
        any_valid: photos
            .iter()
            .any(|d| !matches!(d, PhotoDecision::Rejected { .. })),
        no_photo: photos.is_empty() && too_large.is_none() && mail.over_limit.is_none(),
        other_attachments: mail
            .other_attachments
            .iter()
            .map(|n| echo_safe(n, ECHO_MAX_CHARS))
            .collect(),
        too_large_mb: too_large.map(format_mb),
        over_limit: mail.over_limit,
        max_mail_mb: format_mb(cfg.max_mail_bytes),
        policy: policy_view(&cfg.photo),
    };
    let r = t.render("stranger_reply", &view)?;
    Ok(super::answer_to(mail, to, MailKind::ParentReply, r))
}
