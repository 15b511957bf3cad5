//! A reason that goes on over several lines.
//!
//! Thunderbird and phones wrap a long `NIE: …` (and format=flowed joining
//! does not help when she pressed Enter herself), so a reason does not end
//! at the first line break: it ends at the first blank line, quote or
//! signature. Own text (see the parent module) already ends at a signature.

use super::StaffCommand;

/// A reason is passed on to the parent; a paragraph is plenty, a pasted
/// page is cut here.
pub(super) const MAX_REASON: usize = 1000;

/// A reason her mail client wrapped (or she broke) over several lines goes
/// on until the first blank line; own text already ends at a signature, and a
/// quote in between shows up as a blank line. The lines are joined with
/// spaces; the reason still has to start on the keyword's line.
pub(super) fn continue_reason(command: StaffCommand, following: &[&str]) -> StaffCommand {
    let extend = |mut reason: String| {
        for line in following.iter().take_while(|l| !l.is_empty()) {
            if reason.chars().count() >= MAX_REASON {
                break;
            }
            reason.push(' ');
            reason.push_str(line);
        }
        reason.chars().take(MAX_REASON).collect()
    };
    match command {
        StaffCommand::Reject { reason } => StaffCommand::Reject {
            reason: extend(reason),
        },
        StaffCommand::RejectPhoto { reason } => StaffCommand::RejectPhoto {
            reason: extend(reason),
        },
        StaffCommand::Cancel { reason } => StaffCommand::Cancel {
            reason: extend(reason),
        },
        other => other,
    }
}
