//! The purge verdicts and the "delete by hand" mail.

use super::{PurgeFailedView, Verdict, verdict};
use crate::config::{Language, School};
use crate::mail::imap::PurgeOutcome;
use crate::store::purges::{Origin, STAFF, WATCHED};
use crate::templates::Templates;

#[test]
fn someone_elses_mail_not_where_mleg_filed_it_is_reported_never_searched_for() {
    let out = |at_places, found, searched, left_in_trash| PurgeOutcome {
        at_places,
        found,
        searched,
        left_in_trash,
    };
    let moved = Verdict::GiveUp("moved");
    assert_eq!(
        verdict(Origin::Foreign, WATCHED, &out(1, 0, false, 0)),
        Verdict::Done(None)
    );
    assert_eq!(
        verdict(Origin::Foreign, WATCHED, &out(0, 0, false, 0)),
        moved
    );
    // Her reply moved out of mleg's folder: her sent copy does not count.
    assert_eq!(verdict(Origin::Staff, WATCHED, &out(0, 1, true, 0)), moved);
    assert_eq!(
        verdict(Origin::Staff, WATCHED, &out(1, 0, true, 0)),
        Verdict::Done(None)
    );
    // mleg's own mail may be anywhere, or nowhere in this account.
    assert_eq!(
        verdict(Origin::Minted, WATCHED, &out(0, 0, true, 0)),
        Verdict::Done(None)
    );
    assert_eq!(
        verdict(Origin::Minted, WATCHED, &out(0, 0, false, 0)),
        Verdict::GiveUp("unsearchable")
    );
    assert_eq!(
        verdict(Origin::Minted, STAFF, &out(0, 0, true, 0)),
        Verdict::Done(None)
    );
    assert_eq!(
        verdict(Origin::Staff, STAFF, &out(0, 0, false, 0)),
        Verdict::Done(Some("not searched: unsafe id"))
    );
    for origin in [Origin::Minted, Origin::Staff, Origin::Foreign] {
        assert_eq!(
            verdict(origin, WATCHED, &out(1, 0, true, 1)),
            Verdict::GiveUp("trash"),
            "moved to the trash but not erased there"
        );
    }
}

#[test]
fn the_delete_by_hand_mail_names_no_child_and_says_where_to_look() {
    let school = School {
        issuance: Default::default(),
        name: "SP 1".into(),
        address: String::new(),
        office_hours: String::new(),
    };
    let mut view = PurgeFailedView {
        school: &school,
        application_id: Some(12),
        reason: "refused",
        kind: "parent",
        message_id: crate::mail::message_id::for_display("ab\r\n cd@szkola.test"),
        sender: Some("rodzic@example.pl".into()),
        received_at: Some("2026-11-23T09:00:00Z".into()),
        account: "szkola@szkola.test",
        folders: vec!["INBOX", "Sent"],
    };
    for (lang, words) in [(Language::Pl, "ręcznie"), (Language::En, "by hand")] {
        let r = Templates::new(lang, None)
            .render("staff_purge_failed", &view)
            .unwrap();
        assert!(
            r.subject.contains("#12") && r.subject.contains(words),
            "{}",
            r.subject
        );
        for needle in ["<ab?? cd@szkola.test>", "rodzic@example.pl", "INBOX, Sent"] {
            assert!(r.body.contains(needle), "{needle} missing: {}", r.body);
        }
    }
    // Each reason says why in words, in both languages.
    for (reason, pl, en) in [
        ("moved", "nigdy jej", "never searches for it"),
        ("trash", "z kosza", "from the trash"),
        ("unsearchable", "nietypowy", "unusual"),
        ("refused", "odmówił", "refused"),
    ] {
        view.reason = reason;
        for (lang, words) in [(Language::Pl, pl), (Language::En, en)] {
            let r = Templates::new(lang, None)
                .render("staff_purge_failed", &view)
                .unwrap();
            assert!(r.body.contains(words), "{reason}: {}", r.body);
        }
    }
}

#[test]
fn the_notification_says_who_deletes_it_in_both_languages() {
    let ctx = |deleted: bool| {
        serde_json::json!({
            "school": {"name": "SP 1"}, "process": "portal", "sender": "r@example.pl",
            "later_match": false, "deleted_by_mleg": deleted,
            "photo": {"file_name": "a.jpg", "width": 1, "height": 1, "kb": 1},
            "student": {"id": 1, "first_names": "A", "last_name": "B", "full_name": "A B",
                "class": "3A", "pesel": "x", "birth_date": "x", "code_to_student": false,
                "parent_email": "r@example.pl", "token": "t"},
        })
    };
    for (lang, own) in [
        (Language::Pl, "usunąć samodzielnie"),
        (Language::En, "delete this mail yourself"),
    ] {
        let t = Templates::new(lang, None);
        let mine = t.render("staff_photo", &ctx(false)).unwrap().body;
        let theirs = t.render("staff_photo", &ctx(true)).unwrap().body;
        assert!(mine.contains(own), "{mine}");
        assert!(!theirs.contains(own), "{theirs}");
    }
}
