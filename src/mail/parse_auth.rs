//! Who sent a mail, as far as a staff command must know: whether it names
//! exactly one sender, and what the receiving server's
//! `Authentication-Results` (RFC 8601) say of it.
//!
//! `From` is whatever the sender typed. A command from the secretariat's
//! address is only as trustworthy as the receiving server's verdict on it
//! (DMARC, or DKIM signed by the From domain); this module reads those
//! verdicts, the caller decides which server it trusts.

use mail_parser::{Address, HeaderName, HeaderValue, MessagePart};

use crate::domain::mail::AuthResults;

/// Several `From` fields, or several addresses in one.
pub(super) fn from_ambiguous(root: &MessagePart<'_>) -> bool {
    let fields: Vec<&HeaderValue<'_>> = root
        .headers
        .iter()
        .filter(|h| h.name == HeaderName::From)
        .map(|h| &h.value)
        .collect();
    let addresses = |v: &HeaderValue<'_>| match v {
        HeaderValue::Address(a) => count(a),
        _ => 0,
    };
    fields.len() > 1 || fields.first().is_some_and(|v| addresses(v) > 1)
}

fn count(address: &Address<'_>) -> usize {
    address.iter().count()
}

/// Every `Authentication-Results` field of `root`, topmost first, then
/// Exchange Online's stamp for mail from inside the organisation (its
/// `AuthSource` names the server, e.g. `…eurprd04.prod.outlook.com`).
pub(super) fn auth_results(raw: &[u8], root: &MessagePart<'_>) -> Vec<AuthResults> {
    let value = |name: &str| {
        root.headers
            .iter()
            .find(|h| h.name.as_str().eq_ignore_ascii_case(name))
            .and_then(|h| raw.get(h.offset_start as usize..h.offset_end as usize))
            .map(|b| String::from_utf8_lossy(b).trim().to_ascii_lowercase())
    };
    let mut out: Vec<AuthResults> = root
        .headers
        .iter()
        .filter(|h| {
            h.name
                .as_str()
                .eq_ignore_ascii_case("Authentication-Results")
        })
        .filter_map(|h| raw.get(h.offset_start as usize..h.offset_end as usize))
        .map(|bytes| parse(&String::from_utf8_lossy(bytes)))
        .collect();
    let internal = value("X-MS-Exchange-Organization-AuthAs").is_some_and(|v| v == "internal");
    if let (true, Some(source)) = (internal, value("X-MS-Exchange-Organization-AuthSource")) {
        out.push(AuthResults {
            authserv_id: source,
            internal: true,
            ..AuthResults::default()
        });
    }
    out
}

/// One field's value: `authserv-id [version]; method=result prop=value …; …`.
pub fn parse(value: &str) -> AuthResults {
    let text = without_comments(value).to_ascii_lowercase();
    // Exchange Online writes no authserv-id: the field starts with a result.
    let first = text.split(';').next().unwrap_or_default();
    let (authserv_id, results) = match first.split_whitespace().next() {
        Some(id) if !id.contains('=') => (id.to_owned(), text.split_once(';').map_or("", |r| r.1)),
        _ => (String::new(), text.as_str()),
    };
    let parts = results.split(';');
    let mut out = AuthResults {
        authserv_id,
        ..AuthResults::default()
    };
    for result in parts {
        let mut words = result.split_whitespace();
        match words.next() {
            Some("dmarc=pass") => out.dmarc_pass = true,
            Some("dkim=pass") => {
                if let Some(d) = words.find_map(|w| w.strip_prefix("header.d=")) {
                    out.dkim_pass.push(d.trim_matches('"').to_owned());
                }
            }
            _ => {}
        }
    }
    out
}

/// The value with `( … )` comments (nested, with `\` escapes) and quoted
/// strings' content kept as is; a comment may say anything.
fn without_comments(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let (mut depth, mut escaped, mut quoted) = (0usize, false, false);
    for c in value.chars() {
        if escaped {
            escaped = false;
            if depth == 0 {
                out.push(c);
            }
            continue;
        }
        match c {
            '\\' => escaped = true,
            '"' if depth == 0 => {
                quoted = !quoted;
                out.push(c);
            }
            '(' if !quoted => depth += 1,
            ')' if !quoted && depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::parse;
    use crate::mail::parse::parse_mail;

    #[test]
    fn several_from_fields_or_addresses_are_ambiguous() {
        for raw in [
            "From: sekretariat@szkola.pl\r\nFrom: obcy@evil.pl\r\nSubject: x\r\n\r\nTAK\r\n",
            "From: obcy@evil.pl\r\nFrom: sekretariat@szkola.pl\r\nSubject: x\r\n\r\nTAK\r\n",
            "From: sekretariat@szkola.pl, obcy@evil.pl\r\nSubject: x\r\n\r\nTAK\r\n",
        ] {
            assert!(parse_mail(raw.as_bytes()).unwrap().from_ambiguous, "{raw}");
        }
        let one = "From: Sekretariat <sekretariat@szkola.pl>\r\nSubject: x\r\n\r\nTAK\r\n";
        assert!(!parse_mail(one.as_bytes()).unwrap().from_ambiguous);
        let kelvin = "From: sekretariat@sz\u{212A}ola.pl\r\nSubject: x\r\n\r\nTAK\r\n";
        let m = parse_mail(kelvin.as_bytes()).unwrap();
        assert_ne!(m.from.as_deref(), Some("sekretariat@szkola.pl"));
    }

    #[test]
    fn exchange_s_internal_stamp_is_read_with_its_server() {
        let raw = "From: s@szkola.pl\r\nX-MS-Exchange-Organization-AuthAs: Internal\r\nX-MS-Exchange-Organization-AuthSource: AM0PR04MB1.eurprd04.prod.outlook.com\r\nAuthentication-Results: mx.szkola.pl; dmarc=pass\r\nSubject: x\r\n\r\nTAK\r\n";
        let m = parse_mail(raw.as_bytes()).unwrap();
        assert_eq!(m.auth_results.len(), 2);
        assert_eq!(m.auth_results[0].authserv_id, "mx.szkola.pl");
        assert!(m.auth_results[1].internal);
        assert_eq!(
            m.auth_results[1].authserv_id,
            "am0pr04mb1.eurprd04.prod.outlook.com"
        );
    }

    #[test]
    fn reads_the_verdicts_real_servers_write() {
        let m365 = parse(
            "spf=pass (sender IP is 40.107.1.2) smtp.mailfrom=szkola.pl; dkim=pass (signature was verified)\r\n header.d=szkola.pl;dmarc=pass action=none header.from=szkola.pl;compauth=pass reason=100",
        );
        assert_eq!(m365.authserv_id, "", "Exchange names no server");
        assert!(m365.dmarc_pass);
        assert_eq!(m365.dkim_pass, ["szkola.pl"]);
        let google = parse(
            "mx.google.com;\r\n       dkim=pass header.i=@szkola.pl header.s=google header.b=abc;\r\n       spf=pass smtp.mailfrom=a@szkola.pl;\r\n       dmarc=pass (p=QUARANTINE sp=QUARANTINE dis=NONE) header.from=szkola.pl",
        );
        assert_eq!(google.authserv_id, "mx.google.com");
        assert!(google.dmarc_pass);
        let postfix = parse(
            "mx.szkola.pl; dkim=pass (2048-bit key) header.d=Szkola.pl header.i=@szkola.pl; dmarc=fail header.from=szkola.pl",
        );
        assert_eq!(postfix.authserv_id, "mx.szkola.pl");
        assert!(!postfix.dmarc_pass);
        assert_eq!(postfix.dkim_pass, ["szkola.pl"]);
    }

    #[test]
    fn a_verdict_in_a_comment_counts_for_nothing() {
        let forged = parse(
            "mx.szkola.pl; dmarc=fail (dmarc=pass; dkim=pass header.d=szkola.pl) header.from=szkola.pl",
        );
        assert!(!forged.dmarc_pass);
        assert!(forged.dkim_pass.is_empty());
        let nested = parse("mx.szkola.pl (a (b) c); dkim=none (x\\) dmarc=pass)");
        assert!(!nested.dmarc_pass);
        assert_eq!(nested.authserv_id, "mx.szkola.pl");
    }
}
