//! Tests for `parse.rs`. Every mail is written out by hand so each encoding
//! case is visible; `crlf` only turns the readable `\n` into the `\r\n` that
//! real mail uses.

use super::*;
use crate::domain::mail::OverLimit;

/// Base64 of a fake JPEG: the JFIF magic bytes followed by filler.
pub(super) const JPEG_B64: &str = "/9j/4AAQSkZJRgBmYWtlLWpwZWctZGF0YS0wMTIzNDU2Nzg5";
/// Base64 of a fake PNG (PNG magic bytes + filler).
pub(super) const PNG_B64: &str = "iVBORw0KGgpmYWtlLXBuZw==";
pub(super) const NAME: &str = "Łucja Żak.jpg";

pub(super) fn jpeg() -> Vec<u8> {
    let mut data = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    data.extend_from_slice(b"JFIF\0fake-jpeg-data-0123456789");
    data
}

pub(super) fn crlf(mail: &str) -> Vec<u8> {
    mail.replace('\n', "\r\n").into_bytes()
}

pub(super) fn parse(mail: &[u8]) -> IncomingMail {
    match parse_mail(mail) {
        Ok(parsed) => parsed,
        Err(e) => panic!("parse failed: {e}"),
    }
}

/// A mail with one JPEG whose MIME headers end with `headers` (raw bytes, so
/// 8-bit cases can be written too).
pub(super) fn mail_with_image_headers(headers: &[u8]) -> Vec<u8> {
    let mut mail = crlf(
        "From: Rodzic <rodzic@example.pl>\nSubject: zdjecie\nMIME-Version: 1.0\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\n\n--b1\nContent-Type: text/plain\n\n\
         W zalaczniku.\n--b1\n",
    );
    mail.extend_from_slice(headers);
    mail.extend_from_slice(&crlf(&format!(
        "\nContent-Transfer-Encoding: base64\n\n{JPEG_B64}\n--b1--\n"
    )));
    mail
}

pub(super) fn image_name(headers: &[u8]) -> Option<String> {
    let parsed = parse(&mail_with_image_headers(headers));
    assert_eq!(parsed.images.len(), 1, "{parsed:?}");
    assert_eq!(parsed.images[0].data, jpeg());
    parsed.images[0].file_name.clone()
}

#[test]
fn plain_attachment_and_headers() {
    let mail = crlf(&format!(
        "From: \"Anna Kowalska\" <Anna.Kowalska@Example.PL>\nReply-To: <Rodzice@Example.pl>\n\
         To: Sekretariat <SEKRETARIAT@szkola.edu.pl>\nCc: wychowawca@szkola.edu.pl, \
         sekretariat@szkola.edu.pl\nSubject: =?UTF-8?B?TGVnaXR5bWFjamEg4oCTIHpkasSZY2llIMWBdWNqaQ==?=\n\
         Message-ID: <abc.123@example.pl>\nMIME-Version: 1.0\n\
         Content-Type: multipart/mixed; boundary=\"XyZ\"\n\nPreamble.\n--XyZ\n\
         Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n\
         Dzie=C5=84 dobry, zdj=C4=99cie =C5=81ucji =C5=BBak z klasy 3b.\n--XyZ\n\
         Content-Type: image/jpeg; name=\"lucja.jpg\"\n\
         Content-Disposition: attachment; filename=\"lucja.jpg\"\nContent-Transfer-Encoding: base64\n\n\
         {JPEG_B64}\n--XyZ--\n"
    ));
    let m = parse(&mail);
    assert_eq!(m.message_id.as_deref(), Some("abc.123@example.pl"));
    assert_eq!(m.from.as_deref(), Some("anna.kowalska@example.pl"));
    assert_eq!(m.from_name.as_deref(), Some("Anna Kowalska"));
    assert_eq!(m.reply_to.as_deref(), Some("rodzice@example.pl"));
    assert_eq!(
        m.to,
        ["sekretariat@szkola.edu.pl", "wychowawca@szkola.edu.pl"]
    );
    assert_eq!(m.subject, "Legitymacja – zdjęcie Łucji");
    assert_eq!(m.text, "Dzień dobry, zdjęcie Łucji Żak z klasy 3b.");
    let expected = Attachment {
        file_name: Some("lucja.jpg".into()),
        content_type: "image/jpeg".into(),
        data: jpeg(),
        inline: false,
    };
    assert_eq!(m.images, [expected]);
    assert!(m.other_attachments.is_empty());
    assert!(!m.auto_generated());
    assert!(m.in_reply_to.is_empty() && m.references.is_empty());
}

#[test]
fn iphone_inline_image_in_multipart_related() {
    let mail = crlf(&format!(
        "From: rodzic@icloud.com\nSubject: Foto\nContent-Type: multipart/alternative; \
         boundary=\"Apple-Mail-A\"\n\n--Apple-Mail-A\nContent-Type: text/plain; charset=us-ascii\n\n\
         Zdjecie Jana.\n--Apple-Mail-A\nContent-Type: multipart/related; type=\"text/html\"; \
         boundary=\"Apple-Mail-B\"\n\n--Apple-Mail-B\nContent-Type: text/html; charset=us-ascii\n\n\
         <html><body>Zdjecie Jana.<img src=\"cid:F1\"></body></html>\n--Apple-Mail-B\n\
         Content-Transfer-Encoding: base64\nContent-Disposition: inline; filename=IMG_2034.jpeg\n\
         Content-Type: image/jpeg; x-unix-mode=0644; name=\"IMG_2034.jpeg\"\nContent-Id: <F1>\n\n\
         {JPEG_B64}\n--Apple-Mail-B--\n\n--Apple-Mail-A--\n"
    ));
    let m = parse(&mail);
    assert_eq!(m.images.len(), 1);
    assert_eq!(m.images[0].file_name.as_deref(), Some("IMG_2034.jpeg"));
    assert!(m.images[0].inline);
    assert_eq!(m.images[0].data, jpeg());
    assert_eq!(
        m.text, "Zdjecie Jana.",
        "plain alternative only, not the HTML twice"
    );
}

#[test]
fn related_image_without_disposition_uses_content_type_name_or_none() {
    let mail = crlf(&format!(
        "From: rodzic@example.pl\nContent-Type: multipart/related; boundary=r\n\n--r\n\
         Content-Type: text/html\n\n<p>Foto</p>\n--r\nContent-Type: image/jpeg; name=\"ala.jpg\"\n\
         Content-Transfer-Encoding: base64\n\n{JPEG_B64}\n--r\nContent-Type: image/png\n\
         Content-Transfer-Encoding: base64\n\n{PNG_B64}\n--r--\n"
    ));
    let m = parse(&mail);
    let names: Vec<_> = m.images.iter().map(|i| i.file_name.as_deref()).collect();
    assert_eq!(names, [Some("ala.jpg"), None]);
    assert!(m.images.iter().all(|i| i.inline));
    assert_eq!(m.images[1].content_type, "image/png");
    assert_eq!(m.text, "Foto");
}

#[test]
fn forwarded_message_with_image_inside() {
    let mail = crlf(&format!(
        "From: tata@example.pl\nSubject: Fwd: zdjecie\nContent-Type: multipart/mixed; boundary=o\n\n\
         --o\nContent-Type: text/plain\n\nPrzesylam od mamy.\n--o\nContent-Type: message/rfc822\n\
         Content-Disposition: attachment; filename=\"zdjecie.eml\"\n\n\
         From: Mama <mama@example.pl>\nSubject: =?UTF-8?Q?zdj=C4=99cie_Ani?=\n\
         Content-Type: multipart/mixed; boundary=i\n\n--i\nContent-Type: text/plain; charset=utf-8\n\n\
         Ania Nowak, klasa 2a\n--i\nContent-Type: application/octet-stream; name=\"ania.jpg\"\n\
         Content-Disposition: attachment; filename=\"ania.jpg\"\nContent-Transfer-Encoding: base64\n\n\
         {JPEG_B64}\n--i--\n\n--o--\n"
    ));
    let m = parse(&mail);
    assert_eq!(m.images.len(), 1, "{m:?}");
    assert_eq!(m.images[0].file_name.as_deref(), Some("ania.jpg"));
    assert_eq!(m.images[0].data, jpeg());
    assert_eq!(
        m.text,
        "Przesylam od mamy.\n\nSubject: zdjęcie Ani\n\nAnia Nowak, klasa 2a"
    );
    assert!(m.other_attachments.is_empty(), "{:?}", m.other_attachments);
    assert_eq!(
        m.from.as_deref(),
        Some("tata@example.pl"),
        "outer sender, not the forwarded one"
    );
}

#[test]
fn forwarded_message_in_base64_and_forward_of_forward() {
    let inner = format!(
        "From: a@example.pl\nContent-Type: image/jpeg; name=x.jpg\nContent-Transfer-Encoding: base64\n\n{JPEG_B64}\n"
    );
    let mail = crlf(&format!(
        "From: c@example.pl\nContent-Type: multipart/mixed; boundary=o\n\n--o\n\
         Content-Type: message/rfc822\n\nFrom: b@example.pl\nContent-Type: multipart/mixed; boundary=m\n\n\
         --m\nContent-Type: message/rfc822\n\n{inner}\n--m--\n\n--o\nContent-Type: message/rfc822\n\
         Content-Transfer-Encoding: base64\n\n\
         RnJvbTogQmFiY2lhIDxiYWJjaWFAZXhhbXBsZS5wbD4NClN1YmplY3Q6IGZvdG8NCg0Kc3RhcmUNCg==\n--o--\n"
    ));
    let m = parse(&mail);
    assert_eq!(m.images.len(), 1, "{m:?}");
    assert_eq!(m.images[0].file_name.as_deref(), Some("x.jpg"));
    assert_eq!(m.images[0].data, jpeg());
    assert!(m.text.contains("Subject: foto\n\nstare"), "{:?}", m.text);
}

#[test]
fn png_named_jpg_as_octet_stream_is_an_image() {
    let mail = crlf(&format!(
        "From: rodzic@example.pl\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\
         Content-Type: application/octet-stream\n\
         Content-Disposition: attachment; filename=\"Jan Nowak.JPG\"\nContent-Transfer-Encoding: base64\n\n\
         {PNG_B64}\n--b\nContent-Type: application/pdf; name=umowa.pdf\nContent-Transfer-Encoding: base64\n\n\
         JVBERi0xLjQgZmFrZQ==\n--b--\n"
    ));
    let m = parse(&mail);
    assert_eq!(m.images.len(), 1);
    assert_eq!(m.images[0].content_type, "application/octet-stream");
    assert_eq!(m.images[0].file_name.as_deref(), Some("Jan Nowak.JPG"));
    assert!(m.images[0].data.starts_with(b"\x89PNG\r\n\x1a\n"));
    assert_eq!(m.other_attachments, ["umowa.pdf"]);
}

#[test]
fn heic_by_type_and_image_without_content_type() {
    // The second part has no Content-Type: mail-parser calls it text/plain, but
    // its name says picture, so its base64 must be decoded, not shown as text.
    let mail = crlf(&format!(
        "From: rodzic@example.pl\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\
         Content-Type: image/HEIC\nContent-Transfer-Encoding: base64\n\n{JPEG_B64}\n--b\n\
         Content-Disposition: attachment; filename=bez_typu.jpg\nContent-Transfer-Encoding: base64\n\n\
         {JPEG_B64}\n--b--\n"
    ));
    let m = parse(&mail);
    let types: Vec<_> = m.images.iter().map(|i| i.content_type.as_str()).collect();
    assert_eq!(types, ["image/heic", "application/octet-stream"]);
    assert!(m.images.iter().all(|i| i.data == jpeg()));
    assert!(!m.text.contains(&JPEG_B64[..10]), "{:?}", m.text);
}

#[test]
fn whole_message_is_one_image() {
    let mail = crlf(&format!(
        "From: rodzic@example.pl\nContent-Type: image/jpeg\nContent-Transfer-Encoding: base64\n\n{JPEG_B64}\n"
    ));
    let m = parse(&mail);
    assert_eq!(m.images.len(), 1);
    assert_eq!(m.images[0].data, jpeg());
}

#[test]
fn two_sibling_images_keep_order() {
    let mail = crlf(&format!(
        "From: rodzic@example.pl\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\
         Content-Type: image/jpeg; name=pierwsze.jpg\nContent-Transfer-Encoding: base64\n\n{JPEG_B64}\n\
         --b\nContent-Type: image/png; name=drugie.png\nContent-Transfer-Encoding: base64\n\n{PNG_B64}\n--b--\n"
    ));
    let names: Vec<_> = parse(&mail)
        .images
        .into_iter()
        .filter_map(|i| i.file_name)
        .collect();
    assert_eq!(names, ["pierwsze.jpg", "drugie.png"]);
}

#[test]
fn html_only_body_becomes_text() {
    let mail = crlf(
        "From: rodzic@example.pl\nContent-Type: text/html; charset=iso-8859-2\n\
         Content-Transfer-Encoding: quoted-printable\n\n<html><head><style>p{}</style></head><body>\
         <p>Zdj=EAcie <b>=A3ucji</b></p><p>klasa&nbsp;3b</p></body></html>\n",
    );
    let text = parse(&mail).text;
    assert!(text.contains("Zdjęcie Łucji"), "{text:?}");
    assert!(text.contains("klasa"), "{text:?}");
    assert!(!text.contains('<'), "{text:?}");
}

#[test]
fn text_is_bounded() {
    let mail = format!("From: a@example.pl\n\n{}\n", "Łucja ".repeat(40_000));
    let text = parse(mail.as_bytes()).text;
    assert_eq!(text.chars().count(), MAX_TEXT_CHARS - 2);
}

#[test]
fn empty_and_whitespace_input_is_not_a_message() {
    for raw in [&b""[..], b"\r\n\r\n  \t", b"\n"] {
        assert!(
            matches!(parse_mail(raw), Err(MailParseError::NotAMessage)),
            "{raw:?}"
        );
    }
}

#[test]
fn garbage_never_panics() {
    // Deterministic pseudo-random bytes, including ones that look like MIME.
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let alphabet = b"ab:;=\"\r\n-- \t*'%?Content-Type: multipart/mixed; boundary=x\x00\xff\xa3";
    for len in 0..400 {
        let raw: Vec<u8> = (0..len)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                alphabet[(seed % alphabet.len() as u64) as usize]
            })
            .collect();
        assert!(
            !matches!(parse_mail(&raw), Err(MailParseError::ParserPanicked)),
            "{raw:?}"
        );
    }
}

#[test]
fn every_truncation_of_a_mail_parses_without_panic() {
    let mail = mail_with_image_headers(
        b"Content-Type: image/jpeg\r\nContent-Disposition: attachment;\r\n filename*0*=windows-1250''%A3ucja;\r\n filename*1*=%20%AFak.jpg",
    );
    for end in 0..=mail.len() {
        let result = parse_mail(&mail[..end]);
        assert!(
            !matches!(result, Err(MailParseError::ParserPanicked)),
            "cut at {end}"
        );
        if end > 40 {
            assert!(result.is_ok(), "cut at {end}");
        }
    }
}

#[test]
fn truncated_base64_without_closing_boundary_keeps_the_partial_image() {
    let mail = crlf(&format!(
        "From: rodzic@example.pl\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\
         Content-Type: text/plain\n\nZdjecie Oli\n--b\nContent-Type: image/jpeg; name=ola.jpg\n\
         Content-Transfer-Encoding: base64\n\n{}",
        &JPEG_B64[..30]
    ));
    let m = parse(&mail);
    assert_eq!(m.text, "Zdjecie Oli");
    assert_eq!(m.images.len(), 1, "{m:?}");
    assert_eq!(m.images[0].file_name.as_deref(), Some("ola.jpg"));
    assert!(jpeg().starts_with(&m.images[0].data) && m.images[0].data.len() >= 20);
}

#[test]
fn multipart_without_boundary_or_with_unused_boundary_still_parses() {
    let no_boundary =
        crlf("From: a@example.pl\nSubject: s\nContent-Type: multipart/mixed\n\nJan Kowalski\n");
    let m = parse(&no_boundary);
    assert_eq!(m.subject, "s");
    assert!(
        m.text.contains("Jan Kowalski") || m.other_attachments.len() == 1,
        "{m:?}"
    );

    let unused =
        crlf("From: a@example.pl\nContent-Type: multipart/mixed; boundary=zz\n\nJan Kowalski\n");
    assert_eq!(parse(&unused).from.as_deref(), Some("a@example.pl"));
}

#[test]
fn headers_only_and_lf_only_mails() {
    assert_eq!(parse(b"From: A@B.pl").from.as_deref(), Some("a@b.pl"));
    let lf = format!(
        "From: a@b.pl\nContent-Type: multipart/mixed; boundary=q\n\n--q\nContent-Type: image/gif; name=a.gif\nContent-Transfer-Encoding: base64\n\n{JPEG_B64}\n--q--\n"
    );
    assert_eq!(parse(lf.as_bytes()).images[0].data, jpeg());
}

#[test]
fn deeply_nested_forwards_do_not_overflow() {
    let mut mail = String::from("From: x@example.pl\n\nsrodek\n");
    for _ in 0..200 {
        mail = format!("From: x@example.pl\nContent-Type: message/rfc822\n\n{mail}");
    }
    assert!(parse_mail(mail.as_bytes()).is_ok());
}

#[test]
fn broken_tree_that_trips_mail_parser_still_yields_the_headers() {
    // Found by fuzzing: a boundary glued to a header. mail-parser 0.11 hits a
    // debug_assert on it in debug builds; release builds parse it.
    let mail = crlf(
        "From: Rodzic <rodzic@example.pl>\nSubject: zdjecie\nContent-Type: multipart/mixed; boundary=q\n\n\
         --qContent-Type: message/rfc822\n\nx\nContent-Type: message/rfc822\n\n\n--q--\n",
    );
    let m = parse(&mail);
    assert_eq!(m.from.as_deref(), Some("rodzic@example.pl"));
    assert_eq!(m.subject, "zdjecie");
}

#[test]
fn body_without_closing_boundary_is_still_text() {
    let mail = crlf(
        "From: a@example.pl\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\
         Content-Type: text/plain; charset=iso-8859-2\nContent-Transfer-Encoding: quoted-printable\n\n\
         Zdj=EAcie =A3ucji\n",
    );
    let m = parse(&mail);
    assert_eq!(m.text, "Zdjęcie Łucji");
    assert!(m.other_attachments.is_empty(), "{:?}", m.other_attachments);
    let nested = crlf(
        "From: a@example.pl\nContent-Type: multipart/mixed; boundary=o\n\n--o\n\
         Content-Type: multipart/alternative; boundary=i\n\n--i\nContent-Type: text/html\n\n<p>Ala</p>\n",
    );
    assert_eq!(parse(&nested).text, "Ala");
}

/// Thunderbird's reply: `format=flowed; delsp=yes`, soft-wrapped at 72
/// columns, a quoted-printable soft break in the middle of a word too. QP
/// encodes the trailing space of a flowed line as `=20` (a decoder drops
/// bare trailing whitespace).
#[test]
fn format_flowed_and_quoted_printable_soft_breaks_are_joined() {
    let mail = crlf(
        "From: Sekretariat <sekretariat@szkola.test>\nSubject: Re: [x]\nMIME-Version: 1.0\n\
         Content-Type: text/plain; charset=UTF-8; format=flowed; DelSp=yes\n\
         Content-Transfer-Encoding: quoted-printable\n\n\
         NIE: zdj=C4=99cie jest zbyt ciemne, t=C5=82o nie jest jednolite, a twarz =20\n\
         jest cz=C4=99=\n\
         =C5=9Bciowo zas=C5=82oni=C4=99ta.\n\n--=20\nAnna\n",
    );
    let parsed = parse(&mail);
    assert!(
        parsed.text.starts_with(
            "NIE: zdjęcie jest zbyt ciemne, tło nie jest jednolite, a twarz jest częściowo zasłonięta.\n\n-- \nAnna"
        ),
        "{:?}",
        parsed.text
    );
}

#[test]
fn a_plain_text_part_without_format_flowed_keeps_its_trailing_spaces_lines() {
    let mail = crlf(
        "From: a@b.pl\nSubject: x\nContent-Type: text/plain; charset=UTF-8\n\nlinia \ndruga\n",
    );
    let text = parse(&mail).text;
    assert_eq!(text.lines().collect::<Vec<_>>(), ["linia ", "druga"]);
}

fn mail_with_images(n: usize) -> Vec<u8> {
    let mut mail = String::from(
        "From: Rodzic <rodzic@example.pl>\nSubject: zdjecia\nMIME-Version: 1.0\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\n\n--b1\nContent-Type: text/plain\n\nW zalaczniku.\n",
    );
    for i in 0..n {
        mail.push_str(&format!(
            "--b1\nContent-Type: image/jpeg; name=\"z{i}.jpg\"\nContent-Transfer-Encoding: base64\n\n{JPEG_B64}\n"
        ));
    }
    mail.push_str("--b1--\n");
    crlf(&mail)
}

#[test]
fn a_mail_over_the_image_cap_has_its_pictures_left_uncollected() {
    let ok = parse(&mail_with_images(MAX_IMAGES));
    assert_eq!((ok.images.len(), ok.over_limit), (MAX_IMAGES, None));
    let over = parse(&mail_with_images(25));
    assert!(over.images.is_empty());
    assert_eq!(
        over.over_limit,
        Some(OverLimit::Images {
            found: 25,
            max: MAX_IMAGES
        })
    );
    assert_eq!(over.text, "W zalaczniku.", "the text is still read");
}

#[test]
fn a_mail_over_the_part_cap_or_nested_too_deep_is_over_the_limit() {
    let mut many =
        String::from("From: a@b.pl\nSubject: x\nContent-Type: multipart/mixed; boundary=\"b\"\n\n");
    for _ in 0..MAX_PARTS {
        many.push_str("--b\nContent-Type: text/plain\n\nx\n");
    }
    many.push_str("--b--\n");
    assert!(matches!(
        parse(&crlf(&many)).over_limit,
        Some(OverLimit::Parts { max: MAX_PARTS, .. })
    ));

    let levels = MAX_DEPTH + 1;
    let mut deep = String::from("From: a@b.pl\nSubject: x\n");
    for i in 0..levels {
        deep.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"b{i}\"\n\n--b{i}\n"
        ));
    }
    deep.push_str("Content-Type: text/plain\n\nin the middle\n");
    for i in (0..levels).rev() {
        deep.push_str(&format!("--b{i}--\n"));
    }
    let parsed = parse(&crlf(&deep));
    assert_eq!(
        parsed.over_limit,
        Some(OverLimit::Depth {
            found: levels,
            max: MAX_DEPTH
        })
    );
    let mut shallow = String::from("From: a@b.pl\nSubject: x\n");
    for i in 0..MAX_DEPTH {
        shallow.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"b{i}\"\n\n--b{i}\n"
        ));
    }
    shallow.push_str("Content-Type: text/plain\n\nok\n");
    assert_eq!(parse(&crlf(&shallow)).over_limit, None);
}
