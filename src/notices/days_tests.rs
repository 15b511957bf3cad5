//! The numbers of days in the mails come from the config, never from the
//! template text: a school with other promises (`[dates] issue_within_days`)
//! or another code lifetime (`code_valid_days`) says its own, in Polish and
//! in English.

use chrono::{Duration, TimeZone, Utc};

use crate::config::Config;
use crate::domain::mail::{Attachment, IncomingMail};
use crate::domain::test_support::{class, email, name, pesel};
use crate::domain::{Application, CodeInfo, Status};
use crate::photo::{PhotoCheck, PhotoFormat};
use crate::templates::Templates;
use crate::workflow::{Decision, Disposition, PhotoDecision};

fn config(dir: &std::path::Path, language: &str) -> Config {
    std::fs::write(dir.join("pw"), "x\n").unwrap();
    let toml = format!(
        r#"
language = "{language}"
database = "mleg.sqlite3"
code_valid_days = 21
[school]
name = "SP 1"
address = "ul. Szkolna 1"
[imap]
host = "127.0.0.1"
port = 1
tls = "none"
user = "szkola@szkola.test"
password_file = "pw"
[smtp]
host = "127.0.0.1"
port = 1
tls = "none"
from = "szkola@szkola.test"
[staff]
addresses = ["sekretariat@szkola.test"]
[dates]
issue_within_days = 10
staff_reminder_days = [7]
"#
    );
    Config::from_toml(&toml, dir).unwrap()
}

fn application() -> Application {
    let at = Utc.with_ymd_and_hms(2026, 11, 2, 8, 0, 0).unwrap();
    Application {
        id: 7,
        student_id: 7,
        name: name("Ala", "Kot"),
        pesel: pesel(2015, 5, 12, 7),
        class: class("3A"),
        parent_email: email("rodzic@example.pl"),
        parent_emails: vec![email("rodzic@example.pl")],
        legitymacja_number: None,
        code_to_student: false,
        status: Status::Expired,
        token: "0011223344556677".into(),
        created_at: at,
        updated_at: at,
    }
}

fn photo_mail() -> IncomingMail {
    IncomingMail {
        message_id: Some("m1@example.pl".into()),
        from: Some("rodzic@example.pl".into()),
        from_name: None,
        reply_to: None,
        to: vec!["szkola@szkola.test".into()],
        subject: "legitymacja".into(),
        in_reply_to: vec![],
        references: vec![],
        text: String::new(),
        html: None,
        images: vec![Attachment {
            file_name: Some("Ala Kot.jpg".into()),
            content_type: "image/jpeg".into(),
            data: vec![],
            inline: false,
        }],
        other_attachments: vec![],
        robot: None,
        x_loop: vec![],
        bounce: None,
        over_limit: None,
        from_ambiguous: false,
        auth_results: vec![],
    }
}

/// Every body that names a number of days, for `language`.
fn bodies(language: &str) -> Vec<(&'static str, String)> {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), language);
    let t = Templates::new(cfg.language, None);
    let a = application();
    let expires = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
    let code = CodeInfo::new(1, "AB12CD34", expires - Duration::days(21), expires);
    let accepted = PhotoDecision::Accepted {
        image: 0,
        application_id: a.id,
        check: PhotoCheck {
            format: PhotoFormat::Jpeg,
            width: 354,
            height: 496,
            bytes: 1000,
        },
    };
    let to = email("rodzic@example.pl");
    let reply = super::super::parent_reply(
        &t,
        &cfg,
        &to,
        &photo_mail(),
        &Decision {
            disposition: Disposition::Processed,
            photos: vec![accepted],
            reply_to_parent: true,
            human: None,
            robot: None,
            last_notice: false,
            neutral: false,
            compressed: vec![],
        },
        std::slice::from_ref(&a),
        None,
    );
    let matched = super::super::parent_photo_matched(&t, &cfg, &to, &a, "legitymacja", None);
    vec![
        ("parent_reply", reply.unwrap().body),
        ("parent_photo_matched", matched.unwrap().body),
        (
            "parent_code_expired",
            super::parent_code_expired(&t, &cfg, &a, Some(&code))
                .unwrap()
                .body,
        ),
        (
            "staff_code_expired",
            super::staff_code_expired(&t, &cfg, &a, Some(&code))
                .unwrap()
                .body,
        ),
    ]
}

#[test]
fn the_days_in_the_mails_are_the_schools_own_in_polish() {
    let b = bodies("pl");
    assert!(b[0].1.contains("zwykle w ciągu 10 dni"), "{}", b[0].1);
    assert!(b[1].1.contains("zwykle w ciągu 10 dni"), "{}", b[1].1);
    assert!(b[2].1.contains("nowy kod, ważny 21 dni"), "{}", b[2].1);
    assert!(b[3].1.contains("(ważny 21 dni)"), "{}", b[3].1);
    // The ministry's own rule, not the school's: it stays 30.
    assert!(b[3].1.contains("usuwany po 30 dniach"), "{}", b[3].1);
    for (name, body) in &b {
        assert!(
            !body.contains(" 14 ") && (*name == "staff_code_expired" || !body.contains(" 30 ")),
            "{name} names a default: {body}"
        );
    }
}

#[test]
fn the_days_in_the_mails_are_the_schools_own_in_english() {
    let b = bodies("en");
    assert!(b[0].1.contains("usually within 10 days"), "{}", b[0].1);
    assert!(b[1].1.contains("usually within 10 days"), "{}", b[1].1);
    assert!(b[2].1.contains("valid for 21 days"), "{}", b[2].1);
    assert!(b[3].1.contains("(valid 21 days)"), "{}", b[3].1);
    // The ministry's own rule, not the school's: it stays 30.
    assert!(b[3].1.contains("the record after 30 days"), "{}", b[3].1);
    for (name, body) in &b {
        assert!(
            !body.contains(" 14 ") && (*name == "staff_code_expired" || !body.contains(" 30 ")),
            "{name} names a default: {body}"
        );
    }
}
