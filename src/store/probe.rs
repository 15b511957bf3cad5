//! What the end-to-end tests read back and the faults they inject, kept here
//! so that SQL stays inside `store/` (the daemon itself never calls these).
//!
//! The faults put the database into states a crash or the mail server can
//! leave behind, which a test cannot reach through the daemon's own steps.

use rusqlite::params;

use super::{Result, Tx};

/// One outbox row as (recipient, kind, sent?, last error).
pub type OutboxRow = (String, String, bool, Option<String>);

/// Every outbox row, oldest first.
pub fn outbox_rows(conn: Tx<'_>) -> Result<Vec<OutboxRow>> {
    let mut stmt = conn.prepare(
        "SELECT recipient, kind, sent_at IS NOT NULL, last_error FROM outbox ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// (recipient, Message-ID) of every outbox row marked sent: what the
/// recipients must hold, each exactly once.
pub fn sent_mails(conn: Tx<'_>) -> Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare(
        "SELECT recipient, message_id FROM outbox WHERE sent_at IS NOT NULL ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// (width, height, bytes) of every photo whose image is still stored.
pub fn stored_photos(conn: Tx<'_>) -> Result<Vec<(u32, u32, Vec<u8>)>> {
    let mut stmt = conn.prepare("SELECT width, height, data FROM photos WHERE data IS NOT NULL")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// How many times `data` is stored: as a photo, or as a mail's attachment.
pub fn copies_of(conn: Tx<'_>, data: &[u8]) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT (SELECT COUNT(*) FROM photos WHERE data = ?1)
              + (SELECT COUNT(*) FROM outbox_attachments WHERE data = ?1)",
        [data],
        |r| r.get(0),
    )?)
}

/// (photo id, has bytes) of the photos held for application `app`.
pub fn held_photos(conn: Tx<'_>, app: i64) -> Result<Vec<(i64, bool)>> {
    let mut stmt =
        conn.prepare("SELECT id, data IS NOT NULL FROM photos WHERE held_for = ?1 ORDER BY id")?;
    let rows = stmt.query_map([app], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// Fault: a crash after moving the mails but before noting the moves.
pub fn forget_moves(conn: Tx<'_>) -> Result<usize> {
    Ok(conn.execute("UPDATE messages SET moved_at = NULL", [])?)
}

/// Fault: the server renumbered the mailboxes (a new UIDVALIDITY).
pub fn bump_uid_validity(conn: Tx<'_>) -> Result<usize> {
    Ok(conn.execute(
        "UPDATE mailbox_state SET uid_validity = uid_validity + 1",
        [],
    )?)
}

/// Fault: the folder recorded for mail `message_id` becomes `folder`
/// (e.g. one no server could hold); returns the rows changed.
pub fn set_filed_folder(conn: Tx<'_>, message_id: &str, folder: &str) -> Result<usize> {
    Ok(conn.execute(
        "UPDATE messages SET filed_folder = ?2 WHERE message_id = ?1",
        params![message_id, folder],
    )?)
}

/// The size recorded at intake for the handled mail with this Message-ID.
pub fn recorded_size(conn: Tx<'_>, message_id: &str) -> Result<Option<u32>> {
    Ok(conn.query_row(
        "SELECT size FROM messages WHERE message_id = ?1",
        [message_id],
        |r| r.get(0),
    )?)
}

/// Changes the size recorded for the handled mail with this Message-ID, as
/// if another mail now sat at its recorded place; returns the rows changed.
pub fn set_recorded_size(conn: Tx<'_>, message_id: &str, size: u32) -> Result<usize> {
    Ok(conn.execute(
        "UPDATE messages SET size = ?2 WHERE message_id = ?1",
        params![message_id, size],
    )?)
}

/// (Message-ID, in-doubt count, sent?) of every outbox row: the crash test
/// matches each duplicate a parent got to an in-doubt row.
pub fn outbox_doubts(conn: Tx<'_>) -> Result<Vec<(String, u32, bool)>> {
    let mut stmt =
        conn.prepare("SELECT message_id, in_doubt, sent_at IS NOT NULL FROM outbox ORDER BY id")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// Fault: a crash right after the `sending` mark (before DATA was answered).
pub fn mark_all_sending(conn: Tx<'_>) -> Result<usize> {
    Ok(conn.execute(
        "UPDATE outbox SET sending_at = created_at WHERE sent_at IS NULL AND failed_at IS NULL",
        [],
    )?)
}

/// `PRAGMA integrity_check`'s answer ("ok" when the file is sound).
pub fn integrity_check(conn: Tx<'_>) -> Result<String> {
    Ok(conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
}

/// Fault: every outbox row was queued `hours` earlier (to reach the age limit).
pub fn age_outbox(conn: Tx<'_>, hours: i64) -> Result<usize> {
    Ok(conn.execute(
        "UPDATE outbox SET created_at = strftime('%Y-%m-%dT%H:%M:%SZ', created_at, ?1)",
        [format!("-{hours} hours")],
    )?)
}

/// (mails handled, outbox rows sent, outbox rows not yet sent): how far a
/// backlog has got, for a test polling a running daemon.
pub fn progress(conn: Tx<'_>) -> Result<(i64, i64, i64)> {
    Ok(conn.query_row(
        "SELECT (SELECT COUNT(*) FROM messages),
                (SELECT COUNT(*) FROM outbox WHERE sent_at IS NOT NULL),
                (SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?)
}
