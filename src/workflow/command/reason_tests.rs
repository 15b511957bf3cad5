//! Reasons that span several lines: a mail client wraps a
//! long `NIE: …` and the parent must still get all of it.

use super::*;

fn reason_of(text: &str) -> Option<String> {
    match parse_reply(text, None) {
        ParsedReply::Command(
            StaffCommand::Reject { reason }
            | StaffCommand::RejectPhoto { reason }
            | StaffCommand::Cancel { reason },
        ) => Some(reason),
        _ => None,
    }
}

#[test]
fn a_reason_goes_on_until_the_blank_line_before_the_signature() {
    let text = "NIE: line one\nline two\n\n--\nAnna";
    assert_eq!(reason_of(text).as_deref(), Some("line one line two"));
}

#[test]
fn every_reason_command_reads_the_wrapped_lines() {
    for keyword in ["NIE:", "ZDJĘCIE:", "ANULUJ", "odrzuć:", "CANCEL"] {
        let text = format!("{keyword} tło jest\nniejednolite i ciemne\n\nAnna Nowak");
        assert_eq!(
            reason_of(&text).as_deref(),
            Some("tło jest niejednolite i ciemne"),
            "{keyword}"
        );
    }
}

#[test]
fn a_reason_ends_at_a_valediction_a_quote_or_a_phone_signature() {
    let signed = "NIE: zdjęcie\nnieaktualne\nPozdrawiam\nAnna";
    assert_eq!(reason_of(signed).as_deref(), Some("zdjęcie nieaktualne"));
    let quoted = "NIE: zdjęcie\nnieaktualne\n> TAK – zatwierdź wniosek\n> NIE <powód>";
    assert_eq!(reason_of(quoted).as_deref(), Some("zdjęcie nieaktualne"));
    let phone = "ZDJĘCIE: rozmazane\nSent from my iPhone\nx";
    assert_eq!(reason_of(phone).as_deref(), Some("rozmazane"));
}

#[test]
fn a_reason_still_has_to_start_on_the_keyword_line_and_is_bounded() {
    assert!(reason_of("NIE\nzdjęcie nieaktualne").is_none());
    let long = format!("NIE: {}", "słowo ".repeat(20).trim_end());
    let wrapped: String = format!("{long}\n{}", "dalej ".repeat(400));
    let reason = reason_of(&wrapped).unwrap();
    assert_eq!(reason.chars().count(), super::reason::MAX_REASON);
}

#[test]
fn a_code_or_approval_ignores_the_lines_below() {
    assert_eq!(
        parse_reply("TAK\ndziękuję", None),
        ParsedReply::Command(StaffCommand::Approve)
    );
}
