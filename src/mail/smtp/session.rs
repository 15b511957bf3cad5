//! One SMTP conversation for a whole delivery round, step by step.
//!
//! `lettre`'s transport sends a mail in one call, which hides *which* command
//! failed and leaves no moment between `RCPT TO` and `DATA`. The outbox needs
//! both: a refused `MAIL FROM` or login is the server's fault (stop the
//! round, charge no mail), a 5xx at `RCPT TO` is this mail's, a 5xx at
//! `DATA` is told apart ([`SmtpError::DataRefused`], judged by the outbox);
//! and the row is marked `sending` in its own commit right before
//! `DATA` (the crash window). The async transport's timeout only covers the
//! TCP connect, so every step here runs under its own deadline: a server that
//! accepts and never answers fails the round instead of freezing it.

use std::future::Future;
use std::time::Duration;

use lettre::Address;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::AsyncSmtpConnection;
use lettre::transport::smtp::commands::{Data, Mail, Quit, Rcpt, Rset};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};

use super::{Sender, SmtpError};
use crate::config::TlsMode;
use crate::store::outbox::Queued;

/// A logged-in connection, reused for every mail of one round.
pub struct Session {
    conn: AsyncSmtpConnection,
    limit: Duration,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("smtp::Session")
    }
}

/// A mail whose envelope the server accepted: only `DATA` is left.
#[derive(Debug)]
pub struct Accepted {
    bytes: Vec<u8>,
}

/// Runs one step under the deadline; a timeout or a dropped connection is
/// the server's failure, never the mail's.
async fn within<T>(
    limit: Duration,
    what: &str,
    step: impl Future<Output = Result<T, lettre::transport::smtp::Error>>,
) -> Result<T, SmtpError> {
    match tokio::time::timeout(limit, step).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(SmtpError::Server(crate::provider_hints::explain(format!(
            "{what}: {e}"
        )))),
        Err(_) => Err(SmtpError::Server(format!(
            "{what}: no answer within {} s",
            limit.as_secs()
        ))),
    }
}

/// [`within`] for the steps that may fail on TLS: a refused certificate
/// is told as the server, the problem and `smtp.ca_file`.
async fn within_tls<T>(
    sender: &Sender,
    limit: Duration,
    what: &str,
    step: impl Future<Output = Result<T, lettre::transport::smtp::Error>>,
) -> Result<T, SmtpError> {
    match tokio::time::timeout(limit, step).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(SmtpError::Server(format!(
            "{what}: {}",
            sender.describe(&e)
        ))),
        Err(_) => Err(SmtpError::Server(format!(
            "{what}: no answer within {} s",
            limit.as_secs()
        ))),
    }
}

/// What a refusal of this one mail (RCPT TO, DATA) means for it; a broken
/// connection is still the server's failure.
fn refusal(what: &str, e: lettre::transport::smtp::Error) -> SmtpError {
    // Microsoft's `554 5.2.252 SendAsDenied` at DATA says what to change.
    let message = crate::provider_hints::explain(format!("{what}: {e}"));
    // 421: the server is closing the channel, whatever the command was.
    if e.status().is_some_and(|c| c.to_string() == "421") {
        SmtpError::Server(message)
    } else if e.is_permanent() {
        SmtpError::Refused {
            message,
            permanent: true,
        }
    } else if e.is_transient() {
        SmtpError::Refused {
            message,
            permanent: false,
        }
    } else {
        SmtpError::Server(message)
    }
}

/// A permanent refusal at `DATA` is not yet this mail's: see
/// [`SmtpError::DataRefused`].
fn at_data(e: SmtpError) -> SmtpError {
    match e {
        SmtpError::Refused {
            message,
            permanent: true,
        } => SmtpError::DataRefused(message),
        other => other,
    }
}

impl Sender {
    /// Connects, greets, upgrades to TLS and logs in, each under the timeout.
    ///
    /// A login answered with a temporary failure (4xx, e.g. Postfix's
    /// "454 Temporary authentication failure" right after its SASL server,
    /// Dovecot, restarted) is tried once more on a new connection before the
    /// round counts it as the server's failure and backs off.
    pub async fn open(&self) -> Result<Session, SmtpError> {
        match self.open_once().await {
            Err(Retry::Once(e)) => {
                tracing::warn!(error = %e, "SMTP login failed for now; trying once more");
                self.open_once().await.map_err(Retry::into_error)
            }
            other => other.map_err(Retry::into_error),
        }
    }

    async fn open_once(&self) -> Result<Session, Retry> {
        let cfg = &self.cfg;
        let limit = Duration::from_secs(cfg.timeout_secs);
        let hello = ClientId::default();
        // The public roots plus `smtp.ca_file`, as for `mleg check`.
        let params = || super::tls_parameters(cfg);
        let wrapper = match cfg.tls {
            TlsMode::Tls => Some(params()?),
            _ => None,
        };
        let connect = AsyncSmtpConnection::connect_tokio1(
            (cfg.host.as_str(), cfg.port),
            Some(limit),
            &hello,
            wrapper,
            None,
        );
        // A refused certificate is explained: server, problem, `smtp.ca_file`.
        let mut conn = within_tls(self, limit, "connect", connect).await?;
        if cfg.tls == TlsMode::Starttls {
            within_tls(self, limit, "STARTTLS", conn.starttls(params()?, &hello)).await?;
        }
        if let (Some((user, token)), Some(crate::oauth2::Mechanism::Oauthbearer)) =
            (&cfg.credentials, super::login::oauth2_mechanism(cfg))
        {
            let login = super::login::oauthbearer(&mut conn, cfg, user, token);
            return match tokio::time::timeout(limit, login).await {
                Ok(Ok(())) => Ok(Session { conn, limit }),
                Ok(Err(e)) => Err(self.forget_refused(e).await.into()),
                Err(_) => Err(SmtpError::Server(format!(
                    "login: no answer within {} s",
                    limit.as_secs()
                ))
                .into()),
            };
        }
        if let Some((user, password)) = &cfg.credentials {
            // With OAuth2 the password part holds the token (`Sender::connect`).
            let creds = Credentials::new(user.clone(), password.clone());
            let mechanisms: &[Mechanism] = if cfg.oauth2.is_some() {
                &[Mechanism::Xoauth2]
            } else {
                &[Mechanism::Plain, Mechanism::Login]
            };
            match tokio::time::timeout(limit, conn.auth(mechanisms, &creds)).await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) if e.is_transient() => {
                    return Err(Retry::Once(self.refused_login(user, &e).await));
                }
                Ok(Err(e)) => return Err(self.refused_login(user, &e).await.into()),
                Err(_) => {
                    return Err(SmtpError::Server(format!(
                        "login: no answer within {} s",
                        limit.as_secs()
                    ))
                    .into());
                }
            }
        }
        Ok(Session { conn, limit })
    }
}

/// How a failed [`Sender::open`] attempt ends: worth one more try, or not.
enum Retry {
    Once(SmtpError),
    Final(SmtpError),
}

impl Retry {
    fn into_error(self) -> SmtpError {
        match self {
            Retry::Once(e) | Retry::Final(e) => e,
        }
    }
}

impl From<SmtpError> for Retry {
    fn from(e: SmtpError) -> Self {
        Retry::Final(e)
    }
}

impl Session {
    /// `MAIL FROM` and `RCPT TO` for one mail. A refused sender is the
    /// server's failure; a refused recipient is this mail's. The mail's
    /// attachments move into the message (`mail` keeps none): a photo is
    /// held once, encoded, not three times, per session.
    pub async fn envelope(
        &mut self,
        sender: &Sender,
        mail: &mut Queued,
    ) -> Result<Accepted, SmtpError> {
        let message = sender.build(mail)?;
        let mut bytes = message.formatted();
        // Only the bytes wait for the server, not the message they came
        // from nor the spare room of the buffer they grew in.
        drop(message);
        bytes.shrink_to_fit();
        let from: Address = sender.from.email.clone();
        let to: Address = mail
            .to
            .as_str()
            .parse()
            .map_err(|e| SmtpError::Build(format!("recipient: {e}")))?;
        let mut options = Vec::new();
        let info = self.conn.server_info();
        let ascii = |a: &Address| AsRef::<str>::as_ref(a).is_ascii();
        if !(ascii(&from) && ascii(&to)) && info.supports_feature(Extension::SmtpUtfEight) {
            options.push(MailParameter::SmtpUtfEight);
        }
        if !bytes.is_ascii() && info.supports_feature(Extension::EightBitMime) {
            options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        within(
            self.limit,
            "MAIL FROM",
            self.conn.command(Mail::new(Some(from), options)),
        )
        .await?;
        self.command_for_mail("RCPT TO", Rcpt::new(to, vec![]))
            .await?;
        Ok(Accepted { bytes })
    }

    /// `DATA` and the content. A 4xx is this mail's to retry, a 5xx is
    /// [`SmtpError::DataRefused`]; no answer at all after the content went
    /// out is [`SmtpError::Unknown`]: the server may have queued it.
    pub async fn data(&mut self, accepted: Accepted) -> Result<(), SmtpError> {
        self.command_for_mail("DATA", Data).await.map_err(at_data)?;
        // In pieces: lettre copies what it sends to escape leading dots, and
        // a piece at a time is one copy of 64 KiB, not of the whole mail.
        let pieces = accepted.bytes.chunks(64 << 10);
        match tokio::time::timeout(self.limit, self.conn.message_iter(pieces)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) if e.is_permanent() || e.is_transient() => {
                Err(at_data(refusal("end of DATA", e)))
            }
            Ok(Err(e)) => Err(SmtpError::Unknown(e.to_string())),
            Err(_) => Err(SmtpError::Unknown(format!(
                "no answer to the message within {} s",
                self.limit.as_secs()
            ))),
        }
    }

    /// Forgets a refused mail's envelope so the next mail starts clean.
    pub async fn reset(&mut self) -> Result<(), SmtpError> {
        within(self.limit, "RSET", self.conn.command(Rset))
            .await
            .map(|_| ())
    }

    /// Says goodbye (best effort: every mail was already answered).
    pub async fn quit(mut self) {
        let _ = tokio::time::timeout(self.limit, self.conn.command(Quit)).await;
    }

    async fn command_for_mail(
        &mut self,
        what: &str,
        command: impl std::fmt::Display,
    ) -> Result<(), SmtpError> {
        match tokio::time::timeout(self.limit, self.conn.command(command)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(refusal(what, e)),
            Err(_) => Err(SmtpError::Server(format!(
                "{what}: no answer within {} s",
                self.limit.as_secs()
            ))),
        }
    }
}
