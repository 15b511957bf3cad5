//! Running as a service: JSON log lines for collectors that
//! carry no login, password or personal data even at trace, passwords
//! handed over by systemd's `LoadCredential=`, and `mleg check`.

use std::process::{Command, Output};

use crate::support::app::{NEEDS_HUMAN, PROCESSED, SCHOOL, TestApp, pesel};
use crate::support::mime::Mail;
use crate::support::photos;
use crate::support::stack::{MailStack, PASSWORD};
use crate::transport::set_key;

fn mleg(config: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mleg"))
        .arg("--config")
        .arg(config)
        .args(args)
        .env_remove("CREDENTIALS_DIRECTORY")
        .envs(env.iter().copied())
        .env("NO_COLOR", "1")
        .output()
        .expect("mleg runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_at_trace_are_json_lines_without_login_or_personal_data() {
    let t = TestApp::spawn_with(|c| c.insert_str(0, "log_format = \"json\"\n"));
    let parent = t.parent("jsonowa");
    let pesel = pesel(2013, 5, 6, 4343);
    t.register("Bożydar", "Wiśniewski", &pesel, &parent);
    let mail = Mail::new(&parent, SCHOOL, "legitymacja")
        .text("Kod do furtki ZZTAJNE-1234.")
        .photo("Bożydar Wiśniewski.jpg", photos::good_jpeg());
    t.send(&mail).await;

    let out = mleg(&t.config_path, &["once"], &[("MLEG_LOG", "trace")]);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("obsłużono: 1"));
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(
        lines.iter().any(|l| l["level"] == "DEBUG"),
        "trace is on for mleg itself:\n{log}"
    );
    for secret in [
        PASSWORD,
        "LOGIN",
        "ZZTAJNE",
        "furtki",
        &pesel,
        "Wiśniewski",
        "Bożydar",
    ] {
        assert!(!log.contains(secret), "{secret:?} in the log:\n{log}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_password_can_come_from_systemd_s_credentials_directory() {
    let t = TestApp::spawn();
    let creds = tempfile::tempdir().unwrap();
    std::fs::write(creds.path().join("imap"), format!("{PASSWORD}\n")).unwrap();
    let text = std::fs::read_to_string(&t.config_path).unwrap().replace(
        "password_file = \"imap.password\"",
        "password_file = \"$CREDENTIALS_DIRECTORY/imap\"",
    );
    let config = t.config_path.with_file_name("service.toml");
    std::fs::write(&config, text).unwrap();

    let dir = creds.path().to_str().unwrap();
    let out = mleg(&config, &["once"], &[("CREDENTIALS_DIRECTORY", dir)]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The unit's LoadCredential=mleg:<dir> hands <dir>/imap over as mleg_imap.
    let loaded = tempfile::tempdir().unwrap();
    std::fs::write(loaded.path().join("mleg_imap"), format!("{PASSWORD}\n")).unwrap();
    let dir = loaded.path().to_str().unwrap();
    let out = mleg(&config, &["once"], &[("CREDENTIALS_DIRECTORY", dir)]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // By hand, outside systemd: the file the unit would load, credentials/ beside the config.
    let out = mleg(&config, &["once"], &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    let source = t.config_path.with_file_name("credentials").join("imap");
    assert!(
        err.contains("`imap.password_file`")
            && err.contains(&source.display().to_string())
            && err.contains("No such file"),
        "{err}"
    );
    std::fs::create_dir(source.parent().unwrap()).unwrap();
    std::fs::write(&source, format!("{PASSWORD}\n")).unwrap();
    let out = mleg(&config, &["once"], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_reports_tls_mechanisms_login_folders_from_and_the_database() {
    let stack = MailStack::start_tls();
    let tls = stack.tls.clone().unwrap();
    let ca = format!("{:?}", tls.ca_file.display().to_string());
    let t = TestApp::spawn_on(stack, |c| {
        for section in ["imap", "smtp"] {
            set_key(c, section, "host", "\"localhost\"");
            set_key(c, section, "ca_file", &ca);
        }
        set_key(c, "imap", "port", &tls.imaps_port.to_string());
        set_key(c, "imap", "tls", "\"tls\"");
        set_key(c, "smtp", "tls", "\"starttls\"");
    });
    let out = mleg(&t.config_path, &["check"], &[]);
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let imap = format!("IMAP localhost:{}", tls.imaps_port);
    let smtp = format!("SMTP localhost:{}", t.stack.smtp_port);
    for line in [
        format!("{imap}: OK, reachable"),
        format!("{imap}: TLS 1.3, certificate CN=localhost"),
        format!("{imap}: login mechanisms offered: PLAIN LOGIN"),
        format!("{imap}: login as {SCHOOL} OK"),
        format!("{imap}: IDLE offered: new mail is answered at once"),
        format!("{imap}: mailbox INBOX OK (0 mails)"),
        format!("{imap}: folder {PROCESSED} created"),
        format!("{imap}: folder {NEEDS_HUMAN} created"),
        // lettre does not tell the version: mleg check reads it itself.
        format!("{smtp}: TLS 1.3, certificate CN=localhost"),
        format!("{smtp}: login mechanisms offered: PLAIN LOGIN"),
        format!("{smtp}: accepts From {SCHOOL}"),
        "mode 0600 OK".to_owned(),
    ] {
        assert!(report.contains(&line), "{line:?} missing from:\n{report}");
    }
    assert!(
        t.stack
            .list_folders(SCHOOL)
            .await
            .contains(&PROCESSED.to_owned()),
        "the folder really exists"
    );
    let again = mleg(&t.config_path, &["check"], &[]);
    let report = String::from_utf8_lossy(&again.stdout);
    assert!(
        report.contains(&format!("{imap}: folder {PROCESSED} exists")),
        "{report}"
    );
    let migrations = report
        .lines()
        .find(|l| l.contains("migrations"))
        .unwrap_or_default();
    let (done, known) = migrations
        .split("migrations ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next()?.split_once('/'))
        .expect("migrations n/m");
    assert_eq!(done, known, "{migrations}");

    // SMTP with TLS from the first byte (port 465 style) says its version too.
    let mut text = std::fs::read_to_string(&t.config_path).unwrap();
    set_key(&mut text, "smtp", "port", &tls.smtps_port.to_string());
    set_key(&mut text, "smtp", "tls", "\"tls\"");
    std::fs::write(&t.config_path, text).unwrap();
    let out = mleg(&t.config_path, &["check"], &[]);
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{report}");
    let smtps = format!("SMTP localhost:{}", tls.smtps_port);
    for line in [
        format!("{smtps}: TLS 1.3, certificate CN=localhost"),
        format!("{smtps}: login as {SCHOOL} OK"),
    ] {
        assert!(report.contains(&line), "{line:?} missing from:\n{report}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plaintext_to_another_machine_is_refused_or_warned_about_at_start() {
    let t = TestApp::spawn();
    let text = std::fs::read_to_string(&t.config_path).unwrap();
    let mut remote = text.clone();
    set_key(&mut remote, "smtp", "host", "\"smtp.example.pl\"");
    let config = t.config_path.with_file_name("remote.toml");
    std::fs::write(&config, &remote).unwrap();
    let out = mleg(&config, &["apps", "list"], &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("smtp.tls") && err.contains("allow_plaintext"),
        "{err}"
    );

    set_key(&mut remote, "smtp", "allow_plaintext", "true");
    std::fs::write(&config, &remote).unwrap();
    let out = mleg(&config, &["apps", "list"], &[("MLEG_LOG", "warn")]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("WARN")
            && err.contains("[smtp] smtp.example.pl")
            && err.contains("unencrypted"),
        "{err}"
    );
}
