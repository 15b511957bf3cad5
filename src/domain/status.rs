//! The states an application moves through (see the table in ARCHITECTURE.md).

use std::fmt;
use std::str::FromStr;

/// Where an application stands. The snake_case names are what the CLI,
/// `--status` and JSON use, and what the database stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Imported under `issuance = "on_request"`: the school knows the
    /// student, but nothing is issued until the parent asks (a photo from
    /// their registered address is the request).
    NotRequested,
    /// Registered; no valid photo yet.
    AwaitingPhoto,
    /// A valid photo is with the secretary.
    AwaitingReview,
    /// The secretary approved it and will enter it in the ministry system.
    Approved,
    /// The activation code exists (valid 30 days).
    CodeReady,
    /// The family received the code.
    HandedOver,
    /// The code expired before it was used.
    Expired,
    Rejected,
    /// Closed before anything was issued.
    Cancelled,
    /// An issued mLegitymacja was invalidated (closed); a reissue is a new
    /// application.
    Invalidated,
}

impl Status {
    pub const ALL: [Status; 10] = [
        Status::NotRequested,
        Status::AwaitingPhoto,
        Status::AwaitingReview,
        Status::Approved,
        Status::CodeReady,
        Status::HandedOver,
        Status::Expired,
        Status::Rejected,
        Status::Cancelled,
        Status::Invalidated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::NotRequested => "not_requested",
            Status::AwaitingPhoto => "awaiting_photo",
            Status::AwaitingReview => "awaiting_review",
            Status::Approved => "approved",
            Status::CodeReady => "code_ready",
            Status::HandedOver => "handed_over",
            Status::Expired => "expired",
            Status::Rejected => "rejected",
            Status::Cancelled => "cancelled",
            Status::Invalidated => "invalidated",
        }
    }

    /// An mLegitymacja was issued on it (a code recorded, or handed over):
    /// it may be invalidated.
    pub fn was_issued(self) -> bool {
        match self {
            Status::CodeReady | Status::HandedOver | Status::Expired => true,
            Status::NotRequested
            | Status::AwaitingPhoto
            | Status::AwaitingReview
            | Status::Approved
            | Status::Rejected
            | Status::Cancelled
            | Status::Invalidated => false,
        }
    }

    /// A new application may be started from it for the same student
    /// (`PONOWNIE`): after an invalidation, a lapsed code, or a hand-over
    /// (errors found, the school ID's validity confirmed).
    pub fn may_be_reissued(self) -> bool {
        match self {
            Status::Invalidated | Status::Expired | Status::HandedOver => true,
            Status::NotRequested
            | Status::AwaitingPhoto
            | Status::AwaitingReview
            | Status::Approved
            | Status::CodeReady
            | Status::Rejected
            | Status::Cancelled => false,
        }
    }

    /// The yearly re-validation wave reissues it: the family holds this
    /// mLegitymacja. A code not handed over yet (`code_ready`) or lapsed
    /// unused (`expired`) is in nobody's phone, so the wave leaves it to the
    /// secretary (`PONOWNIE` after hand-over or expiry).
    pub fn joins_wave(self) -> bool {
        match self {
            Status::HandedOver => true,
            Status::NotRequested
            | Status::AwaitingPhoto
            | Status::AwaitingReview
            | Status::Approved
            | Status::CodeReady
            | Status::Expired
            | Status::Rejected
            | Status::Cancelled
            | Status::Invalidated => false,
        }
    }

    /// A reissue in this status has its photo in (the wave's progress).
    pub fn photo_in(self) -> bool {
        match self {
            Status::AwaitingReview
            | Status::Approved
            | Status::CodeReady
            | Status::HandedOver
            | Status::Expired
            | Status::Invalidated => true,
            Status::NotRequested | Status::AwaitingPhoto | Status::Rejected | Status::Cancelled => {
                false
            }
        }
    }

    /// A reissue in this status has had its new code recorded.
    pub fn code_out(self) -> bool {
        match self {
            Status::CodeReady | Status::HandedOver | Status::Expired | Status::Invalidated => true,
            Status::NotRequested
            | Status::AwaitingPhoto
            | Status::AwaitingReview
            | Status::Approved
            | Status::Rejected
            | Status::Cancelled => false,
        }
    }

    /// Still waiting for a photo from the parent (or a better one).
    pub fn accepts_photo(self) -> bool {
        match self {
            Status::NotRequested | Status::AwaitingPhoto | Status::AwaitingReview => true,
            Status::Approved
            | Status::CodeReady
            | Status::HandedOver
            | Status::Expired
            | Status::Rejected
            | Status::Cancelled
            | Status::Invalidated => false,
        }
    }

    /// Complete and not yet coded: the secretary owes the code, so the issue
    /// deadline runs (her reminders, the overdue mark). An application
    /// waiting for a new photo is not complete, so it owes nothing yet.
    pub fn owes_code(self) -> bool {
        match self {
            Status::AwaitingReview | Status::Approved => true,
            Status::NotRequested
            | Status::AwaitingPhoto
            | Status::CodeReady
            | Status::HandedOver
            | Status::Expired
            | Status::Rejected
            | Status::Cancelled
            | Status::Invalidated => false,
        }
    }

    /// Nothing more happens on the application: the family has the code,
    /// or it was refused, cancelled or invalidated (a reissue is a new
    /// application). `Expired` is open: a new code or a
    /// new photo continues the same application.
    pub fn is_closed(self) -> bool {
        match self {
            Status::HandedOver | Status::Rejected | Status::Cancelled | Status::Invalidated => true,
            // Not closed: the parent's photo still turns it into a request.
            Status::NotRequested
            | Status::AwaitingPhoto
            | Status::AwaitingReview
            | Status::Approved
            | Status::CodeReady
            | Status::Expired => false,
        }
    }

    /// The retention clock runs: nothing is expected to happen on the
    /// application any more, so after `retention_days` it is reduced to an
    /// anonymous trail. Every closed status is in (a new closed status joins
    /// by itself), and so is `Expired`: open only in that a new code may
    /// continue it, which nobody did.
    pub fn retention_clock_runs(self) -> bool {
        match self {
            Status::Expired => true,
            other => other.is_closed(),
        }
    }

    /// A code exists that the family may still activate: the parent's
    /// reminders and the expiry rule look at these.
    pub fn has_live_code(self) -> bool {
        match self {
            Status::CodeReady => true,
            Status::NotRequested
            | Status::AwaitingPhoto
            | Status::AwaitingReview
            | Status::Approved
            | Status::HandedOver
            | Status::Expired
            | Status::Rejected
            | Status::Cancelled
            | Status::Invalidated => false,
        }
    }

    /// Every status for which `is_in` holds, in `ALL`'s order: how a set
    /// written once here becomes the `IN (…)` list of a query.
    pub fn all_where(is_in: fn(Status) -> bool) -> Vec<Status> {
        Status::ALL.into_iter().filter(|s| is_in(*s)).collect()
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error(
    "unknown status {0:?}; use one of: not_requested, awaiting_photo, awaiting_review, approved, code_ready, handed_over, expired, rejected, cancelled, invalidated"
)]
pub struct UnknownStatus(pub String);

impl FromStr for Status {
    type Err = UnknownStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == s.trim())
            .ok_or_else(|| UnknownStatus(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for st in Status::ALL {
            assert_eq!(st.as_str().parse::<Status>().unwrap(), st);
        }
        assert!("approved ".parse::<Status>().is_ok());
        assert!("zatwierdzony".parse::<Status>().is_err());
    }

    /// The sets, status by status. A new status does not compile until it
    /// is placed in each (the matches are exhaustive); this table is the
    /// reviewed placement.
    #[test]
    fn every_status_is_placed_in_every_set() {
        use Status::*;
        // (status, accepts photo, owes code, closed, live code, issued,
        //  reissuable, retention clock, joins the wave, photo in, code out)
        let table = [
            (
                NotRequested,
                [
                    true, false, false, false, false, false, false, false, false, false,
                ],
            ),
            (
                AwaitingPhoto,
                [
                    true, false, false, false, false, false, false, false, false, false,
                ],
            ),
            (
                AwaitingReview,
                [
                    true, true, false, false, false, false, false, false, true, false,
                ],
            ),
            (
                Approved,
                [
                    false, true, false, false, false, false, false, false, true, false,
                ],
            ),
            (
                CodeReady,
                [
                    false, false, false, true, true, false, false, false, true, true,
                ],
            ),
            (
                HandedOver,
                [
                    false, false, true, false, true, true, true, true, true, true,
                ],
            ),
            (
                Expired,
                [
                    false, false, false, false, true, true, true, false, true, true,
                ],
            ),
            (
                Rejected,
                [
                    false, false, true, false, false, false, true, false, false, false,
                ],
            ),
            (
                Cancelled,
                [
                    false, false, true, false, false, false, true, false, false, false,
                ],
            ),
            (
                Invalidated,
                [
                    false, false, true, false, false, true, true, false, true, true,
                ],
            ),
        ];
        assert_eq!(table.len(), Status::ALL.len());
        for (st, sets) in table {
            assert_eq!(
                [
                    st.accepts_photo(),
                    st.owes_code(),
                    st.is_closed(),
                    st.has_live_code(),
                    st.was_issued(),
                    st.may_be_reissued(),
                    st.retention_clock_runs(),
                    st.joins_wave(),
                    st.photo_in(),
                    st.code_out(),
                ],
                sets,
                "{st}"
            );
        }
    }

    #[test]
    fn only_open_early_states_accept_photos() {
        let accepting: Vec<_> = Status::ALL
            .into_iter()
            .filter(|s| s.accepts_photo())
            .collect();
        assert_eq!(
            accepting,
            vec![
                Status::NotRequested,
                Status::AwaitingPhoto,
                Status::AwaitingReview
            ]
        );
    }
}
