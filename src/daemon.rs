//! Wiring: the two ways to run the workers on the shared [`App`].
//!
//! `once` runs one intake step, delivering meanwhile what it queues, and
//! returns when both are done; `run`
//! repeats them until the cancellation token fires (SIGINT/SIGTERM in the
//! binary): at once when IMAP IDLE announces new mail, else every poll
//! interval, with the outbox on its own timer ([`watch`]); beside them run
//! the scheduled date jobs ([`jobs`]). A failed round (mail server down) is
//! logged and retried next round: the daemon keeps running.

mod health;
mod notify;
mod watch;
pub use watch::Wake;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::Notify;

pub mod jobs;

use tokio_util::sync::CancellationToken;
use tracing::{error, info};

use crate::app::App;
use crate::intake::{self, IntakeError, IntakeReport};
use crate::mail::imap::Mailbox;
use crate::mail::smtp::{Sender, SmtpError};
use crate::outbox::{self, OutboxError, OutboxReport};
use crate::round_lock::RoundLock;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum RoundError {
    #[error(transparent)]
    Intake(#[from] IntakeError),
    #[error(transparent)]
    Smtp(#[from] SmtpError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Outbox(#[from] OutboxError),
    #[error("stopped before the mailbox was read")]
    Stopped,
    #[error("cannot take the round lock: {0}")]
    Lock(std::io::Error),
}

/// One round: read the mailbox once and deliver the outbox meanwhile
/// ([`deliver_during`]), then tidy up.
///
/// Rounds are serialised across processes by the round lock
/// ([`RoundLock`]), so `mleg once` run while `mleg run` is busy waits (and
/// logs that it waits) instead of sending the same outbox rows a second
/// time. Delivery runs even when the
/// mailbox could not be read: codes queued from the CLI still go out.
pub async fn once(app: &App) -> Result<(IntakeReport, OutboxReport), RoundError> {
    once_until(app, &CancellationToken::new()).await
}

/// [`once`], cut short when `stop` fires (SIGTERM): intake stops at once
/// (every mail is committed on its own, so stopping between mails is what a
/// crash would do, minus the crash), delivery finishes the mail in hand.
pub async fn once_until(
    app: &App,
    stop: &CancellationToken,
) -> Result<(IntakeReport, OutboxReport), RoundError> {
    let lock = round_lock(app).await?;
    let intake_over = Notify::new();
    let over = AtomicBool::new(false);
    let intake = async {
        let r = tokio::select! {
            r = intake_once(app) => r.map_err(RoundError::from),
            _ = stop.cancelled() => Err(RoundError::Stopped),
        };
        over.store(true, Ordering::SeqCst);
        intake_over.notify_one();
        r
    };
    let during = During {
        over: &over,
        wake: &intake_over,
    };
    let (intake, delivered) = tokio::join!(intake, deliver_during(app, &lock, stop, during));
    housekeeping(app)?;
    record_round(app, &intake, &delivered)?;
    health::intake(app, &intake)?;
    // Still under the round lock: an alert sent through `[alerts.smtp]`
    // claims its outbox row like a delivery does.
    health::alerts(app).await;
    drop(lock);
    Ok((intake?, delivered?))
}

/// What `mleg status` reads from another process: the round's result and
/// whether the watched mailbox let mleg in (SMTP keeps its own record).
fn record_round(
    app: &App,
    intake: &Result<IntakeReport, RoundError>,
    delivered: &Result<OutboxReport, RoundError>,
) -> Result<(), StoreError> {
    use crate::store::health::{Part, record};
    let now = app.clock.now();
    let line = |e: &RoundError| crate::outbox::mask_addresses(&e.to_string());
    let store = app.store();
    match intake {
        Ok(_) => record(store.conn(), Part::Imap, true, None, now)?,
        Err(e @ RoundError::Intake(IntakeError::Imap(_))) => {
            record(store.conn(), Part::Imap, false, Some(&line(e)), now)?
        }
        Err(_) => {}
    }
    let failed = intake.as_ref().err().or(delivered.as_ref().err());
    match failed {
        Some(RoundError::Stopped) => Ok(()),
        Some(e) => record(store.conn(), Part::Round, false, Some(&line(e)), now),
        None => record(store.conn(), Part::Round, true, None, now),
    }
}

/// Takes the round lock (released when dropped), logging when it has to
/// wait for another round.
pub async fn round_lock(app: &App) -> Result<RoundLock, RoundError> {
    take_round_lock(app, || {
        info!("another round is under way (in this or another mleg process); waiting for it");
    })
    .await
}

/// [`round_lock`] with the caller's own way of saying that it waits (a
/// command at the terminal prints it).
pub async fn take_round_lock(app: &App, waiting: impl FnOnce()) -> Result<RoundLock, RoundError> {
    RoundLock::take(app, waiting)
        .await
        .map_err(RoundError::Lock)
}

/// Finishes any WAL checkpoint a reader kept from completing after a
/// purge. (Orphan photos past `orphan_days` go with the retention rule,
/// `scheduler::retention`, with their mails.)
fn housekeeping(app: &App) -> Result<(), StoreError> {
    let store = app.store();
    if !crate::store::lifecycle::flush_wal(store.conn())? {
        tracing::warn!("WAL checkpoint incomplete (a reader is busy); retrying next round");
    }
    Ok(())
}

/// One intake step on a fresh IMAP connection.
pub async fn intake_once(app: &App) -> Result<IntakeReport, IntakeError> {
    let (mut mailbox, uid_validity) = Mailbox::connect(&app.config.imap).await?;
    if let Some(expires) = mailbox.cert_expires() {
        let store = app.store();
        let now = app.clock.now();
        crate::store::health::set_expiry(store.conn(), "imap_certificate", expires, now)?;
    }
    let report = intake::step(app, &mut mailbox, uid_validity).await;
    mailbox.logout().await;
    report
}

/// The alert step (`crate::alerts`) for a caller holding the round lock,
/// as every round ends with it: `mleg tick` from cron alerts too.
pub async fn alerts(app: &App, _lock: &RoundLock) {
    health::alerts(app).await;
}

/// One delivery step, under the round lock.
pub async fn deliver_once(app: &App) -> Result<OutboxReport, RoundError> {
    let lock = round_lock(app).await?;
    deliver(app, &lock).await
}

/// One delivery step under the round lock the caller holds (`mleg tick`
/// runs the date rules and delivers under one lock).
pub async fn deliver(app: &App, lock: &RoundLock) -> Result<OutboxReport, RoundError> {
    deliver_until(app, lock, &CancellationToken::new()).await
}

/// How delivery learns that the intake it runs beside is over.
struct During<'a> {
    over: &'a AtomicBool,
    wake: &'a Notify,
}

/// How often delivery looks for newly queued mail while intake runs.
const DURING_INTAKE_POLL: Duration = Duration::from_millis(250);

/// Delivers beside intake: every row intake commits is due at once, so a
/// reply leaves while later mails are still being checked. Each pass is a
/// whole delivery step (each row claimed `sending` before `DATA`, as
/// always); the last pass starts after intake is over, so nothing it queued
/// waits for the next round. A step that fails (the server is down) ends
/// delivery for this round; one that finds the server in its backoff waits
/// for intake to end and reports once more.
async fn deliver_during(
    app: &App,
    lock: &RoundLock,
    stop: &CancellationToken,
    during: During<'_>,
) -> Result<OutboxReport, RoundError> {
    let mut total = OutboxReport::default();
    let mut backoff = false;
    loop {
        if stop.is_cancelled() {
            return Ok(total);
        }
        let last = during.over.load(Ordering::SeqCst);
        if last || (!backoff && due_now(app)?) {
            let step = deliver_until(app, lock, stop).await?;
            backoff = step.waiting > 0;
            total.add(&step);
            if last {
                return Ok(total);
            }
            if !backoff {
                continue;
            }
        }
        // Nothing due yet, or the server is waited out: until intake
        // queues more, or is over.
        tokio::select! {
            _ = during.wake.notified() => {}
            _ = tokio::time::sleep(DURING_INTAKE_POLL), if !backoff => {}
            _ = stop.cancelled() => {}
        }
    }
}

fn due_now(app: &App) -> Result<bool, StoreError> {
    let store = app.store();
    Ok(!crate::store::outbox::due_ids(store.conn(), app.clock.now())?.is_empty())
}

async fn deliver_until(
    app: &App,
    lock: &RoundLock,
    stop: &CancellationToken,
) -> Result<OutboxReport, RoundError> {
    let delivered = async {
        // With `auth = "oauth2"` the sender carries a token valid for a while yet.
        let sender = Sender::connect(&app.config.smtp).await?;
        Ok(outbox::step(app, &sender, lock, stop).await?)
    }
    .await;
    health::delivery(app, &delivered)?;
    delivered
}

/// Runs the mail rounds and the scheduled jobs ([`jobs`]) side by side until
/// `shutdown` is cancelled.
pub async fn run(app: &App, shutdown: CancellationToken) {
    let stopping = async {
        shutdown.cancelled().await;
        notify::notify("STOPPING=1\nSTATUS=stopping after the mail in hand");
    };
    tokio::join!(
        rounds(app, shutdown.clone()),
        jobs::run(app, shutdown.clone()),
        stopping
    );
}

/// What `systemctl status mleg` shows between rounds; nothing personal.
fn status_line(app: &App, failed: bool) -> String {
    let at = app.clock.now().with_timezone(&app.config.dates.timezone);
    let at = at.format("%H:%M");
    if failed {
        format!("STATUS=last round failed at {at}; see the log")
    } else {
        format!("STATUS=waiting for mail; last round at {at}")
    }
}

/// Runs rounds every poll interval until `shutdown` is cancelled; the round
/// under way is finished first. Errors in
/// a round are logged, not fatal: a mail server restart must not stop mleg.
async fn rounds(app: &App, shutdown: CancellationToken) {
    let interval = Duration::from_secs(app.config.poll_interval_secs);
    info!(interval_secs = interval.as_secs(), "mleg running");
    let mut triggers = watch::Triggers::start(app, shutdown.clone());
    // Config and database are open: `systemctl start` may return now.
    notify::notify("READY=1\nSTATUS=started; reading the mailbox");
    let mut wake = Wake::Mailbox;
    loop {
        // A round stops early on shutdown, but never inside one mail's
        // SMTP conversation: stopping between "SMTP accepted" and "marked
        // sent" is the one way to send a mail twice.
        let failed = match wake {
            Wake::Mailbox => match once_until(app, &shutdown).await {
                Ok(_) | Err(RoundError::Stopped) => None,
                Err(e) => Some(e),
            },
            Wake::Outbox => watch::deliver_round(app, &shutdown).await.err(),
            Wake::Stop => break,
        };
        if let Some(e) = &failed {
            error!(error = %e, "round failed; retrying next round");
        }
        // After STOPPING=1 systemd should hear nothing else.
        if !shutdown.is_cancelled() {
            notify::notify(&status_line(app, failed.is_some()));
        }
        wake = triggers.next().await;
    }
    info!("mleg stopped");
}
