//! Never answer a robot: its photos count, its sender hears
//! nothing, the secretary learns why.

use super::*;

fn decide_quiet(
    w: &World,
    m: &IncomingMail,
    reply_to_ours: bool,
    robot: Option<RobotReason>,
    last_reply: bool,
) -> Decision {
    let ctx = Context {
        open_apps: &w.apps,
        sender_is_parent: true,
        reply_to_ours,
        too_large: None,
        staff: &w.staff,
        policy: &w.policy,
        robot,
        last_reply,
    };
    decide(m, &ctx)
}

fn photo_mail() -> IncomingMail {
    mail(
        "mama@example.pl",
        "Legitymacja",
        vec![("lucja_zak.jpg", jpeg(354, 496))],
    )
}

#[test]
fn a_robot_s_photo_is_recorded_but_nobody_is_answered() {
    let w = World::new(vec![lucja()]);
    let mut m = photo_mail();
    m.robot = Some(RobotReason::AutoReplyHeader);
    let d = decide_quiet(&w, &m, false, None, false);
    assert!(matches!(
        d.photos[..],
        [PhotoDecision::Accepted {
            application_id: 1,
            ..
        }]
    ));
    assert!(!d.reply_to_parent);
    assert_eq!(
        (d.disposition, d.human, d.robot),
        (
            Disposition::NeedsHuman,
            Some(HumanReason::Robot),
            Some(RobotReason::AutoReplyHeader)
        )
    );
}

#[test]
fn past_the_cap_a_question_goes_to_the_secretary_unanswered() {
    let w = World::new(vec![lucja()]);
    let question = mail("mama@example.pl", "Pytanie o legitymację", vec![]);
    let d = decide_quiet(&w, &question, false, Some(RobotReason::ReplyCap), false);
    assert_eq!(
        (d.disposition, d.reply_to_parent, d.human, d.robot),
        (
            Disposition::NeedsHuman,
            false,
            Some(HumanReason::Robot),
            Some(RobotReason::ReplyCap)
        )
    );
    // Unrelated mail stays unread, cap or not.
    let other = mail("mama@example.pl", "Wycieczka", vec![]);
    let d = decide_quiet(&w, &other, false, Some(RobotReason::Repeated), false);
    assert_eq!(d, Decision::ignore());
}

#[test]
fn a_loop_reason_from_intake_silences_even_a_person_s_photo() {
    let w = World::new(vec![lucja()]);
    let d = decide_quiet(&w, &photo_mail(), false, Some(RobotReason::Loop), true);
    assert!(!d.reply_to_parent && !d.last_notice);
    assert_eq!(d.robot, Some(RobotReason::Loop));
    assert_eq!(d.disposition, Disposition::NeedsHuman);
}

#[test]
fn the_reply_that_reaches_the_cap_is_the_last_notice() {
    let w = World::new(vec![lucja()]);
    let d = decide_quiet(&w, &photo_mail(), false, None, true);
    assert!(d.reply_to_parent && d.last_notice);
    assert_eq!(d.disposition, Disposition::Processed);
    let d = decide_quiet(&w, &photo_mail(), false, None, false);
    assert!(d.reply_to_parent && !d.last_notice);
}

#[test]
fn a_robot_without_a_photo_answering_ours_is_shown_with_its_reason() {
    let w = World::new(vec![lucja()]);
    let mut m = mail("mama@example.pl", "Re: Legitymacja", vec![]);
    m.robot = Some(RobotReason::EmptyReturnPath);
    let d = decide_quiet(&w, &m, true, None, false);
    assert_eq!(
        (d.disposition, d.reply_to_parent, d.human, d.robot),
        (
            Disposition::NeedsHuman,
            false,
            Some(HumanReason::AutoReply),
            Some(RobotReason::EmptyReturnPath)
        )
    );
}

#[test]
fn a_robot_s_mail_that_does_not_concern_mleg_is_left_alone() {
    let w = World::new(vec![lucja()]);
    // A newsletter that even mentions mLegitymacja, a stranger's
    // out-of-office reply, a `noreply@` order confirmation: the secretary's.
    for (from, subject, reason) in [
        (
            "kuratorium@example.pl",
            "Biuletyn: mLegitymacja w nowym roku",
            RobotReason::MailingList,
        ),
        (
            "ktos@example.pl",
            "Nieobecność",
            RobotReason::AutoReplyHeader,
        ),
        (
            "noreply@sklep.example.pl",
            "Potwierdzenie zamówienia",
            RobotReason::RobotSender,
        ),
        ("szkola@szkola.test", "Notatka", RobotReason::OwnMail),
    ] {
        let mut m = mail(from, subject, vec![]);
        m.robot = Some(reason);
        assert_eq!(
            w.decide_with(&m, false, false),
            Decision::ignore(),
            "{subject}"
        );
        // Even a picture does not make it mleg's when it names nobody
        // registered and does not come from a parent.
        m.images = mail(from, subject, vec![("wykres.jpg", jpeg(354, 496))]).images;
        assert_eq!(
            w.decide_with(&m, false, false),
            Decision::ignore(),
            "{subject}"
        );
    }
}

#[test]
fn a_robot_s_mail_with_a_registered_student_s_photo_is_still_mleg_s() {
    let w = World::new(vec![lucja()]);
    let mut m = mail(
        "noreply@skaner.example.pl",
        "Skan",
        vec![("Łucja Żak.jpg", jpeg(354, 496))],
    );
    m.robot = Some(RobotReason::RobotSender);
    let d = w.decide_with(&m, false, false);
    assert_eq!(d.disposition, Disposition::NeedsHuman);
    assert!(!d.reply_to_parent);
    assert!(matches!(d.photos[..], [PhotoDecision::Held { .. }]));
}

#[test]
fn an_answer_to_our_mail_without_photo_or_command_is_not_answered() {
    let w = World::new(vec![lucja()]);
    // No robot headers at all: a broken auto-responder, or a "thank you".
    let m = mail("mama@example.pl", "Re: Re: Legitymacja", vec![]);
    let d = w.decide_with(&m, true, true);
    assert_eq!(
        (d.disposition, d.reply_to_parent, d.human),
        (
            Disposition::NeedsHuman,
            false,
            Some(HumanReason::ReplyToOurs)
        )
    );
    // The same words as a fresh mail are a question: answered as before.
    let d = w.decide_with(&m, true, false);
    assert!(d.reply_to_parent);
    assert_eq!(d.human, Some(HumanReason::NoPhoto));
}
