//! The answer to the secretary's own reply: done, already done, not possible
//! now, or help. (The parent's news and the slip are in [`super::lifecycle`].)

use serde::Serialize;

use super::{ReplyThread, StudentView, mail};
use crate::config::{Config, Delivery, Process, School};
use crate::domain::{Application, Status};
use crate::mail::outgoing::{MailKind, OutgoingMail, reply_subject};
use crate::templates::{TemplateError, Templates};
use crate::workflow::lifecycle::Refusal;
use crate::workflow::lifecycle::issue_time::IssueTimeProblem;

#[derive(Debug, Serialize)]
struct AnswerView<'a> {
    school: &'a School,
    student: StudentView,
    command: &'static str,
    /// "done", "already_done", "not_now", "wrong_process", "bad_issue_time",
    /// "photo_not_kept", "help"
    outcome: &'static str,
    /// Why a typed `KOD` generation time was refused (`bad_issue_time`).
    issue_time: Option<IssueTimeView>,
    /// `photo_not_kept`: the day the kept photo's window ended (`dd.mm.yyyy`),
    /// None when no photo was kept at all.
    kept_until: Option<String>,
    /// `[retention] photo_keep_days`: the help lists `PONOWNIE ZE ZDJĘCIEM`.
    photo_keep_days: u32,
    from_status: Option<Status>,
    status: Status,
    /// An invalidation's reason, in the school's language (else empty).
    reason: &'a str,
    process: Process,
    delivery: Delivery,
    /// The later commands of her reply not carried out because this one
    /// was refused (short names), in order.
    skipped: &'a [&'static str],
}

/// A refused generation time, in the school's time zone.
#[derive(Debug, Serialize)]
struct IssueTimeView {
    /// "future", "before_completion" or "lapsed"
    problem: &'static str,
    /// The time she typed, as `dd.mm.yyyy hh:mm`.
    typed: String,
    /// When the application became complete (`before_completion`).
    complete_at: Option<String>,
    valid_days: i64,
}

impl IssueTimeView {
    fn of(cfg: &Config, at: chrono::DateTime<chrono::Utc>, problem: &IssueTimeProblem) -> Self {
        let local = |t: chrono::DateTime<chrono::Utc>| {
            t.with_timezone(&cfg.dates.timezone)
                .format("%d.%m.%Y %H:%M")
                .to_string()
        };
        let (problem, complete_at) = match problem {
            IssueTimeProblem::Future => ("future", None),
            IssueTimeProblem::BeforeCompletion { complete_at } => {
                ("before_completion", Some(local(*complete_at)))
            }
            IssueTimeProblem::Lapsed { .. } => ("lapsed", None),
        };
        IssueTimeView {
            problem,
            typed: local(at),
            complete_at,
            valid_days: cfg.code_valid_days,
        }
    }
}

/// The answer to the secretary's reply: done, already done, not possible, or help.
///
/// `command` is the command's short name (`secretary::command_name`);
/// `outcome` is `Ok(from)` when it was carried out from status `from`, or the
/// refusal; `reason` an invalidation's reason in words.
pub fn staff_answer(
    t: &Templates,
    cfg: &Config,
    a: &Application,
    (command, reason): (&'static str, &str),
    outcome: Result<Status, &Refusal>,
    (thread, skipped): (&ReplyThread, &[&'static str]),
) -> Result<OutgoingMail, TemplateError> {
    let (label, from_status) = match outcome {
        Ok(from) => ("done", Some(from)),
        Err(Refusal::AlreadyDone { .. }) => ("already_done", None),
        Err(Refusal::NotNow { .. }) => ("not_now", None),
        Err(Refusal::WrongProcess { .. }) => ("wrong_process", None),
        Err(Refusal::Help) => ("help", None),
        Err(Refusal::BadIssueTime { .. }) => ("bad_issue_time", None),
        Err(Refusal::PhotoNotKept { .. }) => ("photo_not_kept", None),
    };
    let kept_until = match outcome {
        Err(Refusal::PhotoNotKept { until: Some(u) }) => Some(
            u.with_timezone(&cfg.dates.timezone)
                .format("%d.%m.%Y")
                .to_string(),
        ),
        _ => None,
    };
    let issue_time = match outcome {
        Err(Refusal::BadIssueTime { at, problem }) => Some(IssueTimeView::of(cfg, *at, problem)),
        _ => None,
    };
    let view = AnswerView {
        school: &cfg.school,
        student: StudentView::of(a),
        command,
        outcome: label,
        issue_time,
        kept_until,
        photo_keep_days: cfg.retention.photo_keep_days,
        from_status,
        status: a.status,
        reason,
        process: cfg.process,
        delivery: cfg.delivery,
        skipped,
    };
    let token = view.student.token.clone();
    let r = t.render("staff_answer", &view)?;
    Ok(OutgoingMail {
        // Threaded to her mail, but carrying this answer's own token: she
        // can always reply to the newest mail.
        subject: with_token(&reply_subject(&thread.subject, &r.subject), &token),
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

/// The answers to the commands of one reply as one mail: the last answer's
/// subject (its status and fresh token are the newest), the bodies in order.
pub fn joined_answer(parts: Vec<OutgoingMail>) -> Option<OutgoingMail> {
    let mut parts = parts.into_iter();
    let first = parts.next()?;
    Some(parts.fold(first, |mut joined, next| {
        joined.body = format!(
            "{}\n\n{}\n\n{}",
            joined.body.trim_end(),
            "—".repeat(40),
            next.body
        );
        OutgoingMail {
            body: joined.body,
            ..next
        }
    }))
}

/// `subject` with every command token in it replaced by `token` (appended
/// when it carries none).
fn with_token(subject: &str, token: &str) -> String {
    let old = crate::domain::staff::tokens_in(subject);
    if old.is_empty() {
        return format!("{subject} [{token}]");
    }
    let mut out = subject.to_owned();
    for t in old {
        // Tokens are hex: any case the mail client kept is replaced.
        for form in [t.clone(), t.to_ascii_uppercase()] {
            out = out.replace(&format!("[{form}]"), &format!("[{token}]"));
        }
    }
    out
}

#[cfg(test)]
mod token_tests {
    use super::{joined_answer, with_token};
    use crate::domain::EmailAddress;
    use crate::mail::outgoing::{MailKind, OutgoingMail};

    fn part(subject: &str, body: &str) -> OutgoingMail {
        OutgoingMail {
            kind: MailKind::StaffAnswer,
            application_id: Some(3),
            to: EmailAddress::parse("sekretariat@szkola.test").unwrap(),
            subject: subject.into(),
            body: body.into(),
            in_reply_to: None,
            references: vec![],
            attachments: vec![],
        }
    }

    #[test]
    fn one_answer_lists_each_command_with_the_newest_subject() {
        assert!(joined_answer(vec![]).is_none());
        let one = joined_answer(vec![part("A [1]", "first\n")]).unwrap();
        assert_eq!(
            (one.subject.as_str(), one.body.as_str()),
            ("A [1]", "first\n")
        );
        let both = joined_answer(vec![part("A [1]", "first\n"), part("B [2]", "second")]).unwrap();
        assert_eq!(both.subject, "B [2]");
        assert!(both.body.starts_with("first\n\n—"), "{}", both.body);
        assert!(both.body.ends_with("—\n\nsecond"), "{}", both.body);
    }

    #[test]
    fn the_answer_carries_its_own_token() {
        assert_eq!(
            with_token(
                "Re: [mLegitymacja #3] Zdjęcie [00112233445566ff]",
                "aaaabbbbccccdddd"
            ),
            "Re: [mLegitymacja #3] Zdjęcie [aaaabbbbccccdddd]"
        );
        assert_eq!(
            with_token("Re: Zdjęcie", "aaaabbbbccccdddd"),
            "Re: Zdjęcie [aaaabbbbccccdddd]"
        );
    }
}
