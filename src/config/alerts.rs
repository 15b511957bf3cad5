//! `[alerts]`: who is told when mleg cannot log in, or a credential nears
//! its end, and the server that carries such a mail when the school's own
//! SMTP server is the part that fails.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::servers::SmtpConfig;
use super::transport;
use super::{ConfigError, TlsMode, invalid, parse_address, resolve_secret};
use crate::domain::EmailAddress;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAlerts {
    #[serde(default)]
    to: Vec<String>,
    #[serde(default = "default_after")]
    alert_after_mins: u64,
    smtp: Option<RawFallback>,
}

fn default_after() -> u64 {
    60
}

impl Default for RawAlerts {
    fn default() -> Self {
        RawAlerts {
            to: Vec::new(),
            alert_after_mins: default_after(),
            smtp: None,
        }
    }
}

/// `[alerts.smtp]`: a second server, used only for alerts while `[smtp]`
/// itself fails (a refused login is exactly when the normal way is shut).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFallback {
    host: String,
    port: u16,
    tls: TlsMode,
    user: Option<String>,
    password_env: Option<String>,
    password_file: Option<PathBuf>,
    /// Default: `[smtp] from` (a server that will not send as it needs its own).
    from: Option<String>,
    ca_file: Option<PathBuf>,
    #[serde(default)]
    allow_plaintext: bool,
    #[serde(default = "default_timeout")]
    timeout_secs: u64,
}

fn default_timeout() -> u64 {
    30
}

/// The validated `[alerts]`.
#[derive(Clone)]
pub struct Alerts {
    /// Who gets alerts, recovery mails and expiry reminders (default: `[staff] notify`).
    pub to: Vec<EmailAddress>,
    /// A login failing without a break this long is alerted about.
    pub after_mins: u64,
    /// `[alerts.smtp]`, ready for `mail::smtp::Sender` (no OAuth2: a
    /// fallback must not share what may be broken in the main one).
    pub smtp: Option<SmtpConfig>,
}

pub(super) fn resolve(
    raw: RawAlerts,
    base: &Path,
    notify: &EmailAddress,
    main: &SmtpConfig,
) -> Result<Alerts, ConfigError> {
    if !(1..=10_080).contains(&raw.alert_after_mins) {
        return Err(invalid(
            "alerts.alert_after_mins",
            "must be 1..10080 (a week)",
        ));
    }
    let mut to = raw
        .to
        .iter()
        .map(|a| parse_address("alerts.to", a))
        .collect::<Result<Vec<_>, _>>()?;
    if to.is_empty() {
        to.push(notify.clone());
    }
    let smtp = raw.smtp.map(|f| fallback(f, base, main)).transpose()?;
    Ok(Alerts {
        to,
        after_mins: raw.alert_after_mins,
        smtp,
    })
}

fn fallback(raw: RawFallback, base: &Path, main: &SmtpConfig) -> Result<SmtpConfig, ConfigError> {
    let password = resolve_secret(
        "alerts.smtp.password_env",
        &raw.password_env,
        &raw.password_file,
        base,
    )?;
    let credentials = match (raw.user, password) {
        (Some(u), Some(p)) => Some((u, p)),
        (None, None) => None,
        _ => {
            return Err(invalid(
                "alerts.smtp.user",
                "user and a password go together",
            ));
        }
    };
    if raw.timeout_secs == 0 {
        return Err(invalid("alerts.smtp.timeout_secs", "must be at least 1"));
    }
    transport::plaintext_guard("alerts.smtp.tls", raw.tls, &raw.host, raw.allow_plaintext)?;
    let from = match &raw.from {
        Some(f) => parse_address("alerts.smtp.from", f)?,
        None => main.from.clone(),
    };
    Ok(SmtpConfig {
        ca_file: transport::ca_file("alerts.smtp.ca_file", raw.ca_file.as_ref(), base)?,
        host: raw.host,
        port: raw.port,
        tls: raw.tls,
        credentials,
        oauth2: None,
        from,
        from_name: main.from_name.clone(),
        timeout_secs: raw.timeout_secs,
        // Alerts are a few mails, sent one after another.
        connections: 1,
    })
}

#[cfg(test)]
mod tests {
    use super::super::Config;
    use std::path::Path;

    const EXAMPLE: &str = include_str!("../../config/mleg.example.toml");

    /// The example with its commented `[alerts]` block switched on (or not).
    fn example(on: bool) -> Result<Config, String> {
        // SAFETY: every test sets the same values, so concurrent writers agree.
        unsafe {
            std::env::set_var("MLEG_IMAP_PASSWORD", "x");
            std::env::set_var("MLEG_SMTP_PASSWORD", "y");
            std::env::set_var("MLEG_ALERTS_SMTP_PASSWORD", "z");
        }
        let mut text = EXAMPLE.to_owned();
        if on {
            let start = text.find("# [alerts]\n").unwrap();
            let end = start + text[start..].find("\n[photo]").unwrap();
            // Only the key lines and table headers: the prose stays comment.
            let block: String = text[start..end]
                .lines()
                .map(|l| {
                    let bare = l.strip_prefix("# # ").or(l.strip_prefix("# "));
                    match bare {
                        Some(b) if b.starts_with('[') || b.contains(" = ") => b,
                        _ => l,
                    }
                })
                .filter(|l| !l.starts_with("ca_file"))
                .collect::<Vec<_>>()
                .join("\n");
            text.replace_range(start..end, &block);
        }
        Config::from_toml(&text, Path::new(env!("CARGO_MANIFEST_DIR"))).map_err(|e| e.to_string())
    }

    #[test]
    fn alerts_go_to_the_staff_notify_address_after_an_hour_by_default() {
        let c = example(false).unwrap();
        assert_eq!(c.alerts.to, vec![c.staff.notify.clone()]);
        assert_eq!(c.alerts.after_mins, 60);
        assert!(c.alerts.smtp.is_none());
    }

    #[test]
    fn every_documented_alerts_key_is_read() {
        let c = example(true).unwrap();
        assert_eq!(c.alerts.to[0].as_str(), "it@szkola.example.pl");
        let smtp = c.alerts.smtp.unwrap();
        assert_eq!(
            (smtp.host.as_str(), smtp.port),
            ("smtp.other-provider.example", 587)
        );
        assert_eq!(smtp.from.as_str(), "alerty@szkola.example.pl");
        let (user, password) = smtp.credentials.unwrap();
        assert_eq!(
            (user.as_str(), password.as_str()),
            ("alerty@szkola.example.pl", "z")
        );
    }

    #[test]
    fn a_bad_alerts_value_names_its_key() {
        example(false).unwrap();
        let text = EXAMPLE.replacen("\n[photo]", "\n[alerts]\nalert_after_mins = 0\n[photo]", 1);
        let e = Config::from_toml(&text, Path::new(env!("CARGO_MANIFEST_DIR"))).err();
        assert!(e.unwrap().to_string().contains("alerts.alert_after_mins"));
    }
}
