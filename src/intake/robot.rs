//! Whether a mail that reached the parent path may be answered.
//!
//! The mail's own headers speak first (`mail::robot`); then what only intake
//! knows: a loop back to mleg's own address, the per-sender cap on automatic
//! replies (`max_auto_replies_per_day` in any 24 hours, counted from the
//! outbox), and the third near-identical mail within an hour (a broken
//! auto-responder without headers, recognised by a hash of its subject and
//! text — the text itself is never stored). Read inside the transaction that
//! queues the reply, so the count cannot race.

use chrono::Duration;

use crate::app::App;
use crate::domain::EmailAddress;
use crate::domain::mail::{IncomingMail, RobotReason};
use crate::store::{StoreError, Tx, auto_replies};
use crate::workflow::{bare_subject, command};

/// How many near-identical mails within an hour are still answered.
const ANSWERED_REPEATS: u32 = 2;

/// What the answer to a mail may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Quiet {
    /// No automatic answer, and why.
    pub robot: Option<RobotReason>,
    /// The answer is the sender's last within the cap.
    pub last_reply: bool,
}

/// Judges `mail` from its `sender` against mleg's address and the store.
pub(super) fn judge(
    app: &App,
    conn: Tx<'_>,
    mail: &IncomingMail,
    sender: Option<&EmailAddress>,
) -> Result<Quiet, StoreError> {
    let own = &app.config.smtp.from;
    let quiet = |reason| Quiet {
        robot: Some(reason),
        last_reply: false,
    };
    if let Some(reason) = mail.robot {
        return Ok(quiet(reason));
    }
    if mail.x_loop.iter().any(|a| a == own.as_str()) {
        return Ok(quiet(RobotReason::Loop));
    }
    if sender == Some(own)
        || mail
            .message_id
            .as_deref()
            .is_some_and(|id| minted_by_us(id, own))
    {
        return Ok(quiet(RobotReason::OwnMail));
    }
    // The secretariat is never capped (and never answered by this path).
    let Some(sender) = sender.filter(|s| !app.config.staff.addresses.contains(s)) else {
        return Ok(Quiet::default());
    };
    let now = app.clock.now();
    let hash = fingerprint(mail);
    if auto_replies::repeats_since(conn, sender.as_str(), &hash, now - Duration::hours(1))?
        >= ANSWERED_REPEATS
    {
        return Ok(quiet(RobotReason::Repeated));
    }
    let cap = app.config.max_auto_replies_per_day;
    let replies = auto_replies::replies_since(conn, sender.as_str(), now - Duration::hours(24))?;
    if replies >= cap {
        return Ok(quiet(RobotReason::ReplyCap));
    }
    Ok(Quiet {
        robot: None,
        last_reply: replies + 1 == cap,
    })
}

/// Notes `mail` for the near-identical check (in the transaction that
/// records it).
pub(super) fn note(
    app: &App,
    tx: Tx<'_>,
    mail: &IncomingMail,
    sender: Option<&EmailAddress>,
) -> Result<(), StoreError> {
    match sender {
        Some(s) if !app.config.staff.addresses.contains(s) => {
            auto_replies::note_fingerprint(tx, s.as_str(), &fingerprint(mail), app.clock.now())
        }
        _ => Ok(()),
    }
}

/// A Message-ID of the form `outbox::enqueue` mints (`mleg.<uuid>@<our
/// domain>`): ours even when the outbox row is long gone.
fn minted_by_us(id: &str, own: &EmailAddress) -> bool {
    id.strip_prefix("mleg.")
        .and_then(|rest| rest.rsplit_once('@'))
        .is_some_and(|(uuid, domain)| {
            uuid.len() == 32
                && uuid.bytes().all(|b| b.is_ascii_hexdigit())
                && domain.eq_ignore_ascii_case(own.domain())
        })
}

/// A stable hash (FNV-1a, 64 bits) of the subject without reply and forward
/// prefixes, the mail's own text without what it quotes, with case and runs
/// of white space folded, and the pictures' bytes: equal for a robot's
/// copies — even as each round adds a `Re:` and quotes mleg's last answer —
/// and different when a parent sends a new photo with the same words.
/// Never the text itself.
fn fingerprint(mail: &IncomingMail) -> String {
    let mut hash: u64 = FNV_OFFSET;
    let own = command::own_text(&mail.text, mail.html.as_deref());
    let folded = bare_subject(&mail.subject)
        .split_whitespace()
        .chain(std::iter::once("\u{0}"))
        .chain(own.split_whitespace())
        .flat_map(|w| w.chars().chain(std::iter::once(' ')))
        .flat_map(char::to_lowercase);
    let mut buf = [0u8; 4];
    for c in folded {
        fnv(&mut hash, c.encode_utf8(&mut buf).as_bytes());
    }
    for image in &mail.images {
        fnv(&mut hash, &[0]);
        // A word at a time: byte by byte, a phone photo cost milliseconds
        // on intake's one-mail-at-a-time path.
        let words = image.data.chunks_exact(8);
        let tail = words.remainder();
        for word in words {
            let word = u64::from_le_bytes(word.try_into().unwrap_or_default());
            hash = (hash ^ word).wrapping_mul(FNV_PRIME);
        }
        fnv(&mut hash, tail);
    }
    format!("{hash:016x}")
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;

/// FNV-1a over `bytes`, continuing `hash`.
fn fnv(hash: &mut u64, bytes: &[u8]) {
    for &b in bytes {
        *hash ^= u64::from(b);
        *hash = hash.wrapping_mul(FNV_PRIME);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_support::email;

    fn mail(subject: &str, text: &str) -> IncomingMail {
        let raw = format!("From: a@example.pl\r\nSubject: {subject}\r\n\r\n{text}\r\n");
        crate::mail::parse::parse_mail(raw.as_bytes()).unwrap()
    }

    #[test]
    fn near_identical_means_same_words() {
        let a = fingerprint(&mail("Out of office", "I am away\r\n until Monday."));
        assert_eq!(
            a,
            fingerprint(&mail("out of  office", "I am away until monday."))
        );
        assert_ne!(
            a,
            fingerprint(&mail("Out of office", "I am away until Tuesday."))
        );
        assert_ne!(
            a,
            fingerprint(&mail("Out of office I am", "away until Monday."))
        );
    }

    #[test]
    fn a_looping_responder_stays_near_identical_as_prefixes_and_quotes_grow() {
        let first = mail("Re: legitymacja", "Dziękujemy za wiadomość.\r\n");
        let second = mail(
            "Re: Re: Odp: legitymacja",
            "Dziękujemy za wiadomość.\r\n\r\nW dniu 1.12.2026 Sekretariat pisze:\r\n> Prosimy o zdjęcie.\r\n",
        );
        assert_eq!(fingerprint(&first), fingerprint(&second));
        let other = mail("Re: legitymacja", "Zdjęcie wyślę jutro.\r\n");
        assert_ne!(fingerprint(&first), fingerprint(&other));
    }

    #[test]
    fn a_new_photo_with_the_same_words_is_not_a_repeat() {
        let with = |photo: &[u8]| {
            let mut m = mail("Zdjęcie", "W załączniku.");
            m.images.push(crate::domain::mail::Attachment {
                file_name: Some("jan_kowalski.jpg".into()),
                content_type: "image/jpeg".into(),
                data: photo.to_vec(),
                inline: false,
            });
            fingerprint(&m)
        };
        let photo: Vec<u8> = (0..100_003u32).map(|i| (i % 251) as u8).collect();
        let mut other = photo.clone();
        other[50_001] ^= 1;
        let mut tail = photo.clone();
        tail[100_002] ^= 1;
        assert_eq!(with(&photo), with(&photo.clone()));
        assert_ne!(with(&photo), with(&other));
        assert_ne!(with(&photo), with(&tail));
        assert_ne!(with(&photo), fingerprint(&mail("Zdjęcie", "W załączniku.")));
    }

    #[test]
    fn only_our_own_message_ids_are_ours() {
        let own = email("sekretariat@szkola.test");
        let ours = "mleg.0123456789abcdef0123456789abcdef@szkola.test";
        assert!(minted_by_us(ours, &own));
        assert!(!minted_by_us("mleg.0123@szkola.test", &own));
        assert!(!minted_by_us(
            "mleg.0123456789abcdef0123456789abcdef@example.pl",
            &own
        ));
        assert!(!minted_by_us("CAF=x@mail.gmail.com", &own));
    }
}
