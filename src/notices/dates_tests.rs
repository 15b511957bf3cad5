//! The reminder names the school's time zone: "czasu polskiego" in Poland,
//! the zone itself anywhere else (`[dates] timezone`).

use serde_json::json;

use crate::config::Language;
use crate::templates::Templates;

fn reminder(language: Language, zone: &str) -> String {
    let v = json!({
        "school": {"name": "SP 1", "office_hours": "pn–pt 8–15"},
        "student": {"full_name": "Ala Kot", "class": "3A", "id": 7},
        "delivery": "pickup",
        "expires": "20.12.2026 14:35",
        "days_left": 2,
        "zone": zone,
        "after_handover": false,
        "deadline": "",
        "day": 0,
    });
    let pl = Templates::new(language, None).render("parent_code_reminder", &v);
    pl.unwrap().body
}

#[test]
fn the_reminder_says_polish_time_in_poland_and_names_another_zone() {
    let b = reminder(Language::Pl, "Europe/Warsaw");
    assert!(
        b.contains("ważny do 20.12.2026 14:35 (czasu polskiego)"),
        "{b}"
    );
    let b = reminder(Language::Pl, "Europe/Vilnius");
    assert!(
        b.contains("ważny do 20.12.2026 14:35 (czas Europe/Vilnius)"),
        "{b}"
    );
    let b = reminder(Language::En, "Europe/Warsaw");
    assert!(
        b.contains("valid until 20.12.2026 14:35 (Polish time)"),
        "{b}"
    );
}
