//! The token request over HTTPS: a form POST, a JSON answer (RFC 6749 §5).
//!
//! ureq (blocking, rustls with ring, no OpenSSL) keeps the dependency small;
//! [`super::TokenSource`] runs it on a blocking thread. The request body
//! carries the client secret: nothing here logs it, and errors quote only
//! the URL and what the IdP answered.

use std::time::Duration;

use serde::Deserialize;

use super::{AccessToken, Fetched, OAuth2Error};

/// A token endpoint that does not answer within this is treated as down.
const TIMEOUT: Duration = Duration::from_secs(30);
/// When the IdP leaves `expires_in` out (RFC 6749 makes it optional).
const DEFAULT_LIFETIME: Duration = Duration::from_secs(600);
/// Longer lifetimes are cut to this: a token is fetched at least daily,
/// and an absurd `expires_in` cannot overflow the clock arithmetic.
const MAX_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// How much of an `error_description` is quoted (Entra's run long).
const MAX_DESCRIPTION: usize = 300;

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    /// A number, though some IdPs send it as a string.
    expires_in: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct ErrorAnswer {
    error: String,
    error_description: Option<String>,
}

/// POSTs `form` to `url`; `hint` names the settings to check for an
/// OAuth2 error code.
pub fn post_form(
    url: &str,
    form: &[(&str, &str)],
    hint: impl Fn(&str) -> &'static str,
) -> Result<Fetched, OAuth2Error> {
    let agent = ureq::AgentBuilder::new().timeout(TIMEOUT).build();
    let answer = agent
        .post(url)
        .set("Accept", "application/json")
        .send_form(form);
    let (status, body) = match answer {
        Ok(response) => (response.status(), read(url, response)?),
        Err(ureq::Error::Status(status, response)) => (status, read(url, response)?),
        Err(ureq::Error::Transport(t)) => {
            return Err(OAuth2Error::Unreachable {
                url: url.to_owned(),
                message: t.to_string(),
            });
        }
    };
    if (200..300).contains(&status) {
        return parse_token(url, &body);
    }
    match serde_json::from_str::<ErrorAnswer>(&body) {
        Ok(e) => Err(OAuth2Error::Refused {
            url: url.to_owned(),
            status,
            // The provider's own code says what to change; the keys to
            // look at follow, named for the token source's table.
            check: match crate::provider_hints::advice(&format!(
                "{} {}",
                e.error,
                e.error_description.as_deref().unwrap_or_default()
            )) {
                Some(advice) => format!("{advice} (check {})", hint(&e.error)),
                None => format!("check {}", hint(&e.error)),
            },
            error: one_line(&e.error),
            description: e
                .error_description
                .map(|d| format!(": {}", one_line(&d)))
                .unwrap_or_default(),
        }),
        Err(_) => Err(OAuth2Error::Refused {
            url: url.to_owned(),
            status,
            error: "no OAuth2 error in the answer".into(),
            description: String::new(),
            check: "check oauth2.token_url (or oauth2.tenant_id)".to_owned(),
        }),
    }
}

fn read(url: &str, response: ureq::Response) -> Result<String, OAuth2Error> {
    response
        .into_string()
        .map_err(|e| OAuth2Error::Unreachable {
            url: url.to_owned(),
            message: e.to_string(),
        })
}

/// The token and its lifetime from a 2xx answer.
pub fn parse_token(url: &str, body: &str) -> Result<Fetched, OAuth2Error> {
    let answer: TokenAnswer = serde_json::from_str(body).map_err(|e| OAuth2Error::BadAnswer {
        url: url.to_owned(),
        message: e.to_string(),
    })?;
    let expires_in = answer
        .expires_in
        .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_LIFETIME)
        .min(MAX_LIFETIME);
    Ok(Fetched {
        token: AccessToken::new(answer.access_token),
        expires_in,
    })
}

/// The IdP's text on one line, bounded.
fn one_line(text: &str) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_DESCRIPTION)
        .collect();
    flat.trim().to_owned()
}
