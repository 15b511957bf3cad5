//! The SMTP login, apart from sending: a sender with a fresh OAuth2 token
//! when `[smtp] auth = "oauth2"`, and a login check before a round sends.
//!
//! Why check first: lettre logs in lazily, at the first mail, and reports a
//! refused login as that mail's error — with a wrong password every queued
//! mail would be charged a failed attempt (535 even reads as permanent). A
//! round that has mail to send logs in once up front instead; a refusal ends
//! the round with one line naming the setting, and the queue stays as it is.

use super::{Sender, SmtpError};
use crate::config::SmtpConfig;

impl Sender {
    /// A sender for one round. With `auth = "oauth2"` it carries a token
    /// valid for a while yet (fetched or cached by the token source).
    pub async fn connect(cfg: &SmtpConfig) -> Result<Sender, SmtpError> {
        let Some(tokens) = &cfg.oauth2 else {
            return Sender::new(cfg);
        };
        let token = tokens.token().await?;
        let mut with_token = cfg.clone();
        with_token.credentials = cfg
            .credentials
            .as_ref()
            .map(|(user, _)| (user.clone(), token.secret().to_owned()));
        Sender::new(&with_token)
    }

    /// The one line for a login the server refused during a round's
    /// session; a refused OAuth2 token is dropped so the next round asks the
    /// IdP for a new one. Anything but a refusal is the server's failure.
    pub(super) async fn refused_login(
        &self,
        user: &str,
        e: &lettre::transport::smtp::Error,
    ) -> SmtpError {
        match describe(user, &self.cfg, e) {
            error @ SmtpError::Login { .. } => {
                if let Some(tokens) = &self.cfg.oauth2 {
                    tokens.forget().await;
                }
                error
            }
            other => SmtpError::Server(format!("login: {other}")),
        }
    }

    /// Logs in (when the config has a login) and keeps the connection for
    /// the sends that follow. A refusal says which setting to check.
    pub async fn check_login(&self, cfg: &SmtpConfig) -> Result<(), SmtpError> {
        let Some((user, _)) = &cfg.credentials else {
            return Ok(());
        };
        match self.transport.test_connection().await {
            Ok(_) => Ok(()),
            Err(e) => {
                let error = describe(user, cfg, &e);
                if let (SmtpError::Login { .. }, Some(tokens)) = (&error, &cfg.oauth2) {
                    // Refused: the next round asks the IdP for a new token.
                    tokens.forget().await;
                }
                Err(error)
            }
        }
    }
}

/// One line for a failed connection or login.
fn describe(user: &str, cfg: &SmtpConfig, e: &lettre::transport::smtp::Error) -> SmtpError {
    let text = e.to_string();
    let refused = e
        .status()
        .is_some_and(|code| matches!(code.to_string().as_str(), "530" | "534" | "535"));
    // With XOAUTH2 a refused token comes back as a 334 error challenge,
    // which lettre reports as "does not expect a challenge".
    let token_refused = cfg.oauth2.is_some() && text.contains("does not expect a challenge");
    if token_refused {
        return SmtpError::Login {
            user: user.to_owned(),
            message: "the server refused the OAuth2 token (XOAUTH2)".into(),
            check: "that the token is for this mailbox (smtp.user), that SMTP AUTH is enabled \
                    for it and that the app may send as it (see README, OAuth2)",
        };
    }
    if refused {
        return SmtpError::Login {
            user: user.to_owned(),
            message: text,
            check: "smtp.user and smtp.password_env/smtp.password_file",
        };
    }
    SmtpError::Send {
        message: format!("{}:{}: {text}", cfg.host, cfg.port),
        permanent: false,
    }
}
