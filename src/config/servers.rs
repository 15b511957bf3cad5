//! The two mail servers, `[imap]` (the watched mailbox) and `[smtp]` (how
//! mleg sends): the keys as written, and the settings the mail adapters get,
//! with the password (or the OAuth2 token source), the school's CA, the
//! timeouts and the plaintext guard already decided.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::oauth2::{self, AuthMode};
use super::transport::{self, CaFile, ImapTimeouts};
use super::{ConfigError, TlsMode, invalid, parse_address, resolve_secret};
use crate::domain::EmailAddress;
use crate::oauth2::TokenSource;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawImap {
    host: String,
    port: u16,
    tls: TlsMode,
    pub(super) user: String,
    /// "password" (default) or "oauth2" (a token from `[oauth2]`).
    #[serde(default)]
    auth: AuthMode,
    password_env: Option<String>,
    password_file: Option<PathBuf>,
    #[serde(default = "default_mailbox")]
    mailbox: String,
    #[serde(default = "default_processed")]
    processed_folder: String,
    #[serde(default = "default_needs_human")]
    needs_human_folder: String,
    sent_folder: Option<String>,
    /// Where a purged mail is moved before it is expunged (see `ImapConfig`).
    trash_folder: Option<String>,
    ca_file: Option<PathBuf>,
    #[serde(default)]
    allow_plaintext: bool,
    #[serde(default = "super::transport::default_timeout")]
    timeout_secs: u64,
    #[serde(default = "super::transport::default_fetch_timeout")]
    fetch_timeout_secs: u64,
    #[serde(default = "super::transport::default_idle")]
    idle: bool,
    /// Seconds one IDLE lasts before it is renewed (DONE, NOOP, IDLE).
    #[serde(default = "super::transport::default_idle_renew")]
    idle_renew_secs: u64,
}

fn default_mailbox() -> String {
    "INBOX".into()
}
fn default_processed() -> String {
    "mLegitymacja-przetworzone".into()
}
fn default_needs_human() -> String {
    "mLegitymacja-do-sprawdzenia".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSmtp {
    host: String,
    port: u16,
    tls: TlsMode,
    user: Option<String>,
    /// "password" (default) or "oauth2" (then `user` is required).
    #[serde(default)]
    auth: AuthMode,
    password_env: Option<String>,
    password_file: Option<PathBuf>,
    from: String,
    #[serde(default)]
    from_name: String,
    ca_file: Option<PathBuf>,
    #[serde(default)]
    allow_plaintext: bool,
    #[serde(default = "default_smtp_timeout")]
    timeout_secs: u64,
    #[serde(default = "default_smtp_connections")]
    connections: usize,
}

fn default_smtp_timeout() -> u64 {
    30
}

fn default_smtp_connections() -> usize {
    1
}

/// Most SMTP sessions at once a school may ask for: more gains nothing on a
/// server of its own, and providers refuse more (Microsoft 365: 3).
pub const MAX_SMTP_CONNECTIONS: usize = 8;

/// IMAP settings with the password resolved.
#[derive(Clone)]
pub struct ImapConfig {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub user: String,
    /// Empty when `oauth2` is set.
    pub password: String,
    /// `auth = "oauth2"`: log in with a token from here (XOAUTH2), not the password.
    pub oauth2: Option<TokenSource>,
    /// The folder to watch.
    pub mailbox: String,
    /// Where handled mail is moved.
    pub processed_folder: String,
    /// Where mail a person must look at is moved.
    pub needs_human_folder: String,
    /// The account's sent-mail folder, when the mail server keeps copies of
    /// what mleg or the secretary sends there: purged copies go from it too.
    pub sent_folder: Option<String>,
    /// `trash_folder`: a purged mail is moved here and expunged here, so it
    /// leaves servers that keep expunged mail elsewhere (Gmail's All Mail).
    /// Unset: expunged where it is (on Gmail, the `\Trash` folder is used).
    pub trash_folder: Option<String>,
    /// `ca_file`: extra CA certificates trusted besides the public roots.
    pub ca_file: Option<CaFile>,
    /// `timeout_secs` / `fetch_timeout_secs`: no IMAP step waits longer.
    pub timeouts: ImapTimeouts,
    /// The config section (`imap`, `staff_mailbox`), so an error can name
    /// the key to fix.
    pub section: &'static str,
    /// `idle`: `mleg run` waits in IMAP IDLE when the server offers it
    /// (default); false polls every `poll_interval_secs` only.
    pub idle: bool,
}

impl ImapConfig {
    /// Every folder of the watched account a purge cleans.
    pub fn purge_folders(&self) -> Vec<&str> {
        let mut folders = vec![
            self.mailbox.as_str(),
            self.processed_folder.as_str(),
            self.needs_human_folder.as_str(),
        ];
        folders.extend(self.sent_folder.as_deref());
        folders
    }
}

/// SMTP settings with the password resolved.
#[derive(Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub credentials: Option<(String, String)>,
    /// `auth = "oauth2"`: log in as `credentials`' user (always set then)
    /// with a token from here (XOAUTH2); the password part is filled with a
    /// fresh token for each connection (see `mail::smtp::Sender::connect`).
    pub oauth2: Option<TokenSource>,
    pub from: EmailAddress,
    pub from_name: String,
    /// `smtp.timeout_secs`: the longest wait for the connect, the TLS
    /// handshake, the login and each command's answer; a server silent for
    /// longer fails the round instead of freezing it.
    pub timeout_secs: u64,
    /// `ca_file`: extra CA certificates trusted besides the public roots.
    pub ca_file: Option<CaFile>,
    /// `smtp.connections`: how many SMTP sessions deliver at once while a
    /// backlog lasts (1: one mail after another).
    pub connections: usize,
}

/// `[imap]` with its password or token, CA, timeouts checked.
pub(super) fn imap(
    raw: RawImap,
    base: &Path,
    tokens: &Option<TokenSource>,
) -> Result<ImapConfig, ConfigError> {
    let oauth2 = oauth2::for_server("imap.auth", raw.auth, tokens)?;
    let password = resolve_secret(
        "imap.password_env",
        &raw.password_env,
        &raw.password_file,
        base,
    )?;
    let password = match (&oauth2, password) {
        (None, None) => {
            return Err(invalid(
                "imap.password_env",
                "set password_env or password_file",
            ));
        }
        (_, password) => password.unwrap_or_default(),
    };
    transport::plaintext_guard("imap.tls", raw.tls, &raw.host, raw.allow_plaintext)?;
    Ok(ImapConfig {
        ca_file: transport::ca_file("imap.ca_file", raw.ca_file.as_ref(), base)?,
        timeouts: transport::timeouts(
            raw.timeout_secs,
            raw.fetch_timeout_secs,
            raw.idle_renew_secs,
        )?,
        host: raw.host,
        port: raw.port,
        tls: raw.tls,
        user: raw.user,
        password,
        oauth2,
        mailbox: raw.mailbox,
        processed_folder: raw.processed_folder,
        needs_human_folder: raw.needs_human_folder,
        sent_folder: raw.sent_folder,
        trash_folder: raw.trash_folder,
        section: "imap",
        idle: raw.idle,
    })
}

/// `[smtp]` with its login (password or token), CA and timeout checked.
pub(super) fn smtp(
    raw: RawSmtp,
    base: &Path,
    tokens: &Option<TokenSource>,
) -> Result<SmtpConfig, ConfigError> {
    let oauth2 = oauth2::for_server("smtp.auth", raw.auth, tokens)?;
    let password = resolve_secret(
        "smtp.password_env",
        &raw.password_env,
        &raw.password_file,
        base,
    )?;
    let credentials = match (raw.user, password, &oauth2) {
        (Some(u), _, Some(_)) => Some((u, String::new())),
        (None, _, Some(_)) => {
            return Err(invalid(
                "smtp.user",
                "auth = \"oauth2\" needs the mailbox to log in as",
            ));
        }
        (Some(u), Some(p), None) => Some((u, p)),
        (None, None, None) => None,
        _ => return Err(invalid("smtp.user", "user and a password go together")),
    };
    if raw.timeout_secs == 0 {
        return Err(invalid("smtp.timeout_secs", "must be at least 1"));
    }
    if !(1..=MAX_SMTP_CONNECTIONS).contains(&raw.connections) {
        return Err(invalid("smtp.connections", "must be 1..8"));
    }
    transport::plaintext_guard("smtp.tls", raw.tls, &raw.host, raw.allow_plaintext)?;
    Ok(SmtpConfig {
        ca_file: transport::ca_file("smtp.ca_file", raw.ca_file.as_ref(), base)?,
        from: parse_address("smtp.from", &raw.from)?,
        host: raw.host,
        port: raw.port,
        tls: raw.tls,
        credentials,
        oauth2,
        from_name: raw.from_name,
        timeout_secs: raw.timeout_secs,
        connections: raw.connections,
    })
}
