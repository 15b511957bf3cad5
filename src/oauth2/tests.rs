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
    let shown = format!("{:?}", TokenSource::new(provider));
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
