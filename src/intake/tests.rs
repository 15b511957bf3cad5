//! The middle layer, without IMAP: one parsed mail goes through
//! [`super::handle`] (gather → judge → apply) on a temporary SQLite file with
//! a fixed clock, and the tests read back what a user would check: the
//! application's status, the audit log and the outbox rows (recipient, kind,
//! Polish text). The end-to-end tests (`tests/e2e/`) cover the same paths
//! through a real Dovecot and Postfix.

pub(in crate::intake) mod fixtures;

use fixtures::*;

use super::*;
use crate::domain::Status;
use crate::store::lifecycle as store_lc;
use crate::workflow::command::StaffCommand;

#[test]
fn a_parent_s_valid_photo_moves_the_application_to_review_and_queues_both_mails() {
    let dir = tempfile::tempdir().unwrap();
    let (app, id) = app(dir.path());

    let h = handle(&app, uid(1), &photo_from(PARENT, "p1@example.pl"), None).unwrap();

    assert_eq!(h.disposition, Disposition::Processed);
    assert!(!h.duplicate);
    assert_eq!(status(&app, id), Status::AwaitingReview);
    let photo = inbox::current_photo(app.store().conn(), id)
        .unwrap()
        .unwrap();
    assert_eq!((photo.width, photo.height), (354, 496));
    let rows = queued(&app);
    assert_eq!(kinds(&rows), ["parent_reply", "staff_photo"]);
    let reply = only(&rows, "parent_reply");
    assert_eq!(reply.to, PARENT);
    assert!(
        reply
            .body
            .contains("Przyjęliśmy zdjęcie „Jan_Kowalski.jpg” dla: Jan Kowalski (klasa 3A)"),
        "{}",
        reply.body
    );
    let note = only(&rows, "staff_photo");
    assert_eq!(note.to, STAFF);
    assert!(
        note.subject
            .contains("Zdjęcie do wprowadzenia: Kowalski Jan, kl. 3A")
    );
    // The notification carries a token of its own, issued for the status it
    // was written for, not the application's one token.
    let token = notification_token(&app);
    assert_ne!(token, TOKEN);
    let issued = crate::store::tokens::find(app.store().conn(), &token)
        .unwrap()
        .expect("the token is recorded");
    assert_eq!(
        (issued.application_id, issued.issued_for),
        (id, Status::AwaitingReview)
    );
    let stored = inbox::watermark(app.store().conn(), &app.config.imap.mailbox).unwrap();
    assert_eq!(stored, Some(uid(1)), "the watermark moved with the mail");
}

#[test]
fn a_photo_and_its_notification_to_the_secretary_keep_one_copy_of_the_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _) = app(dir.path());
    handle(&app, uid(1), &photo_from(PARENT, "p1@example.pl"), None).unwrap();
    handle(
        &app,
        uid(2),
        &photo_from("obcy@example.com", "s1@example.com"),
        None,
    )
    .unwrap();

    let conn = app.store();
    let photos = crate::store::probe::stored_photos(conn.conn()).unwrap();
    assert_eq!(photos.len(), 2, "the parent's photo and the held one");
    for (_, _, bytes) in &photos {
        // The fixture's two photos may be the same image: one copy each.
        let photo_rows = photos.iter().filter(|(_, _, b)| b == bytes).count();
        let n = crate::store::probe::copies_of(conn.conn(), bytes).unwrap();
        assert_eq!(n, photo_rows as i64, "no second copy for a notification");
    }
    // Each notification still goes out with its photo.
    let mut sent = Vec::new();
    for id in crate::store::outbox::due_ids(conn.conn(), app.clock.now()).unwrap() {
        let mail = crate::store::outbox::load(conn.conn(), id)
            .unwrap()
            .unwrap();
        sent.extend(mail.attachments.into_iter().map(|a| a.data));
    }
    assert_eq!(sent.len(), 2);
    assert!(sent.iter().all(|d| photos.iter().any(|(_, _, b)| b == d)));
}

#[test]
fn a_stranger_s_photo_is_held_changes_nothing_and_tells_the_stranger_no_name() {
    let dir = tempfile::tempdir().unwrap();
    let (app, id) = app(dir.path());

    let h = handle(
        &app,
        uid(1),
        &photo_from("obcy@example.com", "s1@example.com"),
        None,
    )
    .unwrap();

    // Filed where the secretary looks: she decides with TAK or NIE.
    assert_eq!(h.disposition, Disposition::NeedsHuman);
    assert_eq!(
        status(&app, id),
        Status::AwaitingPhoto,
        "a held photo moves nothing"
    );
    assert!(
        inbox::current_photo(app.store().conn(), id)
            .unwrap()
            .is_none()
    );
    let rows = queued(&app);
    let reply = only(&rows, "parent_reply");
    assert_eq!(reply.to, "obcy@example.com");
    assert!(
        reply.body.contains("sekretariat ją sprawdzi"),
        "{}",
        reply.body
    );
    assert!(
        !reply.body.contains("Kowalski"),
        "a stranger learns no name"
    );
    let note = only(&rows, "staff_held_photo");
    assert_eq!(note.to, STAFF);
    assert!(
        note.subject
            .contains("Do sprawdzenia: zdjęcie od nieznanego adresu")
    );
    // The notification's own token names the held photo, not the application's.
    let held_token = super::staff::tokens_in(&note.subject)[0].to_owned();
    assert_ne!(held_token, TOKEN);
    let held = crate::store::held::held_by_token(app.store().conn(), &held_token)
        .unwrap()
        .expect("the photo is held");
    assert_eq!(held.application_id, id);
    assert_eq!(held.sender.as_deref(), Some("obcy@example.com"));
}

#[test]
fn a_staff_kod_with_the_token_readies_the_code_and_queues_the_parent_and_staff_mails() {
    let dir = tempfile::tempdir().unwrap();
    let (app, id) = app(dir.path());
    handle(&app, uid(1), &photo_from(PARENT, "p1@example.pl"), None).unwrap();
    let before = queued(&app).len();

    let token = notification_token(&app);
    let h = handle(
        &app,
        uid(2),
        &kod_from(STAFF, "k1@szkola.test", &token),
        None,
    )
    .unwrap();

    assert_eq!(h.disposition, Disposition::Processed);
    assert_eq!(status(&app, id), Status::CodeReady);
    let code = store_lc::code_info(app.store().conn(), id)
        .unwrap()
        .unwrap();
    assert_eq!(code.code, "AB12CD34");
    // The fixed clock: valid for 30 days from 20.11.2026 09:30 UTC.
    assert_eq!(code.expires_at.to_rfc3339(), "2026-12-20T09:30:00+00:00");
    assert_eq!(audit_outcomes(&app), ["accepted"]);
    let rows = queued(&app);
    let new = &rows[before..];
    assert_eq!(kinds(new), ["parent_news", "staff_slip", "staff_answer"]);
    let news = only(new, "parent_news");
    assert_eq!(news.to, PARENT);
    assert!(
        news.body.contains("jest gotowy do odbioru w sekretariacie"),
        "{}",
        news.body
    );
    assert!(
        news.body.contains("Kod jest ważny do 20.12.2026 10:30"),
        "{}",
        news.body
    );
    let slip = only(new, "staff_slip");
    assert_eq!(slip.to, STAFF);
    assert!(
        slip.body.contains("Kod aktywacyjny:  AB12CD34"),
        "{}",
        slip.body
    );
    assert!(
        slip.body.contains("Kod QR na karcie: tak"),
        "the QR was read"
    );
    assert_eq!(
        code.qr_content.as_deref(),
        Some("https://mobywatel.gov.pl/mlegitymacja/aktywacja?t=7Q2M9XK4PL0Z")
    );
    let answer = only(new, "staff_answer");
    assert!(
        answer
            .body
            .contains("Status: zdjęcie do sprawdzenia → kod gotowy"),
        "{}",
        answer.body
    );
    let photo = inbox::current_photo(app.store().conn(), id).unwrap();
    assert!(
        photo.is_none_or(|p| p.purged_at.is_some()),
        "the photo is purged"
    );
}

#[test]
fn a_kod_from_outside_the_staff_list_changes_nothing_is_audited_and_alerts_staff() {
    let dir = tempfile::tempdir().unwrap();
    let (app, id) = app(dir.path());
    handle(&app, uid(1), &photo_from(PARENT, "p1@example.pl"), None).unwrap();
    let before = queued(&app).len();

    let token = notification_token(&app);
    let forged = kod_from("sekretariat@szkola-test.example", "f1@example.com", &token);
    let h = handle(&app, uid(2), &forged, None).unwrap();

    assert_eq!(h.disposition, Disposition::NeedsHuman);
    assert_eq!(status(&app, id), Status::AwaitingReview, "nothing changed");
    assert!(
        store_lc::code_info(app.store().conn(), id)
            .unwrap()
            .is_none()
    );
    let log = store_lc::audit_log(app.store().conn(), None).unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].outcome, "refused_not_staff");
    assert_eq!(log[0].command, "code");
    assert_eq!(log[0].application_id, Some(id));
    assert_eq!(log[0].message_id.as_deref(), Some("f1@example.com"));
    let rows = queued(&app);
    let new = &rows[before..];
    assert_eq!(kinds(new), ["staff_alert"], "nothing goes to the parent");
    assert_eq!(new[0].to, STAFF);
    assert!(
        new[0]
            .subject
            .contains("Odrzucono polecenie: nadawca spoza listy pracowników"),
        "{}",
        new[0].subject
    );
    assert!(
        new[0].body.contains("NIE zostało wykonane"),
        "{}",
        new[0].body
    );
}

#[test]
fn a_mail_seen_twice_is_a_duplicate_and_queues_nothing_more() {
    let dir = tempfile::tempdir().unwrap();
    let (app, id) = app(dir.path());
    let photo = photo_from(PARENT, "p1@example.pl");
    handle(&app, uid(1), &photo, None).unwrap();
    let before = queued(&app).len();

    // The same mail again, e.g. under a new UID after a crash before the move.
    let h = handle(&app, uid(2), &photo, None).unwrap();

    assert_eq!(
        h,
        Handled {
            disposition: Disposition::Processed,
            duplicate: true
        }
    );
    assert_eq!(queued(&app).len(), before, "no second answer");
    assert_eq!(status(&app, id), Status::AwaitingReview);
    let stored = inbox::watermark(app.store().conn(), &app.config.imap.mailbox).unwrap();
    assert_eq!(stored, Some(uid(2)), "the watermark still moves past it");
}

#[test]
fn a_cli_change_while_the_photo_is_checked_is_not_undone() {
    let dir = tempfile::tempdir().unwrap();
    let (app, id) = app(dir.path());
    // The secretary cancels the application from the CLI after the photo was
    // checked and found valid for it, before intake writes. The database is
    // not locked then (the checks run outside the write transaction).
    parent::AFTER_DECIDE.with(|h| {
        *h.borrow_mut() = Some(Box::new(move |app: &App| {
            let cancel = StaffCommand::Cancel {
                reason: "rezygnacja".into(),
            };
            let cli = crate::secretary::Source {
                actor: "cli:test".into(),
                mail: None,
            };
            crate::secretary::execute(app, id, &cancel, None, &cli).unwrap();
        }))
    });

    let h = handle(&app, uid(1), &photo_from(PARENT, "p1@example.pl"), None).unwrap();

    assert!(
        parent::AFTER_DECIDE.with(|h| h.borrow().is_none()),
        "the CLI ran"
    );
    assert_ne!(h.disposition, Disposition::Ignore);
    assert_eq!(
        status(&app, id),
        Status::Cancelled,
        "intake did not undo it"
    );
    let rows = queued(&app);
    assert!(
        !rows.iter().any(|r| r.kind == "staff_photo"),
        "no photo to enter for a cancelled application: {:?}",
        kinds(&rows)
    );
    let reply = only(&rows, "parent_reply");
    assert!(
        !reply.body.contains("Przyjęliśmy zdjęcie"),
        "{}",
        reply.body
    );
}

// Robots, loops and the per-sender cap.
mod robots;
// A stranger learns nothing from the register.
mod strangers;
// Each mail to the secretary carries its own token, good once.
mod tokens;
