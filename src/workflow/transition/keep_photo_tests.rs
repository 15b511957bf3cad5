//! `PONOWNIE ZE ZDJĘCIEM`: the reissue with a kept photo, as the state
//! machine decides it.

use chrono::{DateTime, TimeZone, Utc};

use super::tests::application;
use super::*;
use crate::workflow::keep_photo::KeptPhoto;

fn at(d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, d, 10, 0, 0).unwrap()
}

fn rules() -> Rules {
    Rules {
        process: Process::Portal,
        code_valid_days: 30,
        timezone: chrono_tz::Europe::Warsaw,
    }
}

fn keep(status: Status, until: Option<DateTime<Utc>>) -> Result<Outcome, Refusal> {
    let event = Event::Reissue {
        reissued_as: None,
        keep_photo: Some(KeptPhoto { until }),
    };
    transition(&application(status), &event, &rules(), at(5))
}

#[test]
fn a_keep_photo_reissue_goes_ahead_inside_the_window_and_is_refused_outside() {
    let ok = keep(Status::Invalidated, Some(at(6))).unwrap();
    assert_eq!(ok.status(), None, "the old one keeps its status");
    assert!(!ok.purge && ok.notices.is_empty());
    assert_eq!(
        keep(Status::Invalidated, Some(at(5))),
        Err(Refusal::PhotoNotKept { until: Some(at(5)) })
    );
    assert_eq!(
        keep(Status::HandedOver, None),
        Err(Refusal::PhotoNotKept { until: None })
    );
    // Only where a reissue may start at all.
    assert_eq!(
        keep(Status::Cancelled, Some(at(6))),
        Err(Refusal::NotNow {
            status: Status::Cancelled
        })
    );
}

#[test]
fn the_reissue_with_the_kept_photo_goes_to_review_and_the_secretary_gets_it() {
    let event = Event::ReissueOpenedWithPhoto { of: 3 };
    let a = application(Status::AwaitingPhoto);
    let o = transition(&a, &event, &rules(), at(5)).unwrap();
    assert_eq!(o.status(), Some(Status::AwaitingReview));
    assert_eq!(
        o.history[0],
        Record::Note {
            kind: "reissue_of",
            detail: "3".into()
        }
    );
    assert_eq!(
        o.notices,
        vec![Notice::StaffPhoto {
            kept_before_registration: false
        }],
        "the parent is not asked for a photo"
    );
    let late = application(Status::AwaitingReview);
    assert!(transition(&late, &event, &rules(), at(5)).is_err());
}
