//! Mails the server will not hand over or let mleg move: how often a move
//! was refused, and the mark of a mail left where it is.
//!
//! A FETCH that fails on one UID is counted in `mail_failures`
//! ([`super::inbox::note_failure`]) like any other failure to handle that
//! mail; a refused move is counted on the handled mail's own row, since the
//! mail was handled and only its filing is stuck.

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::{Result, Tx, ts};

/// Counts one more refused move of the handled mail at `row`; returns the
/// count so far. Kept in the database, so a restart continues the count.
pub fn note_move_refused(conn: Tx<'_>, row: i64) -> Result<u32> {
    Ok(conn.query_row(
        "UPDATE messages SET move_failures = move_failures + 1 WHERE id = ?1
         RETURNING move_failures",
        [row],
        |r| r.get(0),
    )?)
}

/// Leaves the handled mail at `row` in the watched mailbox: it is never
/// moved again (call it in the transaction that queues the secretary's note).
pub fn leave(conn: Tx<'_>, row: i64, now: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "UPDATE messages SET left_at = ?2 WHERE id = ?1",
        params![row, ts(now)],
    )?;
    Ok(())
}

/// Whether the mail at `row` was left where it is.
pub fn is_left(conn: Tx<'_>, row: i64) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT left_at IS NOT NULL FROM messages WHERE id = ?1",
        [row],
        |r| r.get(0),
    )?)
}
