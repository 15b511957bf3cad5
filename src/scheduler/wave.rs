//! The yearly re-validation wave, run by every scheduler step: the daemon
//! starts it on `[dates] revalidate_on` (once per school year), and each
//! step starts the next families within `wave_per_hour`.
//!
//! A family — the students linked through any shared parent address
//! (`workflow::wave::families`) — is started
//! in one transaction: each child's `PONOWNIE` goes through the one seam
//! (`apply_outcome::advance`, then `registry::open_reissue`), the members'
//! rows move `planned` → `mailed`, and the family's one mail is queued. A
//! restart finds those rows `mailed` and never mails the family again. The
//! old mLegitymacja stays valid until the reissue is handed over
//! (`Event::Superseded`).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use tracing::info;

use crate::app::App;
use crate::apply_outcome::{Advanced, Context, advance};
use crate::domain::Application;
use crate::store::wave::{self as store_wave, Planned};
use crate::store::{StoreError, Tx, apps, outbox, requests};
use crate::templates::TemplateError;
use crate::workflow::transition::Event;
use crate::workflow::wave::{self, Plan};

/// Who the wave's moves are recorded as.
pub const ACTOR: &str = "mleg:wave";

#[derive(Debug, thiserror::Error)]
pub enum WaveError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Template(#[from] TemplateError),
}

/// What one step did. Counts only.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WaveReport {
    /// A wave the daemon started by itself (its id).
    pub started: Option<i64>,
    /// Families mailed (one mail each).
    pub families: usize,
    /// Reissues opened.
    pub reissued: usize,
    /// Members skipped: an objection or a change since planning.
    pub skipped: usize,
}

/// Which students a wave takes: the classes given, or all.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub classes: Vec<String>,
}

/// The plan of a wave for `valid_until` (nothing written).
pub fn plan(tx: Tx<'_>, sel: &Selection, valid_until: NaiveDate) -> Result<Plan, StoreError> {
    let candidates: Vec<_> = store_wave::candidates(tx)?
        .into_iter()
        .filter(|(_, class)| sel.classes.is_empty() || sel.classes.iter().any(|c| c == class))
        .map(|(c, _)| c)
        .collect();
    Ok(wave::plan(&candidates, valid_until))
}

/// Plans and records a wave in `tx`; returns its id and plan.
pub fn start(
    tx: Tx<'_>,
    sel: &Selection,
    valid_until: NaiveDate,
    now: DateTime<Utc>,
    by: &str,
) -> Result<(i64, Plan), StoreError> {
    let p = plan(tx, sel, valid_until)?;
    let year = wave::school_year(now.date_naive());
    let id = store_wave::create(tx, (valid_until, year), &p.members, now, by)?;
    info!(
        wave = id,
        members = p.members.len(),
        "re-validation wave planned"
    );
    Ok((id, p))
}

/// One scheduler step of the wave at `now`.
pub fn run(app: &App, now: DateTime<Utc>) -> Result<WaveReport, WaveError> {
    let mut report = WaveReport::default();
    let dates = &app.config.dates;
    if let (true, Some(on)) = (dates.revalidation, dates.revalidate_on) {
        let today = now.with_timezone(&dates.timezone).date_naive();
        let year = wave::school_year(today);
        report.started = app.store().transaction(|tx| {
            if !wave::auto_due(today, on, store_wave::started_in(tx, year)?) {
                return Ok::<_, StoreError>(None);
            }
            let valid_until = wave::default_valid_until(today)
                .ok_or_else(|| StoreError::Corrupt("date".into()))?;
            Ok(Some(
                start(tx, &Selection::default(), valid_until, now, "mleg")?.0,
            ))
        })?;
    }
    let (families, started) = app.store().transaction(|tx| {
        let f = families(tx)?;
        let s = store_wave::started_since(tx, now - Duration::hours(1))?;
        Ok::<_, StoreError>((f, s))
    })?;
    let sizes: Vec<usize> = families.iter().map(Vec::len).collect();
    let n = wave::pick(&sizes, dates.wave_per_hour, started);
    for family in &families[..n] {
        let (reissued, skipped) = app
            .store()
            .transaction(|tx| start_family(app, tx, family, now))?;
        report.families += usize::from(reissued > 0);
        report.reissued += reissued;
        report.skipped += skipped;
    }
    if n > 0 {
        info!(
            families = report.families,
            reissued = report.reissued,
            "re-validation wave step"
        );
    }
    Ok(report)
}

/// (families, students) a step at `now` would start; reads only.
pub fn preview(app: &App, now: DateTime<Utc>) -> Result<(usize, usize), StoreError> {
    let store = app.store();
    let conn = store.conn();
    let families = families(conn)?;
    let started = store_wave::started_since(conn, now - Duration::hours(1))?;
    let sizes: Vec<usize> = families.iter().map(Vec::len).collect();
    let n = wave::pick(&sizes, app.config.dates.wave_per_hour, started);
    Ok((n, sizes[..n].iter().sum()))
}

/// The planned members grouped by family: every student linked to another
/// through any shared parent address is in its family.
fn families(tx: Tx<'_>) -> Result<Vec<Vec<Planned>>, StoreError> {
    let planned = store_wave::planned(tx)?;
    let addresses: Vec<&[String]> = planned.iter().map(|(_, a)| a.as_slice()).collect();
    let groups = wave::families(&addresses);
    Ok(groups
        .into_iter()
        .map(|g| g.into_iter().map(|i| planned[i].0.clone()).collect())
        .collect())
}

/// Starts one family: every child's reissue, their rows, one mail.
/// Returns (reissued, skipped).
fn start_family(
    app: &App,
    tx: Tx<'_>,
    family: &[Planned],
    now: DateTime<Utc>,
) -> Result<(usize, usize), WaveError> {
    let mut children: Vec<Application> = Vec::new();
    let mut skipped = 0;
    for p in family {
        let reissue = match still_in(tx, p)? {
            Some(old) => reissue(app, tx, &old, p.valid_until)?,
            None => None,
        };
        if !store_wave::finish(tx, p, reissue, now)? {
            // Another process started it meanwhile: nothing of this
            // transaction may stand.
            return Err(StoreError::Conflict("wave member started twice".into()).into());
        }
        match reissue.map(|id| apps::get(tx, id)).transpose()?.flatten() {
            Some(a) => children.push(a),
            None => skipped += 1,
        }
    }
    let valid_until = family.first().map(|p| p.valid_until);
    if let Some(valid_until) = valid_until {
        let mails =
            crate::notices::wave::family_mail(&app.templates, &app.config, &children, valid_until)?;
        for mail in &mails {
            outbox::enqueue(tx, mail, app.config.smtp.from.domain(), now)?;
        }
    }
    Ok((children.len(), skipped))
}

/// The member's application, if it still belongs in the wave (handed
/// over, no reissue, no objection since it was planned).
fn still_in(tx: Tx<'_>, p: &Planned) -> Result<Option<Application>, StoreError> {
    let Some(old) = apps::get(tx, p.application)? else {
        return Ok(None);
    };
    let reissued = apps::reissue_links(tx, old.id)?.1.is_some();
    let ok = old.status.joins_wave() && !reissued && !requests::objected(tx, old.id)?;
    Ok(ok.then_some(old))
}

/// `PONOWNIE` on `old` through the one seam, then its reissue (the family's
/// mail is the wave's, not the reissue's own).
fn reissue(
    app: &App,
    tx: Tx<'_>,
    old: &Application,
    valid_until: NaiveDate,
) -> Result<Option<i64>, WaveError> {
    let ctx = Context {
        actor: ACTOR,
        qr_content: None,
        photo: None,
        audit: None,
    };
    let event = Event::Reissue {
        reissued_as: None,
        keep_photo: None,
    };
    match advance::<WaveError>(app, tx, old, &event, &ctx)? {
        Advanced::Moved { .. } => {
            let id = crate::registry::open_reissue::<WaveError>(
                app,
                tx,
                old,
                (ACTOR, true),
                Some(valid_until),
            )?;
            Ok(Some(id))
        }
        Advanced::Refused(_) => Ok(None),
    }
}

#[cfg(test)]
mod tests;
