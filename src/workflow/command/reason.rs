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
/// on until the first blank line, or a line that is a command of its own in
/// capitals (`ANULUJ …` then `PONOWNIE`); own text already ends at a
/// signature, and a quote in between shows up as a blank line. The lines are
/// joined with spaces; the reason still has to start on the keyword's line.
/// Returns the command and how many of `following` it took.
pub(super) fn continue_reason(command: StaffCommand, following: &[&str]) -> (StaffCommand, usize) {
    let taken = following
        .iter()
        .take_while(|l| !l.is_empty() && !super::several::is_command_line(l))
        .count();
    let extend = |mut reason: String| {
        for line in &following[..taken] {
            if reason.chars().count() >= MAX_REASON {
                break;
            }
            reason.push(' ');
            reason.push_str(line);
        }
        reason.chars().take(MAX_REASON).collect()
    };
    match command {
        StaffCommand::Reject { reason } => (
            StaffCommand::Reject {
                reason: extend(reason),
            },
            taken,
        ),
        StaffCommand::RejectPhoto { reason } => (
            StaffCommand::RejectPhoto {
                reason: extend(reason),
            },
            taken,
        ),
        StaffCommand::Cancel { reason } => (
            StaffCommand::Cancel {
                reason: extend(reason),
            },
            taken,
        ),
        other => (other, 0),
    }
}
