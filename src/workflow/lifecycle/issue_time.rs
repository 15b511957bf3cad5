//! Whether a code's generation time the secretary typed (`KOD <kod> 20.11.2026
//! 14:35`, `mleg apps code --generated-at`) can be true (pure).
//!
//! The code's expiry, the parent's reminders and the purge at expiry all run
//! from this instant, so a typo in it is not harmless: `KOD ABC123
//! 01.01.2020` would record a code that lapses at the next scheduler step,
//! delete the photo and tell the parent "expired". A time that cannot be
//! right is refused with the reason instead, and nothing changes.

use chrono::{DateTime, Duration, NaiveDateTime, NaiveTime, Utc};
use chrono_tz::Tz;

/// Clocks differ a little (the ministry page, the office PC, this server):
/// a time this far ahead of ours is still taken as now-ish.
const CLOCK_SLACK: Duration = Duration::minutes(5);

/// Why a typed generation time cannot be right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueTimeProblem {
    /// Later than now.
    Future,
    /// Before the application became complete: the ministry system could
    /// not have had the photo yet. Most often a typo in the year.
    BeforeCompletion { complete_at: DateTime<Utc> },
    /// More than `valid_days` ago: such a code has already expired.
    Lapsed { valid_days: i64 },
}

/// What a typed time is checked against.
#[derive(Debug, Clone, Copy)]
pub struct IssueContext {
    pub now: DateTime<Utc>,
    /// When the application last became complete, if it is known.
    pub complete_at: Option<DateTime<Utc>>,
    pub valid_days: i64,
    pub tz: Tz,
}

/// Checks `typed` (school time), which is the instant `at`. A time is typed
/// to the minute and a date alone (read as 00:00) to the day, so only what
/// the whole minute or day rules out is refused: the photo that completed
/// the application at 14:35:40 allows a code typed as 14:35, and one that
/// came at 10:00 a code typed with its date only.
pub fn check(
    typed: NaiveDateTime,
    at: DateTime<Utc>,
    c: &IssueContext,
) -> Result<(), IssueTimeProblem> {
    if at > c.now + CLOCK_SLACK {
        return Err(IssueTimeProblem::Future);
    }
    if let Some(complete_at) = c.complete_at {
        let before = if typed.time() == NaiveTime::MIN {
            typed.date() < complete_at.with_timezone(&c.tz).date_naive()
        } else {
            at + Duration::minutes(1) <= complete_at
        };
        if before {
            return Err(IssueTimeProblem::BeforeCompletion { complete_at });
        }
    }
    if at + Duration::days(c.valid_days) <= c.now {
        return Err(IssueTimeProblem::Lapsed {
            valid_days: c.valid_days,
        });
    }
    Ok(())
}
