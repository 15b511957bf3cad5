//! Connections that cannot hang and TLS a school can use: a silent IMAP server fails the round within the configured
//! timeout and `mleg run` keeps going; one stuck after login holds up
//! neither the in-doubt lookup in `sent_folder` nor the digest's
//! needs-human count; `tls` and `starttls` work against the
//! real Dovecot and Postfix with the school's own CA (`ca_file`), and a
//! wrong name or an unknown CA is one line naming the server, the problem
//! and `ca_file`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use mleg::app::App;
use mleg::clock::FixedClock;
use mleg::config::ImapTimeouts;
use mleg::daemon;
use mleg::mail::outgoing::MailKind;
use mleg::store::{delivery, probe};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::support::app::{SCHOOL, SECRETARY, TestApp, pesel};
use crate::support::mime::Mail;
use crate::support::photos;
use crate::support::stack::MailStack;

/// Sets `key = value` in `[section]` of the test config (replacing the line
/// if there is one).
pub(crate) fn set_key(toml: &mut String, section: &str, key: &str, value: &str) {
    let header = format!("[{section}]\n");
    let start = toml.find(&header).expect("section in the test config") + header.len();
    let end = toml[start..]
        .find("\n[")
        .map_or(toml.len(), |i| start + i + 1);
    let body: Vec<&str> = toml[start..end]
        .lines()
        .filter(|l| !l.starts_with(&format!("{key} =")))
        .collect();
    let new = format!("{key} = {value}\n{}\n", body.join("\n"));
    toml.replace_range(start..end, &new);
}

/// A TCP server that accepts connections and holds them open, saying
/// `greeting` (if any) and then nothing: a hung server or half-open link.
async fn silent_server(greeting: Option<&'static str>) -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((mut socket, _)) = listener.accept().await {
            if let Some(g) = greeting {
                let _ = socket.write_all(g.as_bytes()).await;
            }
            held.push(socket);
            count.fetch_add(1, Ordering::SeqCst);
        }
    });
    (port, accepted)
}

/// An IMAP server that greets, takes any LOGIN and opens an empty INBOX,
/// then answers nothing else (no other SELECT, no STATUS): a server stuck
/// after login.
async fn stuck_after_select() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"* OK IMAP4rev1 ready\r\n").await;
                while let Ok(Some(line)) = lines.next_line().await {
                    let words: Vec<String> = line.split(' ').map(str::to_ascii_uppercase).collect();
                    let tag = line.split(' ').next().unwrap_or("*");
                    let reply = match (words.get(1).map(String::as_str), words.get(2)) {
                        (Some("LOGIN"), _) => format!("{tag} OK LOGIN done\r\n"),
                        (Some("SELECT"), Some(m)) if m.trim_matches('"') == "INBOX" => format!(
                            "* 0 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n{tag} OK [READ-WRITE] done\r\n"
                        ),
                        _ => continue, // heard, never answered
                    };
                    let _ = write.write_all(reply.as_bytes()).await;
                }
            });
        }
    });
    port
}

/// A TestApp whose `[imap]` points at `port`, with 1-second timeouts.
fn app_against(port: u16) -> TestApp {
    TestApp::spawn_with(|t| {
        set_key(t, "imap", "port", &port.to_string());
        set_key(t, "imap", "timeout_secs", "1");
        set_key(t, "imap", "fetch_timeout_secs", "1");
    })
}

async fn round_error(t: &TestApp) -> (String, Duration) {
    let started = Instant::now();
    let round = tokio::time::timeout(Duration::from_secs(20), daemon::once(&t.app))
        .await
        .expect("the round must not hang on a silent server");
    let e = round.expect_err("a round against a silent IMAP server fails");
    (e.to_string(), started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_never_answers_fails_the_round_within_the_timeout() {
    let (port, _) = silent_server(None).await;
    let t = app_against(port);
    let (e, took) = round_error(&t).await;
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert!(
        e.contains(&format!("127.0.0.1:{port}")) && e.contains("greeting within 1 s"),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_greets_and_then_stalls_fails_the_round_at_login() {
    let (port, _) = silent_server(Some("* OK IMAP4rev1 ready\r\n")).await;
    let t = app_against(port);
    let (e, took) = round_error(&t).await;
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert!(e.contains("no answer to LOGIN within 1 s"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_keeps_going_round_after_round_when_the_imap_server_hangs() {
    let (port, accepted) = silent_server(Some("* OK IMAP4rev1 ready\r\n")).await;
    let t = app_against(port);
    let token = CancellationToken::new();
    let run = daemon::run(&t.app, token.clone());
    tokio::pin!(run);
    let third_round = async {
        while accepted.load(Ordering::SeqCst) < 3 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::select! {
        _ = &mut run => panic!("mleg run stopped by itself"),
        _ = tokio::time::timeout(Duration::from_secs(20), third_round) => {}
    }
    assert!(
        accepted.load(Ordering::SeqCst) >= 3,
        "mleg run froze on a hung IMAP server: only {} connection(s) in 20 s",
        accepted.load(Ordering::SeqCst)
    );
    token.cancel();
    tokio::time::timeout(Duration::from_secs(10), run)
        .await
        .expect("mleg run stops when asked, even with a hung server");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sent_folder_lookup_on_a_stuck_server_fails_in_time_and_the_mail_waits() {
    let port = stuck_after_select().await;
    let t = TestApp::spawn_with(|c| {
        set_key(c, "imap", "port", &port.to_string());
        set_key(c, "imap", "timeout_secs", "1");
        set_key(c, "imap", "fetch_timeout_secs", "1");
        set_key(c, "imap", "sent_folder", "\"Sent\"");
    });
    let parent = t.parent("zawieszony");
    t.queue_mails(MailKind::ParentNews, &parent, 1);
    // Cut off after DATA began: in doubt, to be looked up in "Sent".
    probe::mark_all_sending(t.app.store().conn()).unwrap();
    let round = tokio::time::timeout(Duration::from_secs(20), daemon::deliver_once(&t.app))
        .await
        .expect("delivery must not freeze on a stuck sent-folder lookup");
    let report = round.expect("delivery goes on without the lookup");
    assert_eq!((report.found_sent, report.in_doubt, report.sent), (0, 0, 0));
    assert_eq!(
        delivery::in_doubt(t.app.store().conn()).unwrap().len(),
        1,
        "the mail waits until the sent folder can be read"
    );
    t.exactly(&parent, 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_digest_comes_with_an_unknown_count_when_imap_is_stuck_after_login() {
    let port = stuck_after_select().await;
    let t = TestApp::spawn();
    let (id, _, _) = t.photo_with_secretary("Ala", "Zawieszona", 6).await;
    // Tuesday 1 December 2026, the digest's time, with IMAP stuck.
    let now = chrono::DateTime::parse_from_rfc3339("2026-12-01T07:30:00+01:00")
        .unwrap()
        .to_utc();
    let mut config = t.app.config.clone();
    config.imap.port = port;
    config.imap.timeouts = ImapTimeouts {
        command: Duration::from_secs(1),
        fetch: Duration::from_secs(1),
        ..ImapTimeouts::default()
    };
    let app = App::new(config, Arc::new(FixedClock(now))).unwrap();
    let step = tokio::time::timeout(Duration::from_secs(20), mleg::scheduler::step(&app, now))
        .await
        .expect("the digest must not freeze on a stuck STATUS")
        .expect("step");
    assert!(step.digest.sent);
    daemon::deliver_once(&app).await.expect("delivery");
    let digest = &t.mails_about(SECRETARY, "Podsumowanie dnia", 1).await[0];
    assert!(digest.text.contains(&format!("#{id}")), "{}", digest.text);
    assert!(
        digest.text.contains("nieznana liczba"),
        "the needs-human count is unknown: {}",
        digest.text
    );
}

/// A registered parent's good photo is answered through `stack` with the
/// config edited by `edit` (TLS settings).
async fn photo_answered(stack: MailStack, edit: impl FnOnce(&mut String)) {
    let t = TestApp::spawn_on(stack, edit);
    let parent = t.parent("tls");
    t.register("Anna", "Nowak", &pesel(2015, 2, 3, 77), &parent);
    let mail =
        Mail::new(&parent, SCHOOL, "legitymacja").photo("Anna Nowak.jpg", photos::good_jpeg());
    t.send(&mail).await;
    let (intake, sent) = t.once().await;
    assert_eq!((intake.processed, sent.sent), (1, 2));
    let reply = &t.exactly(&parent, 1).await[0];
    assert!(reply.text.contains("Przyjęliśmy zdjęcie"), "{}", reply.text);
}

fn quoted(path: &std::path::Path) -> String {
    format!("{:?}", path.display().to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_from_the_first_byte_works_with_the_schools_ca() {
    let stack = MailStack::start_tls();
    let tls = stack.tls.clone().unwrap();
    photo_answered(stack, |t| {
        for (section, port) in [("imap", tls.imaps_port), ("smtp", tls.smtps_port)] {
            set_key(t, section, "host", "\"localhost\"");
            set_key(t, section, "port", &port.to_string());
            set_key(t, section, "tls", "\"tls\"");
            set_key(t, section, "ca_file", &quoted(&tls.ca_file));
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_works_with_the_schools_ca() {
    let stack = MailStack::start_tls();
    let tls = stack.tls.clone().unwrap();
    photo_answered(stack, |t| {
        for section in ["imap", "smtp"] {
            set_key(t, section, "host", "\"localhost\"");
            set_key(t, section, "tls", "\"starttls\"");
            set_key(t, section, "ca_file", &quoted(&tls.ca_file));
        }
    })
    .await;
}

/// The error of one round (IMAP) and of an SMTP connection test.
async fn both_errors(t: &TestApp) -> (String, String) {
    let imap = daemon::once(&t.app)
        .await
        .expect_err("IMAP refused")
        .to_string();
    let sender = mleg::mail::smtp::Sender::new(&t.app.config.smtp).unwrap();
    let smtp = sender
        .test_connection()
        .await
        .expect_err("SMTP refused")
        .to_string();
    (imap, smtp)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_ca_or_a_wrong_name_is_one_line_naming_server_problem_and_ca_file() {
    let stack = MailStack::start_tls();
    let tls = stack.tls.clone().unwrap();
    let ports = [("imap", tls.imaps_port), ("smtp", tls.smtps_port)];
    // The certificate is fine, but nobody told mleg to trust the school's CA.
    let t = TestApp::spawn_on(stack, |t| {
        for (section, port) in ports {
            set_key(t, section, "host", "\"localhost\"");
            set_key(t, section, "port", &port.to_string());
            set_key(t, section, "tls", "\"tls\"");
        }
    });
    let (imap, smtp) = both_errors(&t).await;
    for (e, section, port) in [(imap, "imap", ports[0].1), (smtp, "smtp", ports[1].1)] {
        assert!(!e.contains('\n'), "{e}");
        assert!(e.contains(&format!("localhost:{port}")), "{e}");
        assert!(
            e.contains("unknown CA") && e.contains(&format!("{section}.ca_file")),
            "{e}"
        );
    }

    // Trusted CA, but the certificate names only "localhost".
    let stack = MailStack::start_tls();
    let tls = stack.tls.clone().unwrap();
    let ports = [("imap", tls.imaps_port), ("smtp", tls.smtps_port)];
    let t = TestApp::spawn_on(stack, |t| {
        for (section, port) in ports {
            set_key(t, section, "port", &port.to_string());
            set_key(t, section, "tls", "\"tls\"");
            set_key(t, section, "ca_file", &quoted(&tls.ca_file));
        }
    });
    let (imap, smtp) = both_errors(&t).await;
    for (e, section, port) in [(imap, "imap", ports[0].1), (smtp, "smtp", ports[1].1)] {
        assert!(!e.contains('\n'), "{e}");
        assert!(e.contains(&format!("127.0.0.1:{port}")), "{e}");
        assert!(
            e.contains("not valid for the name \"127.0.0.1\"")
                && e.contains(&format!("{section}.ca_file")),
            "{e}"
        );
    }
}

/// STARTTLS on the usual ports with the school's CA not configured: the
/// round (IMAP) and a delivery round (SMTP) each fail with one line naming
/// the server, the problem and `ca_file`, and no queued mail is charged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_to_an_unknown_ca_is_one_line_and_the_queue_waits() {
    let stack = MailStack::start_tls();
    let t = TestApp::spawn_on(stack, |t| {
        for section in ["imap", "smtp"] {
            set_key(t, section, "host", "\"localhost\"");
            set_key(t, section, "tls", "\"starttls\"");
        }
    });
    let imap = daemon::once(&t.app)
        .await
        .expect_err("IMAP refused")
        .to_string();
    t.queue_mails(
        mleg::mail::outgoing::MailKind::ParentNews,
        &t.parent("czeka"),
        2,
    );
    let smtp = daemon::deliver_once(&t.app)
        .await
        .expect_err("SMTP refused")
        .to_string();
    for (e, section) in [(imap, "imap"), (smtp, "smtp")] {
        assert!(!e.contains('\n'), "{e}");
        assert!(e.contains("localhost:"), "{e}");
        assert!(
            e.contains("unknown CA") && e.contains(&format!("{section}.ca_file")),
            "{e}"
        );
    }
    let rows = t.outbox_state();
    assert_eq!(rows.len(), 2);
    assert!(
        rows.iter()
            .all(|(_, _, sent, error)| !sent && error.is_none()),
        "{rows:?}"
    );
}
