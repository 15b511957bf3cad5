//! Delivery reports (bounces): which mail came back, and whether for good.
//!
//! RFC 3464 `multipart/report; report-type=delivery-status` (Postfix,
//! Exchange, Gmail, Dovecot) carries a `message/delivery-status` part with a
//! `Status: 5.1.1` per recipient and the returned mail as `message/rfc822` or
//! just its headers as `text/rfc822-headers`. Older or simpler MTAs (qmail,
//! Exim without DSN) send a plain mail from `MAILER-DAEMON` with the returned
//! mail attached or quoted; for those the Message-ID lines and a `5.x.x` code
//! in the text are read. Only ids and codes are kept, never the text.

use mail_parser::{Message, MessagePart, MimeHeaders, PartType};

use super::robot::is_robot_sender;
use crate::domain::mail::Bounce;

/// What `msg` says as a delivery report, if it is one that names the
/// returned mail.
pub(super) fn read(msg: &Message<'_>, from: Option<&str>) -> Option<Bounce> {
    let root = msg.parts.first()?;
    let report = root.is_content_type("multipart", "report");
    if !report && !from.is_some_and(is_robot_sender) {
        return None;
    }
    let mut bounce = Bounce::default();
    let mut statuses = String::new();
    for part in &msg.parts {
        match &part.body {
            PartType::Message(returned) => {
                if let Some(id) = returned.message_id() {
                    push_id(&mut bounce.original_ids, id);
                }
            }
            PartType::Multipart(_) => {}
            _ if is(part, "message", "delivery-status")
                || is(part, "message", "global-delivery-status") =>
            {
                statuses.push_str(&String::from_utf8_lossy(part.contents()));
            }
            _ if is(part, "text", "rfc822-headers") || !report => {
                // The returned headers, or (no report) a quoted copy.
                for id in message_ids(&String::from_utf8_lossy(part.contents())) {
                    push_id(&mut bounce.original_ids, &id);
                }
                if !report {
                    statuses.push_str(&String::from_utf8_lossy(part.contents()));
                }
            }
            _ => {}
        }
    }
    bounce.permanent = if report {
        statuses.lines().any(|l| {
            let l = l.trim().to_ascii_lowercase();
            l.strip_prefix("status:")
                .is_some_and(|v| v.trim().starts_with("5."))
        })
    } else {
        has_permanent_code(&statuses)
    };
    (!bounce.original_ids.is_empty()).then_some(bounce)
}

/// Whether any part of `msg` is a delivery status (RFC 3464), even outside
/// a `multipart/report`: only a mail server writes one.
pub(super) fn carries_status(msg: &Message<'_>) -> bool {
    msg.parts
        .iter()
        .any(|p| is(p, "message", "delivery-status") || is(p, "message", "global-delivery-status"))
}

fn is(part: &MessagePart<'_>, kind: &str, sub: &str) -> bool {
    part.content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case(kind)
            && ct.subtype().is_some_and(|s| s.eq_ignore_ascii_case(sub))
    })
}

fn push_id(ids: &mut Vec<String>, id: &str) {
    let id = id.trim().trim_matches(['<', '>']).trim().to_string();
    if !id.is_empty() && !ids.contains(&id) {
        ids.push(id);
    }
}

/// The values of `Message-ID:` header lines in `text` (a value folded onto
/// the next line is followed).
fn message_ids(text: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start_matches(['>', ' ']);
        let Some((name, value)) = trimmed.split_once(':') else {
            continue;
        };
        if !name.trim().eq_ignore_ascii_case("message-id") {
            continue;
        }
        let value = match value.trim() {
            "" => lines.next().unwrap_or_default().trim().to_string(),
            v => v.to_string(),
        };
        if let Some(id) = value.split_whitespace().next() {
            push_id(&mut ids, id);
        }
    }
    ids
}

/// An enhanced status code `5.x.x` (RFC 3463) anywhere in `text`.
fn has_permanent_code(text: &str) -> bool {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .any(|w| {
            let parts: Vec<&str> = w.trim_end_matches('.').split('.').collect();
            parts.len() == 3
                && parts[0] == "5"
                && parts[1..]
                    .iter()
                    .all(|p| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
        })
}

#[cfg(test)]
#[path = "bounce_tests.rs"]
mod tests;
