//! The spans and instants a person types at the terminal (`--expiring-within
//! 7d`, `tick --now 2026-12-01T08:00:00+01:00`), read by small pure
//! functions that refuse with one line instead of panicking.
//!
//! Both are bounded on purpose: a span of at most [`MAX_SPAN_DAYS`] and an
//! instant in the years [`MIN_YEAR`]..=[`MAX_YEAR`], so no arithmetic the
//! program later does with them (now ± a span, an instant + a code's
//! validity) can overflow, and a typo in the year is caught here rather than
//! acted on.

use chrono::{DateTime, Datelike, Duration, Utc};

/// The longest span accepted: ten years, far beyond any code's validity.
pub const MAX_SPAN_DAYS: i64 = 3650;
/// The earliest year of an instant typed at the terminal.
pub const MIN_YEAR: i32 = 2000;
/// The latest year of an instant typed at the terminal.
pub const MAX_YEAR: i32 = 2199;
/// How much of the input an error echoes (the rest is cut off).
const ECHO_CHARS: usize = 40;

/// Why a typed span or instant was refused. Each message is one line: the
/// input is echoed escaped (`{:?}`) and clipped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WhenError {
    #[error("{0:?}: write a whole number and a unit, e.g. 7d (days) or 48h (hours)")]
    SpanShape(String),
    #[error("{0:?}: between 1h and {MAX_SPAN_DAYS}d")]
    SpanRange(String),
    #[error("{0:?}: write RFC 3339 with the offset, e.g. 2026-12-01T08:00:00+01:00")]
    InstantShape(String),
    #[error("{0:?}: the year must be between {MIN_YEAR} and {MAX_YEAR}")]
    YearRange(String),
    #[error("{0:?}: write the date and time, e.g. 2026-11-20 14:35 or 20.11.2026 14:35")]
    LocalShape(String),
}

/// `s` as an error echoes it: at most [`ECHO_CHARS`] characters.
pub(crate) fn echo(s: &str) -> String {
    let mut out: String = s.chars().take(ECHO_CHARS).collect();
    if s.chars().nth(ECHO_CHARS).is_some() {
        out.push('…');
    }
    out
}

/// `7d`, `48h` (the unit in either case): a span of 1 hour to
/// [`MAX_SPAN_DAYS`] days.
pub fn parse_span(s: &str) -> Result<Duration, WhenError> {
    let t = s.trim();
    let shape = || WhenError::SpanShape(echo(s));
    let (digits, unit) = match t.char_indices().last() {
        Some((i, u)) => (&t[..i], u),
        None => return Err(shape()),
    };
    // Digits only: no sign, no spaces, no "1_000"; eighteen at most, so the
    // number itself fits an i64 whatever was typed (its range comes next).
    if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(shape());
    }
    let n: i64 = digits.parse().map_err(|_| shape())?;
    let hours = match unit {
        'd' | 'D' => n.checked_mul(24),
        'h' | 'H' => Some(n),
        _ => return Err(shape()),
    };
    match hours {
        Some(h) if (1..=MAX_SPAN_DAYS * 24).contains(&h) => Ok(Duration::hours(h)),
        _ => Err(WhenError::SpanRange(echo(s))),
    }
}

/// An RFC 3339 instant with its offset (`2026-12-01T08:00:00+01:00`,
/// `…Z`), in the years [`MIN_YEAR`]..=[`MAX_YEAR`].
pub fn parse_instant(s: &str) -> Result<DateTime<Utc>, WhenError> {
    let t = s.trim();
    let at = DateTime::parse_from_rfc3339(t).map_err(|_| WhenError::InstantShape(echo(s)))?;
    let at = at.with_timezone(&Utc);
    if !(MIN_YEAR..=MAX_YEAR).contains(&at.year()) {
        return Err(WhenError::YearRange(echo(s)));
    }
    Ok(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn spans_in_days_or_hours() {
        assert_eq!(parse_span("7d"), Ok(Duration::days(7)));
        assert_eq!(parse_span(" 48H "), Ok(Duration::hours(48)));
        assert_eq!(parse_span("3650d"), Ok(Duration::days(3650)));
        assert_eq!(parse_span("87600h"), Ok(Duration::days(3650)));
    }

    #[test]
    fn a_span_out_of_range_or_shape_is_refused_without_a_panic() {
        for s in [
            "99999999999d",
            "3651d",
            "0d",
            "0h",
            "87601h",
            "999999999999999999d",
        ] {
            assert!(matches!(parse_span(s), Err(WhenError::SpanRange(_))), "{s}");
        }
        for s in [
            "",
            "d",
            "7",
            "9999999999999999999d",
            "-7d",
            "+7d",
            "7 d",
            "7dd",
            "7ś",
            "7.5d",
            "١٢d",
            "7w",
        ] {
            assert!(matches!(parse_span(s), Err(WhenError::SpanShape(_))), "{s}");
        }
    }

    #[test]
    fn instants_carry_their_offset_and_a_sane_year() {
        assert_eq!(
            parse_instant("2026-12-01T08:00:00+01:00"),
            Ok(Utc.with_ymd_and_hms(2026, 12, 1, 7, 0, 0).unwrap())
        );
        assert_eq!(
            parse_instant("2026-12-01T07:00:00Z"),
            Ok(Utc.with_ymd_and_hms(2026, 12, 1, 7, 0, 0).unwrap())
        );
        for s in [
            "2026-12-01",
            "2026-12-01T08:00:00",
            "jutro",
            "",
            "2026-13-01T00:00:00Z",
        ] {
            assert!(
                matches!(parse_instant(s), Err(WhenError::InstantShape(_))),
                "{s}"
            );
        }
        for s in [
            "1999-12-31T23:00:00Z",
            "9999-12-31T23:59:59-23:59",
            "0000-01-01T00:00:00+23:59",
        ] {
            assert!(
                matches!(parse_instant(s), Err(WhenError::YearRange(_))),
                "{s}"
            );
        }
    }

    #[test]
    fn an_error_is_one_short_line_whatever_was_typed() {
        let typed = format!("7d\u{202e}\n{}", "x".repeat(500));
        let line = parse_span(&typed).unwrap_err().to_string();
        assert!(!line.contains('\n') && !line.contains('\u{202e}'), "{line}");
        assert!(line.chars().count() < 140, "{line}");
    }
}
