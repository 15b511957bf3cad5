//! The secretary's notifications about incoming mail: a checked photo to
//! enter, and a mail a person must look at.

use serde::Serialize;

use super::{PhotoView, StudentView};
use crate::config::{Config, School};
use crate::domain::Application;
use crate::domain::mail::{IncomingMail, RobotReason};
use crate::mail::outgoing::{
    ECHO_MAX_CHARS, ECHO_SUBJECT_MAX_CHARS, MailKind, OutAttachment, OutgoingMail, echo_safe,
};
use crate::photo::{PhotoCheck, PhotoFormat};
use crate::templates::{TemplateError, Templates};
use crate::workflow::HumanReason;

#[derive(Debug, Serialize)]
struct StaffPhotoView<'a> {
    school: &'a School,
    process: crate::config::Process,
    student: StudentView,
    photo: PhotoView,
    sender: String,
    later_match: bool,
    /// False when the notification goes to an account mleg cannot clean:
    /// the secretary must delete it herself once the data is entered.
    deleted_by_mleg: bool,
}

/// The secretary's notification with the photo attached under a clean name.
pub fn staff_photo(
    t: &Templates,
    cfg: &Config,
    app: &Application,
    check: &PhotoCheck,
    data: &[u8],
    sender: &str,
    later_match: bool,
) -> Result<OutgoingMail, TemplateError> {
    let (ext, content_type) = match check.format {
        PhotoFormat::Jpeg => ("jpg", "image/jpeg"),
        PhotoFormat::Png => ("png", "image/png"),
    };
    let file_name = format!("{}.{ext}", app.name.file_stem());
    let view = StaffPhotoView {
        school: &cfg.school,
        process: cfg.process,
        student: StudentView::of(app),
        photo: PhotoView {
            file_name: file_name.clone(),
            width: check.width,
            height: check.height,
            kb: (data.len() as u64).div_ceil(1024),
        },
        sender: echo_safe(sender, ECHO_MAX_CHARS),
        later_match,
        deleted_by_mleg: cfg.staff_copies_cleaned(),
    };
    let r = t.render("staff_photo", &view)?;
    Ok(OutgoingMail {
        kind: MailKind::StaffPhoto,
        application_id: Some(app.id),
        to: cfg.staff.notify.clone(),
        subject: r.subject,
        body: r.body,
        in_reply_to: None,
        references: vec![],
        attachments: vec![OutAttachment {
            file_name,
            content_type: content_type.to_owned(),
            data: data.to_vec(),
            stored_photo: None,
        }],
    })
}

#[derive(Debug, Serialize)]
struct NeedsHumanView<'a> {
    school: &'a School,
    reason: HumanReason,
    /// Why the sender got no automatic answer, if they got none.
    robot: Option<RobotReason>,
    sender: String,
    subject: String,
    folder: &'a str,
    candidates: Vec<StudentView>,
    /// The one application the mail is about (its sender's), with a fresh
    /// command token for the subject.
    student: Option<StudentView>,
}

/// "A person must look at this mail", to the secretary.
pub fn staff_needs_human(
    t: &Templates,
    cfg: &Config,
    (reason, robot): (HumanReason, Option<RobotReason>),
    mail: &IncomingMail,
    (candidates, about): (Vec<&Application>, Option<&Application>),
) -> Result<OutgoingMail, TemplateError> {
    let view = NeedsHumanView {
        school: &cfg.school,
        reason,
        robot,
        sender: mail
            .from
            .as_deref()
            .map_or_else(|| "(brak)".into(), |f| echo_safe(f, ECHO_MAX_CHARS)),
        subject: echo_safe(&mail.subject, ECHO_SUBJECT_MAX_CHARS),
        folder: &cfg.imap.needs_human_folder,
        candidates: candidates.into_iter().map(StudentView::of).collect(),
        student: about.map(StudentView::of),
    };
    let r = t.render("staff_needs_human", &view)?;
    Ok(OutgoingMail {
        kind: MailKind::StaffNeedsHuman,
        application_id: about.map(|a| a.id),
        to: cfg.staff.notify.clone(),
        subject: r.subject,
        body: r.body,
        in_reply_to: None,
        references: vec![],
        attachments: vec![],
    })
}
