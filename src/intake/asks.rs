//! A parent asks where the mLegitymacja stands ("STATUS", "co z
//! legitymacją?", "czy zdjęcie dotarło?"): one answer with each of that
//! parent's children, in plain words, and never a PESEL. A sender who is
//! nobody's parent gets the neutral answer every stranger gets.
//!
//! A mail with pictures is a photo mail first (the parent path answers it),
//! and a robot or a sender past the reply cap is left to the parent path,
//! which knows how to stay quiet.

use super::robot;
use super::{IntakeError, record};
use crate::app::App;
use crate::domain::EmailAddress;
use crate::domain::mail::IncomingMail;
use crate::notices::{self, status::ChildDates};
use crate::store::inbox::Watermark;
use crate::store::{apps, dates, outbox};
use crate::workflow::Disposition;
use crate::workflow::asks_status::asks_status;
use crate::workflow::command::own_text;

/// Answers `mail` if it asks for the status; None leaves it to the others.
pub(super) fn handle(
    app: &App,
    w: Watermark,
    mail: &IncomingMail,
) -> Result<Option<Disposition>, IntakeError> {
    let own = own_text(&mail.text, mail.html.as_deref());
    let first = own
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    if mail.robot.is_some() || !mail.images.is_empty() || !asks_status(&mail.subject, first) {
        return Ok(None);
    }
    let Some(sender) = non_staff_sender(app, mail) else {
        return Ok(None);
    };
    let (cfg, t) = (&app.config, &app.templates);
    app.store().transaction(|tx| -> Result<_, IntakeError> {
        let quiet = robot::judge(app, tx, mail, Some(&sender))?;
        if quiet.robot.is_some() || quiet.last_reply {
            return Ok(None);
        }
        let mut children = Vec::new();
        for a in apps::of_parent(tx, &sender)? {
            let d = dates::app_dates(tx, a.id)?;
            let dates = ChildDates {
                complete_at: d.complete_at,
                code_expires_at: d.code_expires_at,
            };
            children.push((a, dates));
        }
        let answer = match children.is_empty() {
            true => notices::stranger_reply(t, cfg, &sender, mail, &[], None)?,
            false => notices::status::parent_status(t, cfg, &sender, mail, &children)?,
        };
        record(
            app,
            tx,
            w,
            Some(mail),
            "processed",
            &cfg.imap.processed_folder,
        )?;
        outbox::enqueue(tx, &answer, cfg.smtp.from.domain(), app.clock.now())?;
        robot::note(app, tx, mail, Some(&sender))?;
        Ok(Some(Disposition::Processed))
    })
}

/// The sender's address when it parses and is not the staff's: a staff
/// address asking questions is the secretary testing, not a parent.
pub(super) fn non_staff_sender(app: &App, mail: &IncomingMail) -> Option<EmailAddress> {
    let sender = EmailAddress::parse(mail.from.as_deref()?).ok()?;
    (!app.config.staff.addresses.contains(&sender)).then_some(sender)
}
