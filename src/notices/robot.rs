//! Mails about robots and floods: the last automatic reply a
//! sender gets within 24 hours, and the secretary's news that a parent's
//! address bounces.

use serde::Serialize;

use super::StudentView;
use crate::config::{Config, School};
use crate::domain::mail::IncomingMail;
use crate::domain::{Application, EmailAddress};
use crate::mail::outgoing::{MailKind, OutgoingMail};
use crate::templates::{TemplateError, Templates};

#[derive(Debug, Serialize)]
struct LastNoticeView<'a> {
    school: &'a School,
}

/// "Further mails will be read by the secretariat": replaces the answer
/// that reaches `max_auto_replies_per_day`.
pub fn parent_last_notice(
    t: &Templates,
    cfg: &Config,
    to: &EmailAddress,
    mail: &IncomingMail,
) -> Result<OutgoingMail, TemplateError> {
    let r = t.render(
        "parent_last_notice",
        &LastNoticeView {
            school: &cfg.school,
        },
    )?;
    Ok(super::answer_to(mail, to, MailKind::ParentLastNotice, r))
}

#[derive(Debug, Serialize)]
struct BounceView<'a> {
    school: &'a School,
    student: StudentView,
    address: &'a str,
    /// `parent` (the first address) or `parent_2`, `parent_3`…
    kind: &'a str,
}

/// "Mail to this parent's address bounces", to the secretary.
pub fn staff_bounce(
    t: &Templates,
    cfg: &Config,
    app: &Application,
    address: &EmailAddress,
    kind: &str,
) -> Result<OutgoingMail, TemplateError> {
    let r = t.render(
        "staff_bounce",
        &BounceView {
            school: &cfg.school,
            student: StudentView::of(app),
            address: address.as_str(),
            kind,
        },
    )?;
    Ok(OutgoingMail {
        kind: MailKind::StaffBounce,
        application_id: Some(app.id),
        to: cfg.staff.notify.clone(),
        subject: r.subject,
        body: r.body,
        in_reply_to: None,
        references: vec![],
        attachments: vec![],
    })
}
