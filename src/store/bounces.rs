//! "The parent's address bounces": which of our mails a
//! delivery report returns, the mark on the application (when, and which of
//! its addresses — never the report's text), and the one notice per
//! application and address.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Result, Tx, parse_ts, ts};

/// One of our sent mails, as a bounce finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Returned {
    pub application_id: Option<i64>,
    pub recipient: String,
}

/// The outbox mail with this Message-ID, if mleg sent it.
pub fn returned_mail(conn: Tx<'_>, message_id: &str) -> Result<Option<Returned>> {
    Ok(conn
        .query_row(
            "SELECT application_id, recipient FROM outbox WHERE message_id = ?1",
            [message_id],
            |r| {
                Ok(Returned {
                    application_id: r.get(0)?,
                    recipient: r.get(1)?,
                })
            },
        )
        .optional()?)
}

/// Applications on which `email` is a parent address.
pub fn applications_of_parent(conn: Tx<'_>, email: &str) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare(
        "SELECT DISTINCT application_id FROM application_parents WHERE email = ?1 ORDER BY 1",
    )?;
    let ids = stmt.query_map([email], |r| r.get(0))?;
    Ok(ids.collect::<rusqlite::Result<_>>()?)
}

/// Marks the application: `kind` names which of its addresses bounces.
pub fn mark_bounced(tx: Tx<'_>, application_id: i64, kind: &str, now: DateTime<Utc>) -> Result<()> {
    tx.execute(
        "UPDATE applications SET bounced_at = ?2, bounced_kind = ?3 WHERE id = ?1",
        params![application_id, ts(now), kind],
    )?;
    Ok(())
}

/// Records that the secretary is told about this address; false if she was
/// told before (so she is told once per application and address).
pub fn first_notice(
    tx: Tx<'_>,
    application_id: i64,
    address: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let n = tx.execute(
        "INSERT OR IGNORE INTO bounce_notices (application_id, address, at) VALUES (?1, ?2, ?3)",
        params![application_id, address, ts(now)],
    )?;
    Ok(n == 1)
}

/// When the application's address last bounced, and which one.
pub fn bounced(conn: Tx<'_>, application_id: i64) -> Result<Option<(DateTime<Utc>, String)>> {
    let row: Option<(Option<String>, Option<String>)> = conn
        .query_row(
            "SELECT bounced_at, bounced_kind FROM applications WHERE id = ?1",
            [application_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match row {
        Some((Some(at), kind)) => Ok(Some((parse_ts(&at)?, kind.unwrap_or_default()))),
        _ => Ok(None),
    }
}

/// Open applications whose parent address bounces, oldest mark first: what
/// the secretary's digest lists.
pub fn bounced_applications(conn: Tx<'_>) -> Result<Vec<(i64, DateTime<Utc>, String)>> {
    // `expired` is open: the family still gets mail about a new code.
    let closed = super::statuses(crate::domain::Status::is_closed);
    let mut stmt = conn.prepare(&format!(
        "SELECT id, bounced_at, COALESCE(bounced_kind, '') FROM applications
         WHERE bounced_at IS NOT NULL AND status NOT IN ({closed})
         ORDER BY bounced_at, id"
    ))?;
    let rows = stmt.query_map([], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get(2)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, at, kind) = row?;
        out.push((id, parse_ts(&at)?, kind));
    }
    Ok(out)
}
