//! The SMTP login, apart from sending: a sender with a fresh OAuth2 token
//! when `[smtp] auth = "oauth2"`, and a login check before a round sends.
//!
//! Why check first: lettre logs in lazily, at the first mail, and reports a
//! refused login as that mail's error — with a wrong password every queued
//! mail would be charged a failed attempt (535 even reads as permanent). A
//! round that has mail to send logs in once up front instead; a refusal ends
//! the round with one line naming the setting, and the queue stays as it is.

use base64::Engine as _;
use lettre::transport::smtp::client::AsyncSmtpConnection;

use super::{Sender, SmtpError};
use crate::config::SmtpConfig;
use crate::oauth2::{AccessToken, Mechanism};

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

    /// A refused OAUTHBEARER token is dropped like a refused XOAUTH2 one.
    pub(super) async fn forget_refused(&self, e: SmtpError) -> SmtpError {
        if let (SmtpError::Login { .. }, Some(tokens)) = (&e, &self.cfg.oauth2) {
            tokens.forget().await;
        }
        e
    }

    /// Logs in the way a delivery round does (when the config has a login)
    /// and says goodbye. A refusal says which setting to check.
    pub async fn check_login(&self, cfg: &SmtpConfig) -> Result<(), SmtpError> {
        if cfg.credentials.is_none() {
            return Ok(());
        }
        self.open().await?.quit().await;
        Ok(())
    }
}

/// The SMTP mechanism of an OAuth2 login (`[oauth2] smtp_mechanism`).
pub(in crate::mail) fn oauth2_mechanism(cfg: &SmtpConfig) -> Option<Mechanism> {
    cfg.oauth2.as_ref().map(|t| t.smtp_mechanism())
}

/// `AUTH OAUTHBEARER` (RFC 7628) on an open connection: lettre knows only
/// XOAUTH2. A refused token comes back as a 334 with the server's JSON
/// reason; the client answers with a lone ^A and the server then says 535.
pub(in crate::mail) async fn oauthbearer(
    conn: &mut AsyncSmtpConnection,
    cfg: &SmtpConfig,
    user: &str,
    token: &str,
) -> Result<(), SmtpError> {
    let token = AccessToken::new(token.to_owned());
    let initial = crate::oauth2::oauthbearer(user, &cfg.host, cfg.port, &token);
    let encoded = base64::engine::general_purpose::STANDARD.encode(initial);
    let refused = |answer: String| SmtpError::Login {
        user: user.to_owned(),
        message: format!("the server refused the OAuth2 token (OAUTHBEARER): {answer}"),
        check: "check that the token is for this mailbox (smtp.user) and that the server takes \
                OAUTHBEARER (else smtp_mechanism = \"xoauth2\" in [oauth2])",
    };
    let response = match conn
        .command(Line(format!("AUTH OAUTHBEARER {encoded}")))
        .await
    {
        Ok(response) => response,
        Err(e) => return Err(bearer_error(e, refused)),
    };
    if response.has_code(235) {
        return Ok(());
    }
    // 334: the reason, base64 JSON (e.g. {"status":"invalid_token"}).
    let reason = response
        .first_word()
        .and_then(|w| base64::engine::general_purpose::STANDARD.decode(w).ok())
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_else(|| response.code().to_string());
    match conn.command(Line("AQ==".into())).await {
        Ok(_) => Err(refused(reason)),
        Err(e) if e.is_transient() => Err(bearer_error(e, refused)),
        Err(_) => Err(refused(reason)),
    }
}

/// A refusal (5xx) is the token's; anything else is the server's failure.
fn bearer_error(
    e: lettre::transport::smtp::Error,
    refused: impl Fn(String) -> SmtpError,
) -> SmtpError {
    if e.is_permanent() {
        refused(e.to_string())
    } else {
        SmtpError::Server(format!("login: {e}"))
    }
}

/// One raw command line (lettre's own commands end in CRLF the same way).
struct Line(String);

impl std::fmt::Display for Line {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}\r\n", self.0)
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
            check: "check that the token is for this mailbox (smtp.user), that SMTP AUTH is enabled \
                    for it and that the app may send as it (see README, OAuth2)",
        };
    }
    // A provider's own words (Microsoft's `550 5.7.30`, `535 5.7.139`) say
    // more than "check the password": what to change.
    let advice = crate::provider_hints::advice(&text);
    if refused || advice.is_some() {
        return SmtpError::Login {
            user: user.to_owned(),
            message: text,
            check: advice.unwrap_or("check smtp.user and smtp.password_env/smtp.password_file"),
        };
    }
    SmtpError::Send {
        message: format!("{}:{}: {text}", cfg.host, cfg.port),
        permanent: false,
    }
}
