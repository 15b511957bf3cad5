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

/// Where the unit's `LoadCredential=mleg:/etc/mleg/credentials` takes the
/// secrets from, relative to the config file's directory.
const SOURCE_DIR: &str = "credentials";

/// The prefix systemd gives each file of a credentials *directory*:
/// `LoadCredential=mleg:<dir>` hands `<dir>/imap.password` over as
/// `$CREDENTIALS_DIRECTORY/mleg_imap.password`.
const DIRECTORY_PREFIX: &str = "mleg_";

/// Reads a secret file whole (a trailing line end trimmed), wherever
/// [`secret_path`] says it is. The error names the path and what to do.
pub(super) fn read_secret(file: &Path, base: &Path) -> Result<String, String> {
    let path = secret_path(file, base)?;
    let name = credential_name(file);
    if name.is_some() && credentials_dir().is_none() {
        // systemd skips symlinks when it loads a directory: refuse them here
        // too, or `mleg check` by hand would pass where the service fails.
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(format!(
                "{} is a symlink, which systemd does not hand to the service; copy the file there",
                path.display()
            ));
        }
    }
    std::fs::read_to_string(&path)
        .map(|s| s.trim_end_matches(['\r', '\n']).to_owned())
        .map_err(|e| {
            let hint = match (&name, e.kind()) {
                (Some(_), std::io::ErrorKind::PermissionDenied) if credentials_dir().is_none() => {
                    " (outside the service mleg reads the unit's source directory, which only root may read: run this as root)".to_owned()
                }
                (Some(n), std::io::ErrorKind::NotFound) if credentials_dir().is_some() => format!(
                    " (put it in {} and restart the service)",
                    base.join(SOURCE_DIR).join(n).display()
                ),
                _ => String::new(),
            };
            format!("cannot read {}: {e}{hint}", path.display())
        })
}

/// `name` of `$CREDENTIALS_DIRECTORY/name` or `${CREDENTIALS_DIRECTORY}/name`.
fn credential_name(file: &Path) -> Option<String> {
    let text = file.to_string_lossy();
    text.strip_prefix("$CREDENTIALS_DIRECTORY/")
        .or_else(|| text.strip_prefix("${CREDENTIALS_DIRECTORY}/"))
        .map(str::to_owned)
}

/// systemd's credentials directory for this process, if it runs as a service.
fn credentials_dir() -> Option<PathBuf> {
    std::env::var_os(CREDENTIALS)
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
}

/// A credential is one plain file of the source directory: systemd names
/// nested files differently and refuses odd names for the whole unit.
fn check_name(name: &str) -> Result<(), String> {
    let plain = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if plain && !name.starts_with('.') && !name.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "$CREDENTIALS_DIRECTORY/{name}: a credential is one file directly in \
             {SOURCE_DIR}/ with a plain name (letters, digits, '.', '_', '-')"
        ))
    }
}

/// Where a secret file is. `$CREDENTIALS_DIRECTORY/name` (or
/// `${CREDENTIALS_DIRECTORY}/name`) is a systemd credential: `name` in the
/// credentials directory, or `mleg_name` there when the unit loads a whole
/// directory. Outside systemd (the IT person running `mleg check` or
/// `mleg apps` as root) the same name is read from the directory the unit
/// loads, `<config dir>/credentials/`, so one config serves both. Anything
/// else is relative to the config file's directory.
pub(super) fn secret_path(file: &Path, base: &Path) -> Result<PathBuf, String> {
    let Some(name) = credential_name(file) else {
        return Ok(base.join(file));
    };
    check_name(&name)?;
    Ok(match credentials_dir() {
        Some(dir) => {
            let plain = dir.join(&name);
            let loaded = dir.join(format!("{DIRECTORY_PREFIX}{name}"));
            if !plain.exists() && loaded.exists() {
                loaded
            } else {
                plain
            }
        }
        None => base.join(SOURCE_DIR).join(name),
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::{read_secret, secret_path};

    #[test]
    fn a_credential_is_read_from_systemd_or_from_the_units_source_directory() {
        let base = tempfile::tempdir().unwrap();
        let base = base.path();
        assert_eq!(
            secret_path(Path::new("imap.password"), base).unwrap(),
            base.join("imap.password")
        );
        for odd in [
            "google/key.json",
            "../imap",
            "/etc/shadow",
            "hasło",
            "a:b",
            ".hidden",
            "",
        ] {
            let file = format!("$CREDENTIALS_DIRECTORY/{odd}");
            let e = secret_path(Path::new(&file), base).unwrap_err();
            assert!(e.contains("plain name"), "{odd}: {e}");
        }
        std::fs::create_dir(base.join("credentials")).unwrap();
        std::fs::write(base.join("credentials/imap"), "from-etc\n").unwrap();
        // SAFETY: only this test reads or writes CREDENTIALS_DIRECTORY.
        unsafe { std::env::remove_var("CREDENTIALS_DIRECTORY") };
        let by_hand = read_secret(Path::new("$CREDENTIALS_DIRECTORY/imap"), base);
        assert_eq!(by_hand.unwrap(), "from-etc");
        let e = read_secret(Path::new("$CREDENTIALS_DIRECTORY/smtp"), base).unwrap_err();
        assert!(
            e.contains("credentials/smtp") && e.contains("No such file"),
            "{e}"
        );
        let link = base.join("credentials/link");
        std::os::unix::fs::symlink(base.join("credentials/imap"), link).unwrap();
        let e = read_secret(Path::new("$CREDENTIALS_DIRECTORY/link"), base).unwrap_err();
        assert!(e.contains("symlink"), "{e}");

        let run = tempfile::tempdir().unwrap();
        std::fs::write(run.path().join("mleg_imap"), "from-directory\n").unwrap();
        std::fs::write(run.path().join("smtp"), "one-file\n").unwrap();
        unsafe { std::env::set_var("CREDENTIALS_DIRECTORY", run.path()) };
        for (form, want) in [
            ("$CREDENTIALS_DIRECTORY/imap", "from-directory"),
            ("${CREDENTIALS_DIRECTORY}/imap", "from-directory"),
            ("$CREDENTIALS_DIRECTORY/smtp", "one-file"),
        ] {
            assert_eq!(read_secret(Path::new(form), base).unwrap(), want, "{form}");
        }
        // Under systemd a missing credential says where the IT person puts it.
        let e = read_secret(Path::new("$CREDENTIALS_DIRECTORY/oauth2.secret"), base).unwrap_err();
        assert!(
            e.contains(&base.join("credentials/oauth2.secret").display().to_string()),
            "{e}"
        );
        unsafe { std::env::remove_var("CREDENTIALS_DIRECTORY") };
    }
}
