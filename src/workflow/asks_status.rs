//! Does a mail ask where the mLegitymacja stands? "STATUS", "STAN", "jaki
//! jest status", "co z legitymacją", "czy zdjęcie dotarło" — in the subject
//! or the mail's own first line, with or without Polish letters.

use crate::domain::fold;

/// Whole subjects or first lines that are the question by themselves.
const WORDS: &[&str] = &["status", "stan", "status?", "stan?"];
/// Phrases that ask it anywhere in the subject or the first line.
const PHRASES: &[&str] = &[
    "jaki jest status",
    "jaki jest stan",
    "co z legitymacja",
    "co z mlegitymacja",
    "czy zdjecie dotarlo",
    "czy zdjecie doszlo",
    "czy otrzymali panstwo zdjecie",
    "na jakim etapie",
    "status legitymacji",
    "status mlegitymacji",
    "status wniosku",
    "what is the status",
];

/// Whether `subject` or `own_first_line` (the mail's own text, without what
/// it quotes) asks for the status.
pub fn asks_status(subject: &str, own_first_line: &str) -> bool {
    [subject, own_first_line].iter().any(|t| {
        let folded = fold(t);
        let words: Vec<&str> = folded
            .split(|c: char| !c.is_alphanumeric() && c != '?')
            .filter(|w| !w.is_empty())
            .collect();
        let bare = words.join(" ");
        let bare = bare
            .trim_start_matches("re ")
            .trim_start_matches("odp ")
            .trim_end_matches('?')
            .trim();
        WORDS.contains(&bare) || PHRASES.iter().any(|p| bare.contains(p))
    })
}

#[cfg(test)]
mod tests {
    use super::asks_status;

    #[test]
    fn the_ways_parents_ask() {
        for (subject, line) in [
            ("STATUS", ""),
            ("Stan", ""),
            ("Re: status", ""),
            ("pytanie", "Jaki jest status legitymacji Ani?"),
            ("mLegitymacja", "co z legitymacją?"),
            ("Zdjęcie", "Czy zdjęcie dotarło?"),
            ("", "czy zdjecie doszlo"),
        ] {
            assert!(asks_status(subject, line), "{subject:?} {line:?}");
        }
        for (subject, line) in [
            ("legitymacja", "W załączniku zdjęcie."),
            ("Stanisław", ""),
            ("Wycieczka", "Stan pogody na jutro"),
        ] {
            assert!(!asks_status(subject, line), "{subject:?} {line:?}");
        }
    }
}
