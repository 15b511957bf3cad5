//! Is this mail from a robot? RFC 3834 and what helpdesk systems learned the
//! hard way: answering a bounce, an out-of-office reply, a mailing list or a
//! `noreply@` sender starts a mail loop or spams a list.
//!
//! Only what the mail itself says is read here (headers, sender, MIME type);
//! whether it loops back to mleg's own address or the sender had enough
//! replies is judged by intake, which knows the configuration and the store.

use mail_parser::{MessagePart, MimeHeaders};

use crate::domain::mail::RobotReason;

/// Local parts (after dropping a `+tag` and the separators `.`, `-`, `_`)
/// that only robots use. Compared as prefixes: `noreply-billing`,
/// `no.reply+1234`, `donotreply_pl` are all robots.
const ROBOT_PREFIXES: &[&str] = &["noreply", "donotreply", "mailerdaemon"];
/// Found anywhere in the folded local part: `gmail-noreply`, `info.noreply`.
const ROBOT_WORDS: &[&str] = &["noreply", "donotreply"];
/// How robots begin a subject, compared without case: delivery reports and
/// out-of-office replies from servers and mail programs that set no robot
/// header (Outlook, Exchange, Lotus, DragonFly, Exim in their languages).
/// A parent does not begin a subject like this.
const ROBOT_SUBJECTS: &[&str] = &[
    "automatic reply:",
    "auto reply:",
    "autoreply:",
    "auto:",
    "out of office",
    "odpowiedź automatyczna:",
    "automatische antwort:",
    "abwesenheitsnotiz:",
    "undeliverable:",
    "undelivered mail returned to sender",
    "niedostarczalne:",
    "nie można dostarczyć",
    "mail delivery failed",
    "delivery status notification",
    "returned mail:",
    "failure notice",
];
/// Compared whole: `postmaster-office` could be a person.
const ROBOT_LOCALS: &[&str] = &["postmaster"];

/// Why `root`'s own headers, sender or (decoded) subject say a robot sent
/// it, if they do.
pub(super) fn robot_reason(
    raw: &[u8],
    root: &MessagePart<'_>,
    from: Option<&str>,
    subject: &str,
) -> Option<RobotReason> {
    let value = |name: &str| raw_value(raw, root, name, Last);
    let token = |name: &str| value(name).map(|v| first_token(&v));
    let has = |name: &str| value(name).is_some();

    // The topmost Return-Path is the one the final delivery added.
    if raw_value(raw, root, "Return-Path", First)
        .is_some_and(|v| v.trim().trim_matches(['<', '>']).trim().is_empty())
    {
        return Some(RobotReason::EmptyReturnPath);
    }
    if token("Auto-Submitted").is_some_and(|v| v != "no") {
        return Some(RobotReason::AutoSubmitted);
    }
    if token("Precedence")
        .is_some_and(|v| matches!(v.as_str(), "bulk" | "list" | "junk" | "auto_reply"))
    {
        return Some(RobotReason::Precedence);
    }
    // RFC 2369's `List-*` fields, and the older `Mailing-List` (ezmlm, fml).
    let list_header = root.headers.iter().any(|h| {
        let name = h.name.as_str().to_ascii_lowercase();
        name.starts_with("list-") || name == "mailing-list" || name == "x-mailing-list"
    });
    if list_header {
        return Some(RobotReason::MailingList);
    }
    let suppress = value("X-Auto-Response-Suppress").is_some_and(|v| {
        v.split([',', ' ', ';'])
            .any(|w| matches!(w.trim(), "all" | "autoreply" | "oof"))
    });
    if has("X-Autoreply") || has("X-Autorespond") || suppress {
        return Some(RobotReason::AutoReplyHeader);
    }
    if root.is_content_type("multipart", "report") {
        return Some(RobotReason::Report);
    }
    // `From: MAILER-DAEMON <>` leaves no address to judge, but says it.
    let nameless_daemon =
        from.is_none() && value("From").is_some_and(|v| v.contains("mailer-daemon"));
    if nameless_daemon || from.is_some_and(is_robot_sender) {
        return Some(RobotReason::RobotSender);
    }
    robot_subject(&subject.to_lowercase()).then_some(RobotReason::RobotSubject)
}

/// Whether a (lowercased) subject begins the way robots' subjects do.
fn robot_subject(subject: &str) -> bool {
    let subject = subject.trim_start();
    ROBOT_SUBJECTS.iter().any(|p| subject.starts_with(p))
}

/// `mailer-daemon@…`, `postmaster@…`, `no-reply@…`, `Do.Not.Reply+x@…`.
pub fn is_robot_sender(address: &str) -> bool {
    let local = address.rsplit_once('@').map_or(address, |(l, _)| l);
    let local = local.split('+').next().unwrap_or_default();
    let folded: String = local
        .chars()
        .filter(|c| !matches!(c, '.' | '-' | '_'))
        .flat_map(char::to_lowercase)
        .collect();
    ROBOT_PREFIXES.iter().any(|p| folded.starts_with(p))
        || ROBOT_WORDS.iter().any(|w| folded.contains(w))
        || ROBOT_LOCALS.contains(&folded.as_str())
}

/// The addresses named in the mail's `X-Loop` headers, lowercased.
pub(super) fn x_loop(raw: &[u8], root: &MessagePart<'_>) -> Vec<String> {
    root.headers
        .iter()
        .filter(|h| h.name.as_str().eq_ignore_ascii_case("X-Loop"))
        .filter_map(|h| raw.get(h.offset_start as usize..h.offset_end as usize))
        .flat_map(|bytes| {
            String::from_utf8_lossy(bytes)
                .split([',', ' ', '\t', '\r', '\n'])
                .map(|w| w.trim().trim_matches(['<', '>']).to_lowercase())
                .filter(|w| w.contains('@'))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Which of several headers of one name counts.
#[derive(Clone, Copy)]
enum Which {
    First,
    Last,
}
use Which::{First, Last};

/// The raw value of the first or last header `name`, lowercased.
fn raw_value(raw: &[u8], root: &MessagePart<'_>, name: &str, which: Which) -> Option<String> {
    let mut named = root
        .headers
        .iter()
        .filter(|h| h.name.as_str().eq_ignore_ascii_case(name));
    let header = match which {
        First => named.next(),
        Last => named.next_back(),
    }?;
    let bytes = raw.get(header.offset_start as usize..header.offset_end as usize)?;
    Some(String::from_utf8_lossy(bytes).to_ascii_lowercase())
}

/// First token of a header value (`auto-replied; x=y` → `auto-replied`).
fn first_token(value: &str) -> String {
    value
        .split([';', '('])
        .next()
        .unwrap_or_default()
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::is_robot_sender;
    use crate::domain::mail::RobotReason;
    use crate::mail::parse::parse_mail;

    fn reason(headers: &str) -> Option<RobotReason> {
        let raw = format!("{headers}\nSubject: x\n\nbody\n").replace('\n', "\r\n");
        parse_mail(raw.as_bytes()).ok()?.robot
    }

    #[test]
    fn each_robot_header_has_its_reason() {
        use RobotReason::*;
        let from = "From: Rodzic <rodzic@example.pl>\n";
        for (header, expected) in [
            ("Return-Path: <>", Some(EmptyReturnPath)),
            ("Return-Path: <rodzic@example.pl>", None),
            ("Auto-Submitted: auto-replied", Some(AutoSubmitted)),
            ("Auto-Submitted: No", None),
            ("Precedence: auto_reply", Some(Precedence)),
            ("Precedence: list", Some(Precedence)),
            ("List-Unsubscribe: <mailto:u@example.pl>", Some(MailingList)),
            ("X-Autoreply: yes", Some(AutoReplyHeader)),
            ("X-Autorespond: vacation", Some(AutoReplyHeader)),
            ("X-Auto-Response-Suppress: All", Some(AutoReplyHeader)),
            ("X-Auto-Response-Suppress: DR, OOF", Some(AutoReplyHeader)),
            ("X-Auto-Response-Suppress: DR, RN", None),
            ("X-Mailer: Thunderbird", None),
        ] {
            assert_eq!(reason(&format!("{from}{header}")), expected, "{header}");
        }
    }

    #[test]
    fn robot_senders_in_the_forms_real_systems_use() {
        for robot in [
            "MAILER-DAEMON@mx.example.pl",
            "postmaster@example.pl",
            "noreply@bank.pl",
            "no-reply@accounts.google.com",
            "No.Reply+abc123@example.pl",
            "do-not-reply@librus.pl",
            "DoNotReply@example.pl",
            "do_not_reply@example.pl",
            "noreply-billing@example.pl",
            "gmail-noreply@google.com",
        ] {
            assert!(is_robot_sender(robot), "{robot}");
        }
        for person in [
            "rodzic@example.pl",
            "nora@example.pl",
            "postmaster.jan@example.pl",
            "replyno@example.pl",
        ] {
            assert!(!is_robot_sender(person), "{person}");
        }
        assert_eq!(
            reason("From: No-Reply <no-reply@example.pl>"),
            Some(RobotReason::RobotSender)
        );
    }

    #[test]
    fn robots_without_headers_are_known_by_their_subject_or_nameless_daemon() {
        for subject in [
            "Automatic reply: Legitymacja",
            "Odpowiedź automatyczna: legitymacja",
            "AUTO: Smith, John is out of the office.",
            "Undeliverable: Zdjęcie",
            "Mail delivery failed",
        ] {
            let raw = format!("From: a@example.pl\r\nSubject: {subject}\r\n\r\nb\r\n");
            let m = parse_mail(raw.as_bytes()).unwrap();
            assert_eq!(m.robot, Some(RobotReason::RobotSubject), "{subject}");
        }
        for subject in ["Re: legitymacja", "Auto do szkoły", "Nieobecność Jana 3.12"] {
            let raw = format!("From: a@example.pl\r\nSubject: {subject}\r\n\r\nb\r\n");
            assert_eq!(parse_mail(raw.as_bytes()).unwrap().robot, None, "{subject}");
        }
        assert_eq!(
            reason("From: MAILER-DAEMON <>"),
            Some(RobotReason::RobotSender)
        );
    }

    #[test]
    fn x_loop_addresses_are_collected() {
        let raw =
            "From: a@example.pl\r\nX-Loop: <Sekretariat@Szkola.test>\r\nSubject: x\r\n\r\nb\r\n";
        let m = parse_mail(raw.as_bytes()).unwrap();
        assert_eq!(m.x_loop, ["sekretariat@szkola.test"]);
        assert_eq!(
            m.robot, None,
            "X-Loop alone is judged against mleg's address"
        );
    }
}
