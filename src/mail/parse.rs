//! Turning one raw e-mail into plain data the rest of `mleg` can use.
//!
//! Parents e-mail a photo of their child (a JPEG named after the student) to
//! the school mailbox. Everything downstream (the photo check, matching the
//! student by name, the reply to the parent) only needs a few facts from the
//! mail: who sent it, what it is a reply to, some body text to look for a
//! name in, and every picture in it. [`parse_mail`] extracts exactly that into
//! the domain's [`IncomingMail`], so this is the only module that knows about
//! MIME or the `mail-parser` crate.
//!
//! Real mail from parents is messy, so the rules here are deliberately wide:
//! - a picture is anything typed `image/*` *or* named like a picture, whatever
//!   its type (phones send `application/octet-stream`; a PNG named `.jpg` still
//!   has to reach the photo check, which looks at the bytes);
//! - pictures are collected from the whole MIME tree: attachments, inline
//!   images of `multipart/related` (phone mail apps) and forwarded messages;
//! - file names are decoded from RFC 2047, RFC 2231 (with continuations) and
//!   raw 8-bit headers, because the name is how we find the student;
//! - `format=flowed` text (Thunderbird, Apple Mail) is joined back into the
//!   lines the sender typed, so a wrapped command reads whole;
//! - a mail over a cap on MIME parts, pictures or nesting (see
//!   `parse_shape.rs`) has its pictures left uncollected and says so in
//!   [`IncomingMail::over_limit`].
//!
//! `mail-parser` 0.11 gets most of this right. Where it does not, we go back
//! to the raw header bytes (see `parse_header.rs`).
//!
//! Broken mail never panics and never loses what can be read: a missing
//! closing boundary or truncated base64 still yields the readable parts, and
//! an error is returned only when there is no message at all.

use std::borrow::Cow;
use std::panic::catch_unwind;

use encoding_rs::Encoding;
use mail_parser::decoders::html::html_to_text;
use mail_parser::decoders::quoted_printable::quoted_printable_decode;
use mail_parser::{
    Address, HeaderName, HeaderValue, Message, MessageParser, MessagePart, MimeHeaders, PartType,
};

use crate::domain::mail::{Attachment, IncomingMail};

// Reading header fields, including the raw-byte fixes for mail-parser.
#[path = "parse_header.rs"]
mod header;
// Counting parts, pictures and nesting against the caps.
#[path = "parse_shape.rs"]
mod shape;
pub use shape::{MAX_DEPTH, MAX_IMAGES, MAX_PARTS};
// A mail's subject and date from its header alone.
#[path = "parse_summary.rs"]
mod summary;
pub use summary::{HeaderSummary, header_summary};
// Joining `format=flowed` soft line breaks.
#[path = "parse_flowed.rs"]
mod flowed;
// Who sent it: one `From` or several, and the receiving server's verdicts.
#[path = "parse_auth.rs"]
pub mod auth;
use header::{clean_address, clean_id, decode_8bit, file_name, first_address, ids, root_field};

/// Body text is only searched for a student's name; a cap keeps a huge
/// (or hostile) mail from costing memory further down.
pub const MAX_TEXT_CHARS: usize = 100_000;

/// Forwards of forwards are looked into this deep, which is far beyond what
/// people do, and keeps a crafted mail from exhausting the stack.
const MAX_NESTING: usize = 8;

/// Names that mark a part as a picture whatever its declared type.
const IMAGE_EXTENSIONS: &[&str] = &[
    "jpg", "jpeg", "jpe", "png", "heic", "heif", "gif", "webp", "bmp", "tif", "tiff",
];

#[derive(Debug, thiserror::Error)]
pub enum MailParseError {
    #[error("the data is not an e-mail message (no header found)")]
    NotAMessage,
    #[error("the MIME parser crashed on this message")]
    ParserPanicked,
}

/// Parses one raw RFC 5322 message. Errors only when there is nothing that
/// looks like a message; malformed MIME yields whatever could be read.
pub fn parse_mail(raw: &[u8]) -> Result<IncomingMail, MailParseError> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(MailParseError::NotAMessage);
    }
    // mail-parser drops the last header when no line break follows it, which
    // is what a mail cut off inside its header looks like.
    let raw: Cow<'_, [u8]> = if raw.ends_with(b"\n") {
        Cow::Borrowed(raw)
    } else {
        Cow::Owned([raw, b"\r\n"].concat())
    };
    // mail-parser aims never to panic, but its `debug_assert!`s fire on some
    // broken MIME trees in debug builds (see the `broken_tree_...` test). One
    // bad mail must not stop the daemon, and its sender should still get an
    // answer, so fall back to the headers alone (needs panic=unwind).
    catch_unwind(|| parse_unguarded(&raw, false))
        .or_else(|_| catch_unwind(|| parse_unguarded(&raw, true)))
        .unwrap_or(Err(MailParseError::ParserPanicked))
}

fn parse_unguarded(raw: &[u8], headers_only: bool) -> Result<IncomingMail, MailParseError> {
    let parser = MessageParser::default();
    let msg = if headers_only {
        parser.parse_headers(raw)
    } else {
        parser.parse(raw)
    };
    let msg = msg.ok_or(MailParseError::NotAMessage)?;
    let root = msg.parts.first().ok_or(MailParseError::NotAMessage)?;
    let raw = msg.raw_message.as_ref();

    let from_field = root_field(raw, root, HeaderName::From, |s| s.parse_address());
    let from_addr = from_field.as_ref().and_then(HeaderValue::as_address);
    let from = from_addr.and_then(first_address);
    let from_name = from_addr
        .and_then(Address::first)
        .and_then(|a| a.name())
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty());
    let subject = root_field(raw, root, HeaderName::Subject, |s| s.parse_unstructured())
        .and_then(|v| v.as_text().map(|t| t.trim().to_string()))
        .unwrap_or_default();

    let mut to = Vec::new();
    for value in msg
        .header_values(HeaderName::To)
        .chain(msg.header_values(HeaderName::Cc))
    {
        for addr in value.as_address().into_iter().flat_map(Address::iter) {
            if let Some(a) = addr.address().map(clean_address).filter(|a| !a.is_empty())
                && !to.contains(&a)
            {
                to.push(a);
            }
        }
    }

    let over_limit = if headers_only {
        None
    } else {
        shape::measure(&msg, is_image_part).over_limit()
    };
    let mut found = Collected {
        skip_images: over_limit.is_some(),
        ..Collected::default()
    };
    if !headers_only {
        walk(&msg, 0, &mut found);
    }

    Ok(IncomingMail {
        message_id: msg.message_id().map(clean_id).filter(|id| !id.is_empty()),
        robot: super::robot::robot_reason(raw, root, from.as_deref(), &subject).or_else(|| {
            super::bounce::carries_status(&msg).then_some(crate::domain::mail::RobotReason::Report)
        }),
        x_loop: super::robot::x_loop(raw, root),
        bounce: super::bounce::read(&msg, from.as_deref()),
        from_ambiguous: auth::from_ambiguous(root),
        auth_results: auth::auth_results(raw, root),
        from,
        from_name,
        reply_to: msg.reply_to().and_then(first_address),
        to,
        subject,
        in_reply_to: ids(msg.in_reply_to()),
        references: ids(msg.references()),
        text: found.text,
        html: if headers_only {
            None
        } else {
            top_level_html(&msg)
        },
        images: found.images,
        other_attachments: found.other,
        over_limit,
    })
}

/// What [`walk`] gathers over the whole tree, forwarded messages included.
#[derive(Default)]
struct Collected {
    text: String,
    text_chars: usize,
    images: Vec<Attachment>,
    other: Vec<String>,
    /// The mail is over a cap: pictures are not copied out at all.
    skip_images: bool,
}

impl Collected {
    fn push_text(&mut self, text: &str) {
        let room = MAX_TEXT_CHARS.saturating_sub(self.text_chars + 2);
        if room == 0 || text.trim().is_empty() {
            return;
        }
        if !self.text.is_empty() {
            self.text.push_str("\n\n");
            self.text_chars += 2;
        }
        let text = text.trim();
        let end = text.char_indices().nth(room).map_or(text.len(), |(i, _)| i);
        self.text.push_str(&text[..end]);
        self.text_chars += text[..end].chars().count();
    }
}

/// Visits every part of `msg` (mail-parser keeps them in one flat list per
/// message level) and recurses into forwarded messages.
fn walk(msg: &Message<'_>, depth: usize, out: &mut Collected) {
    let raw = msg.raw_message.as_ref();
    for part in msg
        .text_body
        .iter()
        .filter_map(|&id| msg.parts.get(id as usize))
    {
        // A part with no Content-Type counts as text/plain to mail-parser,
        // but one named `x.jpg` is a picture, not text.
        if !is_image(part_type(part).as_deref(), file_name(raw, part).as_deref()) {
            out.push_text(&part_text(raw, part));
        }
    }
    let related = msg
        .parts
        .iter()
        .filter(|p| p.is_content_type("multipart", "related"))
        .filter_map(MessagePart::sub_parts)
        .flatten();
    let in_related = marks(related, msg.parts.len());
    let in_body = marks(&msg.text_body, msg.parts.len());
    let listed = marks(&msg.attachments, msg.parts.len());

    for (i, part) in msg.parts.iter().enumerate() {
        match &part.body {
            PartType::Multipart(_) => {}
            PartType::Message(nested) => {
                if depth < MAX_NESTING {
                    if let Some(subject) = nested.subject() {
                        out.push_text(&format!("Subject: {subject}"));
                    }
                    walk(nested, depth + 1, out);
                }
            }
            _ => {
                let name = file_name(raw, part);
                let ctype = part_type(part);
                let texty = ctype
                    .as_deref()
                    .is_none_or(|t| t == "text/plain" || t == "text/html");
                if is_image(ctype.as_deref(), name.as_deref()) {
                    if out.skip_images {
                        continue;
                    }
                    out.images.push(Attachment {
                        content_type: ctype.unwrap_or_else(|| "application/octet-stream".into()),
                        file_name: name,
                        data: part_data(raw, part),
                        inline: is_inline(part, in_related[i]),
                    });
                } else if part.is_encoding_problem && !in_body[i] && name.is_none() && texty {
                    // mail-parser files a body part it could not finish (no
                    // closing boundary: a cut-off mail, or a mailer that
                    // omits it) as an attachment. It is still the text.
                    out.push_text(&part_text(raw, part));
                } else if listed[i] {
                    let label = name.or(ctype);
                    out.other
                        .push(label.unwrap_or_else(|| "application/octet-stream".into()));
                }
            }
        }
    }
}

/// The first text/html part of the message's own body, bounded.
fn top_level_html(msg: &Message<'_>) -> Option<String> {
    let part = msg
        .html_body
        .iter()
        .filter_map(|&id| msg.parts.get(id as usize))
        .find(|p| p.is_content_type("text", "html"))?;
    let PartType::Html(html) = &part.body else {
        return None;
    };
    let end = html
        .char_indices()
        .nth(MAX_TEXT_CHARS)
        .map_or(html.len(), |(i, _)| i);
    Some(html[..end].to_string())
}

/// `len` flags, set at the given part ids (ids out of range are ignored).
fn marks<'a>(ids: impl IntoIterator<Item = &'a u32>, len: usize) -> Vec<bool> {
    let mut flags = vec![false; len];
    for &id in ids {
        if let Some(flag) = flags.get_mut(id as usize) {
            *flag = true;
        }
    }
    flags
}

/// Text of a text/plain or text/html part, HTML turned into plain text.
fn part_text(raw: &[u8], part: &MessagePart<'_>) -> String {
    let text = match &part.body {
        PartType::Text(text) | PartType::Html(text) if !part.is_encoding_problem => text.clone(),
        // Undecoded raw body: decode it here, as mail-parser would have.
        _ => {
            let data = part_data(raw, part);
            let charset = part.content_type().and_then(|c| c.attribute("charset"));
            match charset.and_then(|label| Encoding::for_label(label.as_bytes())) {
                Some(charset) => Cow::Owned(charset.decode_without_bom_handling(&data).0.into()),
                None => Cow::Owned(decode_8bit(&data).into_owned()),
            }
        }
    };
    if part.is_content_type("text", "html") {
        return html_to_text(&text);
    }
    let ct = part.content_type();
    let attr_is = |name: &str, value: &str| {
        // Parameter names are case-insensitive (`DelSp`, `delsp`).
        ct.and_then(|c| c.attributes())
            .into_iter()
            .flatten()
            .any(|a| {
                a.name.eq_ignore_ascii_case(name) && a.value.trim().eq_ignore_ascii_case(value)
            })
    };
    if attr_is("format", "flowed") {
        flowed::unflow(&text, attr_is("delsp", "yes"))
    } else {
        text.into_owned()
    }
}

/// [`is_image`] for a leaf part of the message whose raw bytes are `raw`.
fn is_image_part(raw: &[u8], part: &MessagePart<'_>) -> bool {
    is_image(part_type(part).as_deref(), file_name(raw, part).as_deref())
}

fn is_image(content_type: Option<&str>, file_name: Option<&str>) -> bool {
    let typed = content_type.is_some_and(|t| t == "image" || t.starts_with("image/"));
    let named = file_name
        .and_then(|n| n.rsplit_once('.'))
        .is_some_and(|(_, ext)| IMAGE_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()));
    typed || named
}

fn is_inline(part: &MessagePart<'_>, in_related: bool) -> bool {
    match part.content_disposition() {
        Some(d) if d.is_inline() => true,
        Some(d) if d.is_attachment() => false,
        _ => in_related || part.content_id().is_some(),
    }
}

/// Declared `type/subtype`, lowercased.
fn part_type(part: &MessagePart<'_>) -> Option<String> {
    let ct = part.content_type()?;
    let full = match ct.subtype() {
        Some(sub) => format!("{}/{}", ct.ctype(), sub),
        None => ct.ctype().to_string(),
    };
    Some(full.to_ascii_lowercase())
}

/// Decoded bytes of a leaf part.
fn part_data(raw: &[u8], part: &MessagePart<'_>) -> Vec<u8> {
    match &part.body {
        PartType::Binary(data) | PartType::InlineBinary(data) => data.to_vec(),
        // mail-parser made text of it: either the type was missing or wrong,
        // or the body could not be decoded (truncated base64, no closing
        // boundary). That text is lossy UTF-8, so decode the raw bytes again.
        _ => {
            let body = raw
                .get(part.offset_body as usize..part.offset_end as usize)
                .unwrap_or_default();
            let cte = part.content_transfer_encoding().unwrap_or_default();
            if cte.trim().eq_ignore_ascii_case("base64") {
                decode_base64_lenient(body)
            } else if cte.trim().eq_ignore_ascii_case("quoted-printable") {
                quoted_printable_decode(body).unwrap_or_else(|| body.to_vec())
            } else {
                body.to_vec()
            }
        }
    }
}

/// Base64 that skips junk and keeps a truncated tail, so a cut-off photo
/// still reaches the photo check (which then reports it as damaged).
fn decode_base64_lenient(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in input {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => continue,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
