//! A parent asks by mail to invalidate the mLegitymacja (a lost phone) and
//! for a new one: a receipt to the parent, and the secretary one mail with
//! a live command token telling her what to reply. A stranger writing the
//! same gets the neutral answer, and the secretary hears of no student.

use mleg::secretary::{Source, execute};
use mleg::workflow::command::StaffCommand;

use mleg::domain::Status;

use crate::support::app::{PROCESSED, SCHOOL, SECRETARY, TestApp, pesel};
use crate::support::mime::Mail;
use crate::support::photos;
use crate::support::replies::{Style, reply};

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_objection_confirmed_by_sprzeciw_then_a_photo_gets_one_polite_answer() {
    let t = TestApp::spawn();
    let tata = t.parent("przeciwny");
    let id = t.register("Jan", "Sprzeciwski", &pesel(2012, 2, 2, 91), &tata);
    t.send(
        &Mail::new(&tata, SCHOOL, "mLegitymacja")
            .text("Dzień dobry,\nnie wyrażam zgody na mLegitymację dla syna.\nJ. Sprzeciwski"),
    )
    .await;
    t.once().await;
    let receipt = &t.exactly(&tata, 1).await[0];
    assert!(
        receipt.text.contains("sprzeciw wobec wydania mLegitymacji"),
        "{}",
        receipt.text
    );
    let request = t.newest(SECRETARY, id, "Prośba rodzica: sprzeciw", 1).await;
    assert!(request.text.contains("\n  SPRZECIW"), "{}", request.text);

    // She confirms it by replying SPRZECIW.
    t.send(&reply(SECRETARY, &request, "SPRZECIW", Style::GmailPlain))
        .await;
    t.once().await;
    // Her answer is threaded to her reply.
    let done = t.newest(SECRETARY, id, "Re: ", 1).await;
    assert!(
        done.text.contains("Zapisano sprzeciw rodzica"),
        "{}",
        done.text
    );
    assert_eq!(t.application(id).status, Status::Cancelled);
    let recorded = t.mails_about(&tata, "sprzeciw zapisany", 1).await.remove(0);
    assert!(
        recorded.text.contains("WYCOFUJĘ SPRZECIW"),
        "{}",
        recorded.text
    );
    let before = t.exactly(&tata, 2).await.len();

    // Two photos the same day: one polite answer, nothing stored or issued.
    for n in 0..2 {
        let mut photo =
            Mail::new(&tata, SCHOOL, "zdjęcie").photo("Jan Sprzeciwski.jpg", photos::good_jpeg());
        photo.message_id = format!("sprzeciw-{n}@example.pl");
        t.send(&photo).await;
        t.once().await;
    }
    let got = t.exactly(&tata, before + 1).await;
    let polite = crate::support::app::the_one(&got, "jest zapisany Państwa sprzeciw");
    assert!(
        polite.text.contains("Jan Sprzeciwski, klasa 3A")
            && polite.text.contains("zdjęcie nie zostało wykorzystane"),
        "{}",
        polite.text
    );
    assert_eq!(t.application(id).status, Status::Cancelled);
    let photos = mleg::store::probe::stored_photos(t.app.store().conn()).unwrap();
    assert!(photos.is_empty(), "no photo kept");
    let staff_photo = t
        .outbox_state()
        .iter()
        .filter(|(_, kind, _, _)| kind == "staff_photo")
        .count();
    assert_eq!(staff_photo, 0, "the secretary gets no photo to enter");
    // The unused photo's mails are not kept in the school's mailbox.
    let mut kept = filed_ids(&t).await;
    for _ in 0..3 {
        if !kept.iter().any(|id| id.starts_with("sprzeciw-")) {
            break;
        }
        t.once().await;
        kept = filed_ids(&t).await;
    }
    assert!(
        !kept.iter().any(|id| id.starts_with("sprzeciw-")),
        "{kept:?}"
    );

    // A new application for the student is refused while the objection holds.
    let again = mleg::registry::add(&t.app, &new_application(&t, id), "test");
    assert!(again.is_err(), "{again:?}");
    let out = crate::support::app::mleg(&t, &["apps", "objection", &id.to_string(), "--withdraw"]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && said.contains("Wycofano sprzeciw"),
        "{said}"
    );
    assert!(mleg::registry::add(&t.app, &new_application(&t, id), "test").is_ok());
}

/// The student of application `id` registered again.
fn new_application(t: &TestApp, id: i64) -> mleg::domain::NewApplication {
    let a = t.application(id);
    mleg::domain::NewApplication {
        name: a.name.clone(),
        pesel: a.pesel.clone(),
        class: a.class.clone(),
        parent_email: a.parent_email.clone(),
        other_parent_emails: vec![],
        legitymacja_number: None,
        valid_until: None,
        code_to_student: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_request_an_imported_student_waits_until_the_parents_photo_asks() {
    let t = TestApp::spawn_with(|c| {
        *c = c.replace("[school]\n", "[school]\nissuance = \"on_request\"\n");
    });
    let mama = t.parent("prosi");
    let dir = tempfile::tempdir().unwrap();
    let csv = format!(
        "imię;nazwisko;pesel;klasa;email_rodzica\r\nZosia;Prośna;{};3a;{mama}\r\nAdam;Cichy;{};3a;cichy@example.pl\r\n",
        pesel(2014, 5, 5, 11),
        pesel(2014, 6, 6, 12)
    );
    let file = dir.path().join("uczniowie.csv");
    std::fs::write(&file, csv).unwrap();
    let out = crate::support::app::mleg(&t, &["apps", "import", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let all = mleg::store::apps::list(t.app.store().conn(), None).unwrap();
    assert_eq!(all.len(), 2);
    assert!(
        all.iter().all(|a| a.status == Status::NotRequested),
        "{all:?}"
    );
    let (zosia, adam) = (all[0].id, all[1].id);

    // The parent's photo is the request: the application goes on as today.
    t.send(&Mail::new(&mama, SCHOOL, "legitymacja").photo("Zosia Prośna.jpg", photos::good_jpeg()))
        .await;
    t.once().await;
    let answer = &t.exactly(&mama, 1).await[0];
    assert!(
        answer.text.contains("Przyjęliśmy zdjęcie"),
        "{}",
        answer.text
    );
    assert_eq!(t.application(zosia).status, Status::AwaitingReview);
    let note = t.newest(SECRETARY, zosia, "", 1).await;
    assert!(note.subject.contains("Prośna"), "{}", note.subject);
    let history = mleg::store::apps::events(t.app.store().conn(), zosia).unwrap();
    assert!(
        history
            .iter()
            .any(|e| e.kind == "awaiting_review" && e.detail == "requested_by_photo"),
        "{history:?}"
    );
    // Nobody asked for Adam's: nothing happens to it, and nobody was mailed.
    assert_eq!(t.application(adam).status, Status::NotRequested);
    let to_adams_parent = t
        .outbox_state()
        .iter()
        .filter(|(to, _, _, _)| to.starts_with("cichy@"))
        .count();
    assert_eq!(to_adams_parent, 0);

    // Adam's father hands in the paper form: the same application opens.
    let adams = t.application(adam).pesel.as_str().to_owned();
    let out = crate::support::app::mleg(
        &t,
        &[
            "apps",
            "add",
            "--first-name",
            "Adam",
            "--last-name",
            "Cichy",
            "--pesel",
            &adams,
            "--class",
            "3A",
            "--parent-email",
            "cichy@example.pl",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(t.application(adam).status, Status::AwaitingPhoto);
    let all = mleg::store::apps::list(t.app.store().conn(), None).unwrap();
    assert_eq!(all.len(), 2, "no second application for Adam");
}

/// The Message-IDs of the mails mleg filed as processed.
async fn filed_ids(t: &TestApp) -> Vec<String> {
    t.stack
        .fetch_all(SCHOOL, PROCESSED)
        .await
        .iter()
        .filter_map(|m| mleg::mail::parse::parse_mail(&m.raw).ok()?.message_id)
        .collect()
}
