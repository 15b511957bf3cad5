//! Someone is told when mleg cannot log in, and before a credential
//! expires: after each round [`step`] gathers the recorded health of each
//! login, the known expiry dates and the alerts already sent, asks
//! [`decide::decide`] (pure) what is due, and applies it — each mail queued
//! with its `it_alerts` row in one transaction, so it goes out once.
//!
//! An alert while the SMTP server itself fails cannot go the normal way:
//! with `[alerts.smtp]` set, its outbox row is sent at once through that
//! server (claimed and marked sent like any row); without it, it waits in
//! the queue. Every alert is also logged at `error` level, for the journal
//! and systemd's `OnFailure=`.

pub mod decide;
pub mod known;

use chrono::{DateTime, Duration, Utc};
use tracing::{error, info, warn};

use crate::app::App;
use crate::mail::smtp::Sender;
use crate::store::health::{self, Part};
use crate::store::{StoreError, outbox};
use crate::templates::TemplateError;
use decide::{Cause, Due, Expiry, Facts, Kind, Login, Sent};

#[derive(Debug, thiserror::Error)]
pub enum AlertsError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Template(#[from] TemplateError),
}

/// Rows older than this decide nothing (a reminder's window is 30 days).
const HISTORY_DAYS: i64 = 45;

/// Gathers, decides, applies; returns how many mails it queued.
pub async fn step(app: &App) -> Result<usize, AlertsError> {
    let now = app.clock.now();
    let (logins, expiries, sent) = gather(app, now)?;
    let today = now.with_timezone(&app.config.dates.timezone).date_naive();
    let due = decide::decide(&Facts {
        logins: &logins,
        expiries: &expiries,
        sent: &sent,
        after: Duration::minutes(app.config.alerts.after_mins as i64),
        now,
        today,
    });
    // SMTP cannot carry the alert when its login fails, or when it logs in
    // with a token the endpoint will not give.
    let failing = |cause| logins.iter().any(|l| l.cause == cause && !l.ok);
    let smtp_failing =
        failing(Cause::Smtp) || (failing(Cause::Token) && app.config.smtp.oauth2.is_some());
    let mut queued = 0;
    let mut fallback = Vec::new();
    for d in &due {
        let ids = apply(app, d, now)?;
        log(d);
        queued += ids.len();
        if smtp_failing && d.kind() != Kind::Reminder {
            fallback.extend(ids);
        }
    }
    if !fallback.is_empty() {
        send_fallback(app, &fallback).await;
    }
    Ok(queued)
}

type Gathered = (Vec<Login>, Vec<Expiry>, Vec<Sent>);

fn gather(app: &App, now: DateTime<Utc>) -> Result<Gathered, StoreError> {
    let store = app.store();
    let conn = store.conn();
    let mut logins = Vec::new();
    for (part, cause) in [
        (Part::Imap, Cause::Imap),
        (Part::Smtp, Cause::Smtp),
        (Part::Token, Cause::Token),
    ] {
        if let Some(s) = health::get(conn, part)? {
            logins.push(Login {
                cause,
                ok: s.ok,
                since: s.since,
                detail: s.detail,
            });
        }
    }
    let tz = app.config.dates.timezone;
    let mut expiries: Vec<Expiry> = health::expiries(conn)?
        .into_iter()
        .map(|(credential, at)| Expiry {
            credential,
            on: at.with_timezone(&tz).date_naive(),
        })
        .collect();
    if let Some(on) = app.config.client_secret_expires {
        expiries.push(Expiry {
            credential: "client_secret".into(),
            on,
        });
    }
    let sent = health::alerts_since(conn, now - Duration::days(HISTORY_DAYS))?
        .into_iter()
        .filter_map(|row| {
            Some(Sent {
                kind: Kind::from_key(&row.kind)?,
                key: row.key,
                at: row.at,
            })
        })
        .collect();
    Ok((logins, expiries, sent))
}

/// Queues `due`'s mails and records it, in one transaction; the outbox ids.
fn apply(app: &App, due: &Due, now: DateTime<Utc>) -> Result<Vec<i64>, AlertsError> {
    let mails = crate::notices::it_alert::it_alert(&app.templates, &app.config, due)?;
    let domain = app.config.smtp.from.domain().to_owned();
    app.store().transaction(|tx| {
        let mut ids = Vec::new();
        for mail in &mails {
            let message_id = outbox::enqueue(tx, mail, &domain, now)?;
            ids.extend(health::outbox_id(tx, &message_id)?);
        }
        health::record_alert(tx, &due.key(), due.kind().key(), now, ids.first().copied())?;
        Ok::<_, AlertsError>(ids)
    })
}

/// The journal's line: an alert at `error` (what `OnFailure=` and a log
/// watcher pick up), the rest at `info`/`warn`. Nothing personal: the
/// detail was masked when recorded.
fn log(due: &Due) {
    match due {
        Due::Alert {
            cause,
            since,
            detail,
        } => error!(
            cause = cause.key(),
            failing_since = %since,
            detail = detail.as_deref().unwrap_or(""),
            advice = detail.as_deref().and_then(crate::provider_hints::advice).unwrap_or(""),
            "login failing; alert mailed to [alerts] to"
        ),
        Due::Recovery { cause, since } => {
            info!(cause = cause.key(), ok_since = %since, "login works again; recovery mailed")
        }
        Due::Reminder { credential, on, .. } => {
            warn!(credential = %credential, expires = %on, "credential expires soon; reminder mailed")
        }
    }
}

/// Sends the alert rows through `[alerts.smtp]` now; without it (or when it
/// fails too) they wait in the outbox for the normal server.
async fn send_fallback(app: &App, ids: &[i64]) {
    let Some(cfg) = &app.config.alerts.smtp else {
        error!("the SMTP server fails and [alerts.smtp] is not set: the alert waits in the queue");
        return;
    };
    let result = match Sender::connect(cfg).await {
        Ok(sender) => crate::outbox::send_through(app, &sender, ids)
            .await
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    match result {
        Ok(n) => info!(sent = n, "alert sent through [alerts.smtp]"),
        Err(e) => {
            error!(error = %crate::outbox::mask_addresses(&e), "[alerts.smtp] failed too; the alert waits in the queue")
        }
    }
}
