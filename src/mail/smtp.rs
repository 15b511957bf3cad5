//! The SMTP adapter: the only code that builds MIME and speaks SMTP (lettre).
//!
//! It builds one queued outbox mail with the Message-ID fixed when it was
//! queued, threading headers for replies, and the RFC 3834 loop guards
//! (`Auto-Submitted`, `X-Auto-Response-Suppress: All`, `X-Loop`) so that
//! well-behaved auto-responders never answer back; [`Session`] (in
//! `smtp/session.rs`) sends it step by step, each step under
//! `[smtp] timeout_secs`, telling a server failure from a refused mail.

use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, Message, Tokio1Executor};

use crate::config::{SmtpConfig, TlsMode};
use crate::store::outbox::Queued;

pub(in crate::mail) mod login;
mod session;
pub use session::{Accepted, Session};

#[derive(Debug, thiserror::Error)]
pub enum SmtpError {
    #[error("cannot build the mail: {0}")]
    Build(String),
    #[error("SMTP: {message}")]
    Send { message: String, permanent: bool },
    /// The server refused the login: nothing can be sent until the
    /// setting it names is fixed; the mails wait in the outbox.
    #[error("SMTP login as {user} refused: {message}; {check}")]
    Login {
        user: String,
        message: String,
        check: &'static str,
    },
    /// No OAuth2 token could be had (`auth = "oauth2"`).
    #[error("SMTP login: {0}")]
    Token(#[from] crate::oauth2::OAuth2Error),
    /// The server cannot be used now (connect, TLS, login, a refused
    /// sender, no answer in time): no mail is to blame.
    #[error("SMTP server: {0}")]
    Server(String),
    /// The server refused this one mail (`RCPT TO`; a 4xx at `DATA`).
    #[error("SMTP refused the mail: {message}")]
    Refused { message: String, permanent: bool },
    /// A 5xx at `DATA` or to the content. Alone it does not say whose fault
    /// it is: a server that refuses every mail there (Microsoft 365's
    /// `554 5.2.252 SendAsDenied`) looks the same for each mail. The outbox
    /// judges it by the next mail (`outbox::data_refused`).
    #[error("SMTP refused the mail at DATA: {0}")]
    DataRefused(String),
    /// The content went out but no answer came: the server may have queued it.
    #[error("SMTP: no answer after the message was sent: {0}")]
    Unknown(String),
}

impl SmtpError {
    /// A permanent error (e.g. "no such user") will not go away by retrying.
    pub fn is_permanent(&self) -> bool {
        match self {
            SmtpError::Build(_) => true,
            SmtpError::Send { permanent, .. } | SmtpError::Refused { permanent, .. } => *permanent,
            SmtpError::Login { .. }
            | SmtpError::Token(_)
            | SmtpError::Server(_)
            | SmtpError::DataRefused(_)
            | SmtpError::Unknown(_) => false,
        }
    }

    /// The server, not one mail, is at fault: stop the round, charge nobody.
    pub fn is_server_failure(&self) -> bool {
        matches!(
            self,
            SmtpError::Server(_)
                | SmtpError::Unknown(_)
                | SmtpError::Login { .. }
                | SmtpError::Token(_)
        )
    }
}

/// Declares a plain header `$name` carrying its value as a string.
macro_rules! text_header {
    ($(#[$doc:meta])* $ty:ident, $name:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        struct $ty(String);

        impl Header for $ty {
            fn name() -> HeaderName {
                HeaderName::new_from_ascii_str($name)
            }
            fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
                Ok($ty(s.to_owned()))
            }
            fn display(&self) -> HeaderValue {
                HeaderValue::new(Self::name(), self.0.clone())
            }
        }
    };
}

text_header!(
    /// `Auto-Submitted` (RFC 3834): `auto-replied` for an answer to a mail,
    /// `auto-generated` for a notification or reminder.
    AutoSubmitted,
    "Auto-Submitted"
);
text_header!(
    /// `X-Auto-Response-Suppress: All`: Exchange/Outlook send no out-of-office back.
    AutoResponseSuppress,
    "X-Auto-Response-Suppress"
);
text_header!(
    /// `X-Loop: <mleg's address>`: a mail carrying it back is a loop.
    XLoop,
    "X-Loop"
);

/// The public roots plus the school's own CA (`smtp.ca_file`).
pub(crate) fn tls_parameters(cfg: &SmtpConfig) -> Result<TlsParameters, SmtpError> {
    let mut params = TlsParameters::builder(cfg.host.clone());
    if let Some(ca) = &cfg.ca_file {
        let cert = Certificate::from_pem(&ca.pem)
            .map_err(|e| SmtpError::Build(format!("smtp.ca_file {}: {e}", ca.path.display())))?;
        params = params.add_root_certificate(cert);
    }
    params.build().map_err(|e| SmtpError::Build(e.to_string()))
}

/// Sends outbox mails through one SMTP server.
#[derive(Clone)]
pub struct Sender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// For [`Sender::open`], which speaks SMTP step by step.
    cfg: SmtpConfig,
    /// `host:port` and host, so a refused certificate is explained.
    server: (String, String),
}

impl std::fmt::Debug for Sender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("smtp::Sender")
    }
}

impl Sender {
    pub fn new(cfg: &SmtpConfig) -> Result<Sender, SmtpError> {
        let tls_params = || tls_parameters(cfg);
        let tls = match cfg.tls {
            TlsMode::None => Tls::None,
            TlsMode::Starttls => Tls::Required(tls_params()?),
            TlsMode::Tls => Tls::Wrapper(tls_params()?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(cfg.host.clone())
            .port(cfg.port)
            .tls(tls)
            .timeout(Some(std::time::Duration::from_secs(cfg.timeout_secs)));
        if let Some((user, password)) = &cfg.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        if cfg.oauth2.is_some() {
            // The password part of `credentials` holds the token (see `Sender::connect`).
            builder = builder.authentication(vec![Mechanism::Xoauth2]);
        }
        let name = (!cfg.from_name.is_empty()).then(|| cfg.from_name.clone());
        let from_address = cfg
            .from
            .as_str()
            .parse()
            .map_err(|e| SmtpError::Build(format!("smtp.from: {e}")))?;
        Ok(Sender {
            transport: builder.build(),
            from: Mailbox::new(name, from_address),
            cfg: cfg.clone(),
            server: (format!("{}:{}", cfg.host, cfg.port), cfg.host.clone()),
        })
    }

    /// The error as one line; a refused certificate names the server, the
    /// problem and `smtp.ca_file`.
    pub(crate) fn describe(&self, e: &lettre::transport::smtp::Error) -> String {
        match crate::mail::tls::find_rustls_error(e) {
            Some(tls) => format!(
                "server {}: TLS failed: {}",
                self.server.0,
                crate::mail::tls::explain(tls, &self.server.1, "smtp")
            ),
            None => e.to_string(),
        }
    }

    /// Checks that the server answers (for `mleg check`).
    pub async fn test_connection(&self) -> Result<bool, SmtpError> {
        // lettre's own timeout covers the TCP connect only.
        let limit = std::time::Duration::from_secs(self.cfg.timeout_secs.saturating_mul(2));
        tokio::time::timeout(limit, self.transport.test_connection())
            .await
            .map_err(|_| SmtpError::Server("no answer in time".into()))?
            .map_err(|e| SmtpError::Send {
                message: self.describe(&e),
                permanent: e.is_permanent(),
            })
    }

    fn build(&self, mail: &mut Queued) -> Result<Message, SmtpError> {
        let build_err = |e: &dyn std::fmt::Display| SmtpError::Build(e.to_string());
        let to: Mailbox = mail.to.as_str().parse().map_err(|e| build_err(&e))?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .message_id(Some(format!("<{}>", mail.message_id)))
            .header(AutoSubmitted(
                if mail.in_reply_to.is_some() {
                    "auto-replied"
                } else {
                    "auto-generated"
                }
                .into(),
            ))
            .header(AutoResponseSuppress("All".into()))
            .header(XLoop(self.from.email.to_string()));
        if let Some(parent) = &mail.in_reply_to {
            builder = builder.in_reply_to(format!("<{parent}>"));
        }
        if !mail.references.is_empty() {
            let refs: Vec<String> = mail.references.iter().map(|r| format!("<{r}>")).collect();
            builder = builder.references(refs.join(" "));
        }
        let text = SinglePart::plain(mail.body.clone());
        let message = if mail.attachments.is_empty() {
            builder.singlepart(text)
        } else {
            let mut parts = MultiPart::mixed().singlepart(text);
            for a in std::mem::take(&mut mail.attachments) {
                let ct = ContentType::parse(&a.content_type).map_err(|e| build_err(&e))?;
                parts = parts.singlepart(Attachment::new(a.file_name).body(a.data, ct));
            }
            builder.multipart(parts)
        };
        message.map_err(|e| build_err(&e))
    }
}
