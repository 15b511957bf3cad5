//! How many automatic replies a sender had, and how often the same mail
//! came back: the per-sender cap and the broken-auto-responder check.
//! Read in the transaction that queues the reply, so two mails
//! from one sender can never both see room for the last reply.

use chrono::{DateTime, Duration, Utc};
use rusqlite::params;

use super::{Result, Tx, ts};

/// Outbox kinds that are an automatic answer to the recipient's own mail.
const REPLY_KINDS: &str = "'parent_reply', 'parent_last_notice'";

/// Automatic replies queued to `address` since `since`.
pub fn replies_since(conn: Tx<'_>, address: &str, since: DateTime<Utc>) -> Result<u32> {
    let n: i64 = conn.query_row(
        &format!(
            "SELECT COUNT(*) FROM outbox
             WHERE recipient = ?1 AND created_at >= ?2 AND kind IN ({REPLY_KINDS})"
        ),
        params![address, ts(since)],
        |r| r.get(0),
    )?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Mails with this fingerprint from `sender` since `since`.
pub fn repeats_since(conn: Tx<'_>, sender: &str, hash: &str, since: DateTime<Utc>) -> Result<u32> {
    let n: i64 = conn.query_row(
        "SELECT COUNT(*) FROM mail_fingerprints WHERE sender = ?1 AND hash = ?2 AND at >= ?3",
        params![sender, hash, ts(since)],
        |r| r.get(0),
    )?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Notes one mail's fingerprint, and forgets those older than a day (the
/// check looks back one hour).
pub fn note_fingerprint(conn: Tx<'_>, sender: &str, hash: &str, now: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "DELETE FROM mail_fingerprints WHERE at < ?1",
        [ts(now - Duration::days(1))],
    )?;
    conn.execute(
        "INSERT INTO mail_fingerprints (sender, hash, at) VALUES (?1, ?2, ?3)",
        params![sender, hash, ts(now)],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::EmailAddress;
    use crate::mail::outgoing::{MailKind, OutgoingMail};
    use crate::store::{Store, outbox};
    use chrono::TimeZone;

    fn reply(to: &str, kind: MailKind) -> OutgoingMail {
        OutgoingMail {
            kind,
            application_id: None,
            to: EmailAddress::parse(to).unwrap(),
            subject: "Re: x".into(),
            body: "b".into(),
            in_reply_to: None,
            references: vec![],
            attachments: vec![],
        }
    }

    #[test]
    fn only_replies_to_that_address_in_the_window_count() {
        let mut store = Store::open_in_memory().unwrap();
        let t0 = Utc.with_ymd_and_hms(2026, 9, 1, 8, 0, 0).unwrap();
        store
            .transaction(|tx| -> Result<()> {
                outbox::enqueue(
                    tx,
                    &reply("a@example.pl", MailKind::ParentReply),
                    "s.pl",
                    t0,
                )?;
                let later = t0 + Duration::hours(2);
                outbox::enqueue(
                    tx,
                    &reply("a@example.pl", MailKind::ParentReply),
                    "s.pl",
                    later,
                )?;
                outbox::enqueue(
                    tx,
                    &reply("a@example.pl", MailKind::ParentNews),
                    "s.pl",
                    later,
                )?;
                outbox::enqueue(
                    tx,
                    &reply("b@example.pl", MailKind::ParentReply),
                    "s.pl",
                    later,
                )?;
                Ok(())
            })
            .unwrap();
        let c = store.conn();
        assert_eq!(replies_since(c, "a@example.pl", t0).unwrap(), 2);
        assert_eq!(
            replies_since(c, "a@example.pl", t0 + Duration::hours(1)).unwrap(),
            1
        );
        assert_eq!(replies_since(c, "c@example.pl", t0).unwrap(), 0);

        note_fingerprint(c, "a@example.pl", "h1", t0).unwrap();
        note_fingerprint(c, "a@example.pl", "h1", t0 + Duration::minutes(30)).unwrap();
        note_fingerprint(c, "a@example.pl", "h2", t0 + Duration::minutes(30)).unwrap();
        assert_eq!(repeats_since(c, "a@example.pl", "h1", t0).unwrap(), 2);
        assert_eq!(
            repeats_since(c, "a@example.pl", "h1", t0 + Duration::minutes(10)).unwrap(),
            1
        );
        // A day later the old rows are gone.
        note_fingerprint(c, "a@example.pl", "h3", t0 + Duration::days(2)).unwrap();
        assert_eq!(repeats_since(c, "a@example.pl", "h1", t0).unwrap(), 0);
    }
}
