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
    /// The SMTP server's login (written by delivery rounds that had mail).
    Smtp,
    /// The OAuth2 token endpoint (written when a login needed a token).
    Token,
}

impl Part {
    fn key(self) -> &'static str {
        match self {
            Part::Round => "round",
            Part::Imap => "imap",
            Part::Idle => "idle",
            Part::Smtp => "smtp",
            Part::Token => "token",
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
    /// When it last worked (None: never, or not since mleg kept the date).
    pub last_ok: Option<DateTime<Utc>>,
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
        "INSERT INTO health (part, ok, since, at, detail, last_ok)
         VALUES (?1, ?2, ?3, ?3, ?4, CASE WHEN ?2 THEN ?3 END)
         ON CONFLICT (part) DO UPDATE SET
            since = CASE WHEN health.ok = excluded.ok THEN health.since ELSE excluded.since END,
            last_ok = CASE WHEN excluded.ok THEN excluded.at ELSE health.last_ok END,
            ok = excluded.ok, at = excluded.at, detail = excluded.detail",
        params![part.key(), ok, ts(now), detail],
    )?;
    Ok(())
}

/// `part`'s recorded state, if it was ever written.
pub fn get(conn: Tx<'_>, part: Part) -> Result<Option<State>> {
    type Row = (bool, String, String, Option<String>, Option<String>);
    let row: Option<Row> = conn
        .query_row(
            "SELECT ok, since, at, detail, last_ok FROM health WHERE part = ?1",
            [part.key()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    row.map(|(ok, since, at, detail, last_ok)| {
        Ok(State {
            ok,
            since: parse_ts(&since)?,
            at: parse_ts(&at)?,
            detail,
            last_ok: last_ok.as_deref().map(parse_ts).transpose()?,
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

/// One mail about mleg's health, as recorded (see `alerts::decide::Sent`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRow {
    pub key: String,
    pub kind: String,
    pub at: DateTime<Utc>,
}

/// Records a mail about mleg's health, in the transaction that queues it.
pub fn record_alert(
    conn: Tx<'_>,
    key: &str,
    kind: &str,
    at: DateTime<Utc>,
    outbox_id: Option<i64>,
) -> Result<()> {
    conn.execute(
        "INSERT INTO it_alerts (key, kind, at, outbox_id) VALUES (?1, ?2, ?3, ?4)",
        params![key, kind, ts(at), outbox_id],
    )?;
    Ok(())
}

/// The health mails recorded since `since`, oldest first; older ones are
/// deleted (nothing decides on them: see `alerts::decide`).
pub fn alerts_since(conn: Tx<'_>, since: DateTime<Utc>) -> Result<Vec<AlertRow>> {
    conn.execute("DELETE FROM it_alerts WHERE at < ?1", [ts(since)])?;
    let mut stmt = conn.prepare("SELECT key, kind, at FROM it_alerts ORDER BY at, id")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, String>(2)?)))?;
    rows.map(|row| {
        let (key, kind, at) = row?;
        Ok(AlertRow {
            key,
            kind,
            at: parse_ts(&at)?,
        })
    })
    .collect()
}

/// The causes alerted about and not yet followed by a recovery mail, with
/// when the last alert went out, oldest first. Read-only, for `mleg status`
/// in another process (unlike [`alerts_since`], it deletes nothing).
pub fn live_alerts(conn: Tx<'_>) -> Result<Vec<(String, DateTime<Utc>)>> {
    let mut stmt = conn.prepare(
        "SELECT key, kind, at FROM it_alerts WHERE kind IN ('alert', 'recovery') ORDER BY at, id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut live: Vec<(String, DateTime<Utc>)> = Vec::new();
    for row in rows {
        let (key, kind, at) = row?;
        live.retain(|(k, _)| *k != key);
        if kind == "alert" {
            live.push((key, parse_ts(&at)?));
        }
    }
    Ok(live)
}

/// The outbox row of a queued alert (sent through `[alerts.smtp]`).
pub fn outbox_id(conn: Tx<'_>, message_id: &str) -> Result<Option<i64>> {
    Ok(conn
        .query_row(
            "SELECT id FROM outbox WHERE message_id = ?1",
            [message_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// Records when `credential` expires (a server certificate's notAfter, as
/// seen at `now`); a renewed one replaces the old date.
pub fn set_expiry(
    conn: Tx<'_>,
    credential: &str,
    expires: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<()> {
    conn.execute(
        "INSERT INTO expiries (credential, expires, at) VALUES (?1, ?2, ?3)
         ON CONFLICT (credential) DO UPDATE SET expires = excluded.expires, at = excluded.at",
        params![credential, ts(expires), ts(now)],
    )?;
    Ok(())
}

/// When `credential`'s expiry was last recorded.
pub fn expiry_checked(conn: Tx<'_>, credential: &str) -> Result<Option<DateTime<Utc>>> {
    let at: Option<String> = conn
        .query_row(
            "SELECT at FROM expiries WHERE credential = ?1",
            [credential],
            |r| r.get(0),
        )
        .optional()?;
    at.as_deref().map(parse_ts).transpose()
}

/// Every recorded expiry, by credential name.
pub fn expiries(conn: Tx<'_>) -> Result<Vec<(String, DateTime<Utc>)>> {
    let mut stmt = conn.prepare("SELECT credential, expires FROM expiries ORDER BY credential")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get::<_, String>(1)?)))?;
    rows.map(|row| {
        let (name, at) = row?;
        Ok((name, parse_ts(&at)?))
    })
    .collect()
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
        record(conn, Part::Imap, false, Some("refused"), t(12)).unwrap();
        let again = get(conn, Part::Imap).unwrap().unwrap();
        assert_eq!((again.since, again.last_ok), (t(12), Some(t(9))));
        assert_eq!(get(conn, Part::Round).unwrap(), None);
        let _ = &mut store;
    }

    #[test]
    fn alert_rows_are_kept_for_the_rules_and_old_ones_dropped() {
        let store = Store::open_in_memory().unwrap();
        let t = |m: i64| DateTime::<Utc>::from_timestamp(1_800_000_000 + m * 60, 0).unwrap();
        let conn = store.conn();
        record_alert(conn, "smtp", "alert", t(0), None).unwrap();
        record_alert(conn, "smtp", "recovery", t(10), Some(3)).unwrap();
        let rows = alerts_since(conn, t(5)).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].kind.as_str(), rows[0].at), ("recovery", t(10)));
        assert_eq!(
            alerts_since(conn, t(0)).unwrap().len(),
            1,
            "deleted for good"
        );
        set_expiry(conn, "smtp_certificate", t(100), t(0)).unwrap();
        set_expiry(conn, "smtp_certificate", t(200), t(1)).unwrap();
        assert_eq!(
            expiries(conn).unwrap(),
            vec![("smtp_certificate".into(), t(200))]
        );
    }
}
