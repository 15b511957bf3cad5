//! Never answer a robot, through the real Postfix and Dovecot:
//! robot headers and senders, a vacation responder without headers, the
//! per-sender cap, a real Postfix bounce, and the loop guards on every mail
//! mleg sends.

use lettre::address::{Address, Envelope};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use mleg::domain::Status;

use crate::support::app::{NEEDS_HUMAN, PROCESSED, SCHOOL, SECRETARY, TestApp, pesel};
use crate::support::mime::Mail;
use crate::support::photos;

/// Sends `raw` with an empty envelope sender (`MAIL FROM:<>`), as bounces
/// and notifications are sent: Dovecot then files it with `Return-Path: <>`.
async fn send_with_null_sender(t: &TestApp, raw: &[u8]) {
    let before = t.stack.fetch_all(SCHOOL, "INBOX").await.len();
    let to: Address = SCHOOL.parse().unwrap();
    let envelope = Envelope::new(None, vec![to]).unwrap();
    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(t.stack.smtp_port)
        .build()
        .send_raw(&envelope, raw)
        .await
        .expect("Postfix takes a null-sender mail");
    t.stack.wait_for_mails(SCHOOL, "INBOX", before + 1).await;
}

/// A parent whose photo mleg answered; returns the parent, the application
/// and the Message-ID of mleg's reply (what auto-responders answer).
async fn answered_parent(t: &TestApp, local: &str, serial: u32) -> (String, i64, String) {
    let parent = t.parent(local);
    let id = t.register("Robert", "Automat", &pesel(2015, 3, 3, serial), &parent);
    t.send(
        &Mail::new(&parent, SCHOOL, "legitymacja").photo("Robert Automat.jpg", photos::good_jpeg()),
    )
    .await;
    t.once().await;
    let reply = &t.exactly(&parent, 1).await[0];
    (
        parent,
        id,
        reply.message_id.clone().expect("our reply has an id"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_robot_header_and_sender_is_filed_for_a_human_and_never_answered() {
    let t = TestApp::spawn();
    let (parent, _, ours) = answered_parent(&t, "urlop", 31).await;
    let robots: Vec<String> = [
        "mailer-daemon",
        "postmaster",
        "noreply",
        "no-reply",
        "do-not-reply",
    ]
    .iter()
    .map(|l| t.parent(l))
    .collect();
    let headers = [
        "Auto-Submitted: auto-replied",
        "Precedence: bulk",
        "Precedence: auto_reply",
        "List-Id: Rodzice 3A <rodzice3a.example.pl>",
        "List-Unsubscribe: <mailto:wypisz@example.pl>",
        "X-Autoreply: yes",
        "X-Autorespond: yes",
        "X-Auto-Response-Suppress: OOF",
        "X-Loop: szkola@szkola.test",
    ];
    let mut cases: Vec<(String, String)> = headers
        .iter()
        .map(|h| (parent.clone(), h.to_string()))
        .collect();
    cases.extend(robots.iter().map(|r| (r.clone(), String::new())));
    for (i, (from, header)) in cases.iter().enumerate() {
        let mut m = Mail::new(from, SCHOOL, &format!("Re: legitymacja ({i})"))
            .header(&format!("In-Reply-To: <{ours}>"))
            .text(&format!("Odpowiedź automatyczna nr {i}."));
        if !header.is_empty() {
            m = m.header(header);
        }
        t.send(&m).await;
    }
    let null_sender = Mail::new(&parent, SCHOOL, "Re: legitymacja (null)")
        .header(&format!("In-Reply-To: <{ours}>"))
        .text("Powiadomienie systemowe.");
    send_with_null_sender(&t, &null_sender.build()).await;
    let n = cases.len() + 1;

    let (intake, _) = t.once().await;
    assert_eq!(
        (intake.examined, intake.needs_human),
        (n, n),
        "every robot mail goes to a person"
    );
    t.exactly(&parent, 1).await;
    for r in &robots {
        t.exactly(r, 0).await;
    }
    assert_eq!(t.stack.fetch_all(SCHOOL, NEEDS_HUMAN).await.len(), n);
    let notes = t.exactly(SECRETARY, 1 + n).await;
    let why: Vec<&str> = notes
        .iter()
        .filter(|m| m.text.contains("Bez automatycznej odpowiedzi, bo:"))
        .map(|m| m.text.as_str())
        .collect();
    assert_eq!(why.len(), n, "each note says why");
    assert!(why.iter().any(|t| t.contains("(Return-Path: <>)")));
    assert!(why.iter().any(|t| t.contains("(X-Loop)")));
    assert!(why.iter().any(|t| t.contains("nadawca-automat")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_robot_s_photo_is_recorded_and_only_the_secretary_hears_of_it() {
    let t = TestApp::spawn();
    let parent = t.parent("autofoto");
    let id = t.register("Robert", "Automat", &pesel(2015, 3, 3, 32), &parent);
    t.send(
        &Mail::new(&parent, SCHOOL, "legitymacja")
            .header("X-Autoreply: yes")
            .photo("Robert Automat.jpg", photos::good_jpeg()),
    )
    .await;
    let (intake, _) = t.once().await;
    assert_eq!(intake.needs_human, 1);
    assert_eq!(t.application(id).status, Status::AwaitingReview);
    t.exactly(&parent, 0).await;
    let to_secretary = t.exactly(SECRETARY, 2).await;
    assert!(
        to_secretary
            .iter()
            .any(|m| m.subject.contains("Zdjęcie do wprowadzenia")),
        "the photo reached the secretary"
    );
    assert!(
        to_secretary
            .iter()
            .any(|m| m.subject.contains("wiadomość bez automatycznej odpowiedzi")),
        "and why nobody was answered"
    );
    assert_eq!(t.stack.fetch_all(SCHOOL, NEEDS_HUMAN).await.len(), 1);
}

/// A vacation responder without robot headers answering mleg's reply: the
/// ping-pong ends after mleg's first reply, and each of its mails goes to
/// the secretary with the reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_responder_without_headers_answering_ours_gets_no_answer() {
    let t = TestApp::spawn();
    let (parent, _, ours) = answered_parent(&t, "wakacje", 33).await;
    let mut subject = "Re: legitymacja".to_string();
    for _ in 0..3 {
        subject = format!("Odp: {subject}");
        t.send(
            &Mail::new(&parent, SCHOOL, &subject)
                .header(&format!("In-Reply-To: <{ours}>"))
                .text("Jestem na urlopie do 10 stycznia.\nW pilnych sprawach proszę dzwonić."),
        )
        .await;
        t.once().await;
    }
    // Only mleg's first answer, the one the responder kept answering.
    t.exactly(&parent, 1).await;
    assert_eq!(t.stack.fetch_all(SCHOOL, NEEDS_HUMAN).await.len(), 3);
    let notes = t
        .mails_about(SECRETARY, "odpowiedź na wiadomość systemu", 3)
        .await;
    assert!(
        notes[0]
            .text
            .contains("System nie odpowiada na takie wiadomości automatycznie"),
        "{}",
        notes[0].text
    );
}

/// A broken responder that threads nothing but adds a prefix and quotes
/// mleg's answer every round: still near-identical, so the third copy
/// within an hour is not answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_responder_adding_prefixes_and_quotes_gets_at_most_two_replies() {
    let t = TestApp::spawn();
    let (parent, _, _) = answered_parent(&t, "petla", 36).await;
    let mut subject = "legitymacja".to_string();
    let mut quote = String::new();
    for _ in 0..3 {
        subject = format!("RE: {subject}");
        t.send(
            &Mail::new(&parent, SCHOOL, &subject)
                .text(&format!("Dziękujemy za wiadomość.\n\n{quote}")),
        )
        .await;
        t.once().await;
        // What a responder quotes grows every round.
        quote = format!(
            "W dniu 1.12.2026 Sekretariat pisze:\n> Dziękujemy za wiadomość.\n{}",
            quote.replace('\n', "\n> ")
        );
    }
    // The photo's answer plus two: the third copy went to a person.
    t.exactly(&parent, 3).await;
    let notes = t
        .mails_about(SECRETARY, "bez automatycznej odpowiedzi", 1)
        .await;
    assert!(
        notes[0].text.contains("trzecia prawie identyczna"),
        "{}",
        notes[0].text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cap_sends_one_last_notice_then_silence_and_every_mail_carries_the_loop_guards() {
    let t = TestApp::spawn_with(|c| {
        *c = c.replacen(
            "poll_interval_secs = 1",
            "poll_interval_secs = 1\nmax_auto_replies_per_day = 3",
            1,
        )
    });
    let parent = t.parent("limit");
    let id = t.register("Robert", "Automat", &pesel(2015, 3, 3, 34), &parent);
    for i in 0..5 {
        t.send(
            &Mail::new(&parent, SCHOOL, &format!("legitymacja {i}"))
                .text(&format!("Zdjęcie nr {i}."))
                .photo("Robert Automat.jpg", photos::good_jpeg()),
        )
        .await;
    }
    let (intake, _) = t.once().await;
    assert_eq!((intake.processed, intake.needs_human), (3, 2));
    assert_eq!(t.application(id).status, Status::AwaitingReview);
    let got = t.exactly(&parent, 3).await;
    let last = got
        .iter()
        .filter(|m| m.text.contains("Kolejne wiadomości przeczyta sekretariat"))
        .count();
    assert_eq!(last, 1, "exactly one last notice");
    t.once().await;
    t.exactly(&parent, 3).await;

    let mut raws = t.stack.fetch_all(&parent, "INBOX").await;
    raws.extend(t.stack.fetch_all(SECRETARY, "INBOX").await);
    assert!(raws.len() > 5);
    for m in raws
        .iter()
        .map(|m| String::from_utf8_lossy(&m.raw).to_string())
    {
        if m.contains("Subject: marker") {
            continue;
        }
        let headers = m.split("\r\n\r\n").next().unwrap_or_default();
        let reply = headers.contains("\r\nIn-Reply-To:");
        let auto = if reply {
            "auto-replied"
        } else {
            "auto-generated"
        };
        for expected in [
            format!("Auto-Submitted: {auto}"),
            "X-Auto-Response-Suppress: All".to_string(),
            format!("X-Loop: {SCHOOL}"),
        ] {
            assert!(
                headers.contains(&expected),
                "{expected} missing in\n{headers}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_bounce_marks_the_application_and_tells_the_secretary_once() {
    let t = TestApp::spawn();
    // No such mailbox: Postfix takes the mail, Dovecot refuses it, Postfix
    // bounces mleg's reply back to the school.
    let parent = "nikogo.tu.nie.ma@example.pl";
    let id = t.register("Robert", "Automat", &pesel(2015, 3, 3, 35), parent);
    for i in 0..2 {
        t.send(
            &Mail::new(parent, SCHOOL, &format!("legitymacja {i}"))
                .text(&format!("Zdjęcie {i}"))
                .photo("Robert Automat.jpg", photos::good_jpeg()),
        )
        .await;
    }
    t.once().await;
    t.stack.wait_for_mails(SCHOOL, "INBOX", 2).await;
    let (intake, sent) = t.once().await;
    assert_eq!(
        (intake.examined, intake.processed),
        (2, 2),
        "both bounces read"
    );
    assert_eq!(sent.sent, 1, "one mail to the secretary, none to the robot");
    let (_, kind) = mleg::store::bounces::bounced(t.app.store().conn(), id)
        .unwrap()
        .expect("the application is marked");
    assert_eq!(kind, "parent");
    let told = t
        .mails_about(SECRETARY, "Adres rodzica nie przyjmuje poczty", 1)
        .await;
    assert!(told[0].text.contains(parent), "{}", told[0].text);
    assert_eq!(t.stack.fetch_all(SCHOOL, PROCESSED).await.len(), 4);
    let show = std::process::Command::new(env!("CARGO_BIN_EXE_mleg"))
        .arg("--config")
        .arg(&t.config_path)
        .args(["apps", "show", &id.to_string()])
        .env("MLEG_LOG", "warn")
        .output()
        .expect("mleg runs");
    let shown = String::from_utf8_lossy(&show.stdout);
    assert!(
        shown.contains("Adres rodzica nie przyjmuje poczty (zwrot):") && shown.contains("(rodzic)"),
        "{shown}"
    );
    t.once().await;
    let all = t.exactly(SECRETARY, 3).await;
    assert_eq!(
        all.iter()
            .filter(|m| m.subject.contains("Adres rodzica nie przyjmuje poczty"))
            .count(),
        1,
        "told once"
    );
}

/// Newsletters and `noreply@` notices that do not answer mleg's mail are the
/// secretary's other work: left in the inbox as they came, unread, unmoved,
/// with no note to her and not counted as mail for a human.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unrelated_robot_mail_stays_in_the_inbox_unread() {
    let t = TestApp::spawn();
    let list = t.parent("newsletter");
    let noreply = t.parent("noreply");
    for i in 0..5 {
        t.send(
            &Mail::new(
                &list,
                SCHOOL,
                &format!("Biuletyn nr {i}: mLegitymacja w szkołach"),
            )
            .header("List-Unsubscribe: <mailto:wypisz@example.pl>")
            .text("Nowości wydawnicze dla szkół. Legitymacja szkolna w aplikacji."),
        )
        .await;
    }
    t.send(&Mail::new(&noreply, SCHOOL, "Faktura").text("Faktura w załączniku portalu."))
        .await;
    let (intake, _) = t.once().await;
    assert_eq!((intake.examined, intake.ignored), (6, 6));
    let inbox = t.stack.fetch_all(SCHOOL, "INBOX").await;
    assert_eq!(inbox.len(), 6);
    assert!(inbox.iter().all(|m| !m.seen));
    assert!(t.stack.fetch_all(SCHOOL, NEEDS_HUMAN).await.is_empty());
    t.once().await;
    assert_eq!(t.stack.fetch_all(SCHOOL, "INBOX").await.len(), 6);
    t.exactly(&list, 0).await;
    t.exactly(&noreply, 0).await;
    t.exactly(SECRETARY, 0).await;
}
