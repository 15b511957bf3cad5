//! The date rules on applications: parent reminders before a code expires,
//! expiry itself, and the secretary's reminders before the issue deadline.
//! (Filled in by the dates work; see `scheduler` for the contract.)

use chrono::{DateTime, Utc};

use crate::app::App;
use crate::store::StoreError;

/// Counts of what the rules did in one step.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RulesReport {}

#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Applies every date rule due at `now`.
pub fn run(_app: &App, _now: DateTime<Utc>) -> Result<RulesReport, RulesError> {
    Ok(RulesReport::default())
}
