//! `mleg apps import --sync`: students missing from the school's new
//! register are closed as having left; a dry run only lists them; a file
//! that would close more than half of the register is refused without --yes.

use mleg::domain::Status;

use crate::requests::hand_over;
use crate::support::app::{TestApp, mleg, pesel};

fn csv(dir: &tempfile::TempDir, name: &str, rows: &[(&str, &str)]) -> String {
    let mut text = String::from("imię;nazwisko;pesel;klasa;email_rodzica\r\n");
    for (last, pesel) in rows {
        text.push_str(&format!("Uczeń;{last};{pesel};3a;rodzic@example.pl\r\n"));
    }
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn students_missing_from_the_new_register_are_closed_as_having_left() {
    let t = TestApp::spawn();
    let (odszedl, mama, _) = t.photo_with_secretary("Adam", "Odszedł", 21).await;
    hand_over(&t, odszedl);
    let tata = t.parent("tata");
    let [p_czeka, p_zostaje, p_zostaje2] = [22, 23, 24].map(|n| pesel(2013, 3, 3, n));
    let czeka = t.register("Bartek", "Czeka", &p_czeka, &tata);
    let zostaje = t.register("Celina", "Zostaje", &p_zostaje, &tata);
    let zostaje2 = t.register("Dawid", "Zostaje", &p_zostaje2, &tata);
    t.once().await;
    let before_mama = t.exactly(&mama, 2).await.len();
    let dir = tempfile::tempdir().unwrap();
    let full = csv(
        &dir,
        "full.csv",
        &[("Zostaje", &p_zostaje), ("Zostaje", &p_zostaje2)],
    );

    // The dry run lists numbers and counts, and changes nothing.
    let out = mleg(&t, &["apps", "import", "--sync", &full, "--dry-run"]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}");
    for words in [
        "Uczniów w rejestrze: 4; brak w nowym pliku (odeszli): 2",
        &format!("#{odszedl}: unieważnienie mLegitymacji"),
        &format!("#{czeka}: anulowanie wniosku"),
        "nic nie zmieniono",
    ] {
        assert!(said.contains(words), "{words}: {said}");
    }
    assert!(
        !said.contains(&p_czeka) && !said.contains("Odszedł"),
        "{said}"
    );
    assert_eq!(t.application(odszedl).status, Status::HandedOver);

    // A truncated file would close three of four: refused, nothing changed.
    let short = csv(&dir, "short.csv", &[("Zostaje", &p_zostaje)]);
    let out = mleg(&t, &["apps", "import", "--sync", &short]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("zamknąłby 3 z 4 uczniów"), "{err}");
    assert_eq!(t.application(czeka).status, Status::AwaitingPhoto);

    // The real sync closes the two who left, and only them.
    let out = mleg(&t, &["apps", "import", "--sync", &full]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("Zamknięto wniosków: 2"), "{said}");
    assert_eq!(t.application(odszedl).status, Status::Invalidated);
    assert_eq!(t.application(czeka).status, Status::Cancelled);
    assert_eq!(t.application(zostaje).status, Status::AwaitingPhoto);
    assert_eq!(t.application(zostaje2).status, Status::AwaitingPhoto);
    // The students who stay carry the register's names and parents now.
    let stays = t.application(zostaje);
    assert_eq!(stays.name.first_names(), "Uczeń");
    let only: Vec<&str> = stays.parent_emails.iter().map(|e| e.as_str()).collect();
    assert_eq!(only, ["rodzic@example.pl"]);
    let history = mleg::store::apps::events(t.app.store().conn(), odszedl).unwrap();
    assert!(
        history
            .iter()
            .any(|e| e.kind == "invalidated" && e.detail.contains("transfer")),
        "{history:?}"
    );
    // The parent of the student who left is told.
    t.once().await;
    let got = t.exactly(&mama, before_mama + 1).await;
    crate::support::app::the_one(&got, "mLegitymacja – unieważniona");

    // Retention then anonymises the two as any closed application.
    let later = (chrono::Utc::now() + chrono::Duration::days(120)).to_rfc3339();
    let out = mleg(&t, &["tick", "--now", &later, "--dry-run"]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("wnioski do anonimizacji 2,"), "{said}");

    // Run again: nobody is left to close.
    let out = mleg(&t, &["apps", "import", "--sync", &full]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("Uczniów w rejestrze: 2; brak w nowym pliku (odeszli): 0"),
        "{said}"
    );
}
