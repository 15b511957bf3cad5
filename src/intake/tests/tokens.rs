//! Tokens that are spent: each mail to the secretary carries its own token,
//! good for one command, on the status it was written for, for
//! `token_valid_days`.

use super::*;

fn tak(token: &str, message_id: &str) -> IncomingMail {
    mail(
        STAFF,
        message_id,
        &format!("Re: [mLegitymacja #1] Zdjęcie do wprowadzenia [{token}]"),
        "TAK",
    )
}

/// The token in the subject of the newest queued mail of `kind`.
fn token_of_newest(app: &App, kind: &str) -> String {
    let rows = queued(app);
    let row = rows.iter().rev().find(|r| r.kind == kind).unwrap();
    crate::domain::staff::tokens_in(&row.subject).pop().unwrap()
}

#[test]
fn a_replayed_command_mail_with_a_new_message_id_is_refused_and_audited() {
    let dir = tempfile::tempdir().unwrap();
    let (app, id) = app(dir.path());
    handle(&app, uid(1), &photo_from(PARENT, "p1@example.pl"), None).unwrap();
    let token = notification_token(&app);
    handle(&app, uid(2), &tak(&token, "t1@szkola.test"), None).unwrap();
    assert_eq!(status(&app, id), Status::Approved);
    let before = queued(&app).len();

    let replay = handle(&app, uid(3), &tak(&token, "t1-copy@szkola.test"), None).unwrap();
    assert_eq!(replay.disposition, Disposition::NeedsHuman);
    assert_eq!(status(&app, id), Status::Approved);
    assert_eq!(audit_outcomes(&app).last().unwrap(), "refused_token_spent");
    let rows = queued(&app);
    assert_eq!(kinds(&rows[before..]), ["staff_alert"]);
}

#[test]
fn a_token_acts_only_on_the_status_it_was_written_for_and_each_answer_brings_a_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let (app, id) = app(dir.path());
    handle(&app, uid(1), &photo_from(PARENT, "p1@example.pl"), None).unwrap();
    let note = notification_token(&app);
    // The CLI approves meanwhile: the notification was written for review.
    let cli = crate::secretary::Source {
        actor: "cli:test".into(),
        mail: None,
    };
    crate::secretary::execute(&app, id, &StaffCommand::Approve, None, &cli).unwrap();
    let cancel = mail(
        STAFF,
        "c1@szkola.test",
        &format!("Re: [mLegitymacja #1] [{note}]"),
        "ANULUJ rezygnacja rodzica",
    );
    handle(&app, uid(2), &cancel, None).unwrap();
    assert_eq!(status(&app, id), Status::Approved);
    assert_eq!(audit_outcomes(&app).last().unwrap(), "refused_token_stale");

    // POMOC with the stale token is answered, and the answer's own token acts.
    let help = mail(STAFF, "h1@szkola.test", &format!("Re: [{note}]"), "POMOC");
    handle(&app, uid(3), &help, None).unwrap();
    let fresh = token_of_newest(&app, "staff_answer");
    assert_ne!(fresh, note);
    let cancel = mail(
        STAFF,
        "c2@szkola.test",
        &format!("Re: [mLegitymacja #1] [{fresh}]"),
        "ANULUJ rezygnacja rodzica",
    );
    handle(&app, uid(4), &cancel, None).unwrap();
    assert_eq!(status(&app, id), Status::Cancelled);
}

#[test]
fn a_token_older_than_token_valid_days_no_longer_acts() {
    let dir = tempfile::tempdir().unwrap();
    let (app, id) = app(dir.path());
    let long_ago = app.clock.now() - chrono::Duration::days(31);
    app.store()
        .transaction(|tx| {
            crate::store::tokens::issue(tx, "0123456789abcdef", id, "old@szkola.test", long_ago)
        })
        .unwrap();
    let cancel = mail(
        STAFF,
        "c1@szkola.test",
        "Re: [mLegitymacja #1] [0123456789abcdef]",
        "ANULUJ rezygnacja",
    );
    handle(&app, uid(1), &cancel, None).unwrap();
    assert_eq!(status(&app, id), Status::AwaitingPhoto);
    assert_eq!(audit_outcomes(&app), ["refused_token_expired"]);
}

#[test]
fn the_needs_a_human_note_about_a_parent_s_mail_carries_that_application_s_token() {
    let dir = tempfile::tempdir().unwrap();
    let (app, id) = app(dir.path());
    let question = mail(PARENT, "q1@example.pl", "Pytanie o legitymację", "Kiedy?");
    handle(&app, uid(1), &question, None).unwrap();
    let token = token_of_newest(&app, "staff_needs_human");
    let issued = crate::store::tokens::find(app.store().conn(), &token)
        .unwrap()
        .expect("recorded");
    assert_eq!(issued.application_id, id);
    let cancel = mail(
        STAFF,
        "c1@szkola.test",
        &format!("Re: [mLegitymacja #1] Do sprawdzenia [{token}]"),
        "ANULUJ rodzic rezygnuje",
    );
    handle(&app, uid(2), &cancel, None).unwrap();
    assert_eq!(status(&app, id), Status::Cancelled);
}
