//! The secretary drives the rest of the lifecycle by replying to mleg's mails.

use mleg::domain::Status;

use crate::support::app::{NEEDS_HUMAN, SCHOOL, SECRETARY, TestApp, the_one};
use crate::support::replies::{ALL_STYLES, Style, reply};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tak_and_approve_work_from_every_mail_client_style() {
    let t = TestApp::spawn();
    let commands = ["TAK", "Approve", "ok.", "tak", "APPROVE"];
    let mut cases = Vec::new();
    for (i, style) in ALL_STYLES.into_iter().enumerate() {
        let (id, parent, note) = t
            .photo_with_secretary(
                "Ada",
                &format!("Styl{}", ["a", "b", "c", "d", "e"][i]),
                10 + i as u32,
            )
            .await;
        t.send(&reply(SECRETARY, &note, commands[i], style)).await;
        cases.push((id, parent, style));
    }
    t.once().await;
    for (id, parent, style) in cases {
        assert_eq!(t.application(id).status, Status::Approved, "{style:?}");
        let news = t.mails_about(&parent, "", 2).await;
        let approved = the_one(&news, "wniosek zatwierdzony");
        assert!(
            approved.text.contains("zatwierdz"),
            "{style:?}: {}",
            approved.text
        );
        let answer = t
            .mails_about(SECRETARY, &format!("Re: [mLegitymacja #{id}]"), 1)
            .await;
        assert!(
            answer[0].text.contains("Zatwierdzono wniosek"),
            "{style:?}: {}",
            answer[0].text
        );
        assert_eq!(
            t.audit(Some(id)),
            vec![(
                format!("mail:{SECRETARY}"),
                "approve".into(),
                "accepted".into()
            )]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejection_tells_the_parent_the_reason_and_purges_the_photo() {
    let t = TestApp::spawn();
    let (id, parent, note) = t.photo_with_secretary("Bolek", "Odrzucony", 30).await;
    t.send(&reply(
        SECRETARY,
        &note,
        "NIE – uczeń nie uczęszcza już do naszej szkoły",
        Style::GmailPlain,
    ))
    .await;
    t.once().await;
    assert_eq!(t.application(id).status, Status::Rejected);
    let news = t.mails_about(&parent, "", 2).await;
    let rejected = the_one(&news, "wniosek odrzucony");
    assert!(
        rejected
            .text
            .contains("uczeń nie uczęszcza już do naszej szkoły"),
        "{}",
        rejected.text
    );
    let photo = mleg::store::inbox::current_photo(t.app.store().conn(), id)
        .unwrap()
        .unwrap();
    assert!(photo.purged_at.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_photo_sends_the_parent_back_for_a_new_one() {
    let t = TestApp::spawn();
    let (id, parent, note) = t.photo_with_secretary("Cela", "Nowezdjecie", 31).await;
    t.send(&reply(
        SECRETARY,
        &note,
        "PHOTO the background is not plain",
        Style::OutlookPlain,
    ))
    .await;
    t.once().await;
    assert_eq!(t.application(id).status, Status::AwaitingPhoto);
    let news = t.mails_about(&parent, "", 2).await;
    let new_photo = the_one(&news, "prosimy o nowe zdjęcie");
    assert!(
        new_photo.text.contains("the background is not plain"),
        "{}",
        new_photo.text
    );
    assert!(
        new_photo.text.contains("354×496"),
        "the rules are repeated: {}",
        new_photo.text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_or_anything_not_understood_lists_the_commands_and_changes_nothing() {
    let t = TestApp::spawn();
    let (id, _, note) = t.photo_with_secretary("Dora", "Pomocna", 32).await;
    t.send(&reply(SECRETARY, &note, "POMOC", Style::ThunderbirdBottom))
        .await;
    t.once().await;
    t.send(&reply(
        SECRETARY,
        &note,
        "Takie zdjęcie chyba jest za ciemne?",
        Style::GmailPlain,
    ))
    .await;
    t.once().await;
    let answers = t
        .mails_about(SECRETARY, &format!("Re: [mLegitymacja #{id}]"), 2)
        .await;
    for a in &answers {
        assert!(
            a.text.contains("ZDJĘCIE") && a.text.contains("TAK"),
            "{}",
            a.text
        );
    }
    assert_eq!(t.application(id).status, Status::AwaitingReview);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_secretary_with_the_token_can_act() {
    let t = TestApp::spawn();
    let (id, parent, note) = t.photo_with_secretary("Emil", "Chroniony", 33).await;
    // (1) the right token, but from a parent's address;
    t.send(&reply(&parent, &note, "TAK", Style::GmailPlain))
        .await;
    // (2) the staff address, but a fresh mail without the token;
    let mut no_token = reply(SECRETARY, &note, "TAK", Style::GmailPlain);
    no_token.subject = format!("Zatwierdzam wniosek #{id}");
    no_token.headers.clear();
    t.send(&no_token).await;
    // (3) a forged From: sekretariat@, sent by someone else, without the token.
    let mut forged = reply(SECRETARY, &note, "APPROVE", Style::OutlookPlain);
    forged.subject = "Re: legitymacja".into();
    forged.headers.clear();
    t.stack
        .send_raw("intruz@example.pl", &[SCHOOL], &forged.build())
        .await;
    t.stack.wait_for_mails(SCHOOL, "INBOX", 3).await;

    let (intake, _) = t.once().await;
    assert_eq!(intake.needs_human, 3);
    assert_eq!(
        t.application(id).status,
        Status::AwaitingReview,
        "nothing changed"
    );
    assert_eq!(t.stack.fetch_all(SCHOOL, NEEDS_HUMAN).await.len(), 3);
    let outcomes: Vec<String> = t.audit(None).into_iter().map(|(_, _, o)| o).collect();
    assert_eq!(
        outcomes,
        vec!["refused_not_staff", "refused_no_token", "refused_no_token"]
    );
    let alerts = t.mails_about(SECRETARY, "Odrzucono polecenie", 3).await;
    assert_eq!(alerts.len(), 3, "one alert per mail");
    assert_eq!(
        t.mails_about(&parent, "", 1).await.len(),
        1,
        "the parent got only the photo answer"
    );
}

/// A command mail acts once: she replies twice to the same notification,
/// or a copy of her mail arrives again with a new Message-ID. The second is
/// refused (its token is spent), audited, and she is told why once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_command_mail_is_refused_and_the_secretary_told_why() {
    let t = TestApp::spawn();
    let (id, parent, note) = t.photo_with_secretary("Fela", "Powtorka", 34).await;
    let first = reply(SECRETARY, &note, "TAK", Style::GmailPlain);
    t.send(&first).await;
    t.once().await;
    let mut copy = reply(SECRETARY, &note, "TAK", Style::OutlookHtml);
    copy.message_id = format!("copy-{}", first.message_id);
    t.send(&copy).await;
    t.once().await;
    assert_eq!(t.application(id).status, Status::Approved);
    let alert = t.newest(SECRETARY, id, "Odrzucono polecenie", 1).await;
    assert!(alert.subject.contains("już wykonano"), "{}", alert.subject);
    assert!(alert.text.contains("najnowszą wiadomość"), "{}", alert.text);
    assert_eq!(
        t.mails_about(&parent, "", 2).await.len(),
        2,
        "the parent heard about the approval once"
    );
    let outcomes: Vec<String> = t.audit(Some(id)).into_iter().map(|(_, _, o)| o).collect();
    assert_eq!(outcomes, vec!["accepted", "refused_token_spent"]);
}

/// The words not used by the other tests, through the real stack: REJECT,
/// ZDJĘCIE, ANULUJ, CANCEL and HANDED.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_remaining_polish_and_english_words_work_by_mail() {
    let t = TestApp::spawn();
    let (reject, _, n1) = t.photo_with_secretary("Gabi", "Reject", 60).await;
    let (photo, p2, n2) = t.photo_with_secretary("Hela", "Zdjecie", 61).await;
    let (anuluj, p3, n3) = t.photo_with_secretary("Igor", "Anuluj", 62).await;
    let (cancel, _, n4) = t.photo_with_secretary("Julia", "Cancel", 63).await;
    let (handed, _, n5) = t.photo_with_secretary("Kuba", "Handed", 64).await;
    t.send(&reply(
        SECRETARY,
        &n1,
        "REJECT: duplicate application",
        Style::OutlookHtml,
    ))
    .await;
    t.send(&reply(
        SECRETARY,
        &n2,
        "Zdjęcie: proszę o zdjęcie bez okularów",
        Style::GmailHtml,
    ))
    .await;
    t.send(&reply(
        SECRETARY,
        &n3,
        "anuluj – rodzic zrezygnował",
        Style::ThunderbirdBottom,
    ))
    .await;
    t.send(&reply(
        SECRETARY,
        &n4,
        "CANCEL moved to another school",
        Style::GmailPlain,
    ))
    .await;
    t.send(&reply(SECRETARY, &n5, "KOD ZZ99YY88", Style::OutlookPlain))
        .await;
    t.once().await;
    let answer = t.newest(SECRETARY, handed, "Re:", 1).await;
    t.send(&reply(SECRETARY, &answer, "HANDED", Style::GmailPlain))
        .await;
    t.once().await;
    let status = |id| t.application(id).status;
    assert_eq!(
        [
            status(reject),
            status(photo),
            status(anuluj),
            status(cancel),
            status(handed)
        ],
        [
            Status::Rejected,
            Status::AwaitingPhoto,
            Status::Cancelled,
            Status::Cancelled,
            Status::HandedOver
        ]
    );
    let asked = t.mails_about(&p2, "", 2).await;
    let asked = the_one(&asked, "prosimy o nowe zdjęcie");
    assert!(
        asked.text.contains("proszę o zdjęcie bez okularów"),
        "{}",
        asked.text
    );
    let cancelled = t.mails_about(&p3, "", 2).await;
    let cancelled = the_one(&cancelled, "wniosek anulowany");
    assert!(
        cancelled.text.contains("rodzic zrezygnował"),
        "{}",
        cancelled.text
    );
}

/// A newer photo arrived after the notification she answers: her TAK must
/// not approve a photo she has not seen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_to_an_older_photo_does_not_judge_the_newer_one() {
    let t = TestApp::spawn();
    let (id, parent, first) = t.photo_with_secretary("Zosia", "Nowsza", 35).await;
    let newer = crate::support::mime::Mail::new(&parent, SCHOOL, "lepsze zdjęcie")
        .photo("Zosia Nowsza.jpg", crate::support::photos::jpeg(708, 992));
    t.send(&newer).await;
    t.once().await;
    let notes = t
        .mails_about(SECRETARY, &format!("[mLegitymacja #{id}]"), 2)
        .await;
    t.send(&reply(SECRETARY, &first, "TAK", Style::GmailPlain))
        .await;
    t.once().await;
    assert_eq!(
        t.application(id).status,
        Status::AwaitingReview,
        "the old reply changed nothing"
    );
    let alert = t.mails_about(SECRETARY, "Odrzucono polecenie", 1).await;
    assert!(alert[0].text.contains("nowe zdjęcie"), "{}", alert[0].text);
    let newest = notes
        .iter()
        .find(|n| n.message_id != first.message_id)
        .unwrap();
    t.send(&reply(SECRETARY, newest, "TAK", Style::GmailPlain))
        .await;
    t.once().await;
    assert_eq!(t.application(id).status, Status::Approved);
}
