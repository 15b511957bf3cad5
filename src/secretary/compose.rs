//! The answer to the secretary's own reply: done, already done, not possible
//! now, or help. (The parent's news and the slip are in [`super::notices`].)

use serde::Serialize;

use super::notices::mail;
use super::{Outcome, ReplyThread, SecretaryError, command_name};
use crate::app::App;
use crate::config::{Delivery, Process, School};
use crate::domain::{Application, Status};
use crate::intake::compose::StudentView;
use crate::mail::outgoing::{MailKind, OutgoingMail, reply_subject};
use crate::workflow::command::StaffCommand;
use crate::workflow::lifecycle::Refusal;

#[derive(Debug, Serialize)]
struct AnswerView<'a> {
    school: &'a School,
    student: StudentView,
    command: &'static str,
    /// "done", "already_done", "not_now", "wrong_process", "help"
    outcome: &'static str,
    from_status: Option<Status>,
    status: Status,
    process: Process,
    delivery: Delivery,
}

/// The answer to the secretary's reply: done, already done, not possible, or help.
pub fn staff_answer(
    app: &App,
    a: &Application,
    command: &StaffCommand,
    outcome: &Outcome,
    thread: &ReplyThread,
) -> Result<OutgoingMail, SecretaryError> {
    let cfg = &app.config;
    let (label, from_status) = match outcome {
        Outcome::Done { from, .. } => ("done", Some(*from)),
        Outcome::Refused(Refusal::AlreadyDone { .. }) => ("already_done", None),
        Outcome::Refused(Refusal::NotNow { .. }) => ("not_now", None),
        Outcome::Refused(Refusal::WrongProcess { .. }) => ("wrong_process", None),
        Outcome::Refused(Refusal::Help) => ("help", None),
    };
    let view = AnswerView {
        school: &cfg.school,
        student: StudentView::of(a),
        command: command_name(command),
        outcome: label,
        from_status,
        status: a.status,
        process: cfg.process,
        delivery: cfg.delivery,
    };
    let r = app.templates.render("staff_answer", &view)?;
    Ok(OutgoingMail {
        subject: reply_subject(&thread.subject, &r.subject),
        in_reply_to: thread.message_id.clone(),
        references: thread
            .references
            .iter()
            .cloned()
            .chain(thread.message_id.clone())
            .collect(),
        ..mail(
            MailKind::StaffAnswer,
            a,
            thread
                .sender
                .clone()
                .unwrap_or_else(|| cfg.staff.notify.clone()),
            r,
        )
    })
}
