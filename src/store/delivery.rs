//! The outbox's delivery bookkeeping beyond "queued" and "sent": the
//! `sending` mark and rows in doubt after a crash, the SMTP server's own
//! backoff, giving up by age, and what `mleg outbox list|retry` shows and does.
//!
//! A server outage is recorded on the server (one row in `smtp_server`), never
//! on the mails: when it comes back, the first round sends the whole queue.

use chrono::{DateTime, Duration, Utc};
use rusqlite::params;

use super::{Result, Tx, parse_ts, ts};

/// Claims a queued row for sending, in its own commit, right before
/// `DATA`: if the process dies before [`super::outbox::mark_sent`], the next
/// round finds it `sending` and knows the server may already have it.
///
/// The claim is conditional: it marks the row only while it is still
/// queued (not sent, given up, or claimed by someone else), and returns
/// whether it did. A claim that changed no row backs off: the caller skips
/// the mail, so two deliverers can never both send it.
pub fn claim(conn: Tx<'_>, id: i64, now: DateTime<Utc>) -> Result<bool> {
    Ok(conn.execute(
        "UPDATE outbox SET sending_at = ?2
         WHERE id = ?1 AND sending_at IS NULL AND sent_at IS NULL AND failed_at IS NULL",
        params![id, ts(now)],
    )? == 1)
}

/// A row the server refused at `DATA`, not judged yet: no longer
/// `sending`, the server's answer noted, no attempt counted.
pub fn release(conn: Tx<'_>, id: i64, error: &str) -> Result<()> {
    conn.execute(
        "UPDATE outbox SET sending_at = NULL, last_error = ?2 WHERE id = ?1",
        params![id, error],
    )?;
    Ok(())
}

/// Rows left `sending` (id, Message-ID): a crash or a lost connection cut
/// them off after `DATA` began. Only the holder of the round lock may ask
/// (`outbox::step` does, under it): to anyone else a row another process
/// is sending right now would look the same.
pub fn in_doubt(conn: Tx<'_>) -> Result<Vec<(i64, String)>> {
    let mut stmt = conn.prepare(
        "SELECT id, message_id FROM outbox
         WHERE sending_at IS NOT NULL AND sent_at IS NULL AND failed_at IS NULL ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// An in-doubt row not found as sent: counted, and due again now (it goes
/// out with the same Message-ID, so a copy the server had is one message).
pub fn resend_in_doubt(conn: Tx<'_>, id: i64, now: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "UPDATE outbox SET in_doubt = in_doubt + 1, sending_at = NULL, next_attempt_at = ?2
         WHERE id = ?1",
        params![id, ts(now)],
    )?;
    Ok(())
}

/// Pending rows queued before `before` (given up by age), oldest first.
pub fn expired(conn: Tx<'_>, before: DateTime<Utc>) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare(
        "SELECT id FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL
         AND sending_at IS NULL AND created_at < ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([ts(before)], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A mail given up on: what the secretary's alert names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lost {
    pub id: i64,
    pub kind: String,
    pub application_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

/// Gives a row up (it stays in the table, `failed`); call it in the
/// transaction that queues the alert about it.
pub fn give_up(conn: Tx<'_>, id: i64, why: &str, now: DateTime<Utc>) -> Result<Lost> {
    conn.execute(
        "UPDATE outbox SET failed_at = ?2, last_error = ?3, sending_at = NULL WHERE id = ?1",
        params![id, ts(now), why],
    )?;
    let (kind, application_id, created): (String, Option<i64>, String) = conn.query_row(
        "SELECT kind, application_id, created_at FROM outbox WHERE id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    Ok(Lost {
        id,
        kind,
        application_id,
        created_at: parse_ts(&created)?,
    })
}

/// Until when the SMTP server is left alone after failures (None: try now).
pub fn server_backoff(conn: Tx<'_>) -> Result<Option<DateTime<Utc>>> {
    let next = conn.query_row(
        "SELECT next_attempt_at FROM smtp_server WHERE id = 1",
        [],
        |r| r.get::<_, String>(0),
    );
    match next {
        Ok(s) => Ok(Some(parse_ts(&s)?)),
        Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The server's last failure while it is left alone: when it is tried
/// again, and what it said (addresses masked).
pub fn server_failure(conn: Tx<'_>) -> Result<Option<(DateTime<Utc>, String)>> {
    let row = conn.query_row(
        "SELECT next_attempt_at, last_error FROM smtp_server WHERE id = 1",
        [],
        |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
    );
    match row {
        Ok((next, error)) => Ok(Some((parse_ts(&next)?, error))),
        Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Records one more server failure; the wait doubles from `base` up to
/// `cap`. Returns when the server is tried again.
pub fn server_failed(
    conn: Tx<'_>,
    error: &str,
    now: DateTime<Utc>,
    base: Duration,
    cap: Duration,
) -> Result<DateTime<Utc>> {
    let failures: u32 = conn
        .query_row("SELECT failures FROM smtp_server WHERE id = 1", [], |r| {
            r.get(0)
        })
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(0),
            e => Err(e),
        })?;
    let failures = failures.saturating_add(1);
    let wait = (base * (1i32 << (failures - 1).min(16))).min(cap);
    let next = now + wait;
    conn.execute(
        "INSERT INTO smtp_server (id, failures, next_attempt_at, last_error, failing_since)
         VALUES (1, ?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO UPDATE SET failures = ?1, next_attempt_at = ?2, last_error = ?3,
            failing_since = COALESCE(failing_since, ?4)",
        params![failures, ts(next), error, ts(now)],
    )?;
    Ok(next)
}

/// The server answered again: no more backoff.
pub fn server_ok(conn: Tx<'_>) -> Result<()> {
    conn.execute("DELETE FROM smtp_server", [])?;
    Ok(())
}

/// One outbox row as `mleg outbox list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub id: i64,
    pub kind: String,
    pub application_id: Option<i64>,
    /// "pending", "sending" (in doubt), "failed" or "cancelled" (its photo
    /// was purged before it went: never sent again).
    pub state: &'static str,
    pub attempts: u32,
    pub in_doubt: u32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// As the server said it (may quote an address: mask before showing).
    pub last_error: Option<String>,
}

/// Rows not yet sent (or only the failed ones), oldest first.
pub fn list(conn: Tx<'_>, failed_only: bool) -> Result<Vec<Row>> {
    let filter = if failed_only {
        "failed_at IS NOT NULL"
    } else {
        "sent_at IS NULL"
    };
    let mut stmt = conn.prepare(&format!(
        "SELECT id, kind, application_id, failed_at IS NOT NULL, sending_at IS NOT NULL,
            attempts, in_doubt, next_attempt_at, last_error FROM outbox WHERE {filter} ORDER BY id"
    ))?;
    let rows = stmt.query_map([], |r| {
        let failed: bool = r.get(3)?;
        let sending: bool = r.get(4)?;
        Ok((
            Row {
                id: r.get(0)?,
                kind: r.get(1)?,
                application_id: r.get(2)?,
                state: match (failed, sending) {
                    (true, _) if cancelled(r.get::<_, Option<String>>(8)?.as_deref()) => {
                        "cancelled"
                    }
                    (true, _) => "failed",
                    (false, true) => "sending",
                    _ => "pending",
                },
                attempts: r.get(5)?,
                in_doubt: r.get(6)?,
                next_attempt_at: None,
                last_error: r.get(8)?,
            },
            r.get::<_, String>(7)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (mut row, next) = row?;
        if row.state == "pending" {
            row.next_attempt_at = Some(parse_ts(&next)?);
        }
        out.push(row);
    }
    Ok(out)
}

/// Rows cancelled on purpose (`lifecycle::purge_photos`) carry this reason.
const CANCELLED: &str = "cancelled:";

fn cancelled(last_error: Option<&str>) -> bool {
    last_error.is_some_and(|e| e.starts_with(CANCELLED))
}

/// Failed, not cancelled on purpose, and its text still kept (retention
/// deletes a given-up mail's text after a week).
const RETRYABLE: &str =
    "failed_at IS NOT NULL AND COALESCE(last_error, '') NOT LIKE 'cancelled:%' AND body != ''";

/// Queues a failed row again, due now; its age counts from now, or
/// `outbox_max_age_hours` would give it up again at once. Returns whether
/// `id` was a failed row. A row cancelled because its photo was purged
/// stays cancelled: its photo is gone, and so is the reason to send it.
pub fn retry(conn: Tx<'_>, id: i64, now: DateTime<Utc>) -> Result<bool> {
    Ok(conn.execute(
        &format!(
            "UPDATE outbox SET failed_at = NULL, next_attempt_at = ?2, created_at = ?2
             WHERE id = ?1 AND {RETRYABLE}"
        ),
        params![id, ts(now)],
    )? == 1)
}

/// [`retry`] for every failed row; returns how many.
pub fn retry_all_failed(conn: Tx<'_>, now: DateTime<Utc>) -> Result<usize> {
    Ok(conn.execute(
        &format!(
            "UPDATE outbox SET failed_at = NULL, next_attempt_at = ?1, created_at = ?1
             WHERE {RETRYABLE}"
        ),
        [ts(now)],
    )?)
}

#[cfg(test)]
mod tests;
