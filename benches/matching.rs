//! A parent's photo mail through `intake::handle` (gather, decide, apply:
//! the same seam `mleg once` uses, without IMAP) over 1,000 and 10,000 open
//! applications: the cost per mail and the ratio (`cargo bench --bench
//! matching`). Timings live here, never in tests.
//!
//! The ratio is what matters on any machine: a mail is matched only against
//! the applications sharing a name key with it and the sender's own (two
//! indexes), so the cost per mail must stay flat (ratio about 1, the target
//! is 1.1 or below) as the register grows. Every application waits for a
//! photo, the worst case: all of them are open. Each mail carries a small
//! valid photo named after its student and is accepted, so the figure also
//! holds the photo check and the one transaction per mail.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use image::codecs::jpeg::JpegEncoder;
use mleg::app::App;
use mleg::clock::FixedClock;
use mleg::config::Config;
use mleg::domain::mail::{Attachment, IncomingMail};
use mleg::domain::{EmailAddress, NewApplication, Pesel, SchoolClass, StudentName};
use mleg::store::inbox::Watermark;
use mleg::store::{StoreError, apps};
use mleg::workflow::Disposition;

const CONFIG: &str = r#"
language = "pl"
database = "bench.sqlite3"
[school]
name = "SP 1"
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

const FIRST: [&str; 8] = [
    "Anna", "Jan", "Zofia", "Piotr", "Maria", "Adam", "Ewa", "Kamil",
];
/// Mails timed per register size.
const MAILS: u32 = 100;

/// A valid PESEL, unique per `serial` (0..10,000).
fn pesel(serial: u32) -> Pesel {
    let ten = format!(
        "14{:02}{:02}{:04}",
        21 + serial % 12,
        1 + serial % 28,
        serial
    );
    let sum: u32 = ten
        .chars()
        .zip([1, 3, 7, 9, 1, 3, 7, 9, 1, 3])
        .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
        .sum();
    Pesel::parse(&format!("{ten}{}", (10 - sum % 10) % 10)).expect("valid PESEL")
}

/// A distinct made-up surname per serial (`Kowal` and letters).
fn last_name(serial: u32) -> String {
    let mut tail = String::new();
    let mut n = serial;
    for _ in 0..3 {
        tail.push(char::from(b'a' + (n % 26) as u8));
        n /= 26;
    }
    format!("Kowal{tail}")
}

fn first_name(serial: u32) -> &'static str {
    FIRST[serial as usize % FIRST.len()]
}

fn parent(serial: u32) -> String {
    format!("r{serial}@example.pl")
}

fn seed(app: &App, n: u32) -> Result<(), StoreError> {
    let at = Utc
        .with_ymd_and_hms(2026, 9, 1, 8, 0, 0)
        .single()
        .unwrap_or_default();
    app.store().transaction(|tx| {
        for i in 0..n {
            let new = NewApplication {
                name: StudentName::parse(first_name(i), &last_name(i)).expect("name"),
                pesel: pesel(i),
                class: SchoolClass::parse("3A").expect("class"),
                parent_email: EmailAddress::parse(&parent(i)).expect("email"),
                other_parent_emails: vec![],
                legitymacja_number: None,
                valid_until: None,
                code_to_student: false,
            };
            apps::insert(tx, &new, &format!("token{i}"), at, "bench")?;
        }
        Ok(())
    })
}

fn photo() -> Vec<u8> {
    let img = image::RgbImage::from_fn(354, 496, |x, y| image::Rgb([x as u8, y as u8, 90]));
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&img)
        .expect("jpeg");
    out
}

fn mail(serial: u32, photo: &[u8]) -> IncomingMail {
    IncomingMail {
        message_id: Some(format!("bench{serial}@example.pl")),
        from: Some(parent(serial)),
        from_name: None,
        reply_to: None,
        to: vec!["szkola@szkola.test".into()],
        subject: "Legitymacja".into(),
        in_reply_to: vec![],
        references: vec![],
        text: "Dzień dobry, przesyłam zdjęcie do legitymacji.\nPozdrawiam".into(),
        html: None,
        images: vec![Attachment {
            file_name: Some(format!("{} {}.jpg", first_name(serial), last_name(serial))),
            content_type: "image/jpeg".into(),
            data: photo.to_vec(),
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

/// Median time of one mail, over `MAILS` mails to students spread over the register.
fn run(n: u32) -> Duration {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("pw"), "x").expect("password file");
    let config = Config::from_toml(CONFIG, dir.path()).expect("bench config");
    let now = Utc
        .with_ymd_and_hms(2026, 9, 2, 8, 0, 0)
        .single()
        .unwrap_or_default();
    let app = App::new(config, Arc::new(FixedClock(now))).expect("app");
    seed(&app, n).expect("seed");
    let photo = photo();
    let mut samples: Vec<Duration> = (0..MAILS)
        .map(|k| {
            let serial = k * (n / MAILS);
            let m = mail(serial, &photo);
            let w = Watermark {
                uid_validity: 1,
                last_uid: k + 1,
            };
            let start = Instant::now();
            let handled = mleg::intake::handle(&app, w, &m, None).expect("handled");
            let took = start.elapsed();
            assert_eq!(black_box(handled).disposition, Disposition::Processed);
            took
        })
        .collect();
    samples.sort();
    let median = samples[samples.len() / 2];
    println!("one mail with {n:>6} open applications: {median:?} (median of {MAILS})");
    median
}

fn main() {
    let small = run(1_000);
    let large = run(10_000);
    println!(
        "cost per mail, 10,000 vs 1,000 applications: ratio {:.2} (target 1.1 or below: flat)",
        large.as_secs_f64() / small.as_secs_f64()
    );
}
