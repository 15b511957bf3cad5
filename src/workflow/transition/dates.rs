//! The date arms of `transition` (pure): a parent's reminder before the
//! code expires, the expiry itself, the secretary's deadline reminder and a
//! parent's `AKTYWOWANO`. The scheduler (`scheduler::rules`) decides *when*
//! an event is due; these decide what it does to the application.

use chrono::{DateTime, Utc};

use super::{Notice, Outcome, Record};
use crate::domain::Status;
use crate::workflow::lifecycle::{ParentNotice, Refusal};

fn outcome(history: Vec<Record>, notices: Vec<Notice>, purge: bool) -> Outcome {
    Outcome {
        history,
        notices,
        code: None,
        purge,
        detail: String::new(),
    }
}

/// A reminder changes no status: it is a note in the history and a mail.
pub(super) fn code_reminder(status: Status, days_left: u32) -> Result<Outcome, Refusal> {
    let after_handover = match status {
        Status::CodeReady => false,
        // The scheduler asks only when the school wants it (`remind_after_handover`).
        Status::HandedOver => true,
        _ => return Err(Refusal::NotNow { status }),
    };
    Ok(outcome(
        vec![Record::Note {
            kind: "code_reminder",
            detail: format!("days_left={days_left}"),
        }],
        vec![Notice::CodeReminder {
            days_left,
            after_handover,
        }],
        false,
    ))
}

/// An unused code lapses: the parent and the secretary are told, and the
/// code mails go like the photo did (the school keeps no dead code).
pub(super) fn code_expired(status: Status) -> Result<Outcome, Refusal> {
    if status != Status::CodeReady {
        return Err(Refusal::NotNow { status });
    }
    Ok(outcome(
        vec![Record::Status {
            to: Status::Expired,
            detail: "expired_unused".into(),
        }],
        vec![Notice::CodeExpired, Notice::StaffCodeExpired],
        true,
    ))
}

/// The secretary's reminder while the code is still owed.
pub(super) fn deadline(
    status: Status,
    day: u32,
    deadline: DateTime<Utc>,
) -> Result<Outcome, Refusal> {
    if !status.owes_code() {
        return Err(Refusal::NotNow { status });
    }
    Ok(outcome(
        vec![Record::Note {
            kind: "deadline_reminder",
            detail: format!("day={day}"),
        }],
        vec![Notice::Deadline { day, deadline }],
        false,
    ))
}

/// The parent activated the e-mailed code: handed over, like `WYDANO`.
pub(super) fn activated(status: Status) -> Result<Outcome, Refusal> {
    match status {
        Status::CodeReady => Ok(outcome(
            vec![Record::Status {
                to: Status::HandedOver,
                detail: "parent_activated".into(),
            }],
            // A parent who wrote a word expects an answer that it counted.
            vec![Notice::Parent(ParentNotice::Activated)],
            true,
        )),
        Status::HandedOver => Err(Refusal::AlreadyDone { status }),
        _ => Err(Refusal::NotNow { status }),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn a_reminder_is_a_note_and_a_mail_only_while_the_code_is_out() {
        let o = code_reminder(Status::CodeReady, 7).unwrap();
        assert_eq!(o.status(), None);
        assert_eq!(
            o.notices,
            vec![Notice::CodeReminder {
                days_left: 7,
                after_handover: false
            }]
        );
        let o = code_reminder(Status::HandedOver, 2).unwrap();
        assert_eq!(
            o.notices,
            vec![Notice::CodeReminder {
                days_left: 2,
                after_handover: true
            }]
        );
        for s in [Status::Expired, Status::Approved, Status::Cancelled] {
            assert_eq!(code_reminder(s, 7), Err(Refusal::NotNow { status: s }));
        }
    }

    #[test]
    fn expiry_moves_only_a_ready_code_and_tells_both_once() {
        let o = code_expired(Status::CodeReady).unwrap();
        assert_eq!(o.status(), Some(Status::Expired));
        assert_eq!(
            o.notices,
            vec![Notice::CodeExpired, Notice::StaffCodeExpired]
        );
        assert!(o.purge, "the dead code's mails are purged");
        for s in [Status::HandedOver, Status::Expired, Status::Approved] {
            assert_eq!(code_expired(s), Err(Refusal::NotNow { status: s }));
        }
    }

    #[test]
    fn the_deadline_reminder_is_for_an_owed_code_only() {
        let d = Utc.with_ymd_and_hms(2026, 12, 18, 10, 0, 0).unwrap();
        let o = deadline(Status::Approved, 10, d).unwrap();
        assert_eq!(
            o.notices,
            vec![Notice::Deadline {
                day: 10,
                deadline: d
            }]
        );
        for s in [Status::CodeReady, Status::HandedOver, Status::AwaitingPhoto] {
            assert_eq!(deadline(s, 10, d), Err(Refusal::NotNow { status: s }));
        }
    }

    #[test]
    fn activation_hands_over_a_ready_code() {
        let o = activated(Status::CodeReady).unwrap();
        assert_eq!((o.status(), o.purge), (Some(Status::HandedOver), true));
        assert_eq!(o.notices, vec![Notice::Parent(ParentNotice::Activated)]);
        assert_eq!(
            activated(Status::HandedOver),
            Err(Refusal::AlreadyDone {
                status: Status::HandedOver
            })
        );
        assert_eq!(
            activated(Status::Approved),
            Err(Refusal::NotNow {
                status: Status::Approved
            })
        );
    }
}
