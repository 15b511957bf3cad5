//! Expunging purged mail from the mailboxes: the parents' mails with the
//! child's photo and every copy mleg or the secretary made (the school's rule).
//!
//! Each queued row is handled on its own: the mail is expunged only where
//! its own Message-ID header proves it is the one (see
//! [`crate::mail::imap::Mailbox::purge`]). A row the server refuses is
//! counted and retried next round without holding up the others; after
//! [`MAX_PURGE_TRIES`] — or at once when the id cannot be searched for safely
//! and the mail is not where mleg filed it — the secretary gets one mail
//! asking her to delete it by hand, and the row is left.

use serde::Serialize;
use tracing::{info, warn};

use super::IntakeError;
use crate::app::App;
use crate::config::School;
use crate::domain::EmailAddress;
use crate::mail::imap::{Filed, ImapError, Mailbox};
use crate::mail::message_id;
use crate::mail::outgoing::{MailKind, OutgoingMail};
use crate::store::outbox;
use crate::store::purges::{self, PendingPurge};

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

/// Works off the watched account's rows, from every folder mleg files into
/// (and `sent_folder`). Only a broken connection ends the pass early.
pub(super) async fn expunge_purged(
    app: &App,
    mailbox: &mut Mailbox,
) -> Result<Expunged, IntakeError> {
    let pending = purges::pending(app.store().conn(), purges::WATCHED)?;
    let folders = app.config.imap.purge_folders();
    let mut done = Expunged::default();
    for row in &pending {
        let places: Vec<Filed> = purges::places(app.store().conn(), &row.message_id)?
            .into_iter()
            .map(|p| Filed {
                folder: p.folder,
                uid_validity: p.uid_validity,
                uid: p.uid,
            })
            .collect();
        match mailbox.purge(&row.message_id, &places, &folders).await {
            Ok(outcome) if !outcome.searched && outcome.expunged == 0 => {
                // Not where mleg filed it, and searching could hit other mail.
                give_up(app, row, purges::WATCHED, "unsearchable")?;
            }
            Ok(outcome) => {
                let warning = (!outcome.searched).then_some("expunged by recorded UID only");
                purges::mark_done(app.store().conn(), row.row, app.clock.now(), warning)?;
                done.add(row, outcome.expunged);
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

/// Works off the rows of the secretary's own account (`[staff_mailbox]`).
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
        match mailbox.purge(&row.message_id, &[], &folders).await {
            Ok(outcome) => {
                // There is no recorded place in her account: an id that
                // cannot be searched for is left (the watched row reports it).
                let warning = (!outcome.searched).then_some("not searched: unsafe id");
                purges::mark_done(app.store().conn(), row.row, app.clock.now(), warning)?;
                expunged += outcome.expunged;
            }
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
    /// "unsearchable" or "refused".
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
    let (user, folders) = match (&cfg.staff_mailbox, account) {
        (Some(m), purges::STAFF) => (&m.imap.user, m.folders.iter().map(String::as_str).collect()),
        _ => (&cfg.imap.user, cfg.imap.purge_folders()),
    };
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
mod tests {
    use super::PurgeFailedView;
    use crate::config::{Language, School};
    use crate::templates::Templates;

    #[test]
    fn the_delete_by_hand_mail_names_no_child_and_says_where_to_look() {
        let school = School {
            name: "SP 1".into(),
            address: String::new(),
            office_hours: String::new(),
        };
        let view = PurgeFailedView {
            school: &school,
            application_id: Some(12),
            reason: "refused",
            kind: "parent",
            message_id: crate::mail::message_id::for_display("ab\r\n cd@szkola.test"),
            sender: Some("rodzic@example.pl".into()),
            received_at: Some("2026-11-23T09:00:00Z".into()),
            account: "szkola@szkola.test",
            folders: vec!["INBOX", "Sent"],
        };
        for (lang, words) in [(Language::Pl, "ręcznie"), (Language::En, "by hand")] {
            let r = Templates::new(lang, None)
                .render("staff_purge_failed", &view)
                .unwrap();
            assert!(
                r.subject.contains("#12") && r.subject.contains(words),
                "{}",
                r.subject
            );
            for needle in ["<ab?? cd@szkola.test>", "rodzic@example.pl", "INBOX, Sent"] {
                assert!(r.body.contains(needle), "{needle} missing: {}", r.body);
            }
        }
    }

    #[test]
    fn the_notification_says_who_deletes_it_in_both_languages() {
        let ctx = |deleted: bool| {
            serde_json::json!({
                "school": {"name": "SP 1"}, "process": "portal", "sender": "r@example.pl",
                "later_match": false, "deleted_by_mleg": deleted,
                "photo": {"file_name": "a.jpg", "width": 1, "height": 1, "kb": 1},
                "student": {"id": 1, "first_names": "A", "last_name": "B", "full_name": "A B",
                    "class": "3A", "pesel": "x", "birth_date": "x", "code_to_student": false,
                    "parent_email": "r@example.pl", "token": "t"},
            })
        };
        for (lang, own) in [
            (Language::Pl, "usunąć samodzielnie"),
            (Language::En, "delete this mail yourself"),
        ] {
            let t = Templates::new(lang, None);
            let mine = t.render("staff_photo", &ctx(false)).unwrap().body;
            let theirs = t.render("staff_photo", &ctx(true)).unwrap().body;
            assert!(mine.contains(own), "{mine}");
            assert!(!theirs.contains(own), "{theirs}");
        }
    }
}
