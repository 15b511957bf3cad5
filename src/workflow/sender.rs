//! Is this mail really the secretariat's? The one question a staff command
//! must pass before it may act.
//!
//! `From` is whatever the sender typed, so a command needs more than a staff
//! address in it:
//! - exactly one `From` field holding exactly one address (of several, a
//!   mail program shows one and a naive reader takes another);
//! - that address among the staff addresses, compared after ASCII-only case
//!   folding (a non-ASCII look-alike never matches);
//! - when the school names its receiving server (`[staff]
//!   trusted_authserv_id`), that server's topmost `Authentication-Results`
//!   saying `dmarc=pass`, or `dkim=pass` for the From domain (or a parent or
//!   child domain of it), or Exchange Online's stamp that the sender logged
//!   in to the same organisation.

use crate::domain::mail::{AuthResults, IncomingMail};
use crate::domain::{EmailAddress, StaffAddresses};

/// Who the secretariat is, and which receiving server vouches for it.
#[derive(Debug, Clone, Copy)]
pub struct StaffCheck<'a> {
    pub addresses: &'a StaffAddresses,
    /// The receiving server's authserv-id (`mx.szkola.pl`), or a pattern
    /// with a leading `*.` (`*.prod.outlook.com`). None: not checked.
    pub trusted_authserv_id: Option<&'a str>,
}

/// Why a mail does not act as staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotStaff {
    /// No staff address in `From`.
    Stranger,
    /// Several `From` fields, or several addresses in one.
    SeveralSenders,
    /// The trusted server left no verdict on the mail.
    NoVerdict,
    /// The trusted server's verdict does not vouch for the From domain.
    Unauthenticated,
}

impl NotStaff {
    /// The reason as the audit log and the secretary's alert name it.
    pub fn code(self) -> &'static str {
        match self {
            NotStaff::Stranger => "not_staff",
            NotStaff::SeveralSenders => "several_senders",
            NotStaff::NoVerdict => "no_authentication_results",
            NotStaff::Unauthenticated => "not_authenticated",
        }
    }
}

/// The staff member who sent `mail`, or why it is not one.
pub fn staff_sender(mail: &IncomingMail, check: &StaffCheck<'_>) -> Result<EmailAddress, NotStaff> {
    // Checked first: which of several senders a parser reports is arbitrary.
    if mail.from_ambiguous {
        return Err(NotStaff::SeveralSenders);
    }
    let sender = mail
        .from
        .as_deref()
        .and_then(|a| EmailAddress::parse(a).ok())
        .filter(|s| check.addresses.contains(s))
        .ok_or(NotStaff::Stranger)?;
    let Some(trusted) = check.trusted_authserv_id else {
        return Ok(sender);
    };
    let verdict = mail
        .auth_results
        .iter()
        .find(|r| server_matches(&r.authserv_id, trusted))
        .ok_or(NotStaff::NoVerdict)?;
    match vouches_for(verdict, sender.domain()) {
        true => Ok(sender),
        false => Err(NotStaff::Unauthenticated),
    }
}

/// `id` is the trusted server: equal, or under a `*.` pattern.
fn server_matches(id: &str, trusted: &str) -> bool {
    let trusted = trusted.trim().to_ascii_lowercase();
    match trusted.strip_prefix("*.") {
        Some(suffix) => id.len() > suffix.len() && id.ends_with(&format!(".{suffix}")),
        None => !id.is_empty() && id == trusted,
    }
}

fn vouches_for(r: &AuthResults, from_domain: &str) -> bool {
    r.dmarc_pass || r.internal || r.dkim_pass.iter().any(|d| aligned(d, from_domain))
}

/// Relaxed alignment without a public-suffix list: the same domain, or one
/// under the other — never a bare top-level domain.
fn aligned(signer: &str, from: &str) -> bool {
    signer.contains('.')
        && (signer == from
            || from.ends_with(&format!(".{signer}"))
            || signer.ends_with(&format!(".{from}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_support::{email, mail_from};

    fn mail(from: &str, results: Vec<AuthResults>) -> IncomingMail {
        let mut m = mail_from(from, "TAK");
        m.auth_results = results;
        m
    }

    fn verdict(id: &str, dmarc: bool, dkim: &[&str]) -> AuthResults {
        AuthResults {
            authserv_id: id.into(),
            dmarc_pass: dmarc,
            dkim_pass: dkim.iter().map(|d| d.to_string()).collect(),
            internal: false,
        }
    }

    #[test]
    fn only_the_trusted_server_s_pass_for_the_from_domain_vouches() {
        let staff = StaffAddresses::new(vec![email("sekretariat@szkola.pl")]);
        let check = StaffCheck {
            addresses: &staff,
            trusted_authserv_id: Some("mx.szkola.pl"),
        };
        let judge = |results| staff_sender(&mail("sekretariat@szkola.pl", results), &check);
        assert!(judge(vec![verdict("mx.szkola.pl", true, &[])]).is_ok());
        assert!(judge(vec![verdict("mx.szkola.pl", false, &["szkola.pl"])]).is_ok());
        assert!(judge(vec![verdict("mx.szkola.pl", false, &["mail.szkola.pl"])]).is_ok());
        assert_eq!(judge(vec![]), Err(NotStaff::NoVerdict));
        assert_eq!(
            judge(vec![verdict("mx.evil.pl", true, &[])]),
            Err(NotStaff::NoVerdict)
        );
        assert_eq!(
            judge(vec![verdict("mx.szkola.pl", false, &["evil.pl", "pl"])]),
            Err(NotStaff::Unauthenticated)
        );
        // Only the topmost verdict of that server counts: one a forger put
        // below it changes nothing.
        assert_eq!(
            judge(vec![
                verdict("mx.szkola.pl", false, &[]),
                verdict("mx.szkola.pl", true, &[])
            ]),
            Err(NotStaff::Unauthenticated)
        );
    }

    #[test]
    fn a_wildcard_names_exchange_online_s_servers() {
        let staff = StaffAddresses::new(vec![email("sekretariat@szkola.pl")]);
        let check = StaffCheck {
            addresses: &staff,
            trusted_authserv_id: Some("*.prod.outlook.com"),
        };
        let internal = AuthResults {
            authserv_id: "am0pr04mb1234.eurprd04.prod.outlook.com".into(),
            internal: true,
            ..AuthResults::default()
        };
        assert!(staff_sender(&mail("sekretariat@szkola.pl", vec![internal]), &check).is_ok());
        let outside = verdict("prod.outlook.com.evil.pl", true, &[]);
        assert_eq!(
            staff_sender(&mail("sekretariat@szkola.pl", vec![outside]), &check),
            Err(NotStaff::NoVerdict)
        );
    }

    #[test]
    fn several_senders_and_look_alikes_are_not_staff() {
        let staff = StaffAddresses::new(vec![email("sekretariat@szkola.pl")]);
        let check = StaffCheck {
            addresses: &staff,
            trusted_authserv_id: None,
        };
        let mut several = mail("sekretariat@szkola.pl", vec![]);
        several.from_ambiguous = true;
        assert_eq!(
            staff_sender(&several, &check),
            Err(NotStaff::SeveralSenders)
        );
        let kelvin = mail("sekretariat@sz\u{212A}ola.pl", vec![]);
        assert_eq!(staff_sender(&kelvin, &check), Err(NotStaff::Stranger));
        let upper = mail("Sekretariat@SZKOLA.PL", vec![]);
        assert!(staff_sender(&upper, &check).is_ok());
    }
}
