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

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::store::Store;
    use crate::store::inbox::{self, HandledMail};

    #[test]
    fn refused_moves_are_counted_and_a_mail_left_is_moved_no_more() {
        let s = Store::open_in_memory().unwrap();
        let now = Utc.with_ymd_and_hms(2026, 9, 1, 8, 0, 0).unwrap();
        let handled = |uid| HandledMail {
            mailbox: "INBOX",
            uid_validity: 7,
            uid,
            message_id: None,
            sender: None,
            disposition: "processed",
            target_folder: "done",
        };
        let row = inbox::record_handled(s.conn(), &handled(12), now).unwrap();
        inbox::record_handled(s.conn(), &handled(13), now).unwrap();
        let counts: Vec<u32> = (0..3)
            .map(|_| note_move_refused(s.conn(), row).unwrap())
            .collect();
        assert_eq!(counts, [1, 2, 3]);
        leave(s.conn(), row, now).unwrap();
        let pending = inbox::pending_moves(s.conn(), "INBOX", 7).unwrap();
        assert_eq!(pending.iter().map(|p| p.uid).collect::<Vec<_>>(), [13]);
    }
}
