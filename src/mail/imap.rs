//! The IMAP adapter: the only code that speaks IMAP (through async-imap).
//!
//! It offers what the intake worker needs and nothing more: select the
//! watched mailbox (learning its UIDVALIDITY), list new UIDs with their sizes,
//! fetch a mail without marking it read (`BODY.PEEK`), move a mail into a
//! folder (creating the folder on first use, learning its new UID), and
//! expunge exactly one known mail (`purge`, in `imap/purge.rs`; through the
//! trash folder where one is set or found, `imap/trash.rs`), and wait
//! in IDLE for new mail ([`idle::Watch`]). Every step has a timeout
//! (`imap/connect.rs`): a silent server fails the round, never freezes it.

use std::collections::HashSet;
use std::fmt::Debug;

use async_imap::Session;
use futures::TryStreamExt;
use tokio::io::{AsyncRead, AsyncWrite};

use crate::config::{ImapConfig, ImapTimeouts};

mod connect;
mod fetch;
pub mod idle;
mod login;
mod probe;
mod probe_auth;
mod purge;
mod sent;
mod trash;
use connect::within;
pub use probe::probe;
pub use purge::{PurgeOutcome, PurgeTarget, Recorded};
pub use trash::{Deletion, Erasing};

/// One type for plain and TLS connections.
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send + Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + Debug> Stream for T {}

type ImapSession = Session<Box<dyn Stream>>;

#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    #[error("cannot connect to IMAP server {addr}: {source}")]
    Connect {
        addr: String,
        source: std::io::Error,
    },
    #[error("IMAP server {server}: TLS failed: {message}")]
    Tls { server: String, message: String },
    #[error("IMAP server {server}: no answer to {what} within {secs} s; connection dropped")]
    Timeout {
        server: String,
        what: &'static str,
        secs: u64,
    },
    #[error("IMAP login as {user} refused: {message}")]
    Login { user: String, message: String },
    #[error("IMAP: {0}")]
    Protocol(#[from] async_imap::error::Error),
    #[error("IMAP server closed the connection")]
    Closed,
    /// No OAuth2 token could be had (`auth = "oauth2"`).
    #[error("IMAP login: {0}")]
    Token(#[from] crate::oauth2::OAuth2Error),
}

impl ImapError {
    /// The server refused one command (BAD/NO): the connection is still fine.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            ImapError::Protocol(async_imap::error::Error::Bad(_) | async_imap::error::Error::No(_))
        )
    }
}

/// A logged-in connection with the watched mailbox selected.
pub struct Mailbox {
    session: ImapSession,
    name: String,
    created: HashSet<String>,
    /// `host:port`, for timeout messages.
    server: String,
    timeouts: ImapTimeouts,
    /// `trash_folder` as configured.
    trash_folder: Option<String>,
    /// How this account deletes, found at the first purge (see `imap/trash.rs`).
    erasing: Option<Erasing>,
    /// The server certificate's notAfter, read at the handshake.
    cert_expires: Option<chrono::DateTime<chrono::Utc>>,
}

impl Debug for Mailbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Mailbox({})", self.name)
    }
}

/// Where a mail was filed: folder, UIDVALIDITY and UID there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filed {
    pub folder: String,
    pub uid_validity: u32,
    pub uid: u32,
}

/// The destination (UIDVALIDITY, UID) of a one-mail `COPYUID` response code.
fn copy_uid(response: &async_imap::imap_proto::Response<'_>) -> Option<(u32, u32)> {
    use async_imap::imap_proto::rfc4315::UidSetMember;
    use async_imap::imap_proto::{Response, ResponseCode};
    let Response::Data { outcome, .. } = response else {
        return None;
    };
    match &outcome.code {
        Some(ResponseCode::CopyUid(validity, _, dst)) => match dst.as_slice() {
            [UidSetMember::Uid(uid)] => Some((*validity, *uid)),
            [UidSetMember::UidRange(r)] if r.start() == r.end() => Some((*validity, *r.start())),
            _ => None,
        },
        _ => None,
    }
}

/// A new mail in the watched mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewMail {
    pub uid: u32,
    pub size: u32,
}

impl Mailbox {
    /// Connects, logs in and selects `cfg.mailbox`.
    pub async fn connect(cfg: &ImapConfig) -> Result<(Mailbox, u32), ImapError> {
        let (client, tls) = connect::open_client(cfg).await?;
        let server = connect::server(cfg);
        let limit = cfg.timeouts.command;
        let mut session = within(limit, &server, "LOGIN", login::login(client, cfg)).await?;
        let selected = within(limit, &server, "SELECT", async {
            Ok(session.select(&cfg.mailbox).await?)
        })
        .await?;
        let uid_validity = selected.uid_validity.unwrap_or(0);
        let mailbox = Mailbox {
            session,
            name: cfg.mailbox.clone(),
            created: HashSet::new(),
            server,
            timeouts: cfg.timeouts,
            trash_folder: cfg.trash_folder.clone(),
            erasing: None,
            cert_expires: tls.and_then(|t| t.not_after),
        };
        Ok((mailbox, uid_validity))
    }

    /// When the server's TLS certificate expires (None without TLS, or unreadable).
    pub fn cert_expires(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.cert_expires
    }

    /// UIDs above `after`, with their sizes, in ascending order.
    pub async fn new_mail(&mut self, after: u32) -> Result<Vec<NewMail>, ImapError> {
        let (limit, server) = (self.timeouts.command, self.server.clone());
        within(limit, &server, "UID FETCH", self.list_new(after)).await
    }

    async fn list_new(&mut self, after: u32) -> Result<Vec<NewMail>, ImapError> {
        let set = format!("{}:*", after.saturating_add(1));
        let fetched: Vec<_> = self
            .session
            .uid_fetch(set, "(UID RFC822.SIZE)")
            .await?
            .try_collect()
            .await?;
        // "N:*" always returns the last mail, even when its UID is below N.
        let mut out: Vec<NewMail> = fetched
            .iter()
            .filter_map(|f| {
                Some(NewMail {
                    uid: f.uid?,
                    size: f.size.unwrap_or(0),
                })
            })
            .filter(|m| m.uid > after)
            .collect();
        out.sort_by_key(|m| m.uid);
        Ok(out)
    }

    /// The whole mail, without setting \Seen. None if it is gone; Err
    /// (a refusal) when the server will not give it.
    pub async fn fetch(&mut self, uid: u32) -> Result<Option<Vec<u8>>, ImapError> {
        // A whole mail may be tens of megabytes: the longer limit.
        let (limit, server) = (self.timeouts.fetch, self.server.clone());
        within(
            limit,
            &server,
            "UID FETCH BODY[]",
            self.fetch_part(uid, "BODY.PEEK[]"),
        )
        .await
    }

    /// Only the header (for a mail too large to download).
    pub async fn fetch_header(&mut self, uid: u32) -> Result<Option<Vec<u8>>, ImapError> {
        let (limit, server) = (self.timeouts.command, self.server.clone());
        let header = self.fetch_part(uid, "BODY.PEEK[HEADER]");
        within(limit, &server, "UID FETCH HEADER", header).await
    }

    /// Only the `Subject` and `Date` lines: what names a mail to the
    /// secretary when the server will not hand over the rest of it.
    pub async fn fetch_subject_date(&mut self, uid: u32) -> Result<Option<Vec<u8>>, ImapError> {
        let (limit, server) = (self.timeouts.command, self.server.clone());
        let fields = self.fetch_part(uid, "BODY.PEEK[HEADER.FIELDS (SUBJECT DATE)]");
        within(limit, &server, "UID FETCH HEADER.FIELDS", fields).await
    }

    /// Err when the server refuses (`NO`/`BAD`) or the connection ends:
    /// never taken for a mail that is gone ([`fetch::one`]).
    async fn fetch_part(&mut self, uid: u32, query: &str) -> Result<Option<Vec<u8>>, ImapError> {
        fetch::one(&mut self.session, uid, query).await
    }

    /// Moves a mail into `folder` (created if missing) and returns where it
    /// now is, when the server says so (UIDPLUS `COPYUID`). A mail that is
    /// already gone counts as moved: the move may have happened before a crash.
    pub async fn move_to(&mut self, uid: u32, folder: &str) -> Result<Option<Filed>, ImapError> {
        let (limit, server) = (self.timeouts.command, self.server.clone());
        within(limit, &server, "UID MOVE", self.move_inner(uid, folder)).await
    }

    async fn move_inner(&mut self, uid: u32, folder: &str) -> Result<Option<Filed>, ImapError> {
        self.ensure_folder(folder).await?;
        self.move_one(uid, folder).await
    }

    /// `UID MOVE` of one mail of the selected folder into an existing
    /// `folder`; where it went, when the server says (`COPYUID`).
    async fn move_one(&mut self, uid: u32, folder: &str) -> Result<Option<Filed>, ImapError> {
        // Only responses to this MOVE may tell where the mail went.
        while self.session.unsolicited_responses.try_recv().is_ok() {}
        if let Err(e) = self.session.uid_mv(uid.to_string(), folder).await {
            let still_here = self
                .session
                .uid_search(format!("UID {uid}"))
                .await?
                .contains(&uid);
            if still_here {
                return Err(e.into());
            }
            return Ok(None);
        }
        let mut filed = None;
        while let Ok(response) = self.session.unsolicited_responses.try_recv() {
            if let async_imap::types::UnsolicitedResponse::Other(data) = response
                && let Some((uid_validity, new_uid)) = copy_uid(data.parsed())
            {
                filed = Some(Filed {
                    folder: folder.to_owned(),
                    uid_validity,
                    uid: new_uid,
                });
            }
        }
        Ok(filed)
    }

    /// Makes sure `folder` exists before a mail is moved there, so that a
    /// folder the server will not create is not taken for a refused move.
    pub async fn prepare_folder(&mut self, folder: &str) -> Result<(), ImapError> {
        let (limit, server) = (self.timeouts.command, self.server.clone());
        within(limit, &server, "CREATE", self.ensure_folder(folder)).await
    }

    async fn ensure_folder(&mut self, folder: &str) -> Result<(), ImapError> {
        if self.created.contains(folder) {
            return Ok(());
        }
        let exists = {
            let names: Vec<_> = self
                .session
                .list(None, Some(folder))
                .await?
                .try_collect()
                .await?;
            names.iter().any(|n| n.name() == folder)
        };
        if !exists {
            self.session.create(folder).await?;
            // Subscribe so the secretary's mail client shows the folder.
            let _ = self.session.subscribe(folder).await;
        }
        self.created.insert(folder.to_owned());
        Ok(())
    }

    /// How many mails `folder` holds (IMAP STATUS, nothing is opened or
    /// marked). A folder that does not exist yet holds none.
    pub async fn count(&mut self, folder: &str) -> Result<u32, ImapError> {
        let (limit, server) = (self.timeouts.command, self.server.clone());
        let status = async {
            match self.session.status(folder, "(MESSAGES)").await {
                Ok(status) => Ok(status.exists),
                Err(e) => {
                    let e = ImapError::from(e);
                    if e.is_refusal() { Ok(0) } else { Err(e) }
                }
            }
        };
        within(limit, &server, "STATUS", status).await
    }

    /// Ends the session politely.
    pub async fn logout(mut self) {
        let _ = tokio::time::timeout(self.timeouts.command, self.session.logout()).await;
    }
}
