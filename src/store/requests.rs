//! A parent's requests by mail (lost phone, opting out, an objection…) and
//! the objections the secretary confirmed.
//!
//! A request is open until the application's status next changes (the
//! secretary acted on it: `apps::set_status` closes it); the digest lists
//! the open ones. An objection holds for the student — every application
//! with the same PESEL — until it is withdrawn.

use chrono::{DateTime, Duration, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Result, Tx, parse_ts, ts};

/// Records that a parent asked for `kind` (a stable code) on application `id`.
pub fn record(conn: Tx<'_>, id: i64, kind: &str, new_one: bool, now: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "INSERT INTO parent_requests (application_id, kind, new_one, asked_at)
         VALUES (?1, ?2, ?3, ?4)",
        params![id, kind, new_one, ts(now)],
    )?;
    Ok(())
}

/// The application's status changed: whatever the parent asked is answered.
pub(super) fn close(conn: Tx<'_>, id: i64, now: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "UPDATE parent_requests SET closed_at = ?2
         WHERE application_id = ?1 AND closed_at IS NULL",
        params![id, ts(now)],
    )?;
    Ok(())
}

/// The open requests on application `id`: (kind, wants a new one, asked at).
pub fn open_of(conn: Tx<'_>, id: i64) -> Result<Vec<(String, bool, DateTime<Utc>)>> {
    let mut stmt = conn.prepare(
        "SELECT kind, new_one, asked_at FROM parent_requests
         WHERE application_id = ?1 AND closed_at IS NULL ORDER BY id",
    )?;
    let rows = stmt.query_map([id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, bool>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    rows.map(|r| {
        let (kind, new_one, at) = r?;
        Ok((kind, new_one, parse_ts(&at)?))
    })
    .collect()
}

/// Records the secretary's confirmation of an objection on application
/// `id`; false when one is on file already for the student.
pub fn object(conn: Tx<'_>, id: i64, now: DateTime<Utc>) -> Result<bool> {
    if objected(conn, id)? {
        return Ok(false);
    }
    conn.execute(
        "INSERT INTO objections (application_id, recorded_at) VALUES (?1, ?2)
         ON CONFLICT (application_id) DO UPDATE
            SET recorded_at = ?2, withdrawn_at = NULL, answered_at = NULL",
        params![id, ts(now)],
    )?;
    Ok(true)
}

/// Withdraws the student's objection (of any of their applications); false
/// when none was on file.
pub fn withdraw(conn: Tx<'_>, id: i64, now: DateTime<Utc>) -> Result<bool> {
    let changed = conn.execute(
        &format!("UPDATE objections SET withdrawn_at = ?2 WHERE withdrawn_at IS NULL AND {SAME}"),
        params![id, ts(now)],
    )?;
    Ok(changed > 0)
}

/// The objections of the student of application `?1`, whichever of the
/// student's applications they were recorded on. Walks the (few) objections
/// and looks each one's application up by id, so a photo mail's check does
/// not grow with the register.
const SAME: &str = "EXISTS (SELECT 1 FROM applications b WHERE b.id = objections.application_id
    AND b.student_id = (SELECT student_id FROM applications WHERE id = ?1))";

/// When the student of application `id` has an objection on file, since when.
pub fn objection(conn: Tx<'_>, id: i64) -> Result<Option<DateTime<Utc>>> {
    let at: Option<String> = conn
        .query_row(
            &format!(
                "SELECT MIN(recorded_at) FROM objections WHERE withdrawn_at IS NULL AND {SAME}"
            ),
            [id],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    at.as_deref().map(parse_ts).transpose()
}

/// Whether the student with `pesel` has an objection on file (before
/// registering them again).
pub fn objected_student(conn: Tx<'_>, pesel: &crate::domain::Pesel) -> Result<bool> {
    let n: i64 = conn.query_row(
        "SELECT COUNT(*) FROM objections o JOIN applications a ON a.id = o.application_id
         JOIN students s ON s.id = a.student_id
         WHERE o.withdrawn_at IS NULL AND s.pesel = ?1 AND s.anonymised_at IS NULL",
        [pesel.as_str()],
        |r| r.get(0),
    )?;
    Ok(n > 0)
}

/// Whether the student of application `id` has an objection on file.
pub fn objected(conn: Tx<'_>, id: i64) -> Result<bool> {
    Ok(objection(conn, id)?.is_some())
}

/// Whether the parent may be told about the objection on application `id`
/// now (at most once in 24 hours); if so, notes that they are told.
pub fn answer_due(conn: Tx<'_>, id: i64, now: DateTime<Utc>) -> Result<bool> {
    let changed = conn.execute(
        &format!(
            "UPDATE objections SET answered_at = ?2
             WHERE withdrawn_at IS NULL AND (answered_at IS NULL OR answered_at <= ?3) AND {SAME}"
        ),
        params![id, ts(now), ts(now - Duration::days(1))],
    )?;
    Ok(changed > 0)
}
