//! What a scheduler step would do at an instant, without doing it: the dry
//! run of `mleg tick --now <future>`.
//!
//! It asks the very questions a step asks (the same candidate queries, the
//! same `plan::pick`, the same `transition`) and writes nothing: no
//! reminder record, no history, no outbox row, no digest day. `mleg tick`
//! runs it on a database opened read-only, so a write could not happen even
//! by mistake. The digest's needs-human count is not read (that would be
//! IMAP); the preview says whether anything in the register waits.

use chrono::{DateTime, NaiveDate, Utc};

use super::rules::{self, RulesError};
use super::{TickError, digest};
use crate::app::App;
use crate::store::apps;
use crate::store::dates as store_dates;
use crate::workflow::transition::{Event, transition};

/// One thing a step would do to one application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Planned {
    /// The code lapses: the parent and the secretary are told, the code
    /// mails are deleted.
    Expiry,
    /// The parent is reminded `days_left` days before the code expires.
    ParentReminder { days_left: u32 },
    /// The secretary is reminded `day` days after the application became complete.
    StaffReminder { day: u32 },
    /// A reminder overtaken by a more urgent one: recorded, not sent.
    Skipped { staff: bool, day: u32 },
}

/// What a step would do at one instant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preview {
    /// (application, what), in the order a step does them.
    pub items: Vec<(i64, Planned)>,
    /// The local date whose digest would go out, and whether anything in
    /// the register waits (without: only if the needs-human folder is not
    /// empty).
    pub digest: Option<(NaiveDate, bool)>,
    /// What the retention rule would take (counts).
    pub retention: super::retention::RetentionReport,
    /// The re-validation wave's families and students a step would start
    /// (a wave the daemon would start by itself is not counted).
    pub wave: (usize, usize),
}

/// What [`super::step`] would do at `now`; reads only.
pub fn preview(app: &App, now: DateTime<Utc>) -> Result<Preview, TickError> {
    let mut items = expiries(app, now)?;
    for id in rules::parent_ids(app, now)? {
        let due = rules::parent_due(app, app.store().conn(), id, now)?;
        if let Some(due) = due {
            let send = due
                .plan
                .send
                .map(|(days_left, _)| Event::CodeReminder { days_left });
            items.extend(planned(app, &due, false, send, now));
        }
    }
    for id in rules::staff_ids(app, now)? {
        let due = rules::staff_due(app, app.store().conn(), id, now)?;
        if let Some((due, deadline)) = due {
            let send = due
                .plan
                .send
                .map(|(day, _)| Event::DeadlineReminder { day, deadline });
            items.extend(planned(app, &due, true, send, now));
        }
    }
    Ok(Preview {
        items,
        digest: digest::preview(app, now)?,
        retention: super::retention::preview(app, now)?,
        wave: super::wave::preview(app, now)?,
    })
}

/// The codes that would lapse (expiry runs first in a step).
fn expiries(app: &App, now: DateTime<Utc>) -> Result<Vec<(i64, Planned)>, RulesError> {
    let mut out = Vec::new();
    // Bound first: a guard in the loop's head would live through the loop.
    let ids = store_dates::expired_codes(app.store().conn(), now)?;
    for id in ids {
        let a = apps::get(app.store().conn(), id)?;
        if let Some(a) = a
            && transition(&a, &Event::CodeExpired, &app.rules(), now).is_ok()
        {
            out.push((id, Planned::Expiry));
        }
    }
    Ok(out)
}

/// A series' skipped reminders, then the one it would send (if the
/// transition takes it).
fn planned(
    app: &App,
    due: &rules::Due,
    staff: bool,
    send: Option<Event>,
    now: DateTime<Utc>,
) -> Vec<(i64, Planned)> {
    let id = due.application.id;
    let mut out: Vec<(i64, Planned)> = due
        .plan
        .skip
        .iter()
        .map(|&(day, _)| (id, Planned::Skipped { staff, day }))
        .collect();
    let sent = send.filter(|e| transition(&due.application, e, &app.rules(), now).is_ok());
    match sent {
        Some(Event::CodeReminder { days_left }) => {
            out.push((id, Planned::ParentReminder { days_left }));
        }
        Some(Event::DeadlineReminder { day, .. }) => out.push((id, Planned::StaffReminder { day })),
        _ => {}
    }
    out
}
