//! A parent's `AKTYWOWANO` / `ACTIVATED` (with `delivery = "email"`): the
//! family activated the e-mailed code, so the application is handed over and
//! the reminders stop.
//!
//! It acts only when the mail answers one of mleg's mails to the parents of
//! that application (In-Reply-To / References) *and* comes from one of that
//! application's parent addresses. Anything else is left to the ordinary
//! parent path, which files it for a human without an answer
//! (`HumanReason::Activation`): a stranger's word changes nothing.

use super::{IntakeError, record};
use crate::app::App;
use crate::apply_outcome::{Advanced, Context, advance};
use crate::config::Delivery;
use crate::domain::EmailAddress;
use crate::domain::mail::IncomingMail;
use crate::store::inbox::Watermark;
use crate::store::{Tx, apps, dates};
use crate::workflow::Disposition;
use crate::workflow::activated::says_activated;
use crate::workflow::lifecycle::Refusal;
use crate::workflow::transition::Event;

/// Who the history (and the code's `handed_over_by`) names for a parent's
/// activation.
pub const ACTOR: &str = "mail:parent";

/// Handles the mail if it is a registered parent's activation; `None` leaves
/// it to the parent path.
pub(super) fn handle(
    app: &App,
    w: Watermark,
    mail: &IncomingMail,
) -> Result<Option<Disposition>, IntakeError> {
    if app.config.delivery != Delivery::Email
        || !mail.images.is_empty()
        || !says_activated(&mail.text, mail.html.as_deref())
    {
        return Ok(None);
    }
    let Some(sender) = mail
        .from
        .as_deref()
        .and_then(|s| EmailAddress::parse(s).ok())
    else {
        return Ok(None);
    };
    let (disposition, purged) =
        app.store()
            .transaction(|tx| -> Result<(Option<Disposition>, bool), IntakeError> {
                let Some(id) = answered_application(tx, mail)? else {
                    return Ok((None, false));
                };
                let Some(a) = apps::get(tx, id)?.filter(|a| a.has_parent(&sender)) else {
                    return Ok((None, false));
                };
                let mut purged = false;
                let ctx = Context {
                    actor: ACTOR,
                    qr_content: None,
                    photo: None,
                    audit: None,
                };
                match advance::<IntakeError>(app, tx, &a, &Event::ParentActivated, &ctx)? {
                    Advanced::Moved { purged: p, .. } => purged = p,
                    // A second AKTYWOWANO: already recorded, filed as handled.
                    Advanced::Refused(Refusal::AlreadyDone { .. }) => {}
                    Advanced::Refused(_) => return Ok((None, false)),
                }
                let folder = &app.config.imap.processed_folder;
                record(app, tx, w, Some(mail), "activated", folder)?;
                Ok((Some(Disposition::Processed), purged))
            })?;
    if purged {
        // Purged bytes must not survive in the write-ahead log either.
        crate::store::lifecycle::flush_wal(app.store().conn())?;
    }
    Ok(disposition)
}

/// The application whose parent mail this answers, if any.
fn answered_application(tx: Tx<'_>, mail: &IncomingMail) -> Result<Option<i64>, IntakeError> {
    for id in mail.in_reply_to.iter().chain(&mail.references) {
        if let Some(app) = dates::parent_mail_application(tx, id)? {
            return Ok(Some(app));
        }
    }
    Ok(None)
}
