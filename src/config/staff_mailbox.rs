//! `[staff_mailbox]`: the IMAP login of the secretary's own account, when
//! mleg's notifications go to another account than the watched one. After a
//! purge mleg logs in there too and deletes its copies of the child's photo,
//! PESEL and code (see `intake::purge`).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{ConfigError, ImapConfig, TlsMode, invalid, resolve_secret};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStaffMailbox {
    host: String,
    port: u16,
    tls: TlsMode,
    user: String,
    password_env: Option<String>,
    password_file: Option<PathBuf>,
    #[serde(default = "default_staff_folders")]
    folders: Vec<String>,
    ca_file: Option<PathBuf>,
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

pub(super) fn resolve(raw: RawStaffMailbox, base: &Path) -> Result<StaffMailbox, ConfigError> {
    let password = resolve_secret(
        "staff_mailbox.password_env",
        &raw.password_env,
        &raw.password_file,
        base,
    )?
    .ok_or_else(|| {
        invalid(
            "staff_mailbox.password_env",
            "set password_env or password_file",
        )
    })?;
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
            oauth2: None,
            processed_folder: first.clone(),
            needs_human_folder: first.clone(),
            mailbox: first,
            sent_folder: None,
            ca_file,
            timeouts: super::ImapTimeouts::default(),
            section: "staff_mailbox",
            // Only the watched mailbox is watched.
            idle: false,
        },
        folders: raw.folders,
    })
}
