//! Tests for `parse_header.rs`: header decoding as seen through
//! `parse_mail`, each case a hand-written raw header. Shared mail builders
//! live in `parse_tests.rs`.

use super::super::tests::{NAME, crlf, image_name, parse};
use super::*;

#[test]
fn filename_rfc2047_utf8() {
    let h = b"Content-Type: image/jpeg\r\nContent-Disposition: attachment; filename=\"=?UTF-8?B?xYF1Y2phIMW7YWsuanBn?=\"";
    assert_eq!(image_name(h).as_deref(), Some(NAME));
}

#[test]
fn filename_rfc2047_iso_8859_2() {
    let h = b"Content-Type: image/jpeg\r\nContent-Disposition: attachment;\r\n filename=\"=?ISO-8859-2?Q?=A3ucja_=AFak.jpg?=\"";
    assert_eq!(image_name(h).as_deref(), Some(NAME));
}

#[test]
fn filename_rfc2047_windows_1250_split_into_words() {
    let h = b"Content-Type: image/jpeg\r\nContent-Disposition: attachment; filename=\"=?windows-1250?Q?=A3ucja_?=\r\n =?windows-1250?Q?=AFak.jpg?=\"";
    assert_eq!(image_name(h).as_deref(), Some(NAME));
}

#[test]
fn filename_rfc2231_utf8() {
    let h = b"Content-Type: image/jpeg\r\nContent-Disposition: attachment; filename*=UTF-8''%C5%81ucja%20%C5%BBak.jpg";
    assert_eq!(image_name(h).as_deref(), Some(NAME));
}

#[test]
fn filename_rfc2231_windows_1250() {
    let h = b"Content-Type: image/jpeg\r\nContent-Disposition: attachment; filename*=windows-1250''%A3ucja%20%AFak.jpg";
    assert_eq!(image_name(h).as_deref(), Some(NAME));
}

#[test]
fn filename_rfc2231_continuation_utf8_character_split_across_segments() {
    // %C5%BB (Ż) is cut between segments; mail-parser alone yields U+FFFD here.
    let h = b"Content-Type: image/jpeg\r\nContent-Disposition: attachment;\r\n filename*0*=UTF-8''%C5%81ucja%20%C5;\r\n filename*1*=%BBak.jpg";
    assert_eq!(image_name(h).as_deref(), Some(NAME));
}

#[test]
fn filename_rfc2231_continuation_windows_1250() {
    // mail-parser alone decodes segment 1 without the charset: "Łucja �ak.jpg".
    let h = b"Content-Type: image/jpeg\r\nContent-Disposition: attachment;\r\n filename*0*=windows-1250''%A3ucja%20;\r\n filename*1*=%AFak.jpg";
    assert_eq!(image_name(h).as_deref(), Some(NAME));
}

#[test]
fn filename_rfc2231_continuation_mixed_quoted_and_out_of_order() {
    let h = b"Content-Type: image/jpeg\r\nContent-Disposition: attachment;\r\n filename*2*=%C5%BBak.jpg;\r\n filename*1=\" \";\r\n filename*0*=utf-8'pl'%C5%81ucja";
    assert_eq!(image_name(h).as_deref(), Some(NAME));
}

#[test]
fn filename_rfc2231_in_content_type_name_only() {
    let h = b"Content-Type: image/jpeg;\r\n name*0*=iso-8859-2''%A3ucja;\r\n name*1*=%20%AFak.jpg";
    assert_eq!(image_name(h).as_deref(), Some(NAME));
}

#[test]
fn filename_raw_utf8() {
    let h =
        "Content-Type: image/jpeg\r\nContent-Disposition: attachment; filename=\"Łucja Żak.jpg\"";
    assert_eq!(image_name(h.as_bytes()).as_deref(), Some(NAME));
}

#[test]
fn filename_raw_8bit_windows_1250() {
    // Unencoded cp1250 bytes (old Outlook): not UTF-8, mail-parser gives U+FFFD.
    let h = b"Content-Type: image/jpeg; name=\"\xA3ucja \xAFak.jpg\"\r\nContent-Disposition: attachment; filename=\"\xA3ucja \xAFak.jpg\"";
    assert_eq!(image_name(h).as_deref(), Some(NAME));
}

#[test]
fn filename_with_windows_path_is_reduced_to_base_name() {
    let h = b"Content-Type: image/jpeg\r\nContent-Disposition: attachment; filename=\"C:\\\\Users\\\\Ola\\\\zdjecie.jpg\"";
    assert_eq!(image_name(h).as_deref(), Some("zdjecie.jpg"));
}

#[test]
fn auto_generated_detection() {
    let auto =
        |headers: &str| parse(&crlf(&format!("{headers}\nSubject: x\n\nbody\n"))).auto_generated();
    assert!(auto("From: a@example.pl\nAuto-Submitted: auto-replied"));
    assert!(auto(
        "From: a@example.pl\nAuto-Submitted: Auto-Generated; owner=x"
    ));
    assert!(!auto("From: a@example.pl\nAuto-Submitted: no"));
    assert!(auto("From: a@example.pl\nPrecedence: bulk"));
    assert!(auto("From: a@example.pl\nPrecedence: junk"));
    assert!(!auto("From: a@example.pl\nPrecedence: first-class"));
    assert!(auto(
        "From: a@example.pl\nList-Id: Rodzice 3b <rodzice3b.example.pl>"
    ));
    assert!(auto(
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.pl>"
    ));
    assert!(auto("From: postmaster@example.pl"));
    assert!(!auto("From: Rodzic <rodzic@example.pl>"));
}

#[test]
fn bounce_is_auto_generated() {
    let mail = crlf(
        "From: Mail Delivery Subsystem <bounces@mx.example.pl>\nSubject: Undelivered\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=r\n\n--r\n\
         Content-Type: text/plain\n\nDelivery failed.\n--r\nContent-Type: message/delivery-status\n\n\
         Reporting-MTA: dns; mx.example.pl\n\nFinal-Recipient: rfc822; x@example.pl\nAction: failed\n\
         --r\nContent-Type: text/rfc822-headers\n\nSubject: zdjecie\n--r--\n",
    );
    let m = parse(&mail);
    assert!(m.auto_generated());
    assert!(m.text.starts_with("Delivery failed."), "{:?}", m.text);
}

#[test]
fn in_reply_to_and_references_with_several_ids() {
    let mail = crlf(
        "From: rodzic@example.pl\nMessage-ID:<x@y>\nIn-Reply-To: <a1@szkola.pl> <a2@szkola.pl>\n\
         References: <r1@example.pl>\n <r2@szkola.pl>  <r3@szkola.pl>\n\nbody\n",
    );
    let m = parse(&mail);
    assert_eq!(m.message_id.as_deref(), Some("x@y"));
    assert_eq!(m.in_reply_to, ["a1@szkola.pl", "a2@szkola.pl"]);
    assert_eq!(
        m.references,
        ["r1@example.pl", "r2@szkola.pl", "r3@szkola.pl"]
    );
}

#[test]
fn subject_iso_8859_2_words_and_raw_8bit() {
    // ISO-8859-2 has no en dash, so a mailer mixes charsets per word.
    let mail = crlf(
        "From: a@example.pl\nSubject: =?ISO-8859-2?Q?Legitymacja_?= =?UTF-8?Q?=E2=80=93?=\n \
         =?iso-8859-2?q?_zdj=EAcie_=A3ucji?=\n\nx\n",
    );
    assert_eq!(parse(&mail).subject, "Legitymacja – zdjęcie Łucji");
    let raw = b"From: \xA3ucja <a@example.pl>\r\nSubject: zdj\xeacie \xA3ucji\r\n\r\nx\r\n";
    let m = parse(raw);
    assert_eq!(m.subject, "zdjęcie Łucji");
    assert_eq!(m.from_name.as_deref(), Some("Łucja"));
    assert_eq!(parse(b"From: a@example.pl\n\nbody\n").subject, "");
}

#[test]
fn rfc2231_helpers_on_odd_input() {
    let mut out = Vec::new();
    percent_decode(b"a%41%4g%", &mut out);
    assert_eq!(out, b"aA%4g%", "bad escapes are kept as they are");
    // Unknown charset: UTF-8 when valid, else windows-1250.
    let joined = rfc2231_joined(
        b" attachment; filename*0*=x-nope''%A3; filename*1=a.jpg",
        "filename",
    );
    assert_eq!(joined.as_deref(), Some("Ła.jpg"));
    // Only numbered segments of *this* parameter are joined.
    assert_eq!(
        rfc2231_joined(b" image/jpeg; filename*0=a.jpg", "name"),
        None
    );
    assert_eq!(
        rfc2231_joined(b" inline; filename*=utf-8''a.jpg", "filename"),
        None
    );
    let pieces = split_params(b"a; b=\"x;\\\"y\"; c");
    assert_eq!(pieces, [&b"a"[..], b" b=\"x;\\\"y\"", b" c"]);
    assert_eq!(unquote(b"\"x\\\"y\r\n z\""), b"x\"y z");
    assert_eq!(decode_8bit(b"\xb3\xf3d\x9f"), "łódź");
}
