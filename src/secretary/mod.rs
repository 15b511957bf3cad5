//! The secretary's commands, carried out: approve, reject, reject the photo,
//! record the activation code, hand over, entered (SIO), cancel.
//!
//! One entry point, [`execute`], serves both a reply by mail (the intake
//! worker, after checking the sender and the token) and the CLI, so both do
//! exactly the same: the same transition ([`crate::workflow::transition`]),
//! written by the same applier ([`crate::apply_outcome`]: status, history,
//! code, purge, the parent's mail and the slip), the same answer and audit
//! entry — in one transaction.

pub mod held;
pub mod objection;
pub mod sync;

use tracing::info;

use crate::app::App;
use crate::apply_outcome::{Advanced, Audit, Context, advance};
use crate::domain::Status;
use crate::notices;
use crate::store::apps;
use crate::store::kept_photos;
use crate::store::lifecycle as store_lc;
use crate::store::{StoreError, Tx, outbox};
use crate::templates::TemplateError;
use crate::workflow::command::StaffCommand;
use crate::workflow::keep_photo::KeptPhoto;
use crate::workflow::lifecycle::Refusal;
use crate::workflow::transition::Event;

#[derive(Debug, thiserror::Error)]
pub enum SecretaryError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error("no application #{0}")]
    NoSuchApplication(i64),
}

pub use crate::notices::ReplyThread;

/// Who gave the command, and how.
#[derive(Debug, Clone)]
pub struct Source {
    /// "mail:sekretariat@…" or "cli:jkowalska".
    pub actor: String,
    /// Set for a command by mail: the secretary gets her answer by mail.
    pub mail: Option<ReplyThread>,
}

impl Source {
    fn kind(&self) -> &'static str {
        if self.mail.is_some() { "mail" } else { "cli" }
    }
}

/// What a command did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Done { from: Status, to: Status },
    Refused(Refusal),
}

/// A short name of a command, for the audit log and the answers.
pub fn command_name(c: &StaffCommand) -> &'static str {
    match c {
        StaffCommand::Approve => "approve",
        StaffCommand::Reject { .. } => "reject",
        StaffCommand::RejectPhoto { .. } => "photo_reject",
        StaffCommand::Code { .. } => "code",
        StaffCommand::HandedOver => "handed",
        StaffCommand::Entered => "entered",
        StaffCommand::Cancel { .. } => "cancel",
        StaffCommand::Invalidate { .. } => "invalidate",
        StaffCommand::Reissue { keep_photo: false } => "reissue",
        StaffCommand::Reissue { keep_photo: true } => "reissue_keep_photo",
        StaffCommand::Help => "help",
        StaffCommand::Objection => "objection",
    }
}

/// An invalidation's reason in the school's language, for her answer.
fn reason_words(app: &App, command: &StaffCommand) -> String {
    match command {
        StaffCommand::Invalidate { reason } => {
            crate::words::invalidation_reason(app.config.language, *reason).to_owned()
        }
        _ => String::new(),
    }
}

/// Carries out `command` on application `id`. `qr_content` is the decoded QR
/// code of the ministry screen, when the secretary attached one.
pub fn execute(
    app: &App,
    id: i64,
    command: &StaffCommand,
    qr_content: Option<&str>,
    source: &Source,
) -> Result<Outcome, SecretaryError> {
    let (outcome, purged) = app
        .store()
        .transaction(|tx| execute_in(app, tx, id, command, qr_content, source))?;
    if purged {
        // Purged bytes must not survive in the write-ahead log either.
        store_lc::flush_wal(app.store().conn())?;
    }
    info!(application = id, command = command_name(command), outcome = ?outcome, "staff command");
    Ok(outcome)
}

/// [`execute`] inside the caller's transaction (the intake worker records
/// the staff mail in the same one). Returns whether a photo was purged.
pub fn execute_in(
    app: &App,
    tx: Tx<'_>,
    id: i64,
    command: &StaffCommand,
    qr_content: Option<&str>,
    source: &Source,
) -> Result<(Outcome, bool), SecretaryError> {
    let (outcomes, purged) = execute_all_in(app, tx, id, (command, &[]), qr_content, source)?;
    Ok((outcomes.first, purged))
}

/// What the commands of one reply did: the first's outcome, then each
/// later one's, in order, up to the first refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcomes {
    pub first: Outcome,
    pub then: Vec<Outcome>,
}

/// Carries out a reply's commands in order on application `id`, each
/// through `advance` on the status the one before left, in the caller's
/// transaction, with ONE answer to the secretary listing each outcome.
///
/// A refused command stops the rest: they were written for the status it
/// would have made (`PONOWNIE` after an `UNIEWAŻNIJ` that did not act would
/// reissue a live mLegitymacja), so carrying them out would be a guess. What
/// was done before it stands (each command is whole on its own), and her
/// answer names the commands not carried out.
pub fn execute_all_in(
    app: &App,
    tx: Tx<'_>,
    id: i64,
    (first, then): (&StaffCommand, &[StaffCommand]),
    qr_content: Option<&str>,
    source: &Source,
) -> Result<(Outcomes, bool), SecretaryError> {
    let commands: Vec<&StaffCommand> = std::iter::once(first).chain(then).collect();
    let mut outcomes = Vec::new();
    let mut parts = Vec::new();
    let mut purged = false;
    for (i, command) in commands.iter().enumerate() {
        let (outcome, moved_purge, detail) = one(app, tx, id, command, qr_content, source)?;
        purged |= moved_purge;
        let refused = matches!(outcome, Outcome::Refused(_));
        let skipped: Vec<&'static str> = match refused {
            true => commands[i + 1..].iter().map(|c| command_name(c)).collect(),
            false => Vec::new(),
        };
        if let Some(thread) = &source.mail {
            let current = apps::get(tx, id)?.ok_or(SecretaryError::NoSuchApplication(id))?;
            let answered = match &outcome {
                Outcome::Done { from, .. } => Ok(*from),
                Outcome::Refused(r) => Err(r),
            };
            parts.push(notices::staff_answer(
                &app.templates,
                &app.config,
                &current,
                (command_name(command), &detail),
                answered,
                (thread, &skipped),
            )?);
        }
        outcomes.push(outcome);
        if refused {
            break;
        }
    }
    if let Some(answer) = notices::joined_answer(parts) {
        let domain = app.config.smtp.from.domain().to_owned();
        outbox::enqueue(tx, &answer, &domain, app.clock.now())?;
    }
    let mut outcomes = outcomes.into_iter();
    let first = outcomes
        .next()
        .ok_or(SecretaryError::NoSuchApplication(id))?;
    let then = outcomes.collect();
    Ok((Outcomes { first, then }, purged))
}

/// One command through `advance`: its outcome, whether it purged, and the
/// detail her answer carries (an invalidation's reason, a reissue's new id).
fn one(
    app: &App,
    tx: Tx<'_>,
    id: i64,
    command: &StaffCommand,
    qr_content: Option<&str>,
    source: &Source,
) -> Result<(Outcome, bool, String), SecretaryError> {
    let now = app.clock.now();
    let a = apps::get(tx, id)?.ok_or(SecretaryError::NoSuchApplication(id))?;
    let recorded_code = match command {
        StaffCommand::Code { .. } => store_lc::code_info(tx, id)?.map(|c| c.code),
        _ => None,
    };
    let event = match command {
        StaffCommand::Reissue { keep_photo } => Event::Reissue {
            reissued_as: apps::reissue_links(tx, id)?.1,
            keep_photo: match keep_photo {
                true => Some(KeptPhoto {
                    until: kept_photos::kept(tx, id)?.map(|k| k.until),
                }),
                false => None,
            },
        },
        _ => Event::Staff {
            command: command.clone(),
            recorded_code,
            complete_at: crate::store::dates::app_dates(tx, id)?.complete_at,
        },
    };
    let ctx = Context {
        actor: &source.actor,
        qr_content,
        photo: None,
        audit: Some(Audit {
            source: source.kind(),
            message_id: source.mail.as_ref().and_then(|m| m.message_id.as_deref()),
            command: command_name(command),
        }),
    };
    let mut detail = reason_words(app, command);
    let (outcome, purged) = match advance::<SecretaryError>(app, tx, &a, &event, &ctx)? {
        Advanced::Moved {
            from,
            outcome,
            purged,
        } => {
            if matches!(
                command,
                StaffCommand::Objection
                    | StaffCommand::Invalidate {
                        reason: crate::domain::InvalidationReason::Objection
                    }
            ) {
                // Kept for the student, not the application: nothing is
                // issued under any later application of theirs either.
                crate::store::requests::object(tx, a.id, now)?;
                apps::add_event(tx, a.id, now, "objection", "", &source.actor)?;
            }
            if let StaffCommand::Reissue { keep_photo } = command {
                let new = match kept_photos::kept(tx, id)?.filter(|_| *keep_photo) {
                    // `transition` judged the window: the kept photo goes along.
                    Some(kept) => crate::registry::reissue_with_photo::<SecretaryError>(
                        app,
                        tx,
                        &a,
                        &source.actor,
                        kept.photo,
                    )?,
                    None => {
                        crate::registry::reissue_in::<SecretaryError>(app, tx, &a, &source.actor)?
                    }
                };
                detail = new.to_string();
            }
            let to = outcome.status().unwrap_or(from);
            (Outcome::Done { from, to }, purged)
        }
        Advanced::Refused(refusal) => (Outcome::Refused(refusal), false),
    };
    Ok((outcome, purged, detail))
}
