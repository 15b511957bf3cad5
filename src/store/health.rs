//! The state `mleg status` and `mleg schools` read: written by the rounds
//! and the daemon's IDLE watcher, read by any other process (the monitor's
//! `mleg status`), so nothing of it may live only in the daemon's memory.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Result, Tx, parse_ts, ts};

/// A part of mleg whose health is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The last mailbox round (read the mailbox, deliver the outbox).
    Round,
    /// The watched mailbox's login.
    Imap,
    /// The daemon's IMAP IDLE connection.
    Idle,
}

impl Part {
    fn key(self) -> &'static str {
        match self {
            Part::Round => "round",
            Part::Imap => "imap",
            Part::Idle => "idle",
        }
    }
}

/// One part's recorded state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    pub ok: bool,
    /// Since when it has been ok (or failing) without a break.
    pub since: DateTime<Utc>,
    /// When it was last written.
    pub at: DateTime<Utc>,
    /// The last error (or what the state means), one line.
    pub detail: Option<String>,
}

/// Records `part` as ok or not at `now`; `since` moves only when the state
/// flips, so a server failing for an hour says so.
pub fn record(
    conn: Tx<'_>,
    part: Part,
    ok: bool,
    detail: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    conn.execute(
        "INSERT INTO health (part, ok, since, at, detail) VALUES (?1, ?2, ?3, ?3, ?4)
         ON CONFLICT (part) DO UPDATE SET
            since = CASE WHEN health.ok = excluded.ok THEN health.since ELSE excluded.since END,
            ok = excluded.ok, at = excluded.at, detail = excluded.detail",
        params![part.key(), ok, ts(now), detail],
    )?;
    Ok(())
}

/// `part`'s recorded state, if it was ever written.
pub fn get(conn: Tx<'_>, part: Part) -> Result<Option<State>> {
    let row: Option<(bool, String, String, Option<String>)> = conn
        .query_row(
            "SELECT ok, since, at, detail FROM health WHERE part = ?1",
            [part.key()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    row.map(|(ok, since, at, detail)| {
        Ok(State {
            ok,
            since: parse_ts(&since)?,
            at: parse_ts(&at)?,
            detail,
        })
    })
    .transpose()
}

/// The SMTP server while it is failing: since when, and what it said last.
pub fn smtp_failing(conn: Tx<'_>) -> Result<Option<(Option<DateTime<Utc>>, String)>> {
    let row: Option<(Option<String>, String)> = conn
        .query_row(
            "SELECT failing_since, last_error FROM smtp_server WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    row.map(|(since, error)| Ok((since.as_deref().map(parse_ts).transpose()?, error)))
        .transpose()
}

/// Whether the digest of `date` (school-local) went out: None when that
/// day's digest was not decided yet, Some(false) when nothing waited.
pub fn digest_on(conn: Tx<'_>, date: NaiveDate) -> Result<Option<bool>> {
    Ok(conn
        .query_row(
            "SELECT sent FROM digests WHERE local_date = ?1",
            [date.format("%Y-%m-%d").to_string()],
            |r| r.get(0),
        )
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn since_moves_only_when_the_state_flips() {
        let mut store = Store::open_in_memory().unwrap();
        let t = |m: i64| DateTime::<Utc>::from_timestamp(1_800_000_000 + m * 60, 0).unwrap();
        let conn = store.conn();
        assert_eq!(get(conn, Part::Imap).unwrap(), None);
        record(conn, Part::Imap, false, Some("login refused"), t(0)).unwrap();
        record(conn, Part::Imap, false, Some("login refused again"), t(5)).unwrap();
        let failing = get(conn, Part::Imap).unwrap().unwrap();
        assert_eq!((failing.ok, failing.since, failing.at), (false, t(0), t(5)));
        assert_eq!(failing.detail.as_deref(), Some("login refused again"));
        record(conn, Part::Imap, true, None, t(9)).unwrap();
        let ok = get(conn, Part::Imap).unwrap().unwrap();
        assert_eq!((ok.ok, ok.since, ok.detail), (true, t(9), None));
        assert_eq!(get(conn, Part::Round).unwrap(), None);
        let _ = &mut store;
    }
}
