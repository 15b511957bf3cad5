//! Bad input gets a clear answer, loses nothing, and the daemon keeps going.

use mleg::domain::Status;

use crate::support::app::{NEEDS_HUMAN, PROCESSED, SCHOOL, SECRETARY, TestApp, pesel, the_one};
use crate::support::mime::{Mail, base64};
use crate::support::photos;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_60_mb_mail_is_not_downloaded_but_answered_and_kept_for_a_human() {
    let t = TestApp::spawn();
    let big_sender = t.parent("ogromny");
    let other = t.parent("zwykly");
    t.register("Kuba", "Duży", &pesel(2012, 8, 8, 8), &big_sender);
    let ok = t.register("Lena", "Mała", &pesel(2013, 8, 8, 9), &other);
    let huge: Vec<u8> = (0..60u32 << 20)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let mail = Mail::new(&big_sender, SCHOOL, "zdjęcia Kuby").photo("Kuba Duży.jpg", huge);
    t.send(&mail).await;
    t.send(&Mail::new(&other, SCHOOL, "legitymacja").photo("Lena Mała.jpg", photos::good_jpeg()))
        .await;

    let (intake, _) = t.once().await;
    assert_eq!((intake.needs_human, intake.processed), (1, 1));
    let reply = &t.exactly(&big_sender, 1).await[0];
    assert!(
        reply.text.contains("Wiadomość jest za duża"),
        "{}",
        reply.text
    );
    assert!(
        reply.text.contains("przyjmujemy wiadomości do 30 MB"),
        "{}",
        reply.text
    );
    assert_eq!(
        t.stack.fetch_all(SCHOOL, NEEDS_HUMAN).await.len(),
        1,
        "the big mail is kept, not lost"
    );
    assert_eq!(
        t.application(ok).status,
        Status::AwaitingReview,
        "the next mail was handled in the same round"
    );
    let notes = t.exactly(SECRETARY, 2).await;
    assert!(
        notes
            .iter()
            .any(|n| n.subject.contains("za duża wiadomość"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_mime_is_answered_and_does_not_stop_the_round() {
    let t = TestApp::spawn();
    let broken_sender = t.parent("zepsuty");
    let other = t.parent("dobry");
    t.register("Ala", "Zepsuta", &pesel(2014, 4, 4, 4), &broken_sender);
    let ok = t.register("Ola", "Dobra", &pesel(2014, 5, 5, 5), &other);
    // A multipart mail whose boundary never appears, and a base64 photo cut mid-line.
    let raw = format!(
        "From: {broken_sender}\r\nTo: {SCHOOL}\r\nSubject: legitymacja\r\nMessage-ID: <broken.1@example.pl>\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"nigdy\"\r\n\r\n\
         --inna\r\nContent-Type: image/jpeg; name=\"Ala Zepsuta.jpg\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}",
        &base64(&photos::good_jpeg())[..500]
    );
    t.send_raw(&broken_sender, raw.as_bytes()).await;
    t.send(&Mail::new(&other, SCHOOL, "legitymacja").photo("Ola Dobra.jpg", photos::good_jpeg()))
        .await;

    let (intake, _) = t.once().await;
    assert_eq!(intake.examined, 2);
    let reply = &t.exactly(&broken_sender, 1).await[0];
    assert!(
        reply.subject.starts_with("Re: legitymacja"),
        "{}",
        reply.subject
    );
    assert!(
        reply.text.contains("nie znaleźliśmy zdjęcia") || reply.text.contains("uszkodzony"),
        "a reason the parent understands: {}",
        reply.text
    );
    assert_eq!(t.application(ok).status, Status::AwaitingReview);
    let filed = t.stack.fetch_all(SCHOOL, PROCESSED).await.len()
        + t.stack.fetch_all(SCHOOL, NEEDS_HUMAN).await.len();
    assert_eq!(filed, 2, "both mails filed, none lost");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bounce_of_our_own_reply_is_not_answered() {
    let t = TestApp::spawn();
    let parent = t.parent("odbicie");
    t.register("Tymon", "Odbity", &pesel(2015, 6, 6, 6), &parent);
    t.send(
        &Mail::new(&parent, SCHOOL, "legitymacja")
            .photo("Tymon Odbity.jpg", photos::jpeg(100, 100)),
    )
    .await;
    t.once().await;
    let ours = &t.exactly(&parent, 1).await[0];
    let our_id = ours.message_id.clone().expect("our reply has a Message-ID");
    let bounce = Mail::new(
        "mailer-daemon@example.pl",
        SCHOOL,
        "Undelivered Mail Returned to Sender",
    )
    .header("Auto-Submitted: auto-replied")
    .header(&format!("In-Reply-To: <{our_id}>"))
    .text("legitymacja: delivery failed");
    t.send(&bounce).await;
    let (intake, sent) = t.once().await;
    assert_eq!(
        (intake.needs_human, sent.sent),
        (1, 1),
        "only the secretary is told"
    );
    let alert = t.exactly(SECRETARY, 1).await;
    assert!(
        alert[0].subject.contains("automatyczna odpowiedź"),
        "{}",
        alert[0].subject
    );
}

/// Many schools use one address for everything: the watched mailbox, the
/// sender and the secretary. mleg's own notifications then arrive in the
/// watched mailbox and must stay there for her, never be taken as commands.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_one_address_for_school_and_secretary_nothing_loops() {
    let t = TestApp::spawn_with(|c| {
        *c = c.replace(
            "addresses = [\"sekretariat@szkola.test\"]",
            "addresses = [\"szkola@szkola.test\"]",
        )
    });
    let parent = t.parent("jeden");
    let id = t.register("Jan", "Jedenadres", &pesel(2012, 3, 3, 33), &parent);
    t.send(
        &Mail::new(&parent, SCHOOL, "legitymacja").photo("Jan Jedenadres.jpg", photos::good_jpeg()),
    )
    .await;
    let (_, first) = t.once().await;
    assert_eq!(first.sent, 2);
    let note = t.stack.wait_for_mails(SCHOOL, "INBOX", 1).await;
    let (again, second) = t.once().await;
    let (_, third) = t.once().await;
    assert_eq!(
        (again.examined, again.ignored, second.sent, third.sent),
        (1, 1, 0, 0)
    );
    let inbox = t.stack.fetch_all(SCHOOL, "INBOX").await;
    assert_eq!(inbox.len(), 1, "the notification waits in the inbox");
    assert!(!inbox[0].seen && inbox[0].raw == note[0].raw);
    assert_eq!(t.application(id).status, Status::AwaitingReview);
}

/// The mailbox cannot be read (wrong port), yet what the outbox holds still goes out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_is_delivered_even_when_the_mailbox_cannot_be_read() {
    let t = TestApp::spawn();
    let (id, parent, _) = t.photo_with_secretary("Iza", "Bezimap", 70).await;
    let source = mleg::secretary::Source {
        actor: "cli:test".into(),
        mail: None,
    };
    mleg::secretary::execute(
        &t.app,
        id,
        &mleg::workflow::command::StaffCommand::Approve,
        None,
        &source,
    )
    .unwrap();
    let mut config = mleg::config::Config::load(&t.config_path).unwrap();
    config.imap.port = 1;
    let broken =
        mleg::app::App::new(config, std::sync::Arc::new(mleg::clock::SystemClock)).unwrap();
    assert!(
        mleg::daemon::once(&broken).await.is_err(),
        "the round reports the IMAP failure"
    );
    let news = t.mails_about(&parent, "", 2).await;
    let approved = the_one(&news, "wniosek zatwierdzony");
    assert!(approved.text.contains("zatwierdz"), "{}", approved.text);
}

/// A mail that fails every round (here: the school's own broken template)
/// must not block the mailbox: after three rounds it is filed for a human.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mail_that_always_fails_is_filed_for_a_human_after_three_rounds() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("pl")).unwrap();
    std::fs::write(
        dir.path().join("pl/parent_reply.txt"),
        "No subject line here\n",
    )
    .unwrap();
    let templates = dir.path().to_str().unwrap().to_owned();
    let t = TestApp::spawn_with(move |c| {
        c.insert_str(0, &format!("templates_dir = \"{templates}\"\n"))
    });
    let parent = t.parent("zepsutyszablon");
    t.register("Ola", "Szablon", &pesel(2013, 6, 6, 66), &parent);
    t.send(
        &Mail::new(&parent, SCHOOL, "legitymacja").photo("Ola Szablon.jpg", photos::good_jpeg()),
    )
    .await;
    for _ in 0..2 {
        assert!(
            mleg::daemon::once(&t.app).await.is_err(),
            "the round reports the failure"
        );
    }
    assert_eq!(
        t.stack.fetch_all(SCHOOL, "INBOX").await.len(),
        1,
        "still waiting in the inbox"
    );
    let (intake, _) = t.once().await;
    assert_eq!(intake.needs_human, 1);
    assert_eq!(
        t.stack.fetch_all(SCHOOL, NEEDS_HUMAN).await.len(),
        1,
        "kept where a person looks"
    );
    let (next, _) = t.once().await;
    assert_eq!(next.examined, 0, "the mailbox moves on");
}
