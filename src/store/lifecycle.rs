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

/// Records a new code as the application's current one; the code it
/// replaces (a wrong one, or one that expired) points to it.
pub fn record_code(
    conn: Tx<'_>,
    id: i64,
    code: &CodeRecord,
    qr_content: Option<&str>,
) -> Result<()> {
    let previous = current_code_id(conn, id)?;
    conn.execute(
        "INSERT INTO codes (application_id, code, qr_content, issued_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            id,
            code.code,
            qr_content,
            ts(code.generated_at),
            ts(code.expires_at)
        ],
    )?;
    let new = conn.last_insert_rowid();
    if let Some(old) = previous {
        conn.execute(
            "UPDATE codes SET replaced_by = ?2 WHERE id = ?1",
            params![old, new],
        )?;
    }
    Ok(())
}

fn current_code_id(conn: Tx<'_>, id: i64) -> Result<Option<i64>> {
    Ok(conn
        .query_row(
            "SELECT id FROM codes WHERE application_id = ?1 AND replaced_by IS NULL
             ORDER BY id DESC LIMIT 1",
            [id],
            |r| r.get(0),
        )
        .optional()?)
}

/// How a code reached the family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandOver {
    /// The secretary's `WYDANO`.
    Handed,
    /// The parent's `AKTYWOWANO`: activated as well.
    Activated,
}

/// Records the hand-over of the current code (an application without a
/// code, under SIO, has only its history). `to` is "parent" or "student".
pub fn record_handed_over(
    conn: Tx<'_>,
    id: i64,
    at: DateTime<Utc>,
    by: &str,
    how: HandOver,
    to: &str,
) -> Result<()> {
    let (how, activated) = match how {
        HandOver::Handed => ("handed", None),
        HandOver::Activated => ("activated", Some(ts(at))),
    };
    conn.execute(
        "UPDATE codes SET handed_over_at = ?2, handed_over_by = ?3, handed_over_how = ?4,
            handed_over_to = ?5, activated_at = COALESCE(?6, activated_at)
         WHERE application_id = ?1 AND replaced_by IS NULL",
        params![id, ts(at), by, how, to, activated],
    )?;
    Ok(())
}

/// Deletes the activation codes and their QR content once the family can
/// no longer use them (handed over, expired, closed): the current one and
/// any it replaced. Their dates stay, so the reminders after hand-over and
/// `apps show` still tell when it expires.
pub fn forget_code(conn: Tx<'_>, id: i64) -> Result<()> {
    conn.execute(
        "UPDATE codes SET code = '', qr_content = NULL
         WHERE application_id = ?1 AND (code != '' OR qr_content IS NOT NULL)",
        [id],
    )?;
    Ok(())
}

/// Marks the current code as lapsed unused.
pub fn record_code_expired(conn: Tx<'_>, id: i64, at: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "UPDATE codes SET expired_at = ?2
         WHERE application_id = ?1 AND replaced_by IS NULL AND expired_at IS NULL",
        params![id, ts(at)],
    )?;
    Ok(())
}

/// Marks the current code invalidated for `reason` (a stable id).
pub fn invalidate_code(conn: Tx<'_>, id: i64, at: DateTime<Utc>, reason: &str) -> Result<()> {
    conn.execute(
        "UPDATE codes SET invalidated_at = ?2, invalidated_reason = ?3
         WHERE application_id = ?1 AND replaced_by IS NULL AND invalidated_at IS NULL",
        params![id, ts(at), reason],
    )?;
    Ok(())
}

const CODE_COLUMNS: &str = "id, code, qr_content, issued_at, expires_at, handed_over_at,
    handed_over_by, handed_over_how, handed_over_to, activated_at, expired_at, invalidated_at,
    invalidated_reason, replaced_by";

/// A `codes` row as read, times still text.
struct RawCode {
    id: i64,
    code: String,
    qr_content: Option<String>,
    times: [Option<String>; 6],
    handed_over_by: Option<String>,
    handed_over_how: Option<String>,
    handed_over_to: Option<String>,
    invalidated_reason: Option<String>,
    replaced_by: Option<i64>,
}

fn code_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawCode> {
    Ok(RawCode {
        id: r.get(0)?,
        code: r.get(1)?,
        qr_content: r.get(2)?,
        // issued, expires, handed over, activated, expired, invalidated
        times: [
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(9)?,
            r.get(10)?,
            r.get(11)?,
        ],
        handed_over_by: r.get(6)?,
        handed_over_how: r.get(7)?,
        handed_over_to: r.get(8)?,
        invalidated_reason: r.get(12)?,
        replaced_by: r.get(13)?,
    })
}

fn to_code_info(raw: RawCode) -> Result<CodeInfo> {
    let [issued, expires, handed, activated, expired, invalidated] =
        raw.times.map(|t| t.as_deref().map(parse_ts).transpose());
    let corrupt = || super::StoreError::Corrupt(format!("code #{} without dates", raw.id));
    Ok(CodeInfo {
        id: raw.id,
        code: raw.code,
        qr_content: raw.qr_content,
        generated_at: issued?.ok_or_else(corrupt)?,
        expires_at: expires?.ok_or_else(corrupt)?,
        handed_over_at: handed?,
        handed_over_by: raw.handed_over_by,
        handed_over_how: raw.handed_over_how,
        handed_over_to: raw.handed_over_to,
        activated_at: activated?,
        expired_at: expired?,
        invalidated_at: invalidated?,
        invalidated_reason: raw.invalidated_reason,
        replaced_by: raw.replaced_by,
    })
}

/// The application's current code (the one no newer code replaced), if it
/// ever had one.
pub fn code_info(conn: Tx<'_>, id: i64) -> Result<Option<CodeInfo>> {
    let row = conn
        .query_row(
            &format!(
                "SELECT {CODE_COLUMNS} FROM codes WHERE application_id = ?1
                 AND replaced_by IS NULL ORDER BY id DESC LIMIT 1"
            ),
            [id],
            code_row,
        )
        .optional()?;
    row.map(to_code_info).transpose()
}

/// Every code the application had, oldest first.
pub fn codes(conn: Tx<'_>, id: i64) -> Result<Vec<CodeInfo>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {CODE_COLUMNS} FROM codes WHERE application_id = ?1 ORDER BY id"
    ))?;
    let rows = stmt.query_map([id], code_row)?;
    rows.map(|r| to_code_info(r?)).collect()
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
        // A photo kept for a reissue (`kept_photos`) has its own deadline.
        "UPDATE photos SET data = NULL, purged_at = ?2
         WHERE application_id = ?1 AND data IS NOT NULL AND kept_until IS NULL",
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
