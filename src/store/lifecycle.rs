//! The secretary's side of an application: activation codes, hand-over, the
//! audit log of staff commands, and purging a parent's photo.
//!
//! Purging is the school's rule: once the code is entered (or the application
//! is rejected or cancelled) the photo bytes are deleted (`secure_delete`
//! overwrites them) and the parent's original mails are queued for expunging
//! from the IMAP mailbox by the intake worker.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Result, Tx, parse_ts, ts};
use crate::domain::CodeInfo;
use crate::workflow::lifecycle::CodeRecord;

pub fn record_code(
    conn: Tx<'_>,
    id: i64,
    code: &CodeRecord,
    qr_content: Option<&str>,
) -> Result<()> {
    conn.execute(
        "UPDATE applications SET activation_code = ?2, qr_content = ?3, code_generated_at = ?4,
            code_expires_at = ?5 WHERE id = ?1",
        params![
            id,
            code.code,
            qr_content,
            ts(code.generated_at),
            ts(code.expires_at)
        ],
    )?;
    Ok(())
}

pub fn record_handed_over(conn: Tx<'_>, id: i64, at: DateTime<Utc>, by: &str) -> Result<()> {
    conn.execute(
        "UPDATE applications SET handed_over_at = ?2, handed_over_by = ?3 WHERE id = ?1",
        params![id, ts(at), by],
    )?;
    Ok(())
}

/// Deletes the activation code and its QR content once the family can no
/// longer use it (handed over, expired, closed); its dates stay, so the
/// reminders after hand-over and `apps show` still tell when it expires.
pub fn forget_code(conn: Tx<'_>, id: i64) -> Result<()> {
    conn.execute(
        "UPDATE applications SET activation_code = '', qr_content = NULL
         WHERE id = ?1 AND activation_code IS NOT NULL",
        [id],
    )?;
    Ok(())
}

/// The recorded code; after [`forget_code`] its `code` is empty.
pub fn code_info(conn: Tx<'_>, id: i64) -> Result<Option<CodeInfo>> {
    let row = conn
        .query_row(
            "SELECT activation_code, qr_content, code_generated_at, code_expires_at, handed_over_at,
                handed_over_by FROM applications WHERE id = ?1 AND activation_code IS NOT NULL",
            [id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, Option<String>>(5)?,
                ))
            },
        )
        .optional()?;
    row.map(
        |(code, qr_content, generated, expires, handed_at, handed_by)| {
            Ok(CodeInfo {
                code,
                qr_content,
                generated_at: parse_ts(&generated)?,
                expires_at: parse_ts(&expires)?,
                handed_over_at: handed_at.as_deref().map(parse_ts).transpose()?,
                handed_over_by: handed_by,
            })
        },
    )
    .transpose()
}

/// One line of the audit log.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    /// "mail:sekretariat@…" or "cli:jkowalska".
    pub actor: String,
    /// "mail" or "cli".
    pub source: String,
    pub message_id: Option<String>,
    pub application_id: Option<i64>,
    /// The command as understood ("approve", "code", …) or "unauthorised".
    pub command: String,
    /// "accepted", "already_done", "refused", "help", "rejected_sender", "rejected_token", …
    pub outcome: String,
    pub detail: String,
}

pub fn audit(conn: Tx<'_>, e: &AuditEntry) -> Result<()> {
    conn.execute(
        "INSERT INTO audit (at, actor, source, message_id, application_id, command, outcome, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![ts(e.at), e.actor, e.source, e.message_id, e.application_id, e.command, e.outcome, e.detail],
    )?;
    Ok(())
}

/// The audit log, optionally for one application, oldest first.
pub fn audit_log(conn: Tx<'_>, application: Option<i64>) -> Result<Vec<AuditEntry>> {
    let mut stmt = conn.prepare(
        "SELECT at, actor, source, message_id, application_id, command, outcome, detail FROM audit
         WHERE ?1 IS NULL OR application_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([application], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
            r.get(7)?,
        ))
    })?;
    rows.map(|r| {
        let (at, actor, source, message_id, application_id, command, outcome, detail) = r?;
        Ok(AuditEntry {
            at: parse_ts(&at)?,
            actor,
            source,
            message_id,
            application_id,
            command,
            outcome,
            detail,
        })
    })
    .collect()
}

/// Deletes every stored image of an application (and unsent copies in the
/// outbox) and queues the parent's original mails, and every copy mleg or the
/// secretary made, for expunging. Returns how many photos were purged.
pub fn purge_photos(conn: Tx<'_>, id: i64, now: DateTime<Utc>) -> Result<usize> {
    // Every mail holding the child's photo or code, in every account.
    super::purges::queue_application(conn, id, now)?;
    let purged = conn.execute(
        "UPDATE photos SET data = NULL, purged_at = ?2 WHERE application_id = ?1 AND data IS NOT NULL",
        params![id, ts(now)],
    )?;
    // The photo's only other copy is the secretary's notification. Unsent, it
    // is cancelled (it would say "photo attached" with nothing attached);
    // sent or not, its attachment goes.
    conn.execute(
        "UPDATE outbox SET failed_at = ?2, last_error = 'cancelled: photo purged before sending'
         WHERE application_id = ?1 AND kind = 'staff_photo' AND sent_at IS NULL AND failed_at IS NULL",
        params![id, ts(now)],
    )?;
    conn.execute(
        "DELETE FROM outbox_attachments WHERE outbox_id IN
            (SELECT id FROM outbox WHERE application_id = ?1 AND kind = 'staff_photo')",
        [id],
    )?;
    Ok(purged)
}

/// Remembers a parent's mail about an application (a refused photo), so a
/// purge expunges it too.
pub fn link_mail(conn: Tx<'_>, id: i64, message_id: &str) -> Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO application_mails (application_id, message_id) VALUES (?1, ?2)",
        params![id, message_id],
    )?;
    Ok(())
}

/// Moves every page SQLite still keeps in its write-ahead log into the main
/// file and empties the log, so purged bytes do not linger in `-wal`.
/// Returns false when a reader kept it from finishing; the daemon calls it
/// again every round, so it completes soon after.
pub fn flush_wal(conn: Tx<'_>) -> Result<bool> {
    let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
    Ok(busy == 0)
}

/// The application a staff token belongs to.
pub fn by_token(conn: Tx<'_>, token: &str) -> Result<Option<i64>> {
    Ok(conn
        .query_row(
            "SELECT id FROM applications WHERE token = ?1",
            [token],
            |r| r.get(0),
        )
        .optional()?)
}

/// The photo notifications sent for an application: (outbox row, Message-ID), oldest first.
pub fn photo_notifications(conn: Tx<'_>, id: i64) -> Result<Vec<(i64, String)>> {
    let mut stmt = conn.prepare(
        "SELECT id, message_id FROM outbox WHERE application_id = ?1 AND kind = 'staff_photo' ORDER BY id",
    )?;
    let rows = stmt.query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The application a mail `mleg` sent to staff was about (by its Message-ID).
pub fn staff_mail_application(conn: Tx<'_>, message_id: &str) -> Result<Option<i64>> {
    Ok(conn
        .query_row(
            "SELECT application_id FROM outbox WHERE message_id = ?1 AND kind LIKE 'staff_%'
             AND application_id IS NOT NULL",
            [message_id],
            |r| r.get(0),
        )
        .optional()?)
}
