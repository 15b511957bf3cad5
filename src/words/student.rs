//! The student as `mleg apps show` prints them — once, above their
//! applications — in the school's language; `--json` keeps the stable
//! identifiers.

use super::pick;
use crate::config::Language;

/// "Uczeń: Jan Kowalski, klasa 3A".
pub fn heading(lang: Language, first: &str, last: &str, class: &str) -> String {
    let (who, cls) = (pick(lang, "Uczeń", "Student"), pick(lang, "klasa", "class"));
    format!("{who}: {first} {last}, {cls} {class}")
}

/// The paper school ID's number.
pub fn id_number(lang: Language, number: &str) -> String {
    let label = pick(lang, "Nr legitymacji szkolnej", "School ID number");
    format!("{label}: {number}")
}

/// The heading of the student's applications (the chain of issues).
pub fn applications(lang: Language) -> &'static str {
    pick(lang, "Wnioski ucznia:", "The student's applications:")
}

/// One of the student's applications: its number, whether it is the one
/// shown, its status in words and when it was registered.
pub fn application_line(lang: Language, id: i64, this: bool, status: &str, at: &str) -> String {
    let mark = match this {
        true => format!(" ({})", pick(lang, "ten", "this one")),
        false => String::new(),
    };
    let registered = pick(lang, "zarejestrowany", "registered");
    format!("  #{id}{mark}: {status}, {registered} {at}")
}

/// The heading of the application shown in detail below the student.
pub fn application(lang: Language, id: i64) -> String {
    format!("{} #{id}", pick(lang, "Wniosek", "Application"))
}
