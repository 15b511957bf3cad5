//! Delivering a round's due mails over several SMTP sessions at once
//! (`[smtp] connections`).
//!
//! A server takes the next mail only after it has stored the last one (the
//! `250` after `DATA`), so one session spends most of a backlog waiting.
//! Each lane is one session taking the next due row from a shared queue, in
//! the queue's order (parents' replies first). Everything that makes
//! delivery exactly-once is per mail and unchanged: each row is claimed
//! `sending` in its own commit before `DATA` and marked sent after the
//! `250`. A crash leaves at most one row in doubt per lane, and the next
//! start settles those before anything is sent.
//!
//! The first lane's session is the round's: if it cannot be opened the
//! server is down, as with one session. An extra session the server refuses
//! (a provider's limit on connections) is not used; the others carry on.
//! When one lane meets a server failure, or refusals at `DATA` that stop the
//! round, the other lanes stop after the mail in hand.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio_util::sync::CancellationToken;
use tracing::{debug, info};

use super::data_refused::Verdicts;
use super::{OutboxError, OutboxReport, Round, deliver};
use crate::app::App;
use crate::mail::smtp::{Sender, Session};
use crate::progress::Counter;
use crate::store::outbox;

/// What the lanes of one round share.
pub(super) struct Shared<'a> {
    pub app: &'a App,
    pub sender: &'a Sender,
    pub stop: &'a CancellationToken,
    pub counter: &'a Counter<'a>,
    /// Due rows not yet taken by a lane, in sending order.
    pub queue: Mutex<VecDeque<i64>>,
    pub verdicts: Mutex<Verdicts>,
    /// Set by a lane that met a reason to end the round.
    pub halt: AtomicBool,
}

impl Shared<'_> {
    fn next(&self) -> Option<i64> {
        if self.halt.load(Ordering::Relaxed) {
            return None;
        }
        if self.stop.is_cancelled() {
            // Said once, by the first lane to see it.
            if !self.halt.swap(true, Ordering::Relaxed) {
                info!("stop requested; the rest of the outbox waits for the next start");
            }
            return None;
        }
        lock(&self.queue).pop_front()
    }
}

/// The lock on `m`; a lane that panicked holding it left nothing half-done
/// in a queue or a list of refusals.
pub(super) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Runs `session` (the round's own) and up to `extra` more sessions until
/// the queue is empty or the round must end; the lanes' reports added up,
/// and the first error that ended a lane.
pub(super) async fn run(
    shared: &Shared<'_>,
    session: Session,
    extra: usize,
) -> (OutboxReport, Option<OutboxError>) {
    let first = lane(shared, session);
    let others = (0..extra).map(|_| async {
        match shared.sender.open().await {
            Ok(session) => lane(shared, session).await,
            Err(e) => {
                debug!(error = %e, "an extra SMTP session was not opened; the others carry on");
                (OutboxReport::default(), None)
            }
        }
    });
    let (first, others) = tokio::join!(first, futures::future::join_all(others));
    let mut report = OutboxReport::default();
    let mut error = None;
    for (r, e) in std::iter::once(first).chain(others) {
        report.add(&r);
        error = error.or(e);
    }
    (report, error)
}

/// One session taking rows from the queue until there are none or the
/// round must end.
async fn lane(shared: &Shared<'_>, mut session: Session) -> (OutboxReport, Option<OutboxError>) {
    let mut report = OutboxReport::default();
    let mut error = None;
    while let Some(id) = shared.next() {
        let _item = shared.counter.item();
        let mut mail = match outbox::load(shared.app.store().conn(), id) {
            Ok(Some(mail)) => mail,
            Ok(None) => continue,
            Err(e) => {
                error = Some(e.into());
                break;
            }
        };
        let round = Round {
            sender: shared.sender,
            session: &mut session,
            verdicts: &shared.verdicts,
        };
        match deliver(shared.app, round, &mut mail, &mut report).await {
            Ok(false) => continue,
            // The refusals at `DATA` say the server takes nothing.
            Ok(true) => {}
            Err(e) => error = Some(e),
        }
        shared.halt.store(true, Ordering::Relaxed);
        break;
    }
    session.quit().await;
    (report, error)
}
