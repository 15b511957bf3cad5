//! The SMTP side: an outage delays mail, never loses it; a
//! refused login or sender charges no mail; only a refused recipient gives a
//! mail up, and then the secretary is told once; a silent server fails the
//! round instead of freezing it; a mail waits at most `outbox_max_age_hours`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use mleg::app::App;
use mleg::clock::SystemClock;
use mleg::config::Config;
use mleg::daemon;
use mleg::mail::outgoing::MailKind;
use mleg::store::{delivery, outbox, probe};

use crate::support::app::{SCHOOL, SECRETARY, TestApp, pesel};
use crate::support::mime::Mail;
use crate::support::photos;

/// Another `App` on the same database, with its config edited (e.g. the
/// SMTP server moved): the "server" side of an outage without touching Postfix.
pub(crate) fn sibling(t: &TestApp, edit: impl FnOnce(&mut Config)) -> App {
    let mut config = t.app.config.clone();
    edit(&mut config);
    App::new(config, Arc::new(SystemClock)).unwrap()
}

/// A loopback port nobody listens on.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `n` parents each send their child's photo; intake queues the answers.
async fn photos_queued(t: &TestApp, tag: &str, n: u32) -> Vec<String> {
    let mut parents = Vec::new();
    for i in 0..n {
        let parent = t.parent(&format!("{tag}{i}"));
        let last = format!("Awaria{}", ["a", "b", "c", "d", "e"][i as usize % 5]);
        t.register("Ola", &last, &pesel(2014, 3, 1 + i, 700 + i), &parent);
        t.send(
            &Mail::new(&parent, SCHOOL, "legitymacja")
                .photo(&format!("Ola {last}.jpg"), photos::good_jpeg()),
        )
        .await;
        parents.push(parent);
    }
    daemon::intake_once(&t.app).await.unwrap();
    parents
}

fn rows(t: &TestApp) -> Vec<delivery::Row> {
    delivery::list(t.app.store().conn(), false).unwrap()
}

/// Waits until the server's backoff (if any) is over.
pub(crate) async fn backoff_over(t: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let backoff = delivery::server_backoff(t.app.store().conn()).unwrap();
        let Some(until) = backoff.filter(|u| chrono::Utc::now() < *u) else {
            return;
        };
        assert!(
            Instant::now() < deadline,
            "backoff until {until} never ends"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_smtp_outage_delays_mail_and_the_first_round_after_it_sends_everything() {
    let t = TestApp::spawn();
    let parents = photos_queued(&t, "awaria", 3).await;
    assert_eq!(outbox::counts(t.app.store().conn()).unwrap().pending, 6);
    let down = sibling(&t, |c| c.smtp.port = closed_port());
    for _ in 0..3 {
        if let Ok(report) = daemon::deliver_once(&down).await {
            assert_eq!(report.sent, 0);
        }
    }
    let all = rows(&t);
    assert_eq!(all.len(), 6);
    for r in &all {
        assert_eq!(
            (r.state, r.attempts),
            ("pending", 0),
            "no mail is charged: {r:?}"
        );
    }
    assert!(
        delivery::server_backoff(t.app.store().conn())
            .unwrap()
            .is_some(),
        "the server's backoff is stored"
    );
    // Postfix was there all along: "recovery" is the real config again.
    backoff_over(&t).await;
    let (_, report) = t.once().await;
    assert_eq!(
        report.sent, 6,
        "the first round after recovery sends the whole queue"
    );
    for parent in &parents {
        let reply = &t.exactly(parent, 1).await[0];
        assert!(reply.text.contains("Przyjęliśmy zdjęcie"), "{}", reply.text);
    }
    assert_eq!(outbox::counts(t.app.store().conn()).unwrap().failed, 0);
    assert_eq!(
        delivery::server_backoff(t.app.store().conn()).unwrap(),
        None
    );
}

/// The reply a scripted server gives to one command line (None: the default).
type Script = fn(&str) -> Option<&'static str>;

/// A scripted SMTP server: `answer` gives the reply to each command line
/// (None: the default for the verb). It speaks real SMTP over TCP.
async fn scripted_smtp(answer: Script) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 fake ESMTP\r\n").await;
                while let Ok(Some(line)) = lines.next_line().await {
                    let verb = line.split(' ').next().unwrap_or("").to_ascii_uppercase();
                    let reply = answer(&line).unwrap_or(match verb.as_str() {
                        "EHLO" => "250-fake\r\n250 AUTH PLAIN LOGIN\r\n",
                        "QUIT" => "221 bye\r\n",
                        _ => "250 ok\r\n",
                    });
                    let _ = write.write_all(reply.as_bytes()).await;
                    if verb == "QUIT" {
                        return;
                    }
                }
            });
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_login_or_sender_is_the_servers_failure_and_charges_no_mail() {
    let t = TestApp::spawn();
    let parent = t.parent("odmowa");
    t.queue_mails(MailKind::ParentNews, &parent, 3);
    let cases: [(&str, Script); 2] = [
        ("535 at login", |l| {
            l.starts_with("AUTH")
                .then_some("535 5.7.8 Error: authentication failed\r\n")
        }),
        ("553 to MAIL FROM", |l| {
            l.starts_with("MAIL")
                .then_some("553 5.7.1 Sender address rejected\r\n")
        }),
    ];
    for (what, script) in cases {
        let port = scripted_smtp(script).await;
        let fake = sibling(&t, |c| {
            c.smtp.port = port;
            c.smtp.credentials = Some(("szkola".into(), "zle-haslo".into()));
        });
        assert!(
            daemon::deliver_once(&fake).await.is_err(),
            "{what}: the round fails"
        );
        for r in rows(&t) {
            assert_eq!((r.state, r.attempts), ("pending", 0), "{what}: {r:?}");
        }
        assert!(
            delivery::server_backoff(t.app.store().conn())
                .unwrap()
                .is_some(),
            "{what}"
        );
        delivery::server_ok(t.app.store().conn()).unwrap();
    }
    let (_, report) = t.once().await;
    assert_eq!(report.sent, 3);
    t.exactly(&parent, 3).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_accepts_and_never_answers_fails_the_round_in_time() {
    let t = TestApp::spawn();
    let parent = t.parent("cisza");
    t.queue_mails(MailKind::ParentNews, &parent, 1);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream); // accepted, never answered
        }
    });
    let hung = sibling(&t, |c| {
        c.smtp.port = port;
        c.smtp.timeout_secs = 1;
    });
    let started = Instant::now();
    let round = tokio::time::timeout(Duration::from_secs(30), daemon::once(&hung)).await;
    println!(
        "a silent SMTP server failed the round after {:?}",
        started.elapsed()
    );
    assert!(round.expect("the round must not freeze").is_err());
    assert_eq!((rows(&t)[0].state, rows(&t)[0].attempts), ("pending", 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_recipient_gives_only_that_mail_up_and_the_secretary_is_told_once() {
    let t = TestApp::spawn();
    // Postfix refuses every domain it does not serve with 550 at RCPT TO.
    let parent = "rodzic@obca-domena.test";
    let id = t.register("Ewa", "Zagraniczna", &pesel(2013, 4, 4, 404), parent);
    t.send(
        &Mail::new(parent, SCHOOL, "legitymacja").photo("Ewa Zagraniczna.jpg", photos::good_jpeg()),
    )
    .await;
    let (_, first) = t.once().await;
    assert_eq!((first.sent, first.gave_up), (1, 1), "{:?}", rows(&t));
    t.once().await;
    let alert = &t.mails_about(SECRETARY, "nie została wysłana", 1).await[0];
    assert!(
        alert.subject.contains(&format!("#{id}")),
        "{}",
        alert.subject
    );
    assert!(alert.text.contains("odpowiedź rodzicowi"), "{}", alert.text);
    assert!(alert.text.contains("odrzucił adresata"), "{}", alert.text);
    assert!(
        !alert.text.contains("obca-domena"),
        "no address: {}",
        alert.text
    );
    let failed = delivery::list(t.app.store().conn(), true).unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].kind, "parent_reply");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alert_that_cannot_be_delivered_is_not_alerted_about() {
    let t = TestApp::spawn_with(|c| {
        *c = c.replace(
            "[staff]\n",
            "[staff]\nnotify = \"sekretariat@obca-domena.test\"\n",
        )
    });
    photos_queued(&t, "petla", 1).await;
    for _ in 0..4 {
        t.once().await;
    }
    let all = mleg::store::probe::outbox_rows(t.app.store().conn()).unwrap();
    let kinds: Vec<&str> = all.iter().map(|r| r.1.as_str()).collect();
    assert_eq!(
        kinds,
        vec!["parent_reply", "staff_photo", "staff_delivery_failed"],
        "one alert for the lost notification, none for the lost alert"
    );
    assert_eq!(outbox::counts(t.app.store().conn()).unwrap().pending, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mail_too_old_is_given_up_with_an_alert_and_mleg_outbox_retry_sends_it() {
    let t = TestApp::spawn_with(|c| c.insert_str(0, "outbox_max_age_hours = 1\n"));
    let parents = photos_queued(&t, "stara", 1).await;
    probe::age_outbox(t.app.store().conn(), 2).unwrap();
    let (_, report) = t.once().await;
    assert_eq!(
        (report.gave_up, report.sent),
        (2, 2),
        "two lost, two alerts sent"
    );
    let alerts = t.mails_about(SECRETARY, "nie została wysłana", 2).await;
    let texts: Vec<&str> = alerts.iter().map(|m| m.text.as_str()).collect();
    assert!(
        texts.iter().any(|t| t.contains("odpowiedź rodzicowi")),
        "{texts:?}"
    );
    assert!(texts.iter().any(|t| t.contains("ze zdjęciem")), "{texts:?}");
    assert!(
        texts.iter().all(|t| t.contains("przez 1 godz.")),
        "{texts:?}"
    );
    let bin = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_mleg"))
            .arg("--config")
            .arg(&t.config_path)
            .args(args)
            .env("MLEG_LOG", "warn")
            .output()
            .unwrap()
    };
    let list = bin(&["outbox", "list", "--failed"]);
    let text = String::from_utf8_lossy(&list.stdout).into_owned();
    assert!(list.status.success(), "{text}");
    assert_eq!(text.matches("porzucona").count(), 2, "{text}");
    assert!(
        text.contains("parent_reply") && text.contains("staff_photo"),
        "{text}"
    );
    assert!(!text.contains('@'), "no address in the table: {text}");
    let retry = bin(&["outbox", "retry", "--all-failed"]);
    let said = String::from_utf8_lossy(&retry.stdout).into_owned();
    assert!(
        retry.status.success() && said.contains("ponownie w kolejce: 2"),
        "{said}"
    );
    let (_, again) = t.once().await;
    assert_eq!(again.sent, 2);
    let reply = &t.exactly(&parents[0], 1).await[0];
    assert!(reply.text.contains("Przyjęliśmy zdjęcie"), "{}", reply.text);
    let none = bin(&["outbox", "list", "--failed"]);
    assert!(String::from_utf8_lossy(&none.stdout).contains("(brak)"));
}
