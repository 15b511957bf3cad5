//! Settings for running as a system service: the log format a log
//! collector wants, and secrets handed over by systemd's `LoadCredential=`
//! (a `password_file` starting with `$CREDENTIALS_DIRECTORY/`), so the
//! passwords need not sit in /etc readable by the service user.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// How log lines are written to stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One human-readable line per event (default).
    #[default]
    Text,
    /// One JSON object per line, for journald/Loki/ELK collectors.
    Json,
}

const CREDENTIALS: &str = "CREDENTIALS_DIRECTORY";

/// Where a `password_file` is: `$CREDENTIALS_DIRECTORY/name` (or
/// `${CREDENTIALS_DIRECTORY}/name`) in systemd's credentials directory,
/// anything else relative to the config file's directory.
pub(super) fn secret_path(file: &Path, base: &Path) -> Result<PathBuf, String> {
    let text = file.to_string_lossy();
    let rest = text
        .strip_prefix("$CREDENTIALS_DIRECTORY/")
        .or_else(|| text.strip_prefix("${CREDENTIALS_DIRECTORY}/"));
    match rest {
        None => Ok(base.join(file)),
        Some(name) => std::env::var_os(CREDENTIALS)
            .map(|dir| Path::new(&dir).join(name))
            .ok_or_else(|| {
                format!(
                    "{text}: {CREDENTIALS} is not set (run under systemd with LoadCredential=, \
                     or give a plain path)"
                )
            }),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::secret_path;

    #[test]
    fn a_credential_path_is_read_from_the_credentials_directory() {
        let base = Path::new("/etc/mleg");
        assert_eq!(
            secret_path(Path::new("imap.password"), base).unwrap(),
            base.join("imap.password")
        );
        // SAFETY: only this test reads or writes CREDENTIALS_DIRECTORY.
        unsafe { std::env::remove_var("CREDENTIALS_DIRECTORY") };
        let e = secret_path(Path::new("$CREDENTIALS_DIRECTORY/imap"), base).unwrap_err();
        assert!(e.contains("LoadCredential"), "{e}");
        unsafe { std::env::set_var("CREDENTIALS_DIRECTORY", "/run/credentials/mleg.service") };
        for form in [
            "$CREDENTIALS_DIRECTORY/imap",
            "${CREDENTIALS_DIRECTORY}/imap",
        ] {
            assert_eq!(
                secret_path(Path::new(form), base).unwrap(),
                Path::new("/run/credentials/mleg.service/imap")
            );
        }
    }
}
