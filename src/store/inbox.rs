//! What the intake has seen: the per-mailbox UID watermark, the mails it
//! acted on (and the folder each must be moved to), and the photos received.
//!
//! Exactly-once hinges on two facts recorded here: `(mailbox, UIDVALIDITY,
//! UID)` of every examined mail (the watermark) and the Message-ID of every
//! handled one, so a mail seen again after a crash or a UIDVALIDITY reset is
//! recognised and not answered twice.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Result, Tx, parse_ts, ts};

/// Every UID up to `last_uid` was examined in this `uid_validity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Watermark {
    pub uid_validity: u32,
    pub last_uid: u32,
}

pub fn watermark(conn: Tx<'_>, mailbox: &str) -> Result<Option<Watermark>> {
    Ok(conn
        .query_row(
            "SELECT uid_validity, last_uid FROM mailbox_state WHERE mailbox = ?1",
            [mailbox],
            |r| {
                Ok(Watermark {
                    uid_validity: r.get(0)?,
                    last_uid: r.get(1)?,
                })
            },
        )
        .optional()?)
}

pub fn set_watermark(conn: Tx<'_>, mailbox: &str, w: Watermark) -> Result<()> {
    conn.execute(
        "INSERT INTO mailbox_state (mailbox, uid_validity, last_uid) VALUES (?1, ?2, ?3)
         ON CONFLICT (mailbox) DO UPDATE SET uid_validity = ?2, last_uid = ?3",
        params![mailbox, w.uid_validity, w.last_uid],
    )?;
    Ok(())
}

/// A handled mail to record.
#[derive(Debug, Clone)]
pub struct HandledMail<'a> {
    pub mailbox: &'a str,
    pub uid_validity: u32,
    pub uid: u32,
    pub message_id: Option<&'a str>,
    pub sender: Option<&'a str>,
    pub disposition: &'a str,
    pub target_folder: &'a str,
}

/// Counts one more failure to handle the mail at `(mailbox, uid_validity,
/// uid)` and returns the count so far. Kept in the database so a restart
/// continues the count rather than crashing on the same mail for ever.
pub fn note_failure(conn: Tx<'_>, mailbox: &str, uid_validity: u32, uid: u32) -> Result<u32> {
    Ok(conn.query_row(
        "INSERT INTO mail_failures (mailbox, uid_validity, uid, tries) VALUES (?1, ?2, ?3, 1)
         ON CONFLICT (mailbox, uid_validity, uid) DO UPDATE SET tries = tries + 1
         RETURNING tries",
        params![mailbox, uid_validity, uid],
        |r| r.get(0),
    )?)
}

pub fn record_handled(conn: Tx<'_>, m: &HandledMail<'_>, now: DateTime<Utc>) -> Result<i64> {
    conn.execute(
        "INSERT INTO messages (mailbox, uid_validity, uid, message_id, sender, received_at,
            disposition, target_folder)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            m.mailbox,
            m.uid_validity,
            m.uid,
            m.message_id,
            m.sender,
            ts(now),
            m.disposition,
            m.target_folder
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Records how many pictures the handled mail `row` carried: one with
/// pictures that no application claims is expunged after `orphan_days`.
pub fn record_pictures(conn: Tx<'_>, row: i64, pictures: usize) -> Result<()> {
    conn.execute(
        "UPDATE messages SET pictures = ?2 WHERE id = ?1",
        params![row, pictures as i64],
    )?;
    Ok(())
}

/// Records the size the server gave for the handled mail at `(mailbox,
/// uid_validity, uid)` (RFC822.SIZE): a purge checks it, with the
/// Message-ID, before it expunges a mail someone else wrote. Nothing is
/// recorded for a mail that was not handled; 0 (no size given) is not a size.
pub fn record_size(
    conn: Tx<'_>,
    mailbox: &str,
    uid_validity: u32,
    uid: u32,
    size: u32,
) -> Result<()> {
    conn.execute(
        "UPDATE messages SET size = ?4 WHERE mailbox = ?1 AND uid_validity = ?2 AND uid = ?3",
        params![mailbox, uid_validity, uid, (size > 0).then_some(size)],
    )?;
    Ok(())
}

/// The folder a mail with this Message-ID was already filed to, if it was handled.
pub fn handled_folder_for(conn: Tx<'_>, message_id: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT target_folder FROM messages WHERE message_id = ?1 ORDER BY id LIMIT 1",
            [message_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// A handled mail that still sits in the watched mailbox, to be moved (one
/// mleg gave up moving, [`super::stuck::leave`], is not).
#[derive(Debug, Clone)]
pub struct PendingMove {
    pub row: i64,
    pub uid: u32,
    pub target_folder: String,
}

pub fn pending_moves(conn: Tx<'_>, mailbox: &str, uid_validity: u32) -> Result<Vec<PendingMove>> {
    let mut stmt = conn.prepare(
        "SELECT id, uid, target_folder FROM messages
         WHERE mailbox = ?1 AND uid_validity = ?2 AND moved_at IS NULL AND left_at IS NULL
         ORDER BY uid",
    )?;
    let rows = stmt.query_map(params![mailbox, uid_validity], |r| {
        Ok(PendingMove {
            row: r.get(0)?,
            uid: r.get(1)?,
            target_folder: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Moves recorded under an older UIDVALIDITY can never be done by UID; the
/// mails are found again by Message-ID instead, so these rows are closed.
pub fn abandon_stale_moves(
    conn: Tx<'_>,
    mailbox: &str,
    uid_validity: u32,
    now: DateTime<Utc>,
) -> Result<usize> {
    Ok(conn.execute(
        "UPDATE messages SET moved_at = ?3 WHERE mailbox = ?1 AND uid_validity != ?2 AND moved_at IS NULL",
        params![mailbox, uid_validity, ts(now)],
    )?)
}

pub fn mark_moved(conn: Tx<'_>, row: i64, now: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "UPDATE messages SET moved_at = ?2 WHERE id = ?1",
        params![row, ts(now)],
    )?;
    Ok(())
}

/// Records where a moved mail now is (the server's COPYUID), so a purge can
/// expunge exactly that mail by UID.
pub fn record_filed(
    conn: Tx<'_>,
    row: i64,
    folder: &str,
    uid_validity: u32,
    uid: u32,
) -> Result<()> {
    conn.execute(
        "UPDATE messages SET filed_folder = ?2, filed_uid_validity = ?3, filed_uid = ?4 WHERE id = ?1",
        params![row, folder, uid_validity, uid],
    )?;
    Ok(())
}

/// Is this Message-ID one of the mails mleg itself sent (a reply to us)?
pub fn is_our_message(conn: Tx<'_>, message_id: &str) -> Result<bool> {
    let n: i64 = conn.query_row(
        "SELECT COUNT(*) FROM outbox WHERE message_id = ?1",
        [message_id],
        |r| r.get(0),
    )?;
    Ok(n > 0)
}

/// A photo to store.
#[derive(Debug, Clone)]
pub struct NewPhoto<'a> {
    pub application_id: Option<i64>,
    pub message_row: Option<i64>,
    pub source_message_id: Option<&'a str>,
    pub source_subject: &'a str,
    pub sender: Option<&'a str>,
    pub file_name: Option<&'a str>,
    pub name_tokens: &'a [String],
    pub width: u32,
    pub height: u32,
    pub data: &'a [u8],
}

/// Stores a photo. For an application, any earlier photo of it is superseded
/// and its bytes deleted at once: only the newest photo is kept.
pub fn insert_photo(conn: Tx<'_>, p: &NewPhoto<'_>, now: DateTime<Utc>) -> Result<i64> {
    if let Some(app) = p.application_id {
        supersede_photos(conn, app, now)?;
    }
    conn.execute(
        "INSERT INTO photos (application_id, message_row, source_message_id, source_subject, sender,
            file_name, name_tokens, width, height, bytes, data, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            p.application_id,
            p.message_row,
            p.source_message_id,
            p.source_subject,
            p.sender,
            p.file_name,
            p.name_tokens.join(" "),
            p.width,
            p.height,
            p.data.len() as i64,
            p.data,
            ts(now)
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

pub(super) fn supersede_photos(conn: Tx<'_>, app: i64, now: DateTime<Utc>) -> Result<()> {
    // A photo kept for a reissue (`kept_photos`) keeps its own deadline: a
    // late orphan adopted at a purge does not replace it.
    conn.execute(
        "UPDATE photos SET data = NULL, purged_at = ?2, superseded_at = ?2
         WHERE application_id = ?1 AND purged_at IS NULL AND kept_until IS NULL",
        params![app, ts(now)],
    )?;
    Ok(())
}

/// A photo waiting for its application to be registered.
#[derive(Debug, Clone)]
pub struct Orphan {
    pub id: i64,
    pub sender: Option<String>,
    pub file_name: Option<String>,
    pub name_tokens: Vec<String>,
    pub source_message_id: Option<String>,
    pub source_subject: String,
    pub received_at: DateTime<Utc>,
}

pub fn orphans(conn: Tx<'_>) -> Result<Vec<Orphan>> {
    let mut stmt = conn.prepare(
        "SELECT id, sender, file_name, name_tokens, source_message_id, source_subject, received_at
         FROM photos WHERE application_id IS NULL AND purged_at IS NULL AND held_for IS NULL
         ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get::<_, String>(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get::<_, String>(6)?,
        ))
    })?;
    rows.map(|r| {
        let (id, sender, file_name, tokens, source_message_id, source_subject, at) = r?;
        Ok(Orphan {
            id,
            sender,
            file_name,
            name_tokens: tokens.split_whitespace().map(str::to_owned).collect(),
            source_message_id,
            source_subject,
            received_at: parse_ts(&at)?,
        })
    })
    .collect()
}

/// Gives an orphan photo to an application (superseding older photos).
pub fn adopt_orphan(conn: Tx<'_>, photo: i64, app: i64, now: DateTime<Utc>) -> Result<()> {
    supersede_photos(conn, app, now)?;
    conn.execute(
        "UPDATE photos SET application_id = ?2 WHERE id = ?1",
        params![photo, app],
    )?;
    Ok(())
}

/// The stored image of a photo (None once purged).
pub fn photo_data(conn: Tx<'_>, photo: i64) -> Result<Option<Vec<u8>>> {
    Ok(conn
        .query_row("SELECT data FROM photos WHERE id = ?1", [photo], |r| {
            r.get(0)
        })
        .optional()?
        .flatten())
}

/// What the registry re-checks of a stored orphan photo before adopting it.
#[derive(Debug, Clone)]
pub struct PhotoShape {
    pub width: u32,
    pub height: u32,
    /// Size of the received file (the bytes may have been purged since).
    pub bytes: i64,
    /// The image itself, None once purged.
    pub data: Option<Vec<u8>>,
}

/// The shape of photo `photo`; an error if there is no such photo.
pub fn photo_shape(conn: Tx<'_>, photo: i64) -> Result<PhotoShape> {
    Ok(conn.query_row(
        "SELECT width, height, bytes, data FROM photos WHERE id = ?1",
        [photo],
        |r| {
            Ok(PhotoShape {
                width: r.get(0)?,
                height: r.get(1)?,
                bytes: r.get(2)?,
                data: r.get(3)?,
            })
        },
    )?)
}

/// The current photo of an application: (photo id, received, purged).
#[derive(Debug, Clone, serde::Serialize)]
pub struct PhotoInfo {
    pub id: i64,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    pub received_at: DateTime<Utc>,
    pub purged_at: Option<DateTime<Utc>>,
}

pub fn current_photo(conn: Tx<'_>, app: i64) -> Result<Option<PhotoInfo>> {
    let row = conn
        .query_row(
            "SELECT id, width, height, bytes, received_at, purged_at FROM photos
             WHERE application_id = ?1 AND superseded_at IS NULL ORDER BY id DESC LIMIT 1",
            [app],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<String>>(5)?,
                ))
            },
        )
        .optional()?;
    row.map(|(id, width, height, bytes, at, purged)| {
        Ok(PhotoInfo {
            id,
            width,
            height,
            bytes: bytes.max(0) as u64,
            received_at: parse_ts(&at)?,
            purged_at: purged.as_deref().map(parse_ts).transpose()?,
        })
    })
    .transpose()
}

/// Who sent the application's newest photo (its raw From address), if any.
pub fn latest_photo_sender(conn: Tx<'_>, app: i64) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT sender FROM photos WHERE application_id = ?1 ORDER BY id DESC LIMIT 1",
            [app],
            |r| r.get(0),
        )
        .optional()?
        .flatten())
}
