//! The round lock: one round at a time, across every mleg process on the
//! machine, reads the mailbox, runs the date rules and delivers the outbox.
//!
//! Why: two processes delivering side by side (`mleg run` and a cron
//! `mleg tick` or `mleg once`) could each send the same row, or one could
//! take the row the other is sending for a row left `sending` by a crash
//! ("in doubt") and send it again. So every command that delivers (`run`,
//! `once`, `tick`, `outbox retry`) takes this lock first, and waits for it,
//! saying so, while another round holds it.
//!
//! A [`RoundLock`] is also the proof the outbox worker asks for
//! (`outbox::step` takes one): only its holder delivers, and only its
//! holder settles rows in doubt. A row still `sending` while one holds the
//! lock was left by a process that no longer delivers, never by a live one.
//!
//! It is an advisory lock (`flock`) on a file beside the database, so the
//! kernel releases it when its holder exits or dies: a crashed round blocks
//! nobody. Two tasks of one process exclude each other too (each opens the
//! file anew).

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use crate::app::App;

/// Held while a round runs; released when dropped.
#[derive(Debug)]
pub struct RoundLock {
    _file: File,
}

impl RoundLock {
    /// Takes the lock of `app`'s database, waiting while another round
    /// holds it; `waiting` is called once, before a wait, to say so.
    pub async fn take(app: &App, waiting: impl FnOnce()) -> io::Result<RoundLock> {
        let path = lock_path(app);
        let (file, held) = blocking(move || {
            let file = open(&path)?;
            let held = try_lock(&file)?;
            Ok((file, held))
        })
        .await?;
        if held {
            return Ok(RoundLock { _file: file });
        }
        waiting();
        blocking(move || {
            file.lock()?;
            Ok(RoundLock { _file: file })
        })
        .await
    }

    /// [`RoundLock::take`] for code that is not async (a CLI command).
    pub fn take_blocking(app: &App, waiting: impl FnOnce()) -> io::Result<RoundLock> {
        let file = open(&lock_path(app))?;
        if !try_lock(&file)? {
            waiting();
            file.lock()?;
        }
        Ok(RoundLock { _file: file })
    }
}

fn lock_path(app: &App) -> PathBuf {
    app.config.database.with_extension("round.lock")
}

/// Made like the database (0600, no symlink, the service user's even when
/// root runs a command by hand), or the service's next round would fail.
fn open(path: &Path) -> io::Result<File> {
    crate::store::file::private_file(path).map_err(|e| io::Error::other(e.to_string()))
}

/// Ok(false) when someone else holds it.
fn try_lock(file: &File) -> io::Result<bool> {
    match file.try_lock() {
        Ok(()) => Ok(true),
        Err(std::fs::TryLockError::WouldBlock) => Ok(false),
        Err(std::fs::TryLockError::Error(e)) => Err(e),
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> io::Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(io::Error::other)?
}
