//! The IMAP expunge queue: which mails must leave which account after a
//! photo purge, and how each attempt went.
//!
//! A purge queues one row per (Message-ID, account): the parents' own mails
//! and every copy of the child's photo, PESEL or code that `mleg`, the
//! secretary or a mail server made (the notification, her replies to it, the
//! slip, the parent's code mail, a delivery report returning one of them).
//! Each row says who chose its Message-ID ([`Origin`]): only an id mleg
//! minted, or one of the secretary's own replies, is ever searched for; any
//! other mail is expunged only where mleg filed it. The intake worker works
//! the rows off; a row the server keeps refusing is retried a few times,
//! then reported to the secretary and left, so it never blocks the others.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Result, Tx, ts};

/// The account mleg reads (`[imap]`).
pub const WATCHED: &str = "watched";
/// The secretary's own account (`[staff_mailbox]`).
pub const STAFF: &str = "staff";

/// Outbox kinds that carry the child's photo, PESEL or activation code.
const COPY_KINDS: &str = "'staff_photo', 'staff_slip', 'parent_code_email'";

/// Who chose a queued mail's Message-ID, which decides where it may be looked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Origin {
    /// mleg (an outbox row): searched for in every folder it cleans.
    Minted,
    /// The secretary's command mail (her address and the token were checked):
    /// at its recorded place, and searched for among her own sent mail.
    Staff,
    /// Its sender (a parent, a stranger, a mail server): only at the place
    /// mleg recorded when it filed it, never searched for.
    Foreign,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Minted => "minted",
            Origin::Staff => "staff",
            Origin::Foreign => "foreign",
        }
    }

    fn parse(s: &str) -> Origin {
        match s {
            "minted" => Origin::Minted,
            "staff" => Origin::Staff,
            // The safe reading of anything unknown: never searched for.
            _ => Origin::Foreign,
        }
    }
}

/// What a mail linked to an application is (`application_mails.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Linked {
    /// A parent's or a stranger's mail with a photo of the child.
    Parent,
    /// The secretary's command mail about the application (it quotes the notification).
    Staff,
    /// A mail mleg wrote that carries the photo (a held photo's notification).
    Notice,
    /// A delivery report returning one of the application's mails.
    Bounce,
    /// Another mail someone else wrote about the application (a command
    /// from an address not on the staff list).
    Foreign,
    /// A "needs a human" note quoting a parent's mail: purged once the
    /// application is closed.
    Note,
}

impl Linked {
    fn as_str(self) -> &'static str {
        match self {
            Linked::Parent => "parent",
            Linked::Staff => "staff",
            Linked::Notice => "notice",
            Linked::Bounce => "bounce",
            Linked::Foreign => "foreign",
            Linked::Note => "note",
        }
    }
}

/// Queues, for the accounts it may be in, every mail of application `id` that
/// holds the child's photo, PESEL or code. A mail already queued for an
/// account is not queued again.
pub fn queue_application(conn: Tx<'_>, id: i64, now: DateTime<Utc>) -> Result<()> {
    // Once the application is closed its "needs a human" notes, which quote
    // a parent's mail, go at its purge too.
    let closed = super::statuses(crate::domain::Status::is_closed);
    let rows: Vec<(String, String, String)> = {
        let mut stmt = conn.prepare(&format!(
            "SELECT source_message_id, 'parent', 'foreign' FROM photos
                WHERE application_id = ?1 AND source_message_id IS NOT NULL
             UNION SELECT message_id,
                    CASE kind WHEN 'parent' THEN 'parent' ELSE 'copy' END,
                    CASE kind WHEN 'staff' THEN 'staff' WHEN 'notice' THEN 'minted'
                        WHEN 'note' THEN 'minted' ELSE 'foreign' END
                FROM application_mails WHERE application_id = ?1
                AND (kind != 'note' OR EXISTS (SELECT 1 FROM applications
                    WHERE id = ?1 AND status IN ({closed})))
             UNION SELECT message_id, 'copy', 'minted' FROM outbox
                WHERE application_id = ?1 AND kind IN ({COPY_KINDS})"
        ))?;
        stmt.query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?
    };
    for (message_id, kind, origin) in &rows {
        queue_mail(conn, message_id, kind, Origin::parse(origin), Some(id), now)?;
    }
    Ok(())
}

/// Queues one mail ("parent" or "copy"), unless already queued there: in the
/// watched account always, in the secretary's only when it is mleg's or hers
/// (a foreign mail is never looked for there).
pub fn queue_mail(
    conn: Tx<'_>,
    message_id: &str,
    kind: &str,
    origin: Origin,
    application_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<()> {
    let accounts: &[&str] = match origin {
        Origin::Foreign => &[WATCHED],
        Origin::Minted | Origin::Staff => &[WATCHED, STAFF],
    };
    for account in accounts {
        conn.execute(
            "INSERT INTO imap_purges (message_id, created_at, application_id, kind, account, origin)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE NOT EXISTS
                (SELECT 1 FROM imap_purges WHERE message_id = ?1 AND account = ?5)",
            params![
                message_id,
                ts(now),
                application_id,
                kind,
                account,
                origin.as_str()
            ],
        )?;
    }
    Ok(())
}

/// Remembers a mail about application `id` that holds the child's data, so
/// the application's purge expunges it too.
pub fn link(conn: Tx<'_>, id: i64, message_id: &str, what: Linked) -> Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO application_mails (application_id, message_id, kind)
         VALUES (?1, ?2, ?3)",
        params![id, message_id, what.as_str()],
    )?;
    Ok(())
}

/// A delivery report `report` (its own Message-ID) returning the mails
/// `returned`: it quotes them, so it is linked to the application of each
/// that mleg sent, and queued at once when that mail was queued already
/// (the application was purged before the report came).
pub fn link_report(
    conn: Tx<'_>,
    report: &str,
    returned: &[String],
    now: DateTime<Utc>,
) -> Result<()> {
    for id in returned {
        let application: Option<i64> = conn
            .query_row(
                "SELECT application_id FROM outbox WHERE message_id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        let Some(application) = application else {
            continue;
        };
        link(conn, application, report, Linked::Bounce)?;
        let purged: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM imap_purges WHERE message_id = ?1)",
            [id],
            |r| r.get(0),
        )?;
        if purged {
            queue_mail(
                conn,
                report,
                "copy",
                Origin::Foreign,
                Some(application),
                now,
            )?;
        }
    }
    Ok(())
}

/// One mail still to expunge from one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingPurge {
    pub row: i64,
    pub message_id: String,
    /// "parent" or "copy".
    pub kind: String,
    pub application_id: Option<i64>,
    pub origin: Origin,
}

/// Rows of `account` neither done nor given up, oldest first.
pub fn pending(conn: Tx<'_>, account: &str) -> Result<Vec<PendingPurge>> {
    let mut stmt = conn.prepare(
        "SELECT id, message_id, kind, application_id, origin FROM imap_purges
         WHERE account = ?1 AND done_at IS NULL AND failed_at IS NULL ORDER BY id",
    )?;
    let rows = stmt.query_map([account], |r| {
        Ok(PendingPurge {
            row: r.get(0)?,
            message_id: r.get(1)?,
            kind: r.get(2)?,
            application_id: r.get(3)?,
            origin: Origin::parse(&r.get::<_, String>(4)?),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A place where mleg knows a mail is (or was): folder, UIDVALIDITY, UID,
/// and the size the server gave at intake (None if recorded before sizes were kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub folder: String,
    pub uid_validity: u32,
    pub uid: u32,
    pub size: Option<u32>,
}

/// Where the watched mailbox's mails with this Message-ID were recorded:
/// the folder they were moved to (when the server said), or the watched
/// mailbox itself while not moved yet.
pub fn places(conn: Tx<'_>, message_id: &str) -> Result<Vec<Place>> {
    let mut stmt = conn.prepare(
        "SELECT filed_folder, filed_uid_validity, filed_uid, size FROM messages
            WHERE message_id = ?1 AND filed_uid IS NOT NULL
         UNION SELECT mailbox, uid_validity, uid, size FROM messages
            WHERE message_id = ?1 AND moved_at IS NULL",
    )?;
    let rows = stmt.query_map([message_id], |r| {
        Ok(Place {
            folder: r.get(0)?,
            uid_validity: r.get(1)?,
            uid: r.get(2)?,
            size: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Closes a row; `warning` says why it was closed without certainty.
pub fn mark_done(conn: Tx<'_>, row: i64, now: DateTime<Utc>, warning: Option<&str>) -> Result<()> {
    conn.execute(
        "UPDATE imap_purges SET done_at = ?2, warning = ?3 WHERE id = ?1",
        params![row, ts(now), warning],
    )?;
    Ok(())
}

/// Counts one more failed attempt; returns the count so far.
pub fn note_failure(conn: Tx<'_>, row: i64, error: &str) -> Result<u32> {
    conn.execute(
        "UPDATE imap_purges SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
        params![row, error],
    )?;
    Ok(conn.query_row(
        "SELECT attempts FROM imap_purges WHERE id = ?1",
        [row],
        |r| r.get(0),
    )?)
}

/// Stops retrying a row: the secretary was asked to delete the mail by hand.
pub fn mark_failed(conn: Tx<'_>, row: i64, now: DateTime<Utc>, why: &str) -> Result<()> {
    conn.execute(
        "UPDATE imap_purges SET failed_at = ?2, warning = ?3 WHERE id = ?1",
        params![row, ts(now), why],
    )?;
    Ok(())
}

/// Who sent a handled mail and when it was handled, for the secretary's
/// "delete by hand" mail.
pub fn mail_origin(conn: Tx<'_>, message_id: &str) -> Result<Option<(Option<String>, String)>> {
    Ok(conn
        .query_row(
            "SELECT sender, received_at FROM messages WHERE message_id = ?1 ORDER BY id LIMIT 1",
            [message_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

#[cfg(test)]
#[path = "purges_tests.rs"]
mod tests;
