//! Students: what the school knows of a child, apart from each application
//! for an mLegitymacja (PESEL, names, class, parents' addresses, the paper
//! ID's number and validity). A reissue or the wave opens a new application
//! for the same student; a change of name, class or parents is written
//! here once for all of them.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Result, Tx, ts};
use crate::domain::{NewApplication, Pesel};

/// The student (not anonymised) with this PESEL, if any.
pub fn by_pesel(conn: Tx<'_>, pesel: &Pesel) -> Result<Option<i64>> {
    Ok(conn
        .query_row(
            "SELECT id FROM students WHERE pesel = ?1 AND anonymised_at IS NULL",
            [pesel.as_str()],
            |r| r.get(0),
        )
        .optional()?)
}

/// The student of `new` (by PESEL), created or brought up to date with what
/// the secretary registered or imported now: the newest values win, except
/// an ID number or validity date the new row leaves empty.
pub fn upsert(conn: Tx<'_>, new: &NewApplication, now: DateTime<Utc>) -> Result<i64> {
    match by_pesel(conn, &new.pesel)? {
        Some(id) => {
            update(conn, id, new, now)?;
            Ok(id)
        }
        None => {
            conn.execute(
                "INSERT INTO students (pesel, first_names, last_name, class, legitymacja_number,
                    valid_until, parent_email, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
                params![
                    new.pesel.as_str(),
                    new.name.first_names(),
                    new.name.last_name(),
                    new.class.as_str(),
                    new.legitymacja_number,
                    new.valid_until.map(|d| d.to_string()),
                    new.parent_email.as_str(),
                    ts(now),
                ],
            )?;
            let id = conn.last_insert_rowid();
            set_parents(conn, id, new)?;
            Ok(id)
        }
    }
}

/// Writes `new`'s name, class, parents, ID number and validity onto student
/// `id`: every application of the student reads them from here.
pub fn update(conn: Tx<'_>, id: i64, new: &NewApplication, now: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "UPDATE students SET first_names = ?2, last_name = ?3, class = ?4,
            legitymacja_number = COALESCE(?5, legitymacja_number),
            valid_until = COALESCE(?6, valid_until), parent_email = ?7, updated_at = ?8
         WHERE id = ?1",
        params![
            id,
            new.name.first_names(),
            new.name.last_name(),
            new.class.as_str(),
            new.legitymacja_number,
            new.valid_until.map(|d| d.to_string()),
            new.parent_email.as_str(),
            ts(now),
        ],
    )?;
    conn.execute("DELETE FROM student_parents WHERE student_id = ?1", [id])?;
    set_parents(conn, id, new)?;
    super::name_keys::rekey_student(conn, id, &new.name)
}

fn set_parents(conn: Tx<'_>, id: i64, new: &NewApplication) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO student_parents (student_id, email, position) VALUES (?1, ?2, ?3)",
    )?;
    for (position, email) in new.parent_emails().into_iter().enumerate() {
        stmt.execute(params![id, email.as_str(), position as i64])?;
    }
    Ok(())
}

/// The paper ID's validity date of student `id`.
pub fn valid_until(conn: Tx<'_>, id: i64) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT valid_until FROM students WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?
        .flatten())
}

/// Records the paper ID's new validity date (the wave's sticker).
pub fn set_valid_until(conn: Tx<'_>, id: i64, date: NaiveDate, now: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "UPDATE students SET valid_until = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, date.to_string(), ts(now)],
    )?;
    Ok(())
}

/// Anonymises student `id` once every application of theirs is anonymised
/// and no objection stands (an objection is what stops a new application,
/// so it stays while the student is at the school). Returns whether it did.
/// The placeholder keeps the PESEL column filled and names nobody.
pub fn anonymise_if_done(conn: Tx<'_>, id: i64, now: DateTime<Utc>) -> Result<bool> {
    let waiting: i64 = conn.query_row(
        "SELECT (SELECT COUNT(*) FROM applications WHERE student_id = ?1 AND anonymised_at IS NULL)
              + (SELECT COUNT(*) FROM objections o JOIN applications a ON a.id = o.application_id
                 WHERE a.student_id = ?1 AND o.withdrawn_at IS NULL)",
        [id],
        |r| r.get(0),
    )?;
    if waiting > 0 {
        return Ok(false);
    }
    conn.execute("DELETE FROM student_parents WHERE student_id = ?1", [id])?;
    let changed = conn.execute(
        "UPDATE students SET pesel = 'anonymised:' || id, first_names = '', last_name = '',
            class = '', legitymacja_number = NULL, valid_until = NULL, parent_email = '',
            anonymised_at = ?2, updated_at = ?2
         WHERE id = ?1 AND anonymised_at IS NULL",
        params![id, ts(now)],
    )?;
    Ok(changed > 0)
}
