//! The SMTP adapter: the only code that builds MIME and speaks SMTP (lettre).
//!
//! It sends one queued outbox mail with the Message-ID fixed when it was
//! queued, threading headers for replies, and `Auto-Submitted:
//! auto-replied` so that well-behaved auto-responders never answer back.

use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{SmtpConfig, TlsMode};
use crate::store::outbox::Queued;

#[derive(Debug, thiserror::Error)]
pub enum SmtpError {
    #[error("cannot build the mail: {0}")]
    Build(String),
    #[error("SMTP: {message}")]
    Send { message: String, permanent: bool },
}

impl SmtpError {
    /// A permanent error (e.g. "no such user") will not go away by retrying.
    pub fn is_permanent(&self) -> bool {
        match self {
            SmtpError::Build(_) => true,
            SmtpError::Send { permanent, .. } => *permanent,
        }
    }
}

/// `Auto-Submitted` (RFC 3834): tells other robots this mail is automatic.
#[derive(Debug, Clone)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-replied".to_owned())
    }
}

/// Sends outbox mails through one SMTP server.
#[derive(Clone)]
pub struct Sender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
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
        // The public roots plus the school's own CA (`smtp.ca_file`).
        let tls_params = || {
            let mut params = TlsParameters::builder(cfg.host.clone());
            if let Some(ca) = &cfg.ca_file {
                let cert = Certificate::from_pem(&ca.pem).map_err(|e| {
                    SmtpError::Build(format!("smtp.ca_file {}: {e}", ca.path.display()))
                })?;
                params = params.add_root_certificate(cert);
            }
            params.build().map_err(|e| SmtpError::Build(e.to_string()))
        };
        let tls = match cfg.tls {
            TlsMode::None => Tls::None,
            TlsMode::Starttls => Tls::Required(tls_params()?),
            TlsMode::Tls => Tls::Wrapper(tls_params()?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(cfg.host.clone())
            .port(cfg.port)
            .tls(tls)
            .timeout(Some(std::time::Duration::from_secs(60)));
        if let Some((user, password)) = &cfg.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
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
            server: (format!("{}:{}", cfg.host, cfg.port), cfg.host.clone()),
        })
    }

    /// The error as one line; a refused certificate names the server, the
    /// problem and `smtp.ca_file`.
    fn describe(&self, e: &lettre::transport::smtp::Error) -> String {
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
        self.transport
            .test_connection()
            .await
            .map_err(|e| SmtpError::Send {
                message: self.describe(&e),
                permanent: e.is_permanent(),
            })
    }

    /// Sends one queued mail.
    pub async fn send(&self, mail: &Queued) -> Result<(), SmtpError> {
        let message = self.build(mail)?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| SmtpError::Send {
                message: self.describe(&e),
                permanent: e.is_permanent(),
            })
    }

    fn build(&self, mail: &Queued) -> Result<Message, SmtpError> {
        let build_err = |e: &dyn std::fmt::Display| SmtpError::Build(e.to_string());
        let to: Mailbox = mail.to.as_str().parse().map_err(|e| build_err(&e))?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .message_id(Some(format!("<{}>", mail.message_id)))
            .header(AutoSubmitted);
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
            for a in &mail.attachments {
                let ct = ContentType::parse(&a.content_type).map_err(|e| build_err(&e))?;
                parts =
                    parts.singlepart(Attachment::new(a.file_name.clone()).body(a.data.clone(), ct));
            }
            builder.multipart(parts)
        };
        message.map_err(|e| build_err(&e))
    }
}
