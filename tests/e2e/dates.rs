//! The date rules against the real mail stack: a parent's code reminders
//! (7 and 2 days before expiry, once each), catch-up after a gap, expiry
//! and a new code, `AKTYWOWANO`, and the secretary's deadline reminders
//! and the overdue mark. Time is driven by `scheduler::step` on an App with
//! a fixed clock (what `mleg tick --now` builds), and once by the binary.

use chrono::{Duration, Utc};
use mleg::domain::Status;
use mleg::workflow::command::StaffCommand;

use crate::support::app::{NEEDS_HUMAN, PROCESSED, SCHOOL, SECRETARY, TestApp};
use crate::support::dates::{
    at, code_day, complete_at, count, kod, listed, mleg, photo_day, show_json, tick, ticks, utc,
    warsaw_8am,
};
use crate::support::mime::Mail;
use crate::support::replies::{Style, reply};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reminders_go_out_once_each_then_the_code_expires_and_a_new_kod_starts_again() {
    let mut t = TestApp::spawn();
    photo_day(&mut t);
    let (id, parent, _) = t.photo_with_secretary("Zofia", "Nowak", 61).await;
    // Generated 1 December 10:00 Warsaw: valid until 31 December 10:00 (09:00 UTC).
    code_day(&mut t);
    kod(&t.app, id, "AB12CD34", "2026-12-01 10:00");
    t.once().await;
    t.mails_about(&parent, "do odbioru", 1).await;

    // Day 7 before expiry is 24 December; due at 08:00 Warsaw (07:00 UTC).
    assert_eq!(
        tick(&t, utc(2026, 12, 24, 6, 59))
            .await
            .rules
            .parent_reminders,
        0
    );
    let day7 = ticks(&t, utc(2026, 12, 24, 7, 0), Duration::minutes(20), 50).await;
    assert_eq!(
        day7.0, 1,
        "one reminder however often the step runs that day"
    );
    let r = t.mails_about(&parent, "wygasa", 1).await;
    assert!(
        r[0].subject.contains("31.12.2026 10:00"),
        "{}",
        r[0].subject
    );
    assert!(r[0].text.contains("zostało 7 dni"), "{}", r[0].text);
    assert!(
        r[0].text.contains("w sekretariacie") && r[0].text.contains("pon.–pt. 8:00–15:00"),
        "pickup: come to the office in its hours: {}",
        r[0].text
    );
    let day2 = ticks(&t, utc(2026, 12, 29, 7, 0), Duration::minutes(20), 50).await;
    assert_eq!(day2.0, 1);
    let r = t.mails_about(&parent, "wygasa", 2).await;
    assert!(r.iter().any(|m| m.text.contains("zostało 2 dni")));

    // At the expiry instant the application expires, once.
    assert_eq!(tick(&t, utc(2026, 12, 31, 8, 59)).await.rules.expired, 0);
    assert_eq!(tick(&t, utc(2026, 12, 31, 9, 0)).await.rules.expired, 1);
    assert_eq!(t.application(id).status, Status::Expired);
    let later = ticks(&t, utc(2026, 12, 31, 9, 5), Duration::hours(5), 10).await;
    assert_eq!(later, (0, 0));
    let told = t.mails_about(&parent, "wygasł", 1).await;
    assert!(told[0].text.contains("nowy kod"), "{}", told[0].text);
    let staff = t.mails_about(SECRETARY, "Kod wygasł", 1).await;
    assert!(staff[0].subject.contains(&format!("#{id}")));
    // The parent: photo answer, code ready, two reminders, expiry.
    let all = t.exactly(&parent, 5).await;
    assert_eq!((count(&all, "wygasa"), count(&all, "wygasł")), (2, 1));
    let staff = t.staff_mails_but_digests(3).await;
    assert_eq!(count(&staff, "Kod wygasł"), 1, "the secretary is told once");

    // A new code on the expired application: a new 30 days, a new series.
    let jan2 = at(&t, utc(2027, 1, 2, 8, 0));
    kod(&jan2, id, "EF56GH78", "2027-01-02 09:00");
    assert_eq!(t.application(id).status, Status::CodeReady);
    let code = mleg::store::lifecycle::code_info(t.app.store().conn(), id)
        .unwrap()
        .unwrap();
    assert_eq!(code.expires_at, utc(2027, 2, 1, 8, 0));
    mleg::daemon::deliver_once(&jan2).await.unwrap();
    assert_eq!(
        tick(&t, utc(2027, 1, 25, 7, 0))
            .await
            .rules
            .parent_reminders,
        1
    );
    t.mails_about(&parent, "wygasa 01.02.2027 09:00", 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_ten_day_gap_only_the_most_urgent_reminder_goes_out_via_mleg_tick() {
    let mut t = TestApp::spawn();
    photo_day(&mut t);
    let (id, parent, _) = t.photo_with_secretary("Olga", "Kruk", 62).await;
    code_day(&mut t);
    kod(&t.app, id, "AB12CD34", "2026-12-01 10:00");
    t.once().await;
    // The last step ran on 19 December; the next, through the binary, on
    // the 30th: both reminders are due, only the 2-day one is sent.
    assert_eq!(
        tick(&t, utc(2026, 12, 19, 7, 0))
            .await
            .rules
            .parent_reminders,
        0
    );
    mleg(
        &t,
        &["tick", "--now", "2026-12-30T08:00:00+01:00", "--send"],
    );
    mleg(
        &t,
        &["tick", "--now", "2026-12-30T12:00:00+01:00", "--send"],
    );
    let all = t.exactly(&parent, 3).await;
    let reminders: Vec<_> = all
        .iter()
        .filter(|m| m.subject.contains("wygasa"))
        .collect();
    assert_eq!(reminders.len(), 1);
    // Sent on the 30th for a code expiring on the 31st: the real time left.
    assert!(
        reminders[0].text.contains("został 1 dzień"),
        "{}",
        reminders[0].text
    );
    let v = show_json(&t, id);
    let rs = v["reminders"].as_array().expect("reminders listed");
    let got: Vec<(u64, &str)> = rs
        .iter()
        .map(|r| (r["day"].as_u64().unwrap(), r["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(got, vec![(7, "skipped"), (2, "sent")]);
    assert_eq!(v["code_expires_at"], "2026-12-31T10:00:00+01:00");
    assert_eq!(rs[1]["at"], "2026-12-30T08:00:00+01:00");
    let text =
        String::from_utf8_lossy(&mleg(&t, &["apps", "show", &id.to_string()]).stdout).into_owned();
    assert!(
        text.contains("2026-12-31 10:00 CET"),
        "local time in text: {text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aktywowano_from_the_parent_stops_reminders_from_a_stranger_it_goes_to_a_human_unanswered()
{
    // Even a school that reminds after the hand-over does not remind a
    // parent who said the code is activated.
    let mut t = TestApp::spawn_with(|c| {
        c.insert_str(0, "delivery = \"email\"\n");
        c.push_str("\n[dates]\nremind_after_handover = true\n");
    });
    photo_day(&mut t);
    let (id, parent, _) = t.photo_with_secretary("Jan", "Kos", 63).await;
    code_day(&mut t);
    kod(&t.app, id, "AB12CD34", "2026-12-01 10:00");
    t.once().await;
    let code_mail = t.mails_about(&parent, "kod aktywacyjny", 1).await.remove(0);

    let stranger = t.parent("obcy63");
    t.send(&reply(
        &stranger,
        &code_mail,
        "AKTYWOWANO",
        Style::GmailPlain,
    ))
    .await;
    t.once().await;
    assert_eq!(t.application(id).status, Status::CodeReady);
    assert_eq!(t.stack.fetch_all(SCHOOL, NEEDS_HUMAN).await.len(), 1);
    t.exactly(&stranger, 0).await;
    let alert = t.mails_about(SECRETARY, "AKTYWOWANO, którego", 1).await;
    assert!(alert[0].text.contains("WYDANO"), "{}", alert[0].text);

    // The parent's own new mail, not a reply to the application's mail:
    // for the secretary too, and no "please send a photo".
    t.send(&Mail::new(&parent, SCHOOL, "kod").text("Aktywowano\r\n"))
        .await;
    t.once().await;
    assert_eq!(t.application(id).status, Status::CodeReady);
    assert_eq!(t.stack.fetch_all(SCHOOL, NEEDS_HUMAN).await.len(), 2);
    t.mails_about(SECRETARY, "AKTYWOWANO, którego", 2).await;
    t.exactly(&parent, 2).await;

    t.send(&reply(&parent, &code_mail, "AKTYWOWANO", Style::GmailPlain))
        .await;
    t.once().await;
    assert_eq!(t.application(id).status, Status::HandedOver);
    assert_eq!(t.stack.fetch_all(SCHOOL, NEEDS_HUMAN).await.len(), 2);
    let thanks = t.mails_about(&parent, "aktywacja zapisana", 1).await;
    assert!(
        thanks[0]
            .text
            .contains("Nie będziemy już przypominać o kodzie"),
        "{}",
        thanks[0].text
    );
    let processed = t.stack.fetch_all(SCHOOL, PROCESSED).await;
    assert!(
        processed
            .iter()
            .filter_map(|m| mleg::mail::parse::parse_mail(&m.raw).ok())
            .any(|m| m.text.starts_with("AKTYWOWANO")),
        "the parent's AKTYWOWANO is filed as processed"
    );
    let after = ticks(&t, utc(2026, 12, 24, 7, 0), Duration::days(1), 8).await;
    assert_eq!(after, (0, 0), "no reminder after the activation");
    assert_eq!(t.application(id).status, Status::HandedOver, "nor expiry");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_secretary_is_reminded_on_days_10_and_13_then_it_is_overdue_but_not_once_coded() {
    let t = TestApp::spawn();
    // Complete 20 days ago (real time), so `mleg apps` (the wall clock) sees it overdue.
    let done = Utc::now() - Duration::days(20);
    let a = complete_at(&t, "Adam", "Wiśniewski", 71, done).await;
    // b's code, generated 25 days ago (a day after its photo), expires in 5 days.
    let generated_at = Utc::now() - Duration::days(25);
    let b = complete_at(&t, "Basia", "Lis", 72, generated_at - Duration::days(1)).await;
    let generated = generated_at
        .with_timezone(&chrono_tz::Europe::Warsaw)
        .format("%Y-%m-%d %H:%M")
        .to_string();
    let recorded = at(&t, generated_at + Duration::hours(1));
    kod(&recorded, b, "BB12CC34", &generated);
    // The code's mails go out when it is recorded (not days later, when
    // they would be past `outbox_max_age_hours`).
    mleg::daemon::deliver_once(&recorded)
        .await
        .expect("delivery");
    let day0 = done.with_timezone(&chrono_tz::Europe::Warsaw).date_naive();
    let day10 = warsaw_8am(day0 + Duration::days(10));
    let day13 = warsaw_8am(day0 + Duration::days(13));

    assert_eq!(
        tick(&t, day10 - Duration::minutes(1))
            .await
            .rules
            .staff_reminders,
        0
    );
    assert_eq!(ticks(&t, day10, Duration::minutes(10), 50).await.1, 1);
    assert_eq!(ticks(&t, day13, Duration::minutes(10), 50).await.1, 1);
    let reminders = t.mails_about(SECRETARY, "Termin wydania", 2).await;
    assert!(
        reminders
            .iter()
            .all(|m| m.subject.contains(&format!("#{a}]"))),
        "only the application still without a code"
    );
    // Two photo notes, b's slip, two reminders.
    let all = t.staff_mails_but_digests(5).await;
    assert_eq!(count(&all, "Termin wydania"), 2);

    let v = show_json(&t, a);
    assert_eq!(v["overdue"], true);
    assert!(v["complete_at"].as_str().is_some() && v["deadline_at"].as_str().is_some());
    assert_eq!(show_json(&t, b)["overdue"], false);
    let listed = |args: &[&str]| listed(&t, args);
    assert_eq!(listed(&["--overdue"]), vec![a]);
    assert_eq!(listed(&["--expiring-within", "7d"]), vec![b]);
    assert_eq!(listed(&["--expiring-within", "48h"]), Vec::<i64>::new());
    let text = String::from_utf8_lossy(&mleg(&t, &["apps", "list"]).stdout).into_owned();
    assert!(
        text.lines()
            .any(|l| l.starts_with(&format!("#{a} ")) && l.contains("po terminie")),
        "{text}"
    );
}

fn wydano(app: &mleg::app::App, id: i64) {
    crate::support::dates::command(app, id, &StaffCommand::HandedOver);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_email_the_reminder_says_mobywatel_and_expiry_purges_the_code_mail() {
    let mut t = TestApp::spawn_with(|c| c.insert_str(0, "delivery = \"email\"\n"));
    photo_day(&mut t);
    let (id, parent, _) = t.photo_with_secretary("Ewa", "Sowa", 64).await;
    code_day(&mut t);
    kod(&t.app, id, "AB12CD34", "2026-12-01 10:00");
    t.once().await;
    let code_mail = t.mails_about(&parent, "kod aktywacyjny", 1).await.remove(0);
    assert_eq!(
        tick(&t, utc(2026, 12, 24, 7, 0))
            .await
            .rules
            .parent_reminders,
        1
    );
    let r = t.mails_about(&parent, "wygasa", 1).await;
    assert!(
        r[0].text.contains("mObywatel") && r[0].text.contains("AKTYWOWANO"),
        "email: activate in mObywatel with the code already sent: {}",
        r[0].text
    );
    assert!(
        !r[0].text.contains("AB12CD34"),
        "the reminder repeats no code"
    );
    assert_eq!(tick(&t, utc(2026, 12, 31, 9, 0)).await.rules.expired, 1);
    let id_of_code_mail = code_mail.message_id.clone().unwrap();
    let queued = mleg::store::purges::pending(t.app.store().conn(), "watched").unwrap();
    assert!(
        queued.iter().any(|p| p.message_id == id_of_code_mail),
        "the dead code's mail is queued for deletion: {queued:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wydano_stops_reminders_unless_the_school_wants_one_after_the_hand_over() {
    // Default: nothing after WYDANO.
    let mut t = TestApp::spawn();
    photo_day(&mut t);
    let (id, _parent, _) = t.photo_with_secretary("Iga", "Wilk", 65).await;
    code_day(&mut t);
    kod(&t.app, id, "AB12CD34", "2026-12-01 10:00");
    wydano(&t.app, id);
    let after = ticks(&t, utc(2026, 12, 24, 7, 0), Duration::days(1), 8).await;
    assert_eq!(after, (0, 0));
    drop(t);

    // remind_after_handover: one reminder, on the last reminder day.
    let mut t = TestApp::spawn_with(|c| c.push_str("\n[dates]\nremind_after_handover = true\n"));
    photo_day(&mut t);
    let (id, parent, _) = t.photo_with_secretary("Iga", "Wilk", 66).await;
    code_day(&mut t);
    kod(&t.app, id, "AB12CD34", "2026-12-01 10:00");
    wydano(&t.app, id);
    t.once().await;
    assert_eq!(
        ticks(&t, utc(2026, 12, 24, 7, 0), Duration::hours(6), 20).await,
        (0, 0)
    );
    assert_eq!(
        ticks(&t, utc(2026, 12, 29, 7, 0), Duration::hours(1), 20).await,
        (1, 0)
    );
    let r = t.mails_about(&parent, "wygasa", 1).await;
    assert!(
        r[0].text.contains("jeśli nie aktywowali Państwo jeszcze"),
        "{}",
        r[0].text
    );
    assert_eq!(t.application(id).status, Status::HandedOver);
}
