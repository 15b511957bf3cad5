//! HTML → plain text for replies that come without a usable text/plain part.
//!
//! Not a general HTML parser: a forgiving tag scanner that knows how the
//! common mail clients mark the quoted original, removes it, and renders the
//! rest as lines. The result then goes through the plain-text rules, which
//! catch whatever is left (e.g. Outlook's "Od:/Wysłane:" block when the client
//! did not mark it with an id).

/// Elements whose whole content is removed, including nested same-name
/// elements: the quoted original, its attribution, and signatures.
const QUOTE_CLASSES: &[&str] = &[
    "gmail_quote",
    "gmail_quote_container",
    "gmail_attr",
    "gmail_signature",
    "moz-cite-prefix",
    "moz-signature",
    "yahoo_quoted",
    "protonmail_quote",
];
/// Element ids (substring, case-insensitive: Outlook prefixes `x_` when it
/// re-quotes) after which everything is the quoted original.
const STOP_IDS: &[&str] = &[
    "divrplyfwdmsg",
    "appendonsend",
    "mail-editor-reference-message-container",
    "stopspelling",
];
/// Elements whose contents are never text a human typed.
const RAW_ELEMENTS: &[&str] = &["script", "style", "title", "head"];
const BLOCK_ELEMENTS: &[&str] = &[
    "p", "div", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "pre",
    "section", "article", "header", "footer", "center", "dl", "dt", "dd", "address", "body",
];

/// The own text of an HTML body, one visual line per line.
pub(super) fn to_text(html: &str) -> String {
    let mut out = String::new();
    let mut pos = 0;
    // The element being removed and how deeply it is nested (0: none).
    let mut skip_name = String::new();
    let mut skip_depth = 0usize;
    // Set once a `<head>` had no `</head>`, so repeated ones are not searched
    // for again (that would be quadratic).
    let mut head_unclosed = false;
    while pos < html.len() {
        let Some(lt) = html[pos..].find('<').map(|i| pos + i) else {
            if skip_depth == 0 {
                push_text(&mut out, &html[pos..]);
            }
            break;
        };
        if skip_depth == 0 {
            push_text(&mut out, &html[pos..lt]);
        }
        let rest = &html[lt..];
        if rest.starts_with("<!--") {
            // Comments include Outlook's `<!--[if mso]>…<![endif]-->`.
            pos = rest.find("-->").map_or(html.len(), |i| lt + i + 3);
            continue;
        }
        let Some(tag) = Tag::parse(rest) else {
            // A lone '<' ("a < b") is text.
            if skip_depth == 0 {
                out.push('<');
            }
            pos = lt + 1;
            continue;
        };
        pos = lt + tag.len;
        let is_head = tag.name == "head";
        let opens_raw = !tag.end && !tag.self_closing && RAW_ELEMENTS.contains(&tag.name.as_str());
        if opens_raw && (!is_head || !head_unclosed) {
            let close = format!("</{}", tag.name);
            match find_ignore_case(&html[pos..], &close) {
                Some(i) => pos += i,
                // A missing </head> must not swallow the body; the others
                // hold code, so losing the rest is the safe side.
                None if is_head => head_unclosed = true,
                None => break,
            }
            continue;
        }
        if skip_depth > 0 {
            if tag.name == skip_name {
                if tag.end {
                    skip_depth -= 1;
                } else if !tag.self_closing {
                    skip_depth += 1;
                }
            }
            continue;
        }
        if tag.end {
            line_break(&mut out, &tag.name);
            continue;
        }
        let id = attr(tag.attrs, "id")
            .unwrap_or_default()
            .to_ascii_lowercase();
        if STOP_IDS.iter().any(|s| id.contains(s)) {
            break;
        }
        if !tag.self_closing && is_quote(&tag) {
            skip_name = tag.name;
            skip_depth = 1;
            continue;
        }
        if tag.name == "br" {
            out.push('\n');
        } else {
            line_break(&mut out, &tag.name);
        }
    }
    out
}

/// A line boundary at either end of a block element (but no blank line:
/// only `<br>` makes those, as in a browser), a space between table cells,
/// nothing for inline markup.
fn line_break(out: &mut String, name: &str) {
    if BLOCK_ELEMENTS.contains(&name) {
        if !(out.is_empty() || out.ends_with('\n')) {
            out.push('\n');
        }
    } else if name == "td" || name == "th" {
        out.push(' ');
    }
}

fn is_quote(tag: &Tag<'_>) -> bool {
    tag.name == "blockquote"
        || attr(tag.attrs, "class").is_some_and(|class| {
            class.split_whitespace().any(|token| {
                let token = token.to_ascii_lowercase();
                let mut token = token.as_str();
                while let Some(t) = token.strip_prefix("x_") {
                    token = t;
                }
                QUOTE_CLASSES.contains(&token)
            })
        })
}

struct Tag<'a> {
    /// Lowercase element name (`!doctype`-like declarations keep their `!`/`?`).
    name: String,
    end: bool,
    self_closing: bool,
    attrs: &'a str,
    /// Bytes from '<' through '>'.
    len: usize,
}

impl<'a> Tag<'a> {
    /// `s` starts with '<'. `None` when it does not open a tag.
    fn parse(s: &'a str) -> Option<Self> {
        let after = s.get(1..)?;
        let (end, body) = match after.strip_prefix('/') {
            Some(body) => (true, body),
            None => (false, after),
        };
        let first = body.chars().next()?;
        if !(first.is_ascii_alphabetic() || (!end && matches!(first, '!' | '?'))) {
            return None;
        }
        let len = tag_len(s);
        // Between "<" or "</" and the closing '>' (absent when unterminated).
        let inner_end = if s[..len].ends_with('>') {
            len - 1
        } else {
            len
        };
        let inner = s.get(1 + usize::from(end)..inner_end).unwrap_or_default();
        let name_end = inner
            .find(|c: char| c.is_whitespace() || c == '/')
            .unwrap_or(inner.len());
        let attrs = &inner[name_end..];
        Some(Tag {
            name: inner[..name_end].to_ascii_lowercase(),
            end,
            self_closing: attrs.trim_end().ends_with('/'),
            attrs,
            len,
        })
    }
}

/// Length of the tag starting at `s[0] == '<'`, honouring quoted attribute
/// values (which may contain '>'). An unterminated tag runs to the end.
fn tag_len(s: &str) -> usize {
    let mut quote = None;
    let mut after_eq = false;
    for (i, c) in s.char_indices().skip(1) {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '>' => return i + 1,
            // Only a quote right after '=' opens a value; a stray apostrophe
            // in broken markup must not hide the closing '>'.
            None if after_eq && (c == '"' || c == '\'') => quote = Some(c),
            None => {}
        }
        if !c.is_whitespace() {
            after_eq = c == '=';
        }
    }
    s.len()
}

/// The value of attribute `wanted` (case-insensitive name).
fn attr<'a>(attrs: &'a str, wanted: &str) -> Option<&'a str> {
    let mut s = attrs;
    loop {
        s = s.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
        let first = s.chars().next()?;
        let name_end = s
            .find(|c: char| c.is_whitespace() || c == '=' || c == '/')
            .unwrap_or(s.len());
        if name_end == 0 && first != '=' {
            // Junk such as a stray quote: step over it.
            s = &s[first.len_utf8()..];
            continue;
        }
        let name = &s[..name_end];
        s = s[name_end..].trim_start();
        let mut value = "";
        if let Some(after) = s.strip_prefix('=') {
            let after = after.trim_start();
            match after.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let body = &after[1..];
                    let end = body.find(q).unwrap_or(body.len());
                    value = &body[..end];
                    s = body.get(end + 1..).unwrap_or("");
                }
                _ => {
                    let end = after.find(char::is_whitespace).unwrap_or(after.len());
                    value = &after[..end];
                    s = &after[end..];
                }
            }
        }
        if name.eq_ignore_ascii_case(wanted) {
            return Some(value);
        }
    }
}

fn find_ignore_case(haystack: &str, needle: &str) -> Option<usize> {
    let needle = needle.as_bytes();
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

/// Appends a text node: whitespace collapsed as a browser would, entities
/// decoded.
fn push_text(out: &mut String, raw: &str) {
    let mut chars = raw.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c.is_ascii_whitespace() {
            if !(out.is_empty() || out.ends_with([' ', '\n'])) {
                out.push(' ');
            }
            continue;
        }
        if c == '&' {
            let name = &raw[i + 1..];
            let semicolon = name.char_indices().take(12).find(|&(_, c)| c == ';');
            if let Some((n, _)) = semicolon
                && let Some(decoded) = entity(&name[..n])
            {
                out.push(decoded);
                // Skip the entity name and its ';' (at byte i + 1 + n).
                while chars.next_if(|&(j, _)| j <= i + 1 + n).is_some() {}
                continue;
            }
        }
        out.push(c);
    }
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) if !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit()) => {
                u32::from_str_radix(hex, 16).ok()?
            }
            None if !num.is_empty() && num.chars().all(|c| c.is_ascii_digit()) => {
                num.parse().ok()?
            }
            _ => return None,
        };
        return char::from_u32(code).filter(|&c| c != '\0');
    }
    Some(match name {
        // A non-breaking space is just a space to the reader.
        "nbsp" => ' ',
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "ndash" => '–',
        "mdash" => '—',
        "hellip" => '…',
        "bdquo" => '„',
        "ldquo" => '“',
        "rdquo" => '”',
        "lsquo" => '‘',
        "rsquo" => '’',
        "oacute" => 'ó',
        "Oacute" => 'Ó',
        "aogon" => 'ą',
        "Aogon" => 'Ą',
        "cacute" => 'ć',
        "Cacute" => 'Ć',
        "eogon" => 'ę',
        "Eogon" => 'Ę',
        "lstrok" => 'ł',
        "Lstrok" => 'Ł',
        "nacute" => 'ń',
        "Nacute" => 'Ń',
        "sacute" => 'ś',
        "Sacute" => 'Ś',
        "zacute" => 'ź',
        "Zacute" => 'Ź',
        "zdot" => 'ż',
        "Zdot" => 'Ż',
        _ => return None,
    })
}
