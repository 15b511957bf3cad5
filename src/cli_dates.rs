//! The dates in `mleg apps show` / `apps list`: when the application became
//! complete, its issue deadline and whether it is overdue, the code's
//! generation and expiry, the reminders sent; and the `--overdue` /
//! `--expiring-within` filters. Text shows the school's time zone, JSON
//! RFC 3339 with that zone's offset.

use anyhow::Result;
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use mleg::app::App;
use mleg::domain::Application;
use mleg::scheduler::rules::plan;
use mleg::store::dates as store_dates;
use mleg::words::Lines;

/// One reminder as `apps show` gives it.
#[derive(Debug, Serialize)]
pub struct ReminderJson {
    /// "parent" (before the code expires) or "staff" (before the deadline).
    kind: String,
    day: u32,
    due_at: String,
    at: String,
    /// "sent" or "skipped" (overtaken after a gap).
    outcome: String,
}

/// The date fields of one application (flattened into its JSON).
#[derive(Debug, Serialize)]
pub struct DatesJson {
    #[serde(skip_serializing_if = "Option::is_none")]
    complete_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deadline_at: Option<String>,
    overdue: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    code_generated_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    code_expires_at: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    reminders: Vec<ReminderJson>,
}

impl DatesJson {
    pub fn overdue(&self) -> bool {
        self.overdue
    }
}

fn rfc(tz: Tz, t: DateTime<Utc>) -> String {
    t.with_timezone(&tz).to_rfc3339()
}

/// A time for the text output, in the school's zone.
pub fn local(tz: Tz, t: DateTime<Utc>) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z").to_string()
}

pub fn dates_json(app: &App, a: &Application) -> Result<DatesJson> {
    let tz = app.config.dates.timezone;
    let store = app.store();
    let d = store_dates::app_dates(store.conn(), a.id)?;
    let reminders = store_dates::reminders(store.conn(), a.id)?;
    let deadline = d.complete_at.map(|c| plan::deadline(&app.config.dates, c));
    Ok(DatesJson {
        complete_at: d.complete_at.map(|t| rfc(tz, t)),
        deadline_at: deadline.map(|t| rfc(tz, t)),
        overdue: plan::is_overdue(&app.config.dates, a.status, d.complete_at, app.clock.now()),
        code_generated_at: d.code_generated_at.map(|t| rfc(tz, t)),
        code_expires_at: d.code_expires_at.map(|t| rfc(tz, t)),
        reminders: reminders
            .into_iter()
            .map(|r| ReminderJson {
                kind: r.kind,
                day: r.day,
                due_at: rfc(tz, r.due_at),
                at: rfc(tz, r.at),
                outcome: r.outcome,
            })
            .collect(),
    })
}

/// The text lines of `apps show` for the dates.
pub fn print_dates(v: &DatesJson, lines: Lines) {
    // The JSON strings carry the zone's offset; the text drops the seconds.
    let short = |s: &str| {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_else(|_| s.to_owned())
    };
    if let (Some(c), Some(d)) = (&v.complete_at, &v.deadline_at) {
        println!("{}", lines.complete(&short(c), &short(d), v.overdue));
    }
    for r in &v.reminders {
        let (to_parent, sent) = (r.kind == "parent", r.outcome == "sent");
        println!("{}", lines.reminder(to_parent, r.day, sent, &short(&r.at)));
    }
}

/// The ids `--overdue` / `--expiring-within` keep (None: no filter).
pub fn filter_ids(
    app: &App,
    overdue: bool,
    expiring_within: Option<Duration>,
) -> Result<Option<Vec<i64>>> {
    let now = app.clock.now();
    let store = app.store();
    let mut keep: Option<Vec<i64>> = None;
    if overdue {
        let days = Duration::days(i64::from(app.config.dates.issue_within_days));
        keep = Some(store_dates::overdue(store.conn(), now - days)?);
    }
    if let Some(w) = expiring_within {
        let ids = store_dates::expiring(store.conn(), now, now + w)?;
        keep = Some(match keep {
            Some(k) => k.into_iter().filter(|i| ids.contains(i)).collect(),
            None => ids,
        });
    }
    Ok(keep)
}
