//! School classes ("oddział"), e.g. `3A`, `IIIB`, `1TI`.
//!
//! The class is typed by hand in the secretariat's spreadsheet and by parents
//! in file names, in many spellings (`3a`, `3 A`, ` 3A `). [`SchoolClass::parse`]
//! reduces them to one canonical form — no whitespace, uppercase — so classes
//! can be compared and grouped with plain equality. Roman and Arabic numerals
//! are kept as written: schools use one or the other consistently, and
//! converting would invent a spelling the school does not use.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Longest accepted class label. Real ones are 2–4 characters; the limit
/// catches a name or a note typed into the wrong column.
const MAX_LEN: usize = 10;

/// A canonical class label: 1–10 uppercase letters/digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SchoolClass(String);

/// Why a text is not a class label.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClassError {
    #[error("class is empty")]
    Empty,
    #[error("class is too long ({0} characters, at most {MAX_LEN}), e.g. 3A or IIIB")]
    TooLong(usize),
    #[error("class may contain only letters and digits, found {0:?}")]
    InvalidCharacter(char),
}

impl SchoolClass {
    /// `"3 a"`, `"3a"` and `" 3A "` all become `"3A"`; `"1 ti"` becomes `"1TI"`.
    pub fn parse(input: &str) -> Result<Self, ClassError> {
        let label: String = input
            .chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_uppercase)
            .collect();
        if label.is_empty() {
            return Err(ClassError::Empty);
        }
        if let Some(ch) = label.chars().find(|c| !c.is_alphanumeric()) {
            return Err(ClassError::InvalidCharacter(ch));
        }
        let len = label.chars().count();
        if len > MAX_LEN {
            return Err(ClassError::TooLong(len));
        }
        Ok(Self(label))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A class label is not personal data; it is shown in reports and mails.
impl fmt::Display for SchoolClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for SchoolClass {
    type Err = ClassError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for SchoolClass {
    type Error = ClassError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<SchoolClass> for String {
    fn from(class: SchoolClass) -> Self {
        class.0
    }
}

#[cfg(test)]
mod tests;
