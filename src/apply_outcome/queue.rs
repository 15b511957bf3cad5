//! The mails an outcome asks for, queued in the outbox in the applier's
//! transaction: each [`Notice`] becomes one message built by `notices`,
//! addressed to the parent who wrote (or the primary address), the staff,
//! or the sender of a held photo.

use super::Context;
use crate::app::App;
use crate::domain::{Application, EmailAddress};
use crate::notices;
use crate::store::lifecycle as store_lc;
use crate::store::{StoreError, Tx, apps, inbox, outbox};
use crate::templates::TemplateError;
use crate::workflow::transition::Notice;

pub(super) fn queue_notice<E>(
    app: &App,
    tx: Tx<'_>,
    a: &Application,
    notice: &Notice,
    ctx: &Context<'_>,
) -> Result<(), E>
where
    E: From<StoreError> + From<TemplateError>,
{
    let (t, cfg, now) = (&app.templates, &app.config, app.clock.now());
    let sender = ctx.photo.and_then(|p| p.sender);
    let sender_address = sender.and_then(|s| EmailAddress::parse(s).ok());
    let mail = match (notice, ctx.photo) {
        (Notice::Parent(n), _) => {
            let updated = apps::get(tx, a.id)?.unwrap_or_else(|| a.clone());
            let code = store_lc::code_info(tx, a.id)?;
            let Some(mut m) = notices::parent_notice(t, cfg, &updated, n, code.as_ref())? else {
                return Ok(());
            };
            m.to = parent_address(tx, a)?;
            m
        }
        (Notice::CodeReminder { after_handover, .. }, _) => {
            let Some(code) = store_lc::code_info(tx, a.id)? else {
                return Ok(());
            };
            let mut m =
                notices::dates::parent_code_reminder(t, cfg, a, &code, now, *after_handover)?;
            m.to = parent_address(tx, a)?;
            m
        }
        (Notice::CodeExpired, _) => {
            let code = store_lc::code_info(tx, a.id)?;
            let mut m = notices::dates::parent_code_expired(t, cfg, a, code.as_ref())?;
            m.to = parent_address(tx, a)?;
            m
        }
        (Notice::StaffCodeExpired, _) => {
            let code = store_lc::code_info(tx, a.id)?;
            notices::dates::staff_code_expired(t, cfg, a, code.as_ref())?
        }
        (Notice::Deadline { day, deadline }, _) => {
            notices::dates::staff_deadline(t, cfg, a, *day, *deadline)?
        }
        (Notice::Slip, _) => {
            let Some(code) = store_lc::code_info(tx, a.id)? else {
                return Ok(());
            };
            let updated = apps::get(tx, a.id)?.unwrap_or_else(|| a.clone());
            notices::staff_slip(t, cfg, &updated, &code)?
        }
        (
            Notice::StaffPhoto {
                kept_before_registration,
            },
            Some(p),
        ) => notices::staff_photo(
            t,
            cfg,
            a,
            p.check,
            p.data,
            sender.unwrap_or_default(),
            *kept_before_registration,
        )?
        .with_stored_photo(p.photo),
        (Notice::PhotoMatched, Some(p)) => {
            let Some(to) = &sender_address else {
                return Ok(());
            };
            notices::parent_photo_matched(t, cfg, to, a, p.subject, p.message_id)?
        }
        (Notice::HeldSenderAccepted, Some(p)) => {
            let Some(to) = &sender_address else {
                return Ok(());
            };
            notices::sender_held_notice(t, cfg, to, ("accepted", ""), p.subject, p.message_id)?
        }
        // A photo notice with no photo: nothing to show.
        (_, None) => return Ok(()),
    };
    outbox::enqueue(tx, &mail, cfg.smtp.from.domain(), now)?;
    Ok(())
}

/// The parent who sent the photo hears the news; the primary address only
/// when no parent wrote.
fn parent_address(tx: Tx<'_>, a: &Application) -> Result<EmailAddress, StoreError> {
    Ok(inbox::latest_photo_sender(tx, a.id)?
        .and_then(|s| EmailAddress::parse(&s).ok())
        .filter(|s| a.has_parent(s))
        .unwrap_or_else(|| a.parent_email.clone()))
}
