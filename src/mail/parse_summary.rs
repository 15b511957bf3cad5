//! What names a mail to a person when nothing else of it can be read: its
//! subject and date, from a header block alone (the server's answer to
//! `BODY.PEEK[HEADER.FIELDS (SUBJECT DATE)]`).

use std::panic::catch_unwind;

use chrono::{DateTime, Utc};
use mail_parser::{HeaderName, HeaderValue, MessageParser};

use super::header::root_field;

/// A mail's subject and date, each `None` when missing or unreadable.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderSummary {
    /// Decoded (RFC 2047, raw windows-1250), trimmed, never empty.
    pub subject: Option<String>,
    /// The `Date` header as an instant.
    pub date: Option<DateTime<Utc>>,
}

/// Reads the subject and date of a header block; never fails (a header the
/// parser cannot read gives an empty summary).
pub fn header_summary(raw: &[u8]) -> HeaderSummary {
    // A header block without its closing blank line is still a header.
    let mut raw = raw.to_vec();
    while !raw.ends_with(b"\r\n\r\n") && !raw.ends_with(b"\n\n") {
        raw.extend_from_slice(b"\r\n");
    }
    catch_unwind(|| summary(&raw))
        .ok()
        .flatten()
        .unwrap_or_default()
}

fn summary(raw: &[u8]) -> Option<HeaderSummary> {
    let msg = MessageParser::default().parse_headers(raw)?;
    let root = msg.parts.first()?;
    let subject = root_field(raw, root, HeaderName::Subject, |s| s.parse_unstructured())
        .as_ref()
        .and_then(HeaderValue::as_text)
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty());
    let date = msg
        .date()
        .and_then(|d| DateTime::from_timestamp(d.to_timestamp(), 0));
    Some(HeaderSummary { subject, date })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_and_date_come_from_the_header_fields_alone() {
        let raw = b"Subject: =?UTF-8?Q?Wycieczka_do_Krakowa_=C5=BC=C3=B3=C5=82w?=\r\nDate: Tue, 3 Mar 2026 09:15:00 +0100\r\n\r\n";
        let s = header_summary(raw);
        assert_eq!(s.subject.as_deref(), Some("Wycieczka do Krakowa żółw"));
        assert_eq!(
            s.date.map(|d| d.to_rfc3339()),
            Some("2026-03-03T08:15:00+00:00".to_owned())
        );
    }

    #[test]
    fn a_missing_or_broken_field_is_none() {
        assert_eq!(header_summary(b""), HeaderSummary::default());
        let s = header_summary(b"Date: yesterday-ish\r\nSubject:   \r\n");
        assert_eq!(s, HeaderSummary::default());
        let s = header_summary(b"Subject: tylko temat");
        assert_eq!(s.subject.as_deref(), Some("tylko temat"));
        assert_eq!(s.date, None);
    }
}
