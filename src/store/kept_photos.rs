//! Photos kept for a reissue (`[retention] photo_keep_days` > 0): the one
//! stored copy (`photos.data`) of an application's current photo outlives
//! the purge at the code's recording until `photos.kept_until`; every other
//! copy went with that purge. A reissue with the kept photo moves the row
//! to the new application (no second copy); the retention rule deletes the
//! bytes once the window has passed.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Result, Tx, parse_ts, ts};

/// An application's kept photo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept {
    pub photo: i64,
    pub until: DateTime<Utc>,
}

/// Marks the application's current photo (the newest one still stored) as
/// kept until `until`, so the purge that follows leaves its bytes. Returns
/// its id, or None when there is no stored photo to keep.
pub fn keep(tx: Tx<'_>, app: i64, until: DateTime<Utc>) -> Result<Option<i64>> {
    let photo: Option<i64> = tx
        .query_row(
            "SELECT id FROM photos WHERE application_id = ?1 AND data IS NOT NULL
                AND superseded_at IS NULL ORDER BY id DESC LIMIT 1",
            [app],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(id) = photo {
        tx.execute(
            "UPDATE photos SET kept_until = ?2 WHERE id = ?1",
            params![id, ts(until)],
        )?;
    }
    Ok(photo)
}

/// The application's kept photo, if its bytes are still stored (past its
/// window too, until the retention rule has run: the caller judges).
pub fn kept(tx: Tx<'_>, app: i64) -> Result<Option<Kept>> {
    let row: Option<(i64, String)> = tx
        .query_row(
            "SELECT id, kept_until FROM photos WHERE application_id = ?1
                AND kept_until IS NOT NULL AND data IS NOT NULL ORDER BY id DESC LIMIT 1",
            [app],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    row.map(|(photo, until)| {
        Ok(Kept {
            photo,
            until: parse_ts(&until)?,
        })
    })
    .transpose()
}

/// The kept photo becomes the reissue's current photo: the same row, no
/// longer kept (the new application's own purge decides its fate).
pub fn hand_to(tx: Tx<'_>, photo: i64, new_app: i64) -> Result<()> {
    tx.execute(
        "UPDATE photos SET application_id = ?2, kept_until = NULL WHERE id = ?1",
        params![photo, new_app],
    )?;
    Ok(())
}

/// Deletes the application's kept photo now (no reissue can want it any
/// more). Returns how many bytes-holding rows were cleared (0 or 1).
pub fn drop_for(tx: Tx<'_>, app: i64, now: DateTime<Utc>) -> Result<usize> {
    Ok(tx.execute(
        "UPDATE photos SET data = NULL, purged_at = ?2
         WHERE application_id = ?1 AND kept_until IS NOT NULL AND data IS NOT NULL",
        params![app, ts(now)],
    )?)
}

/// Ends the window of the application's kept photo at `now` (a reissue
/// without it was started, so nothing will want it): the retention rule's
/// next run deletes it, and flushes the write-ahead log after.
pub fn end_window(tx: Tx<'_>, app: i64, now: DateTime<Utc>) -> Result<()> {
    tx.execute(
        "UPDATE photos SET kept_until = ?2
         WHERE application_id = ?1 AND kept_until > ?2 AND data IS NOT NULL",
        params![app, ts(now)],
    )?;
    Ok(())
}

/// The applications whose kept photo's window has passed at `now`.
pub fn past_window(tx: Tx<'_>, now: DateTime<Utc>) -> Result<Vec<i64>> {
    let mut stmt = tx.prepare(
        "SELECT DISTINCT application_id FROM photos WHERE kept_until IS NOT NULL
            AND kept_until <= ?1 AND data IS NOT NULL AND application_id IS NOT NULL
         ORDER BY application_id",
    )?;
    let rows = stmt.query_map([ts(now)], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<Vec<i64>>>()?)
}

/// Where a stored photo came from, for the secretary's notification.
#[derive(Debug, Clone)]
pub struct Source {
    pub sender: Option<String>,
    pub subject: String,
    pub message_id: Option<String>,
}

pub fn source(tx: Tx<'_>, photo: i64) -> Result<Source> {
    Ok(tx.query_row(
        "SELECT sender, source_subject, source_message_id FROM photos WHERE id = ?1",
        [photo],
        |r| {
            Ok(Source {
                sender: r.get(0)?,
                subject: r.get(1)?,
                message_id: r.get(2)?,
            })
        },
    )?)
}

/// Deletes every kept photo whose window has passed at `now`, each noted in
/// its application's history. Returns how many went.
pub fn purge_past_window(tx: Tx<'_>, now: DateTime<Utc>) -> Result<usize> {
    let mut n = 0;
    for app in past_window(tx, now)? {
        tx.execute(
            "UPDATE photos SET data = NULL, purged_at = ?2
             WHERE application_id = ?1 AND kept_until IS NOT NULL AND kept_until <= ?2
                AND data IS NOT NULL",
            params![app, ts(now)],
        )?;
        super::apps::add_event(tx, app, now, "photo_purged", "keep_window_over", "mleg")?;
        n += 1;
    }
    Ok(n)
}

#[cfg(test)]
#[path = "kept_photos_tests.rs"]
mod tests;
