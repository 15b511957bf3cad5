//! Message-IDs as a purge must treat them: normalised, compared exactly, and
//! judged safe or not to search for.
//!
//! IMAP `SEARCH HEADER` is a case-insensitive substring match (RFC 3501
//! §6.4.4): searching for `@` finds every mail. So a purge never trusts a
//! search hit; it reads the hit's own Message-ID header and expunges only an
//! exact match ([`same`]). Ids a stranger can shape into a dangerous search
//! (short, no `@`, control or non-ASCII characters, quotes) are never sent
//! to the server at all ([`searchable`]).

/// Ids shorter than this are never searched for: too likely a substring of others.
pub const MIN_SEARCH_LEN: usize = 6;

/// Trims the id and removes one pair of angle brackets around it.
pub fn normalise(id: &str) -> &str {
    let id = id.trim();
    id.strip_prefix('<')
        .and_then(|s| s.strip_suffix('>'))
        .unwrap_or(id)
}

/// Whether two Message-IDs name the same mail: equal after [`normalise`],
/// the local part exactly, the domain (after the last `@`) ignoring ASCII case.
pub fn same(a: &str, b: &str) -> bool {
    // Unfolded (RFC 5322 §2.2.3: a folding line break is simply removed),
    // as an id recorded from a folded header may still hold the CRLF.
    let unfold = |s: &str| s.replace(['\r', '\n'], "");
    let (a, b) = (unfold(a), unfold(b));
    let (a, b) = (normalise(&a), normalise(&b));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    match (a.rsplit_once('@'), b.rsplit_once('@')) {
        (Some((la, da)), Some((lb, db))) => la == lb && da.eq_ignore_ascii_case(db),
        _ => a == b,
    }
}

/// Whether `id` may be put in an IMAP search: at least [`MIN_SEARCH_LEN`]
/// characters, a non-empty local part and domain around an `@`, and only
/// printable ASCII without quotes or backslashes (nothing that could end the
/// quoted search string or fold the command line).
pub fn searchable(id: &str) -> bool {
    let id = normalise(id);
    let printable = id
        .bytes()
        .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\');
    let parts = id
        .rsplit_once('@')
        .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty());
    id.len() >= MIN_SEARCH_LEN && printable && parts
}

/// The Message-ID values in a raw header block (as returned for
/// `BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]`), unfolded and normalised.
pub fn header_values(raw: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(raw);
    // Unfold: a line break followed by white space continues the field.
    let unfolded = text.replace("\r\n", "\n");
    let mut fields: Vec<String> = Vec::new();
    for line in unfolded.split('\n') {
        match (line.starts_with([' ', '\t']), fields.last_mut()) {
            (true, Some(last)) => last.push_str(line),
            _ => fields.push(line.to_owned()),
        }
    }
    fields
        .iter()
        .filter_map(|f| {
            let (name, value) = f.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("message-id")
                .then(|| normalise(value).to_owned())
        })
        .collect()
}

/// Whether a mail whose header block is `raw` is exactly the mail `id`: it
/// has a Message-ID and every Message-ID field in it is the same as `id` (a
/// mail with a second, different Message-ID is not taken for it).
pub fn header_matches(raw: &[u8], id: &str) -> bool {
    let values = header_values(raw);
    !values.is_empty() && values.iter().all(|v| same(v, id))
}

/// The id as it may be shown in a mail to the secretary: control characters
/// replaced, length capped.
pub fn for_display(id: &str) -> String {
    let shown: String = normalise(id)
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .take(200)
        .collect();
    format!("<{shown}>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_trims_and_removes_one_pair_of_brackets() {
        assert_eq!(normalise("  <a@szkola.test> "), "a@szkola.test");
        assert_eq!(normalise("a@szkola.test"), "a@szkola.test");
        assert_eq!(normalise("<<a@b.pl>>"), "<a@b.pl>");
        assert_eq!(normalise("<@>"), "@");
        assert_eq!(normalise("<abc"), "<abc");
    }

    #[test]
    fn same_is_exact_except_for_the_domain_case() {
        assert!(same("<a@szkola.test>", "a@szkola.test"));
        assert!(same("a@SZKOLA.test", "a@szkola.test"));
        assert!(
            !same("A@szkola.test", "a@szkola.test"),
            "local part is exact"
        );
        assert!(
            !same("xa@szkola.test", "a@szkola.test"),
            "no substring match"
        );
        assert!(!same("a@szkola.test.pl", "a@szkola.test"));
        assert!(!same("@", "a@szkola.test"));
        assert!(same("@", "<@>"));
        assert!(!same("", "a@b.pl"));
        assert!(!same("", "<>"));
        assert!(same("ab\r\n cd@szkola.test", "<ab cd@szkola.test>"));
    }

    #[test]
    fn only_safe_ids_are_searched_for() {
        assert!(searchable("<CAKx9f0@mail.gmail.com>"));
        assert!(searchable("mleg.0123456789abcdef@szkola.test"));
        for bad in [
            "",
            "@",
            "<@>",
            "a@b.c",
            "abcdefgh",
            "@szkola.test",
            "abcdef@",
            "ab cd@szkola.test",
            "ab\r\n cd@szkola.test",
            "abc\"@szkola.test",
            "abc\\@szkola.test",
            "zażółć@szkola.test",
            "abc\t@szkola.test",
            "abc\u{7f}@szkola.test",
        ] {
            assert!(!searchable(bad), "{bad:?} must not be searched for");
        }
    }

    #[test]
    fn header_values_unfold_and_find_every_message_id_field() {
        let raw = b"Message-ID:\r\n <a@szkola.test>\r\n\r\n";
        assert_eq!(header_values(raw), vec!["a@szkola.test"]);
        let raw = b"message-id: <a@szkola.test>\r\nMessage-Id: <b@szkola.test>\r\n";
        assert_eq!(header_values(raw), vec!["a@szkola.test", "b@szkola.test"]);
        assert!(header_values(b"Subject: x\r\n\r\n").is_empty());
    }

    #[test]
    fn a_header_matches_only_when_every_id_in_it_is_the_one() {
        assert!(header_matches(
            b"Message-ID: <a@szkola.test>\r\n",
            "a@szkola.test"
        ));
        assert!(!header_matches(
            b"Message-ID: <xa@szkola.test>\r\n",
            "a@szkola.test"
        ));
        assert!(!header_matches(b"Message-ID: <a@szkola.test>\r\n", "@"));
        assert!(!header_matches(b"\r\n", "a@szkola.test"));
        let two = b"Message-ID: <a@szkola.test>\r\nMessage-ID: <b@szkola.test>\r\n";
        assert!(!header_matches(two, "a@szkola.test"));
    }

    #[test]
    fn display_removes_control_characters_and_caps_the_length() {
        assert_eq!(for_display("a\r\n@b"), "<a??@b>");
        assert_eq!(for_display(&"x".repeat(500)).len(), 202);
    }
}
