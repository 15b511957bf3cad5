use crate::mail::parse::parse_mail;

fn crlf(s: &str) -> Vec<u8> {
    s.replace('\n', "\r\n").into_bytes()
}

/// What Postfix sends for an unknown user (shortened).
const POSTFIX: &str = "Return-Path: <>\nFrom: MAILER-DAEMON@mx.szkola.test (Mail Delivery System)\n\
Subject: Undelivered Mail Returned to Sender\nAuto-Submitted: auto-replied\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n\
--B\nContent-Description: Notification\nContent-Type: text/plain; charset=us-ascii\n\n\
This is the mail system at host mx.szkola.test.\n\n<nikt@example.pl>: unknown user\n\n\
--B\nContent-Description: Delivery report\nContent-Type: message/delivery-status\n\n\
Reporting-MTA: dns; mx.szkola.test\nArrival-Date: Fri,  4 Dec 2026 19:00:00 +0000 (UTC)\n\n\
Final-Recipient: rfc822; nikt@example.pl\nOriginal-Recipient: rfc822;nikt@example.pl\n\
Action: failed\nStatus: {STATUS}\nDiagnostic-Code: x-unix; user unknown\n\n\
--B\nContent-Description: Undelivered Message\nContent-Type: {RETURNED}\n\n\
Message-ID:\n <mleg.0123456789abcdef0123456789abcdef@szkola.test>\nFrom: szkola@szkola.test\n\
To: nikt@example.pl\nSubject: Re: legitymacja\n\nbody\n\n--B--\n";

fn postfix(status: &str, returned: &str) -> Vec<u8> {
    crlf(
        &POSTFIX
            .replace("{STATUS}", status)
            .replace("{RETURNED}", returned),
    )
}

const OURS: &str = "mleg.0123456789abcdef0123456789abcdef@szkola.test";

#[test]
fn a_postfix_bounce_names_our_mail_and_is_permanent() {
    for returned in ["message/rfc822", "text/rfc822-headers"] {
        let m = parse_mail(&postfix("5.1.1", returned)).unwrap();
        let b = m.bounce.clone().expect(returned);
        assert_eq!(b.original_ids, [OURS], "{returned}");
        assert!(b.permanent, "{returned}");
        assert!(m.auto_generated());
    }
}

#[test]
fn a_delay_report_is_not_permanent() {
    let m = parse_mail(&postfix("4.4.1", "text/rfc822-headers")).unwrap();
    assert!(!m.bounce.unwrap().permanent);
}

#[test]
fn a_plain_mailer_daemon_mail_quoting_our_mail_counts() {
    let qmail = crlf(
        "From: MAILER-DAEMON@mx.example.pl\nSubject: failure notice\n\n\
         Hi. This is the qmail-send program at mx.example.pl.\n\
         <nikt@example.pl>:\nSorry, no mailbox here by that name. (#5.1.1)\n\n\
         --- Below this line is a copy of the message.\n\n\
         Message-ID: <mleg.0123456789abcdef0123456789abcdef@szkola.test>\nSubject: x\n",
    );
    let b = parse_mail(&qmail).unwrap().bounce.unwrap();
    assert_eq!(b.original_ids, [OURS]);
    assert!(b.permanent);
}

#[test]
fn a_person_quoting_a_message_id_is_no_bounce() {
    let m = parse_mail(&crlf(
        "From: rodzic@example.pl\nSubject: x\n\nMessage-ID: <a@b> 5.1.1\n",
    ))
    .unwrap();
    assert_eq!(m.bounce, None);
}
