//! PESEL — the Polish national identification number of a student.
//!
//! Every application is keyed by the student's PESEL, so it is the one value we
//! must never get wrong. [`Pesel::parse`] is the only way to obtain a [`Pesel`]
//! and it checks everything that can be checked offline: eleven digits, the
//! check digit, and that the encoded birth date exists. Code holding a `Pesel`
//! can rely on it without validating again ("parse, don't validate").
//!
//! Layout: `YYMMDDZZZXQ`. `YYMMDD` is the birth date; the century is hidden in
//! the month (+80 → 1800s, +0 → 1900s, +20 → 2000s, +40 → 2100s, +60 → 2200s).
//! `ZZZX` is a serial number and `Q` the check digit.
//!
//! A PESEL is a child's personal data. To keep it out of logs by accident the
//! type has no `Display`, and `Debug` prints only [`Pesel::masked`]. Call
//! [`Pesel::as_str`] deliberately where the full value is needed (database,
//! the ministry system).

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Number of digits in a PESEL.
const PESEL_LEN: usize = 11;

/// Weights of the first ten digits in the check-digit formula.
const WEIGHTS: [u32; 10] = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3];

/// A PESEL that passed all offline checks.
///
/// The birth date is decoded once at parse time, so [`Pesel::birth_date`] never
/// has to handle a failure that parsing already ruled out.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Pesel {
    digits: String,
    birth_date: NaiveDate,
}

/// Why a text is not a PESEL. Messages are meant for the secretary, so they
/// say what to look at rather than how the check works.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeselError {
    /// Not exactly 11 digits (the number found is included).
    #[error("a PESEL has 11 digits, this one has {0}")]
    WrongLength(usize),
    /// Something other than the digits 0-9 (a letter, a space, a dash…).
    #[error("a PESEL may contain only digits 0-9")]
    NotDigits,
    /// The last digit does not agree with the first ten: almost always a typo.
    #[error("bad checksum (a digit is probably mistyped)")]
    BadChecksum,
    /// The first six digits do not encode a real calendar date.
    #[error("the birth date encoded in the PESEL does not exist")]
    NoSuchDate,
}

impl Pesel {
    /// Parses a PESEL, ignoring surrounding whitespace.
    ///
    /// Checks are ordered from the cheapest to explain to the most specific,
    /// so the error points at the most likely mistake.
    pub fn parse(input: &str) -> Result<Self, PeselError> {
        let text = input.trim();
        if !text.chars().all(|c| c.is_ascii_digit()) {
            return Err(PeselError::NotDigits);
        }
        // All characters are ASCII now, so byte length == character count.
        if text.len() != PESEL_LEN {
            return Err(PeselError::WrongLength(text.len()));
        }
        let digits: Vec<u32> = text.bytes().map(|b| u32::from(b - b'0')).collect();
        let (body, check) = digits.split_at(PESEL_LEN - 1);
        if check != [check_digit(body)] {
            return Err(PeselError::BadChecksum);
        }
        let birth_date = decode_birth_date(&digits).ok_or(PeselError::NoSuchDate)?;
        Ok(Self {
            digits: text.to_owned(),
            birth_date,
        })
    }

    /// The full 11-digit value. Personal data: do not log it.
    pub fn as_str(&self) -> &str {
        &self.digits
    }

    /// The birth date encoded in the first six digits.
    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }

    /// A log-safe form, e.g. `"152512*****"`: enough to tell records apart
    /// while debugging, without the serial part that makes it identifying.
    pub fn masked(&self) -> String {
        let prefix: String = self.digits.chars().take(6).collect();
        format!("{prefix}*****")
    }
}

/// Check digit for the first ten digits: `(10 - Σ wᵢ·dᵢ mod 10) mod 10`.
fn check_digit(body: &[u32]) -> u32 {
    let sum: u32 = body.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum();
    (10 - sum % 10) % 10
}

/// Decodes `YYMMDD`, taking the century from the month offset.
/// `None` when the month offset is unknown or the date does not exist.
fn decode_birth_date(digits: &[u32]) -> Option<NaiveDate> {
    let pair = |i: usize| Some(digits.get(i)? * 10 + digits.get(i + 1)?);
    let year_in_century = i32::try_from(pair(0)?).ok()?;
    let coded_month = pair(2)?;
    let day = pair(4)?;
    let (century, month) = match coded_month {
        81..=92 => (1800, coded_month - 80),
        1..=12 => (1900, coded_month),
        21..=32 => (2000, coded_month - 20),
        41..=52 => (2100, coded_month - 40),
        61..=72 => (2200, coded_month - 60),
        _ => return None,
    };
    NaiveDate::from_ymd_opt(century + year_in_century, month, day)
}

/// Masked on purpose: `{:?}` ends up in logs and panic messages.
impl fmt::Debug for Pesel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Pesel").field(&self.masked()).finish()
    }
}

impl FromStr for Pesel {
    type Err = PeselError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Lets serde re-check stored values on the way in.
impl TryFrom<String> for Pesel {
    type Error = PeselError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Pesel> for String {
    fn from(pesel: Pesel) -> Self {
        pesel.digits
    }
}

#[cfg(test)]
mod tests;
