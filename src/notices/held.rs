//! The texts about a held photo (a stranger's photo named after a student):
//! the secretary's notification with its own token, and the sender's news,
//! which never names the student.

use serde::Serialize;

use super::{PhotoView, StudentView, photo_attachment};
use crate::config::{Config, School};
use crate::domain::{Application, EmailAddress};
use crate::mail::outgoing::{
    ECHO_MAX_CHARS, ECHO_SUBJECT_MAX_CHARS, MailKind, OutgoingMail, echo_safe, reply_subject,
};
use crate::photo::PhotoCheck;
use crate::templates::{TemplateError, Templates};

#[derive(Debug, Serialize)]
struct HeldView<'a> {
    school: &'a School,
    student: StudentView,
    photo: PhotoView,
    sender: String,
    subject: String,
    folder: &'a str,
    held_token: &'a str,
}

/// What a held photo's notification must carry.
#[derive(Debug, Clone, Copy)]
pub struct HeldNote<'a> {
    /// The held photo's own token (never the application's).
    pub token: &'a str,
    pub sender: &'a str,
    pub subject: &'a str,
    pub check: &'a PhotoCheck,
    pub data: &'a [u8],
}

/// The secretary's needs-human mail about a held photo, with the photo and
/// its own token: her `TAK`/`NIE` acts on this photo only. It is linked to no
/// application, so a reply to it can never act on the application itself.
pub fn staff_held_photo(
    t: &Templates,
    cfg: &Config,
    app: &Application,
    note: HeldNote<'_>,
) -> Result<OutgoingMail, TemplateError> {
    let attachment = photo_attachment(app, note.check, note.data);
    let view = HeldView {
        school: &cfg.school,
        student: StudentView::of(app),
        photo: PhotoView {
            file_name: attachment.file_name.clone(),
            width: note.check.width,
            height: note.check.height,
            kb: (note.data.len() as u64).div_ceil(1024),
        },
        // A stranger chose these: echoed clean, like every other mail's.
        sender: echo_safe(note.sender, ECHO_MAX_CHARS),
        subject: echo_safe(note.subject, ECHO_SUBJECT_MAX_CHARS),
        folder: &cfg.imap.needs_human_folder,
        held_token: note.token,
    };
    let r = t.render("staff_held_photo", &view)?;
    Ok(OutgoingMail {
        kind: MailKind::StaffHeldPhoto,
        application_id: None,
        to: cfg.staff.notify.clone(),
        subject: r.subject,
        body: r.body,
        in_reply_to: None,
        references: vec![],
        attachments: vec![attachment],
    })
}

#[derive(Debug, Serialize)]
struct SenderNoticeView<'a> {
    school: &'a School,
    /// "held", "accepted" or "refused".
    outcome: &'a str,
    reason: &'a str,
}

/// News about a held photo for whoever sent it: it names no student and no
/// class, since the sender is not known to be the student's parent.
pub fn sender_held_notice(
    t: &Templates,
    cfg: &Config,
    to: &EmailAddress,
    (outcome, reason): (&str, &str),
    original_subject: &str,
    original_id: Option<&str>,
) -> Result<OutgoingMail, TemplateError> {
    let view = SenderNoticeView {
        school: &cfg.school,
        outcome,
        reason,
    };
    let r = t.render("parent_held", &view)?;
    Ok(OutgoingMail {
        kind: MailKind::ParentNews,
        application_id: None,
        to: to.clone(),
        subject: reply_subject(original_subject, &r.subject),
        body: r.body,
        in_reply_to: original_id.map(str::to_owned),
        references: original_id.map(|s| vec![s.to_owned()]).unwrap_or_default(),
        attachments: vec![],
    })
}
