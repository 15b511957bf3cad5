//! A parent's `AKTYWOWANO` / `ACTIVATED` (with `delivery = "email"`): the
//! family activated the e-mailed code, so the application is handed over and
//! the reminders stop.
//!
//! It acts only when the mail answers one of mleg's mails to the parents of
//! that application (In-Reply-To / References) *and* comes from one of that
//! application's parent addresses. Anything else is left to the ordinary
//! parent path, which files it for a human: a stranger's word changes nothing.

use super::{IntakeError, record};
use crate::app::App;
use crate::apply_outcome::{self, Context};
use crate::config::Delivery;
use crate::domain::EmailAddress;
use crate::domain::mail::IncomingMail;
use crate::store::inbox::Watermark;
use crate::store::{Tx, apps, dates};
use crate::workflow::Disposition;
use crate::workflow::command::own_text;
use crate::workflow::lifecycle::Refusal;
use crate::workflow::transition::{Event, transition};

/// The words a parent replies with, compared upper-case without a final
/// full stop or exclamation mark.
const WORDS: &[&str] = &["AKTYWOWANO", "ACTIVATED"];

/// Who the history (and `handed_over_by`) names for a parent's activation:
/// the scheduler sends such a family no "if you have not activated it yet…".
pub const ACTOR: &str = "mail:parent";

/// Is the reply's own first line (quotes and signatures removed) the
/// activation word?
pub fn says_activated(text: &str, html: Option<&str>) -> bool {
    let own = own_text(text, html);
    own.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(|l| l.trim_end_matches(['.', '!']).trim().to_uppercase())
        .is_some_and(|w| WORDS.contains(&w.as_str()))
}

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
                let now = app.clock.now();
                match transition(&a, &Event::ParentActivated, &app.rules(), now) {
                    Ok(outcome) => {
                        let ctx = Context {
                            actor: ACTOR,
                            qr_content: None,
                            photo: None,
                        };
                        purged = apply_outcome::apply::<IntakeError>(app, tx, &a, &outcome, &ctx)?;
                    }
                    // A second AKTYWOWANO: already recorded, filed as handled.
                    Err(Refusal::AlreadyDone { .. }) => {}
                    Err(_) => return Ok((None, false)),
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

#[cfg(test)]
mod tests {
    use super::says_activated;

    #[test]
    fn the_first_own_line_must_be_the_word_alone() {
        assert!(says_activated(
            "Aktywowano.\r\n\r\n> Kod jest ważny do…",
            None
        ));
        assert!(says_activated("\r\nACTIVATED!\r\n", None));
        assert!(says_activated("", Some("<div>aktywowano</div>")));
        assert!(!says_activated(
            "Jeszcze nie aktywowano, kod nie działa",
            None
        ));
        assert!(!says_activated("Dzień dobry, czy kod jest ważny?", None));
        assert!(
            !says_activated("> AKTYWOWANO", None),
            "a quote is not the parent's word"
        );
    }
}
