//! Finding the staff command in a reply to one of mleg's notification mails.
//!
//! The school secretary never logs into mleg. Every notification ("new
//! application from Jan Kowalski, reply TAK or NIE <powód>") is answered from
//! whatever mail client she happens to use: Gmail on the office PC, Outlook,
//! Thunderbird, the phone. This module turns such a reply into a
//! [`StaffCommand`] by:
//!
//! 1. extracting the reply's *own* text ([`own_text`]): the lines she typed,
//!    without the quoted notification, attribution lines ("W dniu … pisze:",
//!    "On … wrote:"), Outlook header blocks, signatures and "Sent from my
//!    iPhone" lines. Both top-posting (command above the quote) and
//!    bottom-posting (`>` quote first, command below) work. HTML-only replies
//!    are converted to text first (see the private `html` submodule);
//! 2. reading the first non-empty own line, skipping a leading greeting
//!    ("Dzień dobry,", "Witam Pani Ewo", "Hi Anna,") on its own line;
//! 3. matching its first word, case- and diacritic-insensitively, against the
//!    keyword table.
//!
//! The parser prefers saying "not understood" to guessing: the daemon then
//! answers with help and the secretary simply replies again, whereas a wrong
//! guess (approving when she meant "no") is hard to undo. Hence:
//! * keyword-only commands (TAK, WYDANO, …) allow nothing but punctuation or
//!   emoji after the keyword: "Tak, ale zdjęcie do poprawy" is NOT approval;
//! * reason commands (NIE, ZDJĘCIE, ANULUJ, …) need a reason starting on the
//!   keyword's line; it goes on over the following lines (a client soft-wraps
//!   long lines) up to the first blank line, quote or signature;
//! * NIE and ZDJĘCIE also start ordinary sentences ("Nie mogę otworzyć…",
//!   "Zdjęcie jest OK"), so they act only in capitals or followed by
//!   punctuation (`NIE zdjęcie stare`, `Nie: …`, `Zdjęcie – …`);
//! * a code has a digit or is all capitals: "Kod gotowy" is a sentence;
//! * a signature starts at "-- " and also at a valediction line
//!   ("Pozdrawiam", "Z poważaniem", "Best regards"), so a reply holding only
//!   a signature is [`ParsedReply::Empty`];
//! * a greeting line that mentions a keyword ("Dzień dobry, TAK") is not
//!   skipped, so it is reported as not understood rather than ignored;
//! * in `KOD` anything after the code that is not a recognised date/time makes
//!   the whole line not understood. A date without a time means 00:00.
//!
//! Everything here is pure and bounded: only the first 64 KiB of each input is
//! looked at.

mod html;
mod own;
mod reason;
#[cfg(test)]
mod reason_tests;
mod several;
pub use several::{MAX_COMMANDS, Reply, parse_reply_all};
#[cfg(test)]
mod several_tests;
#[cfg(test)]
mod tests;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use crate::domain::when::{WhenError, echo};
use crate::domain::{InvalidationReason, fold};
use own::{own_plain, phrase_rest};

/// Only this much of each body is examined; commands are at the very top (or
/// right below a quote), and bounding keeps hostile mails cheap.
const MAX_INPUT: usize = 64 * 1024;
/// `NotUnderstood::first_line` is echoed back to the secretary and logged.
const MAX_FIRST_LINE: usize = 200;
/// Activation codes are short; anything longer is a typo or pasted junk.
const MAX_CODE: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaffCommand {
    /// TAK / OK / APPROVE / ZATWIERDŹ
    Approve,
    /// `NIE <powód>` / `ODRZUĆ <powód>` / `REJECT <reason>`
    Reject { reason: String },
    /// `ZDJĘCIE <powód>` / `PHOTO <reason>`
    RejectPhoto { reason: String },
    /// `KOD <kod> [data [godzina]]` / `CODE <code> [date [time]]`
    Code {
        code: String,
        generated_at: Option<NaiveDateTime>,
    },
    /// WYDANO / HANDED / HANDED OVER
    HandedOver,
    /// WPROWADZONO / ENTERED (SIO process)
    Entered,
    /// `ANULUJ <powód>` / `CANCEL <reason>`
    Cancel { reason: String },
    /// `UNIEWAŻNIJ <powód>` / `INVALIDATE <reason>`: one of the school's
    /// reasons, in Polish (with or without diacritics) or as its id.
    Invalidate { reason: InvalidationReason },
    /// `PONOWNIE` / `REISSUE`: a new application for the same student,
    /// awaiting a new photo; `PONOWNIE ZE ZDJĘCIEM` / `REISSUE KEEP-PHOTO`
    /// (`keep_photo`): with the photo the school kept (`photo_keep_days`).
    Reissue { keep_photo: bool },
    /// POMOC / HELP / ?
    Help,
    /// SPRZECIW / OBJECTION: the parent's objection is confirmed; nothing
    /// is issued for the student, an open application is cancelled.
    Objection,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParsedReply {
    Command(StaffCommand),
    /// The first own (non-greeting) line, trimmed and clipped, for the answer.
    NotUnderstood {
        first_line: String,
    },
    /// Nothing of her own: only quote, signature or whitespace.
    Empty,
}

/// Finds the command in a reply. `text`: the plain-text body (may be empty
/// when the mail was HTML-only); `html`: the raw HTML body if any. Only the
/// first command; [`parse_reply_all`] also reads the command lines below it.
pub fn parse_reply(text: &str, html: Option<&str>) -> ParsedReply {
    parse_reply_all(text, html).first
}

/// The reply's own new text with quotes/signatures removed (used by
/// [`parse_reply`]; public for tests/logging). The text part is preferred
/// because clients generate it reliably; the HTML part is used only when the
/// text part yields nothing (HTML-only mails, or a text part that is just a
/// quote).
pub fn own_text(text: &str, html: Option<&str>) -> String {
    let from_text = own_plain(bounded(text));
    match html {
        Some(html) if from_text.is_empty() => own_plain(&html::to_text(bounded(html))),
        _ => from_text,
    }
}

fn not_understood(line: &str) -> ParsedReply {
    ParsedReply::NotUnderstood {
        first_line: line.chars().take(MAX_FIRST_LINE).collect(),
    }
}

/// The longest prefix of at most [`MAX_INPUT`] bytes ending on a char boundary.
fn bounded(s: &str) -> &str {
    let mut end = s.len().min(MAX_INPUT);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// A greeting on its own line, optionally followed by a short name. A greeting
/// that mentions a command keyword is not skipped (see module docs).
fn is_greeting(line: &str) -> bool {
    const GREETINGS: &[&str] = &[
        "dzien dobry",
        "dobry wieczor",
        "witam",
        "witaj",
        "czesc",
        "hej",
        "hello",
        "hi",
        "hey",
        "dear",
        "good morning",
        "good afternoon",
        "szanowni panstwo",
        "szanowna pani",
        "szanowny panie",
    ];
    let f = fold(line);
    phrase_rest(&f, GREETINGS).is_some_and(|rest| {
        let words: Vec<&str> = rest
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        words.len() <= 3 && !words.iter().any(|w| keyword(w).is_some())
    })
}

#[derive(Clone, Copy)]
enum Keyword {
    Approve,
    Reject,
    RejectPhoto,
    Code,
    HandedOver,
    Entered,
    Cancel,
    Invalidate,
    Reissue,
    Help,
    Objection,
}

/// `word` is already folded (lowercase, no diacritics).
fn keyword(word: &str) -> Option<Keyword> {
    Some(match word {
        "tak" | "ok" | "okay" | "okej" | "approve" | "zatwierdz" => Keyword::Approve,
        "nie" | "odrzuc" | "reject" => Keyword::Reject,
        "zdjecie" | "photo" => Keyword::RejectPhoto,
        "kod" | "code" => Keyword::Code,
        "wydano" | "handed" => Keyword::HandedOver,
        "wprowadzono" | "entered" => Keyword::Entered,
        "anuluj" | "cancel" => Keyword::Cancel,
        "uniewaznij" | "invalidate" => Keyword::Invalidate,
        "ponownie" | "reissue" => Keyword::Reissue,
        "pomoc" | "help" => Keyword::Help,
        "sprzeciw" | "objection" => Keyword::Objection,
        _ => return None,
    })
}

/// `PONOWNIE`, or `PONOWNIE ZE ZDJĘCIEM` / `REISSUE KEEP-PHOTO` (any case,
/// with or without diacritics, a hyphen or a space).
fn reissue(rest: &str) -> Option<StaffCommand> {
    let words: Vec<String> = rest
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(fold)
        .collect();
    let keep_photo = match words.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] => false,
        ["ze", "zdjeciem"] | ["z", "zdjeciem"] | ["keep", "photo"] => true,
        _ => return None,
    };
    Some(StaffCommand::Reissue { keep_photo })
}

fn parse_command(line: &str) -> Option<StaffCommand> {
    // `*TAK*` / `_TAK_`: emphasis as text alternatives of HTML mails render it.
    let line = line.trim().trim_start_matches(['*', '_']).trim_start();
    if !line.is_empty() && line.chars().all(|c| c == '?') {
        return Some(StaffCommand::Help);
    }
    // The keyword is the whole first word, so "Takie…" or "OKAYish" never match.
    let split = line
        .find(|c: char| !c.is_alphanumeric())
        .unwrap_or(line.len());
    let (word, rest) = line.split_at(split);
    let bare = |rest: &str| !rest.chars().any(char::is_alphanumeric);
    match keyword(&fold(word))? {
        Keyword::Approve => bare(rest).then_some(StaffCommand::Approve),
        Keyword::HandedOver => bare(strip_over(rest)).then_some(StaffCommand::HandedOver),
        Keyword::Entered => bare(rest).then_some(StaffCommand::Entered),
        Keyword::Help => bare(rest).then_some(StaffCommand::Help),
        Keyword::Objection => bare(rest).then_some(StaffCommand::Objection),
        Keyword::Reissue => reissue(rest),
        // "Nie mogę otworzyć…" and "Zdjęcie jest OK" are sentences, not
        // commands; these two everyday words act only as `NIE: …` / `NIE …`.
        _ if is_everyday_word(word) && !marked_as_command(word, rest) => None,
        Keyword::Reject => reason(rest).map(|reason| StaffCommand::Reject { reason }),
        Keyword::RejectPhoto => reason(rest).map(|reason| StaffCommand::RejectPhoto { reason }),
        Keyword::Cancel => reason(rest).map(|reason| StaffCommand::Cancel { reason }),
        Keyword::Code => parse_code(rest),
        // An unknown reason is not understood: she gets the list of reasons.
        Keyword::Invalidate => reason(rest)
            .and_then(|r| InvalidationReason::parse(&r))
            .map(|reason| StaffCommand::Invalidate { reason }),
    }
}

/// Command words that also start ordinary Polish sentences.
fn is_everyday_word(word: &str) -> bool {
    matches!(fold(word).as_str(), "nie" | "zdjecie")
}

/// Typed in capitals, or followed by punctuation (`Nie: …`, `Zdjęcie – …`,
/// `Nie, …`): then the word is meant as the command.
fn marked_as_command(word: &str, rest: &str) -> bool {
    let capitals = word.chars().all(|c| !c.is_lowercase());
    let punctuated = rest
        .trim_start()
        .starts_with([':', '-', '–', '—', ',', ';']);
    capitals || punctuated
}

/// "HANDED OVER": drop the second word.
fn strip_over(rest: &str) -> &str {
    let t = rest.trim_start();
    let end = t.find(|c: char| !c.is_alphanumeric()).unwrap_or(t.len());
    if t[..end].eq_ignore_ascii_case("over") {
        &t[end..]
    } else {
        rest
    }
}

fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, ':' | '-' | '–' | '—' | ',' | ';' | '.')
}

/// The reason after the keyword, in her own spelling; `None` when missing.
fn reason(rest: &str) -> Option<String> {
    let reason = rest.trim_start_matches(is_separator).trim_end();
    reason
        .chars()
        .any(char::is_alphanumeric)
        .then(|| reason.to_string())
}

fn parse_code(rest: &str) -> Option<StaffCommand> {
    let rest = rest.trim_start_matches(|c: char| is_separator(c) && c != '.');
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .unwrap_or(rest.len());
    let (code, tail) = rest.split_at(end);
    let significant = code.chars().filter(char::is_ascii_alphanumeric).count();
    // A date in the code position means she forgot the code itself.
    if significant < 4 || code.len() > MAX_CODE || parse_date(code).is_some() {
        return None;
    }
    // "Kod gotowy", "Kod wygenerowany": a word, not a code. A code is copied
    // from the ministry screen, so it has a digit or is all capitals.
    let has_digit = code.chars().any(|c| c.is_ascii_digit());
    if !has_digit && code.chars().any(|c| c.is_ascii_lowercase()) {
        return None;
    }
    Some(StaffCommand::Code {
        code: code.to_ascii_uppercase(),
        generated_at: parse_when(tail)?,
    })
}

/// A generation time typed on its own (`mleg apps code --generated-at`),
/// read exactly as after `KOD <kod>` in a reply, so both accept the same.
pub fn parse_issue_time(s: &str) -> Result<NaiveDateTime, WhenError> {
    match parse_when(s) {
        Some(Some(t)) => Ok(t),
        _ => Err(WhenError::LocalShape(echo(s))),
    }
}

/// Optional "date [time]" after the code. `None`: unparseable; `Some(None)`:
/// nothing there. Tolerates the Polish "r." (roku), "godz."/"o" and commas.
fn parse_when(tail: &str) -> Option<Option<NaiveDateTime>> {
    let tail = tail.trim().trim_end_matches(['.', '!', ';']);
    let mut tokens = tail
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| t.chars().any(char::is_alphanumeric));
    let Some(first) = tokens.next() else {
        return Some(None);
    };
    let date = parse_date(first.trim_end_matches('.'))?;
    let mut time = None;
    for token in tokens {
        let filler = matches!(
            fold(token).trim_end_matches('.'),
            "r" | "godz" | "g" | "o" | "at"
        );
        if filler && time.is_none() {
            continue;
        }
        if time.is_some() {
            return None;
        }
        time = Some(parse_time(token.trim_end_matches('.'))?);
    }
    // Date without time: midnight, as documented.
    Some(Some(date.and_time(time.unwrap_or(NaiveTime::MIN))))
}

/// `2026-11-20`, `20.11.2026`, `20-11-2026` (day and month may lack the
/// leading zero; the year must have four digits).
fn parse_date(s: &str) -> Option<NaiveDate> {
    let sep = if s.contains('.') { '.' } else { '-' };
    let parts: Vec<&str> = s.split(sep).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let numeric = |p: &str| !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit());
    if !(numeric(a) && numeric(b) && numeric(c)) {
        return None;
    }
    let (y, m, d) = match (a.len(), c.len()) {
        (4, 1..=2) if sep == '-' => (a, b, c),
        (1..=2, 4) => (c, b, a),
        _ => return None,
    };
    if m.len() > 2 {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// `14:35` or `14:35:10`.
fn parse_time(s: &str) -> Option<NaiveTime> {
    let parts: Vec<&str> = s.split(':').collect();
    let digits =
        |p: &str, min: usize| (min..=2).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit());
    match parts.as_slice() {
        [h, m] if digits(h, 1) && digits(m, 2) => {
            NaiveTime::from_hms_opt(h.parse().ok()?, m.parse().ok()?, 0)
        }
        [h, m, s] if digits(h, 1) && digits(m, 2) && digits(s, 2) => {
            NaiveTime::from_hms_opt(h.parse().ok()?, m.parse().ok()?, s.parse().ok()?)
        }
        _ => None,
    }
}
