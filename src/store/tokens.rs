//! Command tokens: the bracketed code in the subject of every mail that asks
//! the secretary for a command. Each is good for one command, on the status
//! the application had when the mail was written, for a limited time; a
//! spent one never acts again, whatever Message-ID the mail carrying it has.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Result, Tx, parse_ts, ts};
use crate::domain::Status;

/// One issued token, as a staff reply is judged by it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedToken {
    pub token: String,
    pub application_id: i64,
    /// The application's status when the mail was written.
    pub issued_for: Status,
    pub issued_at: DateTime<Utc>,
    /// When a command spent it, if one did.
    pub spent_at: Option<DateTime<Utc>>,
}

/// Records `token`, carried by the mail `message_id` about application
/// `id`, as issued now for the application's current status.
pub fn issue(
    conn: Tx<'_>,
    token: &str,
    id: i64,
    message_id: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO command_tokens (token, application_id, issued_for, message_id, issued_at)
         SELECT ?1, id, status, ?3, ?4 FROM applications WHERE id = ?2",
        params![token, id, message_id, ts(now)],
    )?;
    Ok(())
}

/// Records `token` as handed to the secretary at the terminal (`mleg apps
/// show`'s ready-to-send command), for the application's current status; no
/// mail carries it until she sends one.
pub fn issue_at_terminal(conn: Tx<'_>, token: &str, id: i64, now: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO command_tokens (token, application_id, issued_for, issued_at)
         SELECT ?1, id, status, ?3 FROM applications WHERE id = ?2",
        params![token, id, ts(now)],
    )?;
    Ok(())
}

/// The token `token` (lowercase hex), if mleg issued it.
pub fn find(conn: Tx<'_>, token: &str) -> Result<Option<IssuedToken>> {
    row(conn, "token = ?1", token)
}

/// The token the mail `message_id` carried, if it carried one.
pub fn of_mail(conn: Tx<'_>, message_id: &str) -> Result<Option<IssuedToken>> {
    row(conn, "message_id = ?1", message_id)
}

fn row(conn: Tx<'_>, condition: &str, value: &str) -> Result<Option<IssuedToken>> {
    let raw: Option<(String, i64, String, String, Option<String>)> = conn
        .query_row(
            &format!(
                "SELECT token, application_id, issued_for, issued_at, spent_at
                 FROM command_tokens WHERE {condition} ORDER BY issued_at DESC LIMIT 1"
            ),
            [value],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let Some((token, application_id, issued_for, issued_at, spent_at)) = raw else {
        return Ok(None);
    };
    Ok(Some(IssuedToken {
        token,
        application_id,
        issued_for: issued_for
            .parse()
            .map_err(|_| super::StoreError::Corrupt(format!("token status {issued_for:?}")))?,
        issued_at: parse_ts(&issued_at)?,
        spent_at: spent_at.as_deref().map(parse_ts).transpose()?,
    }))
}

/// Spends `token` for the command mail `by`; false when it was spent
/// already (then nothing changed).
pub fn spend(conn: Tx<'_>, token: &str, by: Option<&str>, now: DateTime<Utc>) -> Result<bool> {
    let changed = conn.execute(
        "UPDATE command_tokens SET spent_at = ?2, spent_by = ?3
         WHERE token = ?1 AND spent_at IS NULL",
        params![token, ts(now), by],
    )?;
    Ok(changed == 1)
}

/// Gives `token` back (in the transaction that spent it): the command it
/// carried changed nothing.
pub fn unspend(conn: Tx<'_>, token: &str) -> Result<()> {
    conn.execute(
        "UPDATE command_tokens SET spent_at = NULL, spent_by = NULL WHERE token = ?1",
        [token],
    )?;
    Ok(())
}
