//! Does a text name *some* person, registered or not?
//!
//! A parent registered for Żaneta Świątek who sends `Kamil Ślimak.jpg` (a
//! sibling, a friend's child, a slip) must not have that photo filed as
//! Żaneta's just because the sender has one application waiting. So before
//! the sender fallback is used, the mail is searched for a person's name; if
//! one is there and it is nobody registered, the photo waits for that
//! student's application instead.
//!
//! The rule, deliberately narrow so that ordinary mail still falls back to
//! the sender:
//! * a name is two or three adjacent *name-like words*, separated only by
//!   spaces, `_` or `-` (punctuation between words ends a sentence, not a
//!   name);
//! * a name-like word has letters only (an apostrophe inside is fine), at
//!   least two of them, and is written `Capitalised` or in `CAPITALS`; in a
//!   file name, whose only purpose is to name someone, lowercase counts too;
//! * words of a stop list never count: file-name noise ("IMG", "zdjęcie",
//!   "legitymacja"), greetings and valedictions ("Dzień dobry",
//!   "Pozdrawiam"), school words ("Szkoła Podstawowa", "Pani", months,
//!   weekdays), phone and app names ("WhatsApp Image");
//! * the sender's own name never counts (it is the parent; the caller passes
//!   the display name and the address), and in a body nothing from the
//!   signature on (a "-- " line, a valediction line), no quoted line, no
//!   header line of a forwarded mail ("From: Anna Nowak"), and no last line
//!   that is only a name (a bare signature);
//!   the words after "im." in a school's patron ("im. Jana Pawła II") neither.

mod words;

use super::{NOISE_WORDS, tokenize};
use crate::domain::name::fold;
use words::STOP_WORDS;

/// Words after which the rest of a line is a patron's name, not a person's.
const PATRON_MARKERS: &[&str] = &["im", "imienia"];

/// Lines from which a body's signature starts (folded prefixes).
const VALEDICTIONS: &[&str] = &[
    "pozdrawiam",
    "pozdrowienia",
    "z powazaniem",
    "z wyrazami",
    "serdecznie pozdrawiam",
    "dziekuje",
    "best regards",
    "kind regards",
    "regards",
    "sent from",
    "wyslano z",
    "wyslane z",
];

/// Header lines of a forwarded or quoted mail ("From: Anna Nowak <…>"), by
/// their folded key; the names in them are senders, not students.
const HEADER_KEYS: &[&str] = &[
    "od", "from", "do", "to", "dw", "cc", "temat", "subject", "data", "date", "wyslano", "wyslane",
    "sent", "nadawca", "odbiorca", "reply-to",
];

/// Where the text comes from; a file name is read more widely.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    FileName,
    Subject,
    Body,
}

/// Folded tokens of the first person's name in `text`, or `None`. Words of
/// `own_name` (the sender's display name) never count.
pub fn person_named(text: &str, source: Source, own_name: Option<&str>) -> Option<Vec<String>> {
    let own: Vec<String> = own_name.map(tokenize).unwrap_or_default();
    let lines = match source {
        Source::Body => body_lines(text),
        _ => vec![text],
    };
    lines
        .into_iter()
        .find_map(|line| name_in_line(line, source == Source::FileName, &own))
}

/// The lines of a body that are the sender's own writing, before any
/// signature, without quotes and without a last line holding only a name.
fn body_lines(text: &str) -> Vec<&str> {
    let mut lines: Vec<&str> = Vec::new();
    for line in text.lines().map(str::trim) {
        let folded = fold(line);
        if line == "--"
            || VALEDICTIONS.iter().any(|v| folded.starts_with(v))
            || opens_quote(&folded)
        {
            break;
        }
        if !line.starts_with('>') && !line.is_empty() && !is_header_line(&folded) {
            lines.push(line);
        }
    }
    // A last line that is only a name is the sender signing off; a body that
    // is nothing but a name names the child.
    if let [_, .., last] = lines.as_slice()
        && name_in_line(last, false, &[]).is_some_and(|n| n.len() == words(last).len())
    {
        lines.pop();
    }
    lines
}

/// Where a quote without `>` marks begins: Outlook's "-----Original
/// Message-----" or "________", an attribution ("W dniu … pisze:"). What
/// follows is someone else's mail (often one of ours, naming a student).
fn opens_quote(folded: &str) -> bool {
    const ATTRIBUTIONS: &[&str] = &["pisze:", "wrote:", "napisal(a):", "napisal:", "napisala:"];
    folded.starts_with("-----")
        || folded.starts_with("_____")
        || ATTRIBUTIONS.iter().any(|a| folded.ends_with(a))
        // Gmail wraps a long attribution: "W dniu … Sekretariat <a@b>" / "napisał(a):".
        || (["w dniu ", "dnia ", "on "].iter().any(|p| folded.starts_with(p)) && folded.contains('@'))
}

/// "From: …", "Temat: …": a header of a forwarded or quoted mail.
fn is_header_line(folded: &str) -> bool {
    folded
        .split_once(':')
        .is_some_and(|(key, _)| HEADER_KEYS.contains(&key.trim_matches(['*', ' '])))
}

/// The words of a line, each with whether only spaces, `_` or `-` separate
/// it from the word before.
fn words(line: &str) -> Vec<(&str, bool)> {
    let is_word_char = |c: char| c.is_alphanumeric() || matches!(c, '\'' | '’');
    let mut out = Vec::new();
    let mut rest = line;
    loop {
        let Some(start) = rest.find(|c: char| c.is_alphanumeric()) else {
            return out;
        };
        let gap = &rest[..start];
        let joined = !out.is_empty()
            && gap
                .chars()
                .all(|c| c.is_whitespace() || c == '_' || c == '-');
        rest = &rest[start..];
        let end = rest.find(|c: char| !is_word_char(c)).unwrap_or(rest.len());
        out.push((&rest[..end], joined));
        rest = &rest[end..];
    }
}

/// The first run of two or three adjacent name-like words in one line that
/// is not the sender's own name.
fn name_in_line(line: &str, any_case: bool, own: &[String]) -> Option<Vec<String>> {
    let is_own = |run: &[String]| run.iter().all(|t| own.contains(t));
    let mut run: Vec<String> = Vec::new();
    for (word, joined) in words(line) {
        let folded = tokenize(word).concat();
        if PATRON_MARKERS.contains(&folded.as_str()) {
            break;
        }
        let name_like = is_name_like(word, &folded, any_case);
        if !(name_like && joined) || run.len() == 3 {
            if run.len() >= 2 && !is_own(&run) {
                return Some(run);
            }
            run.clear();
        }
        if name_like {
            run.push(folded);
        }
    }
    (run.len() >= 2 && !is_own(&run)).then_some(run)
}

/// Letters only (an apostrophe inside is fine), at least two, not a stop
/// word; `Capitalised` or `CAPITALS` unless `any_case`.
fn is_name_like(word: &str, folded: &str, any_case: bool) -> bool {
    let mut letters = word.chars().filter(|c| c.is_alphabetic());
    let first_upper = letters.next().is_some_and(char::is_uppercase);
    let rest: Vec<char> = letters.collect();
    let cased = first_upper
        && (rest.iter().all(|c| c.is_lowercase()) || rest.iter().all(|c| c.is_uppercase()));
    !rest.is_empty()
        && word
            .chars()
            .all(|c| c.is_alphabetic() || matches!(c, '\'' | '’'))
        && (any_case || cased)
        && !STOP_WORDS.contains(&folded)
        && !NOISE_WORDS.contains(&folded)
}

#[cfg(test)]
mod tests;
