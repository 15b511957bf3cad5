//! A mail that gets no automatic answer: a robot's (RFC 3834), one that loops
//! back to mleg, or one past the per-sender cap.
//!
//! A robot's mail that does not belong to mleg (it answers none of mleg's
//! mails and carries no photo of a registered student or from a registered
//! parent) is the secretary's other work and is left alone. One that does
//! belong is examined like a person's mail — a photo in it is matched,
//! stored and moves the application as usual — but nobody is answered and
//! the mail goes to the secretary with the reason.

use super::{Context, Decision, Disposition, HumanReason};
use crate::domain::mail::{IncomingMail, RobotReason};

/// `decision` without its answer to the sender; `ours` says the mail
/// belongs to mleg at all (see `concerns_mleg`).
pub(super) fn without_reply(
    mut decision: Decision,
    reason: RobotReason,
    mail: &IncomingMail,
    ours: bool,
) -> Decision {
    if reason.from_headers() && !ours {
        // The watched address is usually the secretariat's general one: a
        // newsletter, someone else's out-of-office reply or a `noreply@`
        // order confirmation is her other work. It stays in the inbox as it
        // came, unread, unmoved and uncounted.
        return Decision::ignore();
    }
    if reason.from_headers() && mail.images.is_empty() {
        // Without a photo it can only be ours by answering one of mleg's
        // mails (an out-of-office reply, say): it holds no question, but it
        // is filed for a human, with a note: she may want to know a parent
        // is away.
        return Decision {
            robot: Some(reason),
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

/// Reply and forward prefixes mail programs put before a subject, in the
/// languages a Polish school's mail arrives in (compared without case).
const SUBJECT_PREFIXES: &[&str] = &[
    "re",
    "odp",
    "aw",
    "sv",
    "vs",
    "fwd",
    "fw",
    "pd",
    "wg",
    "tr",
    "rv",
    "odpowiedz",
    "przekaz",
];

/// The subject without any run of reply/forward prefixes (`Re: RE: Odp:
/// AW: Fwd:`, also `Re[2]:`): an auto-responder adds one more at every
/// round, and its copies must still look alike.
pub fn bare_subject(subject: &str) -> &str {
    let mut rest = subject.trim_start();
    loop {
        let Some((head, tail)) = rest.split_once(':') else {
            return rest;
        };
        let word = head.trim_end();
        let word = word
            .strip_suffix(']')
            .and_then(|w| w.rsplit_once('['))
            .filter(|(_, n)| n.bytes().all(|b| b.is_ascii_digit()))
            .map_or(word, |(w, _)| w);
        if !SUBJECT_PREFIXES
            .iter()
            .any(|p| word.eq_ignore_ascii_case(p))
        {
            return rest;
        }
        rest = tail.trim_start();
    }
}

#[cfg(test)]
mod tests {
    use super::bare_subject;

    #[test]
    fn reply_and_forward_prefixes_go_however_many() {
        for (subject, bare) in [
            ("Re: RE: Odp: AW: Fwd: PD: WG: TR: Sv: Urlop", "Urlop"),
            ("re:Re:  re: Out of office", "Out of office"),
            ("Re[3]: legitymacja", "legitymacja"),
            ("Odp: Re: Zdjęcie: Jan", "Zdjęcie: Jan"),
            ("Temat: re", "Temat: re"),
            ("", ""),
            ("Re:", ""),
        ] {
            assert_eq!(bare_subject(subject), bare, "{subject:?}");
        }
    }
}
