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
