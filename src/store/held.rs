//! Photos held back: named after a student, but sent by an address that is
//! not one of that application's parents. A held photo is no application's
//! photo (`application_id` stays NULL, `held_for` names the student it claims
//! to show) until the secretary accepts it (`TAK`) or refuses it (`NIE`).

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::inbox::supersede_photos;
use super::{Result, Tx, ts};

/// A photo held back because its sender is not a parent of the application
/// it names (see the module doc).
#[derive(Debug, Clone)]
pub struct HeldPhoto {
    pub id: i64,
    /// The application the photo claims to be for.
    pub application_id: i64,
    pub sender: Option<String>,
    pub source_message_id: Option<String>,
    pub source_subject: String,
    /// "accepted" or "refused" once the secretary decided.
    pub outcome: Option<String>,
    /// The image, None once purged.
    pub data: Option<Vec<u8>>,
    pub width: u32,
    pub height: u32,
}

const HELD_COLUMNS: &str = "id, held_for, sender, source_message_id, source_subject, \
     held_outcome, data, width, height";

fn held_where(conn: Tx<'_>, condition: &str, arg: &str) -> Result<Option<HeldPhoto>> {
    let sql = format!(
        "SELECT {HELD_COLUMNS} FROM photos WHERE held_for IS NOT NULL AND {condition} LIMIT 1"
    );
    Ok(conn
        .query_row(&sql, [arg], |r| {
            Ok(HeldPhoto {
                id: r.get(0)?,
                application_id: r.get(1)?,
                sender: r.get(2)?,
                source_message_id: r.get(3)?,
                source_subject: r.get(4)?,
                outcome: r.get(5)?,
                data: r.get(6)?,
                width: r.get(7)?,
                height: r.get(8)?,
            })
        })
        .optional()?)
}

/// The held photo whose token this is.
pub fn held_by_token(conn: Tx<'_>, token: &str) -> Result<Option<HeldPhoto>> {
    held_where(conn, "held_token = ?1", token)
}

/// The held photo whose notification has this Message-ID.
pub fn held_by_notice(conn: Tx<'_>, message_id: &str) -> Result<Option<HeldPhoto>> {
    held_where(conn, "held_notice = ?1", message_id)
}

/// Holds a stored photo (new, or an orphan found at registration) for
/// application `app`: it stays no application's photo until decided.
pub fn mark_held(conn: Tx<'_>, photo: i64, app: i64, token: &str) -> Result<()> {
    conn.execute(
        "UPDATE photos SET application_id = NULL, held_for = ?2, held_token = ?3 WHERE id = ?1",
        params![photo, app, token],
    )?;
    Ok(())
}

/// Records the Message-ID of the secretary's notification about a held photo.
/// The notice carries the photo, so it is linked to the application as a
/// copy: the application's purge expunges it whatever the secretary decides.
pub fn set_held_notice(conn: Tx<'_>, photo: i64, message_id: &str) -> Result<()> {
    conn.execute(
        "UPDATE photos SET held_notice = ?2 WHERE id = ?1",
        params![photo, message_id],
    )?;
    let held_for: Option<i64> = conn
        .query_row("SELECT held_for FROM photos WHERE id = ?1", [photo], |r| {
            r.get(0)
        })
        .optional()?
        .flatten();
    if let Some(app) = held_for {
        super::purges::link(conn, app, message_id, super::purges::Linked::Notice)?;
    }
    Ok(())
}

/// The secretary accepted a held photo: it becomes the application's photo,
/// superseding (and deleting) older ones, as if a parent had sent it.
pub fn accept_held(conn: Tx<'_>, photo: i64, app: i64, now: DateTime<Utc>) -> Result<()> {
    supersede_photos(conn, app, now)?;
    conn.execute(
        "UPDATE photos SET application_id = ?2, held_outcome = 'accepted' WHERE id = ?1",
        params![photo, app],
    )?;
    Ok(())
}

/// The secretary refused a held photo: its bytes, the copy attached to her
/// notification and (by queueing it for expunging) the sender's mail go.
pub fn refuse_held(conn: Tx<'_>, photo: i64, now: DateTime<Utc>) -> Result<()> {
    use super::purges::{Origin, queue_mail};
    let (source, notice, app): (Option<String>, Option<String>, Option<i64>) = conn.query_row(
        "SELECT source_message_id, held_notice, held_for FROM photos WHERE id = ?1",
        [photo],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    // The sender chose that Message-ID: expunged only where mleg filed it.
    if let Some(id) = source {
        queue_mail(conn, &id, "parent", Origin::Foreign, app, now)?;
    }
    if let Some(id) = notice {
        queue_mail(conn, &id, "copy", Origin::Minted, app, now)?;
    }
    conn.execute(
        "UPDATE photos SET held_outcome = 'refused' WHERE id = ?1",
        [photo],
    )?;
    erase_held(conn, "id = ?1", photo, now)
}

/// Deletes the bytes of every undecided photo held for application `app`
/// (the application is closing; its purge expunges their mails, which were
/// linked to it when held). Returns how many.
pub fn purge_held_for(conn: Tx<'_>, app: i64, now: DateTime<Utc>) -> Result<usize> {
    let n: i64 = conn.query_row(
        "SELECT COUNT(*) FROM photos WHERE held_for = ?1 AND held_outcome IS NULL AND data IS NOT NULL",
        [app],
        |r| r.get(0),
    )?;
    erase_held(conn, "held_for = ?1 AND held_outcome IS NULL", app, now)?;
    Ok(n as usize)
}

fn erase_held(conn: Tx<'_>, condition: &str, arg: i64, now: DateTime<Utc>) -> Result<()> {
    conn.execute(
        &format!(
            "DELETE FROM outbox_attachments WHERE outbox_id IN (SELECT o.id FROM outbox o
                JOIN photos p ON p.held_notice = o.message_id WHERE p.{condition})"
        ),
        [arg],
    )?;
    conn.execute(
        &format!(
            "UPDATE photos SET data = NULL, purged_at = ?2 WHERE {condition} AND data IS NOT NULL"
        ),
        params![arg, ts(now)],
    )?;
    Ok(())
}
