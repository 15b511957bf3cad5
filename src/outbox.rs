//! The delivery worker: sends what the outbox holds.
//!
//! Mails are queued by whoever changed state (intake, the secretary's CLI)
//! in the same transaction as the change. [`step`] sends every due mail and
//! marks it sent; a failure is retried later with a growing delay, and a
//! permanent one (unknown recipient) is given up and logged for the IT person.
//! Sending is idempotent per row: a row marked sent is never picked again.

use tracing::{info, warn};

use crate::app::App;
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

/// "550 <rodzic@example.pl> unknown" → "550 <…@example.pl> unknown".
fn mask_addresses(text: &str) -> String {
    text.split(' ')
        .map(|word| match word.split_once('@') {
            Some((local, domain)) if !local.is_empty() => {
                let lead: String = local
                    .chars()
                    .take_while(|c| matches!(c, '<' | '(' | '"'))
                    .collect();
                format!("{lead}…@{domain}")
            }
            _ => word.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Sends every due mail once.
pub async fn step(app: &App, sender: &Sender) -> Result<OutboxReport, StoreError> {
    let mut report = OutboxReport::default();
    let due = outbox::due(app.store().conn(), app.clock.now(), BATCH)?;
    for mail in due {
        match sender.send(&mail).await {
            Ok(()) => {
                let now = app.clock.now();
                app.store()
                    .transaction(|tx| outbox::mark_sent(tx, mail.id, now))?;
                report.sent += 1;
            }
            Err(e) => {
                let permanent = e.is_permanent();
                let text = e.to_string();
                let gave_up = outbox::mark_failed(
                    app.store().conn(),
                    mail.id,
                    &text,
                    permanent,
                    app.clock.now(),
                )?;
                // SMTP errors often quote the recipient; a parent's address is
                // personal data, so the log gets it masked (the DB keeps it all).
                warn!(outbox_id = mail.id, permanent, error = %mask_addresses(&text), "delivery failed");
                if gave_up {
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

#[cfg(test)]
mod tests {
    use super::mask_addresses;

    #[test]
    fn a_parents_address_in_an_smtp_error_is_masked_for_the_log() {
        assert_eq!(
            mask_addresses("550 5.1.1 <rodzic@example.pl>: Recipient address rejected"),
            "550 5.1.1 <…@example.pl>: Recipient address rejected"
        );
        assert_eq!(mask_addresses("421 try again later"), "421 try again later");
    }
}
