//! The intake worker: reads new mail from the watched mailbox and acts on it.
//!
//! One [`step`] examines every mail above the stored UID watermark: it
//! fetches it without marking it read, parses it and hands it to [`handle`],
//! which needs no IMAP. `handle` gathers what the decision needs from the
//! store, decides (the staff path's `judge`, or [`crate::workflow::decide`]
//! for a parent's mail; images are checked, stripped and QR-decoded here,
//! with no write transaction open), then — in ONE transaction — records the
//! mail, stores photos, moves applications on, queues the mails the decision
//! causes and advances the watermark. Only after the commit is the mail moved
//! to its folder; a move that did not happen (crash, lost connection) is
//! retried by the next step.
//!
//! The next few mails are fetched and their photos checked ahead, on every
//! core ([`ahead`]); what reads or writes state stays one mail at a time,
//! in UID order, as above.
//!
//! A mail the server will not give (its FETCH fails three rounds in a row)
//! or will not let mleg move (refused three times) is left where it is,
//! recorded, and named to the secretary once ([`stuck`]); intake goes on.
//!
//! So a crash at any instant either leaves the mail unexamined (it is simply
//! examined again) or fully recorded (it is never answered twice); a mail
//! seen again under a new UIDVALIDITY is recognised by its Message-ID.

mod ahead;
mod purge;
mod staff;
mod stuck;

pub use purge::MAX_PURGE_TRIES;

use std::borrow::Cow;
use std::collections::HashSet;

use tracing::{error, info, warn};

use crate::app::App;
use crate::domain::EmailAddress;
use crate::domain::mail::IncomingMail;
use crate::mail::imap::{ImapError, Mailbox};
use crate::mail::parse::MailParseError;
use crate::progress::{Counter, Job};
use crate::store::inbox::{HandledMail, Watermark};
use crate::store::{StoreError, Tx, inbox};
use crate::templates::TemplateError;
use crate::workflow::{Checked, Disposition, decoration};

pub mod activated;
mod apply;
mod asks;
mod bounce;
mod objection;
mod parent;
mod requests;
mod robot;

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error(transparent)]
    Imap(#[from] ImapError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error(transparent)]
    Secretary(Box<crate::secretary::SecretaryError>),
}

/// What one step did, for logs and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IntakeReport {
    pub examined: usize,
    pub processed: usize,
    pub needs_human: usize,
    pub ignored: usize,
    /// Mails recognised by Message-ID as already handled.
    pub duplicates: usize,
    /// Moves into folders done in this step (including retried ones).
    pub moved: usize,
    /// Mails the server would not give (or let be moved) once too often:
    /// left where they are, the secretary told.
    pub left_alone: usize,
    /// Parents' mails expunged after their photo was purged.
    pub expunged: usize,
    /// Copies expunged after a purge (notifications, slips, the secretary's
    /// replies, delivery reports), in the watched and the staff account.
    pub copies_expunged: usize,
}

/// Examines all new mail once. `uid_validity` is what SELECT reported.
pub async fn step(
    app: &App,
    mailbox: &mut Mailbox,
    uid_validity: u32,
) -> Result<IntakeReport, IntakeError> {
    let name = app.config.imap.mailbox.clone();
    let mut report = IntakeReport::default();
    let after = {
        let store = app.store();
        match inbox::watermark(store.conn(), &name)? {
            Some(w) if w.uid_validity == uid_validity => w.last_uid,
            previous => {
                if previous.is_some() {
                    warn!(mailbox = %name, uid_validity, "UIDVALIDITY changed; re-examining the mailbox, recognising handled mail by Message-ID");
                }
                inbox::abandon_stale_moves(store.conn(), &name, uid_validity, app.clock.now())?;
                0
            }
        }
    };
    // A mail whose move failed is tried once per step, not once per call.
    let mut move_failed = HashSet::new();
    stuck::retry_moves(app, mailbox, uid_validity, &mut move_failed, &mut report).await?;
    let new_mail = mailbox.new_mail(after).await?;
    let counter = Counter::start(app.progress(), Job::Intake, new_mail.len());
    // Read and checked ahead; decided, committed and moved in UID order.
    let mut window = ahead::Window::new(new_mail, app.config.max_mail_bytes, &app.config.photo);
    while let Some(next) = window.next(mailbox).await {
        let _item = counter.item();
        let uid = next.new.uid;
        report.examined += 1;
        let disposition = match examine(app, mailbox, uid_validity, next, &mut report).await {
            Ok(Some(d)) => d,
            Ok(None) => {
                report.left_alone += 1;
                continue;
            }
            // The connection is the problem, not the mail: try again next round.
            Err(e @ IntakeError::Imap(_)) => return Err(e),
            Err(e) => {
                // A mail that fails every time must not block all mail after
                // it: after a few rounds it is filed for a human.
                let tries = app.note_failure(uid_validity, uid)?;
                if tries < MAX_TRIES {
                    return Err(e);
                }
                error!(uid, tries, error = %e, "cannot handle this mail; filed for a human");
                file_for_human(
                    app,
                    Watermark {
                        uid_validity,
                        last_uid: uid,
                    },
                    "failed",
                )?;
                Disposition::NeedsHuman
            }
        };
        match disposition {
            Disposition::Ignore => report.ignored += 1,
            Disposition::Processed => report.processed += 1,
            Disposition::NeedsHuman => report.needs_human += 1,
        }
    }
    drop(counter);
    stuck::retry_moves(app, mailbox, uid_validity, &mut move_failed, &mut report).await?;
    let expunged = purge::expunge_purged(app, mailbox).await?;
    report.expunged += expunged.parents;
    report.copies_expunged += expunged.copies;
    report.copies_expunged += purge::expunge_staff_copies(app).await?;
    if report.examined > 0 {
        info!(
            examined = report.examined,
            processed = report.processed,
            needs_human = report.needs_human,
            ignored = report.ignored,
            duplicates = report.duplicates,
            "intake step done"
        );
    }
    Ok(report)
}

/// Handles one new mail, fetched and checked ahead; `None` when the
/// server would not give it once too often and it was left where it is.
async fn examine(
    app: &App,
    mailbox: &mut Mailbox,
    uid_validity: u32,
    next: ahead::Next,
    report: &mut IntakeReport,
) -> Result<Option<Disposition>, IntakeError> {
    let ahead::Next {
        new,
        too_large,
        fetched,
    } = next;
    let prepared = match stuck::settle(app, mailbox, uid_validity, new, fetched).await? {
        Some(fetched) => match fetched.prepared().await {
            Some(prepared) => prepared,
            // Its task was lost: read it again here.
            None => ahead::prepare_again(mailbox, new, too_large, &app.config.photo).await?,
        },
        None => return Ok(None),
    };
    let watermark = Watermark {
        uid_validity,
        last_uid: new.uid,
    };
    let mail = match prepared.parsed {
        Some(Ok(mail)) => mail,
        // Not even a header could be read: keep it where a person looks.
        Some(Err(MailParseError::ParserPanicked)) => {
            file_for_human(app, watermark, "unreadable")?;
            return Ok(Some(Disposition::NeedsHuman));
        }
        // Gone meanwhile (another client moved it) or empty: nothing to answer.
        _ => {
            advance(app, watermark)?;
            return Ok(Some(Disposition::Ignore));
        }
    };
    let handled = handle_checked(app, watermark, &mail, too_large, prepared.checked)?;
    // What a purge checks besides the Message-ID before expunging this mail.
    let name = &app.config.imap.mailbox;
    inbox::record_size(app.store().conn(), name, uid_validity, new.uid, new.size)?;
    if handled.duplicate {
        report.duplicates += 1;
    }
    if handled.disposition != Disposition::Ignore {
        info!(uid = new.uid, disposition = ?handled.disposition, "mail handled");
    }
    Ok(Some(handled.disposition))
}

/// What [`handle`] did with one mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handled {
    pub disposition: Disposition,
    /// Recognised by its Message-ID as handled before: filed, not answered.
    pub duplicate: bool,
}

/// Handles one parsed mail, everything but IMAP: the seam `step` calls for
/// each new mail and the middle-layer tests call directly
/// (`src/intake/tests.rs`). `too_large` is the size of a mail of which only
/// the header was fetched. The mail's effects, its record and the watermark
/// `w` are committed together; moving it to its folder is left to the caller.
pub fn handle(
    app: &App,
    w: Watermark,
    mail: &IncomingMail,
    too_large: Option<u64>,
) -> Result<Handled, IntakeError> {
    handle_checked(app, w, mail, too_large, Checked::none())
}

/// [`handle`], with the photos of `mail` checked ahead (`checked`).
fn handle_checked(
    app: &App,
    w: Watermark,
    mail: &IncomingMail,
    too_large: Option<u64>,
    checked: Checked,
) -> Result<Handled, IntakeError> {
    let done = |disposition| Handled {
        disposition,
        duplicate: false,
    };
    if let Some(folder) = already_handled(app, mail)? {
        let disposition = if folder == app.config.imap.needs_human_folder {
            Disposition::NeedsHuman
        } else {
            Disposition::Processed
        };
        record_only(app, w, mail, "duplicate", &folder)?;
        return Ok(Handled {
            disposition,
            duplicate: true,
        });
    }
    if is_own(app, mail)? {
        // The school's own address is often also the staff address: mleg's
        // notifications then land in the watched mailbox. They are the
        // secretary's to read, never commands or parents' mail.
        advance(app, w)?;
        return Ok(done(Disposition::Ignore));
    }
    if let Some(report) = &mail.bounce {
        // Never answered; it may mark an application whose address bounces.
        return bounce::handle(app, w, mail, report).map(done);
    }
    let kept = photos_only(app, mail)?;
    let checked = match &kept {
        Cow::Borrowed(_) => checked,
        Cow::Owned(kept) => checked.realigned(mail, kept),
    };
    let mail = &*kept;
    if too_large.is_none()
        && let Some(disposition) = cpu_bound(|| staff::handle(app, w, mail))?
    {
        return Ok(done(disposition));
    }
    if too_large.is_none()
        && let Some(disposition) = activated::handle(app, w, mail)?
    {
        return Ok(done(disposition));
    }
    if too_large.is_none()
        && let Some(disposition) = asks::handle(app, w, mail)?
    {
        return Ok(done(disposition));
    }
    if too_large.is_none()
        && let Some(disposition) = requests::handle(app, w, mail)?
    {
        return Ok(done(disposition));
    }
    if let Some(disposition) = objection::handle(app, w, mail)? {
        return Ok(done(disposition));
    }
    parent::handle(app, w, mail, too_large, &checked).map(done)
}

/// Runs decoding-heavy work (photo checks, QR screenshots: up to seconds)
/// so it does not stall the runtime's other tasks, such as the signal
/// handler. Only a multi-threaded runtime can lend the thread out.
fn cpu_bound<T>(f: impl FnOnce() -> T) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(RuntimeFlavor::MultiThread) => tokio::task::block_in_place(f),
        _ => f(),
    }
}

/// `mail` without its signature logos, icons and tracking pixels (see
/// [`crate::workflow::decoration`]). The open applications, whose students'
/// names keep a tiny picture a photo, are read only when a picture is small.
///
/// For a sender who is no registered parent no name counts: what a stranger
/// is told must not depend on whom the register holds.
fn photos_only<'m>(app: &App, mail: &'m IncomingMail) -> Result<Cow<'m, IncomingMail>, StoreError> {
    if !mail.images.iter().any(decoration::small) {
        return Ok(Cow::Borrowed(mail));
    }
    let store = app.store();
    let conn = store.conn();
    let sender = mail
        .from
        .as_deref()
        .and_then(|a| EmailAddress::parse(a).ok());
    let parent = match &sender {
        Some(s) => crate::store::apps::is_parent(conn, s)?,
        None => false,
    };
    let open = match parent {
        true => {
            let keys = crate::workflow::mail_name_keys(mail);
            crate::store::apps::photo_candidates(conn, &keys, sender.as_ref())?
        }
        false => Vec::new(),
    };
    Ok(decoration::without_decorations(mail, &open))
}

/// A mail mleg sent itself (by its Message-ID).
fn is_own(app: &App, mail: &IncomingMail) -> Result<bool, StoreError> {
    match &mail.message_id {
        Some(id) => inbox::is_our_message(app.store().conn(), id),
        None => Ok(false),
    }
}

/// The folder a mail with the same Message-ID was filed to, if any.
fn already_handled(app: &App, mail: &IncomingMail) -> Result<Option<String>, StoreError> {
    match &mail.message_id {
        Some(id) => inbox::handled_folder_for(app.store().conn(), id),
        None => Ok(None),
    }
}

/// Rounds a failing mail is retried before it is filed for a human (or,
/// when the server will not give or move it, left where it is).
const MAX_TRIES: u32 = 3;

/// Records a mail mleg cannot handle and files it in the needs-human folder.
fn file_for_human(app: &App, w: Watermark, disposition: &str) -> Result<(), StoreError> {
    let folder = &app.config.imap.needs_human_folder;
    app.store()
        .transaction(|tx| record(app, tx, w, None, disposition, folder).map(drop))
}

fn advance(app: &App, w: Watermark) -> Result<(), StoreError> {
    let name = app.config.imap.mailbox.clone();
    app.store()
        .transaction(|tx| inbox::set_watermark(tx, &name, w))
}

fn record_only(
    app: &App,
    w: Watermark,
    mail: &IncomingMail,
    disposition: &str,
    folder: &str,
) -> Result<(), StoreError> {
    app.store()
        .transaction(|tx| record(app, tx, w, Some(mail), disposition, folder).map(drop))
}

/// Records a handled mail and advances the watermark past it, in `tx`;
/// returns the record's row.
pub(crate) fn record(
    app: &App,
    tx: Tx<'_>,
    w: Watermark,
    mail: Option<&IncomingMail>,
    disposition: &str,
    folder: &str,
) -> Result<i64, StoreError> {
    let mailbox = &app.config.imap.mailbox;
    let handled = HandledMail {
        mailbox,
        uid_validity: w.uid_validity,
        uid: w.last_uid,
        message_id: mail.and_then(|m| m.message_id.as_deref()),
        sender: mail.and_then(|m| m.from.as_deref()),
        disposition,
        target_folder: folder,
    };
    let row = inbox::record_handled(tx, &handled, app.clock.now())?;
    if let Some(n) = mail.map(|m| m.images.len()).filter(|n| *n > 0) {
        inbox::record_pictures(tx, row, n)?;
    }
    inbox::set_watermark(tx, mailbox, w)?;
    Ok(row)
}

#[cfg(test)]
mod tests;
