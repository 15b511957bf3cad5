use std::path::Path;

use crate::config::Config;

const EXAMPLE: &str = include_str!("../../config/mleg.example.toml");

/// The example with both servers on OAuth2 and `table` as `[oauth2]`;
/// fixture paths are relative to the crate root.
fn oauth2_config(table: &str) -> Result<Config, String> {
    let text = EXAMPLE
        .replace("password_env = \"MLEG_IMAP_PASSWORD\"", "auth = \"oauth2\"")
        .replace("password_env = \"MLEG_SMTP_PASSWORD\"", "auth = \"oauth2\"");
    let text = text.replacen("\n[staff]", &format!("\n[oauth2]\n{table}\n[staff]"), 1);
    Config::from_toml(&text, Path::new(env!("CARGO_MANIFEST_DIR"))).map_err(|e| e.to_string())
}

#[test]
fn microsoft_with_a_certificate_needs_no_password_and_logs_in_as_the_mailbox() {
    let c = oauth2_config(
        "provider = \"microsoft\"\ntenant_id = \"t\"\nclient_id = \"app\"\n\
         certificate_file = \"tests/fixtures/oauth2/test-cert.pem\"\n\
         private_key_file = \"tests/fixtures/oauth2/test-key.pem\"\n",
    )
    .unwrap();
    let tokens = c.imap.oauth2.as_ref().expect("imap uses oauth2");
    assert_eq!(tokens.provider_name(), "microsoft");
    assert!(c.smtp.oauth2.is_some());
    let (user, _) = c.smtp.credentials.clone().unwrap();
    assert_eq!(user, "sekretariat@szkola.example.pl");
    assert!(!format!("{tokens:?}").contains("PRIVATE"), "{tokens:?}");
}

#[test]
fn google_takes_a_service_account_key_file() {
    let c = oauth2_config(
        "provider = \"google\"\nservice_account_file = \"tests/fixtures/oauth2/service-account.json\"\n",
    )
    .unwrap();
    let shown = format!("{:?}", c.imap.oauth2.unwrap());
    assert!(
        shown.contains("mleg@mleg-test.iam.gserviceaccount.com"),
        "{shown}"
    );
}

#[test]
fn a_missing_or_unsafe_setting_is_named() {
    for (table, key) in [
        (
            "provider = \"microsoft\"\nclient_id = \"app\"\n",
            "oauth2.client_secret_env",
        ),
        (
            "provider = \"custom\"\ntoken_url = \"http://idp.example.pl/token\"\nclient_id = \"a\"\n",
            "oauth2.token_url",
        ),
        ("provider = \"google\"\n", "oauth2.service_account_file"),
        (
            "provider = \"custom\"\ntoken_url = \"https://idp.example.pl/t\"\nclient_id = \"a\"\n\
             client_secret_env = \"X\"\nclient_secret_file = \"f\"\n",
            "set oauth2.client_secret_env or oauth2.client_secret_file, not both",
        ),
        ("provider = \"okta\"\n", "`microsoft`, `google`, `custom`"),
    ] {
        let e = oauth2_config(table).unwrap_err();
        assert!(e.contains(key) && !e.contains('\n'), "{table}: {e}");
    }
    let no_table = EXAMPLE.replace("password_env = \"MLEG_IMAP_PASSWORD\"", "auth = \"oauth2\"");
    let e = Config::from_toml(&no_table, Path::new("."))
        .unwrap_err()
        .to_string();
    assert!(e.contains("imap.auth") && e.contains("[oauth2]"), "{e}");
}
