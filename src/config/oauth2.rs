//! `[oauth2]`: which identity provider issues the tokens when `[imap] auth`
//! or `[smtp] auth` is `"oauth2"`, and the app's credentials there. Secrets
//! (client secret, refresh token) come from the environment or a file like
//! the mail passwords; keys and certificates from files. Everything is read
//! and checked at start, so a typo gives one line naming the key.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{ConfigError, invalid, resolve_secret};
use crate::oauth2::{GoogleAuth, Mechanism, MicrosoftAuth, Provider, RsaKey, TokenSource};

/// How mleg logs in to a mail server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    /// User name and password (LOGIN / AUTH PLAIN).
    #[default]
    Password,
    /// A bearer token from `[oauth2]` (SASL XOAUTH2).
    OAuth2,
}

/// Which kind of identity provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum ProviderKind {
    Microsoft,
    Google,
    Custom,
}

/// The `[oauth2]` table as written; which keys apply depends on `provider`.
/// `[staff_mailbox.oauth2]` has the same keys.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOAuth2 {
    /// "microsoft", "google" or "custom".
    provider: ProviderKind,
    /// Microsoft: the Entra ID tenant (directory) id.
    tenant_id: Option<String>,
    /// The app's client id (Microsoft, custom, Google refresh token).
    client_id: Option<String>,
    /// The client secret from this environment variable ...
    client_secret_env: Option<String>,
    /// ... or from this file (first line).
    client_secret_file: Option<PathBuf>,
    /// Microsoft, instead of a secret: the certificate uploaded to the app (PEM).
    certificate_file: Option<PathBuf>,
    /// Microsoft: the certificate's private key (PEM, PKCS#8 or PKCS#1).
    private_key_file: Option<PathBuf>,
    /// Google: the service account's JSON key (domain-wide delegation).
    service_account_file: Option<PathBuf>,
    /// Google service account: the mailbox it acts for (default: `imap.user`).
    subject: Option<String>,
    /// Google installed app: the refresh token from this environment variable ...
    refresh_token_env: Option<String>,
    /// ... or from this file.
    refresh_token_file: Option<PathBuf>,
    /// Custom: where tokens are requested (Google: overrides the key file's).
    token_url: Option<String>,
    /// The scope asked for (defaults: Microsoft and Google mail scopes; custom: none).
    scope: Option<String>,
    /// The IMAP SASL mechanism: "xoauth2" (default) or "oauthbearer".
    #[serde(default)]
    imap_mechanism: Mechanism,
    /// The SMTP SASL mechanism: "xoauth2" (default) or "oauthbearer".
    #[serde(default)]
    smtp_mechanism: Mechanism,
    /// "YYYY-MM-DD": when the client secret expires, copied from the Entra
    /// portal (no provider says it over the token endpoint).
    client_secret_expires: Option<String>,
}

/// `client_secret_expires` of `[oauth2]`, checked.
pub(super) fn secret_expiry(raw: &RawOAuth2) -> Result<Option<chrono::NaiveDate>, ConfigError> {
    raw.client_secret_expires
        .as_deref()
        .map(|d| {
            chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").map_err(|_| {
                invalid(
                    "oauth2.client_secret_expires",
                    format!("{d:?} is not a date like \"2027-01-14\""),
                )
            })
        })
        .transpose()
}

/// The fields of a Google service-account key file that are used.
#[derive(Deserialize)]
struct ServiceAccountKey {
    client_email: String,
    private_key: String,
    #[serde(default)]
    private_key_id: String,
    #[serde(default = "google_token_uri")]
    token_uri: String,
}

fn google_token_uri() -> String {
    "https://oauth2.googleapis.com/token".into()
}

fn required(key: &'static str, value: Option<String>) -> Result<String, ConfigError> {
    value
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| invalid(key, "is required for this oauth2.provider"))
}

fn read_file(key: &'static str, base: &Path, file: &Path) -> Result<String, ConfigError> {
    super::service::read_secret(file, base).map_err(|e| invalid(key, e))
}

/// A secret given as `<name>_env` or `<name>_file`.
fn secret(
    key: &'static str,
    env: &Option<String>,
    file: &Option<PathBuf>,
    base: &Path,
) -> Result<Option<String>, ConfigError> {
    if env.is_some() && file.is_some() {
        // resolve_secret's own words name the password keys.
        let name = key.trim_end_matches("_env");
        return Err(invalid(
            key,
            format!("set {name}_env or {name}_file, not both"),
        ));
    }
    resolve_secret(key, env, file, base)
}

/// `https://…`, or `http://` to this machine only (a test IdP).
fn check_token_url(url: &str) -> Result<String, ConfigError> {
    let loopback = ["http://127.0.0.1", "http://localhost", "http://[::1]"];
    let ok = url.starts_with("https://")
        || loopback.iter().any(|p| {
            url.strip_prefix(p)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([':', '/']))
        });
    if ok {
        Ok(url.to_owned())
    } else {
        Err(invalid(
            "oauth2.token_url",
            "must be https:// (http:// only to 127.0.0.1/localhost)",
        ))
    }
}

/// Builds the token source of `table` (`oauth2`, `staff_mailbox.oauth2`);
/// `mailbox` (the user it logs in as) is the default Google `subject`.
pub(super) fn resolve(
    raw: RawOAuth2,
    base: &Path,
    mailbox: &str,
    table: &'static str,
) -> Result<TokenSource, ConfigError> {
    let mechanisms = [raw.imap_mechanism, raw.smtp_mechanism];
    let provider = match raw.provider {
        ProviderKind::Microsoft => microsoft(raw, base)?,
        ProviderKind::Google => google(raw, base, mailbox)?,
        ProviderKind::Custom => Provider::Custom {
            token_url: check_token_url(&required("oauth2.token_url", raw.token_url)?)?,
            client_id: required("oauth2.client_id", raw.client_id)?,
            client_secret: secret(
                "oauth2.client_secret_env",
                &raw.client_secret_env,
                &raw.client_secret_file,
                base,
            )?
            .ok_or_else(|| invalid("oauth2.client_secret_env", "set it or client_secret_file"))?,
            scope: raw.scope,
        },
    };
    Ok(TokenSource::in_table(provider, mechanisms, table))
}

/// The token source a server with `auth = mode` logs in with.
pub(super) fn for_server(
    key: &'static str,
    mode: AuthMode,
    tokens: &Option<TokenSource>,
) -> Result<Option<TokenSource>, ConfigError> {
    match (mode, tokens) {
        (AuthMode::Password, _) => Ok(None),
        (AuthMode::OAuth2, Some(t)) => Ok(Some(t.clone())),
        (AuthMode::OAuth2, None) => Err(invalid(key, "\"oauth2\" needs an [oauth2] table")),
    }
}

/// The token source of `[staff_mailbox]` with `auth = "oauth2"`, which logs
/// in as `user`. Her own `[staff_mailbox.oauth2]` table wins (errors then
/// name its keys); else `app` (`[oauth2]` and its token source) serves where
/// one app may act for any mailbox of the school:
/// - Microsoft: the app's token names no mailbox (Exchange checks the app's
///   FullAccess on each), so the source, and its cached token, is shared;
/// - Google service account: the token is for one mailbox (domain-wide
///   delegation's `sub`), so she gets her own source with `subject = user`.
///
/// A refresh token or a custom IdP's client-credentials token is one user's
/// own: mleg cannot make one for her mailbox out of the watched account's.
pub(super) fn for_staff(
    own: Option<RawOAuth2>,
    app: Option<(RawOAuth2, TokenSource)>,
    base: &Path,
    user: &str,
) -> Result<TokenSource, ConfigError> {
    if let Some(raw) = own {
        return resolve(raw, base, user, "staff_mailbox.oauth2").map_err(|e| match e {
            ConfigError::Invalid { key, message } => {
                invalid(format!("staff_mailbox.{key}"), message)
            }
            other => other,
        });
    }
    let Some((raw, shared)) = app else {
        return Err(invalid(
            "staff_mailbox.auth",
            "\"oauth2\" needs an [oauth2] table (or [staff_mailbox.oauth2])",
        ));
    };
    match raw.provider {
        ProviderKind::Microsoft => Ok(shared),
        ProviderKind::Google if raw.service_account_file.is_some() => resolve(
            RawOAuth2 {
                subject: Some(user.to_owned()),
                ..raw
            },
            base,
            user,
            "oauth2",
        ),
        kind => Err(invalid(
            "staff_mailbox.oauth2",
            format!(
                "{} is for one mailbox only: add a [staff_mailbox.oauth2] table with the \
                 credentials of the secretary's own account",
                if kind == ProviderKind::Google {
                    "a Google refresh token"
                } else {
                    "a custom provider's token"
                }
            ),
        )),
    }
}

fn microsoft(raw: RawOAuth2, base: &Path) -> Result<Provider, ConfigError> {
    let client_secret = secret(
        "oauth2.client_secret_env",
        &raw.client_secret_env,
        &raw.client_secret_file,
        base,
    )?;
    let auth = match (client_secret, &raw.certificate_file, &raw.private_key_file) {
        (Some(s), None, None) => MicrosoftAuth::Secret(s),
        (None, Some(cert), Some(key)) => {
            let cert = read_file("oauth2.certificate_file", base, cert)?;
            let x5t =
                crate::oauth2::x5t(&cert).map_err(|e| invalid("oauth2.certificate_file", e))?;
            let key = RsaKey::from_pem(&read_file("oauth2.private_key_file", base, key)?)
                .map_err(|e| invalid("oauth2.private_key_file", e))?;
            MicrosoftAuth::Certificate { x5t, key }
        }
        _ => {
            return Err(invalid(
                "oauth2.client_secret_env",
                "set a client secret (client_secret_env or client_secret_file), or both certificate_file and private_key_file",
            ));
        }
    };
    Ok(Provider::Microsoft {
        tenant_id: required("oauth2.tenant_id", raw.tenant_id)?,
        client_id: required("oauth2.client_id", raw.client_id)?,
        auth,
        scope: raw
            .scope
            .unwrap_or_else(|| crate::oauth2::MICROSOFT_SCOPE.into()),
    })
}

fn google(raw: RawOAuth2, base: &Path, mailbox: &str) -> Result<Provider, ConfigError> {
    let scope = raw
        .scope
        .unwrap_or_else(|| crate::oauth2::GOOGLE_SCOPE.into());
    if let Some(file) = &raw.service_account_file {
        let text = read_file("oauth2.service_account_file", base, file)?;
        let key: ServiceAccountKey = serde_json::from_str(&text).map_err(|e| {
            invalid(
                "oauth2.service_account_file",
                format!("not a service-account JSON key: {e}"),
            )
        })?;
        let rsa = RsaKey::from_pem(&key.private_key)
            .map_err(|e| invalid("oauth2.service_account_file", e))?;
        let auth = GoogleAuth::ServiceAccount {
            client_email: key.client_email,
            key_id: key.private_key_id,
            key: rsa,
            token_url: check_token_url(&raw.token_url.unwrap_or(key.token_uri))?,
            subject: raw.subject.unwrap_or_else(|| mailbox.to_owned()),
        };
        return Ok(Provider::Google { auth, scope });
    }
    let refresh_token = secret(
        "oauth2.refresh_token_env",
        &raw.refresh_token_env,
        &raw.refresh_token_file,
        base,
    )?
    .ok_or_else(|| {
        invalid(
            "oauth2.service_account_file",
            "set it, or refresh_token_env/refresh_token_file with client_id and a client secret",
        )
    })?;
    let auth = GoogleAuth::RefreshToken {
        client_id: required("oauth2.client_id", raw.client_id)?,
        client_secret: secret(
            "oauth2.client_secret_env",
            &raw.client_secret_env,
            &raw.client_secret_file,
            base,
        )?
        .ok_or_else(|| invalid("oauth2.client_secret_env", "set it or client_secret_file"))?,
        refresh_token,
    };
    Ok(Provider::Google { auth, scope })
}

#[cfg(test)]
#[path = "oauth2_tests.rs"]
mod tests;
