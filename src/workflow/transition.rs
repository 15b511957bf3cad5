//! The one place that decides how an application moves (pure).
//!
//! `transition(application, event, rules, now)` answers either an
//! [`Outcome`] — the status it moves to (if any), the history entries to
//! record, the notices to queue, the code to record, whether to purge — or a
//! [`Refusal`] saying why nothing changes. It reads no clock, no database and
//! no mail; the shell gathers what it needs into the [`Event`] and writes the
//! outcome through `apply_outcome::advance` (in the shell), the only writer
//! of the status.
//!
//! Every cause of a move is one arm of [`Event`]. The dates issue adds its
//! own the same way — the code expiring, a parent's request, invalidation,
//! reissue — one arm each here, its notices in [`Notice`], and nothing else
//! writes a status.

use chrono::{DateTime, Utc};

use super::command::StaffCommand;
use super::keep_photo::KeptPhoto;
use super::lifecycle::{CodeRecord, ParentNotice, Process, Refusal, staff_command};
use crate::domain::{Application, InvalidationReason, Status};

/// What happened to an application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A parent's mail brought a valid photo matched to the application.
    PhotoAccepted,
    /// At registration, a valid photo a parent sent before the application
    /// existed (an orphan) joins it.
    OrphanAdopted,
    /// The secretary answered `TAK` to a photo held back from a stranger.
    HeldPhotoAccepted,
    /// A secretary's command, by mail or CLI (`KOD` on `awaiting_review`
    /// approves on the way). `recorded_code` is the code already recorded,
    /// so a replayed `KOD` is told apart from a correction; `complete_at`
    /// when the application last became complete (a typed `KOD` generation
    /// time before it is refused).
    Staff {
        command: StaffCommand,
        recorded_code: Option<String>,
        complete_at: Option<DateTime<Utc>>,
    },
    /// The scheduler: a parent reminder `days_left` days before the code
    /// expires is due (on `handed_over` only when `remind_after_handover`).
    CodeReminder { days_left: u32 },
    /// The scheduler: the code's expiry instant has passed.
    CodeExpired,
    /// The scheduler: the secretary's reminder `day` days after the
    /// application became complete; the code is owed by `deadline`.
    DeadlineReminder { day: u32, deadline: DateTime<Utc> },
    /// A parent replied `AKTYWOWANO` / `ACTIVATED` to the code mail.
    ParentActivated,
    /// The secretary registered a paper application (`mleg apps add`) for a
    /// student imported as `not_requested`: the parent asked.
    PaperRequest,
    /// The secretary's `PONOWNIE` on this (old) application;
    /// `reissued_as`: the reissue already started, if any; `keep_photo`:
    /// `PONOWNIE ZE ZDJĘCIEM`, with what the store found of the kept photo.
    Reissue {
        reissued_as: Option<i64>,
        keep_photo: Option<KeptPhoto>,
    },
    /// This (new) application was opened as the reissue of `of`: the parent
    /// is asked for a current photo, unless `in_wave` (the re-validation
    /// wave writes one mail per family, listing all its children).
    ReissueOpened { of: i64, in_wave: bool },
    /// This (new) application was opened as the reissue of `of` with the
    /// photo kept from it: it is where a freshly accepted photo is, and the
    /// secretary gets the photo as for a new one; the parent is not asked.
    ReissueOpenedWithPhoto { of: i64 },
    /// The reissue of this handed-over application was handed over: the old
    /// one is invalidated now (the student is never without one), `card_invalid`,
    /// and the family, who has the new one, is not told again.
    Superseded,
}

/// The school's settings that shape a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// Portal (KOD) or SIO (WPROWADZONO).
    pub process: Process,
    /// How long an activation code is valid, in days.
    pub code_valid_days: i64,
    /// The school's time zone: a time the secretary types (`KOD … 14:35`)
    /// is local time there.
    pub timezone: chrono_tz::Tz,
}

/// One history entry to record, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// The status changes to `to` (the entry's kind is the status name).
    /// `detail` is a stock code (e.g. "implicit_approval"), which the CLI
    /// puts in the school's language, or a reason the secretary typed, shown
    /// as typed.
    Status { to: Status, detail: String },
    /// An entry that changes no status, e.g. `photo_replaced`.
    Note { kind: &'static str, detail: String },
}

/// A mail to queue, as data; the applier composes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// The parent's news after a secretary's command.
    Parent(ParentNotice),
    /// The printable hand-over slip for the secretary (after a code).
    Slip,
    /// The secretary's notification of a photo to review, with the
    /// application's token; `kept_before_registration` for an orphan.
    StaffPhoto { kept_before_registration: bool },
    /// The orphan's sender hears that the photo now has its application.
    PhotoMatched,
    /// The held photo's sender hears that the secretary accepted it.
    HeldSenderAccepted,
    /// The parent's reminder before the code expires; `after_handover`: "if
    /// you have not activated it yet…".
    CodeReminder {
        days_left: u32,
        after_handover: bool,
    },
    /// The parent hears the code lapsed and how a new one is obtained.
    CodeExpired,
    /// The secretary's one mail about a lapsed code.
    StaffCodeExpired,
    /// The secretary's reminder of the issue deadline.
    Deadline { day: u32, deadline: DateTime<Utc> },
}

/// What an event does to an application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// History entries in order; the last `Record::Status` is the new status.
    pub history: Vec<Record>,
    /// Mails to queue, in order.
    pub notices: Vec<Notice>,
    /// The activation code to record.
    pub code: Option<CodeRecord>,
    /// Delete the photo and the parents' mails (the school's rule).
    pub purge: bool,
    /// For the audit log, e.g. "implicit_approval" (a stock detail code).
    pub detail: String,
}

impl Outcome {
    /// The status the application ends in, if it changes.
    pub fn status(&self) -> Option<Status> {
        self.history.iter().rev().find_map(|r| match r {
            Record::Status { to, .. } => Some(*to),
            Record::Note { .. } => None,
        })
    }
}

/// Decides what `event` does to `application`.
pub fn transition(
    application: &Application,
    event: &Event,
    rules: &Rules,
    now: DateTime<Utc>,
) -> Result<Outcome, Refusal> {
    let status = application.status;
    match event {
        Event::PhotoAccepted => photo(
            status,
            ("photo_received", "newer_photo"),
            Notice::StaffPhoto {
                kept_before_registration: false,
            },
            None,
        ),
        Event::HeldPhotoAccepted => photo(
            status,
            ("held_photo_accepted", "held_photo_accepted"),
            Notice::StaffPhoto {
                kept_before_registration: false,
            },
            Some(Notice::HeldSenderAccepted),
        ),
        // At registration the application is new: it awaits its first photo.
        Event::OrphanAdopted => match status {
            Status::AwaitingPhoto | Status::NotRequested => photo(
                status,
                ("orphan_matched", ""),
                Notice::StaffPhoto {
                    kept_before_registration: true,
                },
                Some(Notice::PhotoMatched),
            ),
            _ => Err(Refusal::NotNow { status }),
        },
        Event::Staff {
            command,
            recorded_code,
            complete_at,
        } => {
            if let StaffCommand::Code { code, .. } = command
                && status == Status::CodeReady
                && recorded_code.as_deref() == Some(code.as_str())
            {
                // A replayed KOD, not a correction.
                return Err(Refusal::AlreadyDone { status });
            }
            let t = staff_command(
                status,
                command,
                rules.process,
                now,
                rules.code_valid_days,
                rules.timezone,
                *complete_at,
            )?;
            Ok(staff_outcome(command, t))
        }
        Event::CodeReminder { days_left } => dates::code_reminder(status, *days_left),
        Event::CodeExpired => dates::code_expired(status),
        Event::DeadlineReminder { day, deadline } => dates::deadline(status, *day, *deadline),
        Event::ParentActivated => dates::activated(status),
        Event::PaperRequest => match status {
            Status::NotRequested => Ok(Outcome {
                history: vec![Record::Status {
                    to: Status::AwaitingPhoto,
                    detail: "paper_request".into(),
                }],
                notices: vec![],
                code: None,
                purge: false,
                detail: String::new(),
            }),
            _ => Err(Refusal::NotNow { status }),
        },
        Event::Reissue {
            reissued_as,
            keep_photo,
        } => match (status, reissued_as) {
            (_, Some(_)) => Err(Refusal::AlreadyDone { status }),
            (s, None) if s.may_be_reissued() => {
                if let Some(kept) = keep_photo {
                    super::keep_photo::usable(*kept, now)?;
                    return Ok(note("reissued", "kept_photo"));
                }
                Ok(note("reissued", ""))
            }
            _ => Err(Refusal::NotNow { status }),
        },
        Event::ReissueOpened { of, in_wave } => match status {
            Status::AwaitingPhoto => {
                let mut o = note("reissue_of", &of.to_string());
                if !in_wave {
                    o.notices = vec![Notice::Parent(ParentNotice::ReissuePhotoNeeded)];
                }
                Ok(o)
            }
            _ => Err(Refusal::NotNow { status }),
        },
        Event::ReissueOpenedWithPhoto { of } => match status {
            Status::AwaitingPhoto => {
                let mut o = note("reissue_of", &of.to_string());
                o.history.push(Record::Status {
                    to: Status::AwaitingReview,
                    detail: "kept_photo".into(),
                });
                o.notices = vec![Notice::StaffPhoto {
                    kept_before_registration: false,
                }];
                Ok(o)
            }
            _ => Err(Refusal::NotNow { status }),
        },
        Event::Superseded => match status {
            Status::HandedOver => Ok(Outcome {
                history: vec![Record::Status {
                    to: Status::Invalidated,
                    detail: InvalidationReason::CardInvalid.as_str().into(),
                }],
                notices: Vec::new(),
                code: None,
                purge: true,
                detail: InvalidationReason::CardInvalid.as_str().into(),
            }),
            _ => Err(Refusal::NotNow { status }),
        },
    }
}

/// An outcome that only notes something in the history.
fn note(kind: &'static str, detail: &str) -> Outcome {
    Outcome {
        history: vec![Record::Note {
            kind,
            detail: detail.into(),
        }],
        notices: Vec::new(),
        code: None,
        purge: false,
        detail: detail.into(),
    }
}

/// A valid photo arriving: to `awaiting_review`, or (already there) the
/// newer one replaces the photo under review. `details` are the history's
/// stock details (codes the CLI puts in words) for the two; the secretary's notification comes first, then the
/// sender's news, if any.
fn photo(
    status: Status,
    (received, replaced): (&str, &str),
    staff: Notice,
    sender: Option<Notice>,
) -> Result<Outcome, Refusal> {
    let record = match status {
        Status::AwaitingPhoto => Record::Status {
            to: Status::AwaitingReview,
            detail: received.into(),
        },
        // Under `issuance = "on_request"` the parent's photo is the request.
        Status::NotRequested => Record::Status {
            to: Status::AwaitingReview,
            detail: "requested_by_photo".into(),
        },
        Status::AwaitingReview => Record::Note {
            kind: "photo_replaced",
            detail: replaced.into(),
        },
        _ => return Err(Refusal::NotNow { status }),
    };
    let notices = std::iter::once(staff).chain(sender).collect();
    Ok(Outcome {
        history: vec![record],
        notices,
        code: None,
        purge: false,
        detail: String::new(),
    })
}

fn staff_outcome(command: &StaffCommand, t: super::lifecycle::Transition) -> Outcome {
    let mut history = Vec::new();
    if t.implicitly_approved {
        history.push(Record::Status {
            to: Status::Approved,
            detail: t.detail.clone(),
        });
    }
    let reason = match command {
        StaffCommand::Reject { reason }
        | StaffCommand::RejectPhoto { reason }
        | StaffCommand::Cancel { reason } => reason.as_str(),
        // A stock id, which the CLI puts in words.
        StaffCommand::Invalidate { reason } => reason.as_str(),
        _ => "",
    };
    history.push(Record::Status {
        to: t.to,
        detail: reason.into(),
    });
    let mut notices = Vec::new();
    if t.parent != ParentNotice::Nothing {
        notices.push(Notice::Parent(t.parent));
    }
    if t.slip {
        notices.push(Notice::Slip);
    }
    let detail = [t.detail.as_str(), reason]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("; ");
    Outcome {
        history,
        notices,
        code: t.code,
        purge: t.purge,
        detail,
    }
}

mod dates;
#[cfg(test)]
mod issue_time_tests;
#[cfg(test)]
mod keep_photo_tests;
#[cfg(test)]
mod tests;
