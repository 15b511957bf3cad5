//! Opening an IMAP connection that cannot hang.
//!
//! Every step — TCP connect, TLS handshake, greeting, STARTTLS, login and
//! each later command — runs under a deadline ([`within`]), so a server that
//! accepts and then says nothing (a half-open connection, a stuck proxy)
//! fails the round instead of freezing the daemon. TCP keepalive lets the
//! kernel notice a peer that vanished while a connection sits idle.

use std::future::Future;
use std::time::Duration;

use async_imap::Client;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::rustls::pki_types::ServerName;

use super::{ImapError, Stream};
use crate::config::{ImapConfig, TlsMode};
use crate::mail::tls::{self, TlsInfo};

/// A client that has read the greeting, with what TLS it negotiated.
pub(super) type Opened = (Client<Box<dyn Stream>>, Option<TlsInfo>);

/// Idle time before the first keepalive probe, and between probes.
const KEEPALIVE_IDLE: Duration = Duration::from_secs(60);
const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(15);

/// Runs `step`, failing with [`ImapError::Timeout`] after `limit`.
pub(super) async fn within<T>(
    limit: Duration,
    server: &str,
    what: &'static str,
    step: impl Future<Output = Result<T, ImapError>>,
) -> Result<T, ImapError> {
    tokio::time::timeout(limit, step)
        .await
        .map_err(|_| ImapError::Timeout {
            server: server.to_owned(),
            what,
            secs: limit.as_secs(),
        })?
}

/// `host:port`, as error messages name the server.
pub(super) fn server(cfg: &ImapConfig) -> String {
    format!("{}:{}", cfg.host, cfg.port)
}

async fn tcp(cfg: &ImapConfig) -> Result<TcpStream, ImapError> {
    let stream = TcpStream::connect((cfg.host.as_str(), cfg.port))
        .await
        .map_err(|source| ImapError::Connect {
            addr: server(cfg),
            source,
        })?;
    let keepalive = socket2::TcpKeepalive::new()
        .with_time(KEEPALIVE_IDLE)
        .with_interval(KEEPALIVE_INTERVAL);
    if let Err(e) = socket2::SockRef::from(&stream).set_tcp_keepalive(&keepalive) {
        // Not fatal: the command timeouts still bound every wait.
        tracing::warn!(error = %e, "cannot turn on TCP keepalive for IMAP");
    }
    Ok(stream)
}

async fn tls_wrap<S: AsyncRead + AsyncWrite + Unpin>(
    cfg: &ImapConfig,
    stream: S,
) -> Result<(tokio_rustls::client::TlsStream<S>, TlsInfo), ImapError> {
    let failed = |message: String| ImapError::Tls {
        server: server(cfg),
        message,
    };
    let config = tls::client_config(cfg.ca_file.as_ref()).map_err(failed)?;
    let name = ServerName::try_from(cfg.host.clone()).map_err(|e| failed(e.to_string()))?;
    tokio_rustls::TlsConnector::from(config)
        .connect(name, stream)
        .await
        .map_err(|e| {
            failed(match tls::find_rustls_error(&e) {
                Some(r) => tls::explain(r, &cfg.host, cfg.section),
                None => e.to_string(),
            })
        })
        .map(|stream| {
            let info = tls::describe(stream.get_ref().1);
            (stream, info)
        })
}

/// Reads the server greeting (async-imap does not read it by itself).
async fn greeting<S: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send>(
    client: &mut Client<S>,
) -> Result<(), ImapError> {
    client
        .read_response()
        .await
        .map_err(|_| ImapError::Closed)?
        .ok_or(ImapError::Closed)?;
    Ok(())
}

/// Opens a client according to the TLS mode and reads the greeting, each
/// step bounded by the command timeout.
pub(super) async fn open_client(cfg: &ImapConfig) -> Result<Opened, ImapError> {
    let limit = cfg.timeouts.command;
    let srv = server(cfg);
    let tcp = within(limit, &srv, "connect", tcp(cfg)).await?;
    let (stream, info): (Box<dyn Stream>, _) = match cfg.tls {
        TlsMode::None => (Box::new(tcp), None),
        TlsMode::Tls => {
            let (stream, info) = within(limit, &srv, "TLS handshake", tls_wrap(cfg, tcp)).await?;
            (Box::new(stream), Some(info))
        }
        TlsMode::Starttls => {
            let mut plain = Client::new(tcp);
            within(limit, &srv, "greeting", greeting(&mut plain)).await?;
            within(limit, &srv, "STARTTLS", async {
                Ok(plain.run_command_and_check_ok("STARTTLS", None).await?)
            })
            .await?;
            let (upgraded, info) = within(
                limit,
                &srv,
                "TLS handshake",
                tls_wrap(cfg, plain.into_inner()),
            )
            .await?;
            // After STARTTLS there is no second greeting.
            return Ok((
                Client::new(Box::new(upgraded) as Box<dyn Stream>),
                Some(info),
            ));
        }
    };
    let mut client = Client::new(stream);
    within(limit, &srv, "greeting", greeting(&mut client)).await?;
    Ok((client, info))
}
