//! "Where does it stand?": the answer to a registered parent's status
//! question, one paragraph per child, in plain words. Never a PESEL.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::config::{Config, School};
use crate::domain::mail::IncomingMail;
use crate::domain::{Application, EmailAddress};
use crate::mail::outgoing::{MailKind, OutgoingMail};
use crate::templates::{TemplateError, Templates};

/// What the store knows of one child's dates.
#[derive(Debug, Clone, Default)]
pub struct ChildDates {
    pub complete_at: Option<DateTime<Utc>>,
    pub code_expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize)]
struct ChildView {
    full_name: String,
    class: String,
    /// The stable identifier; the template words it (`status_words`).
    status: &'static str,
    /// When the secretariat promised the code (`issue_within_days` after
    /// the photo completed the application), while it owes one.
    deadline: Option<String>,
    /// When the code stops working, while one is live.
    code_expires: Option<String>,
}

#[derive(Debug, Serialize)]
struct StatusView<'a> {
    school: &'a School,
    process: crate::config::Process,
    delivery: crate::config::Delivery,
    children: Vec<ChildView>,
}

/// The answer to `mail` from `to`, a parent of `children`.
pub fn parent_status(
    t: &Templates,
    cfg: &Config,
    to: &EmailAddress,
    mail: &IncomingMail,
    children: &[(Application, ChildDates)],
) -> Result<OutgoingMail, TemplateError> {
    let day = |at: DateTime<Utc>| {
        at.with_timezone(&cfg.dates.timezone)
            .format("%d.%m.%Y")
            .to_string()
    };
    let promise = Duration::days(i64::from(cfg.dates.issue_within_days));
    let children = children
        .iter()
        .map(|(a, d)| ChildView {
            full_name: a.name.full(),
            class: a.class.as_str().to_owned(),
            status: a.status.as_str(),
            deadline: d
                .complete_at
                .filter(|_| a.status.owes_code())
                .map(|c| day(c + promise)),
            code_expires: d
                .code_expires_at
                .filter(|_| a.status.has_live_code())
                .map(day),
        })
        .collect();
    let view = StatusView {
        school: &cfg.school,
        process: cfg.process,
        delivery: cfg.delivery,
        children,
    };
    let r = t.render("parent_status", &view)?;
    Ok(super::answer_to(mail, to, MailKind::ParentReply, r))
}
