//! `mleg status` as a monitor (Nagios, Icinga, Zabbix) calls it: the real
//! binary, its first line and its exit code, while rounds run in other
//! processes against the real stack.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::app::{Daemon, SCHOOL, TestApp, mleg, pesel};
use crate::support::mime::Mail;
use crate::support::photos;

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn json(t: &TestApp) -> serde_json::Value {
    serde_json::from_slice(&mleg(t, &["status", "--json"]).stdout).expect("status --json is JSON")
}

/// A loopback port nobody listens on.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Points the config file's SMTP server at `to` (as a typo or a moved server would).
fn smtp_port(t: &TestApp, from: u16, to: u16) {
    let text = std::fs::read_to_string(&t.config_path).unwrap();
    let moved = text.replace(&format!("port = {from}\n"), &format!("port = {to}\n"));
    assert_ne!(text, moved, "the SMTP port is in the config");
    std::fs::write(&t.config_path, moved).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_exit_codes_follow_nagios_as_the_smtp_server_fails_and_comes_back() {
    let t = TestApp::spawn();
    let out = mleg(&t, &["status"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).starts_with("MLEG WARNING - no round has run yet"));

    assert!(mleg(&t, &["once"]).status.success());
    let out = mleg(&t, &["status"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(text.starts_with("MLEG OK - mail flows\n"), "{text}");
    for line in [
        "imap: ok",
        "smtp: not failing",
        "queue: 0, given up: 0",
        "idle: unknown",
    ] {
        assert!(text.contains(line), "{line:?}:\n{text}");
    }

    // A parent writes while the SMTP server is unreachable: the round fails.
    let parent = t.parent("nagios");
    t.register("Ala", "Monitor", &pesel(2013, 4, 4, 44), &parent);
    t.send(
        &Mail::new(&parent, SCHOOL, "legitymacja").photo("Ala Monitor.jpg", photos::good_jpeg()),
    )
    .await;
    let closed = closed_port();
    smtp_port(&t, t.stack.smtp_port, closed);
    assert!(!mleg(&t, &["once"]).status.success());
    let out = mleg(&t, &["status"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        stdout(&out).starts_with("MLEG CRITICAL - SMTP failing since "),
        "{}",
        stdout(&out)
    );
    let status = json(&t);
    assert_eq!(status["level"], "CRITICAL");
    assert_eq!(status["exit_code"], 2);
    assert_eq!(status["smtp"]["ok"], false);
    assert!(status["smtp"]["failing_since"].is_string(), "{status:#}");
    assert_eq!(status["failing_since"], status["smtp"]["failing_since"]);
    assert_eq!(
        status["imap"]["ok"], true,
        "the mailbox was read: {status:#}"
    );
    // The parent's answer and the secretary's photo wait.
    assert_eq!(status["queue"]["length"], 2, "{status:#}");
    assert!(status["queue"]["oldest"].is_string());
    assert!(status["database_bytes"].as_u64().unwrap() > 0);
    assert!(
        !stdout(&mleg(&t, &["status", "--json"])).contains("nagios@"),
        "no parent's address in the status"
    );

    // Back: the queued answer goes out and the status is OK again.
    smtp_port(&t, closed, t.stack.smtp_port);
    // The server is left alone for a while after a failure; a retry clears it.
    assert!(
        mleg(&t, &["outbox", "retry", "--all-failed"])
            .status
            .success()
    );
    assert!(mleg(&t, &["once"]).status.success());
    assert_eq!(t.received(&parent, 1).await.len(), 1);
    let out = mleg(&t, &["status"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn status_is_unknown_when_the_config_or_database_cannot_be_read() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mleg"))
        .arg("--config")
        .arg(dir.path().join("absent.toml"))
        .args(["status"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stdout(&out).starts_with("MLEG UNKNOWN - "),
        "{}",
        stdout(&out)
    );
}

/// The daemon's IDLE connection, as another process sees it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_from_another_process_sees_the_daemons_idle_connection() {
    let t = TestApp::spawn();
    let _daemon = Daemon::start(&t, "warn", Stdio::null());
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let status = json(&t);
        if status["idle"] == "connected" && status["level"] == "OK" {
            assert!(status["last_round"]["ok"] == true, "{status:#}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "IDLE never connected: {status:#}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// `[oauth2] client_secret_expires`, copied from the Entra portal: a warning
/// 30 days before, critical once past, in `mleg status` and `mleg check`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_secret_near_its_end_warns_and_an_expired_one_is_critical() {
    let in_days = |d: i64| (chrono::Utc::now() + chrono::Duration::days(d)).date_naive();
    let soon = in_days(10);
    let secret = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(secret.path(), "not-used\n").unwrap();
    let t = TestApp::spawn_with(|toml| {
        toml.push_str(&format!(
            "[oauth2]\nprovider = \"custom\"\ntoken_url = \"http://127.0.0.1:9/token\"\n\
             client_id = \"mleg\"\nclient_secret_file = \"{}\"\n\
             client_secret_expires = \"{soon}\"\n",
            secret.path().display()
        ));
    });
    assert!(mleg(&t, &["once"]).status.success());
    let out = mleg(&t, &["status"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).starts_with(&format!(
            "MLEG WARNING - the OAuth2 client secret expires on {soon}"
        )),
        "{}",
        stdout(&out)
    );
    let check = stdout(&mleg(&t, &["check"]));
    assert!(
        check.contains(&format!("the OAuth2 client secret expires on {soon}")),
        "{check}"
    );

    let past = in_days(-2);
    let text = std::fs::read_to_string(&t.config_path).unwrap();
    std::fs::write(
        &t.config_path,
        text.replace(&soon.to_string(), &past.to_string()),
    )
    .unwrap();
    let out = mleg(&t, &["status"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(stdout(&out).contains(&format!("the OAuth2 client secret expired on {past}")));
}
