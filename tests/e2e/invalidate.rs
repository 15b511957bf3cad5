//! Invalidation (UNIEWAŻNIJ): the secretary invalidates an issued
//! mLegitymacja by mail or from the terminal; the parent hears what happened
//! and how to get a new one; her answer reminds her of the ministry system.

use std::process::Output;

use mleg::domain::Status;
use mleg::domain::mail::IncomingMail;

use crate::support::app::{SCHOOL, SECRETARY, TestApp, mleg, the_one};
use crate::support::mime::Mail;
use crate::support::replies::{Style, reply};

pub(crate) fn stdout(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A student whose code was recorded and handed over from the terminal.
pub(crate) async fn handed_over(
    t: &TestApp,
    first: &str,
    last: &str,
    serial: u32,
) -> (i64, String) {
    let (id, parent, _) = t.photo_with_secretary(first, last, serial).await;
    let id_s = id.to_string();
    stdout(&mleg(t, &["apps", "code", &id_s, "AB12CD34"]));
    stdout(&mleg(t, &["apps", "handed", &id_s]));
    t.once().await;
    assert_eq!(t.application(id).status, Status::HandedOver);
    (id, parent)
}

/// The newest mail to the secretary about `id` whose text holds `needle`
/// (her answers keep her own subject, so they are told apart by their text).
pub(crate) async fn staff_mail_with(t: &TestApp, id: i64, needle: &str) -> IncomingMail {
    let tag = format!("[mLegitymacja #{id}]");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let found = t
            .inbox(SECRETARY)
            .await
            .into_iter()
            .rfind(|m| m.subject.contains(&tag) && m.text.contains(needle));
        if let Some(m) = found {
            return m;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no mail about #{id} saying {needle:?}; outbox: {:?}",
            t.outbox_state()
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

pub(crate) fn current_code(t: &TestApp, id: i64) -> mleg::domain::CodeInfo {
    mleg::store::lifecycle::code_info(t.app.store().conn(), id)
        .unwrap()
        .expect("a code was recorded")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uniewaznij_zmiana_szkoly_sent_with_the_command_line_apps_show_prints() {
    let t = TestApp::spawn();
    let (id, parent) = handed_over(&t, "Łucja", "Żak", 41).await;

    // After hand-over no mail with a live token is left: `apps show` gives one.
    let shown = stdout(&mleg(&t, &["apps", "show", &id.to_string()]));
    assert!(shown.contains("Kody aktywacyjne:"), "{shown}");
    // The code itself went at hand-over (the family has it); its dates stay.
    assert!(
        !shown.contains("AB12CD34") && shown.contains("(usunięty)"),
        "{shown}"
    );
    let subject = shown
        .lines()
        .find_map(|l| l.trim().strip_prefix("Temat: "))
        .unwrap_or_else(|| panic!("no ready-to-send subject: {shown}"))
        .to_owned();
    assert!(shown.contains("UNIEWAŻNIJ <powód>"), "{shown}");
    assert!(shown.contains("PONOWNIE"), "{shown}");

    t.send(&Mail::new(SECRETARY, SCHOOL, &subject).text("UNIEWAŻNIJ zmiana szkoły\n"))
        .await;
    t.once().await;

    assert_eq!(t.application(id).status, Status::Invalidated);
    let code = current_code(&t, id);
    assert_eq!(code.invalidated_reason.as_deref(), Some("transfer"));
    assert!(code.invalidated_at.is_some());

    let news = t.mails_about(&parent, "unieważniona", 1).await;
    let text = &the_one(&news, "unieważniona").text;
    assert!(text.contains("Łucja Żak"), "{text}");
    assert!(text.contains("Powód: zmiana szkoły."), "{text}");
    assert!(text.contains("Jak otrzymać nową mLegitymację"), "{text}");

    let answer = staff_mail_with(&t, id, "Unieważniono").await;
    assert!(
        answer
            .text
            .contains("Unieważniono mLegitymację (powód: zmiana szkoły)"),
        "{}",
        answer.text
    );
    assert!(
        answer.text.contains("także w systemie ministerstwa"),
        "{}",
        answer.text
    );
    let audit = t.audit(Some(id));
    assert!(
        audit
            .iter()
            .any(|(_, cmd, outcome)| cmd == "invalidate" && outcome == "accepted"),
        "{audit:?}"
    );

    // `apps show` tells the story in Polish: the status and the code's reason.
    let shown = stdout(&mleg(&t, &["apps", "show", &id.to_string()]));
    assert!(shown.contains("unieważniony"), "{shown}");
    assert!(shown.contains("zmiana szkoły"), "{shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uniewaznij_wniosek_rodzica_without_diacritics_in_a_reply_to_her_code_answer() {
    let t = TestApp::spawn();
    let (id, parent, note) = t.photo_with_secretary("Jan", "Kowalski", 42).await;
    t.send(&reply(SECRETARY, &note, "KOD ZX98CV76", Style::GmailPlain))
        .await;
    t.once().await;
    assert_eq!(t.application(id).status, Status::CodeReady);
    let answer = staff_mail_with(&t, id, "Zapisano kod aktywacyjny").await;

    t.send(&reply(
        SECRETARY,
        &answer,
        "UNIEWAZNIJ wniosek rodzica",
        Style::GmailPlain,
    ))
    .await;
    t.once().await;

    assert_eq!(t.application(id).status, Status::Invalidated);
    assert_eq!(
        current_code(&t, id).invalidated_reason.as_deref(),
        Some("parent_request")
    );
    let news = t.mails_about(&parent, "unieważniona", 1).await;
    let text = &the_one(&news, "unieważniona").text;
    assert!(text.contains("Powód: wniosek rodzica."), "{text}");
    let done = staff_mail_with(&t, id, "Unieważniono").await;
    assert!(
        done.text.contains("także w systemie ministerstwa"),
        "{}",
        done.text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apps_invalidate_from_the_terminal_and_before_any_code_it_is_refused() {
    let t = TestApp::spawn();
    let (id, parent) = handed_over(&t, "Ola", "Nowak", 43).await;
    let out = stdout(&mleg(
        &t,
        &[
            "apps",
            "invalidate",
            &id.to_string(),
            "--reason",
            "sprzeciw",
        ],
    ));
    assert!(out.contains("unieważniony"), "{out}");
    assert_eq!(
        current_code(&t, id).invalidated_reason.as_deref(),
        Some("objection")
    );
    t.once().await;
    let news = t.mails_about(&parent, "unieważniona", 1).await;
    assert!(
        the_one(&news, "unieważniona")
            .text
            .contains("Powód: sprzeciw rodzica."),
        "{}",
        news[0].text
    );

    // Nothing issued yet: ANULUJ is the word, UNIEWAŻNIJ changes nothing.
    let (fresh, _, _) = t.photo_with_secretary("Ewa", "Lis", 44).await;
    let out = mleg(
        &t,
        &[
            "apps",
            "invalidate",
            &fresh.to_string(),
            "--reason",
            "zmiana nazwiska",
        ],
    );
    assert!(!out.status.success());
    assert_eq!(t.application(fresh).status, Status::AwaitingReview);
    let out = mleg(
        &t,
        &[
            "apps",
            "invalidate",
            &fresh.to_string(),
            "--reason",
            "bo tak",
        ],
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("legitymacja nieważna"),
        "the refusal lists the reasons"
    );
}
