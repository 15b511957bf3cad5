//! Applications and their event history.
//!
//! Rows are turned back into domain types on the way out (the values were
//! valid going in, so a failure here means the file was edited by hand).

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};

use super::{Result, StoreError, Tx, parse_ts, ts};
use crate::domain::{
    Application, EmailAddress, NewApplication, Pesel, SchoolClass, Status, StudentName,
};

/// One line of an application's history.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Event {
    pub at: DateTime<Utc>,
    pub kind: String,
    pub detail: String,
    pub actor: String,
}

const COLUMNS: &str = "id, first_names, last_name, pesel, class, parent_email, \
     legitymacja_number, code_to_student, status, token, created_at, updated_at, student_id";

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<Result<Application>> {
    let first: String = r.get(1)?;
    let last: String = r.get(2)?;
    let pesel: String = r.get(3)?;
    let class: String = r.get(4)?;
    let email: String = r.get(5)?;
    let status: String = r.get(8)?;
    let created: String = r.get(10)?;
    let updated: String = r.get(11)?;
    let (id, number, to_student, token) = (r.get(0)?, r.get(6)?, r.get(7)?, r.get(9)?);
    let student_id = r.get(12)?;
    Ok((|| {
        Ok(Application {
            id,
            student_id,
            name: StudentName::parse(&first, &last).map_err(|e| corrupt("name", e))?,
            pesel: Pesel::parse(&pesel).map_err(|e| corrupt("pesel", e))?,
            class: SchoolClass::parse(&class).map_err(|e| corrupt("class", e))?,
            parent_email: EmailAddress::parse(&email).map_err(|e| corrupt("email", e))?,
            parent_emails: vec![],
            legitymacja_number: number,
            code_to_student: to_student,
            status: status.parse().map_err(|e| corrupt("status", e))?,
            token,
            created_at: parse_ts(&created)?,
            updated_at: parse_ts(&updated)?,
        })
    })())
}

fn query_apps(
    conn: Tx<'_>,
    sql_tail: &str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<Vec<Application>> {
    // An anonymised application is no longer an application anyone acts
    // on: only its trail is read (`store::retention::trail`). The student's
    // columns come from its `students` row (`student_applications`). The
    // `+` keeps SQLite from reading the whole register through the
    // retention index (nearly every row has no anonymised_at) instead of
    // the tail's own index: the cost of a mail stays flat as it grows.
    let sql = format!(
        "SELECT {COLUMNS} FROM (SELECT * FROM student_applications WHERE +anonymised_at IS NULL)
         AS applications {sql_tail}"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(args, from_row)?;
    let mut apps: Vec<Application> = rows
        .map(|r| r.map_err(StoreError::from).and_then(|a| a))
        .collect::<Result<_>>()?;
    for a in &mut apps {
        a.parent_emails = parents_of(conn, a.student_id, &a.parent_email)?;
    }
    Ok(apps)
}

/// The parent addresses of an application (its student's), primary first. A
/// row missing from `student_parents` (a file edited by hand) still leaves
/// the primary address.
fn parents_of(conn: Tx<'_>, student: i64, primary: &EmailAddress) -> Result<Vec<EmailAddress>> {
    let mut stmt = conn.prepare_cached(
        "SELECT email FROM student_parents WHERE student_id = ?1 ORDER BY position, email",
    )?;
    let mut all = vec![primary.clone()];
    for e in stmt.query_map([student], |r| r.get::<_, String>(0))? {
        let e = EmailAddress::parse(&e?).map_err(|e| corrupt("email", e))?;
        if !all.contains(&e) {
            all.push(e);
        }
    }
    Ok(all)
}

/// Registers an application in state `awaiting_photo`. Refuses a second open
/// application for the same PESEL with a message naming the existing one.
pub fn insert(
    conn: Tx<'_>,
    app: &NewApplication,
    token: &str,
    now: DateTime<Utc>,
    actor: &str,
) -> Result<i64> {
    insert_as(conn, app, (token, Status::AwaitingPhoto), now, actor)
}

/// Registers an application in state `status` (`awaiting_photo`, or
/// `not_requested` for an import under `issuance = "on_request"`).
pub fn insert_as(
    conn: Tx<'_>,
    app: &NewApplication,
    (token, status): (&str, Status),
    now: DateTime<Utc>,
    actor: &str,
) -> Result<i64> {
    if let Some(existing) = open_by_pesel(conn, &app.pesel)? {
        return Err(StoreError::Conflict(format!(
            "an open application for this PESEL already exists: #{} ({}, status {})",
            existing.id,
            existing.class.as_str(),
            existing.status
        )));
    }
    let student = super::students::upsert(conn, app, now)?;
    insert_for(conn, student, app.code_to_student, (token, status), now)?;
    let id = conn.last_insert_rowid();
    super::name_keys::insert(conn, id, &app.name)?;
    add_event(conn, id, now, "registered", "", actor)?;
    Ok(id)
}

pub use super::name_keys::key_unkeyed;

/// The application row itself, for student `student`.
fn insert_for(
    conn: Tx<'_>,
    student: i64,
    code_to_student: bool,
    (token, status): (&str, Status),
    now: DateTime<Utc>,
) -> Result<()> {
    conn.execute(
        "INSERT INTO applications (student_id, code_to_student, status, token, created_at,
            updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        params![student, code_to_student, status.as_str(), token, ts(now)],
    )?;
    Ok(())
}

/// An application's reissue links: (the one it reissues, the one that
/// reissued it).
pub fn reissue_links(conn: Tx<'_>, id: i64) -> Result<(Option<i64>, Option<i64>)> {
    Ok(conn
        .query_row(
            "SELECT reissue_of, reissued_as FROM applications WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .unwrap_or((None, None)))
}

/// Registers the reissue of `old` (a new application for the same student,
/// awaiting a photo; nothing of the student is copied) and links both ways.
/// `old` is marked first, so it no longer counts as the student's open
/// application.
pub fn insert_reissue(
    conn: Tx<'_>,
    old: &Application,
    token: &str,
    now: DateTime<Utc>,
    actor: &str,
) -> Result<i64> {
    // The rowid the insert below takes: the new row is written in this
    // transaction, right after.
    let next: i64 = conn.query_row(
        "SELECT COALESCE(MAX(id), 0) + 1 FROM applications",
        [],
        |r| r.get(0),
    )?;
    conn.execute(
        "UPDATE applications SET reissued_as = ?2 WHERE id = ?1",
        params![old.id, next],
    )?;
    if let Some(existing) = open_of_student(conn, old.student_id)? {
        return Err(StoreError::Conflict(format!(
            "an open application for this student already exists: #{} (status {})",
            existing.id, existing.status
        )));
    }
    insert_for(
        conn,
        old.student_id,
        old.code_to_student,
        (token, Status::AwaitingPhoto),
        now,
    )?;
    let id = conn.last_insert_rowid();
    if id != next {
        return Err(StoreError::Corrupt(format!(
            "reissue of #{} became #{id}, not #{next}",
            old.id
        )));
    }
    conn.execute(
        "UPDATE applications SET reissue_of = ?2 WHERE id = ?1",
        params![id, old.id],
    )?;
    super::name_keys::insert(conn, id, &old.name)?;
    add_event(conn, id, now, "registered", "", actor)?;
    Ok(id)
}

/// The student of a PESEL, through its (partial) index: a condition on the
/// joined `pesel` column alone could not use it.
const BY_PESEL: &str = "(SELECT id FROM students WHERE pesel = ?1 AND anonymised_at IS NULL)";

pub fn get(conn: Tx<'_>, id: i64) -> Result<Option<Application>> {
    Ok(query_apps(conn, "WHERE id = ?1", &[&id])?.pop())
}

/// The open application for a PESEL, if any (one reissued is replaced by
/// its reissue).
pub fn open_by_pesel(conn: Tx<'_>, pesel: &Pesel) -> Result<Option<Application>> {
    let closed = super::statuses(Status::is_closed);
    let tail = format!(
        "WHERE student_id = {BY_PESEL} AND status NOT IN ({closed}) AND reissued_as IS NULL LIMIT 1"
    );
    Ok(query_apps(conn, &tail, &[&pesel.as_str()])?.pop())
}

/// The open application of student `student`, if any.
pub fn open_of_student(conn: Tx<'_>, student: i64) -> Result<Option<Application>> {
    let closed = super::statuses(Status::is_closed);
    let tail = format!(
        "WHERE student_id = ?1 AND status NOT IN ({closed}) AND reissued_as IS NULL LIMIT 1"
    );
    Ok(query_apps(conn, &tail, &[&student])?.pop())
}

/// Every application of student `student`, oldest first (the chain of
/// reissues, and any earlier application).
pub fn of_student(conn: Tx<'_>, student: i64) -> Result<Vec<Application>> {
    query_apps(conn, "WHERE student_id = ?1 ORDER BY id", &[&student])
}

/// The newest application for a PESEL, open or not.
pub fn latest_by_pesel(conn: Tx<'_>, pesel: &Pesel) -> Result<Option<Application>> {
    Ok(query_apps(
        conn,
        &format!("WHERE student_id = {BY_PESEL} ORDER BY id DESC LIMIT 1"),
        &[&pesel.as_str()],
    )?
    .pop())
}

pub fn list(conn: Tx<'_>, status: Option<Status>) -> Result<Vec<Application>> {
    match status {
        Some(s) => query_apps(conn, "WHERE status = ?1 ORDER BY id", &[&s.as_str()]),
        None => query_apps(conn, "ORDER BY id", &[]),
    }
}

/// The applications accepting a photo that a mail may be about: those
/// sharing one of `keys` (the mail's name keys, `workflow::mail_name_keys`)
/// and the sender's. A superset of every student the mail can name, found
/// through two indexes rather than by reading the whole register.
pub fn photo_candidates(
    conn: Tx<'_>,
    keys: &[String],
    sender: Option<&EmailAddress>,
) -> Result<Vec<Application>> {
    let mut ids = std::collections::BTreeSet::new();
    let mut by_key =
        conn.prepare_cached("SELECT application_id FROM application_name_keys WHERE key = ?1")?;
    for key in keys {
        for id in by_key.query_map([key], |r| r.get::<_, i64>(0))? {
            ids.insert(id?);
        }
    }
    if let Some(sender) = sender {
        let mut own = conn.prepare_cached(
            "SELECT a.id FROM student_parents p JOIN applications a ON a.student_id = p.student_id
             WHERE p.email = ?1",
        )?;
        for id in own.query_map([sender.as_str()], |r| r.get::<_, i64>(0))? {
            ids.insert(id?);
        }
    }
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // Ids read from the database just now: integers, safe to list inline.
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    let tail = format!(
        "WHERE status IN ({}) AND id IN ({}) ORDER BY id",
        super::statuses(Status::accepts_photo),
        list.join(",")
    );
    query_apps(conn, &tail, &[])
}

/// The application of each student of whom `address` is a parent, oldest
/// first: the student's newest (of a chain of reissues, or after a closed
/// one), so each child is listed once.
pub fn of_parent(conn: Tx<'_>, address: &EmailAddress) -> Result<Vec<Application>> {
    query_apps(
        conn,
        "WHERE student_id IN (SELECT student_id FROM student_parents WHERE email = ?1)
            AND id = (SELECT MAX(b.id) FROM applications b
                      WHERE b.student_id = applications.student_id AND b.anonymised_at IS NULL)
         ORDER BY id",
        &[&address.as_str()],
    )
}

/// Is this address a parent on any application (open or not)?
pub fn is_parent(conn: Tx<'_>, address: &EmailAddress) -> Result<bool> {
    let n: i64 = conn.query_row(
        "SELECT COUNT(*) FROM student_parents p JOIN students s ON s.id = p.student_id
         WHERE p.email = ?1 AND s.anonymised_at IS NULL",
        [address.as_str()],
        |r| r.get(0),
    )?;
    Ok(n > 0)
}

/// Moves an application to `to` and records why, in the caller's transaction.
/// Only the applier (`apply_outcome`) calls it: a status changes only as
/// `workflow::transition` decided.
pub fn set_status(
    conn: Tx<'_>,
    id: i64,
    to: Status,
    now: DateTime<Utc>,
    detail: &str,
    actor: &str,
) -> Result<()> {
    let changed = conn.execute(
        "UPDATE applications SET status = ?1, updated_at = ?2 WHERE id = ?3",
        params![to.as_str(), ts(now), id],
    )?;
    if changed == 0 {
        return Err(StoreError::NotFound(id.to_string()));
    }
    // Whatever the parent asked by mail is answered by the move.
    super::requests::close(conn, id, now)?;
    add_event(conn, id, now, to.as_str(), detail, actor)
}

pub fn add_event(
    conn: Tx<'_>,
    id: i64,
    at: DateTime<Utc>,
    kind: &str,
    detail: &str,
    actor: &str,
) -> Result<()> {
    conn.execute(
        "INSERT INTO events (application_id, at, kind, detail, actor) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, ts(at), kind, detail, actor],
    )?;
    Ok(())
}

pub fn events(conn: Tx<'_>, id: i64) -> Result<Vec<Event>> {
    let mut stmt = conn.prepare(
        "SELECT at, kind, detail, actor FROM events WHERE application_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([id], |r| {
        Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    })?;
    rows.map(|r| {
        let (at, kind, detail, actor) = r?;
        Ok(Event {
            at: parse_ts(&at)?,
            kind,
            detail,
            actor,
        })
    })
    .collect()
}
