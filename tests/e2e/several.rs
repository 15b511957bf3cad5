//! Several commands in one reply: the secretary answers a parent's
//! "Prośba rodzica" mail with `UNIEWAŻNIJ wniosek rodzica` and `PONOWNIE`
//! on two lines, as that mail tells her to. Both act, in order, in one
//! transaction; she gets one answer listing both; the parent hears of the
//! invalidation and is asked for a photo for the new application.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use mleg::app::App;
use mleg::clock::FixedClock;
use mleg::config::Config;
use mleg::domain::Status;

use crate::requests::hand_over;
use crate::support::app::{SCHOOL, SECRETARY, TestApp};
use crate::support::mime::Mail;
use crate::support::replies::{Style, reply};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalidate_and_reissue_in_one_reply_to_the_parents_request() {
    let t = TestApp::spawn();
    let (id, mama, _) = t.photo_with_secretary("Ola", "Zgubna", 82).await;
    hand_over(&t, id);
    t.once().await;
    let before_parent = t.exactly(&mama, 2).await.len();
    t.send(&Mail::new(&mama, SCHOOL, "Zgubiony telefon").text(
        "Dzień dobry,\ncórka zgubiła telefon. Proszę o unieważnienie mLegitymacji \
         i wydanie nowej.\nPozdrawiam",
    ))
    .await;
    t.once().await;
    let request = t.newest(SECRETARY, id, "Prośba rodzica", 1).await;
    assert!(open_requests(&t) > 0, "the digest lists the request");

    let text = "UNIEWAŻNIJ wniosek rodzica\nPONOWNIE";
    t.send(&reply(SECRETARY, &request, text, Style::GmailPlain))
        .await;
    t.once().await;

    // Both acted, in order, on the same application.
    assert_eq!(t.application(id).status, Status::Invalidated);
    let all = mleg::store::apps::list(t.app.store().conn(), None).unwrap();
    let new = all.iter().find(|a| a.id != id).expect("the reissue");
    assert_eq!(new.status, Status::AwaitingPhoto);
    // One answer to her reply, listing both outcomes.
    let answers = t.mails_about(SECRETARY, "Re: ", 1).await;
    let answers: Vec<_> = answers
        .iter()
        .filter(|m| m.text.contains("Unieważniono mLegitymację"))
        .collect();
    assert_eq!(answers.len(), 1, "one answer");
    let answer = &answers[0].text;
    for words in [
        "Unieważniono mLegitymację (powód:",
        "WAŻNE: mLegitymację trzeba unieważnić także w systemie ministerstwa",
        &format!("Rozpoczęto ponowne wydanie: nowy wniosek nr {}", new.id),
    ] {
        assert!(answer.contains(words), "{words}: {answer}");
    }
    let staff_answers = t
        .outbox_state()
        .iter()
        .filter(|(_, kind, _, _)| kind == "staff_answer")
        .count();
    assert_eq!(staff_answers, 1);
    // The parent: the invalidation, then the new application's photo request.
    let got = t.exactly(&mama, before_parent + 3).await;
    crate::support::app::the_one(&got, "mLegitymacja – unieważniona");
    crate::support::app::the_one(&got, "ponowne wydanie, prosimy o aktualne zdjęcie");
    // The token was spent once, by both commands.
    let token = &mleg::domain::staff::tokens_in(&request.subject)[0];
    let spent = mleg::store::tokens::find(t.app.store().conn(), token)
        .unwrap()
        .expect("recorded");
    assert!(spent.spent_at.is_some());
    // The request was answered: the digest no longer lists it.
    assert_eq!(open_requests(&t), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_command_stops_the_rest_of_the_reply() {
    let t = TestApp::spawn();
    let (id, _mama, _) = t.photo_with_secretary("Kuba", "Wstrzymany", 83).await;
    let note = t.newest(SECRETARY, id, "", 1).await;
    // Not issued yet: UNIEWAŻNIJ is not possible, so PONOWNIE must not act.
    let text = "UNIEWAŻNIJ zmiana szkoły\nPONOWNIE";
    t.send(&reply(SECRETARY, &note, text, Style::GmailPlain))
        .await;
    t.once().await;
    let answer = t.newest(SECRETARY, id, "Re: ", 1).await;
    assert!(
        answer
            .text
            .contains("Nie można wykonać tego polecenia (UNIEWAŻNIJ)")
            && answer
                .text
                .contains("Kolejne polecenia z tej odpowiedzi nie zostały wykonane")
            && answer.text.contains("PONOWNIE."),
        "{}",
        answer.text
    );
    assert_eq!(t.application(id).status, Status::AwaitingReview);
    let all = mleg::store::apps::list(t.app.store().conn(), None).unwrap();
    assert_eq!(all.len(), 1, "no reissue");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_digest_gives_each_open_request_a_ready_command() {
    let t = TestApp::spawn();
    let (id, mama, _) = t.photo_with_secretary("Iga", "Skradziona", 84).await;
    hand_over(&t, id);
    t.send(&Mail::new(&mama, SCHOOL, "Skradziony telefon").text(
        "Dzień dobry,
synowi skradziono telefon, proszę o unieważnienie mLegitymacji.",
    ))
    .await;
    t.once().await;
    t.newest(SECRETARY, id, "Prośba rodzica", 1).await;

    // Tuesday's digest lists the request with a command subject of its own.
    let now = "2026-12-08T07:30:00+01:00"
        .parse::<DateTime<Utc>>()
        .unwrap();
    let config = Config::load(&t.config_path).unwrap();
    let app = App::new(config, Arc::new(FixedClock(now))).unwrap();
    assert!(mleg::scheduler::step(&app, now).await.unwrap().digest.sent);
    mleg::daemon::deliver_once(&app).await.unwrap();
    let digest = &t.mails_about(SECRETARY, "Podsumowanie dnia", 1).await[0];
    let line = digest
        .text
        .lines()
        .find(|l| l.contains("polecenie mailem do"))
        .unwrap_or_else(|| panic!("no command line: {}", digest.text));
    let subject = line.split("temat: ").nth(1).expect("a subject").trim();
    assert!(
        subject.starts_with(&format!("[mLegitymacja #{id}] [")),
        "{line}"
    );

    // She acts from the digest: a new mail with that subject.
    t.send(&Mail::new(SECRETARY, SCHOOL, subject).text("UNIEWAŻNIJ wniosek rodzica"))
        .await;
    t.once().await;
    assert_eq!(t.application(id).status, Status::Invalidated);
    assert_eq!(open_requests(&t), 0);
}

/// Open parents' requests, as the digest counts them now.
fn open_requests(t: &TestApp) -> usize {
    let q = mleg::store::digest::Query {
        now: t.app.clock.now(),
        issue_within_days: 14,
        expiring_within_days: 7,
        pickup: false,
    };
    mleg::store::digest::waiting(t.app.store().conn(), q)
        .unwrap()
        .requests
        .total
}
