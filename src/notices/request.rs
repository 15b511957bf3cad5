//! A parent's request by mail (lost phone, opting out, an objection…): the
//! receipt to the parent and, per child, the secretary's mail with a fresh
//! command token to confirm it; and the parent's answer when a photo comes
//! in for a child whose objection is on file.

use serde::Serialize;

use super::StudentView;
use crate::config::{Config, School};
use crate::domain::mail::IncomingMail;
use crate::domain::{Application, EmailAddress, Status};
use crate::mail::outgoing::{
    ECHO_MAX_CHARS, ECHO_SUBJECT_MAX_CHARS, MailKind, OutgoingMail, echo_safe,
};
use crate::templates::{TemplateError, Templates};
use crate::workflow::asks_request::{ParentRequest, RequestKind};

#[derive(Debug, Serialize)]
struct ChildName {
    full_name: String,
    class: String,
}

#[derive(Debug, Serialize)]
struct ReceiptView<'a> {
    school: &'a School,
    kind: RequestKind,
    new_one: bool,
    children: Vec<ChildName>,
}

/// The parent's receipt: what they asked for, that the secretariat will
/// confirm it, and what happens then. No PESEL.
pub fn parent_request_receipt(
    t: &Templates,
    cfg: &Config,
    to: &EmailAddress,
    mail: &IncomingMail,
    request: ParentRequest,
    children: &[Application],
) -> Result<OutgoingMail, TemplateError> {
    let view = ReceiptView {
        school: &cfg.school,
        kind: request.kind,
        new_one: request.new_one,
        children: children.iter().map(child_name).collect(),
    };
    let r = t.render("parent_request", &view)?;
    Ok(super::answer_to(mail, to, MailKind::ParentReply, r))
}

#[derive(Debug, Serialize)]
struct StaffRequestView<'a> {
    school: &'a School,
    kind: RequestKind,
    new_one: bool,
    student: StudentView,
    status: &'static str,
    /// A code was issued: an invalidation, not a cancellation.
    issued: bool,
    /// An objection is on file for the student already.
    objected: bool,
    /// The parent has other children the mail may be about.
    siblings: usize,
    sender: String,
    subject: String,
}

/// The secretary's mail about one child: what the parent asked for, and
/// the reply that confirms it (with a fresh token in the subject).
pub fn staff_parent_request(
    t: &Templates,
    cfg: &Config,
    (app, objected): (&Application, bool),
    request: ParentRequest,
    mail: &IncomingMail,
    siblings: usize,
) -> Result<OutgoingMail, TemplateError> {
    let view = StaffRequestView {
        school: &cfg.school,
        kind: request.kind,
        new_one: request.new_one,
        student: StudentView::of(app),
        status: app.status.as_str(),
        issued: matches!(app.status, Status::CodeReady | Status::HandedOver),
        objected,
        siblings,
        sender: mail
            .from
            .as_deref()
            .map_or_else(String::new, |f| echo_safe(f, ECHO_MAX_CHARS)),
        subject: echo_safe(&mail.subject, ECHO_SUBJECT_MAX_CHARS),
    };
    let r = t.render("staff_parent_request", &view)?;
    Ok(OutgoingMail {
        kind: MailKind::StaffParentRequest,
        application_id: Some(app.id),
        to: cfg.staff.notify.clone(),
        subject: r.subject,
        body: r.body,
        in_reply_to: None,
        references: vec![],
        attachments: vec![],
    })
}

#[derive(Debug, Serialize)]
struct ObjectionView<'a> {
    school: &'a School,
    children: Vec<ChildName>,
    since: String,
}

/// "An objection is on file; the photo was not used; this is how to
/// withdraw it", to a parent whose photo came for such a child.
pub fn parent_objection_on_file(
    t: &Templates,
    cfg: &Config,
    to: &EmailAddress,
    mail: &IncomingMail,
    children: &[Application],
    since: chrono::DateTime<chrono::Utc>,
) -> Result<OutgoingMail, TemplateError> {
    let view = ObjectionView {
        school: &cfg.school,
        children: children.iter().map(child_name).collect(),
        since: since
            .with_timezone(&cfg.dates.timezone)
            .format("%d.%m.%Y")
            .to_string(),
    };
    let r = t.render("parent_objection", &view)?;
    Ok(super::answer_to(mail, to, MailKind::ParentReply, r))
}

fn child_name(a: &Application) -> ChildName {
    ChildName {
        full_name: a.name.full(),
        class: a.class.as_str().to_owned(),
    }
}
