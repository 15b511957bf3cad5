//! The IMAP login: `LOGIN` with the password, or `AUTHENTICATE XOAUTH2`
//! with an OAuth2 token when `[imap] auth = "oauth2"`.
//!
//! A refused token gets one line that says what the server answered (its
//! SASL error challenge, e.g. `{"status":"401",…}`) and what to check, since
//! the IdP issued the token and only the mailbox side can be wrong then.

use async_imap::{Authenticator, Client};

use super::{ImapError, ImapSession, Stream};
use crate::config::ImapConfig;

/// Answers the server's challenges for XOAUTH2: the initial response
/// first; an error challenge (JSON) is kept for the message and answered
/// with an empty line, as the mechanism wants.
struct Xoauth2 {
    response: Option<String>,
    server_said: Option<String>,
}

impl Authenticator for &mut Xoauth2 {
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
                message: e.to_string(),
            });
    };
    let token = tokens.token().await?;
    let mut auth = Xoauth2 {
        response: Some(crate::oauth2::xoauth2(&cfg.user, &token)),
        server_said: None,
    };
    client
        .authenticate("XOAUTH2", &mut auth)
        .await
        .map_err(|(e, _)| ImapError::Login {
            user: cfg.user.clone(),
            message: format!(
                "the OAuth2 token ({} provider) was refused: {e}{}; check that the token is for \
                 this mailbox (imap.user) and that the app may use it (see README, OAuth2)",
                tokens.provider_name(),
                auth.server_said
                    .as_deref()
                    .map(|s| format!(" (server said {})", s.trim()))
                    .unwrap_or_default()
            ),
        })
}
