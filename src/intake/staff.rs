//! Mail that tries to act on an application: the secretary's replies.
//!
//! A command acts only when (a) it comes from a configured staff address and
//! (b) it carries back the application's unguessable token (in brackets in
//! the subject of the notification she replies to, or by answering that
//! notification's Message-ID). Anything that fails a check changes nothing,
//! is written to the audit log, goes to the needs-human folder, and the
//! secretary is alerted once. The recording of the mail, the command's
//! effects and the watermark are one transaction, so a crash can neither lose
//! the command nor carry it out twice.

mod held;

use serde::Serialize;

use super::IntakeError;
use super::compose::StudentView;
use crate::app::App;
use crate::config::School;
use crate::domain::EmailAddress;
use crate::domain::mail::IncomingMail;
use crate::mail::outgoing::{
    ECHO_MAX_CHARS, ECHO_SUBJECT_MAX_CHARS, MailKind, OutgoingMail, echo_safe,
};
use crate::secretary::{self, ReplyThread, Source};
use crate::store::inbox::Watermark;
use crate::store::lifecycle::{self as store_lc, AuditEntry};
use crate::store::{apps, outbox};
use crate::workflow::Disposition;
use crate::workflow::command::{ParsedReply, StaffCommand, parse_reply};

/// What a mail is, seen from the secretary's side.
#[derive(Debug)]
enum Verdict {
    /// Not a command mail: the parent workflow handles it.
    NotACommand,
    /// A valid command for an application.
    Act {
        application: i64,
        command: StaffCommand,
    },
    /// A command that must not act, and why ("not_staff", "no_token", "qr_unreadable").
    Refuse {
        reason: &'static str,
        application: Option<i64>,
        detail: String,
    },
}

/// `[0123456789abcdef]` tokens in a subject.
fn tokens_in(subject: &str) -> Vec<&str> {
    subject
        .split('[')
        .skip(1)
        .filter_map(|rest| rest.split_once(']').map(|(t, _)| t.trim()))
        .filter(|t| t.len() == 16 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        .collect()
}

fn application_of(app: &App, mail: &IncomingMail) -> Result<Option<i64>, IntakeError> {
    let store = app.store();
    for token in tokens_in(&mail.subject) {
        if let Some(id) = store_lc::by_token(store.conn(), &token.to_ascii_lowercase())? {
            return Ok(Some(id));
        }
    }
    for id in mail.in_reply_to.iter().chain(&mail.references) {
        if let Some(app_id) = store_lc::staff_mail_application(store.conn(), id)? {
            return Ok(Some(app_id));
        }
    }
    Ok(None)
}

/// The command in a reply. The plain text is tried first; an HTML-only mail's
/// `text` is mail-parser's rendering of the HTML (quotes and styles
/// flattened), so the HTML itself, with its quote structure, is tried next.
fn command_of(mail: &IncomingMail) -> Option<StaffCommand> {
    let from_html = || mail.html.as_deref().map(|html| parse_reply("", Some(html)));
    match parse_reply(&mail.text, None) {
        ParsedReply::Command(c) => Some(c),
        _ => match from_html() {
            Some(ParsedReply::Command(c)) => Some(c),
            _ => None,
        },
    }
}

/// The application the mail's token names, and whether a staff address sent it.
fn authority(app: &App, mail: &IncomingMail) -> Result<(Option<i64>, bool), IntakeError> {
    let sender = mail
        .from
        .as_deref()
        .and_then(|a| EmailAddress::parse(a).ok());
    let is_staff = sender
        .as_ref()
        .is_some_and(|s| app.config.staff.is_staff(s));
    Ok((application_of(app, mail)?, is_staff))
}

fn judge(
    app: &App,
    mail: &IncomingMail,
    (application, is_staff): (Option<i64>, bool),
    command: Option<StaffCommand>,
    qr: &Result<Option<String>, String>,
) -> Result<Verdict, IntakeError> {
    Ok(match (application, is_staff) {
        (Some(id), true) => match (&command, qr) {
            (Some(StaffCommand::Code { .. }), Err(detail)) => Verdict::Refuse {
                reason: "qr_unreadable",
                application: Some(id),
                detail: detail.clone(),
            },
            (Some(c), _) if judges_the_photo(c) && answers_an_older_photo(app, mail, id)? => {
                Verdict::Refuse {
                    reason: "stale_photo",
                    application: Some(id),
                    detail: "the reply answers a notification about an older photo".into(),
                }
            }
            // Anything not understood gets the list of commands.
            _ => Verdict::Act {
                application: id,
                command: command.unwrap_or(StaffCommand::Help),
            },
        },
        (Some(id), false) => Verdict::Refuse {
            reason: "not_staff",
            application: Some(id),
            detail: "a command for an application from an address not on the staff list".into(),
        },
        (None, true) if command.is_some() && !mail.auto_generated => Verdict::Refuse {
            reason: "no_token",
            application: None,
            detail: "a staff command without the application's token".into(),
        },
        (None, _) => Verdict::NotACommand,
    })
}

/// Commands that pass judgement on the photo the secretary was shown.
fn judges_the_photo(c: &StaffCommand) -> bool {
    matches!(
        c,
        StaffCommand::Approve | StaffCommand::RejectPhoto { .. } | StaffCommand::Code { .. }
    )
}

/// The reply answers a photo notification, but a newer photo (with its own
/// notification) arrived since: she has not seen the photo she would judge.
fn answers_an_older_photo(app: &App, mail: &IncomingMail, id: i64) -> Result<bool, IntakeError> {
    let notes = store_lc::photo_notifications(app.store().conn(), id)?;
    let refs: Vec<&String> = mail.in_reply_to.iter().chain(&mail.references).collect();
    let answered = notes
        .iter()
        .filter(|(_, mid)| refs.contains(&mid))
        .map(|(row, _)| *row)
        .max();
    let newest = notes.last().map(|(row, _)| *row);
    Ok(matches!((answered, newest), (Some(a), Some(n)) if a < n))
}

/// The QR code in the mail's images: None if there are no images, Err if
/// there are but none holds a readable QR code.
fn qr_in(mail: &IncomingMail) -> Result<Option<String>, String> {
    if mail.images.is_empty() {
        return Ok(None);
    }
    #[cfg(test)]
    forged_tests::QR_DECODES.with(|n| n.set(n.get() + 1));
    let mut last = String::new();
    for img in &mail.images {
        match crate::qr::decode_qr(&img.data) {
            Ok(content) => return Ok(Some(content)),
            Err(e) => last = e.to_string(),
        }
    }
    // Only inline pictures and none with a QR code: a logo in her signature,
    // not a failed screenshot. The code is recorded without a QR.
    if mail.images.iter().all(|i| i.inline) {
        return Ok(None);
    }
    Err(last)
}

/// Handles `mail` if it is a command mail; None means "not mine".
pub fn handle(
    app: &App,
    w: Watermark,
    mail: &IncomingMail,
) -> Result<Option<Disposition>, IntakeError> {
    if mail.auto_generated {
        // Out-of-office replies and bounces never act, even with a token.
        return Ok(None);
    }
    if let Some(held) = held::held_photo_of(app, mail)? {
        return held::handle(app, w, mail, &held).map(Some);
    }
    let command = command_of(mail);
    let label = command.as_ref().map_or("unknown", secretary::command_name);
    let wants_qr = matches!(command, Some(StaffCommand::Code { .. }));
    // Sender and token first: a forged reply's pictures are never decoded
    // (decoding is the costly, attack-exposed step).
    let authority = authority(app, mail)?;
    let qr = match authority {
        // Over a MIME cap its pictures were not collected: no QR to read.
        (Some(_), true) if wants_qr && mail.over_limit.is_some() => {
            Err("the mail is over a cap on parts, pictures or nesting".into())
        }
        (Some(_), true) if wants_qr => qr_in(mail),
        _ => Ok(None),
    };
    let verdict = judge(app, mail, authority, command, &qr)?;
    let disposition = match &verdict {
        Verdict::NotACommand => return Ok(None),
        Verdict::Act { .. } => Disposition::Processed,
        Verdict::Refuse { .. } => Disposition::NeedsHuman,
    };
    let cfg = &app.config;
    let folder = match disposition {
        Disposition::NeedsHuman => &cfg.imap.needs_human_folder,
        _ => &cfg.imap.processed_folder,
    };
    let actor = format!("mail:{}", mail.from.as_deref().unwrap_or("?"));
    let purged = app.store().transaction(|tx| -> Result<bool, IntakeError> {
        let kind = if disposition == Disposition::NeedsHuman {
            "needs_human"
        } else {
            "processed"
        };
        super::record(app, tx, w, Some(mail), kind, folder)?;
        let purged = match &verdict {
            Verdict::Act {
                application,
                command,
            } => {
                // Her reply may carry a QR screenshot: purged with the photo.
                if !mail.images.is_empty()
                    && let Some(mid) = &mail.message_id
                {
                    crate::store::purges::link_copy(tx, *application, mid)?;
                }
                let qr = qr.as_ref().ok().and_then(|q| q.as_deref());
                let source = Source {
                    actor: actor.clone(),
                    mail: Some(thread(mail)),
                };
                secretary::execute_in(app, tx, *application, command, qr, &source)
                    .map_err(|e| IntakeError::Secretary(Box::new(e)))?
                    .1
            }
            Verdict::Refuse {
                reason,
                application,
                detail,
            } => {
                refuse(
                    app,
                    tx,
                    mail,
                    (reason, label),
                    *application,
                    detail,
                    &actor,
                    folder,
                )?;
                false
            }
            // Returned early above.
            Verdict::NotACommand => false,
        };
        Ok(purged)
    })?;
    if purged {
        store_lc::flush_wal(app.store().conn())?;
    }
    Ok(Some(disposition))
}

fn thread(mail: &IncomingMail) -> ReplyThread {
    ReplyThread {
        sender: mail
            .from
            .as_deref()
            .and_then(|a| EmailAddress::parse(a).ok()),
        subject: mail.subject.clone(),
        message_id: mail.message_id.clone(),
        references: mail.references.clone(),
    }
}

#[derive(Debug, Serialize)]
struct AlertView<'a> {
    school: &'a School,
    reason: &'a str,
    sender: &'a str,
    subject: &'a str,
    folder: &'a str,
    student: Option<StudentView>,
    detail: &'a str,
}

#[allow(clippy::too_many_arguments)]
fn refuse(
    app: &App,
    tx: &rusqlite::Connection,
    mail: &IncomingMail,
    (reason, command): (&'static str, &'static str),
    application: Option<i64>,
    detail: &str,
    actor: &str,
    folder: &str,
) -> Result<(), IntakeError> {
    let now = app.clock.now();
    let student = application
        .map(|id| apps::get(tx, id))
        .transpose()?
        .flatten();
    let view = AlertView {
        school: &app.config.school,
        reason,
        sender: &echo_safe(mail.from.as_deref().unwrap_or("?"), ECHO_MAX_CHARS),
        subject: &echo_safe(&mail.subject, ECHO_SUBJECT_MAX_CHARS),
        folder,
        student: student.as_ref().map(StudentView::of),
        detail,
    };
    let r = app.templates.render("staff_alert", &view)?;
    let alert = OutgoingMail {
        kind: MailKind::StaffAlert,
        application_id: application,
        to: app.config.staff.notify.clone(),
        subject: r.subject,
        body: r.body,
        in_reply_to: None,
        references: vec![],
        attachments: vec![],
    };
    outbox::enqueue(tx, &alert, app.config.smtp.from.domain(), now)?;
    let entry = AuditEntry {
        at: now,
        actor: actor.to_owned(),
        source: "mail".into(),
        message_id: mail.message_id.clone(),
        application_id: application,
        command: command.into(),
        outcome: format!("refused_{reason}"),
        detail: detail.to_owned(),
    };
    store_lc::audit(tx, &entry)?;
    Ok(())
}

#[cfg(test)]
mod forged_tests;

#[cfg(test)]
mod tests {
    use super::tokens_in;

    #[test]
    fn tokens_are_sixteen_hex_digits_in_brackets() {
        let s = "Re: [mLegitymacja #12] Zdjęcie do wprowadzenia: Żak Łucja [0123456789abcdef]";
        assert_eq!(tokens_in(s), vec!["0123456789abcdef"]);
        assert!(tokens_in("Re: [mLegitymacja #12] [0123]").is_empty());
        assert!(tokens_in("[0123456789abcdeg]").is_empty());
    }
}
