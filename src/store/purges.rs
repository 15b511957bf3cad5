//! The IMAP expunge queue: which mails must leave which account after a
//! photo purge, and how each attempt went.
//!
//! A purge queues one row per (Message-ID, account): the parents' own mails
//! and every copy of the child's photo or code that `mleg` or the secretary
//! made (the notification, her command mails with images, the slip, the
//! parent's code mail). The intake worker works the rows off; a row the
//! server keeps refusing is retried a few times, then reported to the
//! secretary and left, so it never blocks the others.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Result, Tx, ts};

/// The account mleg reads (`[imap]`).
pub const WATCHED: &str = "watched";
/// The secretary's own account (`[staff_mailbox]`).
pub const STAFF: &str = "staff";

/// Outbox kinds that carry the child's photo, PESEL or activation code.
const COPY_KINDS: &str = "'staff_photo', 'staff_slip', 'staff_needs_human', 'parent_code_email'";

/// Queues, for both accounts, every mail of application `id` that holds the
/// child's photo or code. A mail already queued for an account is not queued again.
pub fn queue_application(conn: Tx<'_>, id: i64, now: DateTime<Utc>) -> Result<()> {
    let rows: Vec<(String, String)> = {
        let mut stmt = conn.prepare(&format!(
            "SELECT source_message_id, 'parent' FROM photos
                WHERE application_id = ?1 AND source_message_id IS NOT NULL
             UNION SELECT message_id, kind FROM application_mails WHERE application_id = ?1
             UNION SELECT message_id, 'copy' FROM outbox
                WHERE application_id = ?1 AND kind IN ({COPY_KINDS})"
        ))?;
        stmt.query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?
    };
    for (message_id, kind) in &rows {
        queue_mail(conn, message_id, kind, Some(id), now)?;
    }
    Ok(())
}

/// Queues one mail for both accounts ("parent" or "copy"), unless already queued there.
pub fn queue_mail(
    conn: Tx<'_>,
    message_id: &str,
    kind: &str,
    application_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<()> {
    for account in [WATCHED, STAFF] {
        conn.execute(
            "INSERT INTO imap_purges (message_id, created_at, application_id, kind, account)
             SELECT ?1, ?2, ?3, ?4, ?5 WHERE NOT EXISTS
                (SELECT 1 FROM imap_purges WHERE message_id = ?1 AND account = ?5)",
            params![message_id, ts(now), application_id, kind, account],
        )?;
    }
    Ok(())
}

/// Remembers a secretary's command mail that carried images (a QR
/// screenshot), so a purge of the application expunges it too.
pub fn link_copy(conn: Tx<'_>, id: i64, message_id: &str) -> Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO application_mails (application_id, message_id, kind)
         VALUES (?1, ?2, 'copy')",
        params![id, message_id],
    )?;
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
}

/// Rows of `account` neither done nor given up, oldest first.
pub fn pending(conn: Tx<'_>, account: &str) -> Result<Vec<PendingPurge>> {
    let mut stmt = conn.prepare(
        "SELECT id, message_id, kind, application_id FROM imap_purges
         WHERE account = ?1 AND done_at IS NULL AND failed_at IS NULL ORDER BY id",
    )?;
    let rows = stmt.query_map([account], |r| {
        Ok(PendingPurge {
            row: r.get(0)?,
            message_id: r.get(1)?,
            kind: r.get(2)?,
            application_id: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A place where mleg knows a mail is (or was): folder, UIDVALIDITY, UID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub folder: String,
    pub uid_validity: u32,
    pub uid: u32,
}

/// Where the watched mailbox's mails with this Message-ID were recorded:
/// the folder they were moved to (when the server said), or the watched
/// mailbox itself while not moved yet.
pub fn places(conn: Tx<'_>, message_id: &str) -> Result<Vec<Place>> {
    let mut stmt = conn.prepare(
        "SELECT filed_folder, filed_uid_validity, filed_uid FROM messages
            WHERE message_id = ?1 AND filed_uid IS NOT NULL
         UNION SELECT mailbox, uid_validity, uid FROM messages
            WHERE message_id = ?1 AND moved_at IS NULL",
    )?;
    let rows = stmt.query_map([message_id], |r| {
        Ok(Place {
            folder: r.get(0)?,
            uid_validity: r.get(1)?,
            uid: r.get(2)?,
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
