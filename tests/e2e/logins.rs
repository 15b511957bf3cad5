//! The rest of the login cases against the real stack: SMTP with
//! OAUTHBEARER (RFC 7628) checked by Dovecot behind Postfix, password logins
//! on a stack that also takes tokens, a trace log in OAuth2 mode, and
//! `mleg run` polling when IDLE is off.

use std::process::{Command, Stdio};

use crate::oauth2::{oauth2_app, oauth2_app_with};
use crate::support::app::{Daemon, SCHOOL, TestApp, mleg, pesel};
use crate::support::idp::CLIENT_SECRET;
use crate::support::mime::Mail;
use crate::support::photos;
use crate::support::stack::MailStack;

fn photo_mail(parent: &str, name: &str) -> Mail {
    Mail::new(parent, SCHOOL, "legitymacja").photo(&format!("{name}.jpg"), photos::good_jpeg())
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtp_logs_in_with_oauthbearer_and_a_refused_token_keeps_the_queue() {
    let (mut t, idp, _secrets) = oauth2_app_with(3600, "smtp_mechanism = \"oauthbearer\"");
    let text = stdout(&mleg(&t, &["auth", "test"]));
    assert!(
        text.contains(&format!("SMTP login as {SCHOOL} (OAUTHBEARER): OK")),
        "{text}"
    );
    // mleg check lists what the server offers as it wrote it (lettre alone
    // would hide OAUTHBEARER) and logs in the way the daemon does.
    let text = stdout(&mleg(&t, &["check"]));
    let offered = text
        .lines()
        .find(|l| l.contains("SMTP") && l.contains("login mechanisms offered"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(offered.contains("OAUTHBEARER"), "{offered}");
    assert_eq!(
        text.lines()
            .filter(|l| l.contains(&format!("login as {SCHOOL} OK")))
            .count(),
        2,
        "{text}"
    );

    let first = t.parent("bearer1");
    t.register("Ola", "Bearer", &pesel(2014, 3, 3, 81), &first);
    t.send(&photo_mail(&first, "Ola Bearer")).await;
    let (intake, sent) = t.once().await;
    assert_eq!((intake.processed, sent.sent), (1, 2));
    let reply = &t.exactly(&first, 1).await[0];
    assert!(reply.text.contains("Przyjęliśmy zdjęcie"), "{}", reply.text);
    let log = t.mail_log(SCHOOL);
    assert!(
        log.contains(&format!("sasl_method=OAUTHBEARER, sasl_username={SCHOOL}")),
        "the SMTP login used OAUTHBEARER: {log}"
    );

    // The next answers are queued; then the IdP hands out tokens signed
    // with a key the mail server does not trust.
    let second = t.parent("bearer2");
    t.register("Jan", "Bearer", &pesel(2014, 3, 4, 82), &second);
    t.send(&photo_mail(&second, "Jan Bearer")).await;
    mleg::daemon::intake_once(&t.app).await.expect("intake");
    let (key, _) = t.stack.oauth2.clone().unwrap();
    idp.set(|i| i.key = b"not the key dovecot trusts, 32 b".to_vec());
    t.reload(); // a fresh token cache, as after a restart
    let err = mleg::daemon::deliver_once(&t.app)
        .await
        .expect_err("the server refuses the token");
    let line = err.to_string();
    assert!(
        line.contains(&format!("SMTP login as {SCHOOL} refused"))
            && line.contains("refused the OAuth2 token (OAUTHBEARER)")
            && line.contains("smtp.user")
            && !line.contains('\n')
            && !line.contains("eyJ"),
        "{line}"
    );
    let waiting: Vec<_> = t.outbox_state().into_iter().filter(|r| !r.2).collect();
    assert_eq!(waiting.len(), 2, "{waiting:?}");
    assert!(
        waiting.iter().all(|r| r.3.is_none()),
        "no mail charged: {waiting:?}"
    );

    idp.set(|i| i.key = key);
    crate::outage::backoff_over(&t).await;
    let sent = match mleg::daemon::deliver_once(&t.app).await {
        Ok(sent) => sent,
        Err(e) => panic!("delivery: {e}\n{}", t.mail_log(SCHOOL)),
    };
    assert_eq!(sent.sent, 2, "the queue goes out with a good token");
    let reply = &t.exactly(&second, 1).await[0];
    assert!(reply.text.contains("Przyjęliśmy zdjęcie"), "{}", reply.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_logins_still_work_on_servers_that_take_tokens() {
    let t = TestApp::spawn_on(MailStack::start_oauth2(), |_| {});
    let parent = t.parent("haslo");
    t.register("Ala", "Hasłowa", &pesel(2014, 2, 2, 83), &parent);
    t.send(&photo_mail(&parent, "Ala Hasłowa")).await;
    let (intake, sent) = t.once().await;
    assert_eq!((intake.processed, sent.sent), (1, 2));
    let reply = &t.exactly(&parent, 1).await[0];
    assert!(reply.text.contains("Przyjęliśmy zdjęcie"), "{}", reply.text);
    let log = t.mail_log(SCHOOL);
    assert!(
        log.contains(&format!("Login: user=<{SCHOOL}>, method=PLAIN")),
        "IMAP password login: {log}"
    );
    assert!(
        log.contains(&format!("sasl_method=PLAIN, sasl_username={SCHOOL}")),
        "SMTP password login: {log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trace_logging_in_oauth2_mode_shows_no_token_or_client_secret() {
    let (t, idp, _secrets) = oauth2_app(3600);
    let parent = t.parent("slad");
    t.register("Iga", "Śladowska", &pesel(2014, 5, 6, 84), &parent);
    t.send(&photo_mail(&parent, "Iga Śladowska")).await;
    let out = Command::new(env!("CARGO_BIN_EXE_mleg"))
        .arg("--config")
        .arg(&t.config_path)
        .arg("once")
        .env("MLEG_LOG", "trace")
        .env("NO_COLOR", "1")
        .output()
        .expect("mleg runs");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("DEBUG"), "trace is on: {log}");
    assert!(log.contains("OAuth2 token fetched"), "{log}");
    assert_eq!(idp.fetches(), 1);
    t.exactly(&parent, 1).await;
    // Every JWT starts with the base64 of `{"`; SASL strings carry Bearer.
    for secret in ["eyJ", CLIENT_SECRET, "auth=Bearer", "Bearer ", "Śladowska"] {
        assert!(!log.contains(secret), "{secret:?} in the log:\n{log}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_idle_off_run_polls_every_poll_interval_and_answers() {
    let t = TestApp::spawn_with(|c| {
        *c = c.replace("[imap]\n", "[imap]\nidle = false\n");
    });
    let parent = t.parent("ankieta");
    t.register("Ewa", "Ankieta", &pesel(2014, 6, 7, 85), &parent);
    let log_file = tempfile::NamedTempFile::new().unwrap();
    let daemon = Daemon::start(&t, "info", Stdio::from(log_file.reopen().unwrap()));
    // Two mails, the second after the first was answered: each is found by
    // a poll (1 s in the test config), as no IDLE connection is kept.
    t.post(&photo_mail(&parent, "Ewa Ankieta")).await;
    assert!(
        t.received(&parent, 1).await[0]
            .text
            .contains("Przyjęliśmy zdjęcie")
    );
    t.post(&photo_mail(&parent, "Ewa Ankieta")).await;
    t.received(&parent, 2).await;
    drop(daemon);
    let log = std::fs::read_to_string(log_file.path()).unwrap();
    assert!(
        log.contains("imap.idle = false; polling every poll_interval_secs"),
        "{log}"
    );
    assert!(!log.contains("round failed"), "{log}");
}
