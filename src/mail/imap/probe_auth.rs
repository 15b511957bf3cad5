//! `mleg check`: which server stamps `Authentication-Results` on the mail in
//! the watched mailbox, so the IT person knows what to set in `[staff]
//! trusted_authserv_id` (or that it cannot be used with this server).

use std::collections::BTreeMap;

use futures::TryStreamExt;

use super::ImapSession;
use super::connect::{self, within};
use crate::config::ImapConfig;
use crate::mail::check::Finding;
use crate::mail::parse::auth;

/// How many of the newest mails are read (headers only, unread stays unread).
const RECENT: u32 = 20;

/// What the newest mails say about their senders' authentication, against
/// the configured `trusted` server.
pub(super) async fn finding(
    session: &mut ImapSession,
    cfg: &ImapConfig,
    name: &str,
    trusted: Option<&str>,
) -> Finding {
    let server = connect::server(cfg);
    let read = within(cfg.timeouts.fetch, &server, "FETCH", async {
        let selected = session.examine(&cfg.mailbox).await?;
        if selected.exists == 0 {
            return Ok(Vec::new());
        }
        let from = selected.exists.saturating_sub(RECENT - 1).max(1);
        let fetched: Vec<_> = session
            .fetch(
                format!("{from}:{}", selected.exists),
                "BODY.PEEK[HEADER.FIELDS (AUTHENTICATION-RESULTS)]",
            )
            .await?
            .try_collect()
            .await?;
        Ok(fetched
            .iter()
            .map(|f| f.header().map(<[u8]>::to_vec).unwrap_or_default())
            .collect())
    })
    .await;
    match read {
        Ok(headers) => judge(&headers, trusted, name),
        Err(e) => Finding::bad(format!("{name}: cannot read recent mail's headers: {e}")),
    }
}

/// The finding for the header blocks of the newest mails.
fn judge(headers: &[Vec<u8>], trusted: Option<&str>, name: &str) -> Finding {
    let mut servers: BTreeMap<String, usize> = BTreeMap::new();
    for block in headers {
        if let Some(top) = first_value(block) {
            let id = auth::parse(&top).authserv_id;
            let id = if id.is_empty() {
                "(no server name: Exchange Online)".into()
            } else {
                id
            };
            *servers.entry(id).or_default() += 1;
        }
    }
    let stamped: usize = servers.values().sum();
    let list = servers
        .iter()
        .map(|(s, n)| format!("{s} ({n})"))
        .collect::<Vec<_>>()
        .join(", ");
    let head = format!(
        "{name}: {stamped} of the {} newest mails carry Authentication-Results",
        headers.len()
    );
    match (trusted, stamped) {
        (_, _) if headers.is_empty() => Finding::good(format!(
            "{name}: no mail in the mailbox yet to tell which server stamps Authentication-Results"
        )),
        (None, 0) => Finding::good(format!(
            "{head}: [staff] trusted_authserv_id cannot be used until the receiving server adds them"
        )),
        (None, _) => Finding::good(format!(
            "{head}, topmost from {list}: consider [staff] trusted_authserv_id"
        )),
        (Some(t), 0) => Finding::bad(format!(
            "{head}: trusted_authserv_id = \"{t}\" would refuse every command by mail"
        )),
        (Some(t), _) => Finding::good(format!(
            "{head}, topmost from {list}; trusted_authserv_id = \"{t}\""
        )),
    }
}

/// The first (topmost) `Authentication-Results` value in a header block.
fn first_value(block: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(block).replace("\r\n", "\n");
    let mut value: Option<String> = None;
    for line in text.split('\n') {
        match (&mut value, line.starts_with([' ', '\t'])) {
            (Some(v), true) => v.push_str(line),
            (Some(_), false) => break,
            (None, false) => {
                if let Some((name, rest)) = line.split_once(':')
                    && name.trim().eq_ignore_ascii_case("authentication-results")
                {
                    value = Some(rest.to_owned());
                }
            }
            (None, true) => {}
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::judge;

    fn block(v: &str) -> Vec<u8> {
        format!("Authentication-Results: {v}\r\n\r\n").into_bytes()
    }

    #[test]
    fn names_the_stamping_server_and_warns_when_the_setting_would_refuse_all() {
        let mails = vec![
            block("mx.google.com;\r\n dkim=pass header.d=szkola.pl"),
            block("mx.google.com; dmarc=pass"),
            b"\r\n".to_vec(),
        ];
        let f = judge(&mails, None, "IMAP x");
        assert!(f.ok);
        assert!(f.text.contains("2 of the 3 newest"), "{}", f.text);
        assert!(f.text.contains("mx.google.com (2)"), "{}", f.text);
        let f = judge(&[b"\r\n".to_vec()], Some("mx.szkola.pl"), "IMAP x");
        assert!(!f.ok, "{}", f.text);
    }
}
