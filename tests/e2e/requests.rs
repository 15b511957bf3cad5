//! A parent asks by mail to invalidate the mLegitymacja (a lost phone) and
//! for a new one: a receipt to the parent, and the secretary one mail with
//! a live command token telling her what to reply. A stranger writing the
//! same gets the neutral answer, and the secretary hears of no student.

use mleg::secretary::{Source, execute};
use mleg::workflow::command::StaffCommand;

use crate::support::app::{SCHOOL, SECRETARY, TestApp};
use crate::support::mime::Mail;

/// Application `id` coded and handed over, by the secretary's terminal.
pub fn hand_over(t: &TestApp, id: i64) {
    let cli = Source {
        actor: "cli:test".into(),
        mail: None,
    };
    let code = StaffCommand::Code {
        code: "PQ12RS34".into(),
        generated_at: None,
    };
    execute(&t.app, id, &code, None, &cli).expect("code recorded");
    execute(&t.app, id, &StaffCommand::HandedOver, None, &cli).expect("handed over");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_phone_from_the_parent_and_from_a_stranger() {
    let t = TestApp::spawn();
    let (id, mama, _) = t.photo_with_secretary("Ania", "Zgubska", 81).await;
    let ania = t.application(id).pesel.as_str().to_owned();
    hand_over(&t, id);
    t.once().await;
    // The photo's answer, then the code's news.
    let before_parent = 2;
    t.exactly(&mama, before_parent).await;

    t.send(&Mail::new(&mama, SCHOOL, "Zgubiony telefon").text(
        "Dzień dobry,\ncórka zgubiła telefon z mLegitymacją. Proszę o unieważnienie \
         i wydanie nowej, kupimy nowy telefon.\nPozdrawiam",
    ))
    .await;
    t.once().await;

    let got = t.exactly(&mama, before_parent + 1).await;
    let receipt = crate::support::app::the_one(&got, "otrzymaliśmy Państwa wiadomość");
    for words in [
        "zgubiony lub skradziony telefon",
        "oraz prośba o wydanie nowej",
        "Ania Zgubska, klasa 3A",
        "poprosimy wtedy o aktualne zdjęcie",
    ] {
        assert!(receipt.text.contains(words), "{words}: {}", receipt.text);
    }
    assert!(!receipt.text.contains(&ania));

    let request = &t.mails_about(SECRETARY, "Prośba rodzica", 1).await[0];
    assert!(
        request.subject.contains(&format!("[mLegitymacja #{id}]"))
            && request
                .subject
                .contains("zgubiony telefon i nowa mLegitymacja"),
        "{}",
        request.subject
    );
    for words in [
        "UNIEWAŻNIJ wniosek rodzica",
        "PONOWNIE",
        "Stan wniosku: wydany",
    ] {
        assert!(request.text.contains(words), "{words}: {}", request.text);
    }
    // The token in her mail's subject is live for this application.
    let tokens = mleg::domain::staff::tokens_in(&request.subject);
    assert_eq!(tokens.len(), 1, "{}", request.subject);
    {
        let store = t.app.store();
        let conn = store.conn();
        let issued = mleg::store::tokens::find(conn, &tokens[0])
            .unwrap()
            .expect("recorded");
        assert_eq!(issued.application_id, id);
        assert!(issued.spent_at.is_none());
        // History and the open request the digest lists.
        let history = mleg::store::apps::events(conn, id).unwrap();
        assert!(
            history
                .iter()
                .any(|e| e.kind == "parent_request" && e.detail == "lost+new"),
            "{history:?}"
        );
        let open = mleg::store::requests::open_of(conn, id).unwrap();
        assert_eq!(open.len(), 1);
        assert_eq!((open[0].0.as_str(), open[0].1), ("lost", true));
    }

    // A stranger writing the same about the same child.
    let obcy = t.parent("obcy");
    t.send(
        &Mail::new(&obcy, SCHOOL, "Zgubiony telefon")
            .text("Ania Zgubska zgubiła telefon z mLegitymacją, proszę o unieważnienie."),
    )
    .await;
    t.once().await;
    let neutral = &t.exactly(&obcy, 1).await[0];
    assert!(
        neutral.text.contains("sekretariat ją sprawdzi"),
        "{}",
        neutral.text
    );
    assert!(!neutral.text.contains("Zgubska") && !neutral.text.contains("3A"));
    // Nothing new for the secretary, and no second request on file.
    let asked = t
        .outbox_state()
        .iter()
        .filter(|(_, kind, _, _)| kind == "staff_parent_request")
        .count();
    assert_eq!(asked, 1);
    assert_eq!(t.mails_about(SECRETARY, "Prośba rodzica", 1).await.len(), 1);
    let open = mleg::store::requests::open_of(t.app.store().conn(), id).unwrap();
    assert_eq!(open.len(), 1);
}
