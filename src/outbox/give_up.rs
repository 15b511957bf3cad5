//! Giving a mail up, and the one alert the secretary gets about it.
//!
//! The alert names the application and the kind of mail, never its text (a
//! parent's reply may quote the child's data). It is queued in the same
//! transaction that gives the row up, so it is sent exactly once; an alert
//! that itself cannot be delivered is given up silently: no alert loop.

use chrono::Duration;
use serde::Serialize;
use tracing::warn;

use super::OutboxError;
use crate::app::App;
use crate::mail::outgoing::{MailKind, OutgoingMail};
use crate::store::delivery::{self, Lost};
use crate::store::{Tx, outbox};

#[derive(Debug, Serialize)]
struct AlertView<'a> {
    application_id: Option<i64>,
    kind: &'a str,
    /// "refused" (a 5xx at `RCPT TO`), "refused_content" (a 5xx at `DATA`
    /// while the server took other mail) or "expired" (too old).
    reason: &'a str,
    queued_at: String,
    outbox_id: i64,
    hours: u64,
}

/// Gives up every mail older than `outbox_max_age_hours`; returns how many.
pub(super) fn expired(app: &App) -> Result<usize, OutboxError> {
    let now = app.clock.now();
    let hours = app.config.outbox_max_age_hours.min(24 * 3650) as i64;
    let ids = delivery::expired(app.store().conn(), now - Duration::hours(hours))?;
    for id in &ids {
        warn!(
            outbox_id = id,
            hours, "mail not delivered in time; given up"
        );
        let why = format!("not delivered within {hours} hours");
        app.store()
            .transaction(|tx| give_up_and_alert(app, tx, *id, "expired", &why))?;
    }
    Ok(ids.len())
}

/// Gives up a mail whose recipient the server refused for good (logged by
/// the caller).
pub(super) fn refused(app: &App, id: i64, error: &str) -> Result<(), OutboxError> {
    app.store()
        .transaction(|tx| give_up_and_alert(app, tx, id, "refused", error))
}

/// Gives up a mail the server refused at `DATA` while it took others
/// (`data_refused`; logged by the caller).
pub(super) fn content_refused(app: &App, id: i64, error: &str) -> Result<(), OutboxError> {
    app.store()
        .transaction(|tx| give_up_and_alert(app, tx, id, "refused_content", error))
}

fn give_up_and_alert(
    app: &App,
    tx: Tx<'_>,
    id: i64,
    reason: &str,
    why: &str,
) -> Result<(), OutboxError> {
    let now = app.clock.now();
    let lost = delivery::give_up(tx, id, why, now)?;
    if lost.kind == MailKind::StaffDeliveryFailed.as_str() {
        return Ok(());
    }
    let mail = alert(app, &lost, reason)?;
    outbox::enqueue(tx, &mail, app.config.smtp.from.domain(), now)?;
    Ok(())
}

fn alert(app: &App, lost: &Lost, reason: &str) -> Result<OutgoingMail, OutboxError> {
    let view = AlertView {
        application_id: lost.application_id,
        kind: &lost.kind,
        reason,
        queued_at: lost.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        outbox_id: lost.id,
        hours: app.config.outbox_max_age_hours,
    };
    let r = app.templates.render("staff_delivery_failed", &view)?;
    Ok(OutgoingMail {
        kind: MailKind::StaffDeliveryFailed,
        application_id: lost.application_id,
        to: app.config.staff.notify.clone(),
        subject: r.subject,
        body: r.body,
        in_reply_to: None,
        references: vec![],
        attachments: vec![],
    })
}
