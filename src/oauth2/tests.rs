use std::time::Duration;

use super::*;

#[test]
fn a_token_is_never_shown_by_debug() {
    let token = AccessToken::new("eyJsecret.token.value".into());
    let shown = format!("{token:?}");
    assert!(!shown.contains("secret"), "{shown}");
    let provider = Provider::Custom {
        token_url: "https://idp.example/token".into(),
        client_id: "app".into(),
        client_secret: "hunter2".into(),
        scope: None,
    };
    let shown = format!("{:?}", TokenSource::new(provider, Mechanism::Xoauth2));
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("app"), "{shown}");
}

#[test]
fn tokens_are_replaced_shortly_before_they_expire() {
    assert_eq!(
        refresh_margin(Duration::from_secs(3600)),
        Duration::from_secs(60)
    );
    assert_eq!(
        refresh_margin(Duration::from_secs(5)),
        Duration::from_secs(1)
    );
}

#[test]
fn sasl_strings_follow_the_mechanisms() {
    let t = AccessToken::new("T".into());
    assert_eq!(
        xoauth2("a@b.pl", &t),
        "user=a@b.pl\x01auth=Bearer T\x01\x01"
    );
    assert_eq!(
        oauthbearer("a@b.pl", "imap.b.pl", 993, &t),
        "n,a=a@b.pl,\x01host=imap.b.pl\x01port=993\x01auth=Bearer T\x01\x01"
    );
}

#[test]
fn an_expires_in_sent_as_text_is_understood() {
    let f = http::parse_token("u", r#"{"access_token":"x","expires_in":"3599"}"#).unwrap();
    assert_eq!(f.expires_in, Duration::from_secs(3599));
    assert_eq!(f.token.secret(), "x");
}

const KEY: &str = include_str!("../../tests/fixtures/oauth2/test-key.pem");
const CERT: &str = include_str!("../../tests/fixtures/oauth2/test-cert.pem");

/// The claims of a signed JWT, after checking its RS256 signature.
fn verified_claims(jwt: &str, key: &RsaKey) -> (serde_json::Value, serde_json::Value) {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let (input, signature) = jwt.rsplit_once('.').unwrap();
    ring::signature::UnparsedPublicKey::new(
        &ring::signature::RSA_PKCS1_2048_8192_SHA256,
        key.public_der(),
    )
    .verify(input.as_bytes(), &b64.decode(signature).unwrap())
    .expect("a valid RS256 signature");
    let (header, claims) = input.split_once('.').unwrap();
    let json = |part: &str| serde_json::from_slice(&b64.decode(part).unwrap()).unwrap();
    (json(header), json(claims))
}

#[test]
fn the_certificate_thumbprint_is_the_base64url_sha1_of_its_der() {
    // openssl x509 -outform DER | openssl dgst -sha1 -binary | base64url
    assert_eq!(x5t(CERT).unwrap(), "K8VeOsvyb-AL5XgzixDDdcHl4_c");
}

#[test]
fn the_microsoft_client_assertion_is_signed_and_names_the_certificate() {
    let key = RsaKey::from_pem(KEY).unwrap();
    let provider = Provider::Microsoft {
        tenant_id: "contoso-tenant".into(),
        client_id: "app-id".into(),
        auth: MicrosoftAuth::Certificate {
            x5t: x5t(CERT).unwrap(),
            key: key.clone(),
        },
        scope: MICROSOFT_SCOPE.into(),
    };
    let url = provider.token_url();
    assert_eq!(
        url,
        "https://login.microsoftonline.com/contoso-tenant/oauth2/v2.0/token"
    );
    let form = provider.form(&url).unwrap();
    let field = |k: &str| form.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone());
    assert_eq!(field("grant_type").as_deref(), Some("client_credentials"));
    assert_eq!(field("scope").as_deref(), Some(MICROSOFT_SCOPE));
    assert_eq!(field("client_secret"), None);
    let (header, claims) = verified_claims(&field("client_assertion").unwrap(), &key);
    assert_eq!(header["x5t"], "K8VeOsvyb-AL5XgzixDDdcHl4_c");
    assert_eq!(header["alg"], "RS256");
    assert_eq!(claims["aud"], url.as_str());
    assert_eq!(claims["iss"], "app-id");
    assert_eq!(claims["sub"], "app-id");
}

#[test]
fn the_google_service_account_grant_acts_for_the_mailbox() {
    let key = RsaKey::from_pem(KEY).unwrap();
    let provider = Provider::Google {
        auth: GoogleAuth::ServiceAccount {
            client_email: "mleg@proj.iam.gserviceaccount.com".into(),
            key_id: "kid-1".into(),
            key: key.clone(),
            token_url: "https://oauth2.googleapis.com/token".into(),
            subject: "sekretariat@szkola.example.pl".into(),
        },
        scope: GOOGLE_SCOPE.into(),
    };
    let form = provider.form(&provider.token_url()).unwrap();
    assert_eq!(form[0].1, "urn:ietf:params:oauth:grant-type:jwt-bearer");
    let (header, claims) = verified_claims(&form[1].1, &key);
    assert_eq!(header["kid"], "kid-1");
    assert_eq!(claims["iss"], "mleg@proj.iam.gserviceaccount.com");
    assert_eq!(claims["sub"], "sekretariat@szkola.example.pl");
    assert_eq!(claims["scope"], GOOGLE_SCOPE);
    assert_eq!(claims["aud"], "https://oauth2.googleapis.com/token");
    let lifetime = claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap();
    assert_eq!(lifetime, 3600, "Google takes at most an hour");
}

#[test]
fn an_absurd_lifetime_is_capped_at_a_day() {
    let f = http::parse_token(
        "u",
        r#"{"access_token":"x","expires_in":18446744073709551615}"#,
    )
    .unwrap();
    assert_eq!(f.expires_in, Duration::from_secs(86400));
}

/// The client-secret grant most schools use with Entra ID, and its hints.
#[test]
fn the_microsoft_client_secret_grant_and_its_hints() {
    let provider = Provider::Microsoft {
        tenant_id: "contoso-tenant".into(),
        client_id: "app-id".into(),
        auth: MicrosoftAuth::Secret("s3cr3t".into()),
        scope: MICROSOFT_SCOPE.into(),
    };
    let form = provider.form(&provider.token_url()).unwrap();
    let field = |k: &str| form.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone());
    assert_eq!(field("grant_type").as_deref(), Some("client_credentials"));
    assert_eq!(field("client_id").as_deref(), Some("app-id"));
    assert_eq!(field("client_secret").as_deref(), Some("s3cr3t"));
    assert_eq!(field("scope").as_deref(), Some(MICROSOFT_SCOPE));
    assert_eq!(field("client_assertion"), None);
    assert!(
        provider
            .hint("invalid_client")
            .contains("client_secret_file")
    );
    assert!(provider.hint("invalid_tenant").contains("oauth2.tenant_id"));
    assert!(
        provider
            .hint("invalid_scope")
            .contains("outlook.office365.com")
    );
}

/// An installed app's refresh token (Google without a service account).
#[test]
fn the_google_refresh_token_grant_and_its_hints() {
    let provider = Provider::Google {
        auth: GoogleAuth::RefreshToken {
            client_id: "123.apps.googleusercontent.com".into(),
            client_secret: "g-secret".into(),
            refresh_token: "1//refresh".into(),
        },
        scope: GOOGLE_SCOPE.into(),
    };
    assert_eq!(provider.token_url(), "https://oauth2.googleapis.com/token");
    let form = provider.form(&provider.token_url()).unwrap();
    let field = |k: &str| form.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone());
    assert_eq!(field("grant_type").as_deref(), Some("refresh_token"));
    assert_eq!(field("refresh_token").as_deref(), Some("1//refresh"));
    assert_eq!(
        field("client_id").as_deref(),
        Some("123.apps.googleusercontent.com")
    );
    assert_eq!(field("client_secret").as_deref(), Some("g-secret"));
    assert!(provider.hint("invalid_grant").contains("refresh token"));
    assert!(provider.hint("unauthorized_client").contains("delegation"));
}

/// An IdP that cannot be reached, or answers with a web page instead of
/// JSON (a captive portal, a wrong URL), is one line naming the URL.
#[test]
fn an_unreachable_idp_or_a_page_that_is_not_json_is_one_line_naming_the_url() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/token", closed.local_addr().unwrap());
    drop(closed);
    let e = http::post_form(&url, &[("grant_type", "client_credentials")], |_| "x").unwrap_err();
    assert!(matches!(e, OAuth2Error::Unreachable { .. }), "{e:?}");
    assert!(
        e.to_string().contains(&url) && !e.to_string().contains('\n'),
        "{e}"
    );

    let page = "<html><body>Login to the guest Wi-Fi</body></html>";
    let e = http::parse_token(&url, page).expect_err("not a token");
    assert!(
        e.to_string()
            .contains("answered something that is not a token")
            && e.to_string().contains(&url),
        "{e}"
    );
    // A 4xx with a page instead of an OAuth2 error names the URL setting.
    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/token", server.local_addr().unwrap());
    let answer = std::thread::spawn(move || {
        use std::io::{Read, Write};
        let (mut s, _) = server.accept().unwrap();
        let mut buf = [0u8; 4096];
        let _ = s.read(&mut buf);
        let body = "<html>Not Found</html>";
        let _ = write!(
            s,
            "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
    });
    let e = http::post_form(&url, &[("grant_type", "client_credentials")], |_| "x").unwrap_err();
    answer.join().unwrap();
    let line = e.to_string();
    assert!(
        line.contains("404") && line.contains("oauth2.token_url"),
        "{line}"
    );
}
