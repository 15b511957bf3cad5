//! A photo held back from a stranger, and the secretary's word on it.
//!
//! A photo named after a student but sent by an address that is not one of
//! that application's parents could be anybody's: a classmate's joke, a
//! mistyped address, someone fishing for a child's class. It is kept aside
//! (not the application's photo; it supersedes nothing), the sender is told
//! only that the secretariat will check it, and the secretary gets the photo
//! with its own token. Her `TAK` makes it the application's photo exactly as
//! if a parent had sent it (the same [`crate::workflow::transition`] and
//! applier as a parent's photo); `NIE: <powód>` deletes it and tells the sender
//! why — still without the student's name.

use serde::Serialize;

use super::{ReplyThread, SecretaryError, Source};
use crate::app::App;
use crate::apply_outcome::{Context, PhotoSource, advance};
use crate::domain::{Application, EmailAddress, Status};
use crate::mail::outgoing::{MailKind, OutgoingMail, reply_subject};
use crate::notices::{self, HeldNote, StudentView};
use crate::photo::{DetectedKind, PhotoCheck, PhotoFormat, detect_kind};
use crate::store::apps;
use crate::store::held::{self as store_held, HeldPhoto};
use crate::store::lifecycle::{self as store_lc, AuditEntry};
use crate::store::{StoreError, Tx, outbox};
use crate::templates::TemplateError;
use crate::workflow::command::StaffCommand;
use crate::workflow::transition::Event;

/// Where a held photo came from.
#[derive(Debug, Clone, Copy)]
pub struct HeldSource<'a> {
    /// The stored photo row.
    pub photo: i64,
    pub sender: &'a str,
    pub subject: &'a str,
    pub message_id: Option<&'a str>,
}

/// Holds photo `src.photo` for application `a` and queues the secretary's
/// needs-human mail about it, in the caller's transaction.
pub fn hold<E>(
    app: &App,
    tx: Tx<'_>,
    a: &Application,
    src: HeldSource<'_>,
    check: &PhotoCheck,
    data: &[u8],
) -> Result<(), E>
where
    E: From<StoreError> + From<TemplateError>,
{
    // 60 random bits, like an application's token, and never the same as it:
    // a TAK to this photo cannot act on the application, nor the reverse.
    let token = uuid::Uuid::new_v4().simple().to_string()[..16].to_owned();
    store_held::mark_held(tx, src.photo, a.id, &token)?;
    if let Some(mid) = src.message_id {
        // The mail holds a photo of (maybe) this child: the application's
        // purge expunges it too.
        store_lc::link_mail(tx, a.id, mid)?;
    }
    let note = HeldNote {
        token: &token,
        sender: src.sender,
        subject: src.subject,
        check,
        data,
    };
    let mail = notices::staff_held_photo(&app.templates, &app.config, a, note)?
        .with_stored_photo(src.photo);
    let now = app.clock.now();
    let message_id = outbox::enqueue(tx, &mail, app.config.smtp.from.domain(), now)?;
    store_held::set_held_notice(tx, src.photo, &message_id)?;
    apps::add_event(tx, a.id, now, "photo_held", "not_a_parent", "mleg")?;
    Ok(())
}

/// What the secretary's reply did to a held photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HeldOutcome {
    Accepted,
    Refused,
    /// Decided before (a second reply changes nothing).
    AlreadyDone,
    /// The application no longer takes a photo.
    NotNow,
    /// The photo's bytes are gone (kept too long, or the application closed).
    Gone,
    /// Not `TAK` nor `NIE`: the answer lists the two.
    Help,
}

/// Carries out the secretary's `command` on a held photo, in the caller's
/// transaction: the photo, the application, the mails, the audit entry.
/// Returns what happened and whether bytes were purged.
pub fn decide(
    app: &App,
    tx: Tx<'_>,
    held: &HeldPhoto,
    command: &StaffCommand,
    source: &Source,
) -> Result<(HeldOutcome, bool), SecretaryError> {
    let now = app.clock.now();
    let id = held.application_id;
    let a = apps::get(tx, id)?.ok_or(SecretaryError::NoSuchApplication(id))?;
    let outcome = match (command, &held.data) {
        _ if held.outcome.is_some() => HeldOutcome::AlreadyDone,
        (StaffCommand::Approve, None) => HeldOutcome::Gone,
        // `transition` refuses it when the application takes no photo.
        (StaffCommand::Approve, Some(data)) => accept(app, tx, held, &a, data, source)?,
        (StaffCommand::Reject { reason } | StaffCommand::RejectPhoto { reason }, _) => {
            store_held::refuse_held(tx, held.id, now)?;
            notify_sender(app, tx, held, ("refused", reason))?;
            HeldOutcome::Refused
        }
        _ => HeldOutcome::Help,
    };
    let current = apps::get(tx, id)?.unwrap_or(a);
    if let Some(thread) = &source.mail {
        let answer = staff_answer(app, &current, outcome, thread)?;
        outbox::enqueue(tx, &answer, app.config.smtp.from.domain(), now)?;
    }
    let audit_outcome = match outcome {
        HeldOutcome::Accepted | HeldOutcome::Refused => "accepted",
        HeldOutcome::AlreadyDone => "already_done",
        HeldOutcome::NotNow | HeldOutcome::Gone => "refused",
        HeldOutcome::Help => "help",
    };
    let entry = AuditEntry {
        at: now,
        actor: source.actor.clone(),
        source: source.kind().into(),
        message_id: source.mail.as_ref().and_then(|m| m.message_id.clone()),
        application_id: Some(id),
        command: format!("held_{}", super::command_name(command)),
        outcome: audit_outcome.into(),
        detail: format!("held photo #{}", held.id),
    };
    store_lc::audit(tx, &entry)?;
    Ok((outcome, outcome == HeldOutcome::Refused))
}

/// `TAK`: the held photo becomes the application's, as if a parent sent it
/// ([`Event::HeldPhotoAccepted`]: the status, the secretary's notification
/// with the application's token, the sender's news).
fn accept(
    app: &App,
    tx: Tx<'_>,
    held: &HeldPhoto,
    a: &Application,
    data: &[u8],
    source: &Source,
) -> Result<HeldOutcome, SecretaryError> {
    let now = app.clock.now();

    let check = PhotoCheck {
        format: match detect_kind(data) {
            DetectedKind::Png => PhotoFormat::Png,
            _ => PhotoFormat::Jpeg,
        },
        width: held.width,
        height: held.height,
        bytes: data.len(),
    };
    let ctx = Context {
        actor: &source.actor,
        qr_content: None,
        photo: Some(PhotoSource {
            photo: held.id,
            check: &check,
            data,
            sender: held.sender.as_deref(),
            subject: &held.source_subject,
            message_id: held.source_message_id.as_deref(),
        }),
        audit: None,
    };
    // Refused (the application takes no photo now): nothing was written,
    // and the photo stays held.
    if !advance::<SecretaryError>(app, tx, a, &Event::HeldPhotoAccepted, &ctx)?.moved() {
        return Ok(HeldOutcome::NotNow);
    }
    store_held::accept_held(tx, held.id, a.id, now)?;
    Ok(HeldOutcome::Accepted)
}

fn notify_sender(
    app: &App,
    tx: Tx<'_>,
    held: &HeldPhoto,
    outcome: (&str, &str),
) -> Result<(), SecretaryError> {
    let Some(to) = held
        .sender
        .as_deref()
        .and_then(|s| EmailAddress::parse(s).ok())
    else {
        return Ok(());
    };
    let m = notices::sender_held_notice(
        &app.templates,
        &app.config,
        &to,
        outcome,
        &held.source_subject,
        held.source_message_id.as_deref(),
    )?;
    outbox::enqueue(tx, &m, app.config.smtp.from.domain(), app.clock.now())?;
    Ok(())
}

#[derive(Debug, Serialize)]
struct AnswerView<'a> {
    school: &'a crate::config::School,
    student: StudentView,
    outcome: HeldOutcome,
    status: Status,
}

fn staff_answer(
    app: &App,
    a: &Application,
    outcome: HeldOutcome,
    thread: &ReplyThread,
) -> Result<OutgoingMail, SecretaryError> {
    let cfg = &app.config;
    let view = AnswerView {
        school: &cfg.school,
        student: StudentView::of(a),
        outcome,
        status: a.status,
    };
    let r = app.templates.render("staff_held_answer", &view)?;
    Ok(OutgoingMail {
        kind: MailKind::StaffAnswer,
        application_id: None,
        to: thread
            .sender
            .clone()
            .unwrap_or_else(|| cfg.staff.notify.clone()),
        subject: reply_subject(&thread.subject, &r.subject),
        body: r.body,
        in_reply_to: thread.message_id.clone(),
        references: thread
            .references
            .iter()
            .cloned()
            .chain(thread.message_id.clone())
            .collect(),
        attachments: vec![],
    })
}
