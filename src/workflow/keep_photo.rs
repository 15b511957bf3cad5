//! A photo kept for a reissue (pure): where the school allows it
//! (`[retention] photo_keep_days` > 0, its written decision), the stored
//! photo survives the purge at the code's recording for that many days, so
//! `PONOWNIE ZE ZDJĘCIEM` / `apps reissue --keep-photo` can issue again
//! without asking the parent. Every other copy goes as always, and 0 days
//! (the default) keeps nothing: the school's rule that photos "are deleted
//! and not archived".

use chrono::{DateTime, Duration, Utc};

use super::lifecycle::Refusal;
use super::transition::{Event, Outcome};
use crate::domain::{InvalidationReason, Status};
use crate::workflow::command::StaffCommand;

/// The most days a school may keep a photo: a reissue within the school
/// year, never an archive.
pub const MAX_KEEP_DAYS: u32 = 365;

/// Until when the photo of an application whose code was recorded at
/// `recorded_at` is kept; None with 0 days (nothing is kept).
pub fn kept_until(recorded_at: DateTime<Utc>, keep_days: u32) -> Option<DateTime<Utc>> {
    (keep_days > 0).then(|| recorded_at + Duration::days(i64::from(keep_days)))
}

/// The day a keeping window ends (`YYYY-MM-DD`), in the school's time zone.
pub fn day(until: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    until.with_timezone(&tz).format("%Y-%m-%d").to_string()
}

/// Whether this outcome's purge keeps the photo: only the one that issues
/// (a code recorded; under SIO, `WPROWADZONO`), when the photo has served
/// and a reissue may want it again. Every other purge works as it always did.
pub fn keeps_photo(event: &Event, outcome: &Outcome) -> bool {
    let entered = matches!(
        event,
        Event::Staff {
            command: StaffCommand::Entered,
            ..
        }
    );
    outcome.code.is_some() || entered
}

/// Whether a purge on this move deletes a photo kept earlier: when no
/// reissue can follow any more (refused, cancelled, a new photo asked for),
/// or the family objects, or the student left. A hand-over, an expiry or an
/// invalidation for a lost phone keep it: that is when a reissue comes.
pub fn drops_kept_photo(event: &Event, to: Option<Status>) -> bool {
    let gone = match event {
        Event::Staff { command, .. } => matches!(
            command,
            StaffCommand::Objection
                | StaffCommand::Invalidate {
                    reason: InvalidationReason::Objection | InvalidationReason::Transfer,
                }
        ),
        _ => false,
    };
    gone || to.is_some_and(|s| !(s.may_be_reissued() || s.has_live_code()))
}

/// What the store found of the old application's kept photo, for a
/// `--keep-photo` reissue: until when it is kept (None: nothing is kept).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeptPhoto {
    pub until: Option<DateTime<Utc>>,
}

/// May a reissue take the kept photo at `now`? Otherwise the refusal says
/// why (nothing kept, or kept only until a date that has passed), and the
/// reissue is not started at all: she chose the photo, not a new one.
pub fn usable(kept: KeptPhoto, now: DateTime<Utc>) -> Result<(), Refusal> {
    match kept.until {
        Some(until) if now < until => Ok(()),
        until => Err(Refusal::PhotoNotKept { until }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, d, 10, 0, 0).unwrap()
    }

    #[test]
    fn zero_days_keeps_nothing_and_n_days_keeps_until_n_days_after_the_code() {
        assert_eq!(kept_until(at(1), 0), None);
        assert_eq!(kept_until(at(1), 30), Some(at(1) + Duration::days(30)));
    }

    #[test]
    fn a_kept_photo_is_usable_only_inside_its_window() {
        let kept = KeptPhoto {
            until: kept_until(at(1), 10),
        };
        assert_eq!(usable(kept, at(10)), Ok(()));
        assert_eq!(
            usable(kept, at(11)),
            Err(Refusal::PhotoNotKept {
                until: Some(at(11))
            }),
            "the last instant is already out"
        );
        assert_eq!(
            usable(kept, at(20)),
            Err(Refusal::PhotoNotKept {
                until: Some(at(11))
            })
        );
    }

    #[test]
    fn with_zero_days_a_reissue_never_finds_a_photo() {
        let kept = KeptPhoto {
            until: kept_until(at(1), 0),
        };
        assert_eq!(
            usable(kept, at(1)),
            Err(Refusal::PhotoNotKept { until: None })
        );
    }

    #[test]
    fn the_kept_photo_goes_when_no_reissue_can_follow_and_stays_for_those_that_can() {
        let staff = |command| Event::Staff {
            command,
            recorded_code: None,
            complete_at: None,
        };
        let invalidate = |reason| staff(StaffCommand::Invalidate { reason });
        let invalidated = Some(Status::Invalidated);
        assert!(drops_kept_photo(&staff(StaffCommand::Objection), None));
        assert!(drops_kept_photo(
            &invalidate(InvalidationReason::Transfer),
            invalidated
        ));
        assert!(drops_kept_photo(
            &invalidate(InvalidationReason::Objection),
            invalidated
        ));
        assert!(!drops_kept_photo(
            &invalidate(InvalidationReason::ParentRequest),
            invalidated
        ));
        let handed = staff(StaffCommand::HandedOver);
        assert!(!drops_kept_photo(&handed, Some(Status::HandedOver)));
        assert!(!drops_kept_photo(
            &Event::CodeExpired,
            Some(Status::Expired)
        ));
        assert!(!drops_kept_photo(&Event::Superseded, invalidated));
        // No reissue can follow these: the photo goes with the rest.
        let cancel = staff(StaffCommand::Cancel {
            reason: String::new(),
        });
        assert!(drops_kept_photo(&cancel, Some(Status::Cancelled)));
        let new_photo = staff(StaffCommand::RejectPhoto {
            reason: String::new(),
        });
        assert!(drops_kept_photo(&new_photo, Some(Status::AwaitingPhoto)));
    }
}
