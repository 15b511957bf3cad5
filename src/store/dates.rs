//! What the date rules read and record: when an application became
//! complete, which codes and deadlines are due, and the reminders sent.
//!
//! Each "what is due" question is one range query on an index
//! (`codes_current_expiry`, `applications_complete`), so a scheduler
//! step costs the same per application whatever the register's size. The
//! code's dates are read through the `application_codes` view: each
//! application with its current code (`codes`).

use chrono::{DateTime, Duration, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Result, Tx, parse_ts, ts};
use crate::domain::Status;

/// Statuses in which the secretary owes a code (the deadline runs): the
/// SQL of `Status::owes_code`, the one meaning of "overdue" for the staff
/// reminders, `apps list --overdue` and the digest.
fn owed() -> String {
    super::statuses(Status::owes_code)
}

/// Records when the application became complete (`Some`: it reached
/// `awaiting_review` from `awaiting_photo`, so the deadline and the staff
/// reminders start anew from `at`) or that it is no longer complete (`None`:
/// back to `awaiting_photo`). The applier decides which.
pub fn set_complete_at(conn: Tx<'_>, id: i64, at: Option<DateTime<Utc>>) -> Result<()> {
    conn.execute(
        "UPDATE applications SET complete_at = ?2 WHERE id = ?1",
        params![id, at.map(ts)],
    )?;
    Ok(())
}

/// An application's dates as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppDates {
    pub complete_at: Option<DateTime<Utc>>,
    pub code_generated_at: Option<DateTime<Utc>>,
    pub code_expires_at: Option<DateTime<Utc>>,
}

fn opt_ts(s: Option<String>) -> Result<Option<DateTime<Utc>>> {
    s.as_deref().map(parse_ts).transpose()
}

pub fn app_dates(conn: Tx<'_>, id: i64) -> Result<AppDates> {
    let row = conn
        .query_row(
            "SELECT complete_at, code_generated_at, code_expires_at FROM application_codes WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    r.get::<_, Option<String>>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                ))
            },
        )
        .optional()?;
    let Some((c, g, e)) = row else {
        return Ok(AppDates::default());
    };
    Ok(AppDates {
        complete_at: opt_ts(c)?,
        code_generated_at: opt_ts(g)?,
        code_expires_at: opt_ts(e)?,
    })
}

fn ids(conn: Tx<'_>, sql: &str, args: &[&dyn rusqlite::ToSql]) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(args, |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Codes that may owe a parent reminder at `now`: not yet expired, expiring
/// within `horizon`, in one of `statuses`, and whose most urgent reminder
/// (`last_day`) of the current code is not recorded yet.
pub fn parent_candidates(
    conn: Tx<'_>,
    now: DateTime<Utc>,
    horizon: Duration,
    with_handed_over: bool,
    last_day: u32,
) -> Result<Vec<i64>> {
    let live = super::statuses(Status::has_live_code);
    let statuses = if with_handed_over {
        format!("{live}, '{}'", Status::HandedOver.as_str())
    } else {
        live
    };
    ids(
        conn,
        &format!(
            "SELECT a.id FROM application_codes a WHERE a.status IN ({statuses})
               AND a.code_expires_at > ?1 AND a.code_expires_at <= ?2
               AND NOT EXISTS (SELECT 1 FROM reminders r WHERE r.application_id = a.id
                   AND r.kind = 'parent' AND r.series = a.code_generated_at AND r.day = ?3)
             ORDER BY a.code_expires_at"
        ),
        &[&ts(now), &ts(now + horizon), &last_day],
    )
}

/// `code_ready` applications whose code expired by `now`.
pub fn expired_codes(conn: Tx<'_>, now: DateTime<Utc>) -> Result<Vec<i64>> {
    ids(
        conn,
        &format!(
            "SELECT id FROM application_codes WHERE status IN ({}) AND code_expires_at <= ?1
             ORDER BY code_expires_at",
            super::statuses(Status::has_live_code)
        ),
        &[&ts(now)],
    )
}

/// Applications still owed a code, complete by `complete_by`, whose last
/// staff reminder (`last_day`) of the current completion is not recorded
/// yet (a staff series is keyed by its `complete_at`).
pub fn staff_candidates(
    conn: Tx<'_>,
    complete_by: DateTime<Utc>,
    last_day: u32,
) -> Result<Vec<i64>> {
    ids(
        conn,
        &format!(
            "SELECT a.id FROM applications a WHERE a.status IN ({})
               AND a.complete_at <= ?1
               AND NOT EXISTS (SELECT 1 FROM reminders r WHERE r.application_id = a.id
                   AND r.kind = 'staff' AND r.series = a.complete_at AND r.day = ?2)
             ORDER BY a.complete_at",
            owed()
        ),
        &[&ts(complete_by), &last_day],
    )
}

/// Applications still owed a code that became complete before `complete_before`
/// (i.e. past the deadline), oldest first.
pub fn overdue(conn: Tx<'_>, complete_before: DateTime<Utc>) -> Result<Vec<i64>> {
    ids(
        conn,
        &format!(
            "SELECT id FROM applications WHERE status IN ({}) AND complete_at < ?1
             ORDER BY complete_at",
            owed()
        ),
        &[&ts(complete_before)],
    )
}

/// `code_ready` applications whose code expires after `now` and by `until`.
pub fn expiring(conn: Tx<'_>, now: DateTime<Utc>, until: DateTime<Utc>) -> Result<Vec<i64>> {
    ids(
        conn,
        &format!(
            "SELECT id FROM application_codes WHERE status IN ({})
               AND code_expires_at > ?1 AND code_expires_at <= ?2 ORDER BY code_expires_at",
            super::statuses(Status::has_live_code)
        ),
        &[&ts(now), &ts(until)],
    )
}

/// One reminder as recorded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Reminder {
    /// "parent" or "staff".
    pub kind: String,
    pub series: String,
    pub day: u32,
    pub due_at: DateTime<Utc>,
    pub at: DateTime<Utc>,
    /// "sent" or "skipped".
    pub outcome: String,
}

/// The days of one series already recorded (sent or skipped).
pub fn recorded_days(conn: Tx<'_>, id: i64, kind: &str, series: &str) -> Result<Vec<u32>> {
    let mut stmt = conn.prepare_cached(
        "SELECT day FROM reminders WHERE application_id = ?1 AND kind = ?2 AND series = ?3",
    )?;
    let rows = stmt.query_map(params![id, kind, series], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Records a reminder; false when that one was recorded already (then the
/// caller sends nothing).
pub fn record(conn: Tx<'_>, id: i64, r: &Reminder) -> Result<bool> {
    let n = conn.execute(
        "INSERT OR IGNORE INTO reminders (application_id, kind, series, day, due_at, at, outcome)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            id,
            r.kind,
            r.series,
            r.day,
            ts(r.due_at),
            ts(r.at),
            r.outcome
        ],
    )?;
    Ok(n == 1)
}

/// Every reminder of an application, oldest first.
pub fn reminders(conn: Tx<'_>, id: i64) -> Result<Vec<Reminder>> {
    let mut stmt = conn.prepare(
        "SELECT kind, series, day, due_at, at, outcome FROM reminders
         WHERE application_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, u32>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
        ))
    })?;
    rows.map(|r| {
        let (kind, series, day, due, at, outcome) = r?;
        Ok(Reminder {
            kind,
            series,
            day,
            due_at: parse_ts(&due)?,
            at: parse_ts(&at)?,
            outcome,
        })
    })
    .collect()
}

/// The application a mail mleg sent to a parent was about (by its Message-ID).
pub fn parent_mail_application(conn: Tx<'_>, message_id: &str) -> Result<Option<i64>> {
    Ok(conn
        .query_row(
            "SELECT application_id FROM outbox WHERE message_id = ?1 AND kind LIKE 'parent_%'
             AND application_id IS NOT NULL",
            [message_id],
            |r| r.get(0),
        )
        .optional()?)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::Status;
    use crate::domain::test_support::{class, email, name, pesel};
    use crate::store::{Store, apps, schema::MIGRATIONS};

    fn new_app() -> crate::domain::NewApplication {
        crate::domain::NewApplication {
            name: name("Jan", "Kowalski"),
            pesel: pesel(2014, 5, 17, 1234),
            class: class("3A"),
            parent_email: email("rodzic@example.pl"),
            other_parent_emails: vec![],
            legitymacja_number: None,
            valid_until: None,
            code_to_student: false,
        }
    }

    #[test]
    fn the_migrations_backfill_complete_at_from_the_latest_completion() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite3");
        // A database as it was before the date rules' migration.
        let mine = MIGRATIONS
            .iter()
            .position(|m| m.contains("-- Dates: the date rules'"))
            .unwrap();
        let conn = rusqlite::Connection::open(&path).unwrap();
        for m in &MIGRATIONS[..mine] {
            conn.execute_batch(m).unwrap();
        }
        conn.pragma_update(None, "user_version", mine as i64)
            .unwrap();
        conn.execute_batch(
            "INSERT INTO applications (id, first_names, last_name, pesel, class, parent_email,
                status, token, created_at, updated_at)
             VALUES (1, 'Jan', 'Kowalski', '14251712346', '3A', 'r@example.pl', 'approved', 't1',
                '2026-11-01T08:00:00Z', '2026-11-01T08:00:00Z'),
                    (2, 'Ola', 'Nowak', '14251712347', '3A', 'r@example.pl', 'awaiting_photo', 't2',
                '2026-11-01T08:00:00Z', '2026-11-01T08:00:00Z'),
                    (3, 'Ewa', 'Lis', '14251712348', '3A', 'r@example.pl', 'awaiting_photo', 't3',
                '2026-11-01T08:00:00Z', '2026-11-01T08:00:00Z');
             INSERT INTO events (application_id, at, kind, actor) VALUES
                (1, '2026-11-02T09:00:00Z', 'awaiting_review', 'mail'),
                (1, '2026-11-03T09:00:00Z', 'awaiting_photo', 'cli'),
                (1, '2026-11-04T09:00:00Z', 'awaiting_review', 'mail'),
                (1, '2026-11-05T09:00:00Z', 'approved', 'cli'),
                (3, '2026-11-02T09:00:00Z', 'awaiting_review', 'mail'),
                (3, '2026-11-03T09:00:00Z', 'awaiting_photo', 'cli');",
        )
        .unwrap();
        drop(conn);
        let s = Store::open(&path).unwrap();
        let latest = Utc.with_ymd_and_hms(2026, 11, 4, 9, 0, 0).unwrap();
        assert_eq!(app_dates(s.conn(), 1).unwrap().complete_at, Some(latest));
        assert_eq!(app_dates(s.conn(), 2).unwrap().complete_at, None);
        assert_eq!(
            app_dates(s.conn(), 3).unwrap().complete_at,
            None,
            "waiting for a new photo: not complete"
        );
    }

    #[test]
    fn a_staff_series_recorded_before_is_keyed_by_its_completion() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite3");
        let mine = MIGRATIONS
            .iter()
            .position(|m| m.contains("one meaning of \"complete\""))
            .unwrap();
        let conn = rusqlite::Connection::open(&path).unwrap();
        for m in &MIGRATIONS[..mine] {
            conn.execute_batch(m).unwrap();
        }
        conn.pragma_update(None, "user_version", mine as i64)
            .unwrap();
        conn.execute_batch(
            "INSERT INTO applications (id, first_names, last_name, pesel, class, parent_email,
                status, token, created_at, updated_at, complete_at)
             VALUES (1, 'Jan', 'Kowalski', '14251712346', '3A', 'r@example.pl', 'awaiting_review',
                't1', '2026-11-01T08:00:00Z', '2026-11-01T08:00:00Z', '2026-11-02T09:00:00Z');
             INSERT INTO events (application_id, at, kind, actor) VALUES
                (1, '2026-11-02T09:00:00Z', 'awaiting_review', 'mail');
             INSERT INTO reminders (application_id, kind, series, day, due_at, at, outcome)
             VALUES (1, 'staff', '', 10, '2026-11-12T07:00:00Z', '2026-11-12T07:00:00Z', 'sent');",
        )
        .unwrap();
        drop(conn);
        let s = Store::open(&path).unwrap();
        let days = recorded_days(s.conn(), 1, "staff", "2026-11-02T09:00:00Z").unwrap();
        assert_eq!(days, vec![10]);
    }

    #[test]
    fn owed_is_the_sql_of_owes_code() {
        assert_eq!(owed(), "'awaiting_review', 'approved'");
    }

    #[test]
    fn an_expired_application_stays_open() {
        let t0 = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
        let mut s = Store::open_in_memory().unwrap();
        let id = s
            .transaction(|tx| apps::insert(tx, &new_app(), "t1", t0, "test"))
            .unwrap();
        s.transaction(|tx| {
            set_complete_at(tx, id, Some(t0))?;
            apps::set_status(tx, id, Status::Expired, t0, "", "test")
        })
        .unwrap();
        assert_eq!(app_dates(s.conn(), id).unwrap().complete_at, Some(t0));
        let second = s.transaction(|tx| apps::insert(tx, &new_app(), "t2", t0, "test"));
        assert!(second.is_err(), "an expired application is still open");
    }
}
