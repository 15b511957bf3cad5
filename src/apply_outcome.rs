//! Writes what [`crate::workflow::transition::transition`] decided, in the
//! caller's transaction: the status and its history, the activation code,
//! the hand-over, the purge, and the mails (outbox rows) the outcome asks
//! for.
//!
//! This is the only module that changes an application's status (through
//! `store::apps::set_status`), and [`advance`] is its one door: every cause
//! — a parent's valid photo (`intake::apply`), an orphan adopted at
//! registration (`registry`), a held photo the secretary accepted
//! (`secretary::held`), every staff command (`secretary`), the date rules
//! (`scheduler::rules`) and a parent's `AKTYWOWANO` (`intake::activated`) —
//! hands it an [`Event`]; it runs `transition` with the school's rules,
//! writes the outcome and the audit row. The applier itself is private, so
//! no cause can write an outcome `transition` did not decide.

use crate::app::App;
use crate::domain::{Application, Status, matching};
use crate::photo::PhotoCheck;
use crate::store::inbox::{self, Orphan};
use crate::store::lifecycle as store_lc;
use crate::store::{StoreError, Tx, apps, held, kept_photos};
use crate::templates::TemplateError;
use crate::workflow::command::StaffCommand;
use crate::workflow::keep_photo;
use crate::workflow::lifecycle::Refusal;
use crate::workflow::transition::{Event, Outcome, Record, transition};

mod queue;
use queue::queue_notice;

/// The photo an event is about (photo events only): what its notices show.
#[derive(Debug, Clone, Copy)]
pub struct PhotoSource<'a> {
    /// Its `photos` row: the secretary's notification refers to it.
    pub photo: i64,
    pub check: &'a PhotoCheck,
    /// The stored (metadata-free) bytes.
    pub data: &'a [u8],
    /// The raw From of the mail that brought it.
    pub sender: Option<&'a str>,
    pub subject: &'a str,
    pub message_id: Option<&'a str>,
}

/// Who caused the outcome and what came with it.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// For the history: "mail:…", "cli:…", "mleg".
    pub actor: &'a str,
    /// The decoded QR code of the ministry screen, with a `KOD`.
    pub qr_content: Option<&'a str>,
    pub photo: Option<PhotoSource<'a>>,
    /// A staff command: the audit row to write, accepted or refused.
    pub audit: Option<Audit<'a>>,
}

/// What the audit log records of a staff command besides its outcome.
#[derive(Debug, Clone, Copy)]
pub struct Audit<'a> {
    /// "mail" or "cli".
    pub source: &'a str,
    pub message_id: Option<&'a str>,
    /// The command's audit name ("approve", "invalidate", …).
    pub command: &'a str,
}

/// What [`advance`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Advanced {
    /// The outcome was written; `from` is the status before it.
    Moved {
        from: Status,
        outcome: Outcome,
        /// Photo bytes were purged: the caller flushes the WAL after its
        /// commit, so they do not survive there.
        purged: bool,
    },
    /// `transition` refused; nothing but the audit row (if any) was written.
    Refused(Refusal),
}

impl Advanced {
    pub fn purged(&self) -> bool {
        matches!(self, Advanced::Moved { purged: true, .. })
    }

    pub fn moved(&self) -> bool {
        matches!(self, Advanced::Moved { .. })
    }
}

/// The one seam for an event: decides it with the school's rules
/// ([`transition`]), writes the outcome in `tx` and, for a staff command,
/// the audit row. `a` is the application as it was before.
pub fn advance<E>(
    app: &App,
    tx: Tx<'_>,
    a: &Application,
    event: &Event,
    ctx: &Context<'_>,
) -> Result<Advanced, E>
where
    E: From<StoreError> + From<TemplateError>,
{
    let now = app.clock.now();
    let advanced = match transition(a, event, &app.rules(), now) {
        Ok(outcome) => {
            let mut purged = apply::<E>(app, tx, a, (event, &outcome), ctx)?;
            if outcome.status() == Some(Status::HandedOver) {
                purged |= supersede::<E>(app, tx, a, ctx.actor)?;
            }
            Advanced::Moved {
                from: a.status,
                outcome,
                purged,
            }
        }
        Err(refusal) => Advanced::Refused(refusal),
    };
    if let Some(audit) = &ctx.audit {
        write_audit(tx, a, audit, ctx.actor, &advanced, now)?;
    }
    Ok(advanced)
}

/// A reissue handed over: the application it reissued, if it was handed
/// over itself, is invalidated now and not before, so the student is never
/// without one ([`Event::Superseded`]). Returns whether photo bytes were purged.
fn supersede<E>(app: &App, tx: Tx<'_>, new: &Application, actor: &str) -> Result<bool, E>
where
    E: From<StoreError> + From<TemplateError>,
{
    let Some(old) = apps::reissue_links(tx, new.id)?.0 else {
        return Ok(false);
    };
    let Some(old) = apps::get(tx, old)?.filter(|o| o.status == Status::HandedOver) else {
        return Ok(false);
    };
    let ctx = Context {
        actor,
        qr_content: None,
        photo: None,
        audit: None,
    };
    Ok(advance::<E>(app, tx, &old, &Event::Superseded, &ctx)?.purged())
}

fn write_audit(
    tx: Tx<'_>,
    a: &Application,
    audit: &Audit<'_>,
    actor: &str,
    advanced: &Advanced,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    let (label, detail) = match advanced {
        Advanced::Moved { outcome, .. } => ("accepted", outcome.detail.clone()),
        Advanced::Refused(refusal) => refusal_audit(a, refusal),
    };
    let entry = store_lc::AuditEntry {
        at: now,
        actor: actor.to_owned(),
        source: audit.source.to_owned(),
        message_id: audit.message_id.map(str::to_owned),
        application_id: Some(a.id),
        command: audit.command.to_owned(),
        outcome: label.into(),
        detail,
    };
    store_lc::audit(tx, &entry)
}

/// The audit's outcome label and detail of a refused command.
fn refusal_audit(a: &Application, refusal: &Refusal) -> (&'static str, String) {
    let label = match refusal {
        Refusal::Help => "help",
        Refusal::AlreadyDone { .. } => "already_done",
        Refusal::NotNow { .. } => "refused",
        Refusal::WrongProcess { .. } => "wrong_process",
        Refusal::BadIssueTime { .. } => "refused_issue_time",
        Refusal::PhotoNotKept { .. } => "refused_no_kept_photo",
    };
    let detail = match refusal {
        Refusal::BadIssueTime { at, problem } => format!(
            "status {}; generated at {} ({problem:?})",
            a.status,
            crate::store::ts(*at)
        ),
        _ => format!("status {}", a.status),
    };
    (label, detail)
}

/// Writes `outcome` for application `a` (as it was before) in `tx`.
/// Returns whether photo bytes were purged.
fn apply<E>(
    app: &App,
    tx: Tx<'_>,
    a: &Application,
    (event, outcome): (&Event, &Outcome),
    ctx: &Context<'_>,
) -> Result<bool, E>
where
    E: From<StoreError> + From<TemplateError>,
{
    let now = app.clock.now();
    for r in &outcome.history {
        match r {
            Record::Status { to, detail } => {
                apps::set_status(tx, a.id, *to, now, detail, ctx.actor)?
            }
            Record::Note { kind, detail } => {
                apps::add_event(tx, a.id, now, kind, detail, ctx.actor)?
            }
        }
    }
    if let Some(code) = &outcome.code {
        store_lc::record_code(tx, a.id, code, ctx.qr_content)?;
    }
    record_code_change(tx, a, event, outcome.status(), (now, ctx.actor))?;
    // Complete = registered and a valid photo. Each completion (the first
    // photo, or a new one after ZDJĘCIE) starts the issue deadline and the
    // staff reminders anew; a photo replacing one under review moves
    // nothing; waiting for a new photo, it is not complete.
    match outcome.status() {
        Some(Status::AwaitingReview) if a.status != Status::AwaitingReview => {
            crate::store::dates::set_complete_at(tx, a.id, Some(now))?
        }
        Some(Status::AwaitingPhoto) => crate::store::dates::set_complete_at(tx, a.id, None)?,
        _ => {}
    }
    let purged = outcome.purge && purge(app, tx, a, (event, outcome), ctx.actor)?;
    for n in &outcome.notices {
        queue_notice::<E>(app, tx, a, n, ctx)?;
    }
    // The code and its QR are kept only while the family may still use
    // them; the notices above were written with them first.
    if a.status.has_live_code() && outcome.status().is_some_and(|s| !s.has_live_code()) {
        store_lc::forget_code(tx, a.id)?;
    }
    Ok(purged)
}

/// What a move means for the current code's own record.
fn record_code_change(
    tx: Tx<'_>,
    a: &Application,
    event: &Event,
    to: Option<Status>,
    (now, actor): (chrono::DateTime<chrono::Utc>, &str),
) -> Result<(), StoreError> {
    match to {
        Some(Status::HandedOver) => {
            let how = match event {
                Event::ParentActivated => store_lc::HandOver::Activated,
                _ => store_lc::HandOver::Handed,
            };
            let to = if a.code_to_student {
                "student"
            } else {
                "parent"
            };
            store_lc::record_handed_over(tx, a.id, now, actor, how, to)
        }
        Some(Status::Expired) => store_lc::record_code_expired(tx, a.id, now),
        Some(Status::Invalidated) => match event {
            Event::Staff {
                command: StaffCommand::Invalidate { reason },
                ..
            } => store_lc::invalidate_code(tx, a.id, now, reason.as_str()),
            Event::Superseded => {
                let reason = crate::domain::InvalidationReason::CardInvalid;
                store_lc::invalidate_code(tx, a.id, now, reason.as_str())
            }
            _ => Ok(()),
        },
        _ => Ok(()),
    }
}

/// The school's rule: the photo and the parents' mails go — but for the one
/// stored photo where the school keeps it for a reissue (`keep_photo`).
fn purge(
    app: &App,
    tx: Tx<'_>,
    a: &Application,
    (event, outcome): (&Event, &Outcome),
    actor: &str,
) -> Result<bool, StoreError> {
    let now = app.clock.now();
    let keep_days = app.config.retention.photo_keep_days;
    let dropped = match keep_photo::kept_until(now, keep_days) {
        Some(until) if keep_photo::keeps_photo(event, outcome) => {
            if kept_photos::keep(tx, a.id, until)?.is_some() {
                apps::add_event(
                    tx,
                    a.id,
                    now,
                    "photo_kept",
                    &keep_photo::day(until, app.config.dates.timezone),
                    actor,
                )?;
            }
            0
        }
        _ if keep_photo::drops_kept_photo(event, outcome.status()) => {
            kept_photos::drop_for(tx, a.id, now)?
        }
        _ => 0,
    };
    // Photos of this child the parent sent while no application could
    // take them (e.g. after the code was entered) are purged too.
    for o in orphans_naming(tx, a)? {
        if a.has_parent_text(o.sender.as_deref()) {
            inbox::adopt_orphan(tx, o.id, a.id, now)?;
        }
    }
    // Photos held for this student (a stranger's) go too.
    let n = dropped + store_lc::purge_photos(tx, a.id, now)? + held::purge_held_for(tx, a.id, now)?;
    if n > 0 {
        apps::add_event(tx, a.id, now, "photo_purged", "school_rule", actor)?;
    }
    Ok(n > 0)
}

/// Orphan photos naming this student, oldest first.
pub fn named_orphans(tx: Tx<'_>, a: &Application) -> Result<Vec<Orphan>, StoreError> {
    Ok(inbox::orphans(tx)?
        .into_iter()
        .filter(|o| matching::tokens_name_student(&o.name_tokens, &a.name))
        .collect())
}

/// Orphan photos naming this student, oldest first; when one of the
/// application's parents sent some, only theirs.
pub fn orphans_naming(tx: Tx<'_>, a: &Application) -> Result<Vec<Orphan>, StoreError> {
    let mut named = named_orphans(tx, a)?;
    let from_parent = |o: &Orphan| a.has_parent_text(o.sender.as_deref());
    if named.iter().any(from_parent) {
        named.retain(from_parent);
    }
    Ok(named)
}
