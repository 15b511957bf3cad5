//! Every staff command in the states where it acts, is already done, or
//! is not possible now.

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
        (Status::CodeReady, true, false, "code_replaced")
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
