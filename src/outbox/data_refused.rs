//! Mails refused with a 5xx at `DATA`, judged by what the server does next.
//!
//! Only a 5xx at `RCPT TO` is permanent for a mail by itself. A
//! server that refuses every mail after `DATA` — Microsoft 365's `554
//! 5.2.252 SendAsDenied` when the account may not send as `from`, a sending
//! quota — would otherwise give the whole queue up in one round. So a
//! refusal there charges nothing at once: the row is released (no longer
//! `sending`, the error noted, no attempt counted) and the round decides:
//! - a later mail of the round is accepted: the server takes mail, so the
//!   refused one was that mail's own problem (e.g. 552, too large): it is
//!   given up with the secretary's alert;
//! - no mail of the round was accepted, or [`MAX_IN_A_ROW`] were refused in
//!   a row: the server's failure, like a refused login — the round stops,
//!   the server backs off, the rows wait uncharged, one line says why;
//! - the round ran out after other mails were accepted: the last refused
//!   ones are retried later, like a 4xx (the age limit still alerts).
//!
//! A stop (SIGTERM) leaves them waiting, uncharged.

use tracing::{info, warn};

use super::{OutboxError, OutboxReport, give_up, mask_addresses};
use crate::app::App;
use crate::mail::smtp::SmtpError;
use crate::store::{delivery, outbox};

/// Refusals at `DATA` in a row after which the round stops: the server
/// refuses everything, and each try uploads a whole mail.
pub(super) const MAX_IN_A_ROW: usize = 3;

/// The round's refusals at `DATA` not judged yet.
#[derive(Debug, Default)]
pub(super) struct Verdicts {
    /// Refused since the last accepted mail: (row, the server's answer).
    waiting: Vec<(i64, String)>,
    /// Some mail of this round was accepted.
    accepted: bool,
}

impl Verdicts {
    /// Records a refusal (the row is released uncharged); true when the
    /// round must stop.
    pub(super) fn refused(
        &mut self,
        app: &App,
        id: i64,
        error: String,
    ) -> Result<bool, OutboxError> {
        delivery::release(app.store().conn(), id, &error)?;
        info!(outbox_id = id, error = %mask_addresses(&error), "refused at DATA; the next mail tells whose fault it is");
        self.waiting.push((id, error));
        Ok(self.waiting.len() >= MAX_IN_A_ROW)
    }

    /// A mail was accepted: those refused before it were at fault themselves.
    pub(super) fn accepted(
        &mut self,
        app: &App,
        report: &mut OutboxReport,
    ) -> Result<(), OutboxError> {
        self.accepted = true;
        for (id, error) in self.waiting.drain(..) {
            warn!(outbox_id = id, error = %mask_addresses(&error), "refused at DATA while the server takes other mail; given up");
            give_up::content_refused(app, id, &error)?;
            report.gave_up += 1;
        }
        Ok(())
    }

    /// The round is over (`stopped`: by SIGTERM). Some(error) when the
    /// refusals were the server's failure.
    pub(super) fn settle(
        self,
        app: &App,
        stopped: bool,
        report: &mut OutboxReport,
    ) -> Result<Option<SmtpError>, OutboxError> {
        let Some((_, last)) = self.waiting.last() else {
            return Ok(None);
        };
        if stopped {
            return Ok(None);
        }
        if !self.accepted || self.waiting.len() >= MAX_IN_A_ROW {
            let n = self.waiting.len();
            let mails = if n == 1 { "mail" } else { "mails" };
            return Ok(Some(SmtpError::Server(format!(
                "refused {n} {mails} in a row at DATA and took none after them: the server's \
                 failure, no mail charged ({})",
                mask_addresses(last)
            ))));
        }
        let now = app.clock.now();
        for (id, error) in &self.waiting {
            outbox::mark_failed(app.store().conn(), *id, error, false, now)?;
            report.retry_later += 1;
        }
        Ok(None)
    }
}
