//! A photo from a parent whose child has an objection on file (`SPRZECIW`):
//! nothing is issued, so the photo is not used; the parent gets one polite
//! answer a day saying the objection is on file and how to withdraw it,
//! and later mails that day are filed without an answer. The mail itself,
//! with the child's photo, is deleted like a parent's mail at a purge.
//!
//! Only when the mail cannot be for another child of theirs: a sibling with
//! an open application leaves the mail to the photo path, which matches it.

use super::asks::non_staff_sender;
use super::robot;
use super::{IntakeError, record};
use crate::app::App;
use crate::domain::Application;
use crate::domain::mail::IncomingMail;
use crate::notices::request::parent_objection_on_file;
use crate::store::inbox::Watermark;
use crate::store::{apps, outbox, purges, requests};
use crate::workflow::Disposition;

/// Handles `mail` if it is a photo for a child with an objection on file.
pub(super) fn handle(
    app: &App,
    w: Watermark,
    mail: &IncomingMail,
) -> Result<Option<Disposition>, IntakeError> {
    if mail.robot.is_some() || mail.images.is_empty() {
        return Ok(None);
    }
    let Some(sender) = non_staff_sender(app, mail) else {
        return Ok(None);
    };
    let (cfg, now) = (&app.config, app.clock.now());
    app.store().transaction(|tx| -> Result<_, IntakeError> {
        let mut objected: Vec<(Application, chrono::DateTime<chrono::Utc>)> = Vec::new();
        let mut others_open = false;
        for a in apps::of_parent(tx, &sender)? {
            match requests::objection(tx, a.id)? {
                Some(since) if !objected.iter().any(|(o, _)| o.pesel == a.pesel) => {
                    objected.push((a, since));
                }
                Some(_) => {}
                None => others_open |= !a.status.is_closed(),
            }
        }
        if objected.is_empty() || others_open {
            return Ok(None);
        }
        // Past the reply cap or repeated: filed without an answer, and the
        // day's answer is not spent.
        let quiet = robot::judge(app, tx, mail, Some(&sender))?;
        let mut due = false;
        if quiet.robot.is_none() {
            for (a, _) in &objected {
                due |= requests::answer_due(tx, a.id, now)?;
            }
        }
        let answer = match due {
            true => {
                let since = objected.iter().map(|(_, s)| *s).min().unwrap_or(now);
                let children: Vec<Application> = objected.iter().map(|(a, _)| a.clone()).collect();
                Some(parent_objection_on_file(
                    &app.templates,
                    cfg,
                    &sender,
                    mail,
                    &children,
                    since,
                )?)
            }
            false => None,
        };
        record(
            app,
            tx,
            w,
            Some(mail),
            "processed",
            &cfg.imap.processed_folder,
        )?;
        // The photo is not used, so its mail is not kept either: deleted
        // where it was filed, like a parent's mail at a purge.
        if let (Some(id), Some((a, _))) = (&mail.message_id, objected.first()) {
            purges::queue_mail(tx, id, "parent", purges::Origin::Foreign, Some(a.id), now)?;
        }
        if let Some(answer) = &answer {
            outbox::enqueue(tx, answer, cfg.smtp.from.domain(), now)?;
            robot::note(app, tx, mail, Some(&sender))?;
        }
        tracing::info!(
            answered = answer.is_some(),
            "photo for an objection on file"
        );
        Ok(Some(Disposition::Processed))
    })
}
