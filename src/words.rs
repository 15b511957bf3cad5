//! The words the secretary reads in the school's language (`language`: pl,
//! en): status names (in the terminal and in her mails, where templates get
//! them as `status_words`), history entries (event kinds and their stock
//! details), reminders, audit entries and the terminal's refusals.
//!
//! The database and `--json` keep the stable English identifiers
//! (`code_ready`, `implicit_approval`); they are put in words only here, at
//! display time, so changing the language changes old entries too. A reason
//! the secretary typed is shown as typed. Every match below names both
//! languages, so a word cannot be added in one only.

use crate::config::Language;
use crate::domain::Status;

/// Picks the text of the school's language.
fn pick(lang: Language, pl: &'static str, en: &'static str) -> &'static str {
    match lang {
        Language::Pl => pl,
        Language::En => en,
    }
}

pub fn status(lang: Language, s: Status) -> &'static str {
    let (pl, en) = match s {
        Status::NotRequested => (
            "bez wniosku (czeka na prośbę rodzica)",
            "not requested (awaits the parent's request)",
        ),
        Status::AwaitingPhoto => ("oczekuje na zdjęcie", "awaiting photo"),
        Status::AwaitingReview => ("zdjęcie do sprawdzenia", "photo to review"),
        Status::Approved => ("zatwierdzony", "approved"),
        Status::CodeReady => ("kod gotowy", "code ready"),
        Status::HandedOver => ("wydany", "handed over"),
        Status::Expired => ("kod wygasł", "code expired"),
        Status::Rejected => ("odrzucony", "rejected"),
        Status::Cancelled => ("anulowany", "cancelled"),
        Status::Invalidated => ("unieważniony", "invalidated"),
    };
    pick(lang, pl, en)
}

/// Every status's word, by its identifier: `status_words` in the templates.
pub fn status_words(lang: Language) -> std::collections::BTreeMap<&'static str, &'static str> {
    Status::ALL
        .into_iter()
        .map(|s| (s.as_str(), status(lang, s)))
        .collect()
}

fn note_kind(kind: &str) -> Option<(&'static str, &'static str)> {
    Some(match kind {
        "registered" => ("zarejestrowany", "registered"),
        "photo_replaced" => (
            "zdjęcie zastąpione nowszym",
            "photo replaced by a newer one",
        ),
        "photo_purged" => ("zdjęcie usunięte", "photo deleted"),
        "photo_held" => ("zdjęcie wstrzymane", "photo held"),
        "photo_rejected" => (
            "zdjęcie nie spełnia wymagań",
            "photo does not meet the requirements",
        ),
        "address_bounced" => (
            "adres rodzica nie przyjmuje poczty",
            "the parent's address bounces",
        ),
        "reminder_skipped" => ("przypomnienie pominięte", "reminder skipped"),
        "anonymised" => (
            "dane osobowe usunięte (minął okres przechowywania)",
            "personal data deleted (retention period over)",
        ),
        "code_reminder" => ("przypomnienie o kodzie", "code reminder"),
        "deadline_reminder" => (
            "przypomnienie o terminie wydania",
            "issue deadline reminder",
        ),
        "parent_request" => ("prośba rodzica", "parent's request"),
        "objection" => ("sprzeciw rodzica zapisany", "parent's objection recorded"),
        "objection_withdrawn" => ("sprzeciw wycofany", "objection withdrawn"),
        "reissued" => (
            "wydawana ponownie (nowy wniosek)",
            "issued again (a new application)",
        ),
        "reissue_of" => ("ponowne wydanie po wniosku", "reissue of application"),
        "photo_kept" => ("zdjęcie zachowane do", "photo kept until"),
        _ => return None,
    })
}

/// The role an anonymised entry keeps in place of its actor
/// (`workflow::retention::role`); any other actor is shown as stored.
pub fn role(lang: Language, actor: &str) -> String {
    let (pl, en) = match actor {
        "secretary" => ("sekretariat", "secretary"),
        "parent" => ("rodzic", "parent"),
        "other" => ("inna osoba", "someone else"),
        _ => return actor.to_owned(),
    };
    pick(lang, pl, en).to_owned()
}

/// A history entry's kind in words; an unknown kind is shown as stored.
pub fn event_kind(lang: Language, kind: &str) -> String {
    if let Ok(s) = kind.parse::<Status>() {
        return status(lang, s).to_owned();
    }
    match note_kind(kind) {
        Some((pl, en)) => pick(lang, pl, en).to_owned(),
        None => kind.to_owned(),
    }
}

/// History entries written before the details were codes: the same entry
/// under its code, so old applications read in the school's language too.
fn legacy_code(detail: &str) -> Option<String> {
    let fixed = match detail {
        "valid photo received" => "photo_received",
        "a newer valid photo arrived" => "newer_photo",
        "the secretary accepted a held photo" => "held_photo_accepted",
        "photo received before registration matched" => "orphan_matched",
        "approved implicitly by the code" => "implicit_approval",
        "the activation code expired unused" => "expired_unused",
        "the parent activated the code (AKTYWOWANO)" => "parent_activated",
        "photo deleted (school rule)" => "school_rule",
        "a photo from an address that is not a parent's; the secretary decides" => "not_a_parent",
        _ => "",
    };
    if !fixed.is_empty() {
        return Some(fixed.to_owned());
    }
    if let Some(n) = detail.strip_suffix(" day(s) before the code expires") {
        return Some(format!("days_left={n}"));
    }
    if let Some(n) = detail
        .strip_prefix("day ")
        .and_then(|d| d.strip_suffix(" since the application was complete"))
    {
        return Some(format!("day={n}"));
    }
    let (who, day) = detail.split_once(" day ")?;
    Some(format!("{who} day={day}"))
}

/// The fixed stock details, by the kind they come with.
fn stock(kind: &str, code: &str) -> Option<(&'static str, &'static str)> {
    Some(match (kind, code) {
        ("awaiting_review", "photo_received") => {
            ("otrzymano poprawne zdjęcie", "valid photo received")
        }
        ("photo_replaced", "newer_photo") => (
            "przyszło nowsze poprawne zdjęcie",
            "a newer valid photo arrived",
        ),
        ("awaiting_review" | "photo_replaced", "held_photo_accepted") => (
            "sekretariat przyjął wstrzymane zdjęcie",
            "the secretary accepted a held photo",
        ),
        ("awaiting_review", "requested_by_photo") => (
            "rodzic przysłał zdjęcie: to jego prośba o mLegitymację",
            "the parent sent a photo: their request for an mLegitymacja",
        ),
        ("awaiting_photo", "paper_request") => (
            "zarejestrowano papierowy wniosek rodzica",
            "the parent's paper application was registered",
        ),
        ("awaiting_review", "orphan_matched") => (
            "przypisano zdjęcie przysłane przed rejestracją",
            "a photo received before registration was matched",
        ),
        ("approved", "implicit_approval") => (
            "przy wpisaniu kodu, bez osobnego TAK",
            "implicitly, by the code",
        ),
        ("expired", "expired_unused") => (
            "kod aktywacyjny wygasł niewykorzystany",
            "the activation code expired unused",
        ),
        ("handed_over", "parent_activated") => (
            "rodzic aktywował kod (AKTYWOWANO)",
            "the parent activated the code (AKTYWOWANO)",
        ),
        ("photo_purged", "school_rule") => ("zgodnie z zasadą szkoły", "the school's rule"),
        ("photo_purged", "keep_window_over") => (
            "minął czas zachowania zdjęcia",
            "its keeping period is over",
        ),
        ("reissued", "kept_photo") => ("z zachowanym zdjęciem", "with the kept photo"),
        ("awaiting_review", "kept_photo") => (
            "zdjęcie zachowane z poprzedniego wniosku",
            "the photo kept from the previous application",
        ),
        ("photo_held", "not_a_parent") => (
            "przysłane z adresu, który nie jest adresem rodzica; decyduje sekretariat",
            "sent from an address that is not a parent's; the secretary decides",
        ),
        ("parent_request", "lost") => ("zgubiony lub skradziony telefon", "lost or stolen phone"),
        ("parent_request", "damaged") => ("zepsuty telefon", "broken phone"),
        ("parent_request", "opt_out") => ("rezygnacja", "opting out"),
        ("parent_request", "invalidate") => ("unieważnienie", "invalidation"),
        ("parent_request", "objection") => ("sprzeciw", "objection"),
        ("parent_request", "withdraw_objection") => ("wycofanie sprzeciwu", "objection withdrawn"),
        ("parent_request", "lost+new") => (
            "zgubiony telefon; prosi o nową",
            "lost phone; asks for a new one",
        ),
        ("parent_request", "damaged+new") => (
            "zepsuty telefon; prosi o nową",
            "broken phone; asks for a new one",
        ),
        ("parent_request", "invalidate+new") => (
            "unieważnienie; prosi o nową",
            "invalidation; asks for a new one",
        ),
        ("parent_request", "opt_out+new") => ("rezygnacja", "opting out"),
        _ => return None,
    })
}

/// "3 dni" / "1 dzień", "3 days" / "1 day".
fn days(lang: Language, n: &str) -> String {
    let one = n == "1";
    match lang {
        Language::Pl => format!("{n} {}", if one { "dzień" } else { "dni" }),
        Language::En => format!("{n} {}", if one { "day" } else { "days" }),
    }
}

fn before_expiry(lang: Language, n: &str) -> String {
    let d = days(lang, n);
    match lang {
        Language::Pl => format!("{d} przed wygaśnięciem kodu"),
        Language::En => format!("{d} before the code expires"),
    }
}

fn since_complete(lang: Language, n: &str) -> String {
    match lang {
        Language::Pl => format!("{n}. dzień od skompletowania wniosku"),
        Language::En => format!("day {n} since the application was complete"),
    }
}

/// Which parent address a bounce was on: "parent", "parent_2", …
pub fn parent_address(lang: Language, which: &str) -> Option<String> {
    let word = pick(lang, "rodzic", "parent");
    if which == "parent" {
        return Some(word.to_owned());
    }
    let n = which.strip_prefix("parent_")?;
    Some(format!("{word} {n}"))
}

/// A refused photo's problem codes (see `PhotoProblem::code`).
fn photo_problem(lang: Language, code: &str) -> String {
    let (pl, en) = match code {
        "not_allowed_format" => ("niedozwolony format pliku", "file format not allowed"),
        "too_many_bytes" => ("plik za duży", "file too large"),
        "too_small" => ("za mała rozdzielczość", "resolution too low"),
        "wrong_aspect" => ("złe proporcje", "wrong shape"),
        "cmyk" => ("kolory CMYK", "CMYK colours"),
        "damaged" => ("plik uszkodzony", "damaged file"),
        "dimensions_too_large" => ("wymiary za duże", "dimensions too large"),
        "empty" => ("pusty plik", "empty file"),
        _ => return code.to_owned(),
    };
    pick(lang, pl, en).to_owned()
}

/// A history entry's detail in words: a stock code in the school's
/// language, anything else (a reason the secretary typed) as stored.
pub fn event_detail(lang: Language, kind: &str, detail: &str) -> String {
    let code = legacy_code(detail).unwrap_or_else(|| detail.to_owned());
    if let Some((pl, en)) = stock(kind, &code) {
        return pick(lang, pl, en).to_owned();
    }
    let param = |prefix: &str| code.strip_prefix(prefix).map(str::to_owned);
    let worded = match kind {
        "code_reminder" => param("days_left=").map(|n| before_expiry(lang, &n)),
        "deadline_reminder" => param("day=").map(|n| since_complete(lang, &n)),
        "reminder_skipped" => match code.split_once(" day=") {
            Some(("parent", n)) => Some(format!(
                "{}, {}",
                pick(lang, "rodzic", "parent"),
                before_expiry(lang, n)
            )),
            Some(("staff", n)) => Some(format!(
                "{}, {}",
                pick(lang, "sekretariat", "office"),
                since_complete(lang, n)
            )),
            _ => None,
        },
        "address_bounced" => parent_address(lang, &code),
        "reissue_of" => code.parse::<i64>().ok().map(|n| format!("#{n}")),
        "invalidated" => crate::domain::InvalidationReason::from_id(&code)
            .map(|r| invalidation_reason(lang, r).to_owned()),
        "photo_rejected" => Some(
            code.split(',')
                .map(|c| photo_problem(lang, c))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        _ => None,
    };
    worded.unwrap_or_else(|| detail.to_owned())
}

/// An audit entry's command (`secretary::command_name`, "held_…",
/// "unauthorised"): the word she writes in a reply.
pub fn audit_command(lang: Language, command: &str) -> String {
    let (held, name) = match command.strip_prefix("held_") {
        Some(rest) => (true, rest),
        None => (false, command),
    };
    let word = match name {
        "approve" => pick(lang, "TAK", "APPROVE"),
        "reject" => pick(lang, "NIE", "REJECT"),
        "photo_reject" => pick(lang, "ZDJĘCIE", "PHOTO"),
        "code" => pick(lang, "KOD", "CODE"),
        "handed" => pick(lang, "WYDANO", "HANDED"),
        "entered" => pick(lang, "WPROWADZONO", "ENTERED"),
        "cancel" => pick(lang, "ANULUJ", "CANCEL"),
        "invalidate" => pick(lang, "UNIEWAŻNIJ", "INVALIDATE"),
        "reissue" => pick(lang, "PONOWNIE", "REISSUE"),
        "help" => pick(lang, "POMOC", "HELP"),
        "objection" => pick(lang, "SPRZECIW", "OBJECTION"),
        "unauthorised" => pick(lang, "nieuprawniony nadawca", "unauthorised sender"),
        other => other,
    };
    if held {
        format!(
            "{word} ({})",
            pick(lang, "wstrzymane zdjęcie", "held photo")
        )
    } else {
        word.to_owned()
    }
}

/// An audit entry's outcome ("accepted", "refused_…"); one not known here
/// is shown as stored.
pub fn audit_outcome(lang: Language, outcome: &str) -> String {
    let (pl, en) = match outcome {
        "accepted" => ("wykonano", "done"),
        "already_done" => ("bez zmian, już zrobione", "no change, already done"),
        "refused" => ("odmowa: nie w tym stanie", "refused: not in this state"),
        "help" => ("pomoc", "help"),
        "wrong_process" => ("odmowa: inny proces", "refused: the other process"),
        "refused_issue_time" => (
            "odmowa: zła data wygenerowania kodu",
            "refused: wrong code generation time",
        ),
        "rejected_sender" => (
            "odmowa: nieuprawniony nadawca",
            "refused: unauthorised sender",
        ),
        "rejected_token" => ("odmowa: zły token", "refused: wrong token"),
        _ => match outcome.strip_prefix("refused_") {
            Some(why) => {
                let word = pick(lang, "odmowa", "refused");
                return format!("{word}: {}", refusal_reason(lang, why));
            }
            None => return outcome.to_owned(),
        },
    };
    pick(lang, pl, en).to_owned()
}

/// Why a mail command was refused (the audit's "refused_<reason>").
fn refusal_reason(lang: Language, why: &str) -> String {
    let (pl, en) = match why {
        "not_staff" => ("nadawca spoza sekretariatu", "sender is not staff"),
        "several_senders" => ("kilku nadawców", "several senders"),
        "no_authentication_results" => (
            "brak weryfikacji nadawcy przez serwer",
            "no sender verification by the server",
        ),
        "not_authenticated" => ("nadawca niezweryfikowany", "sender not authenticated"),
        "no_token" => ("brak tokenu wniosku", "no application token"),
        "token_spent" => ("token już użyty", "token already used"),
        "token_expired" => ("token wygasł", "token expired"),
        "token_stale" => ("token do innego stanu wniosku", "token for another state"),
        "stale_photo" => (
            "odpowiedź dotyczy starszego zdjęcia",
            "the reply answers an older photo",
        ),
        "qr_unreadable" => ("nieczytelny kod QR", "unreadable QR code"),
        "qr_not_mobywatel" => ("kod QR nie z mObywatela", "QR code not from mObywatel"),
        other => return other.replace('_', " "),
    };
    pick(lang, pl, en).to_owned()
}

/// An invalidation reason's words, as the secretary and the parent read it.
pub fn invalidation_reason(lang: Language, r: crate::domain::InvalidationReason) -> &'static str {
    use crate::domain::InvalidationReason as R;
    let (pl, en) = match r {
        R::ParentRequest => ("wniosek rodzica", "the parent's request"),
        R::NameChange => ("zmiana nazwiska", "a change of name"),
        R::CardInvalid => ("legitymacja nieważna", "the school ID is no longer valid"),
        R::Transfer => ("zmiana szkoły", "a move to another school"),
        R::Objection => ("sprzeciw rodzica", "the parent's objection"),
    };
    pick(lang, pl, en)
}

pub mod codes;
mod lines;
mod rounds;
pub mod student;
mod sync_lines;
pub mod wave;
pub use lines::Lines;
pub use rounds::TickCounts;

#[cfg(test)]
mod tests;
