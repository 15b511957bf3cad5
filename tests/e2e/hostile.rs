//! Hostile or careless mail: a photo named after someone else, a
//! secretary's reason wrapped by Thunderbird, a mail with too many pictures,
//! a file name built to garble the answer, a mail that crashes every round.

use mleg::domain::Status;

use crate::support::app::{NEEDS_HUMAN, SCHOOL, SECRETARY, TestApp, pesel};
use crate::support::mime::Mail;
use crate::support::photos;

/// A parent registered for Żaneta sends her son's friend's photo, named
/// after him. It is not Żaneta's, and it waits for Kamil's application.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_photo_named_after_an_unregistered_child_is_not_given_to_the_senders_child() {
    let t = TestApp::spawn();
    let mama = t.parent("swiatek");
    let zaneta = t.register("Żaneta", "Świątek", &pesel(2015, 3, 3, 31), &mama);
    t.send(&Mail::new(&mama, SCHOOL, "legitymacja").photo("Kamil Ślimak.jpg", photos::good_jpeg()))
        .await;
    t.once().await;
    let reply = &t.exactly(&mama, 1).await[0];
    assert!(
        reply
            .text
            .contains("nie mamy jeszcze wniosku dla tego ucznia"),
        "{}",
        reply.text
    );
    assert!(!reply.text.contains("Żaneta"), "{}", reply.text);
    assert_eq!(t.application(zaneta).status, Status::AwaitingPhoto);
    assert!(t.inbox(SECRETARY).await.is_empty(), "nothing to enter yet");

    let kamil = t.register("Kamil", "Ślimak", &pesel(2015, 4, 4, 32), &mama);
    assert_eq!(t.application(kamil).status, Status::AwaitingReview);
    assert_eq!(t.application(zaneta).status, Status::AwaitingPhoto);
    t.once().await;
    let note = &t.exactly(SECRETARY, 1).await[0];
    assert_eq!(
        note.images[0].file_name.as_deref(),
        Some("Slimak_Kamil.jpg")
    );
}

/// Thunderbird: `format=flowed; delsp=yes`, quoted-printable, soft-wrapped
/// at 72 columns, a signature below.
fn thunderbird_flowed(note: &mleg::domain::mail::IncomingMail, body: &str) -> Vec<u8> {
    let id = note.message_id.clone().expect("a Message-ID");
    format!(
        "From: Anna Kowalska <{SECRETARY}>\r\nTo: {SCHOOL}\r\nSubject: Re: {subject}\r\n\
         Message-ID: <tb-flowed@szkola.test>\r\nIn-Reply-To: <{id}>\r\nReferences: <{id}>\r\n\
         Date: Mon, 23 Nov 2026 10:00:00 +0100\r\nMIME-Version: 1.0\r\n\
         User-Agent: Mozilla Thunderbird\r\n\
         Content-Type: text/plain; charset=UTF-8; format=flowed; delsp=yes\r\n\
         Content-Transfer-Encoding: quoted-printable\r\n\r\n{body}",
        subject = note.subject,
    )
    .into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_reason_wrapped_by_thunderbird_reaches_the_parent_whole() {
    let t = TestApp::spawn();
    let (id, parent, note) = t.photo_with_secretary("Olga", "Zawijana", 41).await;
    let reason = "uczennica nie uczęszcza już do naszej szkoły od października, \
                  prosimy o kontakt ze szkołą, do której obecnie chodzi w Krakowie";
    assert!(reason.chars().count() >= 120);
    // Wrapped the way Thunderbird does: each soft break is a trailing space
    // (QP-encoded as =20 at the end of a line), DelSp=yes adds one more.
    let body = "NIE: uczennica nie ucz=C4=99szcza ju=C5=BC do naszej szko=C5=82y od =20\r\n\
                pa=C5=BAdziernika, prosimy o kontakt ze szko=C5=82=C4=85, do kt=C3=B3rej =20\r\n\
                obecnie chodzi w Krakowie\r\n\r\n--=20\r\nAnna Kowalska\r\nsekretariat\r\n";
    t.send_raw(SECRETARY, &thunderbird_flowed(&note, body))
        .await;
    t.once().await;
    assert_eq!(t.application(id).status, Status::Rejected);
    let news = t.mails_about(&parent, "odrzucony", 1).await;
    // Exactly: DelSp=yes means the space before each soft break goes.
    assert!(
        news[0].text.contains(&format!("„{reason}”")),
        "{}",
        news[0].text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mail_with_more_pictures_than_the_cap_gets_one_answer_and_waits_for_a_human() {
    let t = TestApp::spawn();
    let parent = t.parent("hurt");
    let id = t.register("Hubert", "Hurtowy", &pesel(2014, 5, 5, 51), &parent);
    let mut mail = Mail::new(&parent, SCHOOL, "zdjęcia do legitymacji");
    for i in 0..25 {
        mail = mail.photo(&format!("Hubert Hurtowy {i}.jpg"), photos::jpeg(60, 80));
    }
    t.send(&mail).await;
    let (intake, _) = t.once().await;
    assert_eq!(intake.needs_human, 1);
    let reply = &t.exactly(&parent, 1).await[0];
    assert!(
        reply.text.contains("Wiadomość zawiera 25 zdjęć") && reply.text.contains("najwyżej 20"),
        "{}",
        reply.text
    );
    assert!(
        !reply.text.contains("nie spełnia wymagań"),
        "nothing was checked"
    );
    assert_eq!(t.stack.fetch_all(SCHOOL, NEEDS_HUMAN).await.len(), 1);
    let alert = &t.exactly(SECRETARY, 1).await[0];
    assert!(alert.subject.contains("zbyt złożona"), "{}", alert.subject);
    assert_eq!(t.application(id).status, Status::AwaitingPhoto);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_name_with_line_breaks_bidi_controls_and_300_characters_is_echoed_cleanly() {
    let t = TestApp::spawn();
    let parent = t.parent("dlugi");
    t.register("Ola", "Długa", &pesel(2014, 6, 6, 61), &parent);
    let name = format!(
        "Ola Długa\r\nBcc: ktos@example.com\u{202e}gpj.exe\u{2066}{}.jpg",
        "x".repeat(300)
    );
    t.send(&Mail::new(&parent, SCHOOL, "legitymacja").photo(&name, photos::good_jpeg()))
        .await;
    t.once().await;
    let reply = &t.exactly(&parent, 1).await[0];
    let line = reply
        .text
        .lines()
        .find(|l| l.contains("Przyjęliśmy zdjęcie"))
        .unwrap_or_else(|| panic!("{}", reply.text));
    let echoed = line
        .split_once('„')
        .and_then(|(_, rest)| rest.split_once('”'))
        .map(|(n, _)| n)
        .unwrap_or_else(|| panic!("{line}"));
    assert!(
        echoed.starts_with("Ola Długa Bcc: ktos@example.com"),
        "{echoed}"
    );
    assert!(
        echoed.ends_with('…') && echoed.chars().count() == 80,
        "{echoed}"
    );
    assert!(
        !echoed.chars().any(|c| c.is_control()
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)),
        "{echoed:?}"
    );
}

/// A mail that fails every round must be filed for a human after three
/// tries even when the daemon restarts between them (a new App on the same
/// database, as after a crash).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poison_mail_is_filed_for_a_human_even_across_restarts() {
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
    let parent = t.parent("restart");
    t.register("Ola", "Restart", &pesel(2013, 6, 6, 67), &parent);
    t.send(
        &Mail::new(&parent, SCHOOL, "legitymacja").photo("Ola Restart.jpg", photos::good_jpeg()),
    )
    .await;
    let fresh = || {
        let config = mleg::config::Config::load(&t.config_path).unwrap();
        mleg::app::App::new(config, std::sync::Arc::new(mleg::clock::SystemClock)).unwrap()
    };
    for _ in 0..2 {
        let app = fresh();
        assert!(
            mleg::daemon::once(&app).await.is_err(),
            "the round reports the failure"
        );
    }
    let (intake, _) = mleg::daemon::once(&fresh())
        .await
        .expect("the third try files it");
    assert_eq!(intake.needs_human, 1);
    assert_eq!(t.stack.fetch_all(SCHOOL, NEEDS_HUMAN).await.len(), 1);
}
