//! Anonymisation on a real SQLite file: what stays (status, dates, event
//! kinds, roles) and that no column still holds the child or the parent.

use chrono::{Duration, TimeZone, Utc};

use super::*;
use crate::domain::NewApplication;
use crate::domain::test_support::{class, email, name, pesel};
use crate::mail::outgoing::{MailKind, OutgoingMail};
use crate::store::{Store, StoreError, apps, lifecycle, outbox, tokens};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap()
}

/// Every text and blob column of every table, concatenated: what a byte
/// search of the file would see once freed pages are zeroed.
fn everything(s: &Store) -> String {
    let conn = s.conn();
    let tables: Vec<String> = {
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
            .unwrap();
        let rows = stmt.query_map([], |r| r.get(0)).unwrap();
        rows.map(|r| r.unwrap()).collect()
    };
    let mut all = String::new();
    for t in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM {t}")).unwrap();
        let n = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for i in 0..n {
                if let Ok(Some(text)) = row.get::<_, Option<String>>(i) {
                    all.push_str(&text);
                    all.push('\n');
                }
            }
        }
    }
    all
}

#[test]
fn an_anonymised_application_keeps_its_trail_and_names_nobody() {
    let mut s = Store::open_in_memory().unwrap();
    let new = NewApplication {
        name: name("Zofia", "Retencja"),
        pesel: pesel(2015, 12, 12, 7),
        class: class("3A"),
        parent_email: email("rodzic@example.pl"),
        other_parent_emails: vec![email("tata@example.pl")],
        legitymacja_number: Some("123/2024".into()),
        valid_until: None,
        code_to_student: false,
    };
    let id = s
        .transaction(|tx| {
            let id = apps::insert(tx, &new, "0123456789abcdef", t0(), "cli:jkowalska")?;
            apps::set_status(
                tx,
                id,
                Status::Rejected,
                t0(),
                "zdjęcie Retencja",
                "mail:sekretariat@szkola.test",
            )?;
            tokens::issue(tx, "fedcba9876543210", id, "n@mleg", t0())?;
            let mail = OutgoingMail {
                kind: MailKind::ParentCode,
                application_id: Some(id),
                to: email("rodzic@example.pl"),
                subject: "Zofia Retencja".into(),
                body: "PESEL 15321212348".into(),
                in_reply_to: None,
                references: vec![],
                attachments: vec![],
            };
            outbox::enqueue(tx, &mail, "szkola.test", t0())?;
            Ok::<_, StoreError>(id)
        })
        .unwrap();
    let roles = vec![
        ("cli:jkowalska".to_owned(), "secretary"),
        ("mail:sekretariat@szkola.test".to_owned(), "secretary"),
    ];
    let later = t0() + Duration::days(91);
    s.transaction(|tx| anonymise(tx, id, &roles, later))
        .unwrap();

    assert!(
        apps::get(s.conn(), id).unwrap().is_none(),
        "no longer acted on"
    );
    let again = candidates(s.conn(), later + Duration::days(3650)).unwrap();
    assert!(again.is_empty(), "anonymised once");
    let trail = trail(s.conn(), id).unwrap().unwrap();
    assert_eq!(
        (trail.status, trail.anonymised_at),
        (Status::Rejected, later)
    );
    let events = apps::events(s.conn(), id).unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["registered", "rejected", "anonymised"]);
    assert!(events.iter().all(|e| e.detail.is_empty()));
    assert!(
        events
            .iter()
            .all(|e| ["secretary", "mleg"].contains(&e.actor.as_str()))
    );
    assert!(
        lifecycle::by_token(s.conn(), "0123456789abcdef")
            .unwrap()
            .is_none()
    );
    assert!(
        tokens::find(s.conn(), "fedcba9876543210")
            .unwrap()
            .is_none()
    );
    let all = everything(&s);
    let pesel = new.pesel.as_str();
    for gone in [
        "Retencja",
        "Zofia",
        pesel,
        "rodzic@",
        "tata@",
        "123/2024",
        "jkowalska",
    ] {
        assert!(!all.contains(gone), "{gone} is still stored");
    }
    // Its mail to the parent is queued for deleting from the mailboxes.
    assert!(
        all.contains("@szkola.test"),
        "the minted Message-ID is queued"
    );
}

#[test]
fn an_old_audit_entry_about_no_application_keeps_only_the_role() {
    let mut s = Store::open_in_memory().unwrap();
    let entry = |at, actor: &str| lifecycle::AuditEntry {
        at,
        actor: actor.into(),
        source: "mail".into(),
        message_id: Some("x@obcy.example.pl".into()),
        application_id: None,
        command: "unauthorised".into(),
        outcome: "rejected_sender".into(),
        detail: "obcy@example.pl".into(),
    };
    let later = t0() + Duration::days(100);
    s.transaction(|tx| {
        lifecycle::audit(tx, &entry(t0(), "mail:obcy@example.pl"))?;
        lifecycle::audit(tx, &entry(later, "mail:obcy@example.pl"))
    })
    .unwrap();
    let before = t0() + Duration::days(90);
    let actors = unlinked_audit_actors(s.conn(), before).unwrap();
    assert_eq!(actors, ["mail:obcy@example.pl"]);
    let roles = vec![(actors[0].clone(), "other")];
    let n = s
        .transaction(|tx| anonymise_unlinked_audit(tx, before, &roles))
        .unwrap();
    assert_eq!(n, 1, "only the entry older than the retention");
    let log = lifecycle::audit_log(s.conn(), None).unwrap();
    assert_eq!(
        (
            log[0].actor.as_str(),
            log[0].detail.as_str(),
            log[0].command.as_str()
        ),
        ("other", "", "unauthorised")
    );
    assert_eq!(log[1].actor, "mail:obcy@example.pl", "a recent one is kept");
}

#[test]
fn an_objection_on_file_keeps_its_application_past_retention() {
    let mut s = Store::open_in_memory().unwrap();
    let new = NewApplication {
        name: name("Jan", "Sprzeciw"),
        pesel: pesel(2015, 11, 11, 8),
        class: class("3A"),
        parent_email: email("rodzic@example.pl"),
        other_parent_emails: vec![],
        legitymacja_number: None,
        valid_until: None,
        code_to_student: false,
    };
    let later = t0() + Duration::days(400);
    let ids = s
        .transaction(|tx| {
            let id = apps::insert(tx, &new, "fedcba9876543210", t0(), "cli:x")?;
            apps::set_status(tx, id, Status::Cancelled, t0(), "objection", "cli:x")?;
            crate::store::requests::object(tx, id, t0())?;
            let before = candidates(tx, later)?.len();
            crate::store::requests::withdraw(tx, id, t0())?;
            Ok::<_, StoreError>((before, candidates(tx, later)?.len()))
        })
        .unwrap();
    assert_eq!(ids, (0, 1), "kept while the objection stands, then due");
}

#[test]
fn a_student_goes_with_the_last_of_their_applications() {
    let mut s = Store::open_in_memory().unwrap();
    let new = NewApplication {
        name: name("Ewa", "Dwukrotna"),
        pesel: pesel(2015, 10, 10, 5),
        class: class("2B"),
        parent_email: email("matka@example.pl"),
        other_parent_emails: vec![email("ojciec@example.pl")],
        legitymacja_number: Some("77/2025".into()),
        valid_until: None,
        code_to_student: false,
    };
    let (first, second) = s
        .transaction(|tx| {
            let first = apps::insert(tx, &new, "aaaaaaaaaaaaaaaa", t0(), "cli:x")?;
            apps::set_status(tx, first, Status::Cancelled, t0(), "", "cli:x")?;
            let second = apps::insert(tx, &new, "bbbbbbbbbbbbbbbb", t0(), "cli:x")?;
            apps::set_status(tx, second, Status::Rejected, t0(), "", "cli:x")?;
            Ok::<_, StoreError>((first, second))
        })
        .unwrap();
    let later = t0() + Duration::days(91);
    s.transaction(|tx| anonymise(tx, first, &[], later))
        .unwrap();
    let kept = apps::get(s.conn(), second).unwrap().unwrap();
    assert_eq!(kept.name.last_name(), "Dwukrotna", "still the school's");
    assert!(kept.has_parent(&email("ojciec@example.pl")));
    s.transaction(|tx| anonymise(tx, second, &[], later))
        .unwrap();
    let all = everything(&s);
    for gone in [
        "Dwukrotna",
        new.pesel.as_str(),
        "matka@",
        "ojciec@",
        "77/2025",
        "2B",
    ] {
        assert!(!all.contains(gone), "{gone} is still stored");
    }
}
