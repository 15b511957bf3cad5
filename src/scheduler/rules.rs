//! The date rules on applications: parent reminders before a code expires,
//! expiry itself, and the secretary's reminders before the issue deadline.
//!
//! Each rule is one indexed query for the applications that may be due
//! (`store::dates`), then, per application, one transaction: re-read it,
//! decide with the pure [`plan`] and `workflow::transition`, and write the
//! reminder record, the history and the outbox rows together with the one
//! applier. A reminder's record is unique per (application, kind, series,
//! day), so a step run twice — or by the daemon and `mleg tick` at once —
//! sends it once.

use chrono::{DateTime, Duration, Utc};
use tracing::info;

use crate::app::App;
use crate::apply_outcome::{Context, advance};
use crate::domain::{Application, Status};
use crate::store::dates::{self as store_dates, Reminder};
use crate::store::{StoreError, Tx, apps};
use crate::templates::TemplateError;
use crate::workflow::transition::{Event, transition};

pub mod plan;

/// Counts of what the rules did in one step.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RulesReport {
    /// Parents reminded that a code expires soon.
    pub parent_reminders: usize,
    /// Reminders overtaken after a gap (recorded, not sent).
    pub skipped: usize,
    /// Codes that expired.
    pub expired: usize,
    /// Deadline reminders to the secretary.
    pub staff_reminders: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Template(#[from] TemplateError),
}

/// Who the history names for what the scheduler did.
const ACTOR: &str = "mleg:scheduler";

/// Applies every date rule due at `now`.
pub fn run(app: &App, now: DateTime<Utc>) -> Result<RulesReport, RulesError> {
    let mut report = RulesReport::default();
    // Expiry first: a code past its instant gets no reminder.
    let expired = store_dates::expired_codes(app.store().conn(), now)?;
    for id in expired {
        let (done, purged) = app.store().transaction(|tx| expire(app, tx, id))?;
        report.expired += usize::from(done);
        if purged {
            // Purged bytes must not survive in the write-ahead log either.
            crate::store::lifecycle::flush_wal(app.store().conn())?;
        }
    }
    parent_reminders(app, now, &mut report)?;
    staff_reminders(app, now, &mut report)?;
    if report != RulesReport::default() {
        info!(?report, "date rules");
    }
    Ok(report)
}

/// Expires one code: (expired?, photo bytes purged?).
fn expire(app: &App, tx: Tx<'_>, id: i64) -> Result<(bool, bool), RulesError> {
    let Some(a) = apps::get(tx, id)? else {
        return Ok((false, false));
    };
    let done = advance::<RulesError>(app, tx, &a, &Event::CodeExpired, &ctx())?;
    Ok((done.moved(), done.purged()))
}

fn ctx() -> Context<'static> {
    Context {
        actor: ACTOR,
        qr_content: None,
        photo: None,
        audit: None,
    }
}

/// The applications that may owe a parent reminder at `now`.
pub(super) fn parent_ids(app: &App, now: DateTime<Utc>) -> Result<Vec<i64>, RulesError> {
    let dates = &app.config.dates;
    let (Some(&first), Some(&last)) = (
        dates.parent_reminder_days.first(),
        dates.parent_reminder_days.last(),
    ) else {
        return Ok(vec![]);
    };
    // A reminder is due on a local day before expiry: one day of margin
    // covers the reminder time and the zone's offset.
    let horizon = Duration::days(i64::from(first) + 1);
    Ok(store_dates::parent_candidates(
        app.store().conn(),
        now,
        horizon,
        dates.remind_after_handover,
        last,
    )?)
}

fn parent_reminders(
    app: &App,
    now: DateTime<Utc>,
    report: &mut RulesReport,
) -> Result<(), RulesError> {
    let ids = parent_ids(app, now)?;
    let (sent, skipped) = each(app, ids, now, parent_one)?;
    report.parent_reminders += sent;
    report.skipped += skipped;
    Ok(())
}

/// One application's reminder of one series, if due: (sent?, how many skipped).
type OneReminder = fn(&App, Tx<'_>, i64, DateTime<Utc>) -> Result<(bool, usize), RulesError>;

/// Runs `one` for each candidate, each in its own transaction (so one
/// application's reminder and its outbox row commit together, and a later
/// failure keeps what was already decided): (sent, skipped) in total.
fn each(
    app: &App,
    ids: Vec<i64>,
    now: DateTime<Utc>,
    one: OneReminder,
) -> Result<(usize, usize), RulesError> {
    let (mut sent, mut skipped) = (0, 0);
    for id in ids {
        let (s, k) = app.store().transaction(|tx| one(app, tx, id, now))?;
        sent += usize::from(s);
        skipped += k;
    }
    Ok((sent, skipped))
}

/// A series' reminders due for one application: what a step writes, and
/// what a dry run prints.
pub(super) struct Due {
    pub application: Application,
    /// The series' key (a parent's: the code's generation; staff: the completion).
    pub series: String,
    pub plan: plan::Plan,
}

/// One application's parent reminder, if due: (sent?, how many skipped).
fn parent_one(
    app: &App,
    tx: Tx<'_>,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(bool, usize), RulesError> {
    let Some(due) = parent_due(app, tx, id, now)? else {
        return Ok((false, 0));
    };
    let event = |days_left| Event::CodeReminder { days_left };
    write_plan(app, tx, &due, "parent", now, event)
}

/// The parent reminders of one application due at `now`, if any (reads only).
pub(super) fn parent_due(
    app: &App,
    tx: Tx<'_>,
    id: i64,
    now: DateTime<Utc>,
) -> Result<Option<Due>, RulesError> {
    let (Some(a), d) = (apps::get(tx, id)?, store_dates::app_dates(tx, id)?) else {
        return Ok(None);
    };
    let (Some(generated), Some(expires)) = (d.code_generated_at, d.code_expires_at) else {
        return Ok(None);
    };
    let handed_over = a.status == Status::HandedOver;
    if now >= expires || (handed_over && !app.config.dates.remind_after_handover) {
        return Ok(None);
    }
    // A parent who replied AKTYWOWANO told us: no "if you have not activated it yet…".
    if handed_over
        && crate::store::lifecycle::code_info(tx, id)?.is_some_and(|c| c.activated_at.is_some())
    {
        return Ok(None);
    }
    let series_key = crate::store::ts(generated);
    let series = plan::parent_series(&app.config.dates, expires, handed_over);
    let recorded = store_dates::recorded_days(tx, id, "parent", &series_key)?;
    Ok(plan::pick(&series, &recorded, now).map(|plan| Due {
        application: a,
        series: series_key,
        plan,
    }))
}

/// The applications that may owe the secretary a deadline reminder at `now`.
pub(super) fn staff_ids(app: &App, now: DateTime<Utc>) -> Result<Vec<i64>, RulesError> {
    let dates = &app.config.dates;
    let (Some(&first), Some(&last)) = (
        dates.staff_reminder_days.first(),
        dates.staff_reminder_days.last(),
    ) else {
        return Ok(vec![]);
    };
    // The first reminder is due on a local day `first` days after
    // completion; one day of margin covers the time and the zone's offset.
    let complete_by = now - Duration::days(i64::from(first) - 1);
    Ok(store_dates::staff_candidates(
        app.store().conn(),
        complete_by,
        last,
    )?)
}

fn staff_reminders(
    app: &App,
    now: DateTime<Utc>,
    report: &mut RulesReport,
) -> Result<(), RulesError> {
    let ids = staff_ids(app, now)?;
    let (sent, skipped) = each(app, ids, now, staff_one)?;
    report.staff_reminders += sent;
    report.skipped += skipped;
    Ok(())
}

fn staff_one(
    app: &App,
    tx: Tx<'_>,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(bool, usize), RulesError> {
    let Some((due, deadline)) = staff_due(app, tx, id, now)? else {
        return Ok((false, 0));
    };
    let event = |day| Event::DeadlineReminder { day, deadline };
    write_plan(app, tx, &due, "staff", now, event)
}

/// The secretary's reminders of one application due at `now`, if any, with
/// the issue deadline (reads only).
pub(super) fn staff_due(
    app: &App,
    tx: Tx<'_>,
    id: i64,
    now: DateTime<Utc>,
) -> Result<Option<(Due, DateTime<Utc>)>, RulesError> {
    let (Some(a), d) = (apps::get(tx, id)?, store_dates::app_dates(tx, id)?) else {
        return Ok(None);
    };
    let Some(complete) = d.complete_at else {
        return Ok(None);
    };
    // A new completion (a new photo after ZDJĘCIE) starts a new series.
    let series_key = crate::store::ts(complete);
    let series = plan::staff_series(&app.config.dates, complete);
    let recorded = store_dates::recorded_days(tx, id, "staff", &series_key)?;
    let deadline = plan::deadline(&app.config.dates, complete);
    Ok(plan::pick(&series, &recorded, now).map(|plan| {
        let due = Due {
            application: a,
            series: series_key,
            plan,
        };
        (due, deadline)
    }))
}

/// Records a plan's skipped and sent reminders and, for the one sent, the
/// transition's outcome (history and mail), all in `tx`.
fn write_plan(
    app: &App,
    tx: Tx<'_>,
    due: &Due,
    kind: &str,
    now: DateTime<Utc>,
    event: impl Fn(u32) -> Event,
) -> Result<(bool, usize), RulesError> {
    let (a, series, p) = (&due.application, due.series.as_str(), &due.plan);
    let record = |day, due_at, outcome: &str| Reminder {
        kind: kind.into(),
        series: series.into(),
        day,
        due_at,
        at: now,
        outcome: outcome.into(),
    };
    let mut skipped = 0;
    for &(day, due) in &p.skip {
        if store_dates::record(tx, a.id, &record(day, due, "skipped"))? {
            apps::add_event(
                tx,
                a.id,
                now,
                "reminder_skipped",
                &format!("{kind} day={day}"),
                ACTOR,
            )?;
            skipped += 1;
        }
    }
    let Some((day, due)) = p.send else {
        return Ok((false, skipped));
    };
    // A pure look first: the `reminders` row is written only for a reminder
    // that will be sent, and before it, so it is sent once.
    if transition(a, &event(day), &app.rules(), now).is_err()
        || !store_dates::record(tx, a.id, &record(day, due, "sent"))?
    {
        return Ok((false, skipped));
    }
    let sent = advance::<RulesError>(app, tx, a, &event(day), &ctx())?;
    Ok((sent.moved(), skipped))
}
