//! The mails a parent (or whoever sent a photo) gets about their own mail:
//! the one answer to a mail with photos, and the news that a photo sent
//! before registration has now reached the secretary.

use serde::Serialize;

use super::{PolicyView, StudentView, policy_view, thread_references};
use crate::config::{Config, School};
use crate::domain::mail::IncomingMail;
use crate::domain::{Application, EmailAddress};
use crate::mail::outgoing::{ECHO_MAX_CHARS, MailKind, OutgoingMail, echo_safe, reply_subject};
use crate::photo::PhotoProblem;
use crate::templates::{TemplateError, Templates, format_mb};
use crate::workflow::{Decision, PhotoDecision};

#[derive(Debug, Serialize)]
struct PhotoItem {
    file_name: String,
    outcome: &'static str,
    student: Option<String>,
    class: Option<String>,
    problems: Vec<PhotoProblem>,
    /// Made to fit the size limit: the sizes sent and kept, in MB.
    compressed: Option<CompressedView>,
}

#[derive(Debug, Serialize)]
struct CompressedView {
    from_mb: String,
    to_mb: String,
}

#[derive(Debug, Serialize)]
struct ParentReplyView<'a> {
    school: &'a School,
    /// "portal" or "sio": what happens after the photo differs.
    process: crate::config::Process,
    /// The school's promise (`[dates] issue_within_days`).
    issue_within_days: u32,
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

fn photo_item(
    mail: &IncomingMail,
    d: &PhotoDecision,
    decision: &Decision,
    apps: &[Application],
) -> PhotoItem {
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
        compressed: decision
            .compressed
            .iter()
            .find(|c| c.image == image)
            .map(|c| CompressedView {
                from_mb: format_mb(c.original_bytes),
                to_mb: format_mb(c.data.len() as u64),
            }),
    }
}

/// The one answer a parent gets for one mail (all photos in it together).
pub fn parent_reply(
    t: &Templates,
    cfg: &Config,
    to: &EmailAddress,
    mail: &IncomingMail,
    decision: &Decision,
    apps: &[Application],
    too_large: Option<u64>,
) -> Result<OutgoingMail, TemplateError> {
    let photos = &decision.photos[..];
    let items: Vec<PhotoItem> = photos
        .iter()
        .map(|d| photo_item(mail, d, decision, apps))
        .collect();
    let view = ParentReplyView {
        school: &cfg.school,
        process: cfg.process,
        issue_within_days: cfg.dates.issue_within_days,
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

#[derive(Debug, Serialize)]
struct MatchedLaterView<'a> {
    school: &'a School,
    process: crate::config::Process,
    issue_within_days: u32,
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
            issue_within_days: cfg.dates.issue_within_days,
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
