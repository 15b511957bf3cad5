//! Every mail mleg writes to a person: templates in, [`OutgoingMail`] out.
//!
//! The workers decide *that* a mail goes out; this module decides what it
//! says. It renders the templates (`templates/pl`, `templates/en`) with views
//! built from domain values and the config, and returns the mail as data.
//! It touches no store and no IMAP/SMTP: the caller queues the result in the
//! outbox in its own transaction. Rendering happens before that transaction
//! writes anything that depends on it, so a broken template fails the step
//! without changing any state.
//!
//! Split by audience and topic:
//! * [`parent`] — the answer to a parent's mail with photos, and "your
//!   earlier photo has reached the secretary";
//! * [`stranger`] — the one neutral answer to a sender who is nobody's
//!   parent (it never says whether a student exists);
//! * [`staff`] — the secretary's notification of a checked photo, and "a
//!   person must look at this mail";
//! * [`held`] — a stranger's photo held back: the secretary's mail and the
//!   sender's news (which never names the student);
//! * [`lifecycle`] — what a transition after a secretary's command causes:
//!   the parent's news (approved, code ready, …) and the hand-over slip;
//! * [`answer`] — the answer to the secretary's own command mail;
//! * [`robot`] — the sender's last automatic reply under the cap, and "this
//!   parent's address bounces" to the secretary.
//! * [`dates`] — what the date rules send: the parent's code reminders and
//!   expiry news, the secretary's expiry mail and deadline reminders.
//! * [`digest`] — the secretary's daily digest of what waits for her.
//! * [`stuck`] — "the mail server will not give (or let mleg move) this
//!   mail", once per mail left where it is.
//!
//! Users: `intake`, `secretary`, `registry` and `apply_outcome`. It imports
//! none of them (nor `daemon` or `outbox`), so each can use it.

use serde::Serialize;

use crate::domain::Application;
use crate::domain::mail::IncomingMail;
use crate::mail::outgoing::{MailKind, OutAttachment, OutgoingMail};
use crate::photo::{PhotoCheck, PhotoFormat, PhotoPolicy};
use crate::templates::{Rendered, format_mb};

pub mod answer;
pub mod dates;
pub mod digest;
pub mod held;
pub mod it_alert;
pub mod lifecycle;
pub mod parent;
pub mod request;
pub mod robot;
pub mod staff;
pub mod status;
pub mod stranger;
pub mod stuck;
pub mod wave;

pub use answer::{joined_answer, staff_answer};
pub use held::{HeldNote, sender_held_notice, staff_held_photo};
pub use lifecycle::{parent_notice, staff_slip};
pub use parent::{parent_photo_matched, parent_reply};
pub use staff::{staff_needs_human, staff_photo};
pub use stranger::stranger_reply;

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
    /// A fresh command token for the mail this view goes into.
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
            token: fresh_token(),
        }
    }
}

/// A new command token for one staff mail: 64 random bits as 16 hex
/// digits, never the same twice (see `store::tokens`).
pub fn fresh_token() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..16].to_owned()
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

/// The staff mail a command arrived in, so answers are threaded to it.
#[derive(Debug, Clone, Default)]
pub struct ReplyThread {
    /// The staff member who wrote (answers go back to her).
    pub sender: Option<crate::domain::EmailAddress>,
    pub subject: String,
    pub message_id: Option<String>,
    pub references: Vec<String>,
}

/// The answer `r` to the sender's `mail`, as `kind`, threaded to it (its
/// subject kept with `Re:` when it had one).
pub fn answer_to(
    mail: &IncomingMail,
    to: &crate::domain::EmailAddress,
    kind: MailKind,
    r: Rendered,
) -> OutgoingMail {
    OutgoingMail {
        kind,
        application_id: None,
        to: to.clone(),
        subject: crate::mail::outgoing::reply_subject(&mail.subject, &r.subject),
        body: r.body,
        in_reply_to: mail.message_id.clone(),
        references: thread_references(mail),
        attachments: vec![],
    }
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
        stored_photo: None,
    }
}

/// A mail about application `a`, not threaded.
pub(crate) fn mail(
    kind: MailKind,
    a: &Application,
    to: crate::domain::EmailAddress,
    r: Rendered,
) -> OutgoingMail {
    OutgoingMail {
        kind,
        application_id: Some(a.id),
        to,
        subject: r.subject,
        body: r.body,
        in_reply_to: None,
        references: vec![],
        attachments: vec![],
    }
}

#[cfg(test)]
mod over_limit_tests;
