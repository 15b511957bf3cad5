//! Expunging purged mail from the mailboxes: the parents' mails with the
//! child's photo and every copy mleg, the secretary or a mail server made
//! (the school's rule).
//!
//! Each queued row is handled on its own, by who chose its Message-ID
//! ([`Origin`]): a mail someone else wrote (a parent's, a stranger's, a
//! delivery report) is deleted only at the place mleg recorded when it filed
//! it, after the server showed the same Message-ID and size there — never
//! searched for, since anyone can give a mail any id. mleg's own mails are
//! also searched for in every folder it cleans, and the secretary's command
//! mails among her sent mail (see [`crate::mail::imap::Mailbox::purge`]). A
//! row the server refuses is counted and retried next round without holding
//! up the others; after [`MAX_PURGE_TRIES`] — or at once when the mail is not
//! where mleg filed it, or stayed in the trash folder — the secretary gets
//! one mail asking her to delete it by hand, and the row is left.

use serde::Serialize;
use tracing::{info, warn};

use super::IntakeError;
use crate::app::App;
use crate::config::School;
use crate::domain::EmailAddress;
use crate::mail::imap::{ImapError, Mailbox, PurgeOutcome, PurgeTarget, Recorded};
use crate::mail::message_id;
use crate::mail::outgoing::{MailKind, OutgoingMail};
use crate::store::outbox;
use crate::store::purges::{self, Origin, PendingPurge};

/// Rounds a purge row the server refuses is retried before the secretary is asked.
pub const MAX_PURGE_TRIES: u32 = 5;

/// Mails expunged in one pass: (parents' mails, copies).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Expunged {
    pub parents: usize,
    pub copies: usize,
}

impl Expunged {
    fn add(&mut self, row: &PendingPurge, n: usize) {
        if row.kind == "parent" {
            self.parents += n;
        } else {
            self.copies += n;
        }
    }
}

/// How a row ends after the server answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// Closed; the warning says why without certainty.
    Done(Option<&'static str>),
    /// The secretary is asked to delete it by hand, for this reason.
    GiveUp(&'static str),
}

/// What an outcome means for a row of `account`.
fn verdict(origin: Origin, account: &str, outcome: &PurgeOutcome) -> Verdict {
    if outcome.left_in_trash > 0 {
        return Verdict::GiveUp("trash");
    }
    match (origin, account) {
        // Someone else's mail or her reply, in the watched account: it had to
        // be where mleg filed it; looking elsewhere could hit another mail.
        (Origin::Foreign | Origin::Staff, purges::WATCHED) if outcome.at_places == 0 => {
            Verdict::GiveUp("moved")
        }
        (Origin::Minted, purges::WATCHED) if !outcome.searched && outcome.at_places == 0 => {
            Verdict::GiveUp("unsearchable")
        }
        (Origin::Foreign, _) | (_, purges::WATCHED) => Verdict::Done(None),
        // Her own account holds no recorded place: an id that cannot be
        // searched for is left (the watched row reports it).
        _ if !outcome.searched => Verdict::Done(Some("not searched: unsafe id")),
        _ => Verdict::Done(None),
    }
}

/// The folders of this account searched for a row, by who chose its id:
/// mleg's own mail in `everywhere` (and the trash folder, and Gmail's All
/// Mail), the secretary's replies in `hers`, anyone else's nowhere.
async fn search_folders(
    mailbox: &mut Mailbox,
    origin: Origin,
    everywhere: &[&str],
    hers: &[&str],
) -> Result<Vec<String>, ImapError> {
    let mut folders: Vec<String> = match origin {
        Origin::Minted => everywhere.iter().map(|f| f.to_string()).collect(),
        Origin::Staff => hers.iter().map(|f| f.to_string()).collect(),
        Origin::Foreign => return Ok(Vec::new()),
    };
    let erasing = mailbox.erasing().await?;
    let mut extra: Vec<&str> = erasing.trash().into_iter().collect();
    // Her replies are looked for in the trash too, but not among All Mail,
    // which on Gmail also holds every mail someone else wrote.
    if origin == Origin::Minted {
        extra.extend(erasing.all_mail.as_deref());
    }
    for folder in extra {
        if !folders.iter().any(|f| f == folder) {
            folders.push(folder.to_owned());
        }
    }
    Ok(folders)
}

/// Deletes one row's mail from the account `mailbox` is logged in to.
async fn purge_row(
    mailbox: &mut Mailbox,
    row: &PendingPurge,
    (everywhere, hers): (&[&str], &[&str]),
    places: &[Recorded],
) -> Result<PurgeOutcome, ImapError> {
    let search = search_folders(mailbox, row.origin, everywhere, hers).await?;
    let search: Vec<&str> = search.iter().map(String::as_str).collect();
    let target = PurgeTarget {
        id: &row.message_id,
        places,
        search: &search,
    };
    mailbox.purge(target).await
}

/// Closes a row as `verdict` says; returns the mails it removed.
fn settle(
    app: &App,
    row: &PendingPurge,
    account: &'static str,
    outcome: &PurgeOutcome,
) -> Result<usize, IntakeError> {
    match verdict(row.origin, account, outcome) {
        Verdict::Done(warning) => {
            purges::mark_done(app.store().conn(), row.row, app.clock.now(), warning)?
        }
        Verdict::GiveUp(reason) => give_up(app, row, account, reason)?,
    }
    Ok(outcome.expunged())
}

/// Works off the watched account's rows, from every folder mleg files into
/// (and `sent_folder`, and the trash folder). Only a broken connection ends
/// the pass early.
pub(super) async fn expunge_purged(
    app: &App,
    mailbox: &mut Mailbox,
) -> Result<Expunged, IntakeError> {
    let pending = purges::pending(app.store().conn(), purges::WATCHED)?;
    let cfg = &app.config.imap;
    let everywhere = cfg.purge_folders();
    let hers: Vec<&str> = cfg.sent_folder.as_deref().into_iter().collect();
    let mut done = Expunged::default();
    for row in &pending {
        let places: Vec<Recorded> = purges::places(app.store().conn(), &row.message_id)?
            .into_iter()
            .map(|p| Recorded {
                folder: p.folder,
                uid_validity: p.uid_validity,
                uid: p.uid,
                size: p.size,
            })
            .collect();
        let folders = (&everywhere[..], &hers[..]);
        match purge_row(mailbox, row, folders, &places).await {
            Ok(outcome) => {
                let n = settle(app, row, purges::WATCHED, &outcome)?;
                done.add(row, n);
            }
            Err(e) => {
                failed(app, row, purges::WATCHED, &e)?;
                if !e.is_refusal() {
                    return Err(e.into());
                }
            }
        }
    }
    if done.parents + done.copies > 0 {
        info!(
            parents = done.parents,
            copies = done.copies,
            "mails expunged after purge"
        );
    }
    Ok(done)
}

/// Works off the rows of the secretary's own account (`[staff_mailbox]`):
/// mleg's mails and her own replies, searched for in her folders.
/// Her account being unreachable never fails the round: the rows wait.
pub(super) async fn expunge_staff_copies(app: &App) -> Result<usize, IntakeError> {
    let Some(cfg) = &app.config.staff_mailbox else {
        return Ok(0);
    };
    let pending = purges::pending(app.store().conn(), purges::STAFF)?;
    if pending.is_empty() {
        return Ok(0);
    }
    let mut mailbox = match Mailbox::connect(&cfg.imap).await {
        Ok((mailbox, _)) => mailbox,
        Err(e) => {
            warn!(error = %e, "cannot log in to the staff mailbox; purge retried next round");
            return Ok(0);
        }
    };
    let folders: Vec<&str> = cfg.folders.iter().map(String::as_str).collect();
    let mut expunged = 0;
    for row in &pending {
        match purge_row(&mut mailbox, row, (&folders, &folders), &[]).await {
            Ok(outcome) => expunged += settle(app, row, purges::STAFF, &outcome)?,
            Err(e) => {
                failed(app, row, purges::STAFF, &e)?;
                if !e.is_refusal() {
                    break;
                }
            }
        }
    }
    mailbox.logout().await;
    if expunged > 0 {
        info!(mails = expunged, "copies expunged from the staff mailbox");
    }
    Ok(expunged)
}

/// Counts a failed attempt; gives the row up after [`MAX_PURGE_TRIES`].
fn failed(
    app: &App,
    row: &PendingPurge,
    account: &'static str,
    e: &ImapError,
) -> Result<(), IntakeError> {
    let tries = purges::note_failure(app.store().conn(), row.row, &e.to_string())?;
    warn!(row = row.row, account, tries, error = %e, "purge of one mail failed");
    if tries >= MAX_PURGE_TRIES {
        give_up(app, row, account, "refused")?;
    }
    Ok(())
}

#[derive(Debug, Serialize)]
struct PurgeFailedView<'a> {
    school: &'a School,
    application_id: Option<i64>,
    /// "moved" (not where mleg filed it), "unsearchable", "trash" (left in
    /// the trash folder) or "refused".
    reason: &'a str,
    /// "parent" or "copy".
    kind: &'a str,
    message_id: String,
    sender: Option<String>,
    received_at: Option<String>,
    account: &'a str,
    folders: Vec<&'a str>,
}

/// Stops retrying a row and, in the same transaction, queues one mail
/// asking the secretary to delete the mail by hand.
fn give_up(
    app: &App,
    row: &PendingPurge,
    account: &'static str,
    reason: &'static str,
) -> Result<(), IntakeError> {
    let cfg = &app.config;
    let (user, mut folders, trash): (_, Vec<&str>, _) = match (&cfg.staff_mailbox, account) {
        (Some(m), purges::STAFF) => (
            &m.imap.user,
            m.folders.iter().map(String::as_str).collect(),
            &m.imap.trash_folder,
        ),
        _ => (
            &cfg.imap.user,
            cfg.imap.purge_folders(),
            &cfg.imap.trash_folder,
        ),
    };
    folders.extend(trash.as_deref());
    warn!(
        row = row.row,
        account, reason, "purge given up; the secretary is asked to delete the mail by hand"
    );
    let now = app.clock.now();
    app.store().transaction(|tx| -> Result<(), IntakeError> {
        let origin = purges::mail_origin(tx, &row.message_id)?;
        let view = PurgeFailedView {
            school: &cfg.school,
            application_id: row.application_id,
            reason,
            kind: &row.kind,
            message_id: message_id::for_display(&row.message_id),
            sender: origin.as_ref().and_then(|o| o.0.clone()),
            received_at: origin.map(|o| o.1),
            account: user,
            folders,
        };
        let mail = render(app, &view, cfg.staff.notify.clone(), row.application_id)?;
        outbox::enqueue(tx, &mail, cfg.smtp.from.domain(), now)?;
        purges::mark_failed(tx, row.row, now, reason)?;
        Ok(())
    })
}

fn render(
    app: &App,
    view: &PurgeFailedView<'_>,
    to: EmailAddress,
    application_id: Option<i64>,
) -> Result<OutgoingMail, IntakeError> {
    let r = app.templates.render("staff_purge_failed", view)?;
    Ok(OutgoingMail {
        kind: MailKind::StaffPurgeFailed,
        application_id,
        to,
        subject: r.subject,
        body: r.body,
        in_reply_to: None,
        references: vec![],
        attachments: vec![],
    })
}

#[cfg(test)]
#[path = "purge_tests.rs"]
mod tests;
