//! Carries out a workflow decision: everything it changes, and every mail it
//! causes, in one SQLite transaction.

use super::IntakeError;
use crate::app::App;
use crate::apply_outcome::{Context, PhotoSource, advance};
use crate::domain::mail::IncomingMail;
use crate::domain::{Application, EmailAddress};
use crate::mail::outgoing::{MailKind, OutgoingMail};
use crate::notices;
use crate::store::apps;
use crate::store::inbox::{self, NewPhoto, Watermark};
use crate::store::purges::{self, Linked};
use crate::store::{StoreError, Tx, bounces, outbox};
use crate::workflow::transition::Event;
use crate::workflow::{Checked, Decision, Disposition, PhotoDecision};

/// Records `decision` in the caller's transaction `tx`. `mail`'s photos are
/// already stripped of metadata ([`without_photo_metadata`], done before the
/// transaction opened).
pub fn apply(
    app: &App,
    tx: Tx<'_>,
    w: Watermark,
    mail: &IncomingMail,
    decision: &Decision,
    open_apps: &[Application],
    too_large: Option<u64>,
) -> Result<(), IntakeError> {
    let cfg = &app.config;
    let now = app.clock.now();
    let mails = render_mails(app, mail, decision, open_apps, too_large)?;
    let folder = match decision.disposition {
        Disposition::NeedsHuman => &cfg.imap.needs_human_folder,
        _ => &cfg.imap.processed_folder,
    };
    let actor = format!("mail:{}", mail.from.as_deref().unwrap_or("?"));
    let from_domain = cfg.smtp.from.domain().to_owned();
    {
        let row = super::record(
            app,
            tx,
            w,
            Some(mail),
            disposition_name(decision.disposition),
            folder,
        )?;
        // The parent's answer is queued first, so it is sent first: a parent
        // waits at the phone, the secretary reads her mail in batches.
        for m in &mails {
            let id = outbox::enqueue(tx, m, &from_domain, now)?;
            if m.kind == MailKind::StaffNeedsHuman {
                link_note(tx, &id, mail, decision)?;
            }
        }
        for d in decision
            .photos
            .iter()
            .filter(|d| !superseded_in_mail(decision, d))
        {
            if let PhotoDecision::Held {
                image,
                application_id,
                check,
            } = d
            {
                hold(
                    app,
                    tx,
                    mail,
                    (*image, *application_id, check),
                    row,
                    open_apps,
                )?;
                continue;
            }
            store_photo(app, tx, d, mail, row, open_apps, &actor)?;
        }
        Ok(())
    }
}

/// A "needs a human" note quotes the mail's sender and subject and names
/// the students it may be about: it is linked to those applications and to
/// the sender's own, and leaves with them once they are closed.
fn link_note(
    tx: Tx<'_>,
    note: &str,
    mail: &IncomingMail,
    decision: &Decision,
) -> Result<(), StoreError> {
    let mut ids: Vec<i64> = decision
        .photos
        .iter()
        .flat_map(|d| match d {
            PhotoDecision::Ambiguous { candidates, .. } => candidates.clone(),
            _ => Vec::new(),
        })
        .collect();
    if let Some(from) = &mail.from {
        ids.extend(bounces::applications_of_parent(tx, from)?);
    }
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        purges::link(tx, id, note, Linked::Note)?;
    }
    Ok(())
}

/// Two accepted photos of one child in one mail: only the last counts (it
/// would replace the first at once, and the secretary needs one notification).
fn superseded_in_mail(decision: &Decision, d: &PhotoDecision) -> bool {
    let PhotoDecision::Accepted {
        image,
        application_id,
        ..
    } = d
    else {
        return false;
    };
    decision.photos.iter().any(|other| {
        matches!(other, PhotoDecision::Accepted { image: i, application_id: a, .. } if a == application_id && i > image)
    })
}

fn disposition_name(d: Disposition) -> &'static str {
    match d {
        Disposition::Ignore => "ignored",
        Disposition::Processed => "processed",
        Disposition::NeedsHuman => "needs_human",
    }
}

fn render_mails(
    app: &App,
    mail: &IncomingMail,
    decision: &Decision,
    open_apps: &[Application],
    too_large: Option<u64>,
) -> Result<Vec<OutgoingMail>, IntakeError> {
    let (t, cfg) = (&app.templates, &app.config);
    let sender = mail
        .from
        .as_deref()
        .and_then(|a| EmailAddress::parse(a).ok());
    let mut mails = Vec::new();
    if let (true, true, Some(to)) = (decision.reply_to_parent, decision.last_notice, &sender) {
        mails.push(notices::robot::parent_last_notice(t, cfg, to, mail)?);
    } else if let (true, true, Some(to)) = (decision.reply_to_parent, decision.neutral, &sender) {
        mails.push(notices::stranger_reply(
            t,
            cfg,
            to,
            mail,
            &decision.photos,
            too_large,
        )?);
    } else if let (true, Some(to)) = (decision.reply_to_parent, &sender) {
        mails.push(notices::parent_reply(
            t, cfg, to, mail, decision, open_apps, too_large,
        )?);
    }
    let mut candidates: Vec<&Application> = Vec::new();
    for d in decision
        .photos
        .iter()
        .filter(|d| !superseded_in_mail(decision, d))
    {
        // The secretary's notification of an accepted photo is queued by the
        // applier, with the photo's status change.
        if let PhotoDecision::Ambiguous {
            candidates: ids, ..
        } = d
        {
            candidates.extend(open_apps.iter().filter(|a| ids.contains(&a.id)));
        }
    }
    if let Some(reason) = decision.human {
        // A mail from the parent of exactly one open application is about
        // it: the note carries that application's token, so the secretary
        // can answer it with a command.
        let mut of_sender = open_apps
            .iter()
            .filter(|a| sender.as_ref().is_some_and(|s| a.has_parent(s)));
        let about = match (of_sender.next(), of_sender.next()) {
            (Some(a), None) => Some(a),
            _ => None,
        };
        mails.push(notices::staff_needs_human(
            t,
            cfg,
            (reason, decision.robot),
            mail,
            (candidates, about),
        )?);
    }
    Ok(mails)
}

/// Stores a stranger's photo aside and tells the secretary (see
/// [`crate::secretary::held`]).
fn hold(
    app: &App,
    tx: Tx<'_>,
    mail: &IncomingMail,
    (image, application_id, check): (usize, i64, &crate::photo::PhotoCheck),
    message_row: i64,
    open_apps: &[Application],
) -> Result<(), IntakeError> {
    let Some(a) = open_apps.iter().find(|a| a.id == application_id) else {
        return Ok(());
    };
    let img = &mail.images[image];
    let photo = NewPhoto {
        application_id: None,
        message_row: Some(message_row),
        source_message_id: mail.message_id.as_deref(),
        source_subject: &mail.subject,
        sender: mail.from.as_deref(),
        file_name: img.file_name.as_deref(),
        name_tokens: &[],
        width: check.width,
        height: check.height,
        data: &img.data,
    };
    let id = inbox::insert_photo(tx, &photo, app.clock.now())?;
    let src = crate::secretary::held::HeldSource {
        photo: id,
        sender: mail.from.as_deref().unwrap_or_default(),
        subject: &mail.subject,
        message_id: mail.message_id.as_deref(),
    };
    crate::secretary::held::hold(app, tx, a, src, check, &img.data)
}

fn store_photo(
    app: &App,
    tx: Tx<'_>,
    d: &PhotoDecision,
    mail: &IncomingMail,
    message_row: i64,
    open_apps: &[Application],
    actor: &str,
) -> Result<(), IntakeError> {
    let now = app.clock.now();
    let (image, application_id, check, tokens) = match d {
        PhotoDecision::Accepted {
            image,
            application_id,
            check,
        } => (*image, Some(*application_id), check, &[][..]),
        PhotoDecision::Unregistered {
            image,
            check,
            name_tokens,
        } => (*image, None, check, &name_tokens[..]),
        PhotoDecision::Ambiguous {
            image,
            check,
            name_tokens,
            ..
        } => (*image, None, check, &name_tokens[..]),
        // Stored by `hold`.
        PhotoDecision::Held { .. } => return Ok(()),
        PhotoDecision::Rejected {
            application_id,
            problems,
            ..
        } => {
            if let Some(id) = application_id {
                let codes: Vec<&str> = problems.iter().map(|p| p.code()).collect();
                apps::add_event(tx, *id, now, "photo_rejected", &codes.join(","), actor)?;
                if let Some(mid) = &mail.message_id {
                    crate::store::lifecycle::link_mail(tx, *id, mid)?;
                }
            }
            return Ok(());
        }
    };
    let img = &mail.images[image];
    let photo = NewPhoto {
        application_id,
        message_row: Some(message_row),
        source_message_id: mail.message_id.as_deref(),
        source_subject: &mail.subject,
        sender: mail.from.as_deref(),
        file_name: img.file_name.as_deref(),
        name_tokens: tokens,
        width: check.width,
        height: check.height,
        data: &img.data,
    };
    let photo_id = inbox::insert_photo(tx, &photo, now)?;
    let Some(a) = application_id.and_then(|id| open_apps.iter().find(|a| a.id == id)) else {
        return Ok(());
    };
    // `decide` accepts photos only for applications that take one, so
    // `transition` does not refuse here; if it did, the photo stays stored.
    let ctx = Context {
        actor,
        qr_content: None,
        photo: Some(PhotoSource {
            photo: photo_id,
            check,
            data: &img.data,
            sender: mail.from.as_deref(),
            subject: &mail.subject,
            message_id: mail.message_id.as_deref(),
        }),
        audit: None,
    };
    advance::<IntakeError>(app, tx, a, &Event::PhotoAccepted, &ctx)?;
    Ok(())
}

/// `mail` with its photos stripped of GPS, device and time, EXIF orientation
/// applied ([`crate::photo::strip_metadata`]): only such copies are stored
/// and mailed to the secretary. A photo made to fit the size limit is
/// replaced by its re-encoded copy (already without metadata), so the
/// original is neither stored nor mailed. Refused images are neither, so
/// they are left alone (no second decode of a hostile file).
pub(super) fn without_photo_metadata(
    mail: &IncomingMail,
    decision: &Decision,
    max_bytes: u64,
    checked: &Checked,
) -> IncomingMail {
    let refused: Vec<usize> = decision
        .photos
        .iter()
        .filter_map(|d| match d {
            PhotoDecision::Rejected { image, .. } => Some(*image),
            _ => None,
        })
        .collect();
    let mut mail = mail.clone();
    for (i, img) in mail.images.iter_mut().enumerate() {
        if let Some(c) = decision.compressed.iter().find(|c| c.image == i) {
            img.data.clone_from(&c.data);
        } else if refused.contains(&i) {
            continue;
        } else if let Some(clean) = checked.get(i).and_then(|c| c.stripped.as_ref()) {
            // Stripped ahead, on the blocking pool.
            img.data.clone_from(clean);
        } else if let Ok(clean) = crate::photo::strip_metadata(&img.data, max_bytes) {
            img.data = clean;
        }
    }
    mail
}
