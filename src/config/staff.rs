//! `[staff]`: who the secretariat is, and what a command by mail must show
//! to be hers (the receiving server's verdict, a live token).

use serde::Deserialize;

use super::{ConfigError, invalid, parse_address};
use crate::domain::{EmailAddress, StaffAddresses};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStaff {
    addresses: Vec<String>,
    notify: Option<String>,
    trusted_authserv_id: Option<String>,
    #[serde(default = "default_token_valid_days")]
    token_valid_days: u32,
}

fn default_token_valid_days() -> u32 {
    30
}

/// Who the secretariat is: the only addresses whose replies may act.
#[derive(Debug, Clone)]
pub struct Staff {
    /// `staff.addresses`: the addresses whose replies may act; the core is
    /// handed this value, never the config.
    pub addresses: StaffAddresses,
    /// Where notifications for the secretary go.
    pub notify: EmailAddress,
    /// `staff.trusted_authserv_id`: the receiving server whose
    /// `Authentication-Results` must vouch for a staff command (`mx.szkola.pl`,
    /// `*.prod.outlook.com`); None: the From address alone decides.
    pub trusted_authserv_id: Option<String>,
    /// `staff.token_valid_days`: how long the token of a mail to the
    /// secretary can act (it acts once, on the status it was written for).
    pub token_valid_days: u32,
}

impl Staff {
    /// What a staff command's sender is checked against.
    pub fn check(&self) -> crate::workflow::sender::StaffCheck<'_> {
        crate::workflow::sender::StaffCheck {
            addresses: &self.addresses,
            trusted_authserv_id: self.trusted_authserv_id.as_deref(),
        }
    }
}

impl Staff {
    pub fn is_staff(&self, address: &EmailAddress) -> bool {
        self.addresses.contains(address)
    }
}

/// Checks `[staff]` and resolves it.
pub(super) fn resolve(raw: RawStaff) -> Result<Staff, ConfigError> {
    let addresses = raw
        .addresses
        .iter()
        .map(|a| parse_address("staff.addresses", a))
        .collect::<Result<Vec<_>, _>>()?;
    let notify = match &raw.notify {
        Some(a) => parse_address("staff.notify", a)?,
        None => addresses
            .first()
            .cloned()
            .ok_or_else(|| invalid("staff.addresses", "name at least one address"))?,
    };
    if !(1..=365).contains(&raw.token_valid_days) {
        return Err(invalid("staff.token_valid_days", "must be 1..365"));
    }
    Ok(Staff {
        addresses: StaffAddresses::new(addresses),
        notify,
        trusted_authserv_id: trusted_authserv_id(raw.trusted_authserv_id)?,
        token_valid_days: raw.token_valid_days,
    })
}

/// A server name (`mx.szkola.pl`) or a `*.` pattern (`*.prod.outlook.com`).
fn trusted_authserv_id(raw: Option<String>) -> Result<Option<String>, ConfigError> {
    let Some(id) = raw.map(|s| s.trim().to_ascii_lowercase()) else {
        return Ok(None);
    };
    let name = id.strip_prefix("*.").unwrap_or(&id);
    let ok = name.contains('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    match ok {
        true => Ok(Some(id)),
        false => Err(invalid(
            "staff.trusted_authserv_id",
            "a server name such as mx.szkola.pl, or *.prod.outlook.com",
        )),
    }
}
