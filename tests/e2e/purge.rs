//! A purge deletes exactly the child's mails and every copy of them, and
//! nothing else — even when a stranger shapes a Message-ID to match all mail.

use std::collections::BTreeSet;

use mleg::domain::Status;

use crate::codes::{screenshot_with_qr, with_attachment};
use crate::support::app::{NEEDS_HUMAN, PROCESSED, SCHOOL, SECRETARY, TestApp, pesel};
use crate::support::mime::Mail;
use crate::support::photos;
use crate::support::replies::{Style, reply};

/// The Message-IDs (normalised by mleg's parser) of the mails in a folder.
async fn ids(t: &TestApp, user: &str, folder: &str) -> BTreeSet<String> {
    t.stack
        .fetch_all(user, folder)
        .await
        .iter()
        .filter_map(|m| mleg::mail::parse::parse_mail(&m.raw).ok()?.message_id)
        .collect()
}

/// An ordinary mail that has nothing to do with mLegitymacja.
fn unrelated(message_id: &str) -> Vec<u8> {
    format!(
        "From: rada.rodzicow@example.pl\r\nTo: {SCHOOL}\r\nSubject: Zebranie rady rodzicow\r\n\
         Message-ID: <{message_id}>\r\nDate: Mon, 23 Nov 2026 09:00:00 +0100\r\n\r\n\
         Zapraszamy na zebranie w czwartek.\r\n"
    )
    .into_bytes()
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

/// The "delete by hand" mails the secretary was sent (from the outbox).
fn purge_failed_mails(t: &TestApp) -> usize {
    t.outbox_state()
        .iter()
        .filter(|(to, kind, _, _)| to == SECRETARY && kind == "staff_purge_failed")
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_id_of_at_sign_purges_the_childs_mails_and_no_other_mail() {
    let t = TestApp::spawn();
    let inbox = ["zebranie1@example.pl", "xa@szkola.test", "A@SZKOLA.TEST"];
    let processed = ["przetworzona@example.pl", "ba@szkola.test"];
    let needs_human = ["sprawdz@example.pl", "a@szkola.test.pl"];
    for (folder, list) in [
        ("INBOX", &inbox[..]),
        (PROCESSED, &processed[..]),
        (NEEDS_HUMAN, &needs_human[..]),
    ] {
        for id in list {
            t.stack.append(SCHOOL, folder, &unrelated(id)).await;
        }
    }
    let parent = t.parent("rodzic71");
    let id = t.register("Ola", "Kowal", &pesel(2014, 3, 3, 71), &parent);
    // First a photo the checks refuse, then a good one with `Message-ID: <@>`.
    let mut small =
        Mail::new(&parent, SCHOOL, "legitymacja").photo("Ola Kowal.jpg", photos::jpeg(177, 248));
    small.message_id = "a@szkola.test".into();
    t.send(&small).await;
    t.once().await;
    let mut good =
        Mail::new(&parent, SCHOOL, "legitymacja").photo("Ola Kowal.jpg", photos::good_jpeg());
    good.message_id = "@".into();
    t.send(&good).await;
    t.once().await;
    assert_eq!(t.application(id).status, Status::AwaitingReview);
    let mut filed = set(&processed);
    filed.extend(set(&["a@szkola.test", "@"]));
    assert_eq!(ids(&t, SCHOOL, PROCESSED).await, filed);
    assert_eq!(ids(&t, SCHOOL, "INBOX").await, set(&inbox));

    let note = t
        .mails_about(SECRETARY, &format!("[mLegitymacja #{id}]"), 1)
        .await
        .remove(0);
    let kod = reply(SECRETARY, &note, "KOD AB12-CD34", Style::GmailPlain);
    let kod_id = kod.message_id.clone();
    t.send(&with_attachment(
        kod,
        "ekran.png",
        "image/png",
        screenshot_with_qr(),
    ))
    .await;
    let (intake, _) = t.once().await;
    assert_eq!(t.application(id).status, Status::CodeReady);
    assert_eq!(intake.expunged, 2, "both of the parent's mails");

    assert_eq!(ids(&t, SCHOOL, "INBOX").await, set(&inbox));
    assert_eq!(
        ids(&t, SCHOOL, PROCESSED).await,
        set(&processed),
        "the parent's two mails and the KOD reply with the QR are gone, nothing else"
    );
    assert!(!ids(&t, SCHOOL, PROCESSED).await.contains(&kod_id));
    assert_eq!(ids(&t, SCHOOL, NEEDS_HUMAN).await, set(&needs_human));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_purge_the_server_refuses_or_cannot_do_safely_blocks_no_other_and_is_reported_once() {
    let t = TestApp::spawn();
    // A: a parent's mail (its Message-ID folded, CRLF inside), moved by hand
    // out of mleg's folder: a mail whose id its sender chose is expunged only
    // where mleg filed it, never searched for.
    let parent_a = t.parent("rodzic81");
    let a = t.register("Ala", "Zawinieta", &pesel(2014, 5, 5, 81), &parent_a);
    let mut folded =
        Mail::new(&parent_a, SCHOOL, "legitymacja").photo("Ala Zawinieta.jpg", photos::good_jpeg());
    folded.message_id = "ab\r\n cd@szkola.test".into();
    t.send(&folded).await;
    t.once().await;
    let note_a = t
        .mails_about(SECRETARY, &format!("[mLegitymacja #{a}]"), 1)
        .await
        .remove(0);
    assert!(
        note_a
            .text
            .contains("należy tę wiadomość usunąć samodzielnie"),
        "notifications go to her own account, which mleg cannot clean: {}",
        note_a.text
    );
    let uid_a = t.stack.fetch_all(SCHOOL, PROCESSED).await[0].uid;
    t.stack
        .move_mail(SCHOOL, PROCESSED, uid_a, "Archiwum")
        .await;
    // B: an ordinary application. C: the server answers BAD to its row (a
    // recorded folder name with a NUL stands in for any refusal).
    let (b, parent_b, note_b) = t.photo_with_secretary("Bartek", "Zwykly", 82).await;
    let (c, parent_c, note_c) = t.photo_with_secretary("Cyryl", "Odmowa", 83).await;
    let c_mail = t
        .stack
        .fetch_all(SCHOOL, PROCESSED)
        .await
        .into_iter()
        .find(|m| String::from_utf8_lossy(&m.raw).contains(&format!("From: {parent_c}")))
        .unwrap();
    let c_id = mleg::mail::parse::parse_mail(&c_mail.raw)
        .unwrap()
        .message_id
        .unwrap();
    let changed =
        mleg::store::probe::set_filed_folder(t.app.store().conn(), &c_id, "x\0y").unwrap();
    assert_eq!(changed, 1);

    for (note, code) in [
        (&note_a, "AA11-AA11"),
        (&note_c, "CC33-CC33"),
        (&note_b, "BB22-BB22"),
    ] {
        t.send(&reply(
            SECRETARY,
            note,
            &format!("KOD {code}"),
            Style::GmailPlain,
        ))
        .await;
    }
    let (intake, _) = t.once().await;
    for id in [a, b, c] {
        assert_eq!(t.application(id).status, Status::CodeReady);
    }
    assert_eq!(intake.expunged, 1, "B's mail, despite A and C before it");
    let processed = t.stack.fetch_all(SCHOOL, PROCESSED).await;
    let from = |p: &str| {
        let needle = format!("From: {p}");
        processed
            .iter()
            .any(|m| String::from_utf8_lossy(&m.raw).contains(&needle))
    };
    assert!(!from(&parent_b), "B's mail is expunged");
    assert!(from(&parent_c), "C's mail waits for the server");
    assert_eq!(
        t.stack.fetch_all(SCHOOL, "Archiwum").await.len(),
        1,
        "A's id is never searched for"
    );
    let ask = t
        .mails_about(SECRETARY, "ręcznie usunąć", 1)
        .await
        .remove(0);
    assert!(
        ask.subject.contains(&format!("#{a}")) && ask.text.contains("usuwa ją tylko z miejsca"),
        "A reported as moved: {}",
        ask.text
    );
    assert_eq!(purge_failed_mails(&t), 1, "A reported at once");

    for _ in 1..mleg::intake::MAX_PURGE_TRIES {
        t.once().await;
    }
    let asks = t.mails_about(SECRETARY, "ręcznie usunąć", 2).await;
    assert!(
        asks.iter()
            .all(|m| !m.subject.contains("Cyryl") && !m.subject.contains("Ala")),
        "no name in the subject"
    );
    assert!(
        asks.iter()
            .any(|m| m.subject.contains(&format!("#{c}")) && m.text.contains(&parent_c)),
        "C reported after the retries"
    );
    t.once().await;
    t.once().await;
    assert_eq!(purge_failed_mails(&t), 2, "each reported once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_copy_leaves_the_watched_account_the_notification_and_kod_at_kod_the_slip_and_code_mail_at_wydano()
 {
    let t = TestApp::spawn_with(|toml| {
        *toml = toml
            .replace(
                &format!("addresses = [\"{SECRETARY}\"]"),
                &format!("addresses = [\"{SCHOOL}\"]"),
            )
            .replace(
                "password_file = \"imap.password\"\n[smtp]",
                "password_file = \"imap.password\"\nsent_folder = \"Sent\"\n[smtp]",
            )
            .replace(
                "poll_interval_secs = 1",
                "poll_interval_secs = 1\ndelivery = \"email\"",
            );
    });
    let parent = t.parent("rodzic91");
    let id = t.register("Ewa", "Kopia", &pesel(2014, 6, 6, 91), &parent);
    t.send(&Mail::new(&parent, SCHOOL, "legitymacja").photo("Ewa Kopia.jpg", photos::good_jpeg()))
        .await;
    t.once().await;
    let tag = format!("[mLegitymacja #{id}]");
    let note = t.mails_about(SCHOOL, &tag, 1).await.remove(0);
    assert!(
        !note.text.contains("usunąć samodzielnie"),
        "mleg cleans this account itself"
    );
    let note_id = note.message_id.clone().unwrap();

    let kod = with_attachment(
        reply(SCHOOL, &note, "KOD AB12-CD34", Style::GmailPlain),
        "ekran.png",
        "image/png",
        screenshot_with_qr(),
    );
    // Her mail program keeps a copy of what she sends.
    t.stack.append(SCHOOL, "Sent", &kod.build()).await;
    t.send(&kod).await;
    t.once().await;
    assert_eq!(t.application(id).status, Status::CodeReady);
    assert!(
        !ids(&t, SCHOOL, "INBOX").await.contains(&note_id),
        "notification gone"
    );
    assert!(
        !ids(&t, SCHOOL, PROCESSED).await.contains(&kod.message_id),
        "KOD reply gone"
    );
    assert!(
        ids(&t, SCHOOL, "Sent").await.is_empty(),
        "her sent copy gone"
    );

    // The slip (to the school account) and the parent's code mail (kept in Sent).
    let slip = t.mails_about(SCHOOL, "Karta odbioru", 1).await.remove(0);
    let slip_id = slip.message_id.clone().unwrap();
    let code_mail = t.stack.wait_for_mails(&parent, "INBOX", 2).await;
    let code_raw = &code_mail
        .iter()
        .find(|m| mleg::mail::parse::parse_mail(&m.raw).is_ok_and(|p| p.text.contains("AB12-CD34")))
        .expect("the code mail")
        .raw;
    t.stack.append(SCHOOL, "Sent", code_raw).await;
    t.once().await;
    assert!(
        ids(&t, SCHOOL, "INBOX").await.contains(&slip_id),
        "kept until handed over"
    );
    assert_eq!(ids(&t, SCHOOL, "Sent").await.len(), 1);

    let answer = t.newest(SCHOOL, id, "Re:", 1).await;
    t.send(&reply(SCHOOL, &answer, "WYDANO", Style::GmailPlain))
        .await;
    t.once().await;
    assert_eq!(t.application(id).status, Status::HandedOver);
    assert!(
        !ids(&t, SCHOOL, "INBOX").await.contains(&slip_id),
        "slip gone"
    );
    assert!(
        ids(&t, SCHOOL, "Sent").await.is_empty(),
        "code mail copy gone"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_staff_mailbox_the_notification_leaves_the_secretarys_own_account_after_kod() {
    let t = TestApp::spawn_with(|toml| {
        let port: String = toml
            .split("[imap]")
            .nth(1)
            .and_then(|s| s.split("port = ").nth(1))
            .map(|s| s.chars().take_while(char::is_ascii_digit).collect())
            .unwrap();
        toml.push_str(&format!(
            "[staff_mailbox]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\n\
             user = \"{SECRETARY}\"\npassword_file = \"imap.password\"\n"
        ));
    });
    let (id, _, note) = t.photo_with_secretary("Iga", "Osobna", 95).await;
    assert!(!note.text.contains("usunąć samodzielnie"), "{}", note.text);
    let note_id = note.message_id.clone().unwrap();
    assert!(ids(&t, SECRETARY, "INBOX").await.contains(&note_id));
    let kod = reply(SECRETARY, &note, "KOD AB12-CD34", Style::GmailPlain);
    t.send(&with_attachment(
        kod,
        "ekran.png",
        "image/png",
        screenshot_with_qr(),
    ))
    .await;
    let (intake, _) = t.once().await;
    assert_eq!(t.application(id).status, Status::CodeReady);
    assert!(intake.copies_expunged >= 2, "{intake:?}");
    assert!(
        !ids(&t, SECRETARY, "INBOX").await.contains(&note_id),
        "the notification with the photo and PESEL is gone from her account"
    );
}
