//! What wakes `mleg run`: a new mail announced over IMAP IDLE, the poll
//! interval (the only trigger when the server has no IDLE), the outbox's own
//! timer, or a stop request.
//!
//! The IDLE connection lives in its own task ([`watch`]). It rings a
//! doorbell ([`Notify`]) on every `EXISTS`; the bell keeps one ring while a
//! round is under way, so mail that arrives meanwhile starts the next round
//! at once. A lost connection is reopened with capped exponential backoff
//! and jitter, and the first ring after a reconnect catches mail that came
//! while it was down.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::app::App;
use crate::clock::Clock;
use crate::config::ImapConfig;
use crate::mail::imap::{ImapError, Mailbox};
use crate::outbox::OutboxReport;
use crate::store::Store;
use crate::store::health::{self, Part};

use super::{RoundError, deliver_until, housekeeping, round_lock};

/// The outbox is tried at least this often, even with a long poll interval.
const OUTBOX_EVERY: Duration = Duration::from_secs(60);

/// Reconnect delays: from 1 s, doubling, at most 5 minutes.
const BACKOFF_FIRST: Duration = Duration::from_secs(1);
const BACKOFF_CAP: Duration = Duration::from_secs(300);

/// Why `mleg run` woke up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// Read the mailbox (and deliver): new mail, or the poll interval.
    Mailbox,
    /// Only deliver the outbox.
    Outbox,
    /// Stop requested.
    Stop,
}

/// The timers and the doorbell of `mleg run`.
pub struct Triggers {
    doorbell: Arc<Notify>,
    poll: Duration,
    next_poll: Instant,
    outbox: Duration,
    next_outbox: Instant,
    shutdown: CancellationToken,
}

impl Triggers {
    /// Starts the IDLE watcher for `app`'s mailbox; it stops with `shutdown`.
    pub fn start(app: &App, shutdown: CancellationToken) -> Triggers {
        let doorbell = Arc::new(Notify::new());
        tokio::spawn(watch(
            app.config.imap.clone(),
            doorbell.clone(),
            shutdown.child_token(),
            IdleHealth::open(app),
        ));
        let poll = Duration::from_secs(app.config.poll_interval_secs);
        let outbox = poll.min(OUTBOX_EVERY);
        let now = Instant::now();
        Triggers {
            doorbell,
            poll,
            next_poll: now + poll,
            outbox,
            next_outbox: now + outbox,
            shutdown,
        }
    }

    /// Waits for the next reason to work. A mailbox round also delivers, so
    /// both timers restart after it.
    pub async fn next(&mut self) -> Wake {
        let wake = tokio::select! {
            // A stop request wins over a pending ring or timer.
            biased;
            _ = self.shutdown.cancelled() => return Wake::Stop,
            _ = self.doorbell.notified() => Wake::Mailbox,
            _ = tokio::time::sleep_until(self.next_poll) => Wake::Mailbox,
            _ = tokio::time::sleep_until(self.next_outbox) => Wake::Outbox,
        };
        let now = Instant::now();
        self.next_outbox = now + self.outbox;
        if wake == Wake::Mailbox {
            self.next_poll = now + self.poll;
        }
        wake
    }
}

/// A delivery-only round (the outbox's own timer), under the round lock;
/// on `stop` it ends after the mail in hand, like every round.
pub async fn deliver_round(
    app: &App,
    stop: &CancellationToken,
) -> Result<OutboxReport, RoundError> {
    let lock = round_lock(app).await?;
    let delivered = deliver_until(app, &lock, stop).await;
    housekeeping(app)?;
    super::health::alerts(app).await;
    drop(lock);
    delivered
}

/// Keeps an IDLE connection to the watched mailbox until `stop`, ringing
/// `doorbell` on new mail. Returns for good if the server has no IDLE.
pub async fn watch(
    cfg: ImapConfig,
    doorbell: Arc<Notify>,
    stop: CancellationToken,
    mut health: IdleHealth,
) {
    if !cfg.idle {
        info!("imap.idle = false; polling every poll_interval_secs");
        health.record(false, "imap.idle = false: polling");
        return;
    }
    let mut failures = 0u32;
    loop {
        let result = tokio::select! {
            r = idle_session(&cfg, &doorbell, &mut failures, &mut health) => r,
            _ = stop.cancelled() => {
                health.record(false, "mleg stopped");
                return;
            }
        };
        match result {
            Ok(()) => {
                info!("the IMAP server offers no IDLE; polling every poll_interval_secs");
                health.record(false, "the server offers no IDLE: polling");
                return;
            }
            Err(e) => {
                warn!(error = %e, "IMAP IDLE connection lost; reconnecting");
                health.record(false, &format!("connection lost: {e}"));
            }
        }
        let delay = backoff(failures);
        failures = failures.saturating_add(1);
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = stop.cancelled() => {
                health.record(false, "mleg stopped");
                return;
            }
        }
    }
}

/// Where the IDLE watcher writes whether it is connected, for `mleg
/// status` in another process: a connection of its own to the database
/// (the watcher is a task of its own, apart from the rounds' [`App`]).
pub struct IdleHealth {
    store: Option<Store>,
    clock: Arc<dyn Clock>,
}

impl IdleHealth {
    fn open(app: &App) -> IdleHealth {
        let store = Store::open(&app.config.database)
            .inspect_err(|e| warn!(error = %e, "IDLE state will not be recorded"))
            .ok();
        IdleHealth {
            store,
            clock: app.clock.clone(),
        }
    }

    /// Best effort: a status line is never worth stopping the watcher.
    fn record(&mut self, connected: bool, detail: &str) {
        let Some(store) = &self.store else { return };
        let detail = (!connected).then(|| crate::outbox::mask_addresses(detail));
        let now = self.clock.now();
        if let Err(e) = health::record(store.conn(), Part::Idle, connected, detail.as_deref(), now)
        {
            warn!(error = %e, "cannot record the IDLE state");
        }
    }
}

/// One IDLE connection: Ok(()) only when the server has no IDLE.
async fn idle_session(
    cfg: &ImapConfig,
    doorbell: &Notify,
    failures: &mut u32,
    health: &mut IdleHealth,
) -> Result<(), ImapError> {
    let (mut mailbox, _) = Mailbox::connect(cfg).await?;
    if !mailbox.can_idle().await? {
        mailbox.logout().await;
        return Ok(());
    }
    let mut watch = mailbox.watch().await?;
    health.record(true, "");
    if *failures > 0 {
        info!("IMAP IDLE connection back");
    }
    *failures = 0;
    // Mail may have arrived while there was no connection.
    doorbell.notify_one();
    loop {
        let (next, new_mail) = watch.wait().await?;
        watch = next;
        if new_mail {
            doorbell.notify_one();
        }
    }
}

/// Capped exponential backoff with jitter: half the step fixed, half random,
/// so many daemons restarted with one server do not reconnect in lockstep.
fn backoff(failures: u32) -> Duration {
    let step = BACKOFF_FIRST
        .saturating_mul(1u32 << failures.min(16))
        .min(BACKOFF_CAP);
    let random = (uuid::Uuid::new_v4().as_u128() % 1000) as u32;
    step / 2 + step / 2 * random / 1000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_from_a_second_and_is_capped_with_jitter() {
        for (failures, step) in [(0, 1), (1, 2), (3, 8), (8, 256), (9, 300), (40, 300)] {
            let step = Duration::from_secs(step);
            let delays: Vec<Duration> = (0..50).map(|_| backoff(failures)).collect();
            assert!(
                delays.iter().all(|d| *d >= step / 2 && *d <= step),
                "{failures}: {delays:?}"
            );
            assert!(delays.iter().any(|d| *d != delays[0]), "jitter: {delays:?}");
        }
    }
}
