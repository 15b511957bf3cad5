//! The fixtures of the middle-layer tests: an [`App`] on a temporary SQLite
//! file at a fixed instant with one registered application, the mails a
//! parent, a stranger and the secretary send, and readers of what the store
//! holds afterwards.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use image::codecs::jpeg::JpegEncoder;
use image::{ImageEncoder, RgbImage};

use crate::app::App;
use crate::clock::FixedClock;
use crate::config::Config;
use crate::domain::mail::Attachment;
use crate::domain::mail::IncomingMail;
use crate::domain::test_support::{class, email, mail_from, name, pesel};
use crate::domain::{NewApplication, Status};
use crate::store::inbox::Watermark;
use crate::store::lifecycle as store_lc;
use crate::store::outbox::{self, Listed};

pub(in crate::intake) const TOKEN: &str = "00112233445566ff";
pub(super) const PARENT: &str = "rodzic@example.pl";
pub(super) const STAFF: &str = "sekretariat@szkola.test";

/// An App on a temporary database, at a fixed instant, with Jan Kowalski
/// (3A, parent `PARENT`) registered; returns it and his application's id.
pub(in crate::intake) fn app(dir: &std::path::Path) -> (App, i64) {
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
    let now = Utc.with_ymd_and_hms(2026, 11, 20, 9, 30, 0).unwrap();
    let app = App::new(config, Arc::new(FixedClock(now))).unwrap();
    let new = NewApplication {
        name: name("Jan", "Kowalski"),
        pesel: pesel(2015, 5, 12, 1),
        class: class("3A"),
        parent_email: email(PARENT),
        other_parent_emails: vec![],
        legitymacja_number: None,
        valid_until: None,
        code_to_student: false,
    };
    let id = app
        .store()
        .transaction(|tx| {
            let id = crate::store::apps::insert(tx, &new, TOKEN, now, "test")?;
            // As if a mail to the secretary about the new application carried it.
            crate::store::tokens::issue(tx, TOKEN, id, "registered@szkola.test", now)?;
            Ok::<_, crate::store::StoreError>(id)
        })
        .unwrap();
    (app, id)
}

/// A valid photo under the default rules (354×496 JPEG).
pub(super) fn good_jpeg() -> Vec<u8> {
    let picture = RgbImage::from_fn(354, 496, |x, y| {
        image::Rgb([(x * 7 + y * 3) as u8, (x ^ y) as u8, (x * y) as u8])
    });
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 85)
        .write_image(picture.as_raw(), 354, 496, image::ExtendedColorType::Rgb8)
        .unwrap();
    out
}

pub(super) fn mail(from: &str, message_id: &str, subject: &str, text: &str) -> IncomingMail {
    IncomingMail {
        message_id: Some(message_id.into()),
        to: vec!["szkola@szkola.test".into()],
        subject: subject.into(),
        from: Some(from.into()),
        ..mail_from(from, text)
    }
}

pub(super) fn with_image(
    mut m: IncomingMail,
    file_name: &str,
    content_type: &str,
    data: Vec<u8>,
) -> IncomingMail {
    m.images.push(Attachment {
        file_name: Some(file_name.into()),
        content_type: content_type.into(),
        data,
        inline: false,
    });
    m
}

pub(super) fn photo_from(from: &str, message_id: &str) -> IncomingMail {
    let m = mail(
        from,
        message_id,
        "Zdjęcie do legitymacji",
        "W załączniku zdjęcie syna.",
    );
    with_image(m, "Jan_Kowalski.jpg", "image/jpeg", good_jpeg())
}

/// The token of the newest photo notification queued for the secretary:
/// what her reply to it carries back.
pub(super) fn notification_token(app: &App) -> String {
    let rows = queued(app);
    let note = rows
        .iter()
        .rev()
        .find(|r| r.kind == "staff_photo")
        .expect("a photo notification");
    crate::domain::staff::tokens_in(&note.subject)
        .pop()
        .expect("the notification carries a token")
}

/// The secretary's (or a forger's) `KOD` reply carrying `token`.
pub(super) fn kod_from(from: &str, message_id: &str, token: &str) -> IncomingMail {
    let subject = format!("Re: [mLegitymacja #1] Zdjęcie do wprowadzenia [{token}]");
    let m = mail(from, message_id, &subject, "KOD AB12CD34");
    let qr =
        crate::qr::render_qr_png("https://mobywatel.gov.pl/mlegitymacja/aktywacja?t=7Q2M9XK4PL0Z")
            .unwrap();
    with_image(m, "qr.png", "image/png", qr)
}

pub(super) fn uid(n: u32) -> Watermark {
    Watermark {
        uid_validity: 7,
        last_uid: n,
    }
}

pub(super) fn status(app: &App, id: i64) -> Status {
    crate::store::apps::get(app.store().conn(), id)
        .unwrap()
        .unwrap()
        .status
}

pub(super) fn queued(app: &App) -> Vec<Listed> {
    outbox::listing(app.store().conn()).unwrap()
}

pub(super) fn audit_outcomes(app: &App) -> Vec<String> {
    store_lc::audit_log(app.store().conn(), None)
        .unwrap()
        .into_iter()
        .map(|e| e.outcome)
        .collect()
}

/// The one outbox row of `kind`.
pub(super) fn only<'a>(rows: &'a [Listed], kind: &str) -> &'a Listed {
    let of_kind: Vec<&Listed> = rows.iter().filter(|r| r.kind == kind).collect();
    assert_eq!(of_kind.len(), 1, "one {kind} expected in {rows:#?}");
    of_kind[0]
}

pub(super) fn kinds(rows: &[Listed]) -> Vec<&str> {
    rows.iter().map(|r| r.kind.as_str()).collect()
}
