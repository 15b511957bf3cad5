//! The state every worker shares: the configuration, the database, the
//! templates and the clock.
//!
//! It lives in its own module, below the workers (`intake`, `outbox`,
//! `registry`, `secretary`) and below `daemon`, which wires them into rounds:
//! the workers take an [`App`] without depending on the loop that runs them.

use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};

use crate::clock::Clock;
use crate::config::Config;
use crate::progress::{Progress, Quiet};
use crate::store::{Store, StoreError};
use crate::templates::Templates;
use crate::workflow::transition::Rules;

/// Everything the workers share.
pub struct App {
    pub config: Config,
    store: Mutex<Store>,
    pub templates: Templates,
    pub clock: Arc<dyn Clock>,
    /// Who watches the bulk jobs' count: [`Quiet`] unless the binary shows a bar.
    progress: Arc<dyn Progress>,
    /// When this process last ran the retention rule (see [`App::retention_due`]).
    retention_ran: Mutex<Option<DateTime<Utc>>>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl App {
    /// Opens the database named in the config and loads the templates.
    pub fn new(config: Config, clock: Arc<dyn Clock>) -> Result<App, StoreError> {
        let store = Store::open(&config.database)?;
        let templates = Templates::new(config.language, config.templates_dir.clone());
        Ok(App {
            config,
            store: Mutex::new(store),
            templates,
            clock,
            progress: Arc::new(Quiet),
            retention_ran: Mutex::new(None),
        })
    }

    /// The same, on the database opened read-only: for a dry run, which
    /// must not change anything.
    pub fn read_only(config: Config, clock: Arc<dyn Clock>) -> Result<App, StoreError> {
        let store = Store::open_read_only(&config.database)?;
        let templates = Templates::new(config.language, config.templates_dir.clone());
        Ok(App {
            config,
            store: Mutex::new(store),
            templates,
            clock,
            progress: Arc::new(Quiet),
            retention_ran: Mutex::new(None),
        })
    }

    /// Counts one more failure to handle a mail of the watched mailbox;
    /// returns the count so far. Stored in the database, so it survives a
    /// restart (a poison mail must not crash every fresh process anew).
    pub fn note_failure(&self, uid_validity: u32, uid: u32) -> Result<u32, StoreError> {
        let mailbox = &self.config.imap.mailbox;
        crate::store::inbox::note_failure(self.store().conn(), mailbox, uid_validity, uid)
    }

    /// The school's settings `workflow::transition` needs.
    pub fn rules(&self) -> Rules {
        Rules {
            process: self.config.process,
            code_valid_days: self.config.code_valid_days,
            timezone: self.config.dates.timezone,
        }
    }

    /// Whether the retention rule should run in this step, and if so notes
    /// `now`: at most once an hour in one process. Retention is a daily
    /// matter; running it at each of the daemon's minute fires would cost an
    /// idle school CPU for nothing. A fresh process (`mleg tick`, a restart)
    /// runs it at once, and a clock set back runs it too.
    pub fn retention_due(&self, now: DateTime<Utc>) -> bool {
        let mut last = self
            .retention_ran
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let recent = ran_within_the_hour(*last, now);
        if !recent {
            *last = Some(now);
        }
        !recent
    }

    /// The same app, its bulk jobs counted by `progress` (a terminal's bar).
    pub fn with_progress(mut self, progress: Arc<dyn Progress>) -> App {
        self.progress = progress;
        self
    }

    /// Where the workers and bulk commands report how far they have got.
    pub fn progress(&self) -> &dyn Progress {
        self.progress.as_ref()
    }

    /// The database. Never hold the guard across an `.await`.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock cannot leave SQLite half-written
        // (transactions roll back), so a poisoned lock is safe to reuse.
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Whether a run at `last` is less than an hour before `now` (a `last` after
/// `now` is a clock set back: not recent).
fn ran_within_the_hour(last: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    last.is_some_and(|t| t <= now && now - t < chrono::Duration::hours(1))
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    #[test]
    fn retention_runs_at_most_hourly_unless_the_clock_goes_back() {
        let t = Utc.with_ymd_and_hms(2026, 12, 6, 9, 0, 0).unwrap();
        assert!(!ran_within_the_hour(None, t));
        assert!(ran_within_the_hour(Some(t), t + Duration::minutes(59)));
        assert!(!ran_within_the_hour(Some(t), t + Duration::hours(1)));
        assert!(!ran_within_the_hour(Some(t), t - Duration::minutes(1)));
    }
}
