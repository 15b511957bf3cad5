//! The note about a mail left where it is, in both languages: named by its
//! subject and date, or by its UID with the subject unknown.

use serde_json::json;

use crate::config::Language;
use crate::templates::{Rendered, Templates};

fn note(language: Language, stuck: &str, subject: Option<&str>, date: Option<&str>) -> Rendered {
    let v = json!({
        "school": {"name": "SP 1"},
        "stuck": stuck,
        "account": "szkola@szkola.test",
        "folder": "INBOX",
        "uid": 4711,
        "subject": subject,
        "date": date,
        "target_folder": if stuck == "move" { Some("mLegitymacja-przetworzone") } else { None },
        "tries": 3,
    });
    Templates::new(language, None)
        .render("staff_stuck_mail", &v)
        .unwrap()
}

#[test]
fn a_mail_not_handed_over_is_named_by_subject_and_date() {
    let r = note(
        Language::Pl,
        "fetch",
        Some("Wycieczka do Krakowa"),
        Some("03.03.2026 09:15"),
    );
    assert!(r.subject.contains("nie wydaje") && r.subject.contains("Wycieczka do Krakowa"));
    for line in [
        "Temat:   Wycieczka do Krakowa",
        "Data:    03.03.2026 09:15",
        "(UID) 4711",
        "3 razy z rzędu",
        "nie oznaczył jako\nprzeczytanej",
    ] {
        assert!(r.body.contains(line), "{line:?}:\n{}", r.body);
    }
    let r = note(
        Language::En,
        "fetch",
        Some("School trip"),
        Some("03.03.2026 09:15"),
    );
    assert!(r.subject.contains("will not hand over") && r.subject.contains("School trip"));
    assert!(r.body.contains("Subject: School trip"), "{}", r.body);
    assert!(r.body.contains("Date:    03.03.2026 09:15"), "{}", r.body);
}

#[test]
fn without_even_a_header_the_note_gives_the_uid_and_says_the_subject_is_unknown() {
    let r = note(Language::Pl, "fetch", None, None);
    for line in [
        "Temat:   nieznany",
        "Data:    nieznana",
        "numer wiadomości (UID) 4711",
    ] {
        assert!(r.body.contains(line), "{line:?}:\n{}", r.body);
    }
    let r = note(Language::En, "fetch", None, None);
    assert!(r.body.contains("Subject: unknown"), "{}", r.body);
    assert!(r.body.contains("(UID) 4711"), "{}", r.body);
}

#[test]
fn a_refused_move_names_the_folder_it_should_have_gone_to() {
    let r = note(
        Language::Pl,
        "move",
        Some("Zdjęcie"),
        Some("03.03.2026 09:15"),
    );
    assert!(r.subject.contains("przenieść"), "{}", r.subject);
    assert!(
        r.body.contains("„mLegitymacja-przetworzone”") && r.body.contains("obsłużył"),
        "{}",
        r.body
    );
    let r = note(Language::En, "move", None, None);
    assert!(
        r.body.contains("\"mLegitymacja-przetworzone\""),
        "{}",
        r.body
    );
}
