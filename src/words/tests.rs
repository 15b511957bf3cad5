use super::*;

/// The history's kinds that are not a status name (a status change is
/// recorded under the new status's name).
const NOTE_KINDS: [&str; 15] = [
    "registered",
    "anonymised",
    "photo_replaced",
    "photo_purged",
    "photo_held",
    "photo_rejected",
    "address_bounced",
    "reminder_skipped",
    "code_reminder",
    "deadline_reminder",
    "reissued",
    "reissue_of",
    "parent_request",
    "objection",
    "objection_withdrawn",
];

const BOTH: [Language; 2] = [Language::Pl, Language::En];

#[test]
fn every_status_has_a_polish_and_an_english_word() {
    for s in Status::ALL {
        let (pl, en) = (status(Language::Pl, s), status(Language::En, s));
        assert!(!pl.is_empty() && !en.is_empty(), "{s}");
        // A word, not the identifier the database and --json keep.
        assert_ne!(pl, s.as_str(), "{s}");
        assert!(!en.contains('_'), "{s}: {en}");
        // The history names a status change by the status.
        assert_eq!(event_kind(Language::Pl, s.as_str()), pl);
    }
    assert_eq!(status(Language::Pl, Status::CodeReady), "kod gotowy");
    assert_eq!(status(Language::En, Status::CodeReady), "code ready");
}

#[test]
fn status_words_tell_the_statuses_apart() {
    for lang in BOTH {
        let mut words: Vec<_> = Status::ALL.iter().map(|s| status(lang, *s)).collect();
        words.sort_unstable();
        words.dedup();
        assert_eq!(words.len(), Status::ALL.len(), "{lang:?}");
    }
}

#[test]
fn every_event_kind_has_a_polish_and_an_english_word() {
    for kind in NOTE_KINDS {
        let words = note_kind(kind).unwrap_or_else(|| panic!("{kind} has no words"));
        assert!(!words.0.is_empty() && !words.1.is_empty(), "{kind}");
        assert_ne!(words.0, words.1, "{kind}: the Polish word is English");
        for lang in BOTH {
            assert!(!event_kind(lang, kind).contains('_'), "{kind}");
        }
    }
    assert_eq!(event_kind(Language::Pl, "something_new"), "something_new");
}

#[test]
fn stock_details_are_worded_and_typed_reasons_shown_as_typed() {
    let pl = |kind, detail| event_detail(Language::Pl, kind, detail);
    let en = |kind, detail| event_detail(Language::En, kind, detail);
    assert_eq!(
        pl("approved", "implicit_approval"),
        "przy wpisaniu kodu, bez osobnego TAK"
    );
    assert_eq!(
        en("approved", "implicit_approval"),
        "implicitly, by the code"
    );
    // Written before the details were codes.
    assert_eq!(
        pl("approved", "approved implicitly by the code"),
        "przy wpisaniu kodu, bez osobnego TAK"
    );
    assert_eq!(
        pl("code_reminder", "3 day(s) before the code expires"),
        "3 dni przed wygaśnięciem kodu"
    );
    assert_eq!(
        pl("code_reminder", "days_left=1"),
        "1 dzień przed wygaśnięciem kodu"
    );
    assert_eq!(
        pl("deadline_reminder", "day=10"),
        "10. dzień od skompletowania wniosku"
    );
    assert_eq!(
        pl("reminder_skipped", "parent day 7"),
        "rodzic, 7 dni przed wygaśnięciem kodu"
    );
    assert_eq!(
        en("reminder_skipped", "staff day=12"),
        "office, day 12 since the application was complete"
    );
    assert_eq!(pl("address_bounced", "parent_2"), "rodzic 2");
    assert_eq!(
        pl("photo_rejected", "too_small,cmyk"),
        "za mała rozdzielczość, kolory CMYK"
    );
    // What the secretary typed, even when it looks like a code.
    assert_eq!(pl("rejected", "zdjęcie nieaktualne"), "zdjęcie nieaktualne");
    assert_eq!(pl("cancelled", "implicit_approval"), "implicit_approval");
    assert_eq!(pl("awaiting_photo", "day 3 of"), "day 3 of");
}

#[test]
fn every_stock_detail_the_workflow_writes_has_words() {
    let written = [
        ("awaiting_review", "photo_received"),
        ("photo_replaced", "newer_photo"),
        ("awaiting_review", "held_photo_accepted"),
        ("photo_replaced", "held_photo_accepted"),
        ("awaiting_review", "orphan_matched"),
        ("approved", "implicit_approval"),
        ("expired", "expired_unused"),
        ("handed_over", "parent_activated"),
        ("photo_purged", "school_rule"),
        ("photo_held", "not_a_parent"),
    ];
    for (kind, code) in written {
        let (pl, en) = stock(kind, code).unwrap_or_else(|| panic!("{kind}/{code}"));
        assert_ne!(pl, en, "{kind}/{code}");
    }
}

#[test]
fn audit_entries_are_worded() {
    assert_eq!(audit_command(Language::Pl, "approve"), "TAK");
    assert_eq!(
        audit_command(Language::Pl, "held_approve"),
        "TAK (wstrzymane zdjęcie)"
    );
    assert_eq!(audit_outcome(Language::Pl, "accepted"), "wykonano");
    assert_eq!(
        audit_outcome(Language::Pl, "refused_token_spent"),
        "odmowa: token już użyty"
    );
    assert_eq!(
        audit_outcome(Language::En, "refused_something_new"),
        "refused: something new"
    );
}

/// The kinds the code writes, read from the source: the 4th argument of
/// every `add_event(` call and every `kind: "…"` of a history note, so a
/// new kind cannot be written without its words here.
fn kinds_in_source() -> Vec<String> {
    let mut files = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src"
    ))];
    let mut kinds = Vec::new();
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") || path.ends_with("words/tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (at, _) in text.match_indices("add_event(") {
            let args = &text[at + "add_event(".len()..];
            let (mut depth, mut fields, mut start) = (0, Vec::new(), 0);
            for (i, c) in args.char_indices() {
                match c {
                    '(' | '[' => depth += 1,
                    ')' if depth == 0 => {
                        fields.push(&args[start..i]);
                        break;
                    }
                    ')' | ']' => depth -= 1,
                    ',' if depth == 0 => {
                        fields.push(&args[start..i]);
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            if let Some(kind) = fields.get(3).and_then(|f| f.trim().strip_prefix('"')) {
                kinds.push(kind.trim_end_matches('"').to_owned());
            }
        }
        for (at, _) in text.match_indices("kind: \"") {
            let rest = &text[at + "kind: \"".len()..];
            kinds.push(rest[..rest.find('"').unwrap()].to_owned());
        }
    }
    kinds
}

#[test]
fn every_kind_the_code_writes_has_words() {
    let kinds = kinds_in_source();
    assert!(kinds.iter().any(|k| k == "photo_purged"), "{kinds:?}");
    assert!(kinds.iter().any(|k| k == "code_reminder"), "{kinds:?}");
    for kind in kinds {
        let known = kind.parse::<Status>().is_ok() || note_kind(&kind).is_some();
        // `kind: "…"` also names other things (reminder kinds, mail kinds).
        let other = ["parent", "staff", "mail"].contains(&kind.as_str());
        assert!(known || other, "the history kind {kind:?} has no words");
    }
}
