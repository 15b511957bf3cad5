//! `mleg check` for an IMAP account: reachable, TLS version and certificate
//! subject, the login mechanisms offered, login, the watched mailbox, and
//! both folders (created when missing, as the first round would), how the
//! server deletes what a purge expunges, and which server stamps
//! `Authentication-Results` on the watched mailbox's mail.

use async_imap::imap_proto::{Capability, Response};
use futures::TryStreamExt;
use tokio::io::AsyncWriteExt;

use super::connect::{self, within};
use super::{ImapError, ImapSession, Stream};
use crate::config::ImapConfig;
use crate::mail::check::Finding;

/// Every finding about `cfg`'s account, in order; stops at the first step
/// the later ones depend on.
pub async fn probe(cfg: &ImapConfig, trusted_authserv_id: Option<&str>) -> Vec<Finding> {
    // The secretary's own account may be on the same server: say which.
    let name = match cfg.section {
        "imap" => format!("IMAP {}", connect::server(cfg)),
        section => format!("IMAP {} ({section})", connect::server(cfg)),
    };
    let limit = cfg.timeouts.command;
    let mut out = Vec::new();
    let (mut client, tls) = match connect::open_client(cfg).await {
        Ok(opened) => opened,
        Err(e) => return vec![Finding::bad(format!("{name}: FAILED: {e}"))],
    };
    out.push(Finding::good(format!("{name}: OK, reachable")));
    out.push(match tls {
        Some(t) => Finding::good(format!(
            "{name}: {}, certificate {}",
            t.version,
            t.certificate()
        )),
        None => Finding::good(format!("{name}: no TLS (tls = \"none\")")),
    });
    let server = connect::server(cfg);
    out.push(
        match within(limit, &server, "CAPABILITY", mechanisms(&mut client)).await {
            Ok(m) => Finding::good(format!("{name}: login mechanisms offered: {}", m.join(" "))),
            Err(e) => Finding::bad(format!("{name}: CAPABILITY failed: {e}")),
        },
    );
    // Password or OAuth2, as the daemon logs in.
    let login = super::login::login(client, cfg);
    let mut session = match within(limit, &server, "LOGIN", login).await {
        Ok(s) => s,
        Err(e) => {
            out.push(Finding::bad(format!("{name}: FAILED: {e}")));
            return out;
        }
    };
    out.push(Finding::good(format!("{name}: login as {} OK", cfg.user)));
    if cfg.section == "imap" {
        out.push(idle_finding(&mut session, cfg, &name).await);
        out.push(super::probe_auth::finding(&mut session, cfg, &name, trusted_authserv_id).await);
    }
    let folders = within(limit, &server, "folders", folders(&mut session, cfg)).await;
    match folders {
        Ok(found) => out.extend(
            found
                .into_iter()
                .map(|f| Finding::good(format!("{name}: {f}"))),
        ),
        Err(e) => out.push(Finding::bad(format!("{name}: FAILED: {e}"))),
    }
    out.extend(deletion_findings(&mut session, cfg, &name).await);
    let _ = within(limit, &server, "LOGOUT", async {
        Ok(session.logout().await?)
    })
    .await;
    out
}

/// The `AUTH=` mechanisms of a pre-login `CAPABILITY` (what the server
/// offers before login; after it, servers drop them from the list).
async fn mechanisms(
    client: &mut async_imap::Client<Box<dyn Stream>>,
) -> Result<Vec<String>, ImapError> {
    // A tag of our own: the client's numbering is untouched.
    const TAG: &str = "MLEGCHECK";
    let stream = client.get_mut();
    let command = format!("{TAG} CAPABILITY\r\n");
    let io = |e: std::io::Error| ImapError::Protocol(e.into());
    stream.write_all(command.as_bytes()).await.map_err(io)?;
    stream.flush().await.map_err(io)?;
    let mut found = Vec::new();
    loop {
        let response = client
            .read_response()
            .await
            .map_err(|_| ImapError::Closed)?
            .ok_or(ImapError::Closed)?;
        match response.parsed() {
            Response::Capabilities(caps) => found.extend(caps.iter().filter_map(|c| match c {
                Capability::Auth(m) => Some(m.to_string()),
                _ => None,
            })),
            Response::Done { tag, .. } if tag.0 == TAG => return Ok(found),
            _ => {}
        }
    }
}

/// Whether `mleg run` can wait in IDLE (answers at once) or polls.
async fn idle_finding(session: &mut ImapSession, cfg: &ImapConfig, name: &str) -> Finding {
    let server = connect::server(cfg);
    let caps = within(cfg.timeouts.command, &server, "CAPABILITY", async {
        Ok(session.capabilities().await?.has_str("IDLE"))
    })
    .await;
    match caps {
        Ok(true) if cfg.idle => Finding::good(format!(
            "{name}: IDLE offered: new mail is answered at once"
        )),
        Ok(true) => Finding::good(format!(
            "{name}: IDLE offered, but imap.idle = false: mleg polls every poll_interval_secs"
        )),
        Ok(false) => Finding::good(format!(
            "{name}: no IDLE: mleg polls every poll_interval_secs"
        )),
        Err(e) => Finding::bad(format!("{name}: CAPABILITY failed: {e}")),
    }
}

/// How the server deletes what a purge expunges (immediately, via the
/// trash folder, or Gmail's archive), and on Microsoft 365 where deleted
/// mail still waits.
async fn deletion_findings(
    session: &mut ImapSession,
    cfg: &ImapConfig,
    name: &str,
) -> Vec<Finding> {
    let server = connect::server(cfg);
    let found = within(
        cfg.timeouts.command,
        &server,
        "LIST",
        super::trash::discover(session, cfg.trash_folder.as_deref()),
    )
    .await;
    let mut out = vec![match found {
        Ok(e) if e.deletion == super::Deletion::GmailArchive => {
            Finding::bad(format!("{name}: {}", e.deletion.describe()))
        }
        Ok(e) => Finding::good(format!("{name}: {}", e.deletion.describe())),
        Err(e) => Finding::bad(format!("{name}: cannot tell how mail is deleted: {e}")),
    }];
    let host = cfg.host.to_ascii_lowercase();
    if host.ends_with("office365.com") || host.ends_with("outlook.com") {
        out.push(Finding::good(format!(
            "{name}: Microsoft 365 keeps deleted mail in Recoverable Items (14 days by default, \
             up to 30): see README, Set-Mailbox -RetainDeletedItemsFor"
        )));
    }
    out
}

/// The watched mailbox, then each folder: "exists" or "created".
async fn folders(session: &mut ImapSession, cfg: &ImapConfig) -> Result<Vec<String>, ImapError> {
    let selected = session.select(&cfg.mailbox).await?;
    let mut out = vec![format!(
        "mailbox {} OK ({} mails)",
        cfg.mailbox, selected.exists
    )];
    for folder in [&cfg.processed_folder, &cfg.needs_human_folder] {
        if folder == &cfg.mailbox {
            continue;
        }
        let names: Vec<_> = session
            .list(None, Some(folder))
            .await?
            .try_collect()
            .await?;
        if names.iter().any(|n| n.name() == folder.as_str()) {
            out.push(format!("folder {folder} exists"));
        } else {
            session.create(folder).await?;
            let _ = session.subscribe(folder).await;
            out.push(format!("folder {folder} created"));
        }
    }
    Ok(out)
}
