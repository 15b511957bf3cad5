//! Which registered student a photo file name, a mail subject or a mail body
//! is about.
//!
//! Parents name photos however they like: `Łucja Żak.jpg`, `lucja_zak.JPG`,
//! `ZAK LUCJA 3A.jpeg`, and write "zdjęcie Łucji Żak" in the subject. The rules:
//!
//! * Text and names are compared as tokens: [`fold`]ed (lowercase, no
//!   diacritics), apostrophes removed (`O'Brien` = `OBrien`), split on anything
//!   that is not a letter or digit. Order does not matter, extra tokens (a
//!   class, numbers, "zdjecie") are ignored.
//! * A student is *named* when every token of the last name (`Nowak-Kowalska`
//!   → `nowak`, `kowalska`) and at least one first name is present.
//! * Polish declension: a name token also matches a text token that is its stem
//!   (the name minus a final vowel, at least 3 letters) plus a case ending, e.g.
//!   `lucja` ~ `lucji`, `kowalski` ~ `kowalskiego`, `zak` ~ `zaka`. Endings
//!   must be real case endings for that kind of name and at most 4 letters.
//!   That is stricter than "any 4 letters": `Jan` must not match `Janusz` or
//!   `Janina`, and `Kowalski` must not match his sister `Kowalska`.
//! * Several students named: keep those with the most matched name tokens,
//!   so "Jan Maria Nowak" picks Jan Maria over plain Jan Nowak.
//!
//! [`match_student`] then uses the sender's address as a tie-break.

mod index;
mod person;
pub use index::{name_keys, text_keys};
pub use person::{Source as TextSource, person_named};

use super::email::EmailAddress;
use super::name::{StudentName, fold};

/// Shortest stem for which declined forms are tried; shorter names (Ewa, Ola,
/// Li) must match exactly, otherwise too many ordinary words would match.
const MIN_STEM_CHARS: usize = 3;

/// Words commonly found next to a name in photo file names and subjects that
/// are never a student's name; dropped by [`name_tokens`].
const NOISE_WORDS: &[&str] = &[
    "jpg",
    "jpeg",
    "png",
    "heic",
    "heif",
    "webp",
    "gif",
    "bmp",
    "tif",
    "tiff",
    "pdf",
    "img",
    "dsc",
    "dscn",
    "pxl",
    "image",
    "photo",
    "pic",
    "picture",
    "foto",
    "fotka",
    "zdjecie",
    "zdjecia",
    "zdj",
    "legitymacja",
    "legitymacji",
    "legitymacje",
    "mlegitymacja",
    "mlegitymacji",
    "klasa",
    "klasy",
    "kl",
    "uczen",
    "ucznia",
    "uczennica",
    "uczennicy",
    "syn",
    "syna",
    "corka",
    "corki",
    "dla",
    "do",
    "od",
    "na",
    "scan",
    "skan",
    "kopia",
    "copy",
    "screenshot",
    "edited",
];

/// A registered student that text may refer to.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    pub id: i64,
    pub name: &'a StudentName,
    pub parent_email: &'a EmailAddress,
}

/// Result of [`match_student`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MatchOutcome {
    /// Exactly one student; the id.
    One(i64),
    /// Nobody is named (e.g. `IMG_2034.jpg`).
    NoMatch,
    /// Several students remain; the secretary must decide. Ids in candidate order.
    Ambiguous(Vec<i64>),
}

/// Which candidates' names appear in `text` (a file name stem, a subject or a
/// mail body), keeping only the most specific matches. Ids in candidate order.
pub fn students_named_in(text: &str, candidates: &[Candidate<'_>]) -> Vec<i64> {
    let text_tokens = tokenize(text);
    let scored: Vec<(i64, usize)> = candidates
        .iter()
        .filter_map(|c| matched_name_tokens(&text_tokens, c.name).map(|score| (c.id, score)))
        .collect();
    let Some(best) = scored.iter().map(|&(_, score)| score).max() else {
        return Vec::new();
    };
    let mut ids: Vec<i64> = Vec::new();
    for (id, score) in scored {
        if score == best && !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

/// [`students_named_in`] plus a tie-break: when several students are named,
/// keep those whose parent sent the mail; if exactly one is left, it wins.
///
/// A single named student is returned as [`MatchOutcome::One`] whoever sent
/// the mail — checking the sender then is the caller's policy. When the sender
/// is the parent of none of them, all named students stay in `Ambiguous`.
pub fn match_student(
    text: &str,
    sender: Option<&EmailAddress>,
    candidates: &[Candidate<'_>],
) -> MatchOutcome {
    let named = students_named_in(text, candidates);
    match named.as_slice() {
        [] => return MatchOutcome::NoMatch,
        [only] => return MatchOutcome::One(*only),
        _ => {}
    }
    let Some(sender) = sender else {
        return MatchOutcome::Ambiguous(named);
    };
    let from_sender: Vec<i64> = named
        .iter()
        .copied()
        .filter(|id| {
            candidates
                .iter()
                .any(|c| c.id == *id && c.parent_email == sender)
        })
        .collect();
    match from_sender.as_slice() {
        [only] => MatchOutcome::One(*only),
        [] => MatchOutcome::Ambiguous(named),
        _ => MatchOutcome::Ambiguous(from_sender),
    }
}

/// Tokens of a name guess for a photo with no application yet, e.g.
/// `"Łucja Żak 3A.jpg"` → `["lucja", "zak"]`.
///
/// Stored with an orphan photo and matched with [`tokens_name_student`] when
/// the application is registered. Drops what cannot be part of a name: tokens
/// with digits (classes, dates, camera counters), single letters, extensions
/// and noise words ("zdjecie", "legitymacja", "img", …); duplicates are
/// removed. `"IMG_2034.jpg"` → `[]`.
pub fn name_tokens(text: &str) -> Vec<String> {
    let mut tokens: Vec<String> = Vec::new();
    for token in tokenize(text) {
        let is_noise = token.chars().count() < 2
            || token.chars().any(char::is_numeric)
            || NOISE_WORDS.contains(&token.as_str());
        if !is_noise && !tokens.contains(&token) {
            tokens.push(token);
        }
    }
    tokens
}

/// Does a stored orphan's token list name this student? Same rules as
/// [`students_named_in`]; tokens are re-folded so hand-edited lists work too.
pub fn tokens_name_student(tokens: &[String], name: &StudentName) -> bool {
    let text_tokens: Vec<String> = tokens.iter().flat_map(|t| tokenize(t)).collect();
    matched_name_tokens(&text_tokens, name).is_some()
}

/// Folded tokens of a text; apostrophes join rather than split.
fn tokenize(text: &str) -> Vec<String> {
    let folded: String = fold(text)
        .chars()
        .filter(|&c| !matches!(c, '\'' | '’' | 'ʼ'))
        .collect();
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `Some(number of matched name tokens)` when `name` is named by the text
/// tokens (all last-name tokens and at least one first name), else `None`.
fn matched_name_tokens(text_tokens: &[String], name: &StudentName) -> Option<usize> {
    let present = |name_token: &String| text_tokens.iter().any(|t| token_matches(name_token, t));
    let last = tokenize(name.last_name());
    if last.is_empty() || !last.iter().all(present) {
        return None;
    }
    let first_matched = tokenize(name.first_names())
        .iter()
        .filter(|t| present(t))
        .count();
    (first_matched > 0).then_some(last.len() + first_matched)
}

/// Whether `text_token` is `name_token` itself or one of its declined forms.
fn token_matches(name_token: &str, text_token: &str) -> bool {
    if name_token == text_token {
        return true;
    }
    let (stem, endings) = declension(name_token);
    stem.chars().count() >= MIN_STEM_CHARS
        && text_token
            .strip_prefix(stem)
            .is_some_and(|ending| endings.contains(&ending))
}

/// Stem and possible case endings of a folded name token, by how it ends.
///
/// Only regular endings are listed; forms with a changed stem (`Marek` →
/// `Marka`, `Piotr` → `Piotrze`) are not recognised and need the nominative.
fn declension(token: &str) -> (&str, &'static [&'static str]) {
    // Kowalska, Kowalskiej, Kowalską (folded: kowalska).
    const ADJECTIVE_FEMININE: &[&str] = &["a", "iej"];
    // Kowalski, Kowalskiego, Kowalskiemu, Kowalskim; Jerzy, Jerzego.
    const ADJECTIVE_MASCULINE: &[&str] = &["i", "y", "ego", "emu", "ym", "iego", "iemu", "im"];
    // Anna, Anny, Annie, Annę, Anną, Anno; Łucji; Marii; Kasi (stem kasi).
    const NOUN_A: &[&str] = &["", "a", "y", "i", "e", "ie", "o"];
    // Kościuszko, Kościuszki; rare, so a generic list.
    const NOUN_OTHER_VOWEL: &[&str] = &["", "a", "e", "i", "o", "u", "y", "owi", "em", "ie"];
    // Jan, Jana, Janowi, Janem, Janie; Nowak, Nowakiem; Michale.
    const CONSONANT: &[&str] = &["", "a", "u", "owi", "em", "iem", "ie", "e"];

    let without_last = |t: &'static [&'static str]| {
        let mut chars = token.chars();
        chars.next_back();
        (chars.as_str(), t)
    };
    if ["ska", "cka", "dzka"].iter().any(|s| token.ends_with(s)) {
        return without_last(ADJECTIVE_FEMININE);
    }
    match token.chars().last() {
        Some('a') => without_last(NOUN_A),
        Some('i' | 'y') => without_last(ADJECTIVE_MASCULINE),
        Some('e' | 'o' | 'u') => without_last(NOUN_OTHER_VOWEL),
        _ => (token, CONSONANT),
    }
}

#[cfg(test)]
mod tests;
