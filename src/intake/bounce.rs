//! A delivery report (bounce) for a mail mleg sent: never answered. A
//! permanent failure to a parent's address marks each application with that
//! address "the parent's address bounces" (when, and which address — not the
//! report's text) and tells the secretary once per application and address.
//! The report is filed to the processed folder, or to the needs-human folder
//! when it says a staff address fails. A report about no mail of ours (the
//! secretary's own mail bounced) is hers: it stays in the inbox, unread.

use tracing::info;

use super::IntakeError;
use crate::app::App;
use crate::domain::mail::{Bounce, IncomingMail};
use crate::domain::{Application, EmailAddress};
use crate::notices;
use crate::store::inbox::{self, Watermark};
use crate::store::{StoreError, Tx, apps, bounces, outbox, purges};
use crate::workflow::Disposition;

/// Handles `mail`, a report on `bounce`, in one transaction.
pub(super) fn handle(
    app: &App,
    w: Watermark,
    mail: &IncomingMail,
    bounce: &Bounce,
) -> Result<Disposition, IntakeError> {
    app.store().transaction(|tx| -> Result<_, IntakeError> {
        let (ours, targets) = targets(tx, bounce)?;
        if !ours {
            // A report on the secretary's own mail, or on mail that was
            // never the school's: her business, left in the inbox unread.
            inbox::set_watermark(tx, &app.config.imap.mailbox, w)?;
            return Ok(Disposition::Ignore);
        }
        let now = app.clock.now();
        let from_domain = app.config.smtp.from.domain().to_owned();
        for (a, address) in &targets {
            let kind = address_kind(a, address);
            bounces::mark_bounced(tx, a.id, &kind, now)?;
            apps::add_event(tx, a.id, now, "address_bounced", &kind, "mail:bounce")?;
            if bounces::first_notice(tx, a.id, address.as_str(), now)? {
                let note =
                    notices::robot::staff_bounce(&app.templates, &app.config, a, address, &kind)?;
                outbox::enqueue(tx, &note, &from_domain, now)?;
            }
        }
        // It quotes the returned mail: it leaves with that mail's application.
        if let Some(report) = &mail.message_id {
            purges::link_report(tx, report, &bounce.original_ids, now)?;
        }
        // A report on a mail of ours is done once read, unless it says a
        // staff address fails: then a person must look.
        let done = !bounce.permanent || !targets.is_empty();
        let (disposition, folder) = if done {
            (Disposition::Processed, &app.config.imap.processed_folder)
        } else {
            (Disposition::NeedsHuman, &app.config.imap.needs_human_folder)
        };
        super::record(app, tx, w, Some(mail), "bounce", folder)?;
        info!(
            uid = w.last_uid,
            permanent = bounce.permanent,
            applications = targets.len(),
            "delivery report read; not answered"
        );
        Ok(disposition)
    })
}

/// Whether the report returns a mail of ours, and the applications (with
/// the parent address) that a permanent failure marks.
fn targets(
    tx: Tx<'_>,
    bounce: &Bounce,
) -> Result<(bool, Vec<(Application, EmailAddress)>), StoreError> {
    let mut ours = false;
    let mut out: Vec<(Application, EmailAddress)> = Vec::new();
    for id in &bounce.original_ids {
        let Some(sent) = bounces::returned_mail(tx, id)? else {
            continue;
        };
        ours = true;
        let Ok(address) = EmailAddress::parse(&sent.recipient) else {
            continue;
        };
        if !bounce.permanent {
            continue;
        }
        let mut ids = bounces::applications_of_parent(tx, address.as_str())?;
        ids.extend(sent.application_id);
        ids.sort_unstable();
        ids.dedup();
        for app_id in ids {
            if let Some(a) = apps::get(tx, app_id)?
                && a.has_parent(&address)
                && !out.iter().any(|(o, _)| o.id == a.id)
            {
                out.push((a, address.clone()));
            }
        }
    }
    Ok((ours, out))
}

/// `parent` for the application's first address, `parent_2`… for the others.
fn address_kind(a: &Application, address: &EmailAddress) -> String {
    match a.parent_emails.iter().position(|p| p == address) {
        Some(0) | None => "parent".into(),
        Some(i) => format!("parent_{}", i + 1),
    }
}
