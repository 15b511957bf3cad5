//! What each identity provider wants in a token request.
//!
//! - Microsoft (Entra ID): the client-credentials grant of a daemon app, with
//!   a client secret or a certificate (an RS256 client assertion), scope
//!   `https://outlook.office365.com/.default`.
//! - Google: a service account with domain-wide delegation (an RS256
//!   JWT-bearer grant whose `sub` is the mailbox), scope
//!   `https://mail.google.com/`; or an installed app's refresh token.
//! - Custom: any IdP's client-credentials grant (token URL, client id and
//!   secret, scope); the test suite's token endpoint is one.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::json;

use super::jwt::RsaKey;
use super::{Fetched, OAuth2Error, http};

/// The Microsoft scope for IMAP and SMTP of Exchange Online.
pub const MICROSOFT_SCOPE: &str = "https://outlook.office365.com/.default";
/// The Google scope for IMAP and SMTP of Gmail.
pub const GOOGLE_SCOPE: &str = "https://mail.google.com/";
const GOOGLE_TOKEN_URL: &str = "https://oauth2.googleapis.com/token";
const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How the app proves itself to Entra ID.
#[derive(Clone)]
pub enum MicrosoftAuth {
    Secret(String),
    /// The certificate uploaded to the app registration, and its key.
    Certificate {
        x5t: String,
        key: RsaKey,
    },
}

/// How mleg gets Google tokens.
#[derive(Clone)]
pub enum GoogleAuth {
    /// A service-account key with domain-wide delegation; `subject` is the
    /// mailbox it acts for.
    ServiceAccount {
        client_email: String,
        key_id: String,
        key: RsaKey,
        token_url: String,
        subject: String,
    },
    /// An installed app's refresh token for the mailbox.
    RefreshToken {
        client_id: String,
        client_secret: String,
        refresh_token: String,
    },
}

/// A configured identity provider, secrets resolved.
#[derive(Clone)]
pub enum Provider {
    Microsoft {
        tenant_id: String,
        client_id: String,
        auth: MicrosoftAuth,
        scope: String,
    },
    Google {
        auth: GoogleAuth,
        scope: String,
    },
    Custom {
        token_url: String,
        client_id: String,
        client_secret: String,
        scope: Option<String>,
    },
}

impl std::fmt::Debug for Provider {
    // Only what identifies the app; never a secret or key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Provider::Microsoft {
                tenant_id,
                client_id,
                ..
            } => write!(f, "microsoft(tenant {tenant_id}, client {client_id})"),
            Provider::Google { auth, .. } => match auth {
                GoogleAuth::ServiceAccount { client_email, .. } => {
                    write!(f, "google(service account {client_email})")
                }
                GoogleAuth::RefreshToken { client_id, .. } => {
                    write!(f, "google(refresh token, client {client_id})")
                }
            },
            Provider::Custom {
                token_url,
                client_id,
                ..
            } => write!(f, "custom({token_url}, client {client_id})"),
        }
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl Provider {
    pub fn name(&self) -> &'static str {
        match self {
            Provider::Microsoft { .. } => "microsoft",
            Provider::Google { .. } => "google",
            Provider::Custom { .. } => "custom",
        }
    }

    /// Where tokens are requested (no secret in it).
    pub fn token_url(&self) -> String {
        match self {
            Provider::Microsoft { tenant_id, .. } => {
                format!("https://login.microsoftonline.com/{tenant_id}/oauth2/v2.0/token")
            }
            Provider::Google {
                auth: GoogleAuth::ServiceAccount { token_url, .. },
                ..
            } => token_url.clone(),
            Provider::Google { .. } => GOOGLE_TOKEN_URL.into(),
            Provider::Custom { token_url, .. } => token_url.clone(),
        }
    }

    /// Asks the IdP for a new token (blocking HTTP).
    pub fn fetch(&self) -> Result<Fetched, OAuth2Error> {
        let url = self.token_url();
        let form = self.form(&url)?;
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        http::post_form(&url, &pairs, |error| self.hint(error))
    }

    /// The form fields of the token request.
    pub(super) fn form(&self, url: &str) -> Result<Vec<(&'static str, String)>, OAuth2Error> {
        Ok(match self {
            Provider::Microsoft {
                client_id,
                auth,
                scope,
                ..
            } => {
                let mut form = vec![
                    ("grant_type", "client_credentials".to_string()),
                    ("client_id", client_id.clone()),
                    ("scope", scope.clone()),
                ];
                match auth {
                    MicrosoftAuth::Secret(secret) => form.push(("client_secret", secret.clone())),
                    MicrosoftAuth::Certificate { x5t, key } => {
                        let assertion = microsoft_assertion(client_id, url, x5t, key)?;
                        form.push(("client_assertion_type", ASSERTION_TYPE.into()));
                        form.push(("client_assertion", assertion));
                    }
                }
                form
            }
            Provider::Google { auth, scope } => google_form(auth, scope)?,
            Provider::Custom {
                client_id,
                client_secret,
                scope,
                ..
            } => {
                let mut form = vec![
                    ("grant_type", "client_credentials".to_string()),
                    ("client_id", client_id.clone()),
                    ("client_secret", client_secret.clone()),
                ];
                form.extend(scope.clone().map(|s| ("scope", s)));
                form
            }
        })
    }

    /// Which settings to check for an OAuth2 `error` code from the IdP.
    pub(super) fn hint(&self, error: &str) -> &'static str {
        match (self, error) {
            (Provider::Microsoft { .. }, "invalid_client" | "unauthorized_client") => {
                "oauth2.client_id and oauth2.client_secret_env/client_secret_file (or certificate_file/private_key_file: is the certificate uploaded to the app?)"
            }
            (Provider::Microsoft { .. }, "invalid_request" | "invalid_tenant") => {
                "oauth2.tenant_id and oauth2.client_id"
            }
            (Provider::Microsoft { .. }, "invalid_scope") => {
                "oauth2.scope (leave it out for https://outlook.office365.com/.default)"
            }
            (Provider::Google { .. }, "unauthorized_client" | "access_denied") => {
                "the domain-wide delegation of the service account (its client ID and the scope https://mail.google.com/ in the Admin console)"
            }
            (Provider::Google { .. }, "invalid_grant") => {
                "the mailbox the token is for (oauth2.subject, by default imap.user; staff_mailbox.user for the secretary's own mailbox): it must be a user of the domain; then the key file, the clock of this machine, or the refresh token"
            }
            (Provider::Google { .. }, "invalid_client") => {
                "oauth2.service_account_file, or oauth2.client_id and client_secret"
            }
            (_, "invalid_scope") => "oauth2.scope",
            (_, "invalid_client" | "unauthorized_client") => {
                "oauth2.client_id and oauth2.client_secret_env/client_secret_file"
            }
            _ => "the [oauth2] settings (provider, client_id, secret, scope)",
        }
    }
}

/// The Entra ID client assertion (certificate credential): signed by the
/// app's key, naming the certificate by its thumbprint.
fn microsoft_assertion(
    client_id: &str,
    url: &str,
    x5t: &str,
    key: &RsaKey,
) -> Result<String, OAuth2Error> {
    let now = now_secs();
    let header = json!({"alg": "RS256", "typ": "JWT", "x5t": x5t});
    let claims = json!({
        "aud": url, "iss": client_id, "sub": client_id,
        "jti": uuid::Uuid::new_v4().to_string(),
        "iat": now, "nbf": now, "exp": now + 600,
    });
    key.sign(&header, &claims)
        .map_err(|e| OAuth2Error::Sign(e, "oauth2.private_key_file"))
}

fn google_form(auth: &GoogleAuth, scope: &str) -> Result<Vec<(&'static str, String)>, OAuth2Error> {
    Ok(match auth {
        GoogleAuth::ServiceAccount {
            client_email,
            key_id,
            key,
            token_url,
            subject,
        } => {
            let now = now_secs();
            let header = json!({"alg": "RS256", "typ": "JWT", "kid": key_id});
            let claims = json!({
                "iss": client_email, "sub": subject, "scope": scope,
                "aud": token_url, "iat": now, "exp": now + 3600,
            });
            let assertion = key
                .sign(&header, &claims)
                .map_err(|e| OAuth2Error::Sign(e, "oauth2.service_account_file"))?;
            vec![
                ("grant_type", JWT_BEARER.to_string()),
                ("assertion", assertion),
            ]
        }
        GoogleAuth::RefreshToken {
            client_id,
            client_secret,
            refresh_token,
        } => vec![
            ("grant_type", "refresh_token".to_string()),
            ("client_id", client_id.clone()),
            ("client_secret", client_secret.clone()),
            ("refresh_token", refresh_token.clone()),
        ],
    })
}
