//! The daemon's configuration: one TOML file, every key documented in
//! `config/mleg.example.toml`.
//!
//! Secrets (mail passwords) never live in the TOML: a key names an
//! environment variable or a file that holds them, and they are resolved once,
//! here, so the rest of the program gets ready-to-use values. A bad file gives
//! one line that names the key, because the person reading it is the school's
//! IT person, not a Rust programmer.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::domain::EmailAddress;
use crate::photo::PhotoPolicy;
pub use crate::workflow::lifecycle::Process;

/// Why the configuration could not be used. Each message is one line, its
/// cause included (not a `source()`, which `mleg: {e:#}` would print again).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {cause}")]
    Read {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("config file {path}, line {line}: {message}")]
    Syntax {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// `key` is owned only for a table nested in another (`staff_mailbox.oauth2.…`).
    #[error("config key `{key}`: {message}")]
    Invalid {
        key: std::borrow::Cow<'static, str>,
        message: String,
    },
}

fn invalid(
    key: impl Into<std::borrow::Cow<'static, str>>,
    message: impl Into<String>,
) -> ConfigError {
    ConfigError::Invalid {
        key: key.into(),
        message: message.into(),
    }
}

/// Language of everything parents and the secretary read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    Pl,
    En,
}

impl Language {
    pub fn code(self) -> &'static str {
        match self {
            Language::Pl => "pl",
            Language::En => "en",
        }
    }
}

/// How a mail connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// Plain text: only for a server on the same machine (loopback).
    None,
    /// Connect in plain text, then upgrade with STARTTLS.
    Starttls,
    /// TLS from the first byte (IMAPS 993, SMTPS 465).
    Tls,
}

/// The file as written (before secrets are resolved).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    language: Language,
    database: PathBuf,
    templates_dir: Option<PathBuf>,
    #[serde(default = "default_poll")]
    poll_interval_secs: u64,
    #[serde(default = "default_max_mail")]
    max_mail_bytes: u64,
    school: School,
    imap: servers::RawImap,
    smtp: servers::RawSmtp,
    staff: staff::RawStaff,
    staff_mailbox: Option<staff_mailbox::RawStaffMailbox>,
    #[serde(default)]
    photo: PhotoPolicy,
    #[serde(default)]
    process: Process,
    #[serde(default)]
    delivery: Delivery,
    #[serde(default = "default_code_days")]
    code_valid_days: i64,
    #[serde(default)]
    log_format: LogFormat,
    #[serde(default)]
    dates: dates::RawDates,
    #[serde(default)]
    retention: retention::RawRetention,
    /// `[oauth2]`: the token provider for `auth = "oauth2"`.
    oauth2: Option<oauth2::RawOAuth2>,
    #[serde(default = "default_outbox_max_age")]
    outbox_max_age_hours: u64,
    #[serde(default = "default_max_auto_replies")]
    max_auto_replies_per_day: u32,
    #[serde(default)]
    alerts: alerts::RawAlerts,
}

fn default_max_auto_replies() -> u32 {
    10
}

fn default_code_days() -> i64 {
    30
}

/// How an activation code reaches the family (portal process only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Delivery {
    /// Printed and handed over at the secretariat against a signature (seed 000).
    #[default]
    Pickup,
    /// The code, the QR image and the activation steps go to the parent's e-mail (seed 002).
    Email,
}

fn default_poll() -> u64 {
    60
}

fn default_max_mail() -> u64 {
    30 * 1024 * 1024
}

/// The school, as parents see it in every mail.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct School {
    pub name: String,
    #[serde(default)]
    pub address: String,
    /// Shown to parents when they need to come to the secretariat.
    #[serde(default)]
    pub office_hours: String,
    /// Whether an imported student gets an mLegitymacja unless the parent
    /// objects ("default"), or only once the parent asks ("on_request").
    #[serde(default)]
    pub issuance: Issuance,
}

/// `[school] issuance`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Issuance {
    /// Every imported student's application is open at once.
    #[default]
    Default,
    /// An imported student waits (`not_requested`) until the parent's photo
    /// from their registered address asks for it.
    OnRequest,
}

fn default_outbox_max_age() -> u64 {
    120
}

/// The validated configuration the program runs with.
#[derive(Clone)]
pub struct Config {
    pub language: Language,
    pub database: PathBuf,
    pub templates_dir: Option<PathBuf>,
    pub poll_interval_secs: u64,
    pub max_mail_bytes: u64,
    pub school: School,
    pub imap: ImapConfig,
    pub smtp: SmtpConfig,
    pub staff: Staff,
    /// `[staff_mailbox]`: the secretary's own account to clean, if separate.
    pub staff_mailbox: Option<StaffMailbox>,
    pub photo: PhotoPolicy,
    pub process: Process,
    pub delivery: Delivery,
    /// How long an activation code is valid after it was generated.
    pub code_valid_days: i64,
    /// `[dates]`: time zone, reminder days, deadline, digest time, days off.
    pub dates: Dates,
    /// `[retention]`: how long closed applications and unclaimed photos are kept.
    pub retention: Retention,
    /// `outbox_max_age_hours`: a mail not delivered this long after it was
    /// queued is given up and the secretary alerted (like Postfix's
    /// `maximal_queue_lifetime`, 5 days by default).
    pub outbox_max_age_hours: u64,
    /// At most this many automatic replies to one address in any 24 hours
    /// (staff exempt); the one that reaches it is the "further mails will be
    /// read by the secretariat" notice, later mails go to needs-human. Also
    /// the cap on alerts about one sender's refused staff commands.
    pub max_auto_replies_per_day: u32,
    /// `log_format`: "text" (default) or "json" lines on stderr.
    pub log_format: LogFormat,
    /// `[oauth2] client_secret_expires`: `mleg check` and `mleg status`
    /// warn 30 days before.
    pub client_secret_expires: Option<chrono::NaiveDate>,
    /// `[alerts]`: who is told of failing logins and nearing expiries.
    pub alerts: Alerts,
}

impl std::fmt::Debug for Config {
    // Hand-written so a password can never reach a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database", &self.database)
            .field(
                "imap",
                &format_args!("{}:{}", self.imap.host, self.imap.port),
            )
            .field(
                "smtp",
                &format_args!("{}:{}", self.smtp.host, self.smtp.port),
            )
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Whether mleg deletes its notifications to the secretary itself after
    /// a purge: they land in the watched account (the usual setup), or
    /// `[staff_mailbox]` gives the login of her separate account.
    pub fn staff_copies_cleaned(&self) -> bool {
        let notify = self.staff.notify.as_str();
        self.staff_mailbox.is_some()
            || notify.eq_ignore_ascii_case(&self.imap.user)
            || self.staff.notify == self.smtp.from
    }

    /// Reads, parses and validates a config file; relative paths in it are
    /// taken relative to the file's directory.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|cause| ConfigError::Read {
            path: path.to_owned(),
            cause,
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        Config::from_toml(&text, base).map_err(|e| match e {
            ConfigError::Syntax { line, message, .. } => ConfigError::Syntax {
                path: path.to_owned(),
                line,
                message,
            },
            other => other,
        })
    }

    /// Parses config text; `base` resolves relative paths.
    pub fn from_toml(text: &str, base: &Path) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| syntax_error(text, &e))?;
        raw.validate(base)
    }
}

fn syntax_error(text: &str, e: &toml::de::Error) -> ConfigError {
    let line = e
        .span()
        .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
        .unwrap_or(0);
    ConfigError::Syntax {
        path: PathBuf::new(),
        line,
        message: e.message().replace('\n', " "),
    }
}

/// A secret named by `<key>_env` or `<key>_file`; `key` is the `_env` key.
/// A file that cannot be read is reported under the `_file` key.
fn resolve_secret(
    key: &'static str,
    env: &Option<String>,
    file: &Option<PathBuf>,
    base: &Path,
) -> Result<Option<String>, ConfigError> {
    match (env, file) {
        (Some(_), Some(_)) => Err(invalid(key, "set password_env or password_file, not both")),
        (Some(var), None) => std::env::var(var)
            .map(Some)
            .map_err(|_| invalid(key, format!("environment variable {var} is not set"))),
        // The first line: a file written with an editor may end in more.
        (None, Some(file)) => service::read_secret(file, base)
            .map(|text| Some(text.lines().next().unwrap_or_default().to_owned()))
            .map_err(|e| invalid(format!("{}_file", key.trim_end_matches("_env")), e)),
        (None, None) => Ok(None),
    }
}

fn parse_address(key: &'static str, value: &str) -> Result<EmailAddress, ConfigError> {
    EmailAddress::parse(value).map_err(|e| invalid(key, format!("{value:?}: {e}")))
}

impl RawConfig {
    fn validate(self, base: &Path) -> Result<Config, ConfigError> {
        if self.poll_interval_secs == 0 {
            return Err(invalid("poll_interval_secs", "must be at least 1"));
        }
        if self.school.name.trim().is_empty() {
            return Err(invalid("school.name", "must not be empty"));
        }
        let client_secret_expires = match &self.oauth2 {
            Some(raw) => oauth2::secret_expiry(raw)?,
            None => None,
        };
        let tokens = (self.oauth2.clone())
            .map(|raw| oauth2::resolve(raw, base, &self.imap.user, "oauth2"))
            .transpose()?;
        let imap = servers::imap(self.imap, base, &tokens)?;
        let smtp = servers::smtp(self.smtp, base, &tokens)?;
        let staff = staff::resolve(self.staff)?;
        let staff_mailbox = self
            .staff_mailbox
            .map(|m| staff_mailbox::resolve(m, base, self.oauth2.zip(tokens.clone())))
            .transpose()?;
        validate_policy(&self.photo)?;
        if self.outbox_max_age_hours == 0 {
            return Err(invalid("outbox_max_age_hours", "must be at least 1"));
        }
        if !(1..=365).contains(&self.code_valid_days) {
            return Err(invalid("code_valid_days", "must be 1..365"));
        }
        let dates = dates::resolve(self.dates, self.code_valid_days, self.process)?;
        let retention = retention::resolve(self.retention)?;
        if !(1..=1000).contains(&self.max_auto_replies_per_day) {
            return Err(invalid("max_auto_replies_per_day", "must be 1..1000"));
        }
        let alerts = alerts::resolve(self.alerts, base, &staff.notify, &smtp)?;
        Ok(Config {
            alerts,
            language: self.language,
            database: base.join(self.database),
            templates_dir: self.templates_dir.map(|d| base.join(d)),
            poll_interval_secs: self.poll_interval_secs,
            max_mail_bytes: self.max_mail_bytes,
            school: self.school,
            imap,
            smtp,
            staff,
            staff_mailbox,
            photo: self.photo,
            process: self.process,
            delivery: self.delivery,
            code_valid_days: self.code_valid_days,
            dates,
            retention,
            outbox_max_age_hours: self.outbox_max_age_hours,
            max_auto_replies_per_day: self.max_auto_replies_per_day,
            log_format: self.log_format,
            client_secret_expires,
        })
    }
}

fn validate_policy(p: &PhotoPolicy) -> Result<(), ConfigError> {
    if p.formats.is_empty() {
        return Err(invalid("photo.formats", "name at least one format"));
    }
    if p.max_bytes == 0 {
        return Err(invalid("photo.max_bytes", "must be more than 0"));
    }
    if let Some(a) = &p.aspect {
        if a.width == 0 || a.height == 0 {
            return Err(invalid(
                "photo.aspect",
                "width and height must be more than 0",
            ));
        }
        if !(0.0..=50.0).contains(&a.tolerance_percent) {
            return Err(invalid("photo.aspect.tolerance_percent", "must be 0..50"));
        }
    }
    Ok(())
}

mod alerts;
pub use alerts::Alerts;
mod dates;
mod retention;
mod staff;
mod staff_mailbox;
pub use staff::Staff;

pub use dates::Dates;
pub use retention::Retention;
pub use staff_mailbox::StaffMailbox;
mod oauth2;
pub use oauth2::AuthMode;

mod service;
pub use service::LogFormat;

mod transport;
pub use transport::{CaFile, ImapTimeouts, is_loopback, plaintext_warnings};

mod servers;
pub use servers::{ImapConfig, SmtpConfig};

#[cfg(test)]
mod tests;
