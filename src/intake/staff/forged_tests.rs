//! A forged staff reply is judged by its sender and token before any picture
//! in it is decoded (issue 6, part 6).

use std::cell::Cell;
use std::sync::Arc;

use super::*;
use crate::clock::SystemClock;
use crate::config::Config;
use crate::domain::NewApplication;
use crate::domain::mail::Attachment;
use crate::domain::test_support::{class, email, name, pesel};
use crate::store::apps;

thread_local! {
    /// How many times this thread started decoding QR codes in a mail.
    pub(super) static QR_DECODES: Cell<usize> = const { Cell::new(0) };
}

const TOKEN: &str = "0123456789abcdef";

fn app(dir: &std::path::Path) -> App {
    std::fs::write(dir.join("pw"), "x\n").unwrap();
    let toml = r#"
database = "mleg.sqlite3"
[school]
name = "SP 1"
address = "ul. Szkolna 1"
office_hours = "8-15"
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
"#;
    let config = Config::from_toml(toml, dir).unwrap();
    let app = App::new(config, Arc::new(SystemClock)).unwrap();
    let new = NewApplication {
        name: name("Jan", "Kowalski"),
        pesel: pesel(2015, 5, 12, 1),
        class: class("3A"),
        parent_email: email("rodzic@example.pl"),
        other_parent_emails: vec![],
        legitymacja_number: None,
        code_to_student: false,
    };
    let now = app.clock.now();
    app.store()
        .transaction(|tx| apps::insert(tx, &new, TOKEN, now, "test"))
        .unwrap();
    app
}

fn kod_reply(from: &str, subject: &str) -> IncomingMail {
    IncomingMail {
        message_id: Some("forged@example.pl".into()),
        from: Some(from.into()),
        from_name: None,
        reply_to: None,
        to: vec!["szkola@szkola.test".into()],
        subject: subject.into(),
        in_reply_to: vec![],
        references: vec![],
        text: "KOD AB12CD34".into(),
        html: None,
        images: vec![Attachment {
            file_name: Some("qr.png".into()),
            content_type: "image/png".into(),
            data: b"\x89PNG\r\n\x1a\nnot really".to_vec(),
            inline: false,
        }],
        other_attachments: vec![],
        auto_generated: false,
        over_limit: None,
    }
}

fn audit_outcomes(app: &App) -> Vec<String> {
    crate::store::lifecycle::audit_log(app.store().conn(), None)
        .unwrap()
        .into_iter()
        .map(|e| e.outcome)
        .collect()
}

#[test]
fn a_forged_kod_with_a_qr_picture_is_refused_without_decoding_it() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path());
    let w = |uid| Watermark {
        uid_validity: 1,
        last_uid: uid,
    };
    QR_DECODES.with(|n| n.set(0));
    let stranger = kod_reply("obcy@example.pl", &format!("Re: wniosek [{TOKEN}]"));
    let d = handle(&app, w(1), &stranger).unwrap();
    assert_eq!(d, Some(Disposition::NeedsHuman));
    let mut staff_no_token = kod_reply("sekretariat@szkola.test", "Re: wniosek");
    staff_no_token.message_id = Some("forged2@example.pl".into());
    let d = handle(&app, w(2), &staff_no_token).unwrap();
    assert_eq!(d, Some(Disposition::NeedsHuman));
    assert_eq!(
        audit_outcomes(&app),
        ["refused_not_staff", "refused_no_token"]
    );
    assert_eq!(QR_DECODES.with(Cell::get), 0, "nothing was decoded");

    // The real secretary with the token: now the picture is looked at.
    let mut real = kod_reply("sekretariat@szkola.test", &format!("Re: wniosek [{TOKEN}]"));
    real.message_id = Some("real@example.pl".into());
    handle(&app, w(3), &real).unwrap();
    assert_eq!(QR_DECODES.with(Cell::get), 1);
}
