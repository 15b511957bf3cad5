//! What the cargo-fuzz targets in `fuzz/` run, here in the library so that
//! `cargo test` replays every seed and every input a fuzzer ever crashed on
//! (`fuzz/corpus/<target>/`, `fuzz/regressions/<target>/`) through the very
//! same code. Each function takes hostile bytes and panics only when an
//! invariant breaks; a panic inside is exactly what fuzzing looks for.
//!
//! Not for use by the daemon.

use chrono::{Datelike, Duration, TimeZone, Utc};

use crate::domain::when::{MAX_SPAN_DAYS, MAX_YEAR, MIN_YEAR, parse_instant, parse_span};
use crate::domain::{
    Application, EmailAddress, Pesel, SchoolClass, StaffAddresses, Status, StudentName,
};
use crate::mail::parse::parse_mail;
use crate::photo::{PhotoFormat, PhotoPolicy, PhotoProblem, check_photo, strip_metadata};
use crate::workflow::command::{ParsedReply, StaffCommand, parse_issue_time, parse_reply};
use crate::workflow::lifecycle::Process;
use crate::workflow::transition::{Event, Rules, transition};
use crate::workflow::{Context, PhotoDecision, decide};

#[cfg(test)]
mod tests;

/// Raw mail → parsed mail → photo checks → matching decision. The decision
/// may only point at images of the mail and applications that exist.
pub fn mail_to_match(data: &[u8]) {
    let Ok(mail) = parse_mail(data) else {
        return;
    };
    let apps = applications();
    let Ok(secretary) = EmailAddress::parse("sekretariat@szkola.test") else {
        return;
    };
    let staff = StaffAddresses::new(vec![secretary]);
    let policy = PhotoPolicy {
        min_width: 8,
        min_height: 8,
        aspect: None,
        ..PhotoPolicy::default()
    };
    let ctx = Context {
        open_apps: &apps,
        sender_is_parent: apps.iter().any(|a| {
            a.parent_emails
                .iter()
                .any(|p| Some(p.as_str()) == mail.from.as_deref())
        }),
        reply_to_ours: !mail.in_reply_to.is_empty(),
        too_large: None,
        staff: &staff,
        policy: &policy,
        robot: None,
        last_reply: false,
    };
    for photo in &decide(&mail, &ctx).photos {
        let (image, app) = match photo {
            PhotoDecision::Accepted {
                image,
                application_id,
                ..
            } => (*image, Some(*application_id)),
            PhotoDecision::Rejected {
                image,
                application_id,
                ..
            } => (*image, *application_id),
            PhotoDecision::Held {
                image,
                application_id,
                ..
            } => (*image, Some(*application_id)),
            PhotoDecision::Unregistered { image, .. } | PhotoDecision::Ambiguous { image, .. } => {
                (*image, None)
            }
        };
        assert!(image < mail.images.len(), "decision about a missing image");
        assert!(
            app.is_none_or(|id| apps.iter().any(|a| a.id == id)),
            "decision for an unknown application"
        );
    }
}

/// Any bytes as a photo: a photo that passes can be stripped of metadata,
/// and the stripped photo passes too, with the size that was checked.
pub fn check_and_strip_photo(data: &[u8]) {
    // Small minimum size, both formats: lets tiny inputs reach the decoders.
    let policy = PhotoPolicy {
        formats: vec![PhotoFormat::Jpeg, PhotoFormat::Png],
        min_width: 1,
        min_height: 1,
        aspect: None,
        ..PhotoPolicy::default()
    };
    let Ok(check) = check_photo(data, &policy) else {
        return;
    };
    let clean = match strip_metadata(data, policy.max_bytes) {
        Ok(clean) => clean,
        Err(e) => panic!("a checked photo could not be stripped: {e}"),
    };
    match check_photo(&clean, &policy) {
        Ok(again) => assert_eq!(
            (again.width, again.height),
            (check.width, check.height),
            "stripping changed the displayed size"
        ),
        // Over the limit only when even the lowest quality step does not
        // fit (a noisy picture of many pixels): then it is that copy.
        Err(problems) if matches!(problems.as_slice(), [PhotoProblem::TooManyBytes { .. }]) => {
            let lowest = strip_metadata(data, 0).ok();
            assert_eq!(lowest.as_ref(), Some(&clean), "not the smallest copy");
        }
        Err(problems) => panic!("a stripped photo fails the check: {problems:?}"),
    }
}

/// Any text as the secretary's reply, as plain text, as HTML, and as both.
pub fn reply_command(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = parse_reply(&text, None);
    let _ = parse_reply("", Some(&text));
    let _ = parse_reply(&text, Some(&text));
    // The command lines below the first: bounded, and never after a
    // reply that is not a command.
    let all = crate::workflow::command::parse_reply_all(&text, None);
    assert!(all.then.len() < crate::workflow::command::MAX_COMMANDS);
    assert!(matches!(all.first, ParsedReply::Command(_)) || all.then.is_empty());
}

/// Any text typed at the terminal as a span (`--expiring-within`), an
/// instant (`tick --now`) or a code's generation time (`apps code
/// --generated-at`, the date after `KOD <kod>`): the parsers refuse or
/// accept without panicking, what they accept stays in its bounds, and
/// the arithmetic mleg then does with it cannot overflow.
pub fn cli_args(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Some(now) = Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).single() else {
        return;
    };
    if let Ok(span) = parse_span(&text) {
        assert!(span >= Duration::hours(1) && span <= Duration::days(MAX_SPAN_DAYS));
        let _ = (now + span, now - span);
    }
    if let Ok(at) = parse_instant(&text) {
        assert!((MIN_YEAR..=MAX_YEAR).contains(&at.year()), "{at}");
        let _ = at.with_timezone(&chrono_tz::Europe::Warsaw).date_naive();
        let _ = (
            at + Duration::days(MAX_SPAN_DAYS),
            at - Duration::days(MAX_SPAN_DAYS),
        );
    }
    let typed = parse_issue_time(&text).ok();
    let in_reply = match parse_reply(&format!("KOD AB12CD34 {text}"), None) {
        ParsedReply::Command(StaffCommand::Code { generated_at, .. }) => generated_at,
        _ => None,
    };
    for typed in [typed, in_reply].into_iter().flatten() {
        code_at(typed, now);
    }
}

/// `KOD` with a typed generation time on an application complete a week
/// before `now`: a code it records is neither from the future nor lapsed.
fn code_at(typed: chrono::NaiveDateTime, now: chrono::DateTime<Utc>) {
    let Some(a) = applications()
        .into_iter()
        .find(|a| a.status == Status::AwaitingReview)
    else {
        return;
    };
    let rules = Rules {
        process: Process::Portal,
        code_valid_days: 30,
        timezone: chrono_tz::Europe::Warsaw,
    };
    let event = Event::Staff {
        command: StaffCommand::Code {
            code: "AB12CD34".into(),
            generated_at: Some(typed),
        },
        recorded_code: None,
        complete_at: Some(now - Duration::days(7)),
    };
    if let Ok(outcome) = transition(&a, &event, &rules, now) {
        let Some(code) = outcome.code else {
            panic!("a code outcome without a code");
        };
        assert!(code.generated_at <= now + Duration::minutes(5), "{code:?}");
        assert!(
            code.expires_at > now,
            "a lapsed code was recorded: {code:?}"
        );
    }
}

/// A valid PESEL born 2015-05-12 with the given serial.
fn pesel(serial: i64) -> Option<Pesel> {
    let ten = format!("1525120{:03}", serial % 1000);
    let sum: u32 = ten
        .chars()
        .zip([1, 3, 7, 9, 1, 3, 7, 9, 1, 3])
        .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
        .sum();
    Pesel::parse(&format!("{ten}{}", (10 - sum % 10) % 10)).ok()
}

/// The few applications a small school has open: siblings with one parent,
/// diacritics, a double first name and surname, one photo under review.
fn applications() -> Vec<Application> {
    let Some(at) = Utc.with_ymd_and_hms(2026, 9, 1, 8, 0, 0).single() else {
        return vec![];
    };
    let app = |id: i64, first: &str, last: &str, parent: &str, status: Status| {
        let parent = EmailAddress::parse(parent).ok()?;
        Some(Application {
            id,
            student_id: id,
            name: StudentName::parse(first, last).ok()?,
            pesel: pesel(id)?,
            class: SchoolClass::parse("3A").ok()?,
            parent_emails: vec![parent.clone()],
            parent_email: parent,
            legitymacja_number: None,
            code_to_student: false,
            status,
            token: format!("tok{id}"),
            created_at: at,
            updated_at: at,
        })
    };
    [
        app(
            1,
            "Żaneta",
            "Świątek",
            "mama@example.pl",
            Status::AwaitingPhoto,
        ),
        app(
            2,
            "Jan",
            "Kowalski",
            "tata@example.pl",
            Status::AwaitingPhoto,
        ),
        app(
            3,
            "Anna",
            "Kowalska",
            "tata@example.pl",
            Status::AwaitingPhoto,
        ),
        app(
            4,
            "Anna Maria",
            "Nowak-Kowalska",
            "nowak@example.pl",
            Status::AwaitingReview,
        ),
    ]
    .into_iter()
    .flatten()
    .collect()
}
