//! The re-validation wave's lines at the terminal (`mleg apps revalidate`,
//! `apps show`), in the school's language.

use chrono::NaiveDate;

use crate::config::Language;

/// "312/512 mailed, 140 photos in, 61 codes out".
pub fn progress(
    lang: Language,
    (mailed, members): (usize, usize),
    photos: usize,
    codes: usize,
    skipped: usize,
) -> String {
    match lang {
        Language::Pl => format!(
            "{mailed}/{members} wysłano, zdjęcia: {photos}, kody wydane: {codes} (pominięto: {skipped})"
        ),
        Language::En => format!(
            "{mailed}/{members} mailed, {photos} photos in, {codes} codes out ({skipped} skipped)"
        ),
    }
}

/// The dry run's summary.
pub fn dry_run(
    lang: Language,
    until: NaiveDate,
    n: usize,
    objection: usize,
    valid: usize,
) -> String {
    match lang {
        Language::Pl => format!(
            "Do ponownego wydania (ważność do {until}): {n}; pominięci: sprzeciw {objection}, legitymacja ważna {valid}. Nic nie zmieniono."
        ),
        Language::En => format!(
            "To reissue (valid until {until}): {n}; left out: objection {objection}, ID still valid {valid}. Nothing changed."
        ),
    }
}

/// A wave started.
pub fn started(lang: Language, id: i64, n: usize, per_hour: u32) -> String {
    match lang {
        Language::Pl => format!(
            "Fala #{id}: {n} uczniów do ponownego wydania; rodziny dostaną maile (do {per_hour} uczniów na godzinę) od następnego kroku demona (lub mleg tick --send)."
        ),
        Language::En => format!(
            "Wave #{id}: {n} students to reissue; the families are mailed (at most {per_hour} students an hour) from the daemon's next step (or mleg tick --send)."
        ),
    }
}

/// `apps show`: the paper ID's validity.
pub fn valid_until(lang: Language, d: NaiveDate) -> String {
    match lang {
        Language::Pl => format!("Legitymacja szkolna ważna do: {}", d.format("%d.%m.%Y")),
        Language::En => format!("School ID valid until: {d}"),
    }
}
