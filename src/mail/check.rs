//! `mleg check`: what an IT person needs to see once, per server — reachable,
//! TLS and certificate, the login mechanisms offered, login, and that the
//! SMTP server accepts mleg's From address (MAIL FROM, then RSET: nothing is
//! sent). The IMAP side is the `probe` module of the IMAP adapter, which
//! reports with this module's [`Finding`]; the SMTP TLS version comes from a
//! handshake of its own (`check_tls.rs`), as lettre does not tell it.

use std::time::Duration;

use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, TlsParameters};
use lettre::transport::smtp::commands::{Ehlo, Mail, Rset};
use lettre::transport::smtp::extension::ClientId;

use crate::config::{SmtpConfig, TlsMode};
use crate::mail::tls;

#[path = "check_tls.rs"]
mod check_tls;

/// One line of `mleg check`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub ok: bool,
    pub text: String,
}

impl Finding {
    pub fn good(text: String) -> Finding {
        Finding { ok: true, text }
    }
    pub fn bad(text: String) -> Finding {
        Finding { ok: false, text }
    }
}

const TIMEOUT: Duration = Duration::from_secs(30);

fn params(cfg: &SmtpConfig) -> Result<TlsParameters, String> {
    let mut params = TlsParameters::builder(cfg.host.clone());
    if let Some(ca) = &cfg.ca_file {
        let cert = Certificate::from_pem(&ca.pem)
            .map_err(|e| format!("smtp.ca_file {}: {e}", ca.path.display()))?;
        params = params.add_root_certificate(cert);
    }
    params.build().map_err(|e| e.to_string())
}

fn explain(cfg: &SmtpConfig, e: &lettre::transport::smtp::Error) -> String {
    match tls::find_rustls_error(e) {
        Some(t) => format!("TLS failed: {}", tls::explain(t, &cfg.host, "smtp")),
        None => e.to_string(),
    }
}

async fn open(cfg: &SmtpConfig, hello: &ClientId) -> Result<AsyncSmtpConnection, String> {
    let tls = match cfg.tls {
        TlsMode::None => None,
        _ => Some(params(cfg)?),
    };
    let wrapper = if cfg.tls == TlsMode::Tls {
        tls.clone()
    } else {
        None
    };
    let address = (cfg.host.as_str(), cfg.port);
    let mut conn =
        AsyncSmtpConnection::connect_tokio1(address, Some(TIMEOUT), hello, wrapper, None)
            .await
            .map_err(|e| explain(cfg, &e))?;
    if let (TlsMode::Starttls, Some(tls)) = (cfg.tls, tls) {
        conn.starttls(tls, hello)
            .await
            .map_err(|e| explain(cfg, &e))?;
    }
    Ok(conn)
}

/// When `cfg`'s server certificate expires (None without TLS, or when the
/// handshake fails: the round's own login says why).
pub async fn smtp_cert_expires(cfg: &SmtpConfig) -> Option<chrono::DateTime<chrono::Utc>> {
    check_tls::smtp_tls(cfg).await.ok().flatten()?.not_after
}

/// Every finding about the SMTP server, in order.
pub async fn probe_smtp(cfg: &SmtpConfig) -> Vec<Finding> {
    let name = format!("SMTP {}:{}", cfg.host, cfg.port);
    let hello = ClientId::default();
    let mut conn = match open(cfg, &hello).await {
        Ok(c) => c,
        Err(e) => return vec![Finding::bad(format!("{name}: FAILED: {e}"))],
    };
    let mut out = vec![Finding::good(format!("{name}: OK, reachable"))];
    out.push(Finding::good(if conn.is_encrypted() {
        match check_tls::smtp_tls(cfg).await {
            Ok(Some(t)) => format!("{name}: {}, certificate {}", t.version, t.certificate()),
            // The session itself is encrypted: only the version is unknown.
            other => {
                let why = other.err().map(|e| format!(": {e}")).unwrap_or_default();
                let subject = conn
                    .peer_certificate()
                    .map_or_else(|_| "?".to_owned(), |der| tls::subject(&der));
                format!("{name}: TLS (version not read{why}), certificate {subject}")
            }
        }
    } else {
        format!("{name}: no TLS (tls = \"none\")")
    }));
    let offered = offered_mechanisms(&mut conn).await;
    out.push(Finding::good(format!(
        "{name}: login mechanisms offered: {}",
        if offered.is_empty() {
            "none".to_owned()
        } else {
            offered.join(" ")
        }
    )));
    if let Some((user, password)) = &cfg.credentials {
        // With `auth = "oauth2"` the login is XOAUTH2 or OAUTHBEARER with a
        // fresh token, as the daemon does it; a token that cannot be had is
        // one line.
        let (secret, mechanisms) = match &cfg.oauth2 {
            Some(tokens) => match tokens.token().await {
                Ok(token) => (token.secret().to_owned(), vec![Mechanism::Xoauth2]),
                Err(e) => {
                    out.push(Finding::bad(format!("{name}: OAuth2 token: {e}")));
                    return out;
                }
            },
            None => (password.clone(), vec![Mechanism::Plain, Mechanism::Login]),
        };
        let login = match super::smtp::login::oauth2_mechanism(cfg) {
            Some(crate::oauth2::Mechanism::Oauthbearer) => {
                super::smtp::login::oauthbearer(&mut conn, cfg, user, &secret)
                    .await
                    .map_err(|e| e.to_string())
            }
            _ => {
                let creds = Credentials::new(user.clone(), secret);
                conn.auth(&mechanisms, &creds)
                    .await
                    .map(drop)
                    .map_err(|e| explain(cfg, &e))
            }
        };
        out.push(match login {
            Ok(()) => Finding::good(format!("{name}: login as {user} OK")),
            Err(e) => Finding::bad(format!("{name}: login as {user} FAILED: {e}")),
        });
    }
    out.push(from_accepted(&mut conn, cfg, &name).await);
    let _ = conn.command(Rset).await;
    let _ = conn.quit().await;
    out
}

/// The mechanisms of the server's `AUTH` line, as it wrote them: lettre
/// keeps only the ones it can use itself, and would hide OAUTHBEARER.
async fn offered_mechanisms(conn: &mut AsyncSmtpConnection) -> Vec<String> {
    let hello = Ehlo::new(ClientId::default());
    let Ok(response) = conn.command(hello).await else {
        return Vec::new();
    };
    response
        .message()
        .filter_map(|line| line.strip_prefix("AUTH").map(str::to_owned))
        .flat_map(|rest| {
            rest.trim_start_matches(['=', ' '])
                .split_whitespace()
                .map(str::to_uppercase)
                .collect::<Vec<_>>()
        })
        .fold(Vec::new(), |mut seen, m| {
            // Postfix may write the line twice (`AUTH` and the old `AUTH=`).
            if !seen.contains(&m) {
                seen.push(m);
            }
            seen
        })
}

/// MAIL FROM with mleg's address: refused means every reply would bounce.
async fn from_accepted(conn: &mut AsyncSmtpConnection, cfg: &SmtpConfig, name: &str) -> Finding {
    let from = cfg.from.as_str();
    let address = match from.parse() {
        Ok(a) => a,
        Err(e) => return Finding::bad(format!("{name}: smtp.from {from}: {e}")),
    };
    match conn.command(Mail::new(Some(address), vec![])).await {
        Ok(_) => Finding::good(format!("{name}: accepts From {from}")),
        Err(e) => Finding::bad(format!("{name}: refuses From {from}: {}", explain(cfg, &e))),
    }
}
