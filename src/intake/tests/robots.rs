//! Robots, loops and floods through the middle layer: what is
//! queued, where the mail is filed, what the secretary is told.

use super::*;
use crate::domain::mail::RobotReason;
use crate::store::outbox::{self, Listed};

fn question(n: u32, text: &str) -> IncomingMail {
    mail(
        PARENT,
        &format!("q{n}@example.pl"),
        "Pytanie o legitymację",
        text,
    )
}

#[test]
fn a_robot_s_photo_moves_the_application_but_only_the_secretary_hears_of_it() {
    let dir = tempfile::tempdir().unwrap();
    let (app, id) = app(dir.path());
    let mut m = photo_from(PARENT, "auto@example.pl");
    m.robot = Some(RobotReason::AutoSubmitted);

    let h = handle(&app, uid(1), &m, None).unwrap();

    assert_eq!(h.disposition, Disposition::NeedsHuman);
    assert_eq!(status(&app, id), Status::AwaitingReview);
    let rows = queued(&app);
    assert_eq!(kinds(&rows), ["staff_needs_human", "staff_photo"]);
    let note = only(&rows, "staff_needs_human");
    assert!(
        note.body
            .contains("Bez automatycznej odpowiedzi, bo: nagłówek Auto-Submitted"),
        "{}",
        note.body
    );
    assert!(rows.iter().all(|r| r.to != PARENT));
}

#[test]
fn x_loop_with_our_address_and_our_own_message_ids_are_never_answered() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _) = app(dir.path());
    let mut looped = photo_from(PARENT, "l1@example.pl");
    looped.x_loop = vec!["szkola@szkola.test".into()];
    assert_eq!(
        handle(&app, uid(1), &looped, None).unwrap().disposition,
        Disposition::NeedsHuman
    );
    let mut ours = photo_from(PARENT, "l2@example.pl");
    ours.message_id = Some("mleg.0123456789abcdef0123456789abcdef@szkola.test".into());
    assert_eq!(
        handle(&app, uid(2), &ours, None).unwrap().disposition,
        Disposition::NeedsHuman
    );
    let mut elsewhere = photo_from(PARENT, "l3@example.pl");
    elsewhere.x_loop = vec!["lista@example.pl".into()];
    // Not a third near-identical mail: that would be silenced too.
    elsewhere.text = "Zdjęcie córki.".into();
    handle(&app, uid(3), &elsewhere, None).unwrap();
    let rows = queued(&app);
    assert_eq!(
        kinds(&rows),
        [
            "staff_needs_human",
            "staff_photo",
            "staff_needs_human",
            "staff_photo",
            "parent_reply",
            "staff_photo"
        ],
        "only the mail looping through someone else is answered"
    );
    assert!(rows[0].body.contains("(X-Loop)"), "{}", rows[0].body);
    assert!(
        rows[2].body.contains("z adresu tego systemu"),
        "{}",
        rows[2].body
    );
}

#[test]
fn the_cap_gives_one_last_notice_then_silence_and_staff_are_exempt() {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, _) = app(dir.path());
    app.config.max_auto_replies_per_day = 3;
    for n in 1..=5 {
        handle(&app, uid(n), &question(n, &format!("pytanie {n}")), None).unwrap();
    }
    let to_parent: Vec<String> = queued(&app)
        .into_iter()
        .filter(|r| r.to == PARENT)
        .map(|r| r.kind)
        .collect();
    assert_eq!(
        to_parent,
        ["parent_reply", "parent_reply", "parent_last_notice"]
    );
    let last = only(&queued(&app), "parent_last_notice").clone();
    assert!(
        last.body
            .contains("Kolejne wiadomości przeczyta sekretariat"),
        "{}",
        last.body
    );
    let capped: Vec<Listed> = queued(&app)
        .into_iter()
        .filter(|r| r.body.contains("limit automatycznych odpowiedzi"))
        .collect();
    assert_eq!(capped.len(), 2, "mails 4 and 5 go to the secretary");
}

#[test]
fn the_third_near_identical_mail_within_an_hour_is_not_answered() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _) = app(dir.path());
    let mut dispositions = vec![];
    for n in 1..=3 {
        let m = question(n, "Jestem na urlopie do poniedziałku.");
        dispositions.push(handle(&app, uid(n), &m, None).unwrap().disposition);
    }
    assert_eq!(dispositions[2], Disposition::NeedsHuman);
    let rows = queued(&app);
    assert_eq!(rows.iter().filter(|r| r.kind == "parent_reply").count(), 2);
    assert!(
        rows.iter()
            .any(|r| r.body.contains("trzecia prawie identyczna wiadomość")),
        "{rows:#?}"
    );
}

fn sent_to_parent(app: &App, id: i64) -> String {
    let reply = crate::mail::outgoing::OutgoingMail {
        kind: crate::mail::outgoing::MailKind::ParentNews,
        application_id: Some(id),
        to: crate::domain::test_support::email(PARENT),
        subject: "x".into(),
        body: "y".into(),
        in_reply_to: None,
        references: vec![],
        attachments: vec![],
    };
    let now = app.clock.now();
    app.store()
        .transaction(|tx| outbox::enqueue(tx, &reply, "szkola.test", now))
        .unwrap()
}

fn bounce_of(n: u32, ids: &[&str], permanent: bool) -> IncomingMail {
    let mut m = mail(
        "mailer-daemon@mx.example.pl",
        &format!("b{n}@mx.example.pl"),
        "Undelivered Mail Returned to Sender",
        "",
    );
    m.robot = Some(RobotReason::Report);
    m.bounce = Some(crate::domain::mail::Bounce {
        original_ids: ids.iter().map(|s| s.to_string()).collect(),
        permanent,
    });
    m
}

#[test]
fn a_permanent_bounce_of_our_mail_marks_the_application_and_tells_the_secretary_once() {
    let dir = tempfile::tempdir().unwrap();
    let (app, id) = app(dir.path());
    let ours = sent_to_parent(&app, id);

    let delayed = handle(&app, uid(1), &bounce_of(1, &[&ours], false), None).unwrap();
    assert_eq!(delayed.disposition, Disposition::Processed);
    assert_eq!(
        crate::store::bounces::bounced(app.store().conn(), id).unwrap(),
        None
    );

    for n in 2..=3 {
        let h = handle(&app, uid(n), &bounce_of(n, &[&ours], true), None).unwrap();
        assert_eq!(h.disposition, Disposition::Processed);
    }
    let (at, kind) = crate::store::bounces::bounced(app.store().conn(), id)
        .unwrap()
        .expect("marked");
    assert_eq!((at, kind.as_str()), (app.clock.now(), "parent"));
    assert_eq!(
        crate::store::bounces::bounced_applications(app.store().conn()).unwrap(),
        [(id, at, "parent".to_string())],
        "what the digest lists"
    );
    let rows = queued(&app);
    assert_eq!(
        kinds(&rows),
        ["parent_news", "staff_bounce"],
        "told once, nobody answered"
    );
    let note = only(&rows, "staff_bounce");
    assert_eq!(note.to, STAFF);
    assert!(
        note.body.contains(PARENT) && note.body.contains("Kowalski Jan"),
        "{}",
        note.body
    );

    // A report on the secretary's own mail is hers: left in the inbox.
    let unrelated = handle(&app, uid(4), &bounce_of(4, &["x@elsewhere.pl"], true), None).unwrap();
    assert_eq!(unrelated.disposition, Disposition::Ignore);
    assert_eq!(queued(&app).len(), 2);
}
