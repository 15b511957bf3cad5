//! OAuth2 logins against the real Dovecot and Postfix in OAuth2 mode, which
//! check the bearer tokens themselves; the token endpoint of the test
//! support stands in for Entra ID (client-credentials grant).

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use mleg::domain::Status;

use crate::codes::{screenshot_with_qr, with_attachment};
use crate::support::app::{Daemon, SCHOOL, SECRETARY, TestApp, mleg, pesel};
use crate::support::idp::{CLIENT_ID, CLIENT_SECRET, Issue, TokenEndpoint};
use crate::support::mime::Mail;
use crate::support::photos;
use crate::support::replies::{Style, reply};
use crate::support::stack::MailStack;

/// A TestApp whose IMAP and SMTP logins use tokens from a test endpoint
/// issuing tokens that live `lifetime` seconds.
pub(crate) fn oauth2_app(lifetime: u64) -> (TestApp, TokenEndpoint, tempfile::TempDir) {
    oauth2_app_with(lifetime, "")
}

/// Like [`oauth2_app`], with more lines in `[oauth2]`.
pub(crate) fn oauth2_app_with(
    lifetime: u64,
    extra: &str,
) -> (TestApp, TokenEndpoint, tempfile::TempDir) {
    let stack = MailStack::start_oauth2();
    let (key, issuer) = stack.oauth2.clone().expect("an OAuth2 stack");
    let idp = TokenEndpoint::start(Issue {
        key,
        issuer,
        user: SCHOOL.into(),
        lifetime,
    });
    let secrets = tempfile::tempdir().unwrap();
    let secret_file: PathBuf = secrets.path().join("oauth2.secret");
    std::fs::write(&secret_file, format!("{CLIENT_SECRET}\n")).unwrap();
    let url = idp.url.clone();
    let t = TestApp::spawn_on(stack, |c| {
        *c = c
            .replace(
                "password_file = \"imap.password\"\n[smtp]",
                "auth = \"oauth2\"\n[smtp]",
            )
            .replace("password_file = \"smtp.password\"\n", "auth = \"oauth2\"\n");
        c.push_str(&format!(
            "[oauth2]\nprovider = \"custom\"\ntoken_url = \"{url}\"\nclient_id = \"{CLIENT_ID}\"\n\
             client_secret_file = \"{}\"\nscope = \"mail\"\n{extra}\n",
            secret_file.display()
        ));
    });
    (t, idp, secrets)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parents_photo_is_answered_with_token_logins_to_imap_and_smtp() {
    let (t, idp, _secrets) = oauth2_app(3600);
    let parent = t.parent("token");
    t.register("Ola", "Token", &pesel(2014, 3, 3, 71), &parent);
    t.send(&Mail::new(&parent, SCHOOL, "legitymacja").photo("Ola Token.jpg", photos::good_jpeg()))
        .await;
    let (intake, sent) = t.once().await;
    assert_eq!((intake.processed, sent.sent), (1, 2));
    let reply = &t.exactly(&parent, 1).await[0];
    assert!(reply.text.contains("Przyjęliśmy zdjęcie"), "{}", reply.text);
    assert_eq!(idp.fetches(), 1, "IMAP and SMTP share one cached token");

    let log = t.mail_log(SCHOOL);
    assert!(
        log.contains(&format!("Login: user=<{SCHOOL}>, method=XOAUTH2")),
        "IMAP login with the token: {log}"
    );
    assert!(
        log.contains(&format!("sasl_method=XOAUTH2, sasl_username={SCHOOL}")),
        "SMTP login with the token: {log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mleg_auth_test_says_what_worked_and_why_a_token_was_refused() {
    let (t, idp, secrets) = oauth2_app(3600);
    let out = mleg(&t, &["auth", "test"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{text}");
    for line in [
        "OAuth2 token (custom): OK",
        &format!("IMAP login as {SCHOOL} (XOAUTH2): OK"),
        &format!("SMTP login as {SCHOOL} (XOAUTH2): OK"),
    ] {
        assert!(text.contains(line), "{line:?} missing:\n{text}");
    }
    // `mleg check` logs in the way the daemon does: with the token.
    let out = mleg(&t, &["check"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{text}");
    assert_eq!(
        text.lines()
            .filter(|l| l.contains(&format!("login as {SCHOOL} OK")))
            .count(),
        2,
        "IMAP and SMTP logins with the token in mleg check:\n{text}"
    );

    // A token from the wrong issuer, then one signed with another key: the
    // IdP hands them out, the mail servers refuse them.
    let other_key = b"not the key dovecot trusts, 32 b".to_vec();
    for (what, change) in [
        (
            "wrong issuer",
            Box::new(|i: &mut Issue| i.issuer = "https://evil.test/".into())
                as Box<dyn FnOnce(&mut Issue)>,
        ),
        (
            "wrong key",
            Box::new(move |i: &mut Issue| {
                i.issuer = "https://idp.test/".into();
                i.key = other_key;
            }),
        ),
    ] {
        idp.set(change);
        let out = mleg(&t, &["auth", "test"]);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(!out.status.success(), "{what}: {text}");
        assert!(text.contains("OAuth2 token (custom): OK"), "{what}: {text}");
        let imap = text.lines().find(|l| l.starts_with("IMAP")).unwrap();
        assert!(
            imap.contains("FAILED")
                && imap.contains("OAuth2 token (custom provider, XOAUTH2) was refused")
                && imap.contains(r#"server said {"status":"401""#)
                && imap.contains("imap.user"),
            "{what}: {imap}"
        );
        let smtp = text.lines().find(|l| l.starts_with("SMTP")).unwrap();
        assert!(
            smtp.contains("FAILED")
                && smtp.contains("refused the OAuth2 token")
                && smtp.contains("smtp.user"),
            "{what}: {smtp}"
        );
    }
    let dovecot = std::fs::read_to_string(t.stack.path().join("dovecot.log")).unwrap();
    assert!(
        dovecot.contains("Issuer 'https://evil.test/' is not allowed")
            && dovecot.contains("Incorrect JWT signature"),
        "Dovecot refused them for these reasons:\n{dovecot}"
    );

    // A wrong client secret: the IdP refuses, and the line says what it said.
    std::fs::write(secrets.path().join("oauth2.secret"), "stale-secret\n").unwrap();
    let out = mleg(&t, &["auth", "test"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(!out.status.success(), "{text}");
    let line = text.lines().next().unwrap_or_default();
    assert!(
        line.starts_with("OAuth2 token (custom): FAILED")
            && line.contains(
                "(HTTP 401): invalid_client: AADSTS7000215: Invalid client secret provided."
            )
            && line.contains("oauth2.client_secret_env/client_secret_file")
            // Entra's code is explained: what to change, not only where.
            && line.contains("put the secret's Value (not its Secret ID)")
            && !text.contains("stale-secret"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_that_expires_during_mleg_run_is_replaced_without_a_failed_round() {
    let (t, idp, _secrets) = oauth2_app(3);
    let first = t.parent("wygasa1");
    let second = t.parent("wygasa2");
    t.register("Jan", "Pierwszy", &pesel(2013, 4, 4, 72), &first);
    t.register("Ewa", "Druga", &pesel(2013, 4, 5, 73), &second);
    let log_file = tempfile::NamedTempFile::new().unwrap();
    let daemon = Daemon::start(&t, "info", Stdio::from(log_file.reopen().unwrap()));

    t.post(
        &Mail::new(&first, SCHOOL, "legitymacja").photo("Jan Pierwszy.jpg", photos::good_jpeg()),
    )
    .await;
    assert!(
        t.received(&first, 1).await[0]
            .text
            .contains("Przyjęliśmy zdjęcie")
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while idp.fetches() < 2 {
        assert!(Instant::now() < deadline, "no second token within 30 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The first token has expired by now; the next rounds log in with a new one.
    t.post(&Mail::new(&second, SCHOOL, "legitymacja").photo("Ewa Druga.jpg", photos::good_jpeg()))
        .await;
    assert!(
        t.received(&second, 1).await[0]
            .text
            .contains("Przyjęliśmy zdjęcie")
    );
    drop(daemon);

    let log = std::fs::read_to_string(log_file.path()).unwrap();
    assert!(!log.contains("round failed"), "every round worked:\n{log}");
    assert!(
        log.matches("OAuth2 token fetched").count() >= 2,
        "tokens were renewed while running:\n{log}"
    );
    // Every JWT starts with the base64 of `{"`.
    assert!(!log.contains("eyJ"), "no token in the log:\n{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imap_logs_in_with_oauthbearer_when_asked() {
    let (t, _idp, _secrets) = oauth2_app_with(3600, "imap_mechanism = \"oauthbearer\"");
    let out = mleg(&t, &["auth", "test"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(&format!("IMAP login as {SCHOOL} (OAUTHBEARER): OK")),
        "{text}"
    );
    let dovecot = std::fs::read_to_string(t.stack.path().join("dovecot.log")).unwrap();
    assert!(
        dovecot.contains(&format!("Login: user=<{SCHOOL}>, method=OAUTHBEARER")),
        "{dovecot}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_the_server_refused_is_not_reused_at_the_next_round() {
    let (t, idp, _secrets) = oauth2_app(3600);
    // The IdP rotated its signing key before the mail server learnt it.
    idp.set(|i| i.key = b"a key the server does not know yet".to_vec());
    let err = mleg::daemon::intake_once(&t.app)
        .await
        .expect_err("the server refuses the token");
    assert!(err.to_string().contains("was refused"), "{err}");
    assert_eq!(idp.fetches(), 1);

    let (key, _) = t.stack.oauth2.clone().unwrap();
    idp.set(|i| i.key = key);
    mleg::daemon::intake_once(&t.app)
        .await
        .expect("the next round fetches a new token and logs in");
    assert_eq!(
        idp.fetches(),
        2,
        "a new token, not the refused one from the cache"
    );
}

/// The secretary's own account with its own token (`[staff_mailbox.oauth2]`:
/// a custom IdP's token is one user's): after KOD mleg logs in there with
/// her token and the notification with the photo and PESEL is gone, as with
/// a password (`purge.rs`). `mleg auth test` and `mleg check` log in there too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_secretarys_own_account_is_cleaned_after_kod_with_her_token() {
    let (mut t, idp, secrets) = oauth2_app(3600);
    idp.add_client("mleg-staff", SECRETARY);
    let staff_secret = secrets.path().join("staff.secret");
    std::fs::write(&staff_secret, format!("{CLIENT_SECRET}\n")).unwrap();
    let mut toml = std::fs::read_to_string(&t.config_path).unwrap();
    toml.push_str(&format!(
        "[staff_mailbox]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\nuser = \"{SECRETARY}\"\n\
         auth = \"oauth2\"\n[staff_mailbox.oauth2]\nprovider = \"custom\"\ntoken_url = \"{}\"\n\
         client_id = \"mleg-staff\"\nclient_secret_file = \"{}\"\n",
        t.stack.imap_port,
        idp.url,
        staff_secret.display()
    ));
    std::fs::write(&t.config_path, toml).unwrap();
    t.reload();

    let out = mleg(&t, &["auth", "test"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(&format!(
            "IMAP staff_mailbox login as {SECRETARY} (XOAUTH2): OK"
        )),
        "{text}"
    );
    let out = mleg(&t, &["check"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{text}");
    assert!(
        text.lines()
            .any(|l| l.contains("(staff_mailbox)")
                && l.ends_with(&format!("login as {SECRETARY} OK"))),
        "mleg check logs in to her account with her token:\n{text}"
    );

    let (id, _, note) = t.photo_with_secretary("Iga", "Tokenowa", 96).await;
    assert!(!note.text.contains("usunąć samodzielnie"), "{}", note.text);
    let note_id = note.message_id.clone().unwrap();
    let in_her_inbox = || async {
        t.stack
            .fetch_all(SECRETARY, "INBOX")
            .await
            .iter()
            .filter_map(|m| mleg::mail::parse::parse_mail(&m.raw).ok()?.message_id)
            .any(|m| m == note_id)
    };
    assert!(in_her_inbox().await);
    let token_logins = || {
        t.mail_log(SECRETARY)
            .matches(&format!("Login: user=<{SECRETARY}>, method=XOAUTH2"))
            .count()
    };
    let before = token_logins();
    let kod = reply(SECRETARY, &note, "KOD AB12-CD34", Style::GmailPlain);
    t.send(&with_attachment(
        kod,
        "ekran.png",
        "image/png",
        screenshot_with_qr(),
    ))
    .await;
    let (intake, _) = t.once().await;
    assert_eq!(t.application(id).status, Status::CodeReady);
    assert!(intake.copies_expunged >= 2, "{intake:?}");
    assert!(
        !in_her_inbox().await,
        "the notification with the photo and PESEL is gone from her account"
    );
    assert!(
        token_logins() > before,
        "the purge opened her account with her token:\n{}",
        t.mail_log(SECRETARY)
    );

    // Her client's secret is wrong: the line names the keys of her table.
    std::fs::write(&staff_secret, "stale-secret\n").unwrap();
    let out = mleg(&t, &["auth", "test"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(!out.status.success(), "{text}");
    let line = text
        .lines()
        .find(|l| l.starts_with("IMAP staff_mailbox"))
        .unwrap_or_default();
    assert!(
        line.contains("FAILED")
            && line.contains("invalid_client")
            && line.contains(
                "check staff_mailbox.oauth2.client_id and staff_mailbox.oauth2.client_secret_env"
            ),
        "{text}"
    );
}
