//! An application sent back for a new photo (`ZDJĘCIE`) is not complete, so
//! nothing is overdue while it waits for the parent; the new photo makes it
//! complete again, and the issue deadline and the secretary's reminders
//! start anew from then. Also: a reminder a catch-up sends late says the
//! real number of days.

use chrono::{DateTime, Duration, Utc};
use mleg::domain::Status;
use mleg::domain::calendar::is_working_day;
use mleg::notices::dates::local_time;
use mleg::workflow::command::StaffCommand;

use crate::support::app::{SECRETARY, TestApp};
use crate::support::dates::{
    at, command, complete_at, listed, photo_at, show_json, tick, ticks, warsaw_8am, warsaw_day,
};

const REMINDER: &str = "Termin wydania";

/// An RFC 3339 time from `apps show --json`.
fn json_time(v: &serde_json::Value) -> DateTime<Utc> {
    let s = v.as_str().unwrap_or_else(|| panic!("a time: {v}"));
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn about(a: DateTime<Utc>, b: DateTime<Utc>) -> bool {
    (a - b).num_seconds().abs() <= 1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_photo_after_zdjecie_starts_the_deadline_and_the_reminders_anew() {
    let t = TestApp::spawn();
    // Times relative to the wall clock, which `mleg apps` reads.
    let first = Utc::now() - Duration::days(40);
    let id = complete_at(&t, "Marek", "Nowy", 81, first).await;
    let parent = t.parent("rodzic81");
    let day0 = warsaw_day(first);
    // The first completion's reminders, days 10 and 13.
    assert_eq!(
        tick(&t, warsaw_8am(day0 + Duration::days(10)))
            .await
            .rules
            .staff_reminders,
        1
    );
    assert_eq!(
        tick(&t, warsaw_8am(day0 + Duration::days(13)))
            .await
            .rules
            .staff_reminders,
        1
    );
    t.mails_about(SECRETARY, REMINDER, 2).await;

    // The secretary asks for a new photo before the deadline.
    let asked = warsaw_8am(day0 + Duration::days(13)) + Duration::hours(1);
    let app = at(&t, asked);
    let zdjecie = StaffCommand::RejectPhoto {
        reason: "zdjęcie nieostre".into(),
    };
    command(&app, id, &zdjecie);
    mleg::daemon::deliver_once(&app).await.unwrap();
    assert_eq!(t.application(id).status, Status::AwaitingPhoto);

    // Past the old deadline, waiting for the parent: no reminder, and no
    // digest, since nothing waits for the secretary (it is not overdue).
    let mut working_days = 0;
    for d in 14..=30 {
        let day = day0 + Duration::days(d);
        let r = tick(&t, warsaw_8am(day)).await;
        assert_eq!(r.rules.staff_reminders, 0, "day {d}");
        assert!(!r.digest.sent, "a digest on day {d}: {r:?}");
        working_days += usize::from(is_working_day(day, &[]));
    }
    assert!(working_days >= 10);
    let v = show_json(&t, id);
    assert_eq!(v["overdue"], false);
    assert!(
        v.get("deadline_at").is_none(),
        "not complete: no deadline: {v}"
    );
    assert_eq!(listed(&t, &["--overdue"]), Vec::<i64>::new());

    // The new photo, three days ago: complete again from then.
    let again = Utc::now() - Duration::days(3);
    photo_at(&t, &parent, "Marek", "Nowy", again).await;
    assert_eq!(t.application(id).status, Status::AwaitingReview);
    let v = show_json(&t, id);
    assert_eq!(v["overdue"], false, "{v}");
    assert!(about(json_time(&v["complete_at"]), again), "{v}");
    let deadline = again + Duration::days(14);
    assert!(about(json_time(&v["deadline_at"]), deadline), "{v}");
    assert_eq!(listed(&t, &["--overdue"]), Vec::<i64>::new());

    // Day 10 of the new completion: a reminder naming the new deadline.
    let day1 = warsaw_day(again);
    let new10 = warsaw_8am(day1 + Duration::days(10));
    assert_eq!(
        tick(&t, new10 - Duration::minutes(1))
            .await
            .rules
            .staff_reminders,
        0
    );
    assert_eq!(ticks(&t, new10, Duration::hours(1), 5).await.1, 1);
    let reminders = t.mails_about(SECRETARY, REMINDER, 3).await;
    let due = local_time(&t.app.config, deadline);
    assert!(
        reminders.iter().any(|m| m.subject.contains(&due)),
        "a reminder with the new deadline {due}: {:?}",
        reminders.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
    let v = show_json(&t, id);
    let staff: Vec<_> = v["reminders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["day"].as_u64().unwrap(), r["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(staff, vec![(10, "sent"), (13, "sent"), (10, "sent")]);
}
