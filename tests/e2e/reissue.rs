//! Reissue (PONOWNIE): a new application for the same student, linked both
//! ways, awaiting the parent's next photo; after a hand-over the old one is
//! invalidated only when the new code is handed over.

use mleg::domain::Status;

use crate::invalidate::{current_code, handed_over, staff_mail_with, stdout};
use crate::support::app::{SCHOOL, SECRETARY, TestApp, mleg};
use crate::support::dates::{code_day, kod, photo_day, set_clock, show_json, tick, utc};
use crate::support::mime::Mail;
use crate::support::photos;
use crate::support::replies::{Style, reply};

fn links(t: &TestApp, id: i64) -> (Option<i64>, Option<i64>) {
    mleg::store::apps::reissue_links(t.app.store().conn(), id).unwrap()
}

/// The parent answers the reissue mail with a current photo; the new
/// application takes it and the secretary is notified about the new number.
async fn parent_sends_new_photo(t: &TestApp, parent: &str, old: i64, name: (&str, &str)) -> i64 {
    let (_, new) = links(t, old);
    let new = new.expect("the old application points to its reissue");
    let asked = t.mails_about(parent, "ponowne wydanie", 1).await;
    let text = &asked[0].text;
    assert!(text.contains("aktualne zdjęcie"), "{text}");
    assert!(text.contains(&format!("{} {}", name.0, name.1)), "{text}");
    let answer = reply(
        parent,
        &asked[0],
        "W załączniku zdjęcie.",
        Style::GmailPlain,
    )
    .photo(&format!("{} {}.jpg", name.0, name.1), photos::good_jpeg());
    t.send(&answer).await;
    t.once().await;
    assert_eq!(t.application(new).status, Status::AwaitingReview);
    t.newest(SECRETARY, new, "", 1).await;
    new
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ponownie_after_invalidation_and_the_new_application_takes_the_parents_next_photo() {
    let t = TestApp::spawn();
    let (id, parent) = handed_over(&t, "Adam", "Wiśniewski", 51).await;
    let shown = stdout(&mleg(&t, &["apps", "show", &id.to_string()]));
    let subject = shown
        .lines()
        .find_map(|l| l.trim().strip_prefix("Temat: "))
        .expect("a ready-to-send subject")
        .to_owned();
    t.send(&Mail::new(SECRETARY, SCHOOL, &subject).text("UNIEWAŻNIJ wniosek rodzica\n"))
        .await;
    t.once().await;
    assert_eq!(t.application(id).status, Status::Invalidated);

    let answer = staff_mail_with(&t, id, "Unieważniono").await;
    t.send(&reply(SECRETARY, &answer, "PONOWNIE", Style::GmailPlain))
        .await;
    t.once().await;

    let (_, new) = links(&t, id);
    let new = new.expect("PONOWNIE opened a new application");
    assert_eq!(links(&t, new), (Some(id), None));
    assert_eq!(
        t.application(id).status,
        Status::Invalidated,
        "stays closed"
    );
    assert_eq!(t.application(new).status, Status::AwaitingPhoto);
    let done = staff_mail_with(&t, id, "Rozpoczęto ponowne wydanie").await;
    assert!(
        done.text.contains(&format!("nowy wniosek nr {new}")),
        "{}",
        done.text
    );

    parent_sends_new_photo(&t, &parent, id, ("Adam", "Wiśniewski")).await;
    let v = show_json(&t, new);
    assert_eq!(v["reissue_of"], id);
    assert_eq!(v["chain"], serde_json::json!([id, new]));
    let text = stdout(&mleg(&t, &["apps", "show", &new.to_string()]));
    assert!(
        text.contains(&format!("Kolejne wydania: #{id} → #{new} (ten)")),
        "{text}"
    );
    // One student, shown once, then both applications with their codes.
    assert_eq!(v["student_id"], show_json(&t, id)["student_id"]);
    let listed = v["applications"]
        .as_array()
        .expect("the student's applications");
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["status"], "invalidated");
    assert_eq!(listed[0]["codes"].as_array().map(Vec::len), Some(1));
    assert_eq!(text.matches("Uczeń: Adam Wiśniewski").count(), 1, "{text}");
    let old_line = text.find(&format!("  #{id}: unieważniony")).expect(&text);
    let new_line = text.find(&format!("  #{new} (ten): ")).expect(&text);
    assert!(old_line < new_line, "{text}");
    assert!(
        text[old_line..new_line].contains("Kody aktywacyjne:"),
        "{text}"
    );

    // A second PONOWNIE on the old one changes nothing.
    let again = mleg(&t, &["apps", "reissue", &id.to_string()]);
    assert!(again.status.success());
    assert_eq!(links(&t, id).1, Some(new));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ponownie_after_the_code_expired_and_the_new_application_takes_the_parents_next_photo() {
    let mut t = TestApp::spawn();
    photo_day(&mut t);
    let (id, parent, _) = t.photo_with_secretary("Zofia", "Nowak", 52).await;
    code_day(&mut t);
    kod(&t.app, id, "AB12CD34", "2026-12-01 10:00");
    t.once().await;
    assert_eq!(tick(&t, utc(2026, 12, 31, 9, 0)).await.rules.expired, 1);
    assert_eq!(t.application(id).status, Status::Expired);
    assert!(current_code(&t, id).expired_at.is_some());

    set_clock(&mut t, utc(2026, 12, 31, 10, 0));
    let lapsed = t.newest(SECRETARY, id, "Kod wygasł", 1).await;
    t.send(&reply(SECRETARY, &lapsed, "PONOWNIE", Style::GmailPlain))
        .await;
    t.once().await;

    let new = parent_sends_new_photo(&t, &parent, id, ("Zofia", "Nowak")).await;
    assert_eq!(links(&t, new), (Some(id), None));
    // The expired one continues in its reissue: a new code goes to the new one.
    let v = show_json(&t, id);
    assert_eq!(v["reissued_as"], new);
    let pesel = t.application(id).pesel;
    let open = mleg::store::apps::open_by_pesel(t.app.store().conn(), &pesel)
        .unwrap()
        .map(|a| a.id);
    assert_eq!(
        open,
        Some(new),
        "the student's open application is the reissue"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reissue_after_hand_over_invalidates_the_old_one_only_when_the_new_code_is_handed_over() {
    let t = TestApp::spawn();
    let (id, parent) = handed_over(&t, "Ewa", "Mazur", 53).await;
    let out = stdout(&mleg(&t, &["apps", "reissue", &id.to_string()]));
    let new = links(&t, id).1.expect("a reissue");
    assert!(out.contains(&format!("nowy wniosek #{new}")), "{out}");
    t.once().await;
    parent_sends_new_photo(&t, &parent, id, ("Ewa", "Mazur")).await;

    // The student keeps the old one while the new one is prepared.
    let new_s = new.to_string();
    stdout(&mleg(&t, &["apps", "code", &new_s, "NE12WC34"]));
    assert_eq!(t.application(id).status, Status::HandedOver);
    assert!(current_code(&t, id).invalidated_at.is_none());

    stdout(&mleg(&t, &["apps", "handed", &new_s]));
    assert_eq!(t.application(new).status, Status::HandedOver);
    assert_eq!(t.application(id).status, Status::Invalidated);
    assert_eq!(
        current_code(&t, id).invalidated_reason.as_deref(),
        Some("card_invalid")
    );
    t.once().await;
    // The family, who has the new one, gets no "invalidated" mail.
    let news = t.inbox(&parent).await;
    assert!(
        !news.iter().any(|m| m.subject.contains("unieważniona")),
        "{:?}",
        news.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
}
