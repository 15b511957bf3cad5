//! The negotiated TLS version of the SMTP server, for `mleg check`: lettre
//! does not expose it, so a short connection of our own does the handshake
//! the way lettre would (TLS from the first byte, or greeting, EHLO and
//! STARTTLS first), with the same trust (`tls::client_config`), reads the
//! version and the certificate, and closes. Nothing is sent after it.

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_rustls::rustls::pki_types::ServerName;

use crate::config::{SmtpConfig, TlsMode};
use crate::mail::tls::{self, TlsInfo};

/// The TLS version and certificate subject of `cfg`'s server; `None` with
/// `tls = "none"`. An error is one line for the `mleg check` output.
pub(super) async fn smtp_tls(cfg: &SmtpConfig) -> Result<Option<TlsInfo>, String> {
    if cfg.tls == TlsMode::None {
        return Ok(None);
    }
    let limit = Duration::from_secs(cfg.timeout_secs);
    tokio::time::timeout(limit, handshake(cfg))
        .await
        .map_err(|_| format!("no answer within {} s", cfg.timeout_secs))?
        .map(Some)
}

async fn handshake(cfg: &SmtpConfig) -> Result<TlsInfo, String> {
    let mut tcp = TcpStream::connect((cfg.host.as_str(), cfg.port))
        .await
        .map_err(|e| e.to_string())?;
    if cfg.tls == TlsMode::Starttls {
        starttls(&mut tcp).await?;
    }
    let config = tls::client_config(cfg.ca_file.as_ref())?;
    let name = ServerName::try_from(cfg.host.clone()).map_err(|e| e.to_string())?;
    let mut stream = tokio_rustls::TlsConnector::from(config)
        .connect(name, tcp)
        .await
        .map_err(|e| match tls::find_rustls_error(&e) {
            Some(r) => tls::explain(r, &cfg.host, "smtp"),
            None => e.to_string(),
        })?;
    let info = tls::describe(stream.get_ref().1);
    // A polite end: QUIT, then close_notify. Its answer does not matter.
    let _ = stream.write_all(b"QUIT\r\n").await;
    let _ = stream.shutdown().await;
    Ok(info)
}

/// Greeting, EHLO, STARTTLS (RFC 3207): the plain part before the handshake.
async fn starttls(tcp: &mut TcpStream) -> Result<(), String> {
    let mut conn = BufReader::new(tcp);
    reply(&mut conn, "220").await?;
    let hello = lettre::transport::smtp::extension::ClientId::default();
    conn.get_mut()
        .write_all(format!("EHLO {hello}\r\n").as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    reply(&mut conn, "250").await?;
    conn.get_mut()
        .write_all(b"STARTTLS\r\n")
        .await
        .map_err(|e| e.to_string())?;
    // The server says nothing more until the handshake: no byte is left
    // in the buffer when it is dropped.
    reply(&mut conn, "220").await
}

/// Reads one (possibly multi-line) reply; it must have code `want`.
async fn reply(conn: &mut BufReader<&mut TcpStream>, want: &str) -> Result<(), String> {
    loop {
        let mut line = String::new();
        let n = conn.read_line(&mut line).await.map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("the server closed the connection".into());
        }
        if !line.starts_with(want) {
            return Err(format!("the server answered {:?}", line.trim_end()));
        }
        // "250-…" continues, "250 …" is the last line.
        if line.as_bytes().get(3) != Some(&b'-') {
            return Ok(());
        }
    }
}
