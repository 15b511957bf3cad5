//! The rest of retention: mails with pictures that no application claims
//! (an orphan photo, a refused one, a stranger's), the secretary's mails
//! about no one application (the digest lists names), and the rows that
//! only said where a mail now expunged was filed.

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::super::purges::{Origin, queue_mail};
use super::super::{Result, Tx, ts};

/// A handled mail with pictures, received before `?1`, that no application
/// claims (not linked to one, no photo of one or held for one) and that is
/// not queued yet. A mail mleg left in the inbox is the school's: untouched.
const UNCLAIMED: &str = "m.pictures > 0 AND m.received_at < ?1 AND m.message_id IS NOT NULL
    AND m.disposition != 'ignored'
    AND NOT EXISTS (SELECT 1 FROM application_mails l WHERE l.message_id = m.message_id)
    AND NOT EXISTS (SELECT 1 FROM photos p WHERE p.message_row = m.id
        AND (p.application_id IS NOT NULL OR p.held_for IS NOT NULL))
    AND NOT EXISTS (SELECT 1 FROM imap_purges q WHERE q.message_id = m.message_id)";

/// Photos nobody claimed, and held photos the secretary refused.
const UNCLAIMED_PHOTO: &str = "received_at < ?1 AND application_id IS NULL
    AND (held_for IS NULL OR held_outcome = 'refused')";

/// The secretary's mails about no one application (the digest, alerts,
/// "delete by hand" notes), sent before `?1`: they may name students.
const OLD_STAFF_MAIL: &str = "application_id IS NULL AND kind LIKE 'staff%' AND sent_at < ?1
    AND NOT EXISTS (SELECT 1 FROM imap_purges q WHERE q.message_id = outbox.message_id)";

/// Queues the unclaimed mails with pictures received before `before` for
/// expunging where mleg filed them, and deletes the unclaimed photos.
/// Returns (mails queued, photos deleted).
pub fn orphan_mails(
    tx: Tx<'_>,
    before: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(usize, usize)> {
    let mut ids: Vec<String> = strings(
        tx,
        &format!("SELECT m.message_id FROM messages m WHERE {UNCLAIMED}"),
        before,
    )?;
    // A photo whose mail record is gone (kept before mails had a size).
    ids.extend(strings(
        tx,
        &format!(
            "SELECT source_message_id FROM photos WHERE {UNCLAIMED_PHOTO}
             AND held_for IS NULL AND source_message_id IS NOT NULL AND NOT EXISTS
             (SELECT 1 FROM imap_purges q WHERE q.message_id = photos.source_message_id)"
        ),
        before,
    )?);
    ids.sort();
    ids.dedup();
    for id in &ids {
        // Someone else chose the Message-ID: only at its recorded place.
        queue_mail(tx, id, "parent", Origin::Foreign, None, now)?;
    }
    let photos = tx.execute(
        &format!("DELETE FROM photos WHERE {UNCLAIMED_PHOTO}"),
        [ts(before)],
    )?;
    Ok((ids.len(), photos))
}

/// Queues the secretary's mails about no one application sent before
/// `before` (mleg's own: searched for in both accounts). Returns how many.
pub fn old_staff_mails(tx: Tx<'_>, before: DateTime<Utc>, now: DateTime<Utc>) -> Result<usize> {
    let ids = strings(
        tx,
        &format!("SELECT message_id FROM outbox WHERE {OLD_STAFF_MAIL}"),
        before,
    )?;
    for id in &ids {
        queue_mail(tx, id, "copy", Origin::Minted, None, now)?;
    }
    Ok(ids.len())
}

/// What [`orphan_mails`] and [`old_staff_mails`] would take now: (mails
/// with pictures, photos, the secretary's mails), for `apps purge --dry-run`.
pub fn orphans_due(
    conn: Tx<'_>,
    before_orphans: DateTime<Utc>,
    before_staff: DateTime<Utc>,
) -> Result<(usize, usize, usize)> {
    let count = |sql: String, t: DateTime<Utc>| -> Result<usize> {
        let n: i64 = conn.query_row(&sql, [ts(t)], |r| r.get(0))?;
        Ok(n as usize)
    };
    Ok((
        count(
            format!("SELECT COUNT(*) FROM messages m WHERE {UNCLAIMED}"),
            before_orphans,
        )?,
        count(
            format!("SELECT COUNT(*) FROM photos WHERE {UNCLAIMED_PHOTO}"),
            before_orphans,
        )?,
        count(
            format!("SELECT COUNT(*) FROM outbox WHERE {OLD_STAFF_MAIL}"),
            before_staff,
        )?,
    ))
}

/// Once a queued mail is expunged (or the secretary was asked to delete it
/// by hand), the records of where it was go, for an anonymised application
/// or for no application: the mail record (sender, Message-ID, place), the
/// link and the queue row. Returns how many mail records went.
pub fn forget_settled(tx: Tx<'_>) -> Result<usize> {
    let gone = |p: &str| {
        format!(
            "({p}application_id IS NULL OR {p}application_id IN
                (SELECT id FROM applications WHERE anonymised_at IS NOT NULL))"
        )
    };
    let (of_row, of_queue) = (gone("q."), gone(""));
    let messages = tx.execute(
        &format!(
            "DELETE FROM messages WHERE id IN (SELECT m.id FROM messages m JOIN imap_purges q
                ON q.message_id = m.message_id AND q.account = 'watched'
             WHERE (q.done_at IS NOT NULL OR q.failed_at IS NOT NULL) AND {of_row}
               AND NOT EXISTS (SELECT 1 FROM photos p WHERE p.message_row = m.id))"
        ),
        [],
    )?;
    tx.execute(
        "DELETE FROM application_mails WHERE application_id IN
            (SELECT id FROM applications WHERE anonymised_at IS NOT NULL)
         AND NOT EXISTS (SELECT 1 FROM imap_purges q WHERE q.message_id = application_mails.message_id
            AND q.done_at IS NULL AND q.failed_at IS NULL)",
        [],
    )?;
    tx.execute(
        &format!(
            "DELETE FROM imap_purges WHERE (done_at IS NOT NULL OR failed_at IS NOT NULL)
             AND {of_queue} AND NOT EXISTS
                (SELECT 1 FROM messages m WHERE m.message_id = imap_purges.message_id)"
        ),
        params![],
    )?;
    Ok(messages)
}

fn strings(tx: Tx<'_>, sql: &str, t: DateTime<Utc>) -> Result<Vec<String>> {
    let mut stmt = tx.prepare(sql)?;
    let rows = stmt.query_map([ts(t)], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
