//! What each round learns about the logins, for `mleg status`, the digest
//! and the alerts (`crate::alerts`): the SMTP login and the OAuth2 token
//! endpoint, recorded in `store::health` like the IMAP login.

use tracing::warn;

use super::RoundError;
use crate::app::App;
use crate::intake::{IntakeError, IntakeReport};
use crate::mail::imap::ImapError;
use crate::mail::smtp::SmtpError;
use crate::outbox::{OutboxError, OutboxReport};
use crate::store::StoreError;
use crate::store::health::{self, Part, record};

/// Records what a delivery step says of the SMTP login and the token: a
/// server failure, or a session that logged in (a step with nothing to send
/// or waiting out a backoff says nothing).
pub(super) fn delivery(
    app: &App,
    result: &Result<OutboxReport, RoundError>,
) -> Result<(), StoreError> {
    let failure = match result {
        Err(RoundError::Smtp(e) | RoundError::Outbox(OutboxError::Smtp(e))) => Some(e),
        _ => None,
    };
    let store = app.store();
    let (conn, now) = (store.conn(), app.clock.now());
    let line = |e: &SmtpError| crate::outbox::mask_addresses(&e.to_string());
    match (failure, result) {
        (Some(e @ SmtpError::Token(_)), _) => record(conn, Part::Token, false, Some(&line(e)), now),
        (Some(e), _) if e.is_server_failure() => {
            record(conn, Part::Smtp, false, Some(&line(e)), now)
        }
        (None, Ok(r)) if r.sent + r.retry_later + r.taken > 0 => {
            if app.config.smtp.oauth2.is_some() {
                record(conn, Part::Token, true, None, now)?;
            }
            record(conn, Part::Smtp, true, None, now)
        }
        _ => Ok(()),
    }
}

/// Records what an intake step says of the token (the IMAP login itself is
/// recorded with the round).
pub(super) fn intake(
    app: &App,
    result: &Result<IntakeReport, RoundError>,
) -> Result<(), StoreError> {
    let store = app.store();
    let (conn, now) = (store.conn(), app.clock.now());
    match result {
        Err(RoundError::Intake(IntakeError::Imap(e @ ImapError::Token(_)))) => {
            let line = crate::outbox::mask_addresses(&e.to_string());
            record(conn, Part::Token, false, Some(&line), now)
        }
        Ok(_) if app.config.imap.oauth2.is_some() => record(conn, Part::Token, true, None, now),
        _ => Ok(()),
    }
}

/// The alerts after a round; their failure is logged, never the round's.
pub(super) async fn alerts(app: &App) {
    if let Err(e) = smtp_certificate(app).await {
        warn!(error = %e, "SMTP certificate date not recorded");
    }
    if let Err(e) = crate::alerts::step(app).await {
        warn!(error = %e, "alerts not decided this round; next round tries again");
    }
}

/// The SMTP server's certificate end, read once a day by a handshake of its
/// own (lettre does not show the certificate of its sessions). A failed
/// handshake records nothing and is tried again next round.
async fn smtp_certificate(app: &App) -> Result<(), StoreError> {
    const NAME: &str = "smtp_certificate";
    let now = app.clock.now();
    let (checked, smtp) = {
        let store = app.store();
        let conn = store.conn();
        (
            health::expiry_checked(conn, NAME)?,
            health::get(conn, Part::Smtp)?,
        )
    };
    // A server that fails is not probed too: its timeout would hold up
    // every round, and the alert about it says more.
    if app.config.smtp.tls == crate::config::TlsMode::None
        || smtp.is_some_and(|s| !s.ok)
        || checked.is_some_and(|at| now - at < chrono::Duration::days(1))
    {
        return Ok(());
    }
    if let Some(expires) = crate::mail::check::smtp_cert_expires(&app.config.smtp).await {
        health::set_expiry(app.store().conn(), NAME, expires, now)?;
    }
    Ok(())
}
