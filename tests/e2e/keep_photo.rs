//! A photo kept for a reissue (`[retention] photo_keep_days`): where the
//! school decided so, the stored photo outlives the code's recording, a
//! reissue with it (`PONOWNIE ZE ZDJĘCIEM`, `apps reissue --keep-photo`)
//! sends the secretary the photo without asking the parent, and the
//! retention rule deletes it once the period has passed. With the default
//! (0 days) nothing is kept and such a reissue is refused.

use chrono::{Duration, Utc};
use mleg::domain::Status;
use mleg::secretary::{self, Outcome, Source};
use mleg::store::probe;
use mleg::workflow::command::StaffCommand;
use mleg::workflow::lifecycle::Refusal;

use crate::invalidate::{handed_over, staff_mail_with, stdout};
use crate::support::app::{SCHOOL, SECRETARY, TestApp, mleg};
use crate::support::dates::{at, tick};
use crate::support::mime::Mail;

fn reissued_as(t: &TestApp, id: i64) -> Option<i64> {
    mleg::store::apps::reissue_links(t.app.store().conn(), id)
        .unwrap()
        .1
}

fn stored(t: &TestApp) -> Vec<Vec<u8>> {
    probe::stored_photos(t.app.store().conn())
        .unwrap()
        .into_iter()
        .map(|(_, _, data)| data)
        .collect()
}

/// How many mails with news the parent was sent (or will be).
fn parent_news(t: &TestApp, parent: &str) -> usize {
    t.outbox_state()
        .into_iter()
        .filter(|(to, kind, ..)| to == parent && kind == "parent_news")
        .count()
}

fn show(t: &TestApp, id: i64) -> String {
    stdout(&mleg(t, &["apps", "show", &id.to_string()]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_school_keeping_photos_reissues_with_the_kept_photo_and_deletes_it_after_the_period() {
    let t = TestApp::spawn_with(|c| c.push_str("[retention]\nphoto_keep_days = 30\n"));
    let (id, parent) = handed_over(&t, "Adam", "Kowal", 61).await;

    // The code was recorded and handed over: one copy of the photo stays.
    let kept = stored(&t);
    assert_eq!(kept.len(), 1, "the stored photo is kept");
    let photo = kept[0].clone();
    let copies = probe::copies_of(t.app.store().conn(), &photo).unwrap();
    assert_eq!(copies, 1, "no other copy in the database");
    let shown = show(&t, id);
    assert!(shown.contains("(do ponownego wydania)"), "{shown}");

    // A lost phone: she invalidates and reissues with the kept photo.
    let subject = shown
        .lines()
        .find_map(|l| l.trim().strip_prefix("Temat: "))
        .expect("a ready-to-send subject")
        .to_owned();
    let news_before = parent_news(&t, &parent);
    let command = "UNIEWAŻNIJ wniosek rodzica\nPONOWNIE ZE ZDJĘCIEM\n";
    t.send(&Mail::new(SECRETARY, SCHOOL, &subject).text(command))
        .await;
    t.once().await;
    assert_eq!(t.application(id).status, Status::Invalidated);
    let new = reissued_as(&t, id).expect("a reissue was opened");
    assert_eq!(
        t.application(new).status,
        Status::AwaitingReview,
        "where a freshly accepted photo is"
    );
    let answer = staff_mail_with(&t, id, "z zachowanym zdjęciem").await;
    assert!(
        answer.text.contains(&format!("nowy wniosek nr {new}")),
        "{}",
        answer.text
    );

    // The secretary gets the photo as for a new one; the parent is not asked.
    let note = t.newest(SECRETARY, new, "", 1).await;
    assert!(
        note.images.iter().any(|i| i.data == photo),
        "the notification carries the kept photo: {}",
        note.subject
    );
    assert_eq!(
        parent_news(&t, &parent),
        news_before + 1,
        "only the invalidation's news, no request for a photo"
    );
    assert_eq!(stored(&t), vec![photo.clone()], "moved, not copied");

    // The new code keeps it again for 30 days; past them the reissue is
    // refused and started nowhere, and the retention rule deletes it.
    let new_s = new.to_string();
    stdout(&mleg(&t, &["apps", "code", &new_s, "NE12WC34"]));
    stdout(&mleg(&t, &["apps", "handed", &new_s]));
    assert!(show(&t, new).contains("(do ponownego wydania)"));
    let later = Utc::now() + Duration::days(31);
    let source = Source {
        actor: "cli:test".into(),
        mail: None,
    };
    let keep = StaffCommand::Reissue { keep_photo: true };
    let refused = secretary::execute(&at(&t, later), new, &keep, None, &source).unwrap();
    assert!(
        matches!(
            refused,
            Outcome::Refused(Refusal::PhotoNotKept { until: Some(_) })
        ),
        "{refused:?}"
    );
    assert_eq!(reissued_as(&t, new), None, "no ordinary reissue either");

    let report = tick(&t, later).await;
    assert_eq!(report.retention.kept_photos, 1);
    assert!(stored(&t).is_empty(), "the kept photo is gone");
    let shown = show(&t, new);
    assert!(!shown.contains("(do ponownego wydania)"), "{shown}");
    assert!(shown.contains("minął czas zachowania zdjęcia"), "{shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_default_no_photo_is_kept_and_keep_photo_is_refused_in_one_line() {
    let t = TestApp::spawn();
    let (id, _) = handed_over(&t, "Ewa", "Lis", 62).await;
    assert!(stored(&t).is_empty(), "the photo went with the code");
    let out = mleg(&t, &["apps", "reissue", &id.to_string(), "--keep-photo"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nie zachowano zdjęcia"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert_eq!(reissued_as(&t, id), None, "no reissue was started");

    // The same by mail: her answer says why, and nothing starts.
    let subject = show(&t, id)
        .lines()
        .find_map(|l| l.trim().strip_prefix("Temat: ").map(str::to_owned))
        .expect("a ready-to-send subject");
    t.send(&Mail::new(SECRETARY, SCHOOL, &subject).text("PONOWNIE ZE ZDJĘCIEM\n"))
        .await;
    t.once().await;
    let answer = staff_mail_with(&t, id, "Nie rozpoczęto ponownego wydania").await;
    assert!(
        answer.text.contains("zdjęcia tego wniosku nie zachowano"),
        "{}",
        answer.text
    );
    assert_eq!(reissued_as(&t, id), None);
    assert_eq!(t.application(id).status, Status::HandedOver);
}
