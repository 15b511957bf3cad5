//! A `KOD` whose generation time cannot be right (here a typo in the year)
//! records nothing: the secretary is told why, in Polish, and the
//! application, its photo and the parent are left as they were. The same
//! from the terminal, in one line.

use mleg::domain::Status;

use crate::support::app::{SECRETARY, TestApp, mleg};
use crate::support::replies::{Style, reply};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kod_with_a_typo_in_the_year_is_refused_with_the_reason_and_changes_nothing() {
    let t = TestApp::spawn();
    let (id, parent, note) = t.photo_with_secretary("Tomasz", "Literówka", 46).await;
    let completed = chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Warsaw)
        .format("%d.%m.%Y")
        .to_string();

    t.send(&reply(
        SECRETARY,
        &note,
        "KOD ABC123 01.01.2020",
        Style::GmailPlain,
    ))
    .await;
    t.once().await;

    // Her answer threads under the notification she replied to.
    let answer = &t
        .mails_about(SECRETARY, &format!("Re: [mLegitymacja #{id}]"), 1)
        .await[0];
    for said in [
        "Nie zapisano kodu: data wygenerowania podana w poleceniu KOD (01.01.2020 00:00)",
        "jest wcześniejsza niż chwila, w której wniosek stał się kompletny",
        &completed,
        "Najczęściej to pomyłka w roku.",
        "Nic nie zmieniono; rodzic nie dostał żadnej wiadomości.",
        "KOD <kod aktywacyjny> z poprawną datą i godziną wygenerowania",
    ] {
        assert!(answer.text.contains(said), "{said:?} in:\n{}", answer.text);
    }

    let unchanged = |t: &TestApp| {
        assert_eq!(t.application(id).status, Status::AwaitingReview);
        assert!(
            mleg::store::lifecycle::code_info(t.app.store().conn(), id)
                .unwrap()
                .is_none(),
            "no code recorded"
        );
        let photo = mleg::store::inbox::current_photo(t.app.store().conn(), id)
            .unwrap()
            .expect("the photo is still there");
        assert!(photo.purged_at.is_none(), "the photo is not purged");
        assert!(
            mleg::store::purges::pending(t.app.store().conn(), "watched")
                .unwrap()
                .is_empty(),
            "no mail queued for deletion"
        );
    };
    unchanged(&t);
    let outcomes: Vec<String> = t.audit(Some(id)).into_iter().map(|(_, _, o)| o).collect();
    assert_eq!(outcomes, vec!["refused_issue_time"]);

    // The terminal: the same refusal, one line, a failure exit code.
    let out = mleg(
        &t,
        &[
            "apps",
            "code",
            &id.to_string(),
            "ABC123",
            "--generated-at",
            "01.01.2020",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("Nie zapisano kodu: data wygenerowania 2020-01-01 00:00 jest wcześniejsza niż skompletowanie wniosku"),
        "{err}"
    );
    unchanged(&t);

    t.once().await;
    // The photo's answer only: the parent heard nothing of either KOD.
    t.exactly(&parent, 1).await;
}
