//! IMAP IDLE (RFC 2177): a connection that waits for the server to say a
//! new mail arrived, so a parent is answered within a second or two.
//!
//! A [`Watch`] never reads or moves mail; it only reports `EXISTS`. The
//! rounds run on their own connections, so a mail arriving during a round is
//! still noticed here. IDLE is renewed (DONE, NOOP, IDLE) every
//! `imap.idle_renew_secs` (default 25 min: before the 29 minutes after which
//! servers may drop an idle client, sooner behind a NAT), and whenever the
//! server has been silent for [`SILENCE`]: the NOOP then proves the link is
//! alive, under the command timeout. A closed connection is an error, so the
//! caller reconnects.

use std::time::{Duration, Instant};

use async_imap::extensions::idle::{Handle, IdleResponse};
use async_imap::imap_proto::{MailboxDatum, Response};

use super::{ImapError, Mailbox, Stream, within};
use crate::config::ImapTimeouts;

/// With no word from the server for this long (Dovecot says "Still here"
/// every 2 minutes), the link is checked with a NOOP.
pub const SILENCE: Duration = Duration::from_secs(5 * 60);

/// A connection waiting in IDLE on the watched mailbox.
pub struct Watch {
    handle: Handle<Box<dyn Stream>>,
    since: Instant,
    server: String,
    timeouts: ImapTimeouts,
}

impl Mailbox {
    /// Whether the server offers IDLE.
    pub async fn can_idle(&mut self) -> Result<bool, ImapError> {
        let (limit, server) = (self.timeouts.command, self.server.clone());
        within(limit, &server, "CAPABILITY", async {
            Ok(self.session.capabilities().await?.has_str("IDLE"))
        })
        .await
    }

    /// Starts IDLE; the mailbox becomes a [`Watch`].
    pub async fn watch(self) -> Result<Watch, ImapError> {
        let mut handle = self.session.idle();
        let (limit, server) = (self.timeouts.command, self.server);
        within(limit, &server, "IDLE", async { Ok(handle.init().await?) }).await?;
        Ok(Watch {
            handle,
            since: Instant::now(),
            server,
            timeouts: self.timeouts,
        })
    }
}

impl Watch {
    /// Waits for the next word from the server: true when it reported a new
    /// mail (`EXISTS`), false after a renewal or any other change.
    pub async fn wait(mut self) -> Result<(Watch, bool), ImapError> {
        let remaining = self
            .timeouts
            .idle_renew
            .saturating_sub(self.since.elapsed());
        let mut renew_due = false;
        let response = {
            let (waiting, stop) = self.handle.wait_with_timeout(SILENCE);
            tokio::pin!(waiting);
            tokio::select! {
                r = &mut waiting => r?,
                _ = tokio::time::sleep(remaining) => {
                    renew_due = true;
                    // Dropping the stop source ends the wait cleanly.
                    drop(stop);
                    waiting.await?
                }
            }
        };
        match response {
            IdleResponse::NewData(data) => {
                let exists = matches!(
                    data.parsed(),
                    Response::MailboxData(MailboxDatum::Exists(_))
                );
                Ok((self, exists))
            }
            IdleResponse::Timeout => Ok((self.renew().await?, false)),
            IdleResponse::ManualInterrupt if renew_due => Ok((self.renew().await?, false)),
            // The stream ended: the server closed the connection.
            IdleResponse::ManualInterrupt => Err(ImapError::Closed),
        }
    }

    /// DONE, NOOP (the link is alive), IDLE again.
    async fn renew(self) -> Result<Watch, ImapError> {
        tracing::debug!("IMAP IDLE renewed (DONE, NOOP, IDLE)");
        let Watch {
            handle,
            server,
            timeouts,
            ..
        } = self;
        let limit = timeouts.command;
        let mut session =
            within(limit, &server, "DONE", async { Ok(handle.done().await?) }).await?;
        within(limit, &server, "NOOP", async { Ok(session.noop().await?) }).await?;
        let mut handle = session.idle();
        within(limit, &server, "IDLE", async { Ok(handle.init().await?) }).await?;
        Ok(Watch {
            handle,
            since: Instant::now(),
            server,
            timeouts,
        })
    }
}
