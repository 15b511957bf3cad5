//! A reply about a held photo (a stranger's photo kept for the secretary,
//! see [`crate::secretary::held`]). It is recognised by the held photo's own
//! token or notification, never by the application's, and the same rules as
//! for any command hold: only a staff address acts (judged in
//! `staff::judge`), everything is audited.

use super::tokens_in;
use crate::app::App;
use crate::domain::mail::IncomingMail;
use crate::secretary::{self, SecretaryError, Source};
use crate::store::held::{self as store_held, HeldPhoto};
use crate::store::{StoreError, Tx};
use crate::workflow::command::StaffCommand;

/// The held photo a reply is about: its own token in the subject, or an
/// answer to its notification. Checked before the applications' tokens, so
/// a `TAK` to a held photo never approves an application.
pub(super) fn held_photo_of(
    conn: Tx<'_>,
    mail: &IncomingMail,
) -> Result<Option<HeldPhoto>, StoreError> {
    for token in tokens_in(&mail.subject) {
        if let Some(h) = store_held::held_by_token(conn, &token.to_ascii_lowercase())? {
            return Ok(Some(h));
        }
    }
    for id in mail.in_reply_to.iter().chain(&mail.references) {
        if let Some(h) = store_held::held_by_notice(conn, id)? {
            return Ok(Some(h));
        }
    }
    Ok(None)
}

/// Carries out a staff command on a held photo in `tx` (`TAK`/`NIE`,
/// anything else gets help); true if a photo was purged.
pub(super) fn act(
    app: &App,
    tx: Tx<'_>,
    held: &HeldPhoto,
    command: &StaffCommand,
    source: &Source,
) -> Result<bool, SecretaryError> {
    let (_, purged) = secretary::held::decide(app, tx, held, command, source)?;
    Ok(purged)
}
