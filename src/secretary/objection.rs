//! Withdrawing a parent's objection (`mleg apps objection <id> --withdraw`):
//! the student may have an mLegitymacja again. The application the
//! objection cancelled stays cancelled; the secretary registers a new one.

use super::{SecretaryError, Source};
use crate::app::App;
use crate::store::lifecycle::{self as store_lc, AuditEntry};
use crate::store::{apps, requests};

/// Withdraws the objection on file for the student of application `id`;
/// false when there was none. Audited like a command.
pub fn withdraw(app: &App, id: i64, source: &Source) -> Result<bool, SecretaryError> {
    let now = app.clock.now();
    app.store()
        .transaction(|tx| -> Result<bool, SecretaryError> {
            apps::get(tx, id)?.ok_or(SecretaryError::NoSuchApplication(id))?;
            let withdrawn = requests::withdraw(tx, id, now)?;
            if withdrawn {
                apps::add_event(tx, id, now, "objection_withdrawn", "", &source.actor)?;
            }
            store_lc::audit(
                tx,
                &AuditEntry {
                    at: now,
                    actor: source.actor.clone(),
                    source: source.kind().into(),
                    message_id: None,
                    application_id: Some(id),
                    command: "objection_withdraw".into(),
                    outcome: if withdrawn {
                        "accepted"
                    } else {
                        "already_done"
                    }
                    .into(),
                    detail: String::new(),
                },
            )?;
            Ok(withdrawn)
        })
}
