//! The queries behind the secretary's daily digest: counts by status, what
//! waits for her (oldest first), and the record of which days had a digest.
//!
//! Each list is one indexed query with a cap on the rows returned plus a
//! count, so the digest costs the same per application at any school size
//! and stays readable when hundreds of items wait.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rusqlite::params;

use super::{Result, StoreError, Tx, parse_ts, ts};
use crate::domain::Status;

/// Most items listed per section; the rest is only counted.
pub const SECTION_LIMIT: usize = 50;

/// One application as the digest lists it: what the secretary's other
/// notifications already show her (number, name, class), and its date.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Item {
    pub id: i64,
    pub first_names: String,
    pub last_name: String,
    pub class: String,
    /// The date the section is about (since when it waits, or when the code
    /// expires).
    pub at: DateTime<Utc>,
}

/// One list of the digest: its first items, oldest first, and how many in all.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Section {
    pub total: usize,
    pub items: Vec<Item>,
}

/// What waits for the secretary at one instant.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Waiting {
    /// Photos to review (`awaiting_review`), since completion.
    pub review: Section,
    /// Approved, not yet entered in the ministry system.
    pub approved: Section,
    /// Past the issue deadline without a code; `at` is the deadline.
    pub overdue: Section,
    /// Codes expiring within the window; `at` is the expiry.
    pub expiring: Section,
    /// Other codes waiting to be picked up (pickup schools only).
    pub not_picked_up: Section,
    /// Codes that lapsed: a new code or a new photo is needed.
    pub expired: Section,
    /// Open applications whose parent's address bounces (`at`: since when).
    pub bounced: Section,
    /// A parent's request by mail (lost phone, opting out, an objection)
    /// she has not acted on yet (`at`: when it came).
    pub requests: Section,
}

impl Waiting {
    pub fn is_empty(&self) -> bool {
        [
            &self.review,
            &self.approved,
            &self.overdue,
            &self.expiring,
            &self.not_picked_up,
            &self.expired,
            &self.bounced,
            &self.requests,
        ]
        .iter()
        .all(|s| s.total == 0)
    }
}

/// What the digest asks about, as of `now`.
#[derive(Debug, Clone, Copy)]
pub struct Query {
    pub now: DateTime<Utc>,
    pub issue_within_days: u32,
    pub expiring_within_days: u32,
    /// Codes are handed over at the secretariat (`delivery = "pickup"`).
    pub pickup: bool,
}

pub fn waiting(conn: Tx<'_>, q: Query) -> Result<Waiting> {
    let deadline_from = ts(q.now - Duration::days(i64::from(q.issue_within_days)));
    let expiry_until = ts(q.now + Duration::days(i64::from(q.expiring_within_days)));
    let days = format!("+{} days", q.issue_within_days);
    let review = section(
        conn,
        "COALESCE(complete_at, updated_at)",
        &format!("status = {}", super::status_sql(Status::AwaitingReview)),
        &[],
    )?;
    let approved = section(
        conn,
        "updated_at",
        &format!("status = {}", super::status_sql(Status::Approved)),
        &[],
    )?;
    let overdue = section(
        conn,
        // The deadline itself, in the same format as the stored times.
        "strftime('%Y-%m-%dT%H:%M:%SZ', complete_at, ?2)",
        // The one meaning of overdue (`store::dates::overdue`, `plan::is_overdue`).
        &format!(
            "status IN ({}) AND complete_at < ?1",
            super::statuses(Status::owes_code)
        ),
        &[&deadline_from, &days],
    )?;
    let expiring = section(
        conn,
        "code_expires_at",
        &format!(
            "status IN ({}) AND code_expires_at <= ?1",
            super::statuses(Status::has_live_code)
        ),
        &[&expiry_until],
    )?;
    let not_picked_up = if q.pickup {
        section(
            conn,
            "COALESCE(code_generated_at, updated_at)",
            &format!(
                "status IN ({}) AND (code_expires_at IS NULL OR code_expires_at > ?1)",
                super::statuses(Status::has_live_code)
            ),
            &[&expiry_until],
        )?
    } else {
        Section::default()
    };
    // An expired application that was reissued continues in its reissue.
    let expired = section(
        conn,
        "updated_at",
        &format!(
            "status = {} AND reissued_as IS NULL",
            super::status_sql(Status::Expired)
        ),
        &[],
    )?;
    let bounced = section(
        conn,
        "bounced_at",
        &format!(
            "bounced_at IS NOT NULL AND status NOT IN ({})",
            super::statuses(Status::is_closed)
        ),
        &[],
    )?;
    let requests = section(
        conn,
        "(SELECT MIN(asked_at) FROM parent_requests r
            WHERE r.application_id = application_codes.id AND r.closed_at IS NULL)",
        "id IN (SELECT application_id FROM parent_requests WHERE closed_at IS NULL)",
        &[],
    )?;
    Ok(Waiting {
        review,
        approved,
        overdue,
        expiring,
        not_picked_up,
        expired,
        bounced,
        requests,
    })
}

/// The first [`SECTION_LIMIT`] rows matching `filter`, ordered by `at`, and
/// the total. `at` and `filter` are constant SQL from this module.
fn section(conn: Tx<'_>, at: &str, filter: &str, args: &[&dyn rusqlite::ToSql]) -> Result<Section> {
    // Both queries name every parameter, so they take the same `args`.
    let total: i64 = conn.query_row(
        &format!(
            "SELECT COUNT(*) FROM (SELECT {at} FROM application_codes
             WHERE anonymised_at IS NULL AND ({filter}))"
        ),
        args,
        |r| r.get(0),
    )?;
    let sql = format!(
        "SELECT id, first_names, last_name, class, {at} AS at FROM application_codes
         WHERE anonymised_at IS NULL AND ({filter}) ORDER BY at, id LIMIT {SECTION_LIMIT}"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(args, |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, Option<String>>(4)?,
        ))
    })?;
    let mut items = Vec::new();
    for row in rows {
        let (id, first_names, last_name, class, at) = row?;
        let at = at.ok_or_else(|| StoreError::Corrupt(format!("application {id}: no date")))?;
        items.push(Item {
            id,
            first_names,
            last_name,
            class,
            at: parse_ts(&at)?,
        });
    }
    Ok(Section {
        total: usize::try_from(total).unwrap_or(0),
        items,
    })
}

/// How many applications are in each status (statuses with none left out).
pub fn status_counts(conn: Tx<'_>) -> Result<Vec<(Status, usize)>> {
    let mut stmt = conn.prepare("SELECT status, COUNT(*) FROM applications GROUP BY status")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    let mut counts = Vec::new();
    for row in rows {
        let (status, n) = row?;
        let status: Status = status
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("status: {e}")))?;
        counts.push((status, usize::try_from(n).unwrap_or(0)));
    }
    counts.sort_by_key(|(s, _)| Status::ALL.iter().position(|x| x == s));
    Ok(counts)
}

/// The latest school-local date whose digest was decided (sent, or nothing
/// waited).
pub fn last_decided(conn: Tx<'_>) -> Result<Option<NaiveDate>> {
    let last: Option<String> =
        conn.query_row("SELECT MAX(local_date) FROM digests", [], |r| r.get(0))?;
    last.map(|d| {
        NaiveDate::parse_from_str(&d, "%Y-%m-%d")
            .map_err(|_| StoreError::Corrupt(format!("digest date {d:?}")))
    })
    .transpose()
}

/// Records the digest of `date` as decided; call it in the transaction that
/// queues the digest mail. Returns false if it was already recorded.
pub fn record(conn: Tx<'_>, date: NaiveDate, now: DateTime<Utc>, sent: bool) -> Result<bool> {
    let n = conn.execute(
        "INSERT OR IGNORE INTO digests (local_date, decided_at, sent) VALUES (?1, ?2, ?3)",
        params![date.to_string(), ts(now), sent],
    )?;
    Ok(n == 1)
}

#[cfg(test)]
#[path = "digest_tests.rs"]
mod tests;
