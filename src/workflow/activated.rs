//! A parent's `AKTYWOWANO` / `ACTIVATED` (pure): is the mail's own first
//! line the activation word? `intake::activated` acts on it when a
//! registered parent answers the application's mail (e-mail delivery);
//! anywhere else [`super::decide`] files it for the secretary without an
//! answer — never the "please send a photo" reply.

use super::command::own_text;

/// The words a parent replies with, compared upper-case without a final
/// full stop or exclamation mark.
const WORDS: &[&str] = &["AKTYWOWANO", "ACTIVATED"];

/// Is the mail's own first line (quotes and signatures removed) the
/// activation word alone?
pub fn says_activated(text: &str, html: Option<&str>) -> bool {
    let own = own_text(text, html);
    own.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(|l| l.trim_end_matches(['.', '!']).trim().to_uppercase())
        .is_some_and(|w| WORDS.contains(&w.as_str()))
}

#[cfg(test)]
mod tests {
    use super::says_activated;

    #[test]
    fn the_first_own_line_must_be_the_word_alone() {
        assert!(says_activated(
            "Aktywowano.\r\n\r\n> Kod jest ważny do…",
            None
        ));
        assert!(says_activated("\r\nACTIVATED!\r\n", None));
        assert!(says_activated("", Some("<div>aktywowano</div>")));
        assert!(!says_activated(
            "Jeszcze nie aktywowano, kod nie działa",
            None
        ));
        assert!(!says_activated("Dzień dobry, czy kod jest ważny?", None));
        assert!(
            !says_activated("> AKTYWOWANO", None),
            "a quote is not the parent's word"
        );
    }
}
