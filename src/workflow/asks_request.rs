//! Does a parent's mail ask the school to invalidate the mLegitymacja (a
//! lost, stolen or broken phone, opting out), for a new one, or object to
//! it? Everyday Polish, with or without Polish letters, any case.
//!
//! Read from the subject and the mail's own text (without what it quotes,
//! so a reply to one of mleg's mails is judged by what the parent wrote).
//! Phone words alone do not count: "syn zgubił telefon na WF-ie" is a
//! question for the school, not a request about the mLegitymacja, so the
//! mail must also name the mLegitymacja (or mObywatel) somewhere. A missed
//! request costs little: a registered parent's mail without a photo still
//! reaches the secretary. A false one would send the parent a receipt for a
//! request they never made. Only "unieważnienie" is specific enough alone.

use crate::domain::fold;

/// What the parent asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    /// A lost or stolen phone (or paper card).
    Lost,
    /// A broken or badly working phone.
    Damaged,
    /// The family no longer wants the mLegitymacja.
    OptOut,
    /// "Please invalidate / cancel it" without saying why.
    Invalidate,
    /// An objection to issuing an mLegitymacja at all.
    Objection,
    /// The objection on file is withdrawn.
    WithdrawObjection,
}

impl RequestKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::Lost => "lost",
            RequestKind::Damaged => "damaged",
            RequestKind::OptOut => "opt_out",
            RequestKind::Invalidate => "invalidate",
            RequestKind::Objection => "objection",
            RequestKind::WithdrawObjection => "withdraw_objection",
        }
    }
}

/// A parent's request, as read from their mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParentRequest {
    pub kind: RequestKind,
    /// They also want a new one (a new phone, "ponowne wydanie").
    pub new_one: bool,
    /// The mail names the mLegitymacja (or mObywatel). Without it only
    /// "unieważnienie" counts, and only from a registered parent: from
    /// anyone else it may be about a contract, and the school's mailbox
    /// stays the school's.
    pub named: bool,
}

/// Words naming the mLegitymacja; one must appear for most phrases to count.
const CONTEXT: &[&str] = &["legitymac", "mobywatel", "m-legitymac"];
/// A phone (or the card itself) that was lost or stolen.
const LOST: &[&str] = &[
    "zgubion",
    "zgubil",
    "zgubien",
    "zgubic",
    "utrata",
    "utraty",
    "utracil",
    "utracon",
    "skradzion",
    "ukradzion",
    "ukradl",
    "ukradli",
    "kradziez",
    "zaginal",
    "zaginion",
];
const DAMAGED: &[&str] = &[
    "zepsut",
    "zepsul",
    "uszkodzon",
    "uszkodzil",
    "zniszczon",
    "rozbit",
    "rozbil",
    "nie dziala",
    "zle dziala",
    "niesprawn",
];
/// What was lost or broken: a phone, or the card.
const THINGS: &[&str] = &["telefon", "komork", "smartfon", "legitymac"];
const OPT_OUT: &[&str] = &["rezygnac", "rezygnuj", "nie chcemy", "nie chce juz"];
const INVALIDATE: &[&str] = &["anulowac", "anulowanie", "anulujcie", "prosze anulowac"];
const OBJECTION: &[&str] = &[
    "sprzeciw",
    "nie wyrazam zgody",
    "nie wyrazamy zgody",
    "nie zgadzam sie",
    "nie zgadzamy sie",
];
const WITHDRAW: &[&str] = &["wycofuj", "wycofan", "wycofac", "cofam", "odwoluj"];
const NEW_ONE: &[&str] = &[
    "nowy telefon",
    "nowego telefonu",
    "nowym telefonie",
    "nowa mlegitymac",
    "nowej mlegitymac",
    "nowa legitymac",
    "nowej legitymac",
    "nowy kod",
    "nowego kodu",
    "ponowne wydanie",
    "ponownie wydac",
    "ponownego wydania",
    "wydanie nowej",
];
/// A phone's own signature line ("Wysłane z mojego nowego telefonu") says
/// nothing about a request.
const SIGNATURES: &[&str] = &["wyslane z", "wyslano z", "sent from", "pobierz outlook"];

/// The request `subject` and `own_text` (the mail's text without quotes)
/// make, if any.
pub fn parent_request(subject: &str, own_text: &str) -> Option<ParentRequest> {
    let text = words_of(subject, own_text);
    let has = |list: &[&str]| list.iter().any(|p| text.contains(p));
    let context = has(CONTEXT);
    let new_one = has(NEW_ONE);
    // "Wycofuję sprzeciw" names what it withdraws: no other word needed.
    let kind = if text.contains("sprzeciw") && has(WITHDRAW) {
        RequestKind::WithdrawObjection
    } else if has(OBJECTION) && context {
        RequestKind::Objection
    } else if text.contains("uniewazni") {
        let lost = has(LOST) && has(THINGS);
        match (lost, has(DAMAGED) && has(THINGS)) {
            (true, _) => RequestKind::Lost,
            (false, true) => RequestKind::Damaged,
            _ => RequestKind::Invalidate,
        }
    } else if !context {
        return None;
    } else if has(LOST) && has(THINGS) {
        RequestKind::Lost
    } else if has(DAMAGED) && has(THINGS) {
        RequestKind::Damaged
    } else if has(OPT_OUT) {
        RequestKind::OptOut
    } else if has(INVALIDATE) || new_one {
        RequestKind::Invalidate
    } else {
        return None;
    };
    Some(ParentRequest {
        kind,
        new_one,
        named: context,
    })
}

/// The subject and the own text, folded, as words separated by one space
/// (so phrases match across punctuation and line breaks), signature lines
/// left out.
fn words_of(subject: &str, own_text: &str) -> String {
    let lines = std::iter::once(subject).chain(own_text.lines());
    let mut out = String::from(" ");
    for line in lines {
        let folded = fold(line);
        if SIGNATURES
            .iter()
            .any(|s| folded.trim_start().starts_with(s))
        {
            continue;
        }
        for w in folded.split(|c: char| !c.is_alphanumeric() && c != '-') {
            if !w.is_empty() {
                out.push_str(w);
                out.push(' ');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
