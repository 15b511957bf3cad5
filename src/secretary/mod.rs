//! The secretary's commands, carried out: approve, reject, reject the photo,
//! record the activation code, hand over, entered (SIO), cancel.
//!
//! One entry point, [`execute`], serves both a reply by mail (the intake
//! worker, after checking the sender and the token) and the CLI, so both do
//! exactly the same: the same transition ([`crate::workflow::lifecycle`]), the
//! same mails to the parent, the same audit entry — in one transaction.
//! Purging the photo (the school's rule) happens in that transaction too.

pub mod compose;
pub mod held;

use tracing::info;

use crate::app::App;
use crate::domain::{Application, Status};
use crate::mail::outgoing::OutgoingMail;
use crate::store::apps;
use crate::store::lifecycle::{self as store_lc, AuditEntry};
use crate::store::{StoreError, outbox};
use crate::templates::TemplateError;
use crate::workflow::command::StaffCommand;
use crate::workflow::lifecycle::{self, Refusal, Transition};

#[derive(Debug, thiserror::Error)]
pub enum SecretaryError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error("no application #{0}")]
    NoSuchApplication(i64),
}

/// The staff mail a command arrived in, so answers are threaded to it.
#[derive(Debug, Clone, Default)]
pub struct ReplyThread {
    /// The staff member who wrote (answers go back to her).
    pub sender: Option<crate::domain::EmailAddress>,
    pub subject: String,
    pub message_id: Option<String>,
    pub references: Vec<String>,
}

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
        StaffCommand::Help => "help",
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
    tx: &rusqlite::Connection,
    id: i64,
    command: &StaffCommand,
    qr_content: Option<&str>,
    source: &Source,
) -> Result<(Outcome, bool), SecretaryError> {
    let now = app.clock.now();
    let a = apps::get(tx, id)?.ok_or(SecretaryError::NoSuchApplication(id))?;
    let same_code = match command {
        StaffCommand::Code { code, .. } if a.status == Status::CodeReady => {
            store_lc::code_info(tx, id)?.is_some_and(|c| &c.code == code)
        }
        _ => false,
    };
    let result = if same_code {
        // A replayed KOD, not a correction.
        Err(Refusal::AlreadyDone { status: a.status })
    } else {
        let cfg = &app.config;
        lifecycle::transition(a.status, command, cfg.process, now, cfg.code_valid_days)
    };
    let mut mails = Vec::new();
    let (outcome, purged, audit_outcome, detail) = match result {
        Ok(t) => {
            apply_transition(app, tx, &a, &t, qr_content, source, &mut mails)?;
            let detail = transition_detail(command, &t);
            (
                Outcome::Done {
                    from: a.status,
                    to: t.to,
                },
                t.purge,
                "accepted",
                detail,
            )
        }
        Err(refusal) => {
            let label = match refusal {
                Refusal::Help => "help",
                Refusal::AlreadyDone { .. } => "already_done",
                Refusal::NotNow { .. } => "refused",
                Refusal::WrongProcess { .. } => "wrong_process",
            };
            (
                Outcome::Refused(refusal),
                false,
                label,
                format!("status {}", a.status),
            )
        }
    };
    if let Some(thread) = &source.mail {
        let current = apps::get(tx, id)?.unwrap_or(a.clone());
        mails.push(compose::staff_answer(
            app, &current, command, &outcome, thread,
        )?);
    }
    let domain = app.config.smtp.from.domain().to_owned();
    for m in &mails {
        outbox::enqueue(tx, m, &domain, now)?;
    }
    let entry = AuditEntry {
        at: now,
        actor: source.actor.clone(),
        source: source.kind().into(),
        message_id: source.mail.as_ref().and_then(|m| m.message_id.clone()),
        application_id: Some(id),
        command: command_name(command).into(),
        outcome: audit_outcome.into(),
        detail,
    };
    store_lc::audit(tx, &entry)?;
    Ok((outcome, purged))
}

fn transition_detail(command: &StaffCommand, t: &Transition) -> String {
    let reason = match command {
        StaffCommand::Reject { reason }
        | StaffCommand::RejectPhoto { reason }
        | StaffCommand::Cancel { reason } => reason.as_str(),
        _ => "",
    };
    [t.detail.as_str(), reason]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("; ")
}

fn apply_transition(
    app: &App,
    tx: &rusqlite::Connection,
    a: &Application,
    t: &Transition,
    qr_content: Option<&str>,
    source: &Source,
    mails: &mut Vec<OutgoingMail>,
) -> Result<(), SecretaryError> {
    let now = app.clock.now();
    if t.implicitly_approved {
        apps::set_status(tx, a.id, Status::Approved, now, &t.detail, &source.actor)?;
    }
    let reason = match &t.parent {
        lifecycle::ParentNotice::Rejected { reason }
        | lifecycle::ParentNotice::NewPhotoNeeded { reason }
        | lifecycle::ParentNotice::Cancelled { reason } => reason.as_str(),
        _ => "",
    };
    apps::set_status(tx, a.id, t.to, now, reason, &source.actor)?;
    if let Some(code) = &t.code {
        store_lc::record_code(tx, a.id, code, qr_content)?;
    }
    if t.to == Status::HandedOver {
        store_lc::record_handed_over(tx, a.id, now, &source.actor)?;
    }
    if t.purge {
        // Photos of this child the parent sent while no application could
        // take them (e.g. after the code was entered) are purged too.
        for o in crate::registry::orphans_naming(tx, a)? {
            if a.has_parent_text(o.sender.as_deref()) {
                crate::store::inbox::adopt_orphan(tx, o.id, a.id, now)?;
            }
        }
        // Photos held for this student (a stranger's) go too.
        let n = store_lc::purge_photos(tx, a.id, now)?
            + crate::store::held::purge_held_for(tx, a.id, now)?;
        if n > 0 {
            apps::add_event(
                tx,
                a.id,
                now,
                "photo_purged",
                "photo deleted (school rule)",
                &source.actor,
            )?;
        }
    }
    let updated = apps::get(tx, a.id)?.unwrap_or_else(|| a.clone());
    let code = store_lc::code_info(tx, a.id)?;
    if let Some(mut m) = compose::parent_notice(app, &updated, &t.parent, code.as_ref())? {
        // The parent who sent the photo hears the news; the primary address
        // only when no parent wrote.
        if let Some(sender) = crate::store::inbox::latest_photo_sender(tx, a.id)?
            .and_then(|s| crate::domain::EmailAddress::parse(&s).ok())
            .filter(|s| a.has_parent(s))
        {
            m.to = sender;
        }
        mails.push(m);
    }
    if t.slip
        && let Some(code) = &code
    {
        mails.push(compose::staff_slip(app, &updated, code)?);
    }
    Ok(())
}
