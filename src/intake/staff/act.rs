//! Writes the verdict on a secretary's reply: the mail's record, the
//! command's effects (or the refusal's audit row and alert) and the
//! watermark, in one transaction. Nothing here decides; see `staff::judge`.

use serde::Serialize;

use super::{Verdict, held};
use crate::app::App;
use crate::config::School;
use crate::domain::EmailAddress;
use crate::domain::mail::IncomingMail;
use crate::intake::IntakeError;
use crate::mail::outgoing::{
    ECHO_MAX_CHARS, ECHO_SUBJECT_MAX_CHARS, MailKind, OutgoingMail, echo_safe,
};
use crate::notices::StudentView;
use crate::secretary::{self, ReplyThread, Source};
use crate::store::inbox::Watermark;
use crate::store::lifecycle::{self as store_lc, AuditEntry};
use crate::store::purges::{self, Linked};
use crate::store::{StoreError, Tx, alerts, apps, outbox};
use crate::workflow::Disposition;

/// Carries out `verdict` on `mail`; None if it is not a command mail.
pub(super) fn apply(
    app: &App,
    w: Watermark,
    mail: &IncomingMail,
    verdict: Verdict,
) -> Result<Option<Disposition>, IntakeError> {
    let disposition = match &verdict {
        Verdict::NotACommand => return Ok(None),
        Verdict::Act { .. } | Verdict::ActOnHeld { .. } => Disposition::Processed,
        Verdict::Refuse { .. } => Disposition::NeedsHuman,
    };
    let cfg = &app.config;
    let (kind, folder) = match disposition {
        Disposition::NeedsHuman => ("needs_human", &cfg.imap.needs_human_folder),
        _ => ("processed", &cfg.imap.processed_folder),
    };
    let actor = format!("mail:{}", mail.from.as_deref().unwrap_or("?"));
    let source = || Source {
        actor: actor.clone(),
        mail: Some(thread(mail)),
    };
    let secretary_error = |e| IntakeError::Secretary(Box::new(e));
    let purged = app.store().transaction(|tx| -> Result<bool, IntakeError> {
        crate::intake::record(app, tx, w, Some(mail), kind, folder)?;
        Ok(match &verdict {
            Verdict::Act {
                application,
                command,
                then,
                qr,
                token,
            } => {
                // A token acts once: a copy of this mail (a replay with a new
                // Message-ID) finds it spent.
                let now = app.clock.now();
                if let Some(t) = token
                    && !crate::store::tokens::spend(tx, t, mail.message_id.as_deref(), now)?
                {
                    let refusal = Refusal {
                        reason: "token_spent",
                        command: secretary::command_name(command),
                        application: Some(*application),
                        detail: "the token was spent meanwhile",
                    };
                    refuse(app, tx, mail, &refusal, &actor, folder)?;
                    return Ok(false);
                }
                // Her reply quotes the notification (PESEL, date of birth)
                // and may carry a QR screenshot: purged with the photo.
                link(tx, mail, *application, Linked::Staff)?;
                // Her command lines act in order, in this one transaction.
                let commands = (command, then.as_slice());
                let (outcomes, purged) = secretary::execute_all_in(
                    app,
                    tx,
                    *application,
                    commands,
                    qr.as_deref(),
                    &source(),
                )
                .map_err(secretary_error)?;
                // A reply whose first command changed nothing ("not possible
                // now") did not act, as the rest stopped there: the mail's
                // token stays good for the right one.
                if let (Some(t), secretary::Outcome::Refused(_)) = (token, &outcomes.first) {
                    crate::store::tokens::unspend(tx, t)?;
                }
                purged
            }
            Verdict::ActOnHeld { held, command } => {
                link(tx, mail, held.application_id, Linked::Staff)?;
                let refused =
                    held::act(app, tx, held, command, &source()).map_err(secretary_error)?;
                // Her NIE quotes the held photo's notification, which goes now.
                if refused && let Some(mid) = &mail.message_id {
                    let now = app.clock.now();
                    let app_id = Some(held.application_id);
                    purges::queue_mail(tx, mid, "copy", purges::Origin::Staff, app_id, now)?;
                }
                refused
            }
            Verdict::Refuse {
                reason,
                command,
                application,
                detail,
            } => {
                if let Some(id) = application {
                    // Only a staff address's mail is hers to search for.
                    let what = match *reason {
                        "not_staff" => Linked::Foreign,
                        _ => Linked::Staff,
                    };
                    link(tx, mail, *id, what)?;
                }
                let refusal = Refusal {
                    reason,
                    command,
                    application: *application,
                    detail,
                };
                refuse(app, tx, mail, &refusal, &actor, folder)?;
                false
            }
            // Returned early above.
            Verdict::NotACommand => false,
        })
    })?;
    if purged {
        store_lc::flush_wal(app.store().conn())?;
    }
    Ok(Some(disposition))
}

/// Links a command mail to the application it is about, so the
/// application's purge expunges it (it quotes the notification).
fn link(tx: Tx<'_>, mail: &IncomingMail, application: i64, what: Linked) -> Result<(), StoreError> {
    match &mail.message_id {
        Some(mid) => purges::link(tx, application, mid, what),
        None => Ok(()),
    }
}

/// A refused command, as audited and told to the secretary.
struct Refusal<'a> {
    reason: &'a str,
    command: &'a str,
    application: Option<i64>,
    detail: &'a str,
}

fn thread(mail: &IncomingMail) -> ReplyThread {
    ReplyThread {
        sender: mail
            .from
            .as_deref()
            .and_then(|a| EmailAddress::parse(a).ok()),
        subject: mail.subject.clone(),
        message_id: mail.message_id.clone(),
        references: mail.references.clone(),
    }
}

/// What the `staff_alert` template is given.
#[derive(Debug, Serialize)]
struct AlertView<'a> {
    school: &'a School,
    reason: &'a str,
    sender: &'a str,
    subject: &'a str,
    folder: &'a str,
    student: Option<StudentView>,
    detail: &'a str,
    /// `[staff] trusted_authserv_id`, for the "not confirmed" reasons.
    trusted: &'a str,
    /// `[staff] token_valid_days`, for "the message is too old".
    token_valid_days: u32,
    /// The sender's last alert within the daily cap: say that later ones
    /// are not reported one by one.
    last: bool,
}

/// Audits a refused command and alerts the secretary, in `tx`: at most
/// `max_auto_replies_per_day` alerts about one sender in 24 hours (staff
/// addresses too: a forged `From` may be hers), the rest only audited.
fn refuse(
    app: &App,
    tx: Tx<'_>,
    mail: &IncomingMail,
    refusal: &Refusal<'_>,
    actor: &str,
    folder: &str,
) -> Result<(), IntakeError> {
    let now = app.clock.now();
    let &Refusal {
        reason,
        command,
        application,
        detail,
    } = refusal;
    let student = application
        .map(|id| apps::get(tx, id))
        .transpose()?
        .flatten();
    let sender_key = mail.from.as_deref().unwrap_or("?").to_ascii_lowercase();
    let cap = app.config.max_auto_replies_per_day;
    let alerted = alerts::alerts_since(tx, &sender_key, now - chrono::Duration::hours(24))?;
    let view = AlertView {
        school: &app.config.school,
        reason,
        sender: &echo_safe(mail.from.as_deref().unwrap_or("?"), ECHO_MAX_CHARS),
        subject: &echo_safe(&mail.subject, ECHO_SUBJECT_MAX_CHARS),
        folder,
        student: student.as_ref().map(StudentView::of),
        trusted: app
            .config
            .staff
            .trusted_authserv_id
            .as_deref()
            .unwrap_or_default(),
        token_valid_days: app.config.staff.token_valid_days,
        detail,
        last: alerted.saturating_add(1) == cap,
    };
    let r = app.templates.render("staff_alert", &view)?;
    let alert = OutgoingMail {
        kind: MailKind::StaffAlert,
        application_id: application,
        to: app.config.staff.notify.clone(),
        subject: r.subject,
        body: r.body,
        in_reply_to: None,
        references: vec![],
        attachments: vec![],
    };
    let detail = if alerted < cap {
        outbox::enqueue(tx, &alert, app.config.smtp.from.domain(), now)?;
        alerts::note_alert(tx, &sender_key, now)?;
        detail.to_owned()
    } else {
        format!("{detail}; not alerted (the sender's daily cap)")
    };
    let entry = AuditEntry {
        at: now,
        actor: actor.to_owned(),
        source: "mail".into(),
        message_id: mail.message_id.clone(),
        application_id: application,
        command: command.into(),
        outcome: format!("refused_{reason}"),
        detail,
    };
    store_lc::audit(tx, &entry)?;
    Ok(())
}
