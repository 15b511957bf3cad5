//! `[staff_mailbox]`: the IMAP login of the secretary's own account, when
//! mleg's notifications go to another account than the watched one. After a
//! purge mleg logs in there too and deletes its copies of the child's photo,
//! PESEL and code (see `intake::purge`).
//!
//! On Microsoft 365 or Google Workspace she logs in with a token, like
//! `[imap]`: `auth = "oauth2"`; `oauth2::for_staff` says which token.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::oauth2::{self, AuthMode, RawOAuth2};
use super::{ConfigError, ImapConfig, TlsMode, invalid, resolve_secret};
use crate::oauth2::TokenSource;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStaffMailbox {
    /// The IMAP server (like `[imap]`).
    host: String,
    /// Its port (993 for tls, 143 for starttls or none).
    port: u16,
    /// "tls", "starttls" or "none".
    tls: TlsMode,
    /// Her login name; with `auth = "oauth2"` the mailbox the token is for.
    user: String,
    /// "password" (default) or "oauth2" (a token for `user`, see `for_staff`).
    #[serde(default)]
    auth: AuthMode,
    /// The password from this environment variable (auth = "password") ...
    password_env: Option<String>,
    /// ... or from this file.
    password_file: Option<PathBuf>,
    /// With `auth = "oauth2"`: her own token provider, same keys as
    /// `[oauth2]`; needed where a token is one user's (Google refresh token,
    /// custom IdP).
    oauth2: Option<RawOAuth2>,
    /// The folders cleaned after a purge.
    #[serde(default = "default_staff_folders")]
    folders: Vec<String>,
    /// Where a purged mail is moved and expunged (like `[imap] trash_folder`).
    trash_folder: Option<String>,
    /// Extra CA certificates trusted (PEM).
    ca_file: Option<PathBuf>,
    /// Allow `tls = "none"` to another machine.
    #[serde(default)]
    allow_plaintext: bool,
}

fn default_staff_folders() -> Vec<String> {
    vec!["INBOX".into()]
}

/// The secretary's own IMAP account, when notifications go to another
/// account than the watched one: mleg deletes its copies there after a purge.
#[derive(Clone)]
pub struct StaffMailbox {
    /// Login as for `[imap]`; `mailbox` is the first of `folders`.
    pub imap: ImapConfig,
    /// The folders cleaned (INBOX by default; add her sent folder for her
    /// replies with a QR screenshot).
    pub folders: Vec<String>,
}

/// `app`: `[oauth2]` and the token source resolved from it, if any.
pub(super) fn resolve(
    raw: RawStaffMailbox,
    base: &Path,
    app: Option<(RawOAuth2, TokenSource)>,
) -> Result<StaffMailbox, ConfigError> {
    let (password, oauth2) = match raw.auth {
        AuthMode::OAuth2 => {
            if raw.user.trim().is_empty() {
                return Err(invalid(
                    "staff_mailbox.user",
                    "auth = \"oauth2\" needs the mailbox to log in as",
                ));
            }
            let tokens = oauth2::for_staff(raw.oauth2, app, base, &raw.user)?;
            (String::new(), Some(tokens))
        }
        AuthMode::Password if raw.oauth2.is_some() => {
            return Err(invalid(
                "staff_mailbox.oauth2",
                "is used only with auth = \"oauth2\" in [staff_mailbox]",
            ));
        }
        AuthMode::Password => (
            resolve_secret(
                "staff_mailbox.password_env",
                &raw.password_env,
                &raw.password_file,
                base,
            )?
            .ok_or_else(|| {
                invalid(
                    "staff_mailbox.password_env",
                    "set password_env or password_file (or auth = \"oauth2\")",
                )
            })?,
            None,
        ),
    };
    let first = raw
        .folders
        .first()
        .cloned()
        .ok_or_else(|| invalid("staff_mailbox.folders", "name at least one folder"))?;
    super::transport::plaintext_guard(
        "staff_mailbox.tls",
        raw.tls,
        &raw.host,
        raw.allow_plaintext,
    )?;
    let ca_file = super::transport::ca_file("staff_mailbox.ca_file", raw.ca_file.as_ref(), base)?;
    Ok(StaffMailbox {
        imap: ImapConfig {
            host: raw.host,
            port: raw.port,
            tls: raw.tls,
            user: raw.user,
            password,
            oauth2,
            processed_folder: first.clone(),
            needs_human_folder: first.clone(),
            mailbox: first,
            sent_folder: None,
            trash_folder: raw.trash_folder,
            ca_file,
            timeouts: super::ImapTimeouts::default(),
            section: "staff_mailbox",
            // Only the watched mailbox is watched.
            idle: false,
        },
        folders: raw.folders,
    })
}

#[cfg(test)]
#[path = "staff_mailbox_tests.rs"]
mod tests;
