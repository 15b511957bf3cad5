//! A mail the server will not give, or will not let mleg move.
//!
//! One mail must never stop intake for good. A command on one mail can fail
//! in two ways that look alike and must be told apart:
//! - the connection is broken (the server is down, or stopped answering
//!   altogether): the round fails, nothing is charged to any mail, and the
//!   next round tries again;
//! - the server fails this one mail: it answers `NO`/`BAD` to the mail's
//!   `UID FETCH` or `UID MOVE`, or the command times out (or the connection
//!   drops) while a fresh connection works at once ([`blame`]).
//!
//! A failure of the second kind is counted against the mail and kept in the
//! database (a restart continues the count). A FETCH failing three rounds
//! in a row, or a move refused three times, leaves the mail where it is:
//! not moved, flagged or marked read. It is recorded (a `messages` row with
//! `left_at`; for a mail never read, the watermark moves past it, so later
//! mails are read) in the same transaction that queues the secretary's one
//! note, which names the mail's subject and date (from the header alone) or,
//! when not even that can be had, its UID.
//!
//! Until the third failure of a FETCH the round stops at that mail, as for
//! any mail that cannot be handled: the watermark says "every UID up to
//! here was examined", so no later mail may be handled before it.

use std::collections::HashSet;

use tracing::{info, warn};

use super::{IntakeError, IntakeReport, MAX_TRIES, record};
use crate::app::App;
use crate::mail::imap::{ImapError, Mailbox, NewMail};
use crate::mail::parse::{HeaderSummary, header_summary};
use crate::notices::stuck::{Stuck, StuckMail, staff_stuck_mail};
use crate::store::inbox::{self, PendingMove, Watermark};
use crate::store::{outbox, stuck};

/// Settles the fetch of `new` (done ahead, in UID order) when its turn
/// comes: `Some` with what was fetched, `None` when the server would not
/// give it three rounds in a row (then it is left where it is, recorded,
/// the secretary told; go on with the next mail).
///
/// Err ends the round: either the connection failed (nothing counted) or
/// this mail's fetch failed and was counted (it is tried again next round).
pub(super) async fn settle<T>(
    app: &App,
    mailbox: &mut Mailbox,
    uid_validity: u32,
    new: NewMail,
    fetched: Result<T, ImapError>,
) -> Result<Option<T>, IntakeError> {
    let e = match fetched {
        Ok(raw) => return Ok(Some(raw)),
        Err(e) => blame(app, mailbox, uid_validity, e).await?,
    };
    let tries = app.note_failure(uid_validity, new.uid)?;
    if tries < MAX_TRIES {
        warn!(uid = new.uid, tries, error = %e, "the server did not hand over this mail; trying again next round");
        return Err(e.into());
    }
    let summary = summary(app, mailbox, uid_validity, new.uid).await?;
    let note = StuckMail {
        stuck: Stuck::Fetch,
        folder: &app.config.imap.mailbox,
        uid: new.uid,
        subject: summary.subject.as_deref(),
        date: summary.date,
        target_folder: None,
        tries,
    };
    let note = staff_stuck_mail(&app.templates, &app.config, &note)?;
    let w = Watermark {
        uid_validity,
        last_uid: new.uid,
    };
    let now = app.clock.now();
    app.store().transaction(|tx| -> Result<(), IntakeError> {
        // No Message-ID: a copy of this mail that arrives again is a mail
        // never read, to be handled, not a duplicate to file away.
        let row = record(app, tx, w, None, "unfetchable", &app.config.imap.mailbox)?;
        stuck::leave(tx, row, now)?;
        outbox::enqueue(tx, &note, app.config.smtp.from.domain(), now)?;
        Ok(())
    })?;
    warn!(uid = new.uid, tries, error = %e, "the server will not hand over this mail; left where it is, the secretary told");
    Ok(None)
}

/// Files handled mail that is still in the watched mailbox (counted in
/// `report.moved`, and those left where they are in `report.left_alone`). A move the server fails is counted (once per round:
/// `failed` holds the rows already counted in this step) and tried again
/// next round; the third leaves the mail where it is and tells the
/// secretary. The other mails are moved meanwhile.
pub(super) async fn retry_moves(
    app: &App,
    mailbox: &mut Mailbox,
    uid_validity: u32,
    failed: &mut HashSet<i64>,
    report: &mut IntakeReport,
) -> Result<(), IntakeError> {
    let pending = inbox::pending_moves(app.store().conn(), &app.config.imap.mailbox, uid_validity)?;
    for p in &pending {
        if failed.contains(&p.row) {
            continue;
        }
        // A folder the server will not create is no fault of this mail.
        mailbox.prepare_folder(&p.target_folder).await?;
        let e = match mailbox.move_to(p.uid, &p.target_folder).await {
            Ok(filed) => {
                let store = app.store();
                // Where it went, so a purge can expunge exactly this mail by UID.
                if let Some(f) = filed {
                    inbox::record_filed(store.conn(), p.row, &f.folder, f.uid_validity, f.uid)?;
                }
                inbox::mark_moved(store.conn(), p.row, app.clock.now())?;
                report.moved += 1;
                continue;
            }
            Err(e) => blame(app, mailbox, uid_validity, e).await?,
        };
        failed.insert(p.row);
        let tries = stuck::note_move_refused(app.store().conn(), p.row)?;
        if tries < MAX_TRIES {
            warn!(uid = p.uid, tries, error = %e, "the server did not move this mail; trying again next round");
            continue;
        }
        leave_unmoved(app, mailbox, uid_validity, p, tries).await?;
        report.left_alone += 1;
        warn!(uid = p.uid, tries, error = %e, "the server will not move this mail; left where it is, the secretary told");
    }
    Ok(())
}

/// Stops moving a handled mail and tells the secretary, in one transaction.
async fn leave_unmoved(
    app: &App,
    mailbox: &mut Mailbox,
    uid_validity: u32,
    p: &PendingMove,
    tries: u32,
) -> Result<(), IntakeError> {
    let summary = summary(app, mailbox, uid_validity, p.uid).await?;
    let note = StuckMail {
        stuck: Stuck::Move,
        folder: &app.config.imap.mailbox,
        uid: p.uid,
        subject: summary.subject.as_deref(),
        date: summary.date,
        target_folder: Some(&p.target_folder),
        tries,
    };
    let note = staff_stuck_mail(&app.templates, &app.config, &note)?;
    let now = app.clock.now();
    app.store().transaction(|tx| -> Result<(), IntakeError> {
        stuck::leave(tx, p.row, now)?;
        outbox::enqueue(tx, &note, app.config.smtp.from.domain(), now)?;
        Ok(())
    })
}

/// The subject and date of mail `uid`, from its header alone; empty when
/// the server will not give even that.
async fn summary(
    app: &App,
    mailbox: &mut Mailbox,
    uid_validity: u32,
    uid: u32,
) -> Result<HeaderSummary, IntakeError> {
    match mailbox.fetch_subject_date(uid).await {
        Ok(raw) => Ok(raw.map(|r| header_summary(&r)).unwrap_or_default()),
        Err(e) => {
            blame(app, mailbox, uid_validity, e).await?;
            info!(
                uid,
                "not even the header of this mail; the note names its UID"
            );
            Ok(HeaderSummary::default())
        }
    }
}

/// Whose fault a failed command on one mail is. A refusal (`NO`/`BAD`) is
/// the mail's. Any other failure (no answer in time, the connection
/// dropped) leaves the connection unusable; it is the mail's only if a
/// fresh connection to the same mailbox works at once, and that one then
/// replaces the old. Ok: the mail's (its error); Err: the connection's.
async fn blame(
    app: &App,
    mailbox: &mut Mailbox,
    uid_validity: u32,
    e: ImapError,
) -> Result<ImapError, IntakeError> {
    if e.is_refusal() {
        return Ok(e);
    }
    match Mailbox::connect(&app.config.imap).await {
        Ok((fresh, validity)) if validity == uid_validity => {
            // The old one is stuck mid-command: dropped, not logged out.
            drop(std::mem::replace(mailbox, fresh));
            Ok(e)
        }
        // Renumbered meanwhile: the next round starts over.
        Ok((fresh, _)) => {
            fresh.logout().await;
            Err(e.into())
        }
        Err(_) => Err(e.into()),
    }
}
