//! `AKTYWOWANO` where mleg does not record it — here at a school whose
//! codes are picked up at the secretariat: the mail goes to the secretary
//! (needs-human folder and a note), the family gets no "please send a
//! photo", and the application stays as it was.

use mleg::domain::Status;

use crate::support::app::{NEEDS_HUMAN, SCHOOL, SECRETARY, TestApp};
use crate::support::dates::{code_day, kod, photo_day};
use crate::support::replies::{Style, reply};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aktywowano_at_a_pickup_school_goes_to_the_secretary_unanswered() {
    let mut t = TestApp::spawn();
    photo_day(&mut t);
    let (id, parent, _) = t.photo_with_secretary("Ala", "Odbiór", 91).await;
    code_day(&mut t);
    kod(&t.app, id, "AB12CD34", "2026-12-01 10:00");
    t.once().await;
    let code_mail = t.mails_about(&parent, "do odbioru", 1).await.remove(0);

    t.send(&reply(
        &parent,
        &code_mail,
        "AKTYWOWANO",
        Style::OutlookPlain,
    ))
    .await;
    t.once().await;
    assert_eq!(t.application(id).status, Status::CodeReady);
    let filed = t.stack.fetch_all(SCHOOL, NEEDS_HUMAN).await;
    let words: Vec<String> = filed
        .iter()
        .filter_map(|m| mleg::mail::parse::parse_mail(&m.raw).ok())
        .map(|m| m.text)
        .collect();
    assert!(
        words.len() == 1 && words[0].starts_with("AKTYWOWANO"),
        "{words:?}"
    );
    // The photo answer and the code's news; no answer to the word.
    t.exactly(&parent, 2).await;
    let alert = t.mails_about(SECRETARY, "AKTYWOWANO, którego", 1).await;
    assert!(
        alert[0].text.contains("Status wniosku się nie zmienił"),
        "{}",
        alert[0].text
    );
}
