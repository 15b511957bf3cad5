//! The reply's *own* lines: what the secretary typed, without the quoted
//! notification, attribution lines ("W dniu … pisze:", "On … wrote:"),
//! Outlook header blocks, signatures and "Sent from my iPhone". Split from
//! [`super`] so the command grammar and the mail-client quirks can be read
//! apart; the rules are in the parent module's docs.

use crate::domain::fold;

/// Own lines of a plain-text body (see the module docs for the rules).
pub(super) fn own_plain(text: &str) -> String {
    // Invisible characters sneak in from HTML editors and phones and would
    // defeat `trim` and keyword matching; NBSP is just a space to a human.
    let text: String = text
        .chars()
        .filter(|c| {
            !matches!(
                c,
                '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}' | '\u{ad}'
            )
        })
        .map(|c| if c == '\u{a0}' { ' ' } else { c })
        .collect();
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    let mut own: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if is_quoted(line) || is_mobile_signature(line) {
            // Kept as a blank line: a reason above a quote ends there.
            if own.last().is_some_and(|l| !l.trim().is_empty()) {
                own.push("");
            }
            i += 1;
            continue;
        }
        if let Some(span) = attribution_span(&lines[i..]) {
            // Bottom-posting: attribution, `>` block, then her text. The loop
            // skips the `>` lines itself. Without `>` markers what follows the
            // attribution is an unmarked quote, so stop.
            let next = (i + span..lines.len()).find(|&j| !lines[j].trim().is_empty());
            match next {
                Some(j) if is_quoted(lines[j]) => {
                    i = j;
                    continue;
                }
                _ => break,
            }
        }
        if starts_unmarked_quote(&lines[i..]) || starts_signature(line) {
            break;
        }
        // Runs of blank lines (common after HTML conversion) become one.
        if !(line.trim().is_empty() && own.last().is_some_and(|l| l.trim().is_empty())) {
            own.push(line);
        }
        i += 1;
    }
    own.join("\n").trim().to_string()
}

fn is_quoted(line: &str) -> bool {
    line.trim_start().starts_with('>')
}

/// "Sent from my iPhone" and friends: a single auto-appended line.
fn is_mobile_signature(line: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "sent from my ",
        "sent from outlook",
        "sent from mail for",
        "sent from yahoo",
        "get outlook for",
        "wyslano z ",
        "wyslane z ",
        "wysylane z ",
        "pobierz outlook",
        "pobierz aplikacje outlook",
    ];
    let f = fold(line.trim());
    f.len() < 100 && PREFIXES.iter().any(|p| f.starts_with(p))
}

/// Signature delimiter ("-- ", often stripped to "--") or a valediction line
/// ("Pozdrawiam", "Z poważaniem", "Best regards,"): what follows is not a
/// command.
fn starts_signature(line: &str) -> bool {
    const VALEDICTIONS: &[&str] = &[
        "pozdrawiam",
        "pozdrowienia",
        "z powazaniem",
        "z wyrazami szacunku",
        "best regards",
        "kind regards",
        "regards",
        "best wishes",
    ];
    let line = line.trim();
    line == "--" || (line.chars().count() <= 60 && starts_with_phrase(&fold(line), VALEDICTIONS))
}

/// `folded` begins with one of `phrases` followed by a word boundary.
fn starts_with_phrase(folded: &str, phrases: &[&str]) -> bool {
    phrase_rest(folded, phrases).is_some()
}

/// What follows the first matching phrase (at a word boundary) in `folded`.
pub(super) fn phrase_rest<'a>(folded: &'a str, phrases: &[&str]) -> Option<&'a str> {
    phrases.iter().find_map(|p| {
        folded
            .strip_prefix(p)
            .filter(|rest| rest.chars().next().is_none_or(|c| !c.is_alphanumeric()))
    })
}

/// Number of lines (1–3) forming an attribution line at the top of `lines`;
/// Gmail wraps long ones ("… <a@b>" / "wrote:").
fn attribution_span(lines: &[&str]) -> Option<usize> {
    let first = lines.first()?;
    if is_attribution(first) {
        return Some(1);
    }
    // Only join when the first line looks like an attribution opening, so a
    // command line directly above an attribution is never swallowed.
    if !opens_attribution(first) {
        return None;
    }
    let mut joined = first.trim().to_string();
    for (n, next) in lines.iter().enumerate().skip(1).take(2) {
        // A complete attribution of its own on the next line ("3b, …" above
        // "W dniu … pisze:") will be found there.
        let own_attribution = named_opener(&fold(next.trim())) && is_attribution(next);
        if next.trim().is_empty() || is_quoted(next) || own_attribution {
            return None;
        }
        joined.push(' ');
        joined.push_str(next.trim());
        if is_attribution(&joined) {
            return Some(n + 1);
        }
    }
    None
}

fn is_attribution(line: &str) -> bool {
    const ENDINGS: &[&str] = &[
        "wrote:",
        "writes:",
        "pisze:",
        "napisal(a):",
        "napisal/a:",
        "napisal:",
        "napisala:",
    ];
    let f = fold(line.trim());
    // A date or an address distinguishes a real attribution from prose.
    let has_marker = f.chars().any(|c| c.is_ascii_digit() || c == '@');
    (has_marker && ENDINGS.iter().any(|e| f.ends_with(e)))
        // Apple Mail (Polish): "Wiadomość napisana przez X w dniu 23.11.2026, o godz. 10:00:"
        || (f.starts_with("wiadomosc napisana przez") && f.ends_with(':'))
}

fn opens_attribution(line: &str) -> bool {
    let f = fold(line.trim());
    named_opener(&f) || f.starts_with(|c: char| c.is_ascii_digit())
}

/// `folded` starts like a known attribution ("On …", "W dniu …", "pon., …").
fn named_opener(folded: &str) -> bool {
    const OPENERS: &[&str] = &["on ", "w dniu ", "dnia ", "wiadomosc napisana"];
    // Gmail (Polish) starts with the weekday: "pon., 23 lis 2026 o 10:00 …".
    const WEEKDAYS: &[&str] = &["pon.", "wt.", "sr.", "czw.", "pt.", "sob.", "niedz."];
    OPENERS
        .iter()
        .chain(WEEKDAYS)
        .any(|p| folded.starts_with(p))
}

/// Outlook-style quote openings without `>` markers: everything from here on
/// is the quoted original.
fn starts_unmarked_quote(lines: &[&str]) -> bool {
    const SEPARATORS: &[&str] = &[
        "original message",
        "oryginalna wiadomosc",
        "wiadomosc oryginalna",
        "forwarded message",
        "wiadomosc przekazana dalej",
    ];
    const HEADERS: &[&str] = &[
        "wyslane", "wyslano", "sent", "date", "data", "do", "to", "temat", "subject", "dw", "cc",
    ];
    let Some(first) = lines.first().map(|l| l.trim()) else {
        return false;
    };
    if first.starts_with("---") {
        let label = fold(first.trim_matches(|c: char| c == '-' || c.is_whitespace()));
        if SEPARATORS.contains(&label.as_str()) {
            return true;
        }
    }
    if first.len() >= 10 && first.chars().all(|c| c == '_') {
        return true;
    }
    // "Od: …" / "From: …" followed closely by Wysłane:/Sent:/Do:/To:/Temat:…
    header_key(first, &["od", "from", "nadawca"])
        && lines[1..]
            .iter()
            .filter(|l| !l.trim().is_empty())
            .take(4)
            .any(|l| header_key(l, HEADERS))
}

/// The line is a mail header "Key: …" for one of `keys`; tolerates the
/// `*From:*` bold markers text alternatives of HTML mails carry.
fn header_key(line: &str, keys: &[&str]) -> bool {
    let f = fold(line.trim_start().trim_start_matches('*'));
    keys.iter().any(|k| {
        f.strip_prefix(k)
            .is_some_and(|rest| rest.trim_start_matches('*').starts_with(':'))
    })
}
