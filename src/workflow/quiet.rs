//! A mail that gets no automatic answer: a robot's (RFC 3834), one that loops
//! back to mleg, or one past the per-sender cap. It is still examined like a
//! person's mail — a photo in it is matched, stored and moves the application
//! as usual — but nobody is answered and the mail goes to the secretary with
//! the reason.

use super::{Context, Decision, Disposition, HumanReason};
use crate::domain::mail::{IncomingMail, RobotReason};

/// `decision` without its answer to the sender; `reply_to_ours` says the
/// mail answers one of mleg's.
pub(super) fn without_reply(
    mut decision: Decision,
    reason: RobotReason,
    mail: &IncomingMail,
    reply_to_ours: bool,
) -> Decision {
    if reason.from_headers() && mail.images.is_empty() {
        // A bounce, an out-of-office reply or a list mail without a picture
        // holds no question, but it is filed for a human rather than left
        // unread in the watched folder (issue 9: never answered, always seen).
        // The secretary gets a note only when it answers one of mleg's mails
        // (a parent's auto-reply she may want to know of); a newsletter or a
        // `noreply@` notice is only counted in her digest, so a flood of them
        // never becomes a flood of notes.
        let human = reply_to_ours.then_some(HumanReason::AutoReply);
        return Decision {
            robot: Some(reason),
            human,
            ..Decision::human(HumanReason::AutoReply, false)
        };
    }
    if decision.disposition == Disposition::Ignore {
        return decision;
    }
    decision.reply_to_parent = false;
    decision.last_notice = false;
    decision.disposition = Disposition::NeedsHuman;
    decision.robot = Some(reason);
    if matches!(decision.human, None | Some(HumanReason::NoPhoto)) {
        decision.human = Some(HumanReason::Robot);
    }
    decision
}

/// Marks the answer as the sender's last one within the cap.
pub(super) fn last_notice(mut decision: Decision, ctx: &Context<'_>) -> Decision {
    decision.last_notice = decision.reply_to_parent && ctx.last_reply;
    decision
}
