//! The scheduler: mleg's date rules (code reminders, expiry, the 14-day
//! deadline) and the secretary's daily digest.
//!
//! What is due lives in SQLite, not in a timer: [`step`] asks "what is due at
//! `now`?" and records what it sends in the same transaction as the outbox
//! rows, so running it twice at the same instant sends nothing twice, and a
//! rule that fell due while mleg was stopped is caught up on the next step.
//! `mleg tick --now …`, the daemon's timers and the tests all call [`step`]
//! with the one injected clock's `now`; nothing here sleeps. [`preview::preview`]
//! answers what a step would do, writing nothing (`mleg tick`'s dry run).

use chrono::{DateTime, Utc};

use crate::app::App;

pub mod digest;
pub mod preview;
pub mod retention;
pub mod rules;
pub mod wave;

/// What one scheduler step did (counts only: nothing personal).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TickReport {
    pub rules: rules::RulesReport,
    pub digest: digest::DigestReport,
    pub retention: retention::RetentionReport,
    pub wave: wave::WaveReport,
}

/// Why a step could not finish. A failed rule does not stop the others.
#[derive(Debug, thiserror::Error)]
pub enum TickError {
    #[error("date rules: {0}")]
    Rules(#[from] rules::RulesError),
    #[error("digest: {0}")]
    Digest(#[from] digest::DigestError),
    #[error("retention: {0}")]
    Retention(#[from] crate::store::StoreError),
    #[error("re-validation wave: {0}")]
    Wave(#[from] wave::WaveError),
}

/// Runs every date rule, the digest, the wave and (at most hourly in one
/// process: [`App::retention_due`]) the retention rule once, as of `now`.
pub async fn step(app: &App, now: DateTime<Utc>) -> Result<TickReport, TickError> {
    let rules = rules::run(app, now);
    let digest = digest::run(app, now).await;
    let retention = if app.retention_due(now) {
        retention::run(app, now)
    } else {
        Ok(retention::RetentionReport::default())
    };
    let wave = wave::run(app, now);
    Ok(TickReport {
        rules: rules?,
        digest: digest?,
        retention: retention?,
        wave: wave?,
    })
}
