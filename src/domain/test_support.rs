//! Helpers shared by the domain unit tests (compiled only under `cfg(test)`).
//!
//! Real PESELs are personal data and example ones from documents often have a
//! wrong check digit, so tests build valid numbers here instead. The check
//! digit is computed independently of `pesel.rs` so that a bug there cannot
//! hide itself.

use super::{EmailAddress, Pesel, SchoolClass, StudentName};

/// A syntactically valid PESEL string for the given birth date and serial.
pub(crate) fn valid_pesel(year: i32, month: u32, day: u32, serial: u32) -> String {
    let offset = match year {
        1800..=1899 => 80,
        1900..=1999 => 0,
        2000..=2099 => 20,
        2100..=2199 => 40,
        _ => 60,
    };
    let first_ten = format!(
        "{:02}{:02}{:02}{:04}",
        year % 100,
        month + offset,
        day,
        serial % 10_000
    );
    let weights = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3];
    let sum: u32 = first_ten
        .chars()
        .zip(weights)
        .map(|(c, w)| c.to_digit(10).unwrap() * w)
        .sum();
    format!("{first_ten}{}", (10 - sum % 10) % 10)
}

pub(crate) fn name(first: &str, last: &str) -> StudentName {
    StudentName::parse(first, last).unwrap()
}

pub(crate) fn email(text: &str) -> EmailAddress {
    EmailAddress::parse(text).unwrap()
}

pub(crate) fn pesel(year: i32, month: u32, day: u32, serial: u32) -> Pesel {
    Pesel::parse(&valid_pesel(year, month, day, serial)).unwrap()
}

pub(crate) fn class(text: &str) -> SchoolClass {
    SchoolClass::parse(text).unwrap()
}

/// A plain received mail from `from` saying `text`, built without the parser.
pub(crate) fn mail_from(from: &str, text: &str) -> super::mail::IncomingMail {
    super::mail::IncomingMail {
        message_id: Some("t1@example.pl".into()),
        from: Some(from.to_ascii_lowercase()),
        from_name: None,
        reply_to: None,
        to: vec![],
        subject: "x".into(),
        in_reply_to: vec![],
        references: vec![],
        text: text.into(),
        html: None,
        images: vec![],
        other_attachments: vec![],
        robot: None,
        x_loop: vec![],
        bounce: None,
        over_limit: None,
        from_ambiguous: false,
        auth_results: vec![],
    }
}
