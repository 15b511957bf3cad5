//! The window of mails read ahead: fetched in UID order and checked on the
//! blocking pool while the mail before them is decided and committed.
//!
//! Parsing a mail and checking its photos (decode, re-encode, metadata
//! strip) are pure functions of its bytes and the school's photo rules, so
//! they may run early and side by side, on every core. What reads or
//! writes state (the decision against the register, the commit, the move)
//! still happens one mail at a time, in UID order, in [`super::step`]: the
//! watermark and the exactly-once rules do not change. A mail handed out
//! here has only been read (`BODY.PEEK`); dropping the window (an error, a
//! stop) leaves nothing behind but a little wasted work.
//!
//! Memory and CPU are bounded apart. Mails are fetched [`EXTRA_AHEAD`]
//! more than there are cores, so a preparation is already under way when
//! the mail before it is committed (with one per core the commit in UID
//! order kept waiting for a preparation started too late). At most one
//! preparation per core runs at once (a [`Semaphore`]); and no more than
//! [`BUDGET_BYTES`] of mail is held ahead unless it is one alone. A mail's
//! raw bytes are dropped once it is parsed, so what waits in the window is
//! its parsed form and the checked photo.

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::JoinHandle;
use tracing::debug;

use crate::domain::mail::IncomingMail;
use crate::mail::imap::{ImapError, Mailbox, NewMail};
use crate::mail::parse::{MailParseError, parse_mail};
use crate::photo::PhotoPolicy;
use crate::workflow::Checked;

/// The most bytes of mail (as the server counts them) held ahead of the
/// one in hand; a single larger mail is still read, alone.
pub(super) const BUDGET_BYTES: u64 = 64 << 20;

/// Mails fetched ahead beyond one per core.
const EXTRA_AHEAD: usize = 2;

/// A mail parsed and its photos checked.
#[derive(Debug)]
pub(super) struct Prepared {
    /// `None` when the server no longer had the mail, or it was empty.
    pub parsed: Option<Result<IncomingMail, MailParseError>>,
    pub checked: Checked,
}

/// Parses `raw` and checks its photos: no state, no I/O.
fn prepare(raw: Option<&[u8]>, policy: &PhotoPolicy) -> Prepared {
    let parsed = raw.map(parse_mail);
    let checked = match &parsed {
        Some(Ok(mail)) => Checked::of(mail, policy),
        _ => Checked::none(),
    };
    Prepared { parsed, checked }
}

/// [`prepare`], falling back to the parse alone should a photo check
/// panic (the decoders run under `catch_unwind` already: this is the
/// net under the net). The photos are then checked when decided.
fn prepare_guarded(raw: Option<Vec<u8>>, policy: &PhotoPolicy) -> Prepared {
    let raw = raw.as_deref();
    catch_unwind(AssertUnwindSafe(|| prepare(raw, policy))).unwrap_or_else(|_| {
        debug!("a photo check panicked; parsing alone");
        Prepared {
            parsed: raw.map(parse_mail),
            checked: Checked::none(),
        }
    })
}

/// A mail fetched, its preparation waiting for a core or under way.
pub(super) struct Fetched {
    task: JoinHandle<Option<Prepared>>,
}

impl Fetched {
    /// Waits for the preparation; `None` only when its task was lost (the
    /// runtime is shutting down): the caller then fetches the mail again.
    pub(super) async fn prepared(self) -> Option<Prepared> {
        let prepared = self.task.await.ok().flatten();
        if prepared.is_none() {
            debug!("preparation task lost");
        }
        prepared
    }
}

/// Fetches mail `new` again and prepares it in place, for one whose
/// preparation task was lost (see [`Fetched::prepared`]).
pub(super) async fn prepare_again(
    mailbox: &mut Mailbox,
    new: NewMail,
    too_large: Option<u64>,
    policy: &PhotoPolicy,
) -> Result<Prepared, ImapError> {
    let raw = fetch(mailbox, new, too_large).await?;
    Ok(prepare_guarded(raw, policy))
}

/// The whole mail, or only its header when it is too large to read.
async fn fetch(
    mailbox: &mut Mailbox,
    new: NewMail,
    too_large: Option<u64>,
) -> Result<Option<Vec<u8>>, ImapError> {
    match too_large {
        Some(_) => mailbox.fetch_header(new.uid).await,
        None => mailbox.fetch(new.uid).await,
    }
}

/// The next mail in UID order, as far as it got ahead.
pub(super) struct Next {
    pub new: NewMail,
    pub too_large: Option<u64>,
    /// The fetch's outcome; a failure is settled only at the mail's turn.
    pub fetched: Result<Fetched, ImapError>,
}

/// The mails not yet handed out, and those read ahead.
pub(super) struct Window {
    waiting: VecDeque<NewMail>,
    ahead: VecDeque<Next>,
    size: usize,
    max_mail_bytes: u64,
    policy: Arc<PhotoPolicy>,
    /// One permit per core: the preparations running at once.
    cores: Arc<Semaphore>,
}

impl Window {
    pub(super) fn new(mails: Vec<NewMail>, max_mail_bytes: u64, policy: &PhotoPolicy) -> Window {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Window {
            waiting: mails.into(),
            ahead: VecDeque::new(),
            size: cores + EXTRA_AHEAD,
            max_mail_bytes,
            policy: Arc::new(policy.clone()),
            cores: Arc::new(Semaphore::new(cores)),
        }
    }

    /// The next mail, after reading ahead as far as the window allows.
    pub(super) async fn next(&mut self, mailbox: &mut Mailbox) -> Option<Next> {
        self.fill(mailbox).await;
        self.ahead.pop_front()
    }

    /// Fetches mails until the window is full. Stops at a failed fetch:
    /// it is settled at its turn (which may replace the connection), and
    /// nothing after it is read before then.
    async fn fill(&mut self, mailbox: &mut Mailbox) {
        while self.ahead.len() < self.size {
            if self.ahead.back().is_some_and(|n| n.fetched.is_err()) {
                return;
            }
            let Some(&new) = self.waiting.front() else {
                return;
            };
            let held: u64 = self.ahead.iter().map(|n| u64::from(n.new.size)).sum();
            if !self.ahead.is_empty() && held + u64::from(new.size) > BUDGET_BYTES {
                return;
            }
            self.waiting.pop_front();
            let too_large =
                (u64::from(new.size) > self.max_mail_bytes).then_some(u64::from(new.size));
            let fetched = fetch(mailbox, new, too_large)
                .await
                .map(|raw| self.spawn(raw));
            self.ahead.push_back(Next {
                new,
                too_large,
                fetched,
            });
        }
    }

    fn spawn(&self, raw: Option<Vec<u8>>) -> Fetched {
        let (policy, cores) = (Arc::clone(&self.policy), Arc::clone(&self.cores));
        let task = tokio::spawn(async move {
            // The semaphore is fair: preparations start in UID order.
            let _core = cores.acquire_owned().await;
            let work = tokio::task::spawn_blocking(move || prepare_guarded(raw, &policy));
            work.await.ok()
        });
        Fetched { task }
    }
}
