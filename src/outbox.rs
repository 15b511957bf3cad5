//! The delivery worker: sends what the outbox holds.
//!
//! Mails are queued by whoever changed state (intake, the secretary's CLI)
//! in the same transaction as the change. [`step`] sends every due mail,
//! parents' replies first, over one SMTP session or `[smtp] connections` at
//! once ([`lanes`]), each loading one mail (and its photo) at a time. What
//! goes wrong is told apart like Postfix does:
//! - the server cannot be used (connect, TLS, login, a refused sender, no
//!   answer in time): the round stops, no mail is charged, and the server is
//!   left alone for a growing while (stored in the DB); when it works again
//!   the first round sends the whole queue;
//! - the server refuses one mail's recipient (`RCPT TO`): a 5xx gives that
//!   mail up and alerts the secretary ([`give_up`]); a 4xx (there or at
//!   `DATA`) retries it later;
//! - a 5xx at `DATA` is judged by the round ([`data_refused`]): the mail's
//!   own fault if the server takes a later mail, the server's if it takes
//!   none;
//! - a mail still undelivered `outbox_max_age_hours` after it was queued is
//!   given up and alerted about too.
//!
//! Only the holder of the round lock delivers ([`step`] takes the
//! [`RoundLock`] as proof). Each row is claimed `sending` in its own commit
//! before `DATA`, by a conditional update that backs off when the row is no
//! longer queued; one found `sending` when a round starts was cut off by a
//! crash (no live process holds it: the lock says so) and is resolved by
//! [`in_doubt`] before anything is sent.

mod data_refused;
mod give_up;
mod in_doubt;
mod lanes;

use std::sync::atomic::AtomicBool;
use std::sync::{Mutex, PoisonError};

use chrono::Duration;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::app::App;
use crate::mail::smtp::{Sender, Session, SmtpError};
use crate::progress::{Counter, Job};
use crate::round_lock::RoundLock;
use crate::store::outbox::Queued;
use crate::store::{StoreError, delivery, outbox};
use crate::templates::TemplateError;

/// What one delivery step did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxReport {
    pub sent: usize,
    pub retry_later: usize,
    pub gave_up: usize,
    /// Rows found `sending` (in doubt) and queued again after a crash.
    pub in_doubt: usize,
    /// In-doubt rows found in the sent folder, hence not sent again.
    pub found_sent: usize,
    /// Due mails left waiting because the server is in its backoff.
    pub waiting: usize,
    /// Mails skipped because they were no longer queued when claimed.
    pub taken: usize,
}

impl OutboxReport {
    /// Adds a later step of the same round; `waiting` is the later one's
    /// (the same mails would be counted twice).
    pub fn add(&mut self, later: &OutboxReport) {
        self.sent += later.sent;
        self.retry_later += later.retry_later;
        self.gave_up += later.gave_up;
        self.in_doubt += later.in_doubt;
        self.found_sent += later.found_sent;
        self.waiting = later.waiting;
        self.taken += later.taken;
    }
}

/// Why a delivery step stopped.
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Smtp(#[from] SmtpError),
    #[error(transparent)]
    Template(#[from] TemplateError),
}

/// The longest wait before the server is tried again.
const SERVER_BACKOFF_CAP_MINUTES: i64 = 15;

/// "550 <rodzic@example.pl> unknown" → "550 <…@example.pl> unknown".
pub fn mask_addresses(text: &str) -> String {
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

/// Sends every due mail once; stops early (after the mail in hand) when
/// `stop` fires. Only under the round lock: the rows in doubt it settles
/// first are in doubt only because no one else is delivering.
pub async fn step(
    app: &App,
    sender: &Sender,
    _lock: &RoundLock,
    stop: &CancellationToken,
) -> Result<OutboxReport, OutboxError> {
    let mut report = OutboxReport {
        gave_up: give_up::expired(app)?,
        ..OutboxReport::default()
    };
    let now = app.clock.now();
    let backoff = delivery::server_backoff(app.store().conn())?;
    if let Some(until) = backoff.filter(|u| now < *u) {
        report.waiting = outbox::due_ids(app.store().conn(), now)?.len();
        info!(waiting = report.waiting, retry_at = %until, "SMTP server failed recently; waiting");
        return Ok(report);
    }
    in_doubt::resolve(app, &mut report).await?;
    let ids = outbox::due_ids(app.store().conn(), app.clock.now())?;
    if !ids.is_empty() {
        let session = sender.open().await.map_err(|e| server_down(app, e))?;
        let counter = Counter::start(app.progress(), Job::Delivery, ids.len());
        // More sessions than mails would only log in and out.
        let extra = app.config.smtp.connections.min(ids.len()).saturating_sub(1);
        let shared = lanes::Shared {
            app,
            sender,
            stop,
            counter: &counter,
            queue: Mutex::new(ids.into()),
            verdicts: Mutex::new(data_refused::Verdicts::default()),
            halt: AtomicBool::new(false),
        };
        let (sent, error) = lanes::run(&shared, session, extra).await;
        let verdicts = shared
            .verdicts
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        drop(counter);
        report.add(&sent);
        if let Some(e) = error {
            return Err(e);
        }
        if let Some(e) = verdicts.settle(app, stop.is_cancelled(), &mut report)? {
            return Err(server_down(app, e));
        }
        // Only a round without a server failure ends the backoff: a server
        // that logs in but refuses every sender must still be waited out.
        delivery::server_ok(app.store().conn())?;
    }
    if report != OutboxReport::default() {
        info!(
            sent = report.sent,
            retry_later = report.retry_later,
            gave_up = report.gave_up,
            in_doubt = report.in_doubt,
            found_sent = report.found_sent,
            "outbox step done"
        );
    }
    Ok(report)
}

/// Sends the rows `ids` through `sender`, another server than the outbox's
/// own (`[alerts.smtp]`, while `[smtp]` fails): each claimed and marked sent
/// like any row, so it goes out once whichever server takes it. Stops at the
/// first failure; what is left stays queued for the normal round.
pub async fn send_through(app: &App, sender: &Sender, ids: &[i64]) -> Result<usize, OutboxError> {
    let mut session = sender.open().await?;
    let mut sent = 0;
    for &id in ids {
        let Some(mut mail) = outbox::load(app.store().conn(), id)? else {
            continue;
        };
        match send_one(app, sender, &mut session, &mut mail).await? {
            Attempt::Sent => sent += 1,
            Attempt::Taken => {}
            Attempt::Failed(e) => {
                session.quit().await;
                return Err(e.into());
            }
        }
    }
    session.quit().await;
    Ok(sent)
}

/// What a round delivers through: a lane's session, and the refusals at
/// `DATA` the lanes judge together.
struct Round<'a> {
    sender: &'a Sender,
    session: &'a mut Session,
    verdicts: &'a Mutex<data_refused::Verdicts>,
}

/// Sends one mail and records the outcome; Err when the server failed,
/// Ok(true) when the refusals at `DATA` say the round should stop.
async fn deliver(
    app: &App,
    round: Round<'_>,
    mail: &mut Queued,
    report: &mut OutboxReport,
) -> Result<bool, OutboxError> {
    let Round {
        sender,
        session,
        verdicts,
    } = round;
    let e = match send_one(app, sender, session, mail).await? {
        Attempt::Sent => {
            report.sent += 1;
            lanes::lock(verdicts).accepted(app, report)?;
            return Ok(false);
        }
        Attempt::Taken => {
            // Cancelled by a purge from the CLI meanwhile, say: not ours to send.
            info!(
                outbox_id = mail.id,
                "mail no longer queued when claimed; skipped"
            );
            report.taken += 1;
            session.reset().await.map_err(|e| server_down(app, e))?;
            return Ok(false);
        }
        Attempt::Failed(e) if e.is_server_failure() => return Err(server_down(app, e)),
        Attempt::Failed(e) => e,
    };
    if let SmtpError::DataRefused(answer) = e {
        let stop = lanes::lock(verdicts).refused(app, mail.id, answer)?;
        session.reset().await.map_err(|e| server_down(app, e))?;
        return Ok(stop);
    }
    let text = e.to_string();
    // SMTP errors often quote the recipient; a parent's address is
    // personal data, so the log gets it masked (the DB keeps it all).
    warn!(outbox_id = mail.id, permanent = e.is_permanent(), error = %mask_addresses(&text), "delivery failed");
    if e.is_permanent() {
        give_up::refused(app, mail.id, &text)?;
        report.gave_up += 1;
    } else {
        outbox::mark_failed(app.store().conn(), mail.id, &text, false, app.clock.now())?;
        report.retry_later += 1;
    }
    session.reset().await.map_err(|e| server_down(app, e))?;
    Ok(false)
}

/// How one mail's SMTP conversation ended.
enum Attempt {
    /// The server said 250 and the row is marked sent.
    Sent,
    /// The row was no longer queued when claimed: not sent by us.
    Taken,
    Failed(SmtpError),
}

/// The SMTP conversation for one mail: envelope, the claim (the `sending`
/// mark) in its own commit, then `DATA`; marked sent as soon as the server
/// said 250.
async fn send_one(
    app: &App,
    sender: &Sender,
    session: &mut Session,
    mail: &mut Queued,
) -> Result<Attempt, StoreError> {
    let accepted = match session.envelope(sender, mail).await {
        Ok(a) => a,
        Err(e) => return Ok(Attempt::Failed(e)),
    };
    // Both marks commit without waiting for the disk: losing one to a power
    // cut only re-sends the mail with its Message-ID (`transaction_unsynced`).
    let now = app.clock.now();
    if !app
        .store()
        .transaction_unsynced(|tx| delivery::claim(tx, mail.id, now))?
    {
        return Ok(Attempt::Taken);
    }
    match session.data(accepted).await {
        Ok(()) => {
            let now = app.clock.now();
            app.store()
                .transaction_unsynced(|tx| outbox::mark_sent(tx, mail.id, now))?;
            Ok(Attempt::Sent)
        }
        // No answer after the content: the row stays `sending`, in doubt.
        Err(e) => Ok(Attempt::Failed(e)),
    }
}

/// Records a server failure (backoff doubling from the poll interval) and
/// hands the error back to end the round.
fn server_down(app: &App, e: SmtpError) -> OutboxError {
    let text = mask_addresses(&e.to_string());
    let base = Duration::seconds(app.config.poll_interval_secs.min(3600) as i64);
    let cap = Duration::minutes(SERVER_BACKOFF_CAP_MINUTES);
    match delivery::server_failed(app.store().conn(), &text, app.clock.now(), base, cap) {
        // The error itself is the round's failure line (logged by the
        // daemon, printed by `mleg once`): one line, not two.
        Ok(retry_at) => warn!(retry_at = %retry_at, "SMTP server failed; no mail charged"),
        Err(store) => return store.into(),
    }
    e.into()
}

#[cfg(test)]
mod tests;
