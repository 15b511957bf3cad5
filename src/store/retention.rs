//! Retention: what the school no longer needs leaves the database, and the
//! mails holding it are queued for expunging (`store::purges`).
//!
//! A closed application past its retention is reduced to an anonymous
//! trail: its status, its dates and the kinds of its events stay; names,
//! PESEL, addresses, class, ID number, codes, tokens, the reasons a person
//! typed and every mail record go. The rows that only said where a mail was
//! filed are deleted once that mail's expunge is settled
//! ([`forget_settled`]). `secure_delete` (set at open) zeroes the freed
//! bytes; the caller checkpoints the WAL after the commit.

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::purges::{Origin, queue_application, queue_mail};
use super::{Result, Tx, parse_ts, statuses, ts};
use crate::domain::Status;
use crate::workflow::retention::Closing;

/// An application whose retention clock runs, not yet anonymised.
#[derive(Debug, Clone, Copy)]
pub struct Candidate {
    pub id: i64,
    pub closing: Closing,
}

/// Applications whose status last changed before `changed_before` and
/// whose retention clock runs (`Status::retention_clock_runs`); the caller
/// decides with `workflow::retention::anonymise_due`.
pub fn candidates(conn: Tx<'_>, changed_before: DateTime<Utc>) -> Result<Vec<Candidate>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT id, status, updated_at, code_expires_at FROM application_codes
         WHERE anonymised_at IS NULL AND status IN ({}) AND updated_at < ?1
           -- An objection on file is what stops a new application for the
           -- student: it stays while the student is at the school.
           AND NOT EXISTS (SELECT 1 FROM objections o
                           WHERE o.application_id = application_codes.id AND o.withdrawn_at IS NULL)
         ORDER BY id",
        statuses(Status::retention_clock_runs)
    ))?;
    let rows = stmt.query_map([ts(changed_before)], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<String>>(3)?,
        ))
    })?;
    rows.map(|r| {
        let (id, status, since, expiry) = r?;
        Ok(Candidate {
            id,
            closing: Closing {
                status: status
                    .parse()
                    .map_err(|e| super::StoreError::Corrupt(format!("status: {e}")))?,
                status_since: parse_ts(&since)?,
                code_expires_at: expiry.as_deref().map(parse_ts).transpose()?,
            },
        })
    })
    .collect()
}

/// The distinct actors of an application's history and audit entries
/// ("mail:…", "cli:…", "mleg…"), for the caller to map to roles.
pub fn actors(conn: Tx<'_>, id: i64) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT actor FROM events WHERE application_id = ?1
         UNION SELECT actor FROM audit WHERE application_id = ?1
         UNION SELECT handed_over_by FROM codes WHERE application_id = ?1 AND handed_over_by IS NOT NULL",
    )?;
    let rows = stmt.query_map([id], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Reduces application `id` to an anonymous trail, in the caller's
/// transaction. `roles` gives each actor of [`actors`] its role. Every mail
/// that named the child or a parent is queued for expunging first (the
/// queue reads the rows this then deletes).
pub fn anonymise(
    tx: Tx<'_>,
    id: i64,
    roles: &[(String, &'static str)],
    now: DateTime<Utc>,
) -> Result<()> {
    queue_mails(tx, id, now)?;
    for (actor, role) in roles {
        tx.execute(
            "UPDATE events SET actor = ?3 WHERE application_id = ?1 AND actor = ?2",
            params![id, actor, role],
        )?;
        tx.execute(
            "UPDATE audit SET actor = ?3 WHERE application_id = ?1 AND actor = ?2",
            params![id, actor, role],
        )?;
        tx.execute(
            "UPDATE codes SET handed_over_by = ?3 WHERE application_id = ?1 AND handed_over_by = ?2",
            params![id, actor, role],
        )?;
    }
    // A detail may be a reason the secretary typed; the kind says enough.
    tx.execute(
        "UPDATE events SET detail = '' WHERE application_id = ?1",
        [id],
    )?;
    tx.execute(
        "UPDATE audit SET detail = '', message_id = NULL WHERE application_id = ?1",
        [id],
    )?;
    scrub_outbox(tx, "application_id = ?1", id, now)?;
    for table in ["application_name_keys", "command_tokens", "bounce_notices"] {
        tx.execute(
            &format!("DELETE FROM {table} WHERE application_id = ?1"),
            [id],
        )?;
    }
    tx.execute(
        "DELETE FROM photos WHERE application_id = ?1 OR held_for = ?1",
        [id],
    )?;
    tx.execute(
        "UPDATE codes SET code = '', qr_content = NULL
         WHERE application_id = ?1",
        [id],
    )?;
    // The placeholder keeps the UNIQUE token unique and names nobody.
    tx.execute(
        "UPDATE applications SET token = 'anonymised:' || id, anonymised_at = ?2 WHERE id = ?1",
        params![id, ts(now)],
    )?;
    super::apps::add_event(tx, id, now, "anonymised", "", "mleg")?;
    // The student (PESEL, names, class, addresses) goes with the last of
    // their applications.
    let student: Option<i64> = tx.query_row(
        "SELECT student_id FROM applications WHERE id = ?1",
        [id],
        |r| r.get(0),
    )?;
    if let Some(student) = student {
        super::students::anonymise_if_done(tx, student, now)?;
    }
    Ok(())
}

/// Queues for expunging every mail that names the child or a parent: the
/// purge's own set (photos, linked mails, code mails), every other mail
/// mleg wrote about the application, and the parents' other mails in
/// mleg's folders (a parent of a child whose application is still kept
/// keeps them). A parent's mail mleg left in the inbox is the school's.
fn queue_mails(tx: Tx<'_>, id: i64, now: DateTime<Utc>) -> Result<()> {
    queue_application(tx, id, now)?;
    let minted: Vec<String> = select_ids(
        tx,
        "SELECT message_id FROM outbox WHERE application_id = ?1",
        id,
    )?;
    for m in &minted {
        queue_mail(tx, m, "copy", Origin::Minted, Some(id), now)?;
    }
    let parents_mails = select_ids(
        tx,
        "SELECT m.message_id FROM messages m
         JOIN application_parents p ON p.application_id = ?1 AND p.email = lower(m.sender)
         WHERE m.message_id IS NOT NULL AND m.disposition != 'ignored'
           AND NOT EXISTS (SELECT 1 FROM application_parents o JOIN applications a
               ON a.id = o.application_id
               WHERE o.email = p.email AND a.id != ?1 AND a.anonymised_at IS NULL)",
        id,
    )?;
    for m in &parents_mails {
        queue_mail(tx, m, "parent", Origin::Foreign, Some(id), now)?;
    }
    // Every record of a mail from these parents forgets who sent it (the
    // place stays until the expunge is settled).
    tx.execute(
        "UPDATE messages SET sender = NULL WHERE lower(sender) IN
            (SELECT p.email FROM application_parents p WHERE p.application_id = ?1
             AND NOT EXISTS (SELECT 1 FROM application_parents o JOIN applications a
                ON a.id = o.application_id
                WHERE o.email = p.email AND a.id != ?1 AND a.anonymised_at IS NULL))",
        [id],
    )?;
    Ok(())
}

fn select_ids(tx: Tx<'_>, sql: &str, id: i64) -> Result<Vec<String>> {
    let mut stmt = tx.prepare(sql)?;
    let rows = stmt.query_map([id], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The outbox rows matching `filter` (with `?1` = `arg`) keep only the kind
/// of recipient, the template (`kind`) and the times; an unsent one is
/// cancelled. Returns how many rows changed.
fn scrub_outbox(tx: Tx<'_>, filter: &str, arg: i64, now: DateTime<Utc>) -> Result<usize> {
    tx.execute(
        &format!(
            "UPDATE outbox SET failed_at = ?2, last_error = 'cancelled: data deleted'
             WHERE {filter} AND sent_at IS NULL AND failed_at IS NULL"
        ),
        params![arg, ts(now)],
    )?;
    tx.execute(
        &format!(
            "DELETE FROM outbox_attachments WHERE outbox_id IN (SELECT id FROM outbox WHERE {filter})"
        ),
        [arg],
    )?;
    Ok(tx.execute(
        &format!(
            "UPDATE outbox SET recipient = {RECIPIENT_KIND}, subject = '', body = '',
                in_reply_to = NULL, refs = '',
                last_error = CASE WHEN last_error LIKE 'cancelled:%' THEN last_error
                    WHEN last_error IS NULL THEN NULL ELSE 'failed' END
             WHERE {filter} AND recipient LIKE '%@%'"
        ),
        [arg],
    )?)
}

/// What an outbox row's recipient was, from its template's name.
const RECIPIENT_KIND: &str = "CASE WHEN kind LIKE 'staff%' THEN 'staff' WHEN kind LIKE 'parent%' THEN 'parent' ELSE 'sender' END";

/// Outbox rows sent (or given up before `given_up_before`) keep no text:
/// the mail is delivered, only that it was stays. Returns how many.
pub fn clear_sent_texts(tx: Tx<'_>, given_up_before: DateTime<Utc>) -> Result<usize> {
    let done = "body != '' AND (sent_at IS NOT NULL OR failed_at < ?1)";
    tx.execute(
        &format!(
            "DELETE FROM outbox_attachments WHERE outbox_id IN (SELECT id FROM outbox WHERE {done})"
        ),
        [ts(given_up_before)],
    )?;
    Ok(tx.execute(
        &format!("UPDATE outbox SET subject = '', body = '' WHERE {done}"),
        [ts(given_up_before)],
    )?)
}

/// Mails about no application (a stranger's answer, an alert, the digest)
/// that were sent before `before` lose their recipient's address as well.
pub fn forget_unlinked_recipients(tx: Tx<'_>, before: DateTime<Utc>) -> Result<usize> {
    Ok(tx.execute(
        &format!(
            "UPDATE outbox SET recipient = {RECIPIENT_KIND}, in_reply_to = NULL, refs = ''
             WHERE application_id IS NULL AND recipient LIKE '%@%'
               AND (sent_at < ?1 OR failed_at < ?1)"
        ),
        [ts(before)],
    )?)
}

/// The windows that count mails per sender (near-identical mails, refused
/// commands) look back a day at most: older rows, which name the sender,
/// go even when no new mail comes to prune them.
pub fn forget_old_senders(tx: Tx<'_>, now: DateTime<Utc>) -> Result<()> {
    let day_ago = ts(now - chrono::Duration::days(1));
    tx.execute("DELETE FROM mail_fingerprints WHERE at < ?1", [&day_ago])?;
    tx.execute("DELETE FROM staff_alerts WHERE at < ?1", [&day_ago])?;
    Ok(())
}

/// The actors of audit entries about no application (a command from an
/// unknown address, a mail with no valid token) written before `before`.
pub fn unlinked_audit_actors(conn: Tx<'_>, before: DateTime<Utc>) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT DISTINCT actor FROM audit WHERE application_id IS NULL AND at < ?1
            AND (actor LIKE 'mail:%' OR actor LIKE 'cli:%')",
    )?;
    let rows = stmt.query_map([ts(before)], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Those entries keep their command, outcome and time, and only the role
/// of whoever acted. Returns how many entries changed.
pub fn anonymise_unlinked_audit(
    tx: Tx<'_>,
    before: DateTime<Utc>,
    roles: &[(String, &'static str)],
) -> Result<usize> {
    let mut n = 0;
    for (actor, role) in roles {
        n += tx.execute(
            "UPDATE audit SET actor = ?3, detail = '', message_id = NULL
             WHERE application_id IS NULL AND at < ?1 AND actor = ?2",
            params![ts(before), actor, role],
        )?;
    }
    Ok(n)
}

#[path = "retention_orphans.rs"]
mod orphans;
pub use orphans::{forget_settled, old_staff_mails, orphan_mails, orphans_due};

/// What `apps show` still knows of an anonymised application.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Trail {
    pub id: i64,
    pub status: Status,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub anonymised_at: DateTime<Utc>,
}

/// The anonymous trail of application `id`, if it was anonymised.
pub fn trail(conn: Tx<'_>, id: i64) -> Result<Option<Trail>> {
    use rusqlite::OptionalExtension;
    let row = conn
        .query_row(
            "SELECT status, created_at, updated_at, anonymised_at FROM applications
             WHERE id = ?1 AND anonymised_at IS NOT NULL",
            [id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            },
        )
        .optional()?;
    row.map(|(status, created, updated, anonymised)| {
        Ok(Trail {
            id,
            status: status
                .parse()
                .map_err(|e| super::StoreError::Corrupt(format!("status: {e}")))?,
            created_at: parse_ts(&created)?,
            updated_at: parse_ts(&updated)?,
            anonymised_at: parse_ts(&anonymised)?,
        })
    })
    .transpose()
}

/// How many rows the daily job would change now: (outbox texts to clear).
pub fn texts_to_clear(conn: Tx<'_>, given_up_before: DateTime<Utc>) -> Result<usize> {
    let n: i64 = conn.query_row(
        "SELECT COUNT(*) FROM outbox WHERE body != '' AND (sent_at IS NOT NULL OR failed_at < ?1)",
        [ts(given_up_before)],
        |r| r.get(0),
    )?;
    Ok(n as usize)
}

#[cfg(test)]
#[path = "retention_tests.rs"]
mod tests;
