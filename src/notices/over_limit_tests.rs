//! The answers about a mail over a MIME cap, in both languages.

use serde_json::json;

use crate::config::Language;
use crate::templates::Templates;

#[test]
fn the_over_limit_answers_render_in_polish_and_english() {
    let reply = |lang, kind: &str| {
        let t = Templates::new(lang, None);
        let view = json!({
            "school": {"name": "SP 1", "address": "ul. Szkolna 1", "office_hours": ""},
            "process": "portal",
            "items": [],
            "any_rejected": false,
            "no_photo": false,
            "too_large_mb": null,
            "over_limit": {"kind": kind, "found": 25, "max": 20},
            "max_mail_mb": "30",
            "other_attachments": [],
            "policy": {"formats": ["JPEG"], "max_mb": "5", "min_width": 1, "min_height": 1},
        });
        t.render("parent_reply", &view).unwrap().body
    };
    assert!(
        reply(Language::Pl, "images")
            .contains("zawiera 25 zdjęć, a w jednej wiadomości przyjmujemy najwyżej 20")
    );
    assert!(reply(Language::Pl, "parts").contains("ponad 20 części"));
    assert!(reply(Language::Pl, "depth").contains("ponad 20 poziomów"));
    assert!(reply(Language::En, "images").contains("contains 25 pictures; we accept at most 20"));
    for lang in [Language::Pl, Language::En] {
        let t = Templates::new(lang, None);
        let view = json!({
            "school": {"name": "SP 1"},
            "reason": "over_limit",
            "sender": "a@b.pl",
            "subject": "x",
            "folder": "F",
            "candidates": [],
        });
        let r = t.render("staff_needs_human", &view).unwrap();
        assert!(
            r.subject.contains("zbyt złożona") || r.subject.contains("too complex"),
            "{}",
            r.subject
        );
    }
}
