//! The mails to `[alerts] to` about mleg itself: a login that keeps
//! failing (the cause in plain words, the provider's own line on what to
//! change), the mail that it works again, and a reminder before a
//! credential expires. Data only, like every notice: the caller queues it.

use serde::Serialize;

use crate::alerts::decide::{Cause, Due};
use crate::config::{Config, School};
use crate::mail::outgoing::{MailKind, OutgoingMail};
use crate::templates::{TemplateError, Templates};

#[derive(Debug, Serialize)]
struct View<'a> {
    school: &'a School,
    /// alert, recovery, reminder.
    kind: &'static str,
    /// imap, smtp, token (alert, recovery); the credential's name (reminder).
    what: String,
    /// `host:port` of the server concerned, or the token's provider.
    server: String,
    /// The login name on that server (the school's mailbox, never a parent's).
    user: String,
    /// Since when (school-local "2027-01-14 08:30").
    since: String,
    /// The last error, one line.
    detail: Option<String>,
    /// What to change, in the provider's terms, when it is known.
    advice: Option<&'static str>,
    /// The expiry date and the days left (reminder).
    on: String,
    days_left: i64,
}

/// One mail per address in `[alerts] to` for `due`.
pub fn it_alert(
    t: &Templates,
    cfg: &Config,
    due: &Due,
) -> Result<Vec<OutgoingMail>, TemplateError> {
    let tz = cfg.dates.timezone;
    let local = |at: chrono::DateTime<chrono::Utc>| {
        at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
    };
    let mut view = View {
        school: &cfg.school,
        kind: due.kind().key(),
        what: String::new(),
        server: String::new(),
        user: String::new(),
        since: String::new(),
        detail: None,
        advice: None,
        on: String::new(),
        days_left: 0,
    };
    match due {
        Due::Alert {
            cause,
            since,
            detail,
        } => {
            (view.server, view.user) = server_of(cfg, *cause);
            view.what = cause.key().to_owned();
            view.since = local(*since);
            view.advice = detail.as_deref().and_then(crate::provider_hints::advice);
            view.detail = detail.clone();
        }
        Due::Recovery { cause, since } => {
            (view.server, view.user) = server_of(cfg, *cause);
            view.what = cause.key().to_owned();
            view.since = local(*since);
        }
        Due::Reminder {
            credential,
            on,
            days_left,
            ..
        } => {
            view.what = credential.clone();
            view.server = match credential.as_str() {
                "imap_certificate" => format!("{}:{}", cfg.imap.host, cfg.imap.port),
                "smtp_certificate" => format!("{}:{}", cfg.smtp.host, cfg.smtp.port),
                _ => String::new(),
            };
            view.on = on.format("%Y-%m-%d").to_string();
            view.days_left = *days_left;
        }
    }
    let r = t.render("it_alert", &view)?;
    Ok(cfg
        .alerts
        .to
        .iter()
        .map(|to| OutgoingMail {
            kind: MailKind::ItAlert,
            application_id: None,
            to: to.clone(),
            subject: r.subject.clone(),
            body: r.body.clone(),
            in_reply_to: None,
            references: vec![],
            attachments: vec![],
        })
        .collect())
}

fn server_of(cfg: &Config, cause: Cause) -> (String, String) {
    match cause {
        Cause::Imap => (
            format!("{}:{}", cfg.imap.host, cfg.imap.port),
            cfg.imap.user.clone(),
        ),
        Cause::Smtp => (
            format!("{}:{}", cfg.smtp.host, cfg.smtp.port),
            (cfg.smtp.credentials.as_ref())
                .map(|(u, _)| u.clone())
                .unwrap_or_default(),
        ),
        Cause::Token => (String::from("[oauth2]"), cfg.imap.user.clone()),
    }
}
