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
//! Memory is bounded by the window: one mail in flight per core (at least
//! two), and no more than [`BUDGET_BYTES`] of them unless it is one alone.
//! Not more: a phone photo's full decode holds some 40 MB of pixels, and
//! with `2 × cores` decodes at once the peak RSS of a backlog went from
//! 47 to 176 MiB for no gain in time (the commits in UID order are the
//! slower part).

use std::collections::VecDeque;
use std::sync::Arc;

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

/// A mail fetched, its preparation under way on the blocking pool.
pub(super) struct Fetched {
    raw: Option<Arc<Vec<u8>>>,
    task: JoinHandle<Prepared>,
}

impl Fetched {
    /// Waits for the preparation. Should its task have died (it cannot
    /// panic on a photo: the decoders run under `catch_unwind`), the mail
    /// is parsed here and its photos are checked when decided, as before.
    pub(super) async fn prepared(self) -> Prepared {
        match self.task.await {
            Ok(prepared) => prepared,
            Err(e) => {
                debug!(error = %e, "preparation task lost; parsing in place");
                Prepared {
                    parsed: self.raw.as_deref().map(|r| parse_mail(r)),
                    checked: Checked::none(),
                }
            }
        }
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
}

impl Window {
    pub(super) fn new(mails: Vec<NewMail>, max_mail_bytes: u64, policy: &PhotoPolicy) -> Window {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Window {
            waiting: mails.into(),
            ahead: VecDeque::new(),
            size: cores.max(2),
            max_mail_bytes,
            policy: Arc::new(policy.clone()),
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
            let fetched = match too_large {
                Some(_) => mailbox.fetch_header(new.uid).await,
                None => mailbox.fetch(new.uid).await,
            };
            let fetched = fetched.map(|raw| self.spawn(raw));
            self.ahead.push_back(Next {
                new,
                too_large,
                fetched,
            });
        }
    }

    fn spawn(&self, raw: Option<Vec<u8>>) -> Fetched {
        let raw = raw.map(Arc::new);
        let (bytes, policy) = (raw.clone(), Arc::clone(&self.policy));
        let task =
            tokio::task::spawn_blocking(move || prepare(bytes.as_deref().map(|b| &b[..]), &policy));
        Fetched { raw, task }
    }
}
