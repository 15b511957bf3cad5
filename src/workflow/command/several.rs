//! Several commands in one reply, one per line, read in order.
//!
//! The parent's request mail asks the secretary to confirm with
//! `UNIEWAŻNIJ wniosek rodzica` and, when the parent wants a new one,
//! `PONOWNIE` in the same reply. Any commands may follow each other; each is
//! carried out on the status the one before it left, so the order she wrote
//! is the order they act in. The list ends at the first line that is not a
//! command (a "dziękuję", her name), which is ignored like any text after a
//! command today; `POMOC` there ends it too, since it changes nothing.

use super::{
    ParsedReply, StaffCommand, is_greeting, not_understood, own_text, parse_command,
    reason::continue_reason,
};
use crate::domain::fold;

/// At most this many commands act from one reply (the first included): a
/// pasted list of commands is a mistake, not a plan.
pub const MAX_COMMANDS: usize = 4;

/// A reply's commands: the first (or why there is none) and the command
/// lines below it, to be carried out in order on the same application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub first: ParsedReply,
    /// Empty unless `first` is a command.
    pub then: Vec<StaffCommand>,
}

impl Reply {
    fn one(first: ParsedReply) -> Self {
        Reply {
            first,
            then: Vec::new(),
        }
    }
}

/// Finds the commands in a reply: the first as [`parse_reply`] does, and
/// the command lines right below it (see this module).
pub fn parse_reply_all(text: &str, html: Option<&str>) -> Reply {
    let own = own_text(text, html);
    let lines: Vec<&str> = own.lines().map(str::trim).collect();
    let mut first_greeting = None;
    for (i, &line) in lines.iter().enumerate() {
        if line.is_empty() {
            continue;
        }
        if is_greeting(line) {
            first_greeting.get_or_insert(line);
            continue;
        }
        return match parse_command(line) {
            Some(command) => {
                let (command, used) = continue_reason(command, &lines[i + 1..]);
                let then = following(&lines[i + 1 + used..]);
                Reply {
                    first: ParsedReply::Command(command),
                    then,
                }
            }
            None => Reply::one(not_understood(line)),
        };
    }
    // Only a greeting: she did write something, so ask rather than ignore.
    Reply::one(first_greeting.map_or(ParsedReply::Empty, not_understood))
}

/// The commands on the lines after the first command (and its reason):
/// blank lines between them are skipped.
pub(super) fn following(lines: &[&str]) -> Vec<StaffCommand> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() && out.len() + 1 < MAX_COMMANDS {
        let line = lines[i];
        i += 1;
        if line.is_empty() {
            continue;
        }
        match parse_command(line) {
            Some(StaffCommand::Help) | None => break,
            Some(command) => {
                let (command, used) = continue_reason(command, &lines[i..]);
                i += used;
                out.push(command);
            }
        }
    }
    out
}

/// A line that ends a wrapped reason: a command whose keyword is typed in
/// capitals. Lower-case words go on being the reason ("ponownie złożony
/// wniosek" is a reason's second line, `PONOWNIE` a command).
pub(super) fn is_command_line(line: &str) -> bool {
    let line = line.trim_start_matches(['*', '_']).trim_start();
    let split = line
        .find(|c: char| !c.is_alphanumeric())
        .unwrap_or(line.len());
    let word = &line[..split];
    let capitals = word.chars().any(char::is_alphabetic) && !word.chars().any(char::is_lowercase);
    capitals && super::keyword(&fold(word)).is_some() && parse_command(line).is_some()
}
