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
use crate::domain::{InvalidationReason, Status};
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
    /// The parent's objection is on file: nothing will be issued.
    Objected,
    /// The mLegitymacja was invalidated: why, and how to get a new one.
    Invalidated {
        reason: InvalidationReason,
    },
    /// A reissue started: please send a current photo.
    ReissuePhotoNeeded,
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
    /// For the history: a stock code, e.g. "implicit_approval" (the CLI
    /// puts it in the school's language).
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
    /// `PONOWNIE ZE ZDJĘCIEM` with no photo kept (`until` None: none was,
    /// or the school keeps none), or kept only until `until`, now past.
    PhotoNotKept { until: Option<DateTime<Utc>> },
}

/// `expired` is not closed: a new code or a new photo continues it, and it
/// can still be rejected or cancelled.
fn closed(s: Status) -> bool {
    s.is_closed()
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
                        t.detail = "implicit_approval".into();
                    }
                    if status == CodeReady {
                        t.detail = "code_replaced".into();
                    }
                    if status == Expired {
                        t.detail = "new_code_after_expiry".into();
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
        // A code already issued is invalidated instead (`UNIEWAŻNIJ
        // sprzeciw`): cancelling would leave it live in the ministry system.
        StaffCommand::Objection => match status {
            Cancelled => Err(Refusal::AlreadyDone { status }),
            s if closed(s) || s == CodeReady => Err(Refusal::NotNow { status }),
            _ => {
                let mut t = to(Cancelled, ParentNotice::Objected, true);
                t.detail = "objection".into();
                Ok(t)
            }
        },
        // Only an issued mLegitymacja is invalidated; before that, ANULUJ.
        // The code's mails go with the photo (the school's rule).
        StaffCommand::Invalidate { reason } => match status {
            Invalidated => Err(Refusal::AlreadyDone { status }),
            s if s.was_issued() => Ok(to(
                Invalidated,
                ParentNotice::Invalidated { reason: *reason },
                true,
            )),
            _ => Err(Refusal::NotNow { status }),
        },
        // A reissue is its own event (`Event::Reissue`): it needs to know
        // whether one was started already.
        StaffCommand::Reissue { .. } => Err(Refusal::NotNow { status }),
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
mod tests;
