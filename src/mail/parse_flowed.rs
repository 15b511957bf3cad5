//! Undoing `format=flowed` (RFC 3676) soft line breaks in a text part.
//!
//! Thunderbird and Apple Mail wrap long lines at about 72 columns and mark
//! each break they made with a trailing space. Left as is, the secretary's
//! `NIE: <a long reason>` reaches the command parser as several lines, so
//! the text is joined back into the lines she typed before anything reads it.
//! mail-parser 0.11 does not do this itself (it only undoes the
//! quoted-printable `=` soft breaks, which are a different thing).

/// The text as typed: flowed lines joined to the next line of the same quote
/// depth. `delsp` is the `DelSp=yes` parameter: the space before the break
/// was added by the client and is deleted when joining.
pub(super) fn unflow(text: &str, delsp: bool) -> String {
    let mut out = String::with_capacity(text.len());
    // The paragraph being joined: its quote depth and text so far.
    let mut open: Option<(usize, String)> = None;
    let body = text.strip_suffix('\n').unwrap_or(text);
    for raw_line in body.split('\n') {
        let line = raw_line.strip_suffix('\r').unwrap_or(raw_line);
        let depth = line.chars().take_while(|&c| c == '>').count();
        // Space-stuffing: one space after the quote marks (or at the start)
        // protects a line starting with a space, ">" or "From ".
        let content = &line[depth..];
        let content = content.strip_prefix(' ').unwrap_or(content);
        let signature = content == "-- ";
        let flowed = !signature && content.ends_with(' ');
        if let Some((open_depth, mut joined)) = open.take() {
            if open_depth == depth && !signature {
                joined.push_str(content);
                finish_or_keep(&mut out, &mut open, depth, joined, flowed, delsp);
                continue;
            }
            // A depth change ends the paragraph: the flowed line counts as fixed.
            push_line(&mut out, open_depth, &joined);
        }
        finish_or_keep(
            &mut out,
            &mut open,
            depth,
            content.to_owned(),
            flowed,
            delsp,
        );
    }
    if let Some((depth, joined)) = open {
        push_line(&mut out, depth, &joined);
    }
    // Every line was pushed with a break; keep the text's own ending.
    if !text.ends_with('\n') {
        out.pop();
    }
    out
}

fn finish_or_keep(
    out: &mut String,
    open: &mut Option<(usize, String)>,
    depth: usize,
    mut line: String,
    flowed: bool,
    delsp: bool,
) {
    if flowed {
        if delsp {
            line.pop();
        }
        *open = Some((depth, line));
    } else {
        push_line(out, depth, &line);
    }
}

fn push_line(out: &mut String, depth: usize, content: &str) {
    if depth > 0 {
        out.push_str(&">".repeat(depth));
        out.push(' ');
    }
    out.push_str(content);
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::unflow;

    #[test]
    fn a_soft_wrapped_paragraph_is_joined_and_a_fixed_line_is_not() {
        let text = "NIE: zdjęcie jest zbyt ciemne, tło nie jest \r\njednolite i \r\nproszę o nowe.\r\n\r\n-- \r\nAnna\r\n";
        assert_eq!(
            unflow(text, false),
            "NIE: zdjęcie jest zbyt ciemne, tło nie jest jednolite i proszę o nowe.\n\n-- \nAnna\n"
        );
    }

    #[test]
    fn delsp_removes_the_space_the_client_added() {
        assert_eq!(unflow("abc \r\ndef\r\n", true), "abcdef\n");
        assert_eq!(unflow("abc \r\ndef\r\n", false), "abc def\n");
    }

    #[test]
    fn quoted_lines_keep_their_depth_and_do_not_join_other_depths() {
        let text = "> TAK – zatwierdź \n> wniosek\n>> stare \nNIE: nowe\n";
        assert_eq!(
            unflow(text, false),
            "> TAK – zatwierdź wniosek\n>> stare \nNIE: nowe\n"
        );
    }

    #[test]
    fn the_signature_separator_is_never_joined_and_stuffing_is_removed() {
        assert_eq!(unflow("tekst \n-- \nAnna", false), "tekst \n-- \nAnna");
        assert_eq!(unflow(" From here\n", false), "From here\n");
    }
}
