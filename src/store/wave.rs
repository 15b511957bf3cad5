//! The yearly re-validation wave: its rows (`waves`, `wave_members`) and
//! the paper ID's validity date (`students.valid_until`).
//!
//! A member moves `planned` → `mailed` by a conditional update in the
//! transaction that opens its reissue and queues the family's mail, so a
//! step run twice, or after a restart, starts nobody twice.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Result, StoreError, Tx, statuses, ts};
use crate::domain::Status;
use crate::workflow::wave::Candidate;

fn date(s: Option<String>) -> Result<Option<NaiveDate>> {
    s.map(|s| {
        NaiveDate::parse_from_str(&s, "%Y-%m-%d")
            .map_err(|e| StoreError::Corrupt(format!("valid_until: {e}")))
    })
    .transpose()
}

/// The paper ID's validity date of application `id`'s student, if known.
pub fn valid_until(conn: Tx<'_>, id: i64) -> Result<Option<NaiveDate>> {
    let v: Option<String> = conn
        .query_row(
            "SELECT valid_until FROM student_applications WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    date(v)
}

/// The applications a wave may take (those whose family holds an
/// mLegitymacja, not in a planned wave already), with their class.
pub fn candidates(conn: Tx<'_>) -> Result<Vec<(Candidate, String)>> {
    let sql = format!(
        "SELECT a.id, a.status, a.valid_until, a.reissued_as IS NOT NULL, a.class,
            EXISTS (SELECT 1 FROM objections o JOIN applications b ON b.id = o.application_id
                    WHERE o.withdrawn_at IS NULL AND b.student_id = a.student_id)
         FROM student_applications a
         WHERE a.anonymised_at IS NULL AND a.status IN ({})
           AND NOT EXISTS (SELECT 1 FROM wave_members m
                           WHERE m.application_id = a.id AND m.state = 'planned')
         ORDER BY a.class, a.id",
        statuses(Status::joins_wave)
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, bool>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, bool>(5)?,
        ))
    })?;
    rows.map(|row| {
        let (id, status, valid, reissued, class, objected) = row?;
        let status = status
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("status: {e}")))?;
        let c = Candidate {
            id,
            status,
            valid_until: date(valid)?,
            objected,
            reissued,
        };
        Ok((c, class))
    })
    .collect()
}

/// Records a wave and its planned members; returns the wave's id.
pub fn create(
    conn: Tx<'_>,
    (valid_until, school_year): (NaiveDate, i32),
    members: &[i64],
    now: DateTime<Utc>,
    by: &str,
) -> Result<i64> {
    conn.execute(
        "INSERT INTO waves (valid_until, school_year, started_at, started_by)
         VALUES (?1, ?2, ?3, ?4)",
        params![valid_until.to_string(), school_year, ts(now), by],
    )?;
    let wave = conn.last_insert_rowid();
    let mut stmt =
        conn.prepare_cached("INSERT INTO wave_members (wave_id, application_id) VALUES (?1, ?2)")?;
    for id in members {
        stmt.execute(params![wave, id])?;
    }
    Ok(wave)
}

/// Whether a wave was started for the school year beginning in `year`.
pub fn started_in(conn: Tx<'_>, year: i32) -> Result<bool> {
    let n: i64 = conn.query_row(
        "SELECT COUNT(*) FROM waves WHERE school_year = ?1",
        [year],
        |r| r.get(0),
    )?;
    Ok(n > 0)
}

/// One planned member: its wave, its application, the wave's new date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub wave: i64,
    pub application: i64,
    pub valid_until: NaiveDate,
}

/// The planned members, in the order they were planned, each with its
/// student's parent addresses (none for an anonymised row); the caller
/// groups them into families (`workflow::wave::families`).
pub fn planned(conn: Tx<'_>) -> Result<Vec<(Planned, Vec<String>)>> {
    let mut stmt = conn.prepare(
        "SELECT m.wave_id, m.application_id, w.valid_until, a.student_id
         FROM wave_members m JOIN waves w ON w.id = m.wave_id
         JOIN applications a ON a.id = m.application_id
         WHERE m.state = 'planned' ORDER BY m.rowid",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<i64>>(3)?,
        ))
    })?;
    let mut addresses = conn.prepare_cached(
        "SELECT email FROM student_parents WHERE student_id = ?1 ORDER BY position, email",
    )?;
    let mut planned = Vec::new();
    for row in rows {
        let (wave, application, valid, student) = row?;
        let valid_until = date(Some(valid))?.ok_or_else(|| StoreError::Corrupt("wave".into()))?;
        let parents = match student {
            Some(student) => addresses
                .query_map([student], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<String>>>()?,
            None => Vec::new(),
        };
        let p = Planned {
            wave,
            application,
            valid_until,
        };
        planned.push((p, parents));
    }
    Ok(planned)
}

/// How many members were started since `since` (the hourly rate).
pub fn started_since(conn: Tx<'_>, since: DateTime<Utc>) -> Result<usize> {
    let n: i64 = conn.query_row(
        "SELECT COUNT(*) FROM wave_members WHERE state = 'mailed' AND started_at >= ?1",
        [ts(since)],
        |r| r.get(0),
    )?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// Moves a planned member on: `mailed` with its reissue, or `skipped`.
/// False when it was not planned any more (another process got there).
pub fn finish(conn: Tx<'_>, p: &Planned, reissue: Option<i64>, now: DateTime<Utc>) -> Result<bool> {
    let state = if reissue.is_some() {
        "mailed"
    } else {
        "skipped"
    };
    let n = conn.execute(
        "UPDATE wave_members SET state = ?3, reissue_id = ?4, started_at = ?5
         WHERE wave_id = ?1 AND application_id = ?2 AND state = 'planned'",
        params![p.wave, p.application, state, reissue, ts(now)],
    )?;
    Ok(n == 1)
}

/// The progress of every wave of the school year beginning in `year`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Progress {
    pub members: usize,
    pub mailed: usize,
    pub skipped: usize,
    pub photos_in: usize,
    pub codes_out: usize,
}

pub fn progress(conn: Tx<'_>, year: i32) -> Result<Progress> {
    let mut stmt = conn.prepare(
        "SELECT m.state, r.status FROM wave_members m JOIN waves w ON w.id = m.wave_id
         LEFT JOIN applications r ON r.id = m.reissue_id WHERE w.school_year = ?1",
    )?;
    let rows = stmt.query_map([year], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
    })?;
    let mut p = Progress::default();
    for row in rows {
        let (state, status) = row?;
        p.members += 1;
        match state.as_str() {
            "mailed" => p.mailed += 1,
            "skipped" => p.skipped += 1,
            _ => {}
        }
        if let Some(s) = status.and_then(|s| s.parse::<Status>().ok()) {
            p.photos_in += usize::from(s.photo_in());
            p.codes_out += usize::from(s.code_out());
        }
    }
    Ok(p)
}
