//! Transport settings shared by `[imap]`, `[smtp]` and `[staff_mailbox]`:
//! the school's own CA (`ca_file`), the plain-text guard
//! (`allow_plaintext`) and the IMAP timeouts.
//!
//! They are checked here, at load time, so a wrong path or a plain-text
//! login to a remote server stops `mleg` at start with one line naming the
//! key, instead of failing every round later.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{ConfigError, TlsMode, invalid};

/// A PEM bundle of extra trusted CA certificates (the school's own CA),
/// trusted in addition to the public roots.
#[derive(Clone)]
pub struct CaFile {
    /// The file, for messages.
    pub path: PathBuf,
    /// Its contents: one or more `BEGIN CERTIFICATE` blocks.
    pub pem: Vec<u8>,
}

/// How long mleg waits for an IMAP server before it gives up on the round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImapTimeouts {
    /// Connect, TLS handshake, greeting, login and every short command.
    pub command: Duration,
    /// Downloading one whole mail (photos can be tens of megabytes), and
    /// the searches of a whole folder (a purge, the in-doubt lookup).
    pub fetch: Duration,
    /// `idle_renew_secs`: how long one IDLE lasts before it is renewed.
    pub idle_renew: Duration,
}

impl Default for ImapTimeouts {
    fn default() -> Self {
        ImapTimeouts {
            command: Duration::from_secs(default_timeout()),
            fetch: Duration::from_secs(default_fetch_timeout()),
            idle_renew: Duration::from_secs(default_idle_renew()),
        }
    }
}

pub(super) fn default_timeout() -> u64 {
    30
}

pub(super) fn default_fetch_timeout() -> u64 {
    300
}

/// 25 minutes: before the 29 after which RFC 2177 lets a server drop an
/// idle client.
pub(super) fn default_idle_renew() -> u64 {
    25 * 60
}

pub(super) fn default_idle() -> bool {
    true
}

/// Validates `timeout_secs` / `fetch_timeout_secs` / `idle_renew_secs`.
pub(super) fn timeouts(
    command: u64,
    fetch: u64,
    idle_renew: u64,
) -> Result<ImapTimeouts, ConfigError> {
    if !(1..=29 * 60).contains(&idle_renew) {
        return Err(invalid(
            "imap.idle_renew_secs",
            "must be between 1 and 1740 (29 minutes)",
        ));
    }
    if command == 0 {
        return Err(invalid("imap.timeout_secs", "must be at least 1"));
    }
    if fetch < command {
        return Err(invalid(
            "imap.fetch_timeout_secs",
            "must be at least imap.timeout_secs",
        ));
    }
    Ok(ImapTimeouts {
        command: Duration::from_secs(command),
        fetch: Duration::from_secs(fetch),
        idle_renew: Duration::from_secs(idle_renew),
    })
}

/// Reads `ca_file` (relative to the config file) and checks it holds at
/// least one PEM certificate.
pub(super) fn ca_file(
    key: &'static str,
    file: Option<&PathBuf>,
    base: &Path,
) -> Result<Option<CaFile>, ConfigError> {
    let Some(file) = file else {
        return Ok(None);
    };
    // The school's CA may sit among the credentials like the keys.
    let path = super::service::secret_path(file, base).map_err(|e| invalid(key, e))?;
    let pem = std::fs::read(&path)
        .map_err(|e| invalid(key, format!("cannot read {}: {e}", path.display())))?;
    if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
        return Err(invalid(
            key,
            format!("{} holds no PEM certificate", path.display()),
        ));
    }
    Ok(Some(CaFile { path, pem }))
}

/// Whether `host` is this machine: the only place plain text is safe.
pub fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Refuses `tls = "none"` to another machine unless `allow_plaintext`:
/// the password and children's data would cross the network in clear.
pub(super) fn plaintext_guard(
    key: &'static str,
    tls: TlsMode,
    host: &str,
    allow_plaintext: bool,
) -> Result<(), ConfigError> {
    if tls == TlsMode::None && !allow_plaintext && !is_loopback(host) {
        return Err(invalid(
            key,
            format!(
                "\"none\" would send the password and the mail to {host} unencrypted; \
                 use \"tls\" or \"starttls\", or set allow_plaintext = true in the same section"
            ),
        ));
    }
    Ok(())
}

/// One warning line per server reached in plain text over the network
/// (allowed by `allow_plaintext`), for the log at start.
pub fn plaintext_warnings(config: &super::Config) -> Vec<String> {
    let mut servers = vec![
        ("imap", config.imap.tls, config.imap.host.as_str()),
        ("smtp", config.smtp.tls, config.smtp.host.as_str()),
    ];
    if let Some(m) = &config.staff_mailbox {
        servers.push(("staff_mailbox", m.imap.tls, m.imap.host.as_str()));
    }
    servers
        .into_iter()
        .filter(|(_, tls, host)| *tls == TlsMode::None && !is_loopback(host))
        .map(|(section, _, host)| {
            format!("[{section}] {host}: tls = \"none\": password and mail cross the network unencrypted (allow_plaintext = true)")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::Config;

    const EXAMPLE: &str = include_str!("../../config/mleg.example.toml");

    fn load(text: &str, base: &Path) -> Result<Config, String> {
        // SAFETY: every config test sets the same values, so concurrent writers agree.
        unsafe {
            std::env::set_var("MLEG_IMAP_PASSWORD", "x");
            std::env::set_var("MLEG_SMTP_PASSWORD", "y");
        }
        Config::from_toml(text, base).map_err(|e| e.to_string())
    }

    /// The example with `[imap] tls = "none"` (the first `tls` key is IMAP's).
    fn imap_plaintext() -> String {
        EXAMPLE.replacen("tls = \"tls\"", "tls = \"none\"", 1)
    }

    #[test]
    fn plaintext_to_another_machine_is_refused_naming_the_key() {
        let e = load(&imap_plaintext(), Path::new(".")).unwrap_err();
        assert!(
            e.contains("imap.tls") && e.contains("allow_plaintext"),
            "{e}"
        );
        assert!(!e.contains('\n'), "{e}");
        let smtp = EXAMPLE.replace("tls = \"tls\"", "tls = \"none\"");
        let smtp = smtp.replacen(
            "tls = \"none\"",
            "tls = \"none\"\nallow_plaintext = true",
            1,
        );
        let e = load(&smtp, Path::new(".")).unwrap_err();
        assert!(e.contains("smtp.tls"), "{e}");
    }

    #[test]
    fn allow_plaintext_lets_it_start_with_a_warning() {
        let text = imap_plaintext().replacen(
            "tls = \"none\"",
            "tls = \"none\"\nallow_plaintext = true",
            1,
        );
        let c = load(&text, Path::new(".")).unwrap();
        let warnings = super::plaintext_warnings(&c);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("imap.example.pl"), "{warnings:?}");
    }

    #[test]
    fn plaintext_to_loopback_needs_no_permission() {
        for host in ["127.0.0.1", "localhost", "::1", "[::1]"] {
            let text = imap_plaintext().replace("imap.example.pl", host);
            let c = load(&text, Path::new(".")).unwrap();
            assert!(super::plaintext_warnings(&c).is_empty(), "{host}");
        }
        assert!(!super::is_loopback("10.0.0.1"));
        assert!(!super::is_loopback("localhost.example.pl"));
    }

    #[test]
    fn ca_file_is_read_relative_to_the_config_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let text = EXAMPLE.replacen("tls = \"tls\"", "tls = \"tls\"\nca_file = \"ca.pem\"", 1);
        let e = load(&text, dir.path()).unwrap_err();
        assert!(e.contains("imap.ca_file") && e.contains("ca.pem"), "{e}");
        std::fs::write(dir.path().join("ca.pem"), "not a certificate").unwrap();
        let e = load(&text, dir.path()).unwrap_err();
        assert!(e.contains("no PEM certificate"), "{e}");
        let pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        std::fs::write(dir.path().join("ca.pem"), pem).unwrap();
        let c = load(&text, dir.path()).unwrap();
        assert_eq!(c.imap.ca_file.unwrap().path, dir.path().join("ca.pem"));
        assert!(c.smtp.ca_file.is_none());
    }

    #[test]
    fn imap_timeouts_default_to_30_s_and_5_min() {
        let c = load(EXAMPLE, Path::new(".")).unwrap();
        assert_eq!(c.imap.timeouts, super::ImapTimeouts::default());
        assert_eq!(c.imap.timeouts.command.as_secs(), 30);
        let text = EXAMPLE.replacen("timeout_secs = 30\n", "timeout_secs = 0\n", 1);
        assert!(
            load(&text, Path::new("."))
                .unwrap_err()
                .contains("imap.timeout_secs")
        );
    }

    #[test]
    fn idle_is_renewed_every_25_min_unless_set_and_never_after_29() {
        let c = load(EXAMPLE, Path::new(".")).unwrap();
        assert_eq!(c.imap.timeouts.idle_renew.as_secs(), 25 * 60);
        let set = |v: &str| {
            EXAMPLE.replacen(
                "# idle_renew_secs = 1500\n",
                &format!("idle_renew_secs = {v}\n"),
                1,
            )
        };
        assert_eq!(
            load(&set("240"), Path::new("."))
                .unwrap()
                .imap
                .timeouts
                .idle_renew
                .as_secs(),
            240
        );
        for bad in ["0", "1741"] {
            let e = load(&set(bad), Path::new(".")).unwrap_err();
            assert!(e.contains("imap.idle_renew_secs"), "{bad}: {e}");
        }
    }
}
