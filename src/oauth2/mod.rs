//! OAuth2 access tokens for the mail logins (SASL XOAUTH2 / OAUTHBEARER).
//!
//! Microsoft 365 and Google Workspace no longer take passwords for IMAP and
//! SMTP: a daemon signs in as an app and gets a short-lived bearer token from
//! the school's identity provider (IdP). [`TokenSource`] fetches one with the
//! configured [`Provider`] (`providers.rs`: Microsoft client credentials,
//! Google service account or refresh token, or any IdP's client-credentials
//! grant), keeps it in memory until shortly before it expires and fetches the
//! next one when a login needs it, so a running daemon never restarts for a
//! new token. Tokens and client secrets are never logged: [`AccessToken`] and
//! [`Provider`] print as redacted, and a refusal names only what the IdP
//! answered and which setting to check.

use std::sync::Arc;
use std::time::{Duration, Instant};

mod http;
mod jwt;
mod providers;

pub use jwt::{RsaKey, x5t};
pub use providers::{GOOGLE_SCOPE, GoogleAuth, MICROSOFT_SCOPE, MicrosoftAuth, Provider};

/// Why no token could be had. Each message is one line for the IT person.
#[derive(Debug, thiserror::Error)]
pub enum OAuth2Error {
    /// The IdP answered with an OAuth2 error (wrong secret, no consent, …).
    #[error("OAuth2 token request to {url} refused (HTTP {status}): {error}{description}; {check}")]
    Refused {
        url: String,
        status: u16,
        error: String,
        /// `": "` + the IdP's `error_description`, or empty.
        description: String,
        /// What to do: the provider's own error explained, or "check" and
        /// the settings to look at, named in the token source's table.
        check: String,
    },
    #[error("OAuth2 token endpoint {url} unreachable: {message}")]
    Unreachable { url: String, message: String },
    #[error("OAuth2 token endpoint {url} answered something that is not a token: {message}")]
    BadAnswer { url: String, message: String },
    #[error("OAuth2: cannot sign the client assertion: {0}; check {1}")]
    Sign(String, &'static str),
}

/// A bearer token. Its `Debug` never shows it; [`AccessToken::secret`] is
/// for the one place that puts it on the wire.
#[derive(Clone)]
pub struct AccessToken(String);

impl AccessToken {
    pub fn new(token: String) -> AccessToken {
        AccessToken(token)
    }

    /// The token itself, to be sent to the mail server (never logged).
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AccessToken(<{} bytes, redacted>)", self.0.len())
    }
}

/// A token as fetched, with how long the IdP said it lives.
#[derive(Debug)]
pub struct Fetched {
    pub token: AccessToken,
    pub expires_in: Duration,
}

/// Hands out a valid token, fetching a new one only when the cached one is
/// about to expire. Cheap to clone: clones share the cache, so IMAP and
/// SMTP use one token.
#[derive(Clone)]
pub struct TokenSource {
    inner: Arc<Inner>,
}

struct Inner {
    provider: Provider,
    /// The config table the provider's keys are in (`oauth2`, or
    /// `staff_mailbox.oauth2`), so a refusal names the keys to fix.
    table: &'static str,
    /// The SASL mechanism of the IMAP login.
    mechanism: Mechanism,
    /// The SASL mechanism of the SMTP login.
    smtp_mechanism: Mechanism,
    /// A tokio mutex: concurrent logins wait for one fetch instead of each
    /// asking the IdP.
    cache: tokio::sync::Mutex<Option<Cached>>,
}

struct Cached {
    token: AccessToken,
    /// When to fetch a new one (a margin before the real expiry).
    refresh_at: Instant,
}

impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TokenSource({:?})", self.inner.provider)
    }
}

/// The SASL mechanism a token is sent with (`imap_mechanism`,
/// `smtp_mechanism`). Microsoft 365 and Gmail take XOAUTH2; OAUTHBEARER is
/// the standard one other servers (Dovecot, Postfix through it) offer too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mechanism {
    /// Google's and Microsoft's mechanism (the default).
    #[default]
    Xoauth2,
    /// The standard one (RFC 7628).
    Oauthbearer,
}

impl Mechanism {
    pub fn name(self) -> &'static str {
        match self {
            Mechanism::Xoauth2 => "XOAUTH2",
            Mechanism::Oauthbearer => "OAUTHBEARER",
        }
    }
}

/// How long before the IdP's expiry a token is replaced: a fifth of its
/// life, at most a minute, so a login never carries a token that expires
/// on the way (the usual hour-long token is renewed a minute early).
fn refresh_margin(expires_in: Duration) -> Duration {
    (expires_in / 5).min(Duration::from_secs(60))
}

impl TokenSource {
    pub fn new(provider: Provider, mechanism: Mechanism) -> TokenSource {
        TokenSource::in_table(provider, [mechanism, mechanism], "oauth2")
    }

    /// Like `new`, for a provider configured in another table than
    /// `[oauth2]`, with the IMAP and the SMTP mechanism in that order.
    pub fn in_table(
        provider: Provider,
        [mechanism, smtp_mechanism]: [Mechanism; 2],
        table: &'static str,
    ) -> TokenSource {
        TokenSource {
            inner: Arc::new(Inner {
                provider,
                table,
                mechanism,
                smtp_mechanism,
                cache: tokio::sync::Mutex::new(None),
            }),
        }
    }

    /// The provider's name, for messages ("microsoft", "google", "custom").
    pub fn provider_name(&self) -> &'static str {
        self.inner.provider.name()
    }

    /// The SASL mechanism IMAP logs in with.
    pub fn mechanism(&self) -> Mechanism {
        self.inner.mechanism
    }

    /// The SASL mechanism SMTP logs in with.
    pub fn smtp_mechanism(&self) -> Mechanism {
        self.inner.smtp_mechanism
    }

    /// Drops the cached token, so the next login fetches a new one: for a
    /// token the mail server refused (revoked, or the IdP rotated its keys).
    pub async fn forget(&self) {
        *self.inner.cache.lock().await = None;
    }

    /// A token valid for a while yet: the cached one, or a new one.
    pub async fn token(&self) -> Result<AccessToken, OAuth2Error> {
        let mut cache = self.inner.cache.lock().await;
        if let Some(cached) = cache.as_ref()
            && Instant::now() < cached.refresh_at
        {
            return Ok(cached.token.clone());
        }
        let inner = Arc::clone(&self.inner);
        // The HTTP client blocks: keep it off the async worker threads.
        let fetched = tokio::task::spawn_blocking(move || inner.provider.fetch())
            .await
            .map_err(|e| OAuth2Error::Unreachable {
                url: self.inner.provider.token_url(),
                message: e.to_string(),
            })?
            .map_err(|e| self.name_keys(e))?;
        let refresh_at = Instant::now() + fetched.expires_in - refresh_margin(fetched.expires_in);
        tracing::info!(
            provider = self.provider_name(),
            expires_in_secs = fetched.expires_in.as_secs(),
            "OAuth2 token fetched"
        );
        *cache = Some(Cached {
            token: fetched.token.clone(),
            refresh_at,
        });
        Ok(fetched.token)
    }
}

#[cfg(test)]
impl TokenSource {
    /// Whether `other` is a clone of this source (one cached token).
    pub(crate) fn same_as(&self, other: &TokenSource) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// The mailbox a Google service account acts for, if it is one.
    pub(crate) fn google_subject(&self) -> Option<&str> {
        match &self.inner.provider {
            Provider::Google {
                auth: GoogleAuth::ServiceAccount { subject, .. },
                ..
            } => Some(subject),
            _ => None,
        }
    }
}

impl TokenSource {
    /// The providers name `[oauth2]`'s keys; another table's are renamed.
    fn name_keys(&self, mut e: OAuth2Error) -> OAuth2Error {
        let table = self.inner.table;
        if let OAuth2Error::Refused { check, .. } = &mut e
            && table != "oauth2"
        {
            *check = check
                .replace("oauth2.", &format!("{table}."))
                .replace("[oauth2]", &format!("[{table}]"));
        }
        e
    }
}

/// The SASL XOAUTH2 initial response (Google's and Microsoft's format).
pub fn xoauth2(user: &str, token: &AccessToken) -> String {
    format!("user={user}\x01auth=Bearer {}\x01\x01", token.secret())
}

/// The SASL OAUTHBEARER initial response (RFC 7628).
pub fn oauthbearer(user: &str, host: &str, port: u16, token: &AccessToken) -> String {
    format!(
        "n,a={user},\x01host={host}\x01port={port}\x01auth=Bearer {}\x01\x01",
        token.secret()
    )
}

#[cfg(test)]
mod tests;
