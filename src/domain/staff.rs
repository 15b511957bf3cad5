//! Who the secretariat is, as the core needs to know it: the addresses whose
//! replies may act on an application.
//!
//! The configuration holds one (see `config::Staff`) and hands it to
//! `workflow::decide` and the staff path; the core never reads the config.

use super::EmailAddress;

/// The secretariat's own addresses. A mail from any other address never acts
/// as the secretary, whatever it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffAddresses(Vec<EmailAddress>);

impl StaffAddresses {
    pub fn new(addresses: Vec<EmailAddress>) -> StaffAddresses {
        StaffAddresses(addresses)
    }

    /// Is `address` one of the secretariat's?
    pub fn contains(&self, address: &EmailAddress) -> bool {
        self.0.contains(address)
    }
}

/// The command tokens (`[0123456789abcdef]`: 16 hex digits in brackets) in a
/// subject, lowercased: what a staff mail carries, and her reply carries back.
pub fn tokens_in(subject: &str) -> Vec<String> {
    subject
        .split('[')
        .skip(1)
        .filter_map(|rest| rest.split_once(']').map(|(t, _)| t.trim()))
        .filter(|t| t.len() == 16 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_ascii_lowercase)
        .collect()
}
