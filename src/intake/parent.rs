//! A mail that is not a staff command (a parent's photo, a question, mail
//! nobody understands): gather → decide → apply.
//!
//! The photo checks (`check_photo`, inside [`workflow::decide`]) and the
//! metadata stripping decode images, which can take seconds; they run
//! BEFORE the write transaction opens, so the database is never locked while
//! an image decodes. Inside the transaction what the decision read is read
//! again: if it changed meanwhile (the secretary moved an application from
//! the CLI), the mail is decided again on what is current, so intake can
//! never undo her change.

use super::robot::{self, Quiet};
use super::{IntakeError, apply, cpu_bound};
use tracing::info;

use crate::app::App;
use crate::domain::mail::IncomingMail;
use crate::domain::{Application, EmailAddress};
use crate::store::inbox::{self, Watermark};
use crate::store::{StoreError, Tx, apps};
use crate::workflow::{self, Checked, Decision, Disposition};

/// What deciding about a mail reads from the store.
#[derive(Debug, PartialEq, Eq)]
struct Gathered {
    open_apps: Vec<Application>,
    sender_is_parent: bool,
    reply_to_ours: bool,
    /// May the sender be answered (robots, loops, the per-sender cap).
    quiet: Quiet,
}

fn gather(app: &App, conn: Tx<'_>, mail: &IncomingMail) -> Result<Gathered, StoreError> {
    let sender = mail
        .from
        .as_deref()
        .and_then(|a| EmailAddress::parse(a).ok());
    let sender_is_parent = match &sender {
        Some(s) => apps::is_parent(conn, s)?,
        None => false,
    };
    let mut reply_to_ours = false;
    for id in mail.in_reply_to.iter().chain(&mail.references) {
        reply_to_ours |= inbox::is_our_message(conn, id)?;
    }
    Ok(Gathered {
        // Only the applications the mail can be about, found by index: the
        // cost of a mail must not grow with the register.
        open_apps: apps::photo_candidates(conn, &workflow::mail_name_keys(mail), sender.as_ref())?,
        sender_is_parent,
        reply_to_ours,
        quiet: robot::judge(app, conn, mail, sender.as_ref())?,
    })
}

/// The pure decision, and the mail with the photos it keeps stripped of
/// metadata: everything that decodes images.
fn decide(
    app: &App,
    mail: &IncomingMail,
    g: &Gathered,
    too_large: Option<u64>,
    checked: &Checked,
) -> (Decision, Option<IncomingMail>) {
    let ctx = workflow::Context {
        open_apps: &g.open_apps,
        sender_is_parent: g.sender_is_parent,
        reply_to_ours: g.reply_to_ours,
        too_large,
        staff: &app.config.staff.addresses,
        policy: &app.config.photo,
        robot: g.quiet.robot,
        last_reply: g.quiet.last_reply,
    };
    let decision = workflow::decide_checked(mail, &ctx, checked);
    let max_bytes = app.config.photo.max_bytes;
    let clean = (decision.disposition != Disposition::Ignore)
        .then(|| apply::without_photo_metadata(mail, &decision, max_bytes, checked));
    (decision, clean)
}

/// What a test runs between deciding and writing.
#[cfg(test)]
type Meanwhile = Box<dyn FnOnce(&App)>;

#[cfg(test)]
thread_local! {
    /// Run once between deciding and the write transaction: lets a test
    /// change the store meanwhile, as the CLI may.
    pub(super) static AFTER_DECIDE: std::cell::RefCell<Option<Meanwhile>> =
        std::cell::RefCell::new(None);
}

/// Handles a mail the staff path did not take; its images' checks are
/// taken from `checked` where they were done ahead.
pub(super) fn handle(
    app: &App,
    w: Watermark,
    mail: &IncomingMail,
    too_large: Option<u64>,
    checked: &Checked,
) -> Result<Disposition, IntakeError> {
    let gathered = gather(app, app.store().conn(), mail)?;
    let decided = cpu_bound(|| decide(app, mail, &gathered, too_large, checked));
    #[cfg(test)]
    if let Some(meanwhile) = AFTER_DECIDE.with(|h| h.borrow_mut().take()) {
        meanwhile(app);
    }
    app.store()
        .transaction(|tx| -> Result<Disposition, IntakeError> {
            let current = gather(app, tx, mail)?;
            // Rare (a CLI change in the last moments): deciding again here
            // holds the lock while images decode, but is always right.
            let redecided;
            let ((decision, clean), g) = if current == gathered {
                (&decided, &gathered)
            } else {
                redecided = decide(app, mail, &current, too_large, checked);
                (&redecided, &current)
            };
            match clean {
                Some(clean) => {
                    apply::apply(app, tx, w, clean, decision, &g.open_apps, too_large)?;
                    let sender = mail
                        .from
                        .as_deref()
                        .and_then(|a| EmailAddress::parse(a).ok());
                    robot::note(app, tx, mail, sender.as_ref())?;
                }
                None => inbox::set_watermark(tx, &app.config.imap.mailbox, w)?,
            }
            if let Some(reason) = decision.robot {
                info!(uid = w.last_uid, ?reason, "not answered automatically");
            }
            Ok(decision.disposition)
        })
}
