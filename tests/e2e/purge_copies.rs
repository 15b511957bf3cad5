//! A purge takes the child's mails and every copy of them — the secretary's
//! text-only replies, a delivery report quoting a notification, a "needs a
//! human" note, a stranger's refused mail — through the trash folder when
//! one is set, and never another mail that merely shares a Message-ID.
//! After it, a byte search of every folder mleg can reach finds neither the
//! PESEL nor the photo.

use mleg::domain::Status;
use mleg::domain::mail::IncomingMail;

use crate::support::app::{NEEDS_HUMAN, PROCESSED, SCHOOL, SECRETARY, TestApp, mleg, pesel};
use crate::support::leaks::leaks;
use crate::support::mime::Mail;
use crate::support::photos;
use crate::support::replies::{Style, reply};

/// The test config plus `[staff_mailbox]`: the secretary's own account on
/// the same server, with `extra` lines (folders, trash_folder).
fn staff_mailbox(toml: &mut String, extra: &str) {
    let port: String = toml
        .split("[imap]")
        .nth(1)
        .and_then(|s| s.split("port = ").nth(1))
        .map(|s| s.chars().take_while(char::is_ascii_digit).collect())
        .unwrap();
    toml.push_str(&format!(
        "[staff_mailbox]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\n\
         user = \"{SECRETARY}\"\npassword_file = \"imap.password\"\n{extra}"
    ));
}

/// An ordinary mail of the school's, nothing to do with mLegitymacja.
fn unrelated(message_id: &str, subject: &str) -> Vec<u8> {
    format!(
        "From: dyrektor@szkola.test\r\nTo: {SCHOOL}, {SECRETARY}\r\nSubject: {subject}\r\n\
         Message-ID: <{message_id}>\r\nDate: Mon, 23 Nov 2026 08:00:00 +0100\r\n\r\n\
         Prosze o przygotowanie listy uczniow.\r\n"
    )
    .into_bytes()
}

/// The Message-IDs of the mails in a folder.
async fn ids(t: &TestApp, user: &str, folder: &str) -> Vec<String> {
    t.stack
        .fetch_all(user, folder)
        .await
        .iter()
        .filter_map(|m| mleg::mail::parse::parse_mail(&m.raw).ok()?.message_id)
        .collect()
}

/// The Message-ID of the delivery report in the tests.
const REPORT: &str = "zwrot-1@mx.szkola.test";

/// A delivery report (as Postfix writes one) returning the mail `returned`.
fn report_returning(returned: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "From: MAILER-DAEMON@szkola.test (Mail Delivery System)\r\nTo: {SCHOOL}\r\n\
         Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <{REPORT}>\r\n\
         Date: Mon, 23 Nov 2026 10:05:00 +0100\r\nAuto-Submitted: auto-replied\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"zwrot\"\r\n\r\n\
         --zwrot\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n\
         This is the mail system at host mx.szkola.test.\r\n\r\n\
         <{SECRETARY}>: mailbox full\r\n\r\n\
         --zwrot\r\nContent-Type: message/delivery-status\r\n\r\n\
         Reporting-MTA: dns; mx.szkola.test\r\n\r\n\
         Final-Recipient: rfc822; {SECRETARY}\r\nAction: failed\r\nStatus: 5.2.2\r\n\
         Diagnostic-Code: smtp; 552 5.2.2 Mailbox full\r\n\r\n\
         --zwrot\r\nContent-Type: message/rfc822\r\n\r\n"
    )
    .into_bytes();
    out.extend_from_slice(returned);
    out.extend_from_slice(b"\r\n--zwrot--\r\n");
    out
}

/// The raw notification about application `id` in the secretary's INBOX.
async fn raw_notification(t: &TestApp, note: &IncomingMail) -> Vec<u8> {
    let id = note.message_id.clone().unwrap();
    t.stack
        .fetch_all(SECRETARY, "INBOX")
        .await
        .into_iter()
        .find(|m| {
            mleg::mail::parse::parse_mail(&m.raw).is_ok_and(|p| p.message_id == Some(id.clone()))
        })
        .expect("the notification")
        .raw
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mail_reusing_the_message_id_of_an_unrelated_mail_takes_only_itself_along() {
    let t = TestApp::spawn_with(|toml| staff_mailbox(toml, ""));
    // Two mails of the school's, in its INBOX and in the secretary's.
    let (meeting, trip) = ("rada-2026-11@szkola.test", "wycieczka-2026@szkola.test");
    for user in [SCHOOL, SECRETARY] {
        t.stack
            .append(user, "INBOX", &unrelated(meeting, "Rada pedagogiczna"))
            .await;
        t.stack
            .append(user, "INBOX", &unrelated(trip, "Wycieczka"))
            .await;
    }
    let parent = t.parent("rodzic61");
    let stranger = t.parent("obcy61");
    let id = t.register("Ola", "Kowal", &pesel(2014, 3, 3, 61), &parent);
    // Each reuses one of those Message-IDs, with a valid photo named after the child.
    let mut theirs =
        Mail::new(&stranger, SCHOOL, "zdjecie").photo("Ola Kowal.jpg", photos::good_jpeg());
    theirs.message_id = meeting.into();
    t.send(&theirs).await;
    let mut parents =
        Mail::new(&parent, SCHOOL, "legitymacja").photo("Ola Kowal.jpg", photos::good_jpeg());
    parents.message_id = trip.into();
    t.send(&parents).await;
    t.once().await;
    assert_eq!(t.application(id).status, Status::AwaitingReview);
    let held = t
        .mails_about(SECRETARY, "zdjęcie od nieznanego adresu", 1)
        .await
        .remove(0);
    let note = t
        .mails_about(SECRETARY, &format!("[mLegitymacja #{id}]"), 1)
        .await
        .remove(0);

    // NIE on the stranger's photo, KOD on the parent's: both mails go.
    t.send(&reply(
        SECRETARY,
        &held,
        "NIE: to nie ten uczeń",
        Style::GmailPlain,
    ))
    .await;
    t.send(&reply(SECRETARY, &note, "KOD AB12-CD34", Style::GmailPlain))
        .await;
    t.once().await;
    assert_eq!(t.application(id).status, Status::CodeReady);
    for folder in [PROCESSED, NEEDS_HUMAN] {
        let left = ids(&t, SCHOOL, folder).await;
        assert!(
            left.is_empty(),
            "the stranger's and the parent's mails and her replies leave {folder}: {left:?}"
        );
    }
    let photos = [
        photos::good_jpeg(),
        held.images[0].data.clone(),
        note.images[0].data.clone(),
    ];
    let photos: Vec<&[u8]> = photos.iter().map(Vec::as_slice).collect();
    let found = leaks(&t, &[SCHOOL, SECRETARY], &pesel(2014, 3, 3, 61), &photos).await;
    assert!(found.is_empty(), "the child's data is still in {found:?}");
    for user in [SCHOOL, SECRETARY] {
        let inbox = ids(&t, user, "INBOX").await;
        for kept in [meeting, trip] {
            assert_eq!(
                inbox.iter().filter(|m| *m == kept).count(),
                1,
                "{user}: the school's own mail <{kept}> is still there: {inbox:?}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_trash_folder_a_purged_mail_is_moved_there_and_erased_there() {
    let t = TestApp::spawn_with(|toml| {
        *toml = toml.replace(
            "password_file = \"imap.password\"\n[smtp]",
            "password_file = \"imap.password\"\ntrash_folder = \"Trash\"\n[smtp]",
        );
        staff_mailbox(toml, "trash_folder = \"Trash\"\n");
    });
    // What each of them deleted earlier waits in the trash; it stays there.
    for user in [SCHOOL, SECRETARY] {
        t.stack
            .append(user, "Trash", &unrelated("stara@szkola.test", "Stara"))
            .await;
    }
    let check = mleg(&t, &["check"]);
    let said = String::from_utf8_lossy(&check.stdout);
    assert_eq!(said.matches("via trash (Trash)").count(), 2, "{said}");

    let (id, _, note) = t.photo_with_secretary("Iga", "Kosz", 62).await;
    let stripped = note.images[0].data.clone();
    let pesel = pesel(2014, 3, 7, 62);
    t.send(&reply(SECRETARY, &note, "KOD AB12-CD34", Style::GmailPlain))
        .await;
    t.once().await;
    assert_eq!(t.application(id).status, Status::CodeReady);

    for user in [SCHOOL, SECRETARY] {
        assert_eq!(
            ids(&t, user, "Trash").await,
            vec!["stara@szkola.test".to_string()],
            "{user}: erased in the trash, the old mail kept"
        );
    }
    assert!(
        ids(&t, SCHOOL, PROCESSED).await.is_empty(),
        "the parent's mail and the reply"
    );
    assert!(
        !ids(&t, SECRETARY, "INBOX")
            .await
            .contains(note.message_id.as_ref().unwrap())
    );
    // The trash's UIDs show which mails went through it: the parent's mail
    // and the KOD reply in the school's, the notification in hers.
    for (user, passed) in [(SCHOOL, 2), (SECRETARY, 1)] {
        t.stack
            .append(
                user,
                "Trash",
                &unrelated("znacznik@szkola.test", "Znacznik"),
            )
            .await;
        let uids: Vec<u32> = t
            .stack
            .fetch_all(user, "Trash")
            .await
            .iter()
            .map(|m| m.uid)
            .collect();
        assert_eq!(uids, vec![1, 2 + passed], "{user}");
    }
    let found = leaks(
        &t,
        &[SCHOOL, SECRETARY],
        &pesel,
        &[&photos::good_jpeg(), &stripped],
    )
    .await;
    assert!(found.is_empty(), "the child's data is still in {found:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_text_only_kod_a_report_quoting_the_notification_and_the_notes_leave_with_the_application()
 {
    let t = TestApp::spawn_with(|toml| staff_mailbox(toml, "folders = [\"INBOX\", \"Sent\"]\n"));
    let (id, parent, note) = t.photo_with_secretary("Ewa", "Zwrot", 63).await;
    let stripped = note.images[0].data.clone();
    let pesel = pesel(2014, 4, 8, 63);
    // The notification comes back in a delivery report (the whole mail quoted).
    let returned = raw_notification(&t, &note).await;
    t.stack
        .send_raw(
            "mailer-daemon@szkola.test",
            &[SCHOOL],
            &report_returning(&returned),
        )
        .await;
    // The parent asks a question: the secretary gets a "needs a human" note.
    t.send(
        &Mail::new(&parent, SCHOOL, "Pytanie o legitymację")
            .text("Kiedy będzie gotowa legitymacja?"),
    )
    .await;
    t.once().await;
    let question = t
        .mails_about(SECRETARY, "wiadomość bez zdjęcia", 1)
        .await
        .remove(0);
    // Filed where mleg files reports; the search sees the PESEL in it.
    let mut report_folder = None;
    for folder in [PROCESSED, NEEDS_HUMAN] {
        if ids(&t, SCHOOL, folder).await.iter().any(|m| m == REPORT) {
            report_folder = Some(folder);
        }
    }
    let report_folder = report_folder.expect("the report is filed");
    let original = photos::good_jpeg();
    let child_photos = [&original[..], &stripped[..]];
    let before = leaks(&t, &[SCHOOL, SECRETARY], &pesel, &child_photos).await;
    for place in [
        format!("{SECRETARY}/INBOX"),
        format!("{SCHOOL}/{report_folder}"),
        format!("{SCHOOL}/{PROCESSED}"),
    ] {
        assert!(
            before.iter().any(|l| l.starts_with(&place)),
            "the search sees the data in {place} before the purge: {before:?}"
        );
    }

    // Her KOD, text only; her mail program keeps a copy in her Sent.
    let kod = reply(SECRETARY, &note, "KOD AB12-CD34", Style::GmailPlain);
    t.stack.append(SECRETARY, "Sent", &kod.build()).await;
    t.send(&kod).await;
    t.once().await;
    assert_eq!(t.application(id).status, Status::CodeReady);
    let filed = [
        ids(&t, SCHOOL, PROCESSED).await,
        ids(&t, SCHOOL, NEEDS_HUMAN).await,
    ]
    .concat();
    for gone in [REPORT, kod.message_id.as_str()] {
        assert!(
            !filed.iter().any(|m| m == gone),
            "{gone} is expunged: {filed:?}"
        );
    }
    assert!(
        ids(&t, SECRETARY, "Sent").await.is_empty(),
        "her sent copy of KOD"
    );
    let question_id = question.message_id.clone().unwrap();
    assert!(
        ids(&t, SECRETARY, "INBOX").await.contains(&question_id),
        "the note stays while the application is open"
    );
    let found = leaks(&t, &[SCHOOL, SECRETARY], &pesel, &child_photos).await;
    assert!(found.is_empty(), "the child's data is still in {found:?}");

    let answer = t.newest(SECRETARY, id, "Re:", 1).await;
    t.send(&reply(SECRETARY, &answer, "WYDANO", Style::GmailPlain))
        .await;
    t.once().await;
    assert_eq!(t.application(id).status, Status::HandedOver);
    assert!(
        !ids(&t, SECRETARY, "INBOX").await.contains(&question_id),
        "closed: the note quoting the parent's mail goes"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parents_mail_whose_recorded_place_does_not_verify_is_left_and_reported_once() {
    let t = TestApp::spawn();
    let (id, parent, note) = t.photo_with_secretary("Ala", "Rozmiar", 64).await;
    let filed = t.stack.fetch_all(SCHOOL, PROCESSED).await;
    let theirs = mleg::mail::parse::parse_mail(&filed[0].raw)
        .unwrap()
        .message_id
        .unwrap();
    let recorded = mleg::store::probe::recorded_size(t.app.store().conn(), &theirs).unwrap();
    assert_eq!(recorded, Some(u32::try_from(filed[0].raw.len()).unwrap()));
    // The mail at the recorded UID has the Message-ID, but not the size.
    let changed = mleg::store::probe::set_recorded_size(t.app.store().conn(), &theirs, 1).unwrap();
    assert_eq!(changed, 1);
    t.send(&reply(SECRETARY, &note, "KOD AB12-CD34", Style::GmailPlain))
        .await;
    t.once().await;
    assert_eq!(t.application(id).status, Status::CodeReady);
    assert!(
        ids(&t, SCHOOL, PROCESSED).await.contains(&theirs),
        "not provably the one mail: left"
    );
    let ask = t
        .mails_about(SECRETARY, "ręcznie usunąć", 1)
        .await
        .remove(0);
    assert!(
        ask.subject.contains(&format!("#{id}")) && ask.text.contains(&parent),
        "{}",
        ask.text
    );
    t.once().await;
    let asks = t
        .outbox_state()
        .iter()
        .filter(|(_, kind, _, _)| kind == "staff_purge_failed")
        .count();
    assert_eq!(asks, 1, "reported once");
}
