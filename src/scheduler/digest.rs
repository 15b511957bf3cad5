//! The secretary's daily digest on working days.
//! (Filled in by the dates work; see `scheduler` for the contract.)

use chrono::{DateTime, Utc};

use crate::app::App;
use crate::store::StoreError;

/// Whether a digest went out in this step.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DigestReport {}

#[derive(Debug, thiserror::Error)]
pub enum DigestError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Sends today's digest if it is due at `now` and not sent yet.
pub async fn run(_app: &App, _now: DateTime<Utc>) -> Result<DigestReport, DigestError> {
    Ok(DigestReport::default())
}
