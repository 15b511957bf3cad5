//! The name keys of each application (`application_name_keys`): its
//! student's last-name tokens and stems, folded once in Rust
//! (`domain::matching::name_keys`), so a mail's photo is matched only
//! against the applications sharing a key with it.

use rusqlite::params;

use super::{Result, Tx};
use crate::domain::StudentName;
use crate::domain::matching::name_keys;

/// Gives the applications of `student` the name keys of `name` (after a
/// change of name, every application of the student matches the new one).
pub(in crate::store) fn rekey_student(
    conn: Tx<'_>,
    student: i64,
    name: &StudentName,
) -> Result<()> {
    let ids = {
        let mut stmt = conn.prepare_cached(
            "SELECT id FROM applications WHERE student_id = ?1 AND anonymised_at IS NULL",
        )?;
        let rows = stmt.query_map([student], |r| r.get::<_, i64>(0))?;
        rows.collect::<rusqlite::Result<Vec<i64>>>()?
    };
    for id in ids {
        conn.execute(
            "DELETE FROM application_name_keys WHERE application_id = ?1",
            [id],
        )?;
        insert(conn, id, name)?;
    }
    Ok(())
}

pub(in crate::store) fn insert(conn: Tx<'_>, id: i64, name: &StudentName) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT OR IGNORE INTO application_name_keys (key, application_id) VALUES (?1, ?2)",
    )?;
    for key in name_keys(name) {
        stmt.execute(params![key, id])?;
    }
    Ok(())
}

/// Gives the applications that have no name keys theirs (those registered
/// before the keys existed); run when the store opens. Only the name is
/// read: a row edited by hand elsewhere must not keep the store from opening
/// (a name that no longer parses gets no keys, as it could match nothing).
pub fn key_unkeyed(conn: Tx<'_>) -> Result<()> {
    let mut stmt = conn.prepare(
        "SELECT id, first_names, last_name FROM student_applications a
            WHERE anonymised_at IS NULL AND NOT EXISTS
            (SELECT 1 FROM application_name_keys k WHERE k.application_id = a.id)",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    for row in rows {
        let (id, first, last) = row?;
        if let Ok(name) = StudentName::parse(&first, &last) {
            insert(conn, id, &name)?;
        }
    }
    Ok(())
}
