//! A reply about a held photo (a stranger's photo kept for the secretary,
//! see [`crate::secretary::held`]). It is recognised by the held photo's own
//! token or notification, never by the application's, and the same rules as
//! for any command hold: only a staff address acts, everything is audited.

use super::{IntakeError, command_of, refuse, thread, tokens_in};
use crate::app::App;
use crate::domain::EmailAddress;
use crate::domain::mail::IncomingMail;
use crate::secretary::{self, Source};
use crate::store::held::{self as store_held, HeldPhoto};
use crate::store::inbox::Watermark;
use crate::store::lifecycle as store_lc;
use crate::workflow::Disposition;
use crate::workflow::command::StaffCommand;

/// The held photo a reply is about: its own token in the subject, or an
/// answer to its notification. Checked before the applications' tokens, so
/// a `TAK` to a held photo never approves an application.
pub(super) fn held_photo_of(
    app: &App,
    mail: &IncomingMail,
) -> Result<Option<HeldPhoto>, IntakeError> {
    let store = app.store();
    for token in tokens_in(&mail.subject) {
        if let Some(h) = store_held::held_by_token(store.conn(), &token.to_ascii_lowercase())? {
            return Ok(Some(h));
        }
    }
    for id in mail.in_reply_to.iter().chain(&mail.references) {
        if let Some(h) = store_held::held_by_notice(store.conn(), id)? {
            return Ok(Some(h));
        }
    }
    Ok(None)
}

/// A reply about a held photo: from staff it is carried out (`TAK`/`NIE`,
/// anything else gets help); from anyone else it changes nothing, like any
/// command from outside the staff list.
pub(super) fn handle(
    app: &App,
    w: Watermark,
    mail: &IncomingMail,
    held: &HeldPhoto,
) -> Result<Disposition, IntakeError> {
    let cfg = &app.config;
    let is_staff = mail
        .from
        .as_deref()
        .and_then(|a| EmailAddress::parse(a).ok())
        .is_some_and(|s| cfg.staff.is_staff(&s));
    let command = command_of(mail);
    let label = command.as_ref().map_or("unknown", secretary::command_name);
    let actor = format!("mail:{}", mail.from.as_deref().unwrap_or("?"));
    if !is_staff {
        let folder = &cfg.imap.needs_human_folder;
        app.store().transaction(|tx| -> Result<(), IntakeError> {
            crate::intake::record(app, tx, w, Some(mail), "needs_human", folder)?;
            let detail = "a command for a held photo from an address not on the staff list";
            let application = Some(held.application_id);
            refuse(
                app,
                tx,
                mail,
                ("not_staff", label),
                application,
                detail,
                &actor,
                folder,
            )
        })?;
        return Ok(Disposition::NeedsHuman);
    }
    let purged = app.store().transaction(|tx| -> Result<bool, IntakeError> {
        crate::intake::record(
            app,
            tx,
            w,
            Some(mail),
            "processed",
            &cfg.imap.processed_folder,
        )?;
        let source = Source {
            actor: actor.clone(),
            mail: Some(thread(mail)),
        };
        let command = command.clone().unwrap_or(StaffCommand::Help);
        let (_, purged) = secretary::held::decide(app, tx, held, &command, &source)
            .map_err(|e| IntakeError::Secretary(Box::new(e)))?;
        Ok(purged)
    })?;
    if purged {
        store_lc::flush_wal(app.store().conn())?;
    }
    Ok(Disposition::Processed)
}
