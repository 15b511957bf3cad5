//! The files mleg keeps beside its database (the database itself, the round
//! lock): created owner-only (0600), never through a symlink, and handed to
//! the owner of their directory when root made them.
//!
//! Why: the IT person runs `mleg check` or `mleg apps` as root, maybe before
//! the service (user `mleg`) ever started. A root-owned database or lock
//! would stop the service; and a symlink planted where the database goes must
//! not make root create or chmod a file elsewhere on the system. SQLite
//! itself gives root-made `-wal`/`-shm` files to the database's owner.

use std::fs::File;
use std::path::Path;

use super::StoreError;

/// Opens `path` for appending, creating it (and its directory) if needed.
#[cfg(unix)]
pub fn private_file(path: &Path) -> Result<File, StoreError> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let err = |cause| StoreError::File {
        path: path.display().to_string(),
        cause,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    let mut options = std::fs::OpenOptions::new();
    // O_NOFOLLOW: a symlink in the file's place fails ("too many levels of
    // symbolic links") instead of being followed.
    options
        .append(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW);
    let (file, created) = match options.clone().create_new(true).open(path) {
        Ok(file) => (file, true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            (options.open(path).map_err(err)?, false)
        }
        Err(e) => return Err(err(e)),
    };
    if created {
        give_to_directory_owner(&file, path);
    }
    // An existing file may have been created by hand with a wider mode.
    file.set_permissions(std::fs::Permissions::from_mode(0o600))
        .map_err(err)?;
    Ok(file)
}

/// Only root may chown; for anyone else this is a no-op.
#[cfg(unix)]
fn give_to_directory_owner(file: &File, path: &Path) {
    use std::os::unix::fs::MetadataExt;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    let dir = dir.unwrap_or(Path::new("."));
    if let (Ok(d), Ok(f)) = (std::fs::metadata(dir), file.metadata())
        && (d.uid(), d.gid()) != (f.uid(), f.gid())
    {
        let _ = std::os::unix::fs::fchown(file, Some(d.uid()), Some(d.gid()));
    }
}

#[cfg(not(unix))]
pub fn private_file(path: &Path) -> Result<File, StoreError> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|cause| StoreError::File {
            path: path.display().to_string(),
            cause,
        })
}

#[cfg(all(test, unix))]
mod tests {
    use super::private_file;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_symlink_in_the_databases_place_is_refused_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere");
        let db = dir.path().join("mleg.sqlite3");
        std::os::unix::fs::symlink(&elsewhere, &db).unwrap();
        let e = private_file(&db).unwrap_err().to_string();
        assert!(e.contains("mleg.sqlite3"), "{e}");
        assert!(!elsewhere.exists(), "the symlink's target was created");

        let wide = dir.path().join("wide.sqlite3");
        std::fs::write(&wide, b"").unwrap();
        std::fs::set_permissions(&wide, std::fs::Permissions::from_mode(0o644)).unwrap();
        private_file(&wide).unwrap();
        let mode = std::fs::metadata(&wide).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let new = dir.path().join("sub/new.lock");
        private_file(&new).unwrap();
        let mode = std::fs::metadata(&new).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
