//! "The mail server will not give this mail" to the secretary: a mail mleg
//! could not fetch three rounds in a row, or could not move into its folder
//! after three refusals, is left where it is and she is told once.
//!
//! The note names the mail by its subject and date (read from the header
//! alone when the whole mail cannot be had); when even that fails, by its
//! number in the mailbox (UID), saying the subject is unknown.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::dates::local_time;
use crate::config::{Config, School};
use crate::mail::outgoing::{ECHO_SUBJECT_MAX_CHARS, MailKind, OutgoingMail, echo_safe};
use crate::templates::{TemplateError, Templates};

/// What the server would not do with the mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stuck {
    /// Hand it over (FETCH refused or unanswered): mleg never read it.
    Fetch,
    /// Move it into its folder: mleg handled it, only the filing failed.
    Move,
}

/// The mail left where it is, as the note names it.
#[derive(Debug, Clone)]
pub struct StuckMail<'a> {
    pub stuck: Stuck,
    /// The watched mailbox (folder) it stays in.
    pub folder: &'a str,
    pub uid: u32,
    /// As the sender wrote it; `None` when the server gave not even that.
    pub subject: Option<&'a str>,
    pub date: Option<DateTime<Utc>>,
    /// Where it should have gone (a refused move).
    pub target_folder: Option<&'a str>,
    pub tries: u32,
}

#[derive(Debug, Serialize)]
struct StuckView<'a> {
    school: &'a School,
    stuck: Stuck,
    account: &'a str,
    folder: &'a str,
    uid: u32,
    subject: Option<String>,
    date: Option<String>,
    target_folder: Option<&'a str>,
    tries: u32,
}

/// The secretary's one note about a mail left where it is.
pub fn staff_stuck_mail(
    t: &Templates,
    cfg: &Config,
    mail: &StuckMail<'_>,
) -> Result<OutgoingMail, TemplateError> {
    let view = StuckView {
        school: &cfg.school,
        stuck: mail.stuck,
        account: &cfg.imap.user,
        folder: mail.folder,
        uid: mail.uid,
        subject: mail
            .subject
            .map(|s| echo_safe(s, ECHO_SUBJECT_MAX_CHARS))
            .filter(|s| !s.is_empty()),
        date: mail.date.map(|d| local_time(cfg, d)),
        target_folder: mail.target_folder,
        tries: mail.tries,
    };
    let r = t.render("staff_stuck_mail", &view)?;
    Ok(OutgoingMail {
        kind: MailKind::StaffStuckMail,
        application_id: None,
        to: cfg.staff.notify.clone(),
        subject: r.subject,
        body: r.body,
        in_reply_to: None,
        references: vec![],
        attachments: vec![],
    })
}

#[cfg(test)]
#[path = "stuck_tests.rs"]
mod tests;
