//! What a secretary's command does to an application (pure): the staff arm
//! of [`super::transition::transition`], and the words it shares with it.
//!
//! `staff_command(status, command, process, now, valid_days, tz, complete_at)` answers either
//! the new state with everything that must follow (who is told what, whether
//! the photo is purged, the code to record) or why nothing changes ("already
//! done", "not possible in this state", "that generation time cannot be
//! right"). Callers go through
//! [`super::transition::transition`], which serves a reply by mail and the
//! CLI alike, so both always behave the same.

pub mod issue_time;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use chrono_tz::Tz;

use super::command::StaffCommand;
use crate::domain::Status;
use issue_time::{IssueContext, IssueTimeProblem};

/// How the school issues mLegitymacja.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Process {
    /// The seed procedure: the ministry portal gives the school a QR + activation code.
    #[default]
    Portal,
    /// Since 2025: the school enters data in SIO, the family generates the code itself.
    Sio,
}

/// What the parent is told after a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParentNotice {
    Approved,
    Rejected {
        reason: String,
    },
    NewPhotoNeeded {
        reason: String,
    },
    CodeReady,
    SioEntered,
    Cancelled {
        reason: String,
    },
    /// The parent's `AKTYWOWANO` is recorded: no more reminders.
    Activated,
    Nothing,
}

/// The activation code to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeRecord {
    pub code: String,
    pub generated_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A command that applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub to: Status,
    /// For the history, e.g. "approved (implicitly, by KOD)".
    pub detail: String,
    pub parent: ParentNotice,
    pub code: Option<CodeRecord>,
    /// Delete the photo and the parent's mails (the school's rule).
    pub purge: bool,
    /// Send the secretary a printable hand-over slip.
    pub slip: bool,
    /// A code on an application still awaiting review approves it on the way.
    pub implicitly_approved: bool,
}

/// Why a command changes nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The application is already where the command would take it (a replayed reply).
    AlreadyDone { status: Status },
    /// The command makes no sense in this state (e.g. a code before a photo).
    NotNow { status: Status },
    /// The command belongs to the other process (KOD under SIO, WPROWADZONO under the portal).
    WrongProcess { process: Process },
    /// POMOC/HELP: not a change at all.
    Help,
    /// `KOD` with a generation time (`at`) that cannot be right: in the
    /// future, before the application was complete, or so long ago that the
    /// code has lapsed.
    BadIssueTime {
        at: DateTime<Utc>,
        problem: IssueTimeProblem,
    },
}

/// `expired` is not closed: a new code or a new photo continues it, and it
/// can still be rejected or cancelled.
fn closed(s: Status) -> bool {
    matches!(s, Status::HandedOver | Status::Rejected | Status::Cancelled)
}

fn to(status: Status, parent: ParentNotice, purge: bool) -> Transition {
    Transition {
        to: status,
        detail: String::new(),
        parent,
        code: None,
        purge,
        slip: false,
        implicitly_approved: false,
    }
}

/// Decides what `command` does to an application in `status`, which last
/// became complete at `complete_at` (a typed `KOD` time may not precede it).
pub fn staff_command(
    status: Status,
    command: &StaffCommand,
    process: Process,
    now: DateTime<Utc>,
    valid_days: i64,
    tz: Tz,
    complete_at: Option<DateTime<Utc>>,
) -> Result<Transition, Refusal> {
    use Status::*;
    match command {
        StaffCommand::Help => Err(Refusal::Help),
        StaffCommand::Approve => match status {
            AwaitingReview => Ok(to(Approved, ParentNotice::Approved, false)),
            Approved | CodeReady | HandedOver => Err(Refusal::AlreadyDone { status }),
            _ => Err(Refusal::NotNow { status }),
        },
        StaffCommand::Reject { reason } => match status {
            Rejected => Err(Refusal::AlreadyDone { status }),
            s if closed(s) || s == CodeReady => Err(Refusal::NotNow { status }),
            _ => Ok(to(
                Rejected,
                ParentNotice::Rejected {
                    reason: reason.clone(),
                },
                true,
            )),
        },
        StaffCommand::RejectPhoto { reason } => match status {
            // After expiry the ministry dropped the record and the school
            // deleted the photo: a new photo starts over.
            AwaitingReview | Approved | Expired => Ok(to(
                AwaitingPhoto,
                ParentNotice::NewPhotoNeeded {
                    reason: reason.clone(),
                },
                true,
            )),
            AwaitingPhoto => Err(Refusal::AlreadyDone { status }),
            _ => Err(Refusal::NotNow { status }),
        },
        StaffCommand::Code { code, generated_at } => {
            if process == Process::Sio {
                return Err(Refusal::WrongProcess { process });
            }
            match status {
                // CodeReady again: a corrected or re-generated code replaces
                // the old one (the caller answers "already done" to the same code).
                // Expired: a new code, a new `code_valid_days`.
                AwaitingReview | Approved | CodeReady | Expired => {
                    let context = IssueContext {
                        now,
                        complete_at,
                        valid_days,
                        tz,
                    };
                    let generated_at = match generated_at {
                        Some(typed) => {
                            let at = local_to_utc(tz, *typed);
                            issue_time::check(*typed, at, &context)
                                .map_err(|problem| Refusal::BadIssueTime { at, problem })?;
                            at
                        }
                        None => now,
                    };
                    let mut t = to(CodeReady, ParentNotice::CodeReady, status != CodeReady);
                    t.code = Some(CodeRecord {
                        code: code.clone(),
                        generated_at,
                        expires_at: generated_at + Duration::days(valid_days),
                    });
                    t.slip = true;
                    if status == AwaitingReview {
                        t.implicitly_approved = true;
                        t.detail = "approved implicitly by the code".into();
                    }
                    if status == CodeReady {
                        t.detail = "code replaced".into();
                    }
                    if status == Expired {
                        t.detail = "new code after expiry".into();
                    }
                    Ok(t)
                }
                HandedOver => Err(Refusal::AlreadyDone { status }),
                _ => Err(Refusal::NotNow { status }),
            }
        }
        StaffCommand::HandedOver => match status {
            CodeReady => Ok(to(HandedOver, ParentNotice::Nothing, true)),
            HandedOver => Err(Refusal::AlreadyDone { status }),
            _ => Err(Refusal::NotNow { status }),
        },
        StaffCommand::Entered => {
            if process == Process::Portal {
                return Err(Refusal::WrongProcess { process });
            }
            match status {
                AwaitingReview | Approved => Ok(to(HandedOver, ParentNotice::SioEntered, true)),
                HandedOver => Err(Refusal::AlreadyDone { status }),
                _ => Err(Refusal::NotNow { status }),
            }
        }
        StaffCommand::Cancel { reason } => match status {
            Cancelled => Err(Refusal::AlreadyDone { status }),
            s if closed(s) => Err(Refusal::NotNow { status }),
            _ => Ok(to(
                Cancelled,
                ParentNotice::Cancelled {
                    reason: reason.clone(),
                },
                true,
            )),
        },
    }
}

/// A date/time the secretary typed is the school's local time (`[dates]
/// timezone`); in the hour skipped in spring it is taken as UTC rather than
/// refused, and in the repeated autumn hour as the earlier instant.
fn local_to_utc(tz: Tz, t: NaiveDateTime) -> DateTime<Utc> {
    use chrono::TimeZone;
    tz.from_local_datetime(&t)
        .earliest()
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&t))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    const WARSAW: Tz = chrono_tz::Europe::Warsaw;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap()
    }

    fn run(status: Status, c: StaffCommand) -> Result<Transition, Refusal> {
        staff_command(status, &c, Process::Portal, now(), 30, WARSAW, None)
    }

    #[test]
    fn approve_only_from_review_and_a_replay_is_already_done() {
        assert_eq!(
            run(Status::AwaitingReview, StaffCommand::Approve)
                .unwrap()
                .to,
            Status::Approved
        );
        assert_eq!(
            run(Status::Approved, StaffCommand::Approve),
            Err(Refusal::AlreadyDone {
                status: Status::Approved
            })
        );
        assert_eq!(
            run(Status::AwaitingPhoto, StaffCommand::Approve),
            Err(Refusal::NotNow {
                status: Status::AwaitingPhoto
            })
        );
    }

    #[test]
    fn a_code_approves_implicitly_expires_in_30_days_and_purges() {
        let c = StaffCommand::Code {
            code: "AB12CD34".into(),
            generated_at: None,
        };
        let t = run(Status::AwaitingReview, c).unwrap();
        assert_eq!((t.to, t.purge, t.slip), (Status::CodeReady, true, true));
        let code = t.code.unwrap();
        assert_eq!(code.expires_at - code.generated_at, Duration::days(30));
        assert!(t.implicitly_approved);
    }

    #[test]
    fn a_new_code_replaces_a_wrong_one_but_not_after_the_hand_over() {
        let c = || StaffCommand::Code {
            code: "NEW12345".into(),
            generated_at: None,
        };
        let t = run(Status::CodeReady, c()).unwrap();
        assert_eq!(
            (t.to, t.slip, t.purge, t.detail.as_str()),
            (Status::CodeReady, true, false, "code replaced")
        );
        assert_eq!(
            run(Status::HandedOver, c()),
            Err(Refusal::AlreadyDone {
                status: Status::HandedOver
            })
        );
    }

    #[test]
    fn a_typed_generation_time_is_warsaw_time() {
        let typed = chrono::NaiveDate::from_ymd_opt(2026, 11, 20)
            .unwrap()
            .and_hms_opt(14, 35, 0)
            .unwrap();
        let c = StaffCommand::Code {
            code: "AB12CD34".into(),
            generated_at: Some(typed),
        };
        let code = run(Status::Approved, c).unwrap().code.unwrap();
        assert_eq!(
            code.generated_at,
            Utc.with_ymd_and_hms(2026, 11, 20, 13, 35, 0).unwrap()
        );
        assert_eq!(
            code.expires_at,
            Utc.with_ymd_and_hms(2026, 12, 20, 13, 35, 0).unwrap()
        );
    }

    #[test]
    fn a_typed_generation_time_is_the_schools_configured_zone_time() {
        // A Polish school abroad (e.g. in Vilnius) sets `[dates] timezone`.
        let typed = chrono::NaiveDate::from_ymd_opt(2026, 7, 1)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap();
        let c = StaffCommand::Code {
            code: "AB12CD34".into(),
            generated_at: Some(typed),
        };
        let t = staff_command(
            Status::Approved,
            &c,
            Process::Portal,
            Utc.with_ymd_and_hms(2026, 7, 2, 10, 0, 0).unwrap(),
            30,
            chrono_tz::Europe::Vilnius,
            None,
        );
        let code = t.unwrap().code.unwrap();
        assert_eq!(
            code.generated_at,
            Utc.with_ymd_and_hms(2026, 7, 1, 6, 0, 0).unwrap()
        );
    }

    #[test]
    fn photo_rejection_sends_back_for_a_new_photo_and_rejection_closes() {
        let reason = || "tło nie jest jednolite".to_string();
        let t = run(
            Status::AwaitingReview,
            StaffCommand::RejectPhoto { reason: reason() },
        )
        .unwrap();
        assert_eq!(
            (t.to, t.parent),
            (
                Status::AwaitingPhoto,
                ParentNotice::NewPhotoNeeded { reason: reason() }
            )
        );
        let t = run(Status::Approved, StaffCommand::Reject { reason: reason() }).unwrap();
        assert_eq!((t.to, t.purge), (Status::Rejected, true));
        assert!(
            run(
                Status::HandedOver,
                StaffCommand::Reject { reason: reason() }
            )
            .is_err()
        );
    }

    #[test]
    fn the_process_decides_between_kod_and_wprowadzono() {
        let code = StaffCommand::Code {
            code: "AB12CD34".into(),
            generated_at: None,
        };
        let sio = |s, c: &StaffCommand| staff_command(s, c, Process::Sio, now(), 30, WARSAW, None);
        assert_eq!(
            sio(Status::Approved, &code),
            Err(Refusal::WrongProcess {
                process: Process::Sio
            })
        );
        let t = sio(Status::AwaitingReview, &StaffCommand::Entered).unwrap();
        assert_eq!(
            (t.to, t.parent, t.code),
            (Status::HandedOver, ParentNotice::SioEntered, None)
        );
        assert_eq!(
            run(Status::Approved, StaffCommand::Entered),
            Err(Refusal::WrongProcess {
                process: Process::Portal
            })
        );
    }

    #[test]
    fn handed_over_follows_the_code_and_cancel_closes_any_open_application() {
        assert_eq!(
            run(Status::CodeReady, StaffCommand::HandedOver).unwrap().to,
            Status::HandedOver
        );
        assert!(run(Status::Approved, StaffCommand::HandedOver).is_err());
        let cancel = || StaffCommand::Cancel {
            reason: "uczeń zmienił szkołę".into(),
        };
        assert_eq!(
            run(Status::AwaitingPhoto, cancel()).unwrap().to,
            Status::Cancelled
        );
        assert_eq!(
            run(Status::Cancelled, cancel()),
            Err(Refusal::AlreadyDone {
                status: Status::Cancelled
            })
        );
        assert_eq!(
            run(Status::AwaitingReview, StaffCommand::Help),
            Err(Refusal::Help)
        );
    }
}
