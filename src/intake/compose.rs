//! Turns a workflow decision into the texts people receive.
//!
//! Rendering happens before the transaction that queues the mails, so a
//! broken template fails the step without changing any state.

use serde::Serialize;

use crate::config::{Config, School};
use crate::domain::mail::IncomingMail;
use crate::domain::{Application, EmailAddress};
use crate::mail::outgoing::{
    ECHO_MAX_CHARS, ECHO_SUBJECT_MAX_CHARS, MailKind, OutAttachment, OutgoingMail, echo_safe,
    reply_subject,
};
use crate::photo::{PhotoCheck, PhotoFormat, PhotoPolicy, PhotoProblem};
use crate::templates::{TemplateError, Templates, format_mb};
use crate::workflow::{HumanReason, PhotoDecision};

mod held;
pub use held::{HeldNote, sender_held_notice, staff_held_photo};

/// A student as the templates see them.
#[derive(Debug, Serialize)]
pub struct StudentView {
    pub id: i64,
    pub first_names: String,
    pub last_name: String,
    pub full_name: String,
    pub class: String,
    pub pesel: String,
    pub birth_date: String,
    pub legitymacja_number: Option<String>,
    pub code_to_student: bool,
    pub parent_email: String,
    /// Every parent address, the primary one first.
    pub parent_emails: Vec<String>,
    pub token: String,
}

impl StudentView {
    pub fn of(a: &Application) -> StudentView {
        StudentView {
            id: a.id,
            first_names: a.name.first_names().to_owned(),
            last_name: a.name.last_name().to_owned(),
            full_name: a.name.full(),
            class: a.class.as_str().to_owned(),
            pesel: a.pesel.as_str().to_owned(),
            birth_date: a.pesel.birth_date().format("%d.%m.%Y").to_string(),
            legitymacja_number: a.legitymacja_number.clone(),
            code_to_student: a.code_to_student,
            parent_email: a.parent_email.as_str().to_owned(),
            parent_emails: a
                .parent_emails
                .iter()
                .map(|e| e.as_str().to_owned())
                .collect(),
            token: a.token.clone(),
        }
    }
}

/// The photo rules, for telling a parent what is expected.
#[derive(Debug, Serialize)]
pub struct PolicyView {
    formats: Vec<&'static str>,
    max_mb: String,
    min_width: u32,
    min_height: u32,
    aspect: Option<String>,
}

pub fn policy_view(p: &PhotoPolicy) -> PolicyView {
    PolicyView {
        formats: p
            .formats
            .iter()
            .map(|f| match f {
                PhotoFormat::Jpeg => "JPG",
                PhotoFormat::Png => "PNG",
            })
            .collect(),
        max_mb: format_mb(p.max_bytes),
        min_width: p.min_width,
        min_height: p.min_height,
        aspect: p
            .aspect
            .as_ref()
            .map(|a| format!("{}:{}", a.width, a.height)),
    }
}

#[derive(Debug, Serialize)]
struct PhotoItem {
    file_name: String,
    outcome: &'static str,
    student: Option<String>,
    class: Option<String>,
    problems: Vec<PhotoProblem>,
}

#[derive(Debug, Serialize)]
struct ParentReplyView<'a> {
    school: &'a School,
    /// "portal" or "sio": what happens after the photo differs.
    process: crate::config::Process,
    items: Vec<PhotoItem>,
    any_rejected: bool,
    no_photo: bool,
    too_large_mb: Option<String>,
    /// The mail went over a MIME cap; nothing in it was checked.
    over_limit: Option<crate::domain::mail::OverLimit>,
    max_mail_mb: String,
    other_attachments: Vec<String>,
    policy: PolicyView,
}

fn app_by_id(apps: &[Application], id: i64) -> Option<&Application> {
    apps.iter().find(|a| a.id == id)
}

fn display_name(mail: &IncomingMail, image: usize) -> String {
    match &mail.images[image].file_name {
        Some(name) => echo_safe(name, ECHO_MAX_CHARS),
        None => format!("zdjęcie {}", image + 1),
    }
}

fn photo_item(mail: &IncomingMail, d: &PhotoDecision, apps: &[Application]) -> PhotoItem {
    let (image, outcome, app, problems) = match d {
        PhotoDecision::Accepted {
            image,
            application_id,
            ..
        } => (*image, "accepted", app_by_id(apps, *application_id), vec![]),
        PhotoDecision::Rejected {
            image,
            application_id,
            problems,
        } => (
            *image,
            "rejected",
            application_id.and_then(|id| app_by_id(apps, id)),
            problems.clone(),
        ),
        PhotoDecision::Unregistered { image, .. } => (*image, "unregistered", None, vec![]),
        PhotoDecision::Ambiguous { image, .. } => (*image, "ambiguous", None, vec![]),
        // The sender is not this student's parent: nothing about the student
        // (nor the file name, which names them) goes back.
        PhotoDecision::Held { image, .. } => (*image, "held", None, vec![]),
    };
    PhotoItem {
        file_name: display_name(mail, image),
        outcome,
        student: app.map(|a| a.name.full()),
        class: app.map(|a| a.class.as_str().to_owned()),
        problems,
    }
}

/// The one answer a parent gets for one mail (all photos in it together).
pub fn parent_reply(
    t: &Templates,
    cfg: &Config,
    to: &EmailAddress,
    mail: &IncomingMail,
    photos: &[PhotoDecision],
    apps: &[Application],
    too_large: Option<u64>,
) -> Result<OutgoingMail, TemplateError> {
    let items: Vec<PhotoItem> = photos.iter().map(|d| photo_item(mail, d, apps)).collect();
    let view = ParentReplyView {
        school: &cfg.school,
        process: cfg.process,
        any_rejected: items.iter().any(|i| i.outcome == "rejected"),
        items,
        no_photo: photos.is_empty() && too_large.is_none() && mail.over_limit.is_none(),
        too_large_mb: too_large.map(format_mb),
        over_limit: mail.over_limit,
        max_mail_mb: format_mb(cfg.max_mail_bytes),
        other_attachments: mail
            .other_attachments
            .iter()
            .map(|n| echo_safe(n, ECHO_MAX_CHARS))
            .collect(),
        policy: policy_view(&cfg.photo),
    };
    let r = t.render("parent_reply", &view)?;
    let single_app = match photos {
        [PhotoDecision::Accepted { application_id, .. }] => Some(*application_id),
        _ => None,
    };
    Ok(OutgoingMail {
        kind: MailKind::ParentReply,
        application_id: single_app,
        to: to.clone(),
        subject: reply_subject(&mail.subject, &r.subject),
        body: r.body,
        in_reply_to: mail.message_id.clone(),
        references: thread_references(mail),
        attachments: vec![],
    })
}

/// References of a reply: the original's references plus the original itself.
pub fn thread_references(mail: &IncomingMail) -> Vec<String> {
    let mut refs = mail.references.clone();
    if let Some(id) = &mail.message_id
        && !refs.contains(id)
    {
        refs.push(id.clone());
    }
    refs
}

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

#[derive(Debug, Serialize)]
struct PhotoView {
    file_name: String,
    width: u32,
    height: u32,
    kb: u64,
}

fn photo_attachment(app: &Application, check: &PhotoCheck, data: &[u8]) -> OutAttachment {
    let (ext, content_type) = match check.format {
        PhotoFormat::Jpeg => ("jpg", "image/jpeg"),
        PhotoFormat::Png => ("png", "image/png"),
    };
    OutAttachment {
        file_name: format!("{}.{ext}", app.name.file_stem()),
        content_type: content_type.to_owned(),
        data: data.to_vec(),
    }
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
        }],
    })
}

#[derive(Debug, Serialize)]
struct NeedsHumanView<'a> {
    school: &'a School,
    reason: HumanReason,
    sender: String,
    subject: String,
    folder: &'a str,
    candidates: Vec<StudentView>,
}

/// "A person must look at this mail", to the secretary.
pub fn staff_needs_human(
    t: &Templates,
    cfg: &Config,
    reason: HumanReason,
    mail: &IncomingMail,
    candidates: Vec<&Application>,
) -> Result<OutgoingMail, TemplateError> {
    let view = NeedsHumanView {
        school: &cfg.school,
        reason,
        sender: mail
            .from
            .as_deref()
            .map_or_else(|| "(brak)".into(), |f| echo_safe(f, ECHO_MAX_CHARS)),
        subject: echo_safe(&mail.subject, ECHO_SUBJECT_MAX_CHARS),
        folder: &cfg.imap.needs_human_folder,
        candidates: candidates.into_iter().map(StudentView::of).collect(),
    };
    let r = t.render("staff_needs_human", &view)?;
    Ok(OutgoingMail {
        kind: MailKind::StaffNeedsHuman,
        application_id: None,
        to: cfg.staff.notify.clone(),
        subject: r.subject,
        body: r.body,
        in_reply_to: None,
        references: vec![],
        attachments: vec![],
    })
}

#[derive(Debug, Serialize)]
struct MatchedLaterView<'a> {
    school: &'a School,
    process: crate::config::Process,
    student: StudentView,
}

/// "The photo you sent earlier is now with the secretary", after registration.
pub fn parent_photo_matched(
    t: &Templates,
    cfg: &Config,
    to: &EmailAddress,
    app: &Application,
    original_subject: &str,
    original_id: Option<&str>,
) -> Result<OutgoingMail, TemplateError> {
    let r = t.render(
        "parent_photo_matched",
        &MatchedLaterView {
            school: &cfg.school,
            process: cfg.process,
            student: StudentView::of(app),
        },
    )?;
    Ok(OutgoingMail {
        kind: MailKind::ParentPhotoMatched,
        application_id: Some(app.id),
        to: to.clone(),
        subject: reply_subject(original_subject, &r.subject),
        body: r.body,
        in_reply_to: original_id.map(str::to_owned),
        references: original_id.map(|s| vec![s.to_owned()]).unwrap_or_default(),
        attachments: vec![],
    })
}

#[cfg(test)]
mod over_limit_tests;
