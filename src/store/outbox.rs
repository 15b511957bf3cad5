//! The outbox: mails waiting to be sent.
//!
//! A mail is inserted in the same transaction as the state change that causes
//! it, with its Message-ID fixed at that moment; the delivery worker sends
//! pending rows and marks them sent. A crash between "SMTP accepted" and
//! "marked sent" re-sends the row with the same Message-ID, which mail
//! clients show as one message — the narrowest window SMTP allows. The
//! `sending` mark ([`super::delivery`]) tells such a row apart after a crash.

use chrono::{DateTime, Duration, Utc};
use rusqlite::params;

use super::{Result, StoreError, Tx, parse_ts, ts};
use crate::domain::EmailAddress;
use crate::mail::outgoing::{OutAttachment, OutgoingMail};

/// Queues a mail; returns its Message-ID (without `<>`).
pub fn enqueue(
    conn: Tx<'_>,
    mail: &OutgoingMail,
    from_domain: &str,
    now: DateTime<Utc>,
) -> Result<String> {
    let message_id = format!("mleg.{}@{}", uuid::Uuid::new_v4().simple(), from_domain);
    conn.execute(
        "INSERT INTO outbox (created_at, kind, application_id, recipient, subject, body, message_id,
            in_reply_to, refs, next_attempt_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?1)",
        params![
            ts(now),
            mail.kind.as_str(),
            mail.application_id,
            mail.to.as_str(),
            mail.subject,
            mail.body,
            message_id,
            mail.in_reply_to,
            mail.references.join(" "),
        ],
    )?;
    let id = conn.last_insert_rowid();
    if let (true, Some(app)) = (mail.kind.asks_for_a_command(), mail.application_id) {
        // The token in the subject is what her reply carries back.
        for token in crate::domain::staff::tokens_in(&mail.subject) {
            super::tokens::issue(conn, &token, app, &message_id, now)?;
        }
    }
    for a in &mail.attachments {
        // A stored photo is referred to, not copied: one copy of a child's
        // photo in the file, and no blob to write now or overwrite later.
        let data = a.stored_photo.is_none().then_some(&a.data);
        conn.execute(
            "INSERT INTO outbox_attachments (outbox_id, file_name, content_type, data, photo_id)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, a.file_name, a.content_type, data, a.stored_photo],
        )?;
    }
    Ok(message_id)
}

/// A queued mail as the delivery worker sees it.
#[derive(Debug, Clone)]
pub struct Queued {
    pub id: i64,
    pub to: EmailAddress,
    pub subject: String,
    pub body: String,
    pub message_id: String,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub attempts: u32,
    pub attachments: Vec<OutAttachment>,
}

/// Which rows go first: parents' replies before staff notifications (a
/// parent waits at the screen; the secretary reads her mail in batches).
const PRIORITY_ORDER: &str = "ORDER BY (kind NOT LIKE 'parent%'), id";

/// Rows that may be sent now: pending, not in doubt, due.
const DUE: &str =
    "sent_at IS NULL AND failed_at IS NULL AND sending_at IS NULL AND next_attempt_at <= ?1";

/// Mails due for (another) attempt, parents' first, at most `limit`.
pub fn due(conn: Tx<'_>, now: DateTime<Utc>, limit: usize) -> Result<Vec<Queued>> {
    let mut out = Vec::new();
    for id in due_ids(conn, now)?.into_iter().take(limit) {
        out.extend(load(conn, id)?);
    }
    Ok(out)
}

/// The ids of every mail due now, parents' first. Only ids: the mails (and
/// their photos) are loaded one at a time, so a long queue costs no memory.
pub fn due_ids(conn: Tx<'_>, now: DateTime<Utc>) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT id FROM outbox WHERE {DUE} {PRIORITY_ORDER}"
    ))?;
    let rows = stmt.query_map([ts(now)], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One pending mail with its attachments (None once sent, failed or in doubt).
pub fn load(conn: Tx<'_>, id: i64) -> Result<Option<Queued>> {
    let row = conn.query_row(
        "SELECT recipient, subject, body, message_id, in_reply_to, refs, attempts FROM outbox
         WHERE id = ?1 AND sent_at IS NULL AND failed_at IS NULL AND sending_at IS NULL",
        [id],
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get::<_, String>(5)?,
                r.get(6)?,
            ))
        },
    );
    let (to, subject, body, message_id, in_reply_to, refs, attempts) = match row {
        Ok(r) => r,
        Err(rusqlite::Error::QueryReturnedNoRows) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    Ok(Some(Queued {
        id,
        to: EmailAddress::parse(&to).map_err(|e| StoreError::Corrupt(format!("recipient: {e}")))?,
        subject,
        body,
        message_id,
        in_reply_to,
        references: refs.split_whitespace().map(str::to_owned).collect(),
        attempts,
        attachments: attachments(conn, id)?,
    }))
}

/// A mail's attachments, a stored photo's bytes read now. One whose photo
/// was purged meanwhile is left out: its bytes are gone on purpose (a purge
/// cancels the notification itself, so this is only a safety net).
fn attachments(conn: Tx<'_>, outbox_id: i64) -> Result<Vec<OutAttachment>> {
    let mut stmt = conn.prepare(
        "SELECT a.file_name, a.content_type, COALESCE(a.data, p.data), a.photo_id
         FROM outbox_attachments a LEFT JOIN photos p ON p.id = a.photo_id
         WHERE a.outbox_id = ?1 ORDER BY a.id",
    )?;
    let rows = stmt.query_map([outbox_id], |r| {
        let (file_name, content_type, data, stored_photo): (_, _, Option<Vec<u8>>, _) =
            (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
        Ok(data.map(|data| OutAttachment {
            file_name,
            content_type,
            data,
            stored_photo,
        }))
    })?;
    let mut out = Vec::new();
    for row in rows {
        out.extend(row?);
    }
    Ok(out)
}

/// Marks a mail sent and drops its attachments: a sent mail keeps no bytes
/// (a stored photo's row only referred to it, so this overwrites no blob).
/// Call it inside a transaction: both statements must happen together.
pub fn mark_sent(conn: Tx<'_>, id: i64, now: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "UPDATE outbox SET sent_at = ?2, sending_at = NULL, attempts = attempts + 1 WHERE id = ?1",
        params![id, ts(now)],
    )?;
    conn.execute("DELETE FROM outbox_attachments WHERE outbox_id = ?1", [id])?;
    Ok(())
}

/// Records a failed attempt of this one mail (the server refused it, not
/// the server being down): a permanent refusal gives it up, anything else is
/// retried later with a growing delay. Returns whether it gave up. Age, not
/// the number of tries, ends a temporary failure (`super::delivery::expired`).
pub fn mark_failed(
    conn: Tx<'_>,
    id: i64,
    error: &str,
    permanent: bool,
    now: DateTime<Utc>,
) -> Result<bool> {
    let attempts: u32 = conn.query_row("SELECT attempts FROM outbox WHERE id = ?1", [id], |r| {
        r.get(0)
    })?;
    let attempts = attempts + 1;
    if permanent {
        conn.execute(
            "UPDATE outbox SET attempts = ?2, last_error = ?3, failed_at = ?4, sending_at = NULL
             WHERE id = ?1",
            params![id, attempts, error, ts(now)],
        )?;
    } else {
        // 1, 2, 4, … minutes, capped at an hour.
        let delay = Duration::minutes(1i64 << attempts.min(6)).min(Duration::hours(1));
        conn.execute(
            "UPDATE outbox SET attempts = ?2, last_error = ?3, next_attempt_at = ?4,
                sending_at = NULL WHERE id = ?1",
            params![id, attempts, error, ts(now + delay)],
        )?;
    }
    Ok(permanent)
}

/// Counts of outbox rows, for `mleg check` and the demo.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct OutboxCounts {
    pub pending: u64,
    pub sent: u64,
    /// Given up (refused, or too old): these never reached their reader.
    pub failed: u64,
    /// Not sent on purpose: the secretary's copy of a photo that a purge
    /// deleted first. Not a failure, so `mleg check` does not count it as one.
    pub cancelled: u64,
}

pub fn counts(conn: Tx<'_>) -> Result<OutboxCounts> {
    Ok(conn.query_row(
        "SELECT
            COALESCE(SUM(sent_at IS NULL AND failed_at IS NULL), 0),
            COALESCE(SUM(sent_at IS NOT NULL), 0),
            COALESCE(SUM(failed_at IS NOT NULL AND NOT cancelled), 0),
            COALESCE(SUM(failed_at IS NOT NULL AND cancelled), 0)
         FROM (SELECT sent_at, failed_at,
                      COALESCE(last_error, '') LIKE 'cancelled:%' AS cancelled FROM outbox)",
        [],
        |r| {
            let n = |i| r.get::<_, i64>(i).map(|v| v.max(0) as u64);
            Ok(OutboxCounts {
                pending: n(0)?,
                sent: n(1)?,
                failed: n(2)?,
                cancelled: n(3)?,
            })
        },
    )?)
}

/// When the oldest pending mail was queued (None if nothing waits).
pub fn oldest_pending(conn: Tx<'_>) -> Result<Option<DateTime<Utc>>> {
    let s: Option<String> = conn.query_row(
        "SELECT MIN(created_at) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL",
        [],
        |r| r.get(0),
    )?;
    s.as_deref().map(parse_ts).transpose()
}

/// A queued mail as tests read it back: what a recipient would check.
#[cfg(test)]
#[derive(Debug, Clone)]
pub(crate) struct Listed {
    pub kind: String,
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// Every outbox row, oldest first (tests of the workers).
#[cfg(test)]
pub(crate) fn listing(conn: Tx<'_>) -> Result<Vec<Listed>> {
    let mut stmt = conn.prepare("SELECT kind, recipient, subject, body FROM outbox ORDER BY id")?;
    let rows = stmt.query_map([], |r| {
        Ok(Listed {
            kind: r.get(0)?,
            to: r.get(1)?,
            subject: r.get(2)?,
            body: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}
