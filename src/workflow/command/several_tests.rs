//! Several command lines in one reply.

use super::*;
use crate::domain::InvalidationReason;

fn all(text: &str) -> (ParsedReply, Vec<StaffCommand>) {
    let r = parse_reply_all(text, None);
    (r.first, r.then)
}

#[test]
fn invalidate_then_reissue_as_the_request_mail_asks() {
    let (first, then) = all("UNIEWAŻNIJ wniosek rodzica\nPONOWNIE\n\nPozdrawiam\nAnna");
    assert_eq!(
        first,
        ParsedReply::Command(StaffCommand::Invalidate {
            reason: InvalidationReason::ParentRequest
        })
    );
    assert_eq!(then, vec![StaffCommand::Reissue { keep_photo: false }]);
}

#[test]
fn commands_may_be_apart_by_blank_lines_and_lower_case() {
    let (_, then) = all("Dzień dobry,\n\nuniewaznij wniosek rodzica\n\nponownie\n");
    assert_eq!(then, vec![StaffCommand::Reissue { keep_photo: false }]);
}

#[test]
fn a_capital_command_ends_a_wrapped_reason() {
    let (first, then) = all("ANULUJ rodzic\nprosi o nowy\nPONOWNIE");
    assert_eq!(
        first,
        ParsedReply::Command(StaffCommand::Cancel {
            reason: "rodzic prosi o nowy".into()
        })
    );
    assert_eq!(then, vec![StaffCommand::Reissue { keep_photo: false }]);
    // In lower case it is part of the reason, as before.
    let (first, then) = all("ANULUJ rodzic\nponownie prosi");
    assert_eq!(
        first,
        ParsedReply::Command(StaffCommand::Cancel {
            reason: "rodzic ponownie prosi".into()
        })
    );
    assert!(then.is_empty());
}

#[test]
fn the_list_ends_at_the_first_line_that_is_not_a_command() {
    let (_, then) = all("WYDANO\ndziękuję\nPONOWNIE");
    assert!(then.is_empty());
    let (_, then) = all("UNIEWAŻNIJ zmiana szkoły\nPOMOC\nPONOWNIE");
    assert!(then.is_empty());
}

#[test]
fn a_quoted_command_is_not_one_of_hers() {
    let text = "UNIEWAŻNIJ wniosek rodzica\n\n> PONOWNIE – wydaj ponownie\n";
    let (_, then) = all(text);
    assert!(then.is_empty());
}

#[test]
fn at_most_four_commands_act() {
    let (_, then) = all("TAK\nWYDANO\nWYDANO\nWYDANO\nWYDANO\nWYDANO");
    assert_eq!(then.len(), several::MAX_COMMANDS - 1);
}

#[test]
fn nothing_follows_what_was_not_understood() {
    let r = parse_reply_all("Proszę o kontakt\nPONOWNIE", None);
    assert!(matches!(r.first, ParsedReply::NotUnderstood { .. }));
    assert!(r.then.is_empty());
}
