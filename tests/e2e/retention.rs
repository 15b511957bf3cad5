//! Retention through the real stack: a student handed over, a stranger's
//! refused photo and an orphan nobody claims. Past `orphan_days` the two
//! strangers' mails leave mleg's folders; past `retention_days` after the
//! code's expiry the application is an anonymous trail, and a byte search of
//! the database file, its `-wal` and every folder mleg can reach (the school's
//! INBOX, mleg's folders, the sent folder, the secretary's mailbox) finds
//! neither the PESEL, nor the last name, nor the parent's address.

use chrono::{Duration, Utc};
use mleg::domain::Status;

use crate::support::app::{PROCESSED, SCHOOL, SECRETARY, TestApp, mleg, pesel};
use crate::support::dates::{at, tick};
use crate::support::leaks::{files_holding, mails_holding};
use crate::support::mime::Mail;
use crate::support::photos;
use crate::support::replies::{Style, reply};

/// The school's account with a sent folder, and the secretary's own
/// account (`[staff_mailbox]`) with her INBOX and Sent cleaned.
fn config(toml: &mut String) {
    let port: String = toml
        .split("[imap]")
        .nth(1)
        .and_then(|s| s.split("port = ").nth(1))
        .map(|s| s.chars().take_while(char::is_ascii_digit).collect())
        .unwrap();
    *toml = toml.replace(
        "password_file = \"imap.password\"\n[smtp]",
        "password_file = \"imap.password\"\nsent_folder = \"Sent\"\n[smtp]",
    );
    toml.push_str(&format!(
        "[staff_mailbox]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\n\
         user = \"{SECRETARY}\"\npassword_file = \"imap.password\"\n\
         folders = [\"INBOX\", \"Sent\"]\n"
    ));
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_retention_no_byte_of_the_child_or_the_parent_is_left_anywhere_mleg_reaches() {
    let t = TestApp::spawn_with(config);
    let t0 = Utc::now();
    let (id, parent, note) = t.photo_with_secretary("Zofia", "Retencja", 71).await;
    let pesel = pesel(2014, 12, 16, 71);
    // A child nobody registered (an orphan), and a damaged photo (refused).
    let (stranger, other) = (t.parent("obcy71"), t.parent("obcy72"));
    let orphan = Mail::new(&stranger, SCHOOL, "zdjecie do legitymacji")
        .photo("Jan Sierota.jpg", photos::good_jpeg());
    let refused = Mail::new(&other, SCHOOL, "zdjecie do legitymacji")
        .photo("foto.jpg", photos::truncated_jpeg());
    t.send(&orphan).await;
    t.send(&refused).await;
    t.once().await;
    let strangers = [orphan.message_id.clone(), refused.message_id.clone()];
    let filed = ids(&t, SCHOOL, PROCESSED).await;
    assert!(strangers.iter().all(|m| filed.contains(m)), "{filed:?}");

    // KOD, then WYDANO; her mail program keeps her replies in her Sent.
    let kod = reply(SECRETARY, &note, "KOD AB12-CD34", Style::GmailPlain);
    t.stack.append(SECRETARY, "Sent", &kod.build()).await;
    t.send(&kod).await;
    t.once().await;
    assert_eq!(t.application(id).status, Status::CodeReady);
    let answer = t.newest(SECRETARY, id, "Re:", 1).await;
    let wydano = reply(SECRETARY, &answer, "WYDANO", Style::GmailPlain);
    t.stack.append(SECRETARY, "Sent", &wydano.build()).await;
    t.send(&wydano).await;
    t.once().await;
    assert_eq!(t.application(id).status, Status::HandedOver);
    // The school's provider keeps a copy of every mail mleg sent the parent.
    for m in t.stack.fetch_all(&parent, "INBOX").await {
        t.stack.append(SCHOOL, "Sent", &m.raw).await;
    }
    let child = [pesel.as_str(), "Retencja", parent.as_str()];
    let before = mails_holding(&t, &[SCHOOL, SECRETARY], &child).await;
    // (Her KOD and WYDANO replies went with the hand-over's purge.)
    for place in [format!("{SECRETARY}/INBOX"), format!("{SCHOOL}/Sent")] {
        assert!(
            before.iter().any(|l| l.starts_with(&place)),
            "the search sees the data in {place} before retention: {before:?}"
        );
    }
    let db = t.app.config.database.clone();
    let files = [db.clone(), format!("{}-wal", db.display()).into()];
    assert!(
        !files_holding(&files, &child).is_empty(),
        "the search sees the data in the database before retention"
    );

    // Past orphan_days (30): the strangers' mails go; the application stays.
    let month = tick(&t, t0 + Duration::days(31)).await.retention;
    assert_eq!(
        (month.anonymised, month.orphan_mails, month.orphan_photos),
        (0, 2, 1),
        "{month:?}"
    );
    t.once().await;
    let filed = ids(&t, SCHOOL, PROCESSED).await;
    assert!(strangers.iter().all(|m| !filed.contains(m)), "{filed:?}");
    assert_eq!(t.application(id).status, Status::HandedOver);

    // The code expired 30 days after it was recorded; 90 days later it goes.
    let due = t0 + Duration::days(30 + 90) + Duration::hours(1);
    let early = at(&t, due - Duration::days(2));
    let preview = mleg::scheduler::retention::preview(&early, due - Duration::days(2)).unwrap();
    assert_eq!(preview.anonymised, 0, "not yet: {preview:?}");
    let ready = at(&t, due);
    let preview = mleg::scheduler::retention::preview(&ready, due).unwrap();
    assert_eq!(preview.anonymised, 1, "{preview:?}");
    let dry = mleg(&t, &["apps", "purge", "--dry-run"]);
    let said = String::from_utf8_lossy(&dry.stdout);
    assert!(
        dry.status.success() && said.contains("nic nie zmieniono"),
        "{said}"
    );
    let now = due.to_rfc3339();
    let look = mleg(&t, &["tick", "--now", &now]);
    let said = String::from_utf8_lossy(&look.stdout);
    assert!(said.contains("wnioski do anonimizacji 1,"), "{said}");
    let ran = mleg(&t, &["tick", "--now", &now, "--send"]);
    let said = String::from_utf8_lossy(&ran.stdout);
    assert!(
        ran.status.success() && said.contains("wnioski zanonimizowane: 1,"),
        "{said}{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    assert!(
        !said.contains("Retencja") && !said.contains(&pesel),
        "{said}"
    );
    t.once().await;
    // The records of the mails expunged just now go at the next step; the
    // application is not anonymised twice.
    let after = tick(&t, due + Duration::hours(1)).await.retention;
    assert_eq!(after.anonymised, 0, "{after:?}");

    let trail = mleg::store::retention::trail(t.app.store().conn(), id)
        .unwrap()
        .expect("an anonymous trail");
    assert_eq!(trail.status, Status::HandedOver);
    let show = mleg(&t, &["apps", "show", &id.to_string()]);
    let shown = String::from_utf8_lossy(&show.stdout);
    assert!(
        shown.contains("dane osobowe usunięte") && shown.contains("wydany"),
        "{shown}"
    );
    assert!(
        shown.contains("(sekretariat)") && !shown.contains('@'),
        "roles, not addresses: {shown}"
    );

    let everyone = [
        pesel.as_str(),
        "Retencja",
        parent.as_str(),
        "Sierota",
        stranger.as_str(),
        other.as_str(),
    ];
    let left = mails_holding(&t, &[SCHOOL, SECRETARY], &child).await;
    assert!(left.is_empty(), "still in the mailboxes: {left:?}");
    let left = mails_holding(&t, &[SCHOOL], &["Sierota"]).await;
    assert!(left.is_empty(), "the orphan's mail: {left:?}");
    let left = files_holding(&files, &everyone);
    assert!(left.is_empty(), "still in the database: {left:?}");
}
