//! The delivery worker: sends what the outbox holds.
//!
//! Mails are queued by whoever changed state (intake, the secretary's CLI)
//! in the same transaction as the change. [`step`] sends every due mail and
//! marks it sent; a failure is retried later with a growing delay, and a
//! permanent one (unknown recipient) is given up and logged for the IT person.
//! Sending is idempotent per row: a row marked sent is never picked again.

use tracing::{info, warn};

use crate::daemon::App;
use crate::mail::smtp::Sender;
use crate::store::{StoreError, outbox};

/// What one delivery step did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxReport {
    pub sent: usize,
    pub retry_later: usize,
    pub gave_up: usize,
}

/// How many mails one step handles at most, so a long queue cannot starve intake.
const BATCH: usize = 50;

/// Sends every due mail once.
pub async fn step(app: &App, sender: &Sender) -> Result<OutboxReport, StoreError> {
    let mut report = OutboxReport::default();
    let due = outbox::due(app.store().conn(), app.clock.now(), BATCH)?;
    for mail in due {
        match sender.send(&mail).await {
            Ok(()) => {
                outbox::mark_sent(app.store().conn(), mail.id, app.clock.now())?;
                report.sent += 1;
            }
            Err(e) => {
                let permanent = e.is_permanent();
                let text = e.to_string();
                outbox::mark_failed(
                    app.store().conn(),
                    mail.id,
                    &text,
                    permanent,
                    app.clock.now(),
                )?;
                // The recipient address is not logged: a parent's address is personal data.
                warn!(outbox_id = mail.id, permanent, error = %text, "delivery failed");
                if permanent || mail.attempts + 1 >= outbox::MAX_ATTEMPTS {
                    report.gave_up += 1;
                } else {
                    report.retry_later += 1;
                }
            }
        }
    }
    if report != OutboxReport::default() {
        info!(
            sent = report.sent,
            retry_later = report.retry_later,
            gave_up = report.gave_up,
            "outbox step done"
        );
    }
    Ok(report)
}
