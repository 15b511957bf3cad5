//! `[staff_mailbox]` with `auth = "oauth2"`: which token the secretary's own
//! account logs in with, and one line naming the key when something is off.

use std::path::Path;

use crate::config::Config;

const EXAMPLE: &str = include_str!("../../config/mleg.example.toml");
const STAFF: &str = "jkowalska@szkola.example.pl";

/// The example with `[oauth2]` = `app` (both servers on OAuth2; none: both
/// on passwords) and a `[staff_mailbox]` with `staff` lines after its login.
fn config(app: Option<&str>, staff: &str) -> Result<Config, String> {
    // SAFETY: every test sets the same values, so concurrent writers agree.
    unsafe {
        std::env::set_var("MLEG_IMAP_PASSWORD", "x");
        std::env::set_var("MLEG_SMTP_PASSWORD", "y");
        std::env::set_var("MLEG_TEST_STAFF_SECRET", "z");
    }
    let mut text = EXAMPLE.to_owned();
    if let Some(table) = app {
        text = text
            .replace("password_env = \"MLEG_IMAP_PASSWORD\"", "auth = \"oauth2\"")
            .replace("password_env = \"MLEG_SMTP_PASSWORD\"", "auth = \"oauth2\"")
            .replacen("\n[staff]", &format!("\n[oauth2]\n{table}\n[staff]"), 1);
    }
    text.push_str(&format!(
        "\n[staff_mailbox]\nhost = \"imap.example.pl\"\nport = 993\ntls = \"tls\"\n\
         user = \"{STAFF}\"\n{staff}"
    ));
    Config::from_toml(&text, Path::new(env!("CARGO_MANIFEST_DIR"))).map_err(|e| e.to_string())
}

const MICROSOFT: &str = "provider = \"microsoft\"\ntenant_id = \"t\"\nclient_id = \"app\"\n\
                         client_secret_env = \"MLEG_TEST_STAFF_SECRET\"\n";
const GOOGLE: &str = "provider = \"google\"\n\
                      service_account_file = \"tests/fixtures/oauth2/service-account.json\"\n\
                      subject = \"sekretariat@szkola.example.pl\"\n";
const CUSTOM: &str = "provider = \"custom\"\ntoken_url = \"https://idp.example.pl/t\"\n\
                      client_id = \"mleg\"\nclient_secret_env = \"MLEG_TEST_STAFF_SECRET\"\n";

#[test]
fn microsofts_app_token_is_shared_and_googles_acts_for_her_mailbox() {
    let c = config(Some(MICROSOFT), "auth = \"oauth2\"\n").unwrap();
    let staff = c.staff_mailbox.as_ref().unwrap();
    assert_eq!(staff.imap.user, STAFF);
    assert!(staff.imap.password.is_empty());
    let tokens = staff.imap.oauth2.as_ref().expect("a token login");
    assert!(
        tokens.same_as(c.imap.oauth2.as_ref().unwrap()),
        "one app token"
    );

    let c = config(Some(GOOGLE), "auth = \"oauth2\"\n").unwrap();
    let watched = c.imap.oauth2.as_ref().unwrap();
    let staff = c
        .staff_mailbox
        .as_ref()
        .unwrap()
        .imap
        .oauth2
        .clone()
        .unwrap();
    assert_eq!(
        (watched.google_subject(), staff.google_subject()),
        (Some("sekretariat@szkola.example.pl"), Some(STAFF)),
        "delegation impersonates each mailbox itself"
    );
    assert!(!staff.same_as(watched));
}

#[test]
fn a_per_user_token_needs_her_own_table_whose_keys_are_named() {
    let own = format!("auth = \"oauth2\"\n[staff_mailbox.oauth2]\n{CUSTOM}");
    let c = config(Some(CUSTOM), &own).unwrap();
    let staff = c.staff_mailbox.unwrap().imap.oauth2.unwrap();
    assert_eq!(staff.provider_name(), "custom");
    assert!(!staff.same_as(c.imap.oauth2.as_ref().unwrap()));
    // Her own table works with passwords on the watched account too.
    assert!(
        config(None, &own)
            .unwrap()
            .staff_mailbox
            .unwrap()
            .imap
            .oauth2
            .is_some()
    );

    let refresh = "provider = \"google\"\nclient_id = \"c\"\n\
                   client_secret_env = \"MLEG_TEST_STAFF_SECRET\"\n\
                   refresh_token_env = \"MLEG_TEST_STAFF_SECRET\"\n";
    for (app, staff, says) in [
        (
            Some(CUSTOM),
            "auth = \"oauth2\"\n",
            "`staff_mailbox.oauth2`: a custom provider's token is for one mailbox only",
        ),
        (
            Some(refresh),
            "auth = \"oauth2\"\n",
            "`staff_mailbox.oauth2`: a Google refresh token is for one mailbox only",
        ),
        (
            None,
            "auth = \"oauth2\"\n",
            "`staff_mailbox.auth`: \"oauth2\" needs an [oauth2] table",
        ),
        (
            None,
            "auth = \"oauth2\"\n[staff_mailbox.oauth2]\nprovider = \"custom\"\ntoken_url = \"https://i/t\"\n",
            "`staff_mailbox.oauth2.client_id`: is required",
        ),
        (
            Some(MICROSOFT),
            "password_env = \"MLEG_IMAP_PASSWORD\"\n[staff_mailbox.oauth2]\nprovider = \"microsoft\"\n",
            "`staff_mailbox.oauth2`: is used only with auth = \"oauth2\"",
        ),
        (
            None,
            "",
            "`staff_mailbox.password_env`: set password_env or password_file",
        ),
        (
            None,
            "auth = \"oauth\"\n",
            "unknown variant `oauth`, expected `password` or `oauth2`",
        ),
        (
            None,
            "auth = \"oauth2\"\n[staff_mailbox.oauth2]\nprovider = \"custom\"\nclient_secert_env = \"X\"\n",
            "unknown field `client_secert_env`",
        ),
    ] {
        let e = config(app, staff).unwrap_err();
        assert!(e.contains(says) && !e.contains('\n'), "{staff}: {e}");
    }
}
