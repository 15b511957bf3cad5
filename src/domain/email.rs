//! Parent e-mail addresses.
//!
//! The address registered in an application is compared with the sender of
//! incoming mail to decide whose photo it is, and replies go back to it. The
//! check here is deliberately simple — full RFC 5322 syntax (quoted local
//! parts, comments) never occurs in practice and would only let typos through
//! — but it catches what people actually get wrong when typing into a
//! spreadsheet: missing `@`, two addresses in one cell, spaces, a domain
//! without a dot.
//!
//! The whole address is lowercased (ASCII letters only). Strictly the local part is case-sensitive,
//! but no real mail provider treats it so, and a single canonical form lets
//! `Eq`/`Hash` answer "is this the same parent?" directly.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Maximum length of a usable address (RFC 5321 path limit minus `<>`).
const MAX_LEN: usize = 254;

/// A plausible, lowercased e-mail address such as `rodzic@example.pl`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

/// Why a text is not a usable e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("e-mail address is empty")]
    Empty,
    #[error("e-mail address is too long ({0} characters, at most {MAX_LEN})")]
    TooLong(usize),
    #[error("e-mail address contains whitespace")]
    ContainsWhitespace,
    #[error("e-mail address contains a character that is not allowed: {0:?}")]
    InvalidCharacter(char),
    #[error("e-mail address has no @")]
    MissingAt,
    #[error("e-mail address has more than one @ (two addresses in one field?)")]
    MultipleAt,
    #[error("e-mail address has nothing before the @")]
    EmptyLocalPart,
    #[error("e-mail address has nothing after the @")]
    EmptyDomain,
    #[error("e-mail domain {0:?} is not valid (it needs a dot, e.g. example.pl)")]
    InvalidDomain(String),
}

impl EmailAddress {
    /// Parses an address, accepting the `<rodzic@example.pl>` form found in
    /// mail headers. Surrounding whitespace is ignored; the result is lowercase.
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let mut text = input.trim();
        if let Some(inner) = text.strip_prefix('<').and_then(|t| t.strip_suffix('>')) {
            text = inner.trim();
        }
        if text.is_empty() {
            return Err(EmailError::Empty);
        }
        let len = text.chars().count();
        if len > MAX_LEN {
            return Err(EmailError::TooLong(len));
        }
        if text.chars().any(char::is_whitespace) {
            return Err(EmailError::ContainsWhitespace);
        }
        // Characters that only appear when something else was pasted in:
        // a display name, a list of addresses, a mailto: link.
        if let Some(ch) = text
            .chars()
            .find(|&c| c.is_control() || "<>()[]\\,;:\"".contains(c))
        {
            return Err(EmailError::InvalidCharacter(ch));
        }
        let (local, domain) = match text.split_once('@') {
            None => return Err(EmailError::MissingAt),
            Some((_, domain)) if domain.contains('@') => return Err(EmailError::MultipleAt),
            Some(parts) => parts,
        };
        if local.is_empty() {
            return Err(EmailError::EmptyLocalPart);
        }
        if domain.is_empty() {
            return Err(EmailError::EmptyDomain);
        }
        // Every label non-empty and at least two of them: rejects "gmail",
        // "gmail.", ".pl" and "wp..pl".
        let labels_ok = domain.contains('.') && domain.split('.').all(|label| !label.is_empty());
        if !labels_ok {
            return Err(EmailError::InvalidDomain(domain.to_lowercase()));
        }
        // ASCII-only folding: Unicode folding would make `szKola.pl` written
        // with U+212A KELVIN SIGN the school's own `szkola.pl`, which no DNS
        // or DMARC lookup treats as the same domain.
        Ok(Self(text.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part after `@`, e.g. `"example.pl"`.
    pub fn domain(&self) -> &str {
        self.0.rsplit('@').next().unwrap_or_default()
    }
}

/// The address is needed in mail headers and messages to the secretary, and
/// it identifies the parent rather than the child, so it may be displayed.
impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for EmailAddress {
    type Err = EmailError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = EmailError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<EmailAddress> for String {
    fn from(email: EmailAddress) -> Self {
        email.0
    }
}

#[cfg(test)]
mod tests;
