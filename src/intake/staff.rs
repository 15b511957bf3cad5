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
//!
//! Like the parent path it runs in three steps: [`gather`] reads what the
//! decision needs (the held photo or the application the token names, the
//! application's photo notifications), [`judge`] decides without touching
//! the store (sender and token first, then the command, and only then — for
//! staff with a valid token — the QR screenshot is decoded), and
//! [`act::apply`] writes the verdict in one transaction.

mod act;
mod held;
mod token;

use crate::app::App;
use crate::domain::Status;
use crate::domain::mail::IncomingMail;
use crate::secretary;
use crate::store::held::HeldPhoto;
use crate::store::inbox::Watermark;
use crate::store::lifecycle as store_lc;
use crate::store::tokens::IssuedToken;
use crate::store::{StoreError, Tx};
use crate::workflow::Disposition;
use crate::workflow::command::{ParsedReply, Reply, StaffCommand, parse_reply_all};
use crate::workflow::qr_shape::check_activation_qr;
use crate::workflow::sender::{NotStaff, StaffCheck, staff_sender};

use super::IntakeError;

/// What a mail is, seen from the secretary's side.
#[derive(Debug)]
enum Verdict {
    /// Not a command mail: the parent workflow handles it.
    NotACommand,
    /// A valid command for an application, with the QR code read from her
    /// screenshot (`KOD` only).
    Act {
        application: i64,
        command: StaffCommand,
        /// The command lines below the first, in order: each acts on the
        /// status the one before it left (the token is spent once).
        then: Vec<StaffCommand>,
        qr: Option<String>,
        /// The command token it spends (`POMOC` spends none).
        token: Option<String>,
    },
    /// A staff command about a held photo (`TAK`/`NIE`; anything else gets help).
    ActOnHeld {
        held: HeldPhoto,
        command: StaffCommand,
    },
    /// A command that must not act, and why ("not_staff", "no_token",
    /// "qr_unreadable", "stale_photo"); `command` names it in the audit log.
    Refuse {
        reason: &'static str,
        command: &'static str,
        application: Option<i64>,
        detail: String,
    },
}

/// When a token stops acting.
#[derive(Debug, Clone, Copy)]
struct TokenRules {
    now: chrono::DateTime<chrono::Utc>,
    /// `[staff] token_valid_days`.
    valid_days: u32,
}

/// What judging a reply reads from the store, all read before deciding.
#[derive(Debug, Default)]
struct Gathered {
    /// The held photo its own token or notification names: checked before
    /// the applications' tokens, so a `TAK` to a held photo never approves an
    /// application.
    held: Option<HeldPhoto>,
    /// The application its token or the notification it answers names.
    application: Option<i64>,
    /// That token, with the application's status now.
    token: Option<(IssuedToken, Status)>,
    /// That application's photo notifications, oldest first (row, Message-ID).
    notifications: Vec<(i64, String)>,
}

/// Reads what [`judge`] needs for `mail`.
fn gather(conn: Tx<'_>, mail: &IncomingMail) -> Result<Gathered, StoreError> {
    if let Some(held) = held::held_photo_of(conn, mail)? {
        return Ok(Gathered {
            held: Some(held),
            ..Gathered::default()
        });
    }
    let Some(token) = token::carried(conn, mail)? else {
        return Ok(Gathered::default());
    };
    let id = token.0.application_id;
    Ok(Gathered {
        held: None,
        application: Some(id),
        token: Some(token),
        notifications: store_lc::photo_notifications(conn, id)?,
    })
}

/// `[0123456789abcdef]` tokens in a subject (see [`crate::domain::staff::tokens_in`]).
pub(super) fn tokens_in(subject: &str) -> Vec<String> {
    crate::domain::staff::tokens_in(subject)
}

/// The command in a reply. The plain text is tried first; an HTML-only mail's
/// `text` is mail-parser's rendering of the HTML (quotes and styles
/// flattened), so the HTML itself, with its quote structure, is tried next.
fn command_of(mail: &IncomingMail) -> (Option<StaffCommand>, Vec<StaffCommand>) {
    let from_html = || {
        mail.html
            .as_deref()
            .map(|html| parse_reply_all("", Some(html)))
    };
    let commands = |r: Reply| match r.first {
        ParsedReply::Command(c) => Some((c, r.then)),
        _ => None,
    };
    match commands(parse_reply_all(&mail.text, None)).or_else(|| from_html().and_then(commands)) {
        Some((first, then)) => (Some(first), then),
        None => (None, Vec::new()),
    }
}

/// The verdict on a mail, from what was gathered; reads no store. The
/// sender and the token are judged first: a forged reply's pictures are
/// never decoded (decoding is the costly, attack-exposed step).
fn judge(mail: &IncomingMail, staff: &StaffCheck<'_>, g: &Gathered, rules: TokenRules) -> Verdict {
    let not_staff = staff_sender(mail, staff).err();
    let is_staff = not_staff.is_none();
    let why_not = not_staff.map_or("not_staff", NotStaff::code);
    let (command, then) = command_of(mail);
    let label = command.as_ref().map_or("unknown", secretary::command_name);
    let refuse = |reason, application, detail: &str| Verdict::Refuse {
        reason,
        command: label,
        application,
        detail: detail.into(),
    };
    if let Some(held) = &g.held {
        return match is_staff {
            true => Verdict::ActOnHeld {
                held: held.clone(),
                command: command.unwrap_or(StaffCommand::Help),
            },
            false => refuse(
                why_not,
                Some(held.application_id),
                "a command for a held photo not proven to come from the staff",
            ),
        };
    }
    match (g.application, is_staff) {
        (Some(id), true) => {
            let spent = g
                .token
                .as_ref()
                .and_then(|t| token::refusal(t, command.as_ref(), rules.now, rules.valid_days));
            if let Some((reason, detail)) = spent {
                return refuse(reason, Some(id), &detail);
            }
            let all = || command.iter().chain(&then);
            let codes = all().any(|c| matches!(c, StaffCommand::Code { .. }));
            let qr = match codes {
                // Over a MIME cap its pictures were not collected: no QR to read.
                true if mail.over_limit.is_some() => {
                    Err("the mail is over a cap on parts, pictures or nesting".into())
                }
                true => qr_in(mail),
                false => Ok(None),
            };
            let judges = all().any(judges_the_photo);
            match (command, qr) {
                (_, Err(detail)) => refuse("qr_unreadable", Some(id), &detail),
                (_, Ok(Some(content))) if check_activation_qr(&content).is_err() => {
                    let why = check_activation_qr(&content).err().unwrap_or_default();
                    refuse("qr_not_mobywatel", Some(id), &why)
                }
                (Some(_), _) if judges && answers_an_older_photo(mail, g) => refuse(
                    "stale_photo",
                    Some(id),
                    "the reply answers a notification about an older photo",
                ),
                // Anything not understood gets the list of commands.
                (command, Ok(qr)) => {
                    let command = command.unwrap_or(StaffCommand::Help);
                    let token = match command {
                        StaffCommand::Help => None,
                        _ => g.token.as_ref().map(|(t, _)| t.token.clone()),
                    };
                    // Help changes nothing: nothing follows it.
                    let then = match command {
                        StaffCommand::Help => Vec::new(),
                        _ => then,
                    };
                    Verdict::Act {
                        application: id,
                        command,
                        then,
                        qr,
                        token,
                    }
                }
            }
        }
        (Some(id), false) => refuse(
            why_not,
            Some(id),
            "a command for an application not proven to come from the staff",
        ),
        (None, true) if command.is_some() && !mail.auto_generated() => refuse(
            "no_token",
            None,
            "a staff command without the application's token",
        ),
        (None, _) => Verdict::NotACommand,
    }
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
fn answers_an_older_photo(mail: &IncomingMail, g: &Gathered) -> bool {
    let notes = &g.notifications;
    let refs: Vec<&String> = mail.in_reply_to.iter().chain(&mail.references).collect();
    let answered = notes
        .iter()
        .filter(|(_, mid)| refs.contains(&mid))
        .map(|(row, _)| *row)
        .max();
    let newest = notes.last().map(|(row, _)| *row);
    matches!((answered, newest), (Some(a), Some(n)) if a < n)
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
    if mail.auto_generated() {
        // Out-of-office replies and bounces never act, even with a token.
        return Ok(None);
    }
    let gathered = gather(app.store().conn(), mail)?;
    let rules = TokenRules {
        now: app.clock.now(),
        valid_days: app.config.staff.token_valid_days,
    };
    let verdict = judge(mail, &app.config.staff.check(), &gathered, rules);
    act::apply(app, w, mail, verdict)
}

#[cfg(test)]
mod forged_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_support::{email, mail_from};

    #[test]
    fn tokens_are_sixteen_hex_digits_in_brackets() {
        let s = "Re: [mLegitymacja #12] Zdjęcie do wprowadzenia: Żak Łucja [0123456789abcdef]";
        assert_eq!(tokens_in(s), vec!["0123456789abcdef"]);
        assert!(tokens_in("Re: [mLegitymacja #12] [0123]").is_empty());
        assert!(tokens_in("[0123456789abcdeg]").is_empty());
    }

    fn reply(from: &str, text: &str, answers: &str) -> IncomingMail {
        IncomingMail {
            message_id: Some("r@szkola.test".into()),
            subject: "Re: Zdjęcie do wprowadzenia".into(),
            in_reply_to: vec![answers.into()],
            ..mail_from(from, text)
        }
    }

    /// The judge reads only what was gathered: here, two notifications.
    #[test]
    fn judge_refuses_a_tak_to_an_older_photo_and_a_stranger_from_what_was_gathered() {
        let addresses = crate::domain::StaffAddresses::new(vec![email("sekretariat@szkola.test")]);
        let staff = StaffCheck {
            addresses: &addresses,
            trusted_authserv_id: None,
        };
        let g = Gathered {
            held: None,
            application: Some(4),
            token: None,
            notifications: vec![
                (10, "old@szkola.test".into()),
                (11, "new@szkola.test".into()),
            ],
        };
        let rules = TokenRules {
            now: chrono::Utc::now(),
            valid_days: 30,
        };
        let verdict = |from, answers| judge(&reply(from, "TAK", answers), &staff, &g, rules);
        assert!(matches!(
            verdict("sekretariat@szkola.test", "old@szkola.test"),
            Verdict::Refuse {
                reason: "stale_photo",
                application: Some(4),
                ..
            }
        ));
        assert!(matches!(
            verdict("sekretariat@szkola.test", "new@szkola.test"),
            Verdict::Act {
                application: 4,
                command: StaffCommand::Approve,
                then: _,
                qr: None,
                token: None
            }
        ));
        assert!(matches!(
            verdict("obcy@example.pl", "new@szkola.test"),
            Verdict::Refuse {
                reason: "not_staff",
                command: "approve",
                ..
            }
        ));
        let nothing = Gathered::default();
        let tak = reply("sekretariat@szkola.test", "TAK", "x@y.pl");
        assert!(matches!(
            judge(&tak, &staff, &nothing, rules),
            Verdict::Refuse {
                reason: "no_token",
                ..
            }
        ));
        let parent = reply("rodzic@example.pl", "Dziękuję", "x@y.pl");
        assert!(matches!(
            judge(&parent, &staff, &nothing, rules),
            Verdict::NotACommand
        ));
    }
}
