//! Every status × event pair of `transition`, written out, and the full
//! outcome (history, notices, code, purge) of each kind of move.

use chrono::{Duration, TimeZone};

use super::*;
use crate::domain::InvalidationReason;
use crate::domain::test_support::{class, email, name, pesel};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap()
}

pub(super) fn application(status: Status) -> Application {
    Application {
        id: 7,
        student_id: 7,
        name: name("Jan", "Kowalski"),
        pesel: pesel(2012, 5, 17, 1234),
        class: class("3a"),
        parent_email: email("rodzic@example.pl"),
        parent_emails: vec![email("rodzic@example.pl")],
        legitymacja_number: None,
        code_to_student: false,
        status,
        token: "0123456789abcdef".into(),
        created_at: now(),
        updated_at: now(),
    }
}

const PORTAL: Rules = Rules {
    process: Process::Portal,
    code_valid_days: 30,
    timezone: chrono_tz::Europe::Warsaw,
};
const SIO: Rules = Rules {
    process: Process::Sio,
    code_valid_days: 30,
    timezone: chrono_tz::Europe::Warsaw,
};

fn staff(command: StaffCommand) -> Event {
    Event::Staff {
        command,
        recorded_code: None,
        complete_at: None,
    }
}

fn code(text: &str) -> StaffCommand {
    StaffCommand::Code {
        code: text.into(),
        generated_at: None,
    }
}

fn why() -> String {
    "tło nie jest jednolite".into()
}

/// What a cell of the table expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    /// Moves to this status.
    To(Status),
    /// Stays, with this history entry (a newer photo under review).
    Note(&'static str),
    AlreadyDone,
    NotNow,
    WrongProcess,
    Help,
}

fn got(status: Status, r: Result<Outcome, Refusal>) -> Want {
    match r {
        Ok(o) => match (o.status(), o.history.first()) {
            (Some(s), _) => Want::To(s),
            (None, Some(Record::Note { kind, .. })) => Want::Note(kind),
            other => panic!("an outcome with no record: {other:?}"),
        },
        Err(Refusal::AlreadyDone { status: s }) => {
            assert_eq!(s, status, "a refusal names the current status");
            Want::AlreadyDone
        }
        Err(Refusal::NotNow { status: s }) => {
            assert_eq!(s, status, "a refusal names the current status");
            Want::NotNow
        }
        Err(Refusal::WrongProcess { .. }) => Want::WrongProcess,
        Err(Refusal::Help) => Want::Help,
        // The table's codes carry no typed time.
        Err(r @ (Refusal::BadIssueTime { .. } | Refusal::PhotoNotKept { .. })) => panic!("{r:?}"),
    }
}

/// The columns of the table, in order.
fn columns() -> Vec<(&'static str, Event, Rules)> {
    let reason = || why();
    vec![
        ("photo", Event::PhotoAccepted, PORTAL),
        ("orphan", Event::OrphanAdopted, PORTAL),
        ("held TAK", Event::HeldPhotoAccepted, PORTAL),
        ("TAK", staff(StaffCommand::Approve), PORTAL),
        (
            "NIE",
            staff(StaffCommand::Reject { reason: reason() }),
            PORTAL,
        ),
        (
            "ZDJĘCIE",
            staff(StaffCommand::RejectPhoto { reason: reason() }),
            PORTAL,
        ),
        ("KOD new", staff(code("NEW12345")), PORTAL),
        (
            "KOD same",
            Event::Staff {
                command: code("OLD12345"),
                recorded_code: Some("OLD12345".into()),
                complete_at: None,
            },
            PORTAL,
        ),
        ("KOD sio", staff(code("NEW12345")), SIO),
        ("WYDANO", staff(StaffCommand::HandedOver), PORTAL),
        ("WPROWADZONO portal", staff(StaffCommand::Entered), PORTAL),
        ("WPROWADZONO sio", staff(StaffCommand::Entered), SIO),
        (
            "ANULUJ",
            staff(StaffCommand::Cancel { reason: reason() }),
            PORTAL,
        ),
        ("POMOC", staff(StaffCommand::Help), PORTAL),
        ("SPRZECIW", staff(StaffCommand::Objection), PORTAL),
        (
            "UNIEWAŻNIJ",
            staff(StaffCommand::Invalidate {
                reason: InvalidationReason::Transfer,
            }),
            PORTAL,
        ),
    ]
}

#[test]
fn every_status_and_event() {
    use Status::*;
    use Want::*;
    let review = AwaitingReview;
    let photo = AwaitingPhoto;
    let done = AlreadyDone;
    let no = NotNow;
    let wp = WrongProcess;
    let h = Help;
    let n = Note("photo_replaced");
    #[rustfmt::skip]
    let inv = To(Invalidated);
    let table: [(Status, [Want; 16]); 10] = [
        //              photo       orphan      held        TAK           NIE            ZDJĘCIE    KOD new        KOD same       KOD sio WYDANO         WPR.p WPR.sio        ANULUJ         POMOC SPRZECIW   UNIEWAŻNIJ
        (
            NotRequested,
            [
                To(review),
                To(review),
                To(review),
                no,
                To(Rejected),
                no,
                no,
                no,
                wp,
                no,
                wp,
                no,
                To(Cancelled),
                h,
                To(Cancelled),
                no,
            ],
        ),
        (
            AwaitingPhoto,
            [
                To(review),
                To(review),
                To(review),
                no,
                To(Rejected),
                done,
                no,
                no,
                wp,
                no,
                wp,
                no,
                To(Cancelled),
                h,
                To(Cancelled),
                no,
            ],
        ),
        (
            AwaitingReview,
            [
                n,
                no,
                n,
                To(Approved),
                To(Rejected),
                To(photo),
                To(CodeReady),
                To(CodeReady),
                wp,
                no,
                wp,
                To(HandedOver),
                To(Cancelled),
                h,
                To(Cancelled),
                no,
            ],
        ),
        (
            Approved,
            [
                no,
                no,
                no,
                done,
                To(Rejected),
                To(photo),
                To(CodeReady),
                To(CodeReady),
                wp,
                no,
                wp,
                To(HandedOver),
                To(Cancelled),
                h,
                To(Cancelled),
                no,
            ],
        ),
        (
            CodeReady,
            [
                no,
                no,
                no,
                done,
                no,
                no,
                To(CodeReady),
                done,
                wp,
                To(HandedOver),
                wp,
                no,
                To(Cancelled),
                h,
                no,
                inv,
            ],
        ),
        (
            HandedOver,
            [
                no, no, no, done, no, no, done, done, wp, done, wp, done, no, h, no, inv,
            ],
        ),
        (
            Expired,
            [
                no,
                no,
                no,
                no,
                To(Rejected),
                To(photo),
                To(CodeReady),
                To(CodeReady),
                wp,
                no,
                wp,
                no,
                To(Cancelled),
                h,
                To(Cancelled),
                inv,
            ],
        ),
        (
            Rejected,
            [
                no, no, no, no, done, no, no, no, wp, no, wp, no, no, h, no, no,
            ],
        ),
        (
            Cancelled,
            [
                no, no, no, no, no, no, no, no, wp, no, wp, no, done, h, done, no,
            ],
        ),
        (
            Invalidated,
            [
                no, no, no, no, no, no, no, no, wp, no, wp, no, no, h, no, done,
            ],
        ),
    ];
    assert_eq!(table.len(), Status::ALL.len(), "a row for every status");
    let columns = columns();
    for (status, row) in table {
        for ((label, event, rules), want) in columns.iter().zip(row) {
            let r = transition(&application(status), event, rules, now());
            assert_eq!(got(status, r), want, "{status} × {label}");
        }
    }
}

#[test]
fn a_parents_photo_goes_to_review_and_the_secretary_is_notified() {
    let o = transition(
        &application(Status::AwaitingPhoto),
        &Event::PhotoAccepted,
        &PORTAL,
        now(),
    )
    .unwrap();
    assert_eq!(
        o.history,
        vec![Record::Status {
            to: Status::AwaitingReview,
            detail: "photo_received".into()
        }]
    );
    assert_eq!(
        o.notices,
        vec![Notice::StaffPhoto {
            kept_before_registration: false
        }]
    );
    assert_eq!((o.code, o.purge), (None, false));
}

#[test]
fn a_newer_photo_under_review_replaces_it_without_a_status_change() {
    let o = transition(
        &application(Status::AwaitingReview),
        &Event::PhotoAccepted,
        &PORTAL,
        now(),
    )
    .unwrap();
    assert_eq!(o.status(), None);
    assert_eq!(
        o.history,
        vec![Record::Note {
            kind: "photo_replaced",
            detail: "newer_photo".into()
        }]
    );
    assert_eq!(
        o.notices,
        vec![Notice::StaffPhoto {
            kept_before_registration: false
        }]
    );
}

#[test]
fn an_adopted_orphan_tells_the_secretary_and_the_parent() {
    let o = transition(
        &application(Status::AwaitingPhoto),
        &Event::OrphanAdopted,
        &PORTAL,
        now(),
    )
    .unwrap();
    assert_eq!(
        o.history,
        vec![Record::Status {
            to: Status::AwaitingReview,
            detail: "orphan_matched".into()
        }]
    );
    assert_eq!(
        o.notices,
        vec![
            Notice::StaffPhoto {
                kept_before_registration: true
            },
            Notice::PhotoMatched
        ]
    );
}

#[test]
fn a_held_photo_accepted_is_the_applications_photo() {
    let o = transition(
        &application(Status::AwaitingPhoto),
        &Event::HeldPhotoAccepted,
        &PORTAL,
        now(),
    )
    .unwrap();
    assert_eq!(
        o.history,
        vec![Record::Status {
            to: Status::AwaitingReview,
            detail: "held_photo_accepted".into()
        }]
    );
    assert_eq!(
        o.notices,
        vec![
            Notice::StaffPhoto {
                kept_before_registration: false
            },
            Notice::HeldSenderAccepted
        ]
    );
    let o = transition(
        &application(Status::AwaitingReview),
        &Event::HeldPhotoAccepted,
        &PORTAL,
        now(),
    )
    .unwrap();
    assert_eq!(
        o.history,
        vec![Record::Note {
            kind: "photo_replaced",
            detail: "held_photo_accepted".into()
        }]
    );
    assert_eq!(
        o.notices,
        vec![
            Notice::StaffPhoto {
                kept_before_registration: false
            },
            Notice::HeldSenderAccepted
        ]
    );
}

#[test]
fn a_code_on_review_approves_first_then_records_the_code_purges_and_sends_a_slip() {
    let o = transition(
        &application(Status::AwaitingReview),
        &staff(code("AB12CD34")),
        &PORTAL,
        now(),
    )
    .unwrap();
    assert_eq!(
        o.history,
        vec![
            Record::Status {
                to: Status::Approved,
                detail: "implicit_approval".into()
            },
            Record::Status {
                to: Status::CodeReady,
                detail: String::new()
            },
        ]
    );
    assert_eq!(
        o.notices,
        vec![Notice::Parent(ParentNotice::CodeReady), Notice::Slip]
    );
    assert!(o.purge);
    assert_eq!(o.detail, "implicit_approval");
    let c = o.code.unwrap();
    assert_eq!(
        (c.code.as_str(), c.generated_at, c.expires_at),
        ("AB12CD34", now(), now() + Duration::days(30))
    );
}

#[test]
fn a_corrected_code_replaces_the_old_one_without_a_purge() {
    let o = transition(
        &application(Status::CodeReady),
        &Event::Staff {
            command: code("NEW12345"),
            recorded_code: Some("OLD12345".into()),
            complete_at: None,
        },
        &PORTAL,
        now(),
    )
    .unwrap();
    assert_eq!(
        o.history,
        vec![Record::Status {
            to: Status::CodeReady,
            detail: String::new()
        }]
    );
    assert_eq!(
        o.notices,
        vec![Notice::Parent(ParentNotice::CodeReady), Notice::Slip]
    );
    assert_eq!((o.purge, o.detail.as_str()), (false, "code_replaced"));
}

#[test]
fn a_reason_goes_to_the_history_the_parent_and_the_audit() {
    let o = transition(
        &application(Status::Approved),
        &staff(StaffCommand::RejectPhoto { reason: why() }),
        &PORTAL,
        now(),
    )
    .unwrap();
    assert_eq!(
        o.history,
        vec![Record::Status {
            to: Status::AwaitingPhoto,
            detail: why()
        }]
    );
    assert_eq!(
        o.notices,
        vec![Notice::Parent(ParentNotice::NewPhotoNeeded {
            reason: why()
        })]
    );
    assert_eq!((o.purge, o.detail), (true, why()));
}

#[test]
fn handing_over_purges_and_tells_nobody_but_sio_entry_tells_the_parent() {
    let o = transition(
        &application(Status::CodeReady),
        &staff(StaffCommand::HandedOver),
        &PORTAL,
        now(),
    )
    .unwrap();
    assert_eq!((o.notices, o.purge), (vec![], true));
    let o = transition(
        &application(Status::Approved),
        &staff(StaffCommand::Entered),
        &SIO,
        now(),
    )
    .unwrap();
    assert_eq!(
        (o.status(), o.notices, o.purge, o.code),
        (
            Some(Status::HandedOver),
            vec![Notice::Parent(ParentNotice::SioEntered)],
            true,
            None
        )
    );
}

#[test]
fn approve_and_cancel_tell_the_parent() {
    let o = transition(
        &application(Status::AwaitingReview),
        &staff(StaffCommand::Approve),
        &PORTAL,
        now(),
    )
    .unwrap();
    assert_eq!(
        (o.notices, o.purge),
        (vec![Notice::Parent(ParentNotice::Approved)], false)
    );
    let o = transition(
        &application(Status::CodeReady),
        &staff(StaffCommand::Cancel { reason: why() }),
        &PORTAL,
        now(),
    )
    .unwrap();
    assert_eq!(
        (o.notices, o.purge),
        (
            vec![Notice::Parent(ParentNotice::Cancelled { reason: why() })],
            true
        )
    );
}

#[test]
fn an_objection_cancels_purges_and_tells_the_parent_how_to_withdraw() {
    let o = transition(
        &application(Status::Approved),
        &staff(StaffCommand::Objection),
        &PORTAL,
        now(),
    )
    .unwrap();
    assert_eq!(o.status(), Some(Status::Cancelled));
    assert!(o.purge);
    assert_eq!(o.notices, vec![Notice::Parent(ParentNotice::Objected)]);
    assert_eq!(o.detail, "objection");
}

#[test]
fn a_paper_request_opens_only_a_student_not_requested_yet() {
    let o = transition(
        &application(Status::NotRequested),
        &Event::PaperRequest,
        &PORTAL,
        now(),
    )
    .unwrap();
    assert_eq!(o.status(), Some(Status::AwaitingPhoto));
    assert!(o.notices.is_empty() && !o.purge);
    for status in Status::ALL
        .into_iter()
        .filter(|s| *s != Status::NotRequested)
    {
        assert_eq!(
            transition(&application(status), &Event::PaperRequest, &PORTAL, now()),
            Err(Refusal::NotNow { status }),
            "{status}"
        );
    }
}

#[test]
fn an_invalidation_tells_the_parent_why_purges_and_records_the_reason_id() {
    let o = transition(
        &application(Status::HandedOver),
        &staff(StaffCommand::Invalidate {
            reason: InvalidationReason::NameChange,
        }),
        &PORTAL,
        now(),
    )
    .unwrap();
    assert_eq!(
        o.history,
        vec![Record::Status {
            to: Status::Invalidated,
            detail: "name_change".into()
        }]
    );
    assert_eq!(
        o.notices,
        vec![Notice::Parent(ParentNotice::Invalidated {
            reason: InvalidationReason::NameChange
        })]
    );
    assert!(o.purge);
    assert_eq!(o.code, None);
}

#[test]
fn ponownie_is_allowed_after_invalidated_expired_or_handed_over_and_once() {
    for status in Status::ALL {
        let r = transition(
            &application(status),
            &Event::Reissue {
                reissued_as: None,
                keep_photo: None,
            },
            &PORTAL,
            now(),
        );
        assert_eq!(r.is_ok(), status.may_be_reissued(), "{status}");
        if let Ok(o) = r {
            assert_eq!(o.status(), None, "{status}: the old one keeps its status");
            assert!(!o.purge && o.notices.is_empty());
        }
    }
    let again = transition(
        &application(Status::Invalidated),
        &Event::Reissue {
            reissued_as: Some(9),
            keep_photo: None,
        },
        &PORTAL,
        now(),
    );
    assert_eq!(
        again,
        Err(Refusal::AlreadyDone {
            status: Status::Invalidated
        })
    );
}

#[test]
fn a_reissue_asks_the_parent_for_a_photo_and_a_superseded_one_is_invalidated_quietly() {
    let opened = transition(
        &application(Status::AwaitingPhoto),
        &Event::ReissueOpened {
            of: 3,
            in_wave: false,
        },
        &PORTAL,
        now(),
    )
    .unwrap();
    assert_eq!(
        opened.notices,
        vec![Notice::Parent(ParentNotice::ReissuePhotoNeeded)]
    );
    let old = transition(
        &application(Status::HandedOver),
        &Event::Superseded,
        &PORTAL,
        now(),
    )
    .unwrap();
    assert_eq!(old.status(), Some(Status::Invalidated));
    assert!(old.notices.is_empty(), "the family has the new one");
    assert!(old.purge);
    for status in [Status::CodeReady, Status::Expired, Status::Invalidated] {
        assert!(transition(&application(status), &Event::Superseded, &PORTAL, now()).is_err());
    }
}

#[test]
fn a_reissue_the_wave_opens_mails_nobody_itself() {
    let opened = transition(
        &application(Status::AwaitingPhoto),
        &Event::ReissueOpened {
            of: 3,
            in_wave: true,
        },
        &PORTAL,
        now(),
    )
    .unwrap();
    assert!(
        opened.notices.is_empty(),
        "the wave writes one mail a family"
    );
    assert_eq!(opened.status(), None);
}
