//! Student names, and the diacritic folding used to compare them.
//!
//! Names arrive from a CSV typed by hand and are later compared with photo file
//! names written by parents on phones, so the same name shows up as
//! `Łucja Żak`, `lucja_zak` or `ŁUCJA ŻAK`. [`StudentName::parse`] normalises
//! the whitespace once at the edge and rejects what cannot be a name (digits,
//! stray symbols, empty fields), while keeping the spelling and case the school
//! registered. [`fold`] gives the comparison key used by `matching`.
//!
//! Names of children are personal data: `Debug` prints only initials, and there
//! is deliberately no `Display`; use [`StudentName::full`] where the full name
//! is really wanted.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Longest accepted first-names or last-name field, in characters. Generous
/// for real names, small enough to catch a whole row pasted into one cell.
const MAX_LEN: usize = 100;

/// A student's name as registered by the school.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "RawStudentName")]
pub struct StudentName {
    first_names: String,
    last_name: String,
}

/// Which half of the name an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameField {
    FirstNames,
    LastName,
}

impl fmt::Display for NameField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::FirstNames => "first name",
            Self::LastName => "last name",
        })
    }
}

/// Why a first-names/last-name pair is not a valid name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("{0} is empty")]
    Empty(NameField),
    #[error("{field} is too long ({len} characters, at most {MAX_LEN} allowed)")]
    TooLong { field: NameField, len: usize },
    #[error("{0} contains a digit")]
    ContainsDigit(NameField),
    #[error("{field} contains a character not allowed in names: {ch:?}")]
    InvalidCharacter { field: NameField, ch: char },
    #[error("{0} has a hyphen or apostrophe without letters next to it")]
    StrayPunctuation(NameField),
}

impl NameError {
    /// Which half of the name is wrong, so a form or CSV import can point at
    /// the right field.
    pub fn field(&self) -> NameField {
        match self {
            Self::Empty(field)
            | Self::ContainsDigit(field)
            | Self::StrayPunctuation(field)
            | Self::TooLong { field, .. }
            | Self::InvalidCharacter { field, .. } => *field,
        }
    }
}

impl StudentName {
    /// Parses first name(s) and last name, e.g. `("Anna  Maria", "Nowak - Kowalska")`
    /// → `Anna Maria` / `Nowak-Kowalska`.
    ///
    /// Allowed: letters of any alphabet (Polish diacritics included), single
    /// spaces between words, hyphens (double-barrelled names) and apostrophes
    /// (`O'Brien`). Whitespace is trimmed and collapsed, and spaces around
    /// hyphens are removed, because that is how such cells are typically mistyped.
    pub fn parse(first: &str, last: &str) -> Result<Self, NameError> {
        Ok(Self {
            first_names: normalise(first, NameField::FirstNames)?,
            last_name: normalise(last, NameField::LastName)?,
        })
    }

    /// All first names separated by single spaces, e.g. `"Anna Maria"`.
    pub fn first_names(&self) -> &str {
        &self.first_names
    }

    pub fn last_name(&self) -> &str {
        &self.last_name
    }

    /// `"Anna Maria Nowak-Kowalska"` — for letters to parents, not for logs.
    pub fn full(&self) -> String {
        format!("{} {}", self.first_names, self.last_name)
    }

    /// File name stem for the ministry system: ASCII only, last name first,
    /// words joined by `_`, e.g. `"Nowak-Kowalska_Anna_Maria"`.
    ///
    /// Letters without an ASCII equivalent in [`fold`]'s table (e.g. Cyrillic)
    /// and apostrophes are dropped, since the target system accepts only ASCII.
    pub fn file_stem(&self) -> String {
        let words = self
            .last_name
            .split(' ')
            .chain(self.first_names.split(' '))
            .map(ascii_fold_keep_case)
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>();
        words.join("_")
    }

    /// `"A.N."`: first letter of the first name and of the last name. Enough
    /// to tell log lines apart without naming the child.
    pub fn initials(&self) -> String {
        let initial = |s: &str| s.chars().next().map(|c| c.to_uppercase().to_string());
        format!(
            "{}.{}.",
            initial(&self.first_names).unwrap_or_default(),
            initial(&self.last_name).unwrap_or_default()
        )
    }
}

/// Initials only: `{:?}` ends up in logs.
impl fmt::Debug for StudentName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("StudentName")
            .field(&self.initials())
            .finish()
    }
}

/// Shape used by serde so stored names are re-checked on the way in.
#[derive(Deserialize)]
struct RawStudentName {
    first_names: String,
    last_name: String,
}

impl TryFrom<RawStudentName> for StudentName {
    type Error = NameError;

    fn try_from(raw: RawStudentName) -> Result<Self, Self::Error> {
        Self::parse(&raw.first_names, &raw.last_name)
    }
}

/// Combining diacritical marks (U+0300–U+036F): decomposed (NFD) text, as
/// produced by macOS and iOS, spells `Ż` as `Z` followed by such a mark.
fn is_combining_mark(c: char) -> bool {
    ('\u{300}'..='\u{36f}').contains(&c)
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | 'ʼ')
}

/// Trims, collapses whitespace, glues hyphens, then checks the characters.
fn normalise(input: &str, field: NameField) -> Result<String, NameError> {
    let collapsed = input.split_whitespace().collect::<Vec<_>>().join(" ");
    let text = collapsed.replace(" -", "-").replace("- ", "-");
    if text.is_empty() {
        return Err(NameError::Empty(field));
    }
    let len = text.chars().count();
    if len > MAX_LEN {
        return Err(NameError::TooLong { field, len });
    }
    if text.chars().any(char::is_numeric) {
        return Err(NameError::ContainsDigit(field));
    }
    if let Some(ch) = text.chars().find(|&c| {
        !(c.is_alphabetic() || c == ' ' || c == '-' || is_apostrophe(c) || is_combining_mark(c))
    }) {
        return Err(NameError::InvalidCharacter { field, ch });
    }
    // "-", "Nowak-", "O'" or "Anna - " are typing accidents, not names.
    let every_part_has_letters = text
        .split([' ', '-'])
        .all(|part| part.chars().any(char::is_alphabetic));
    if !every_part_has_letters {
        return Err(NameError::StrayPunctuation(field));
    }
    Ok(text)
}

/// Lowercases `text` and strips diacritics: `"Łucja ŻAK"` → `"lucja zak"`.
///
/// Decomposed input (`Z` + combining dot, as macOS/iOS write file names) folds
/// the same as precomposed `Ż`, because combining marks are dropped.
///
/// Covers Polish letters, Latin-1 (é, ü, ö, ß → ss, …) and Latin Extended-A
/// (Czech, Slovak, Lithuanian, Hungarian, …), which is what appears in a
/// Polish school. Other characters are only lowercased, so both sides of a
/// comparison still fold to the same key.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        if is_combining_mark(c) {
            continue;
        }
        match fold_lower(c) {
            Some(plain) => out.push_str(plain),
            None => out.push(c),
        }
    }
    out
}

/// ASCII transliteration preserving case; drops what it cannot transliterate.
fn ascii_fold_keep_case(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars() {
        if is_combining_mark(c) {
            continue;
        }
        if c.is_ascii() {
            if !is_apostrophe(c) {
                out.push(c);
            }
            continue;
        }
        let lower = c.to_lowercase().next().unwrap_or(c);
        let plain = match fold_lower(lower) {
            Some(plain) => plain,
            None if lower.is_ascii() => {
                out.push(if c.is_uppercase() {
                    lower.to_ascii_uppercase()
                } else {
                    lower
                });
                continue;
            }
            None => continue,
        };
        if c.is_uppercase() {
            out.push_str(&plain.to_ascii_uppercase());
        } else {
            out.push_str(plain);
        }
    }
    out
}

/// Transliteration of one lowercase letter; `None` when it has no diacritic
/// we know of (plain ASCII included).
fn fold_lower(c: char) -> Option<&'static str> {
    Some(match c {
        'à'..='å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è'..='ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì'..='ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'ĳ' => "ij",
        'ĵ' => "j",
        'ķ' | 'ĸ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' | 'ŉ' | 'ŋ' => "n",
        'ò'..='ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ß' => "ss",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ſ' | 'ș' => "s",
        'ţ' | 'ť' | 'ŧ' | 'ț' => "t",
        'þ' => "th",
        'ù'..='ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => return None,
    })
}

#[cfg(test)]
mod tests;
