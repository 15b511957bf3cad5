//! The IMAP login: `LOGIN` with the password, or `AUTHENTICATE XOAUTH2`
//! (or `OAUTHBEARER`, `[oauth2] imap_mechanism`) with an OAuth2 token when
//! `[imap] auth = "oauth2"`. A refused token is forgotten, so the next
//! round asks the IdP for a new one.
//!
//! A refused token gets one line that says what the server answered (its
//! SASL error challenge, e.g. `{"status":"401",…}`) and what to check, since
//! the IdP issued the token and only the mailbox side can be wrong then.

use async_imap::{Authenticator, Client};

use super::{ImapError, ImapSession, Stream};
use crate::config::ImapConfig;
use crate::oauth2::Mechanism;

/// Answers the server's challenges for XOAUTH2 and OAUTHBEARER: the
/// initial response first; an error challenge (JSON) is kept for the
/// message and answered with an empty line (OAUTHBEARER wants `\x01`,
/// Dovecot takes either).
struct Bearer {
    response: Option<String>,
    server_said: Option<String>,
}

impl Authenticator for &mut Bearer {
    type Response = Vec<u8>;

    fn process(&mut self, challenge: &[u8]) -> Vec<u8> {
        match self.response.take() {
            Some(first) => first.into_bytes(),
            None => {
                self.server_said = Some(String::from_utf8_lossy(challenge).into_owned());
                Vec::new()
            }
        }
    }
}

/// Logs in as `cfg.user` with the configured method.
pub(super) async fn login(
    client: Client<Box<dyn Stream>>,
    cfg: &ImapConfig,
) -> Result<ImapSession, ImapError> {
    let Some(tokens) = &cfg.oauth2 else {
        return client
            .login(&cfg.user, &cfg.password)
            .await
            .map_err(|(e, _)| ImapError::Login {
                user: cfg.user.clone(),
                message: crate::provider_hints::explain(e.to_string()),
            });
    };
    let token = tokens.token().await?;
    let mechanism = tokens.mechanism();
    let response = match mechanism {
        Mechanism::Xoauth2 => crate::oauth2::xoauth2(&cfg.user, &token),
        Mechanism::Oauthbearer => {
            crate::oauth2::oauthbearer(&cfg.user, &cfg.host, cfg.port, &token)
        }
    };
    let mut auth = Bearer {
        response: Some(response),
        server_said: None,
    };
    let result = client.authenticate(mechanism.name(), &mut auth).await;
    match result {
        Ok(session) => Ok(session),
        Err((e, _)) => {
            tokens.forget().await;
            Err(ImapError::Login {
                user: cfg.user.clone(),
                message: crate::provider_hints::explain(format!(
                    "the OAuth2 token ({} provider, {}) was refused: {e}{}; check that the token \
                     is for this mailbox ({}.user) and that the app may use it (see README, OAuth2)",
                    tokens.provider_name(),
                    mechanism.name(),
                    auth.server_said
                        .as_deref()
                        .map(|s| format!(" (server said {})", s.trim()))
                        .unwrap_or_default(),
                    cfg.section,
                )),
            })
        }
    }
}
