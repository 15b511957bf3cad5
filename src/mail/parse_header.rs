//! Header fields of one MIME part, read for `parse.rs`.
//!
//! `mail-parser` 0.11 decodes almost every header form itself (RFC 2047 in
//! any charset, single-segment RFC 2231 such as
//! `filename*=windows-1250''%A3ucja.jpg`). It falls short in two cases that
//! matter for student names, and this module goes back to the raw header
//! bytes for them:
//! - RFC 2231 continuations (`filename*0*=..; filename*1*=..`): each segment
//!   is decoded on its own and only segment 0 gets the charset, so a
//!   windows-1250 name or a UTF-8 character split between segments comes out
//!   as U+FFFD ([`rfc2231_joined`]);
//! - raw 8-bit header bytes that are not UTF-8 (old Outlook sends windows-1250
//!   unencoded): read as lossy UTF-8 ([`field_value`]).

use std::borrow::Cow;

use encoding_rs::{Encoding, WINDOWS_1250};
use mail_parser::parsers::MessageStream;
use mail_parser::{Address, GetHeader, Header, HeaderName, HeaderValue, MessagePart};

/// File name from Content-Disposition `filename`, else Content-Type `name`
/// (phone apps often send only the latter). Any path is dropped.
pub(super) fn file_name(raw: &[u8], part: &MessagePart<'_>) -> Option<String> {
    let name = header_param(raw, part, HeaderName::ContentDisposition, "filename")
        .or_else(|| header_param(raw, part, HeaderName::ContentType, "name"))?;
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    (!base.is_empty()).then(|| base.to_string())
}

fn header_param(
    raw: &[u8],
    part: &MessagePart<'_>,
    name: HeaderName<'_>,
    param: &str,
) -> Option<String> {
    let header = part.headers.header(name)?;
    let bytes = raw.get(header.offset_start as usize..header.offset_end as usize);
    // mail-parser decodes each RFC 2231 continuation separately and applies
    // the charset of segment 0 only to segment 0, so `filename*1*=%AFak.jpg`
    // (windows-1250) or a UTF-8 character split across segments comes out as
    // U+FFFD. Join the raw segments first, then decode once.
    if let Some(joined) = bytes.and_then(|b| rfc2231_joined(b, param)) {
        return Some(joined);
    }
    let value = field_value(raw, header, |s| s.parse_content_type());
    value
        .as_content_type()?
        .attribute(param)
        .map(str::to_string)
}

/// A root header, re-read from raw bytes when needed (see [`field_value`]).
pub(super) fn root_field(
    raw: &[u8],
    root: &MessagePart<'_>,
    name: HeaderName<'_>,
    parse: FieldParser,
) -> Option<HeaderValue<'static>> {
    root.headers
        .header(name)
        .map(|h| field_value(raw, h, parse))
}

pub(super) type FieldParser = for<'x> fn(&mut MessageStream<'x>) -> HeaderValue<'x>;

/// mail-parser reads raw 8-bit header bytes as lossy UTF-8, so unencoded
/// windows-1250 (old Outlook) becomes U+FFFD. When the raw value is not UTF-8,
/// decode it as windows-1250 (what Polish Windows sends) and parse that again
/// with mail-parser's own field parser, which still handles any RFC 2047
/// words mixed in.
fn field_value(raw: &[u8], header: &Header<'_>, parse: FieldParser) -> HeaderValue<'static> {
    match raw.get(header.offset_start as usize..header.offset_end as usize) {
        Some(bytes) if std::str::from_utf8(bytes).is_err() => {
            let text = decode_8bit(bytes);
            parse(&mut MessageStream::new(text.as_bytes())).into_owned()
        }
        _ => header.value.clone().into_owned(),
    }
}

/// Joins RFC 2231 numbered segments (`param*0*=cs'lang'..`, `param*1=..`)
/// of one raw header value. `None` when there are none: plain and single
/// `param*=` forms are left to mail-parser, which decodes them correctly.
fn rfc2231_joined(header: &[u8], param: &str) -> Option<String> {
    let mut segments: Vec<(u32, bool, Vec<u8>)> = Vec::new();
    for piece in split_params(header) {
        let Some(eq) = piece.iter().position(|&b| b == b'=') else {
            continue;
        };
        let key = String::from_utf8_lossy(piece[..eq].trim_ascii()).to_ascii_lowercase();
        let Some(rest) = key.strip_prefix(param).and_then(|r| r.strip_prefix('*')) else {
            continue;
        };
        let (number, encoded) = match rest.strip_suffix('*') {
            Some(number) => (number, true),
            None => (rest, false),
        };
        if let Ok(n) = number.parse::<u32>() {
            segments.push((n, encoded, unquote(piece[eq + 1..].trim_ascii())));
        }
    }
    if segments.is_empty() {
        return None;
    }
    segments.sort_by_key(|s| s.0);
    segments.dedup_by_key(|s| s.0);

    let mut charset: Option<Vec<u8>> = None;
    let mut bytes = Vec::new();
    for (i, (_, encoded, value)) in segments.iter().enumerate() {
        let mut value = value.as_slice();
        if *encoded && i == 0 {
            // `charset'language'text`; only segment 0 carries it.
            let mut fields = value.splitn(3, |&b| b == b'\'');
            if let (Some(cs), Some(_), Some(text)) = (fields.next(), fields.next(), fields.next()) {
                charset = Some(cs.to_vec());
                value = text;
            }
        }
        if *encoded {
            percent_decode(value, &mut bytes);
        } else {
            bytes.extend_from_slice(value);
        }
    }
    match charset.as_deref().and_then(Encoding::for_label) {
        Some(enc) => Some(enc.decode_without_bom_handling(&bytes).0.into_owned()),
        None => Some(decode_8bit(&bytes).into_owned()),
    }
}

/// Splits a structured header value at `;` outside quoted strings.
fn split_params(value: &[u8]) -> Vec<&[u8]> {
    let (mut pieces, mut start, mut quoted, mut escaped) = (Vec::new(), 0, false, false);
    for (i, &b) in value.iter().enumerate() {
        match b {
            _ if escaped => escaped = false,
            b'\\' if quoted => escaped = true,
            b'"' => quoted = !quoted,
            b';' if !quoted => {
                pieces.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    pieces.push(&value[start..]);
    pieces
}

/// Strips quotes and backslash escapes, and line folding inside quotes.
fn unquote(value: &[u8]) -> Vec<u8> {
    let inner = match value {
        [b'"', inner @ .., b'"'] => inner,
        _ => return value.to_vec(),
    };
    let mut out = Vec::with_capacity(inner.len());
    let mut escaped = false;
    for &b in inner {
        match b {
            b'\r' | b'\n' => {}
            b'\\' if !escaped => escaped = true,
            _ => {
                out.push(b);
                escaped = false;
            }
        }
    }
    out
}

fn percent_decode(value: &[u8], out: &mut Vec<u8>) {
    let hex = |b: u8| (b as char).to_digit(16);
    let mut i = 0;
    while i < value.len() {
        let pair = value
            .get(i + 1)
            .and_then(|&h| Some((hex(h)?, hex(*value.get(i + 2)?)?)));
        match (value[i], pair) {
            (b'%', Some((hi, lo))) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
}

/// UTF-8 if it is valid, else windows-1250: unlabelled 8-bit text in Polish
/// mail comes from Windows programs (and cp1250 covers ISO-8859-2's letters
/// except Ą/ą, Ś/ś, Ź/ź, which it places elsewhere).
pub(super) fn decode_8bit(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => WINDOWS_1250.decode_without_bom_handling(bytes).0,
    }
}

pub(super) fn first_address(address: &Address<'_>) -> Option<String> {
    address
        .iter()
        .find_map(|a| a.address())
        .map(clean_address)
        .filter(|a| !a.is_empty())
}

/// ASCII-only case folding: Unicode folding would turn a look-alike such as
/// `szKola.pl` with U+212A KELVIN SIGN into the school's own domain.
pub(super) fn clean_address(address: &str) -> String {
    address.trim().trim_matches(['<', '>']).to_ascii_lowercase()
}

pub(super) fn clean_id(id: &str) -> String {
    id.trim().trim_matches(['<', '>']).trim().to_string()
}

pub(super) fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    let list: Vec<&str> = match value {
        HeaderValue::Text(id) => vec![id.as_ref()],
        HeaderValue::TextList(ids) => ids.iter().map(|id| id.as_ref()).collect(),
        _ => Vec::new(),
    };
    list.into_iter()
        .map(clean_id)
        .filter(|id| !id.is_empty())
        .collect()
}

#[cfg(test)]
#[path = "parse_header_tests.rs"]
mod tests;
