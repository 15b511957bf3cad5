//! A parent asks by mail to invalidate the mLegitymacja (a lost, stolen or
//! broken phone, opting out), for a new one, or objects to it
//! (`workflow::asks_request`). A registered parent gets a receipt, and the
//! secretary one mail per child with a fresh command token to confirm it
//! (`UNIEWAŻNIJ wniosek rodzica`, `PONOWNIE`, `SPRZECIW`…); the request is
//! in the history and open in the digest until the status next changes. A
//! sender who is nobody's parent gets the neutral answer every stranger
//! gets, and the secretary hears nothing about any student.
//!
//! A mail with pictures is a photo mail first, even when it also reports a
//! loss: the photo path is the one that knows how to check, keep, refuse
//! and later purge a picture, and it hands whatever it cannot place to the
//! secretary, so the request still reaches a person. This path keeps no
//! picture.

use super::asks::non_staff_sender;
use super::robot;
use super::{IntakeError, record};
use crate::app::App;
use crate::domain::mail::IncomingMail;
use crate::domain::{Application, Status};
use crate::notices::{self, request};
use crate::store::inbox::Watermark;
use crate::store::{Tx, apps, outbox, requests};
use crate::workflow::Disposition;
use crate::workflow::asks_request::{ParentRequest, parent_request};
use crate::workflow::command::own_text;

/// Handles `mail` if it makes a request; None leaves it to the others.
pub(super) fn handle(
    app: &App,
    w: Watermark,
    mail: &IncomingMail,
) -> Result<Option<Disposition>, IntakeError> {
    if mail.robot.is_some() || !mail.images.is_empty() {
        return Ok(None);
    }
    let own = own_text(&mail.text, mail.html.as_deref());
    let Some(request) = parent_request(&mail.subject, &own) else {
        return Ok(None);
    };
    let Some(sender) = non_staff_sender(app, mail) else {
        return Ok(None);
    };
    let (cfg, t) = (&app.config, &app.templates);
    app.store().transaction(|tx| -> Result<_, IntakeError> {
        let quiet = robot::judge(app, tx, mail, Some(&sender))?;
        if quiet.robot.is_some() || quiet.last_reply {
            return Ok(None);
        }
        let children = concerned(apps::of_parent(tx, &sender)?);
        if children.is_empty() && !request.named {
            // "Unieważnienie umowy" from a supplier: not ours to answer.
            return Ok(None);
        }
        let mut mails = Vec::new();
        if children.is_empty() {
            mails.push(notices::stranger_reply(t, cfg, &sender, mail, &[], None)?);
        } else {
            mails.push(request::parent_request_receipt(
                t, cfg, &sender, mail, request, &children,
            )?);
            for a in &children {
                mails.push(for_the_secretary(
                    app,
                    tx,
                    a,
                    request,
                    mail,
                    children.len(),
                )?);
            }
        }
        record(
            app,
            tx,
            w,
            Some(mail),
            "processed",
            &cfg.imap.processed_folder,
        )?;
        for m in &mails {
            outbox::enqueue(tx, m, cfg.smtp.from.domain(), app.clock.now())?;
        }
        robot::note(app, tx, mail, Some(&sender))?;
        tracing::info!(children = children.len(), "parent request recorded");
        Ok(Some(Disposition::Processed))
    })
}

/// The children a parent's request can be about: those with an application
/// that was not refused or cancelled; if none, every one of theirs (the
/// secretary still sees what the parent wrote).
fn concerned(all: Vec<Application>) -> Vec<Application> {
    let live: Vec<Application> = all
        .iter()
        .filter(|a| !matches!(a.status, Status::Rejected | Status::Cancelled))
        .cloned()
        .collect();
    if live.is_empty() { all } else { live }
}

/// Records the request on `a` (history, open request) and renders the
/// secretary's mail about it.
fn for_the_secretary(
    app: &App,
    tx: Tx<'_>,
    a: &Application,
    request: ParentRequest,
    mail: &IncomingMail,
    children: usize,
) -> Result<crate::mail::outgoing::OutgoingMail, IntakeError> {
    let now = app.clock.now();
    let objected = requests::objected(tx, a.id)?;
    let kind = request.kind.as_str();
    let detail = match request.new_one {
        true => format!("{kind}+new"),
        false => kind.to_owned(),
    };
    requests::record(tx, a.id, kind, request.new_one, now)?;
    apps::add_event(tx, a.id, now, "parent_request", &detail, "mail:parent")?;
    Ok(request::staff_parent_request(
        &app.templates,
        &app.config,
        (a, objected),
        request,
        mail,
        children - 1,
    )?)
}
