//! The digest's text in both languages: sections, "and N more", and an
//! unknown needs-human count.

use serde_json::json;

use crate::config::Language;
use crate::templates::Templates;

fn view(needs_human: Option<u32>) -> serde_json::Value {
    let item = json!({"id": 7, "full_name": "Ala Kot", "class": "3A",
        "date": "1.12.2026", "date_time": "1.12.2026 08:00"});
    let empty = |key: &str| json!({"key": key, "total": 0, "more": 0, "items": []});
    json!({
        "school": {"name": "SP 1"},
        "date": "1.12.2026",
        "counts": [{"status": "awaiting_review", "n": 52}, {"status": "code_ready", "n": 1}],
        "sections": [
            {"key": "review", "total": 52, "more": 51, "items": [item.clone()]},
            empty("approved"),
            empty("overdue"),
            {"key": "expiring", "total": 1, "more": 0, "items": [item]},
            empty("not_picked_up"),
            empty("expired"),
        ],
        "needs_human": needs_human,
        "folder": "Do-sprawdzenia",
    })
}

#[test]
fn an_open_request_carries_a_ready_command_subject() {
    let mut v = view(Some(0));
    let item = json!({"id": 9, "full_name": "Ola Zgubna", "class": "3A",
        "date": "1.12.2026", "date_time": "1.12.2026 08:00",
        "command_subject": "[mLegitymacja #9] [00112233445566ff]"});
    v["sections"] = json!([{"key": "requests", "total": 1, "more": 0, "items": [item]}]);
    v["mailbox"] = json!("mleg@szkola.test");
    for (lang, words) in [
        (
            Language::Pl,
            "polecenie mailem do mleg@szkola.test, temat: [mLegitymacja #9] [00112233445566ff]",
        ),
        (
            Language::En,
            "command by mail to mleg@szkola.test, subject: [mLegitymacja #9] [00112233445566ff]",
        ),
    ] {
        let r = Templates::new(lang, None)
            .render("staff_digest", &v)
            .unwrap();
        assert!(r.body.contains(words), "{}", r.body);
    }
}

#[test]
fn the_digest_renders_in_polish_and_english() {
    let pl = Templates::new(Language::Pl, None)
        .render("staff_digest", &view(Some(2)))
        .unwrap();
    assert_eq!(pl.subject, "[mLegitymacja] Podsumowanie dnia 1.12.2026");
    let b = &pl.body;
    assert!(
        b.contains("Zdjęcia do sprawdzenia (52):\n  #7  Ala Kot, kl. 3A — od 1.12.2026\n"),
        "{b}"
    );
    assert!(b.contains("… i jeszcze 51"), "{b}");
    assert!(b.contains("wygasa 1.12.2026 08:00"), "{b}");
    assert!(
        !b.contains("Po terminie"),
        "empty sections are left out: {b}"
    );
    assert!(b.contains("„Do-sprawdzenia”: 2"), "{b}");
    assert!(
        b.contains("zdjęcie do sprawdzenia: 52\n  kod gotowy: 1"),
        "{b}"
    );
    let en = Templates::new(Language::En, None)
        .render("staff_digest", &view(None))
        .unwrap();
    assert!(en.body.contains("Photos to review (52):"), "{}", en.body);
    assert!(
        en.body.contains("\"Do-sprawdzenia\": unknown"),
        "{}",
        en.body
    );
}

#[test]
fn an_unknown_needs_human_count_says_so_in_polish() {
    let pl = Templates::new(Language::Pl, None)
        .render("staff_digest", &view(None))
        .unwrap();
    assert!(pl.body.contains("nieznana liczba"), "{}", pl.body);
}

#[test]
fn the_digest_shows_each_credentials_end_and_the_last_good_logins() {
    let mut v = view(Some(0));
    v["credentials"] = json!([
        {"credential": "client_secret", "server": "", "on": "2027-01-14", "days_left": 39},
        {"credential": "smtp_certificate", "server": "smtp.example.pl:465", "on": "2026-12-01", "days_left": -5},
    ]);
    v["logins"] = json!([
        {"part": "imap", "server": "imap.example.pl:993", "last_ok": "6.12.2026 07:55", "failing_since": null},
        {"part": "smtp", "server": "smtp.example.pl:465", "last_ok": "5.12.2026 09:00", "failing_since": "5.12.2026 09:30"},
    ]);
    let pl = Templates::new(Language::Pl, None)
        .render("staff_digest", &v)
        .unwrap()
        .body;
    assert!(
        pl.contains(
            "Skrzynka (IMAP) imap.example.pl:993: ostatnie udane logowanie 6.12.2026 07:55\n"
        ),
        "{pl}"
    );
    assert!(pl.contains("Wysyłanie (SMTP) smtp.example.pl:465: ostatnie udane logowanie 5.12.2026 09:00 — NIE DZIAŁA od 5.12.2026 09:30\n"), "{pl}");
    assert!(
        pl.contains("Sekret klienta OAuth2: ważny do 2027-01-14 (jeszcze 39 dn.)\n"),
        "{pl}"
    );
    assert!(
        pl.contains("Certyfikat serwera smtp.example.pl:465: WYGASŁ 2026-12-01\n"),
        "{pl}"
    );
    let en = Templates::new(Language::En, None)
        .render("staff_digest", &v)
        .unwrap()
        .body;
    assert!(
        en.contains("OAuth2 client secret: valid until 2027-01-14 (39 days left)\n"),
        "{en}"
    );
    assert!(en.contains("FAILING since 5.12.2026 09:30"), "{en}");
}
