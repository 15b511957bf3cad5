//! The retention rule: what the school no longer needs leaves the database
//! (`store::retention`), and the mails holding it are queued for the
//! intake worker to expunge, exactly as a purge does (`intake::purge`).
//!
//! Run at every scheduler step: each part is an indexed query that finds
//! nothing most of the time, and each change is idempotent, so a step run
//! twice — or by the daemon and `mleg apps purge` at once — does it once.

use chrono::{DateTime, Duration, Utc};
use tracing::info;

use crate::app::App;
use crate::progress::{Counter, Job};
use crate::store::retention as store_ret;
use crate::store::{StoreError, apps, kept_photos, lifecycle};
use crate::workflow::retention::{self, Periods, anonymise_due};

/// A given-up mail keeps its text this long, so the secretary can send it
/// again (`mleg outbox retry`) once she has fixed what refused it.
pub const GIVEN_UP_KEEP_DAYS: i64 = 7;

/// What one run did, or (`preview`) would do. Counts only.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RetentionReport {
    /// Closed applications reduced to an anonymous trail.
    pub anonymised: usize,
    /// Mails with pictures nobody claimed, queued for expunging.
    pub orphan_mails: usize,
    /// Photos nobody claimed, and refused ones, deleted.
    pub orphan_photos: usize,
    /// The secretary's mails about no one application, queued for expunging.
    pub staff_mails: usize,
    /// Sent (or given-up) mails whose text was deleted.
    pub texts_cleared: usize,
    /// Records of mails already expunged, deleted.
    pub records_forgotten: usize,
    /// Photos kept for a reissue (`photo_keep_days`) past their period, deleted.
    pub kept_photos: usize,
}

/// Applies the retention rule at `now`.
pub fn run(app: &App, now: DateTime<Utc>) -> Result<RetentionReport, StoreError> {
    let p = app.config.retention.periods();
    let mut report = RetentionReport::default();
    let ids = due(app, &p, now)?;
    let counter = Counter::start(app.progress(), Job::Anonymise, ids.len());
    for id in ids {
        let _item = counter.item();
        let done = app.store().transaction(|tx| {
            let Some(a) = apps::get(tx, id)? else {
                return Ok::<_, StoreError>(false);
            };
            let staff = &app.config.staff.addresses;
            let roles: Vec<(String, &'static str)> = store_ret::actors(tx, id)?
                .into_iter()
                .map(|actor| {
                    let role = retention::role(&actor, staff, &a.parent_emails);
                    (actor, role)
                })
                .collect();
            store_ret::anonymise(tx, id, &roles, now)?;
            Ok(true)
        })?;
        report.anonymised += usize::from(done);
    }
    app.store().transaction(|tx| {
        let before = retention::orphans_before(&p, now);
        (report.orphan_mails, report.orphan_photos) = store_ret::orphan_mails(tx, before, now)?;
        report.staff_mails = store_ret::old_staff_mails(tx, now - p.retention, now)?;
        report.texts_cleared =
            store_ret::clear_sent_texts(tx, now - Duration::days(GIVEN_UP_KEEP_DAYS))?;
        store_ret::forget_unlinked_recipients(tx, before)?;
        store_ret::forget_old_senders(tx, now)?;
        let staff = &app.config.staff.addresses;
        let roles: Vec<(String, &'static str)> =
            store_ret::unlinked_audit_actors(tx, now - p.retention)?
                .into_iter()
                .map(|actor| {
                    let role = retention::role(&actor, staff, &[]);
                    (actor, role)
                })
                .collect();
        store_ret::anonymise_unlinked_audit(tx, now - p.retention, &roles)?;
        report.records_forgotten = store_ret::forget_settled(tx)?;
        report.kept_photos = kept_photos::purge_past_window(tx, now)?;
        Ok::<_, StoreError>(())
    })?;
    if report != RetentionReport::default() {
        // The deleted bytes must not survive in the write-ahead log either.
        if !lifecycle::flush_wal(app.store().conn())? {
            tracing::warn!("WAL checkpoint incomplete (a reader is busy); retrying next round");
        }
        info!(?report, "retention");
    }
    Ok(report)
}

/// The applications to anonymise at `now`: the store's candidates (status
/// and last change), decided by the pure rule.
fn due(app: &App, p: &Periods, now: DateTime<Utc>) -> Result<Vec<i64>, StoreError> {
    let candidates = store_ret::candidates(app.store().conn(), now - p.retention)?;
    Ok(candidates
        .into_iter()
        .filter(|c| anonymise_due(&c.closing, p, now))
        .map(|c| c.id)
        .collect())
}

/// What [`run`] would do at `now`, writing nothing (`mleg apps purge
/// --dry-run`). Records of expunged mails are counted by the run itself.
pub fn preview(app: &App, now: DateTime<Utc>) -> Result<RetentionReport, StoreError> {
    let p = app.config.retention.periods();
    let conn = app.store();
    let (orphan_mails, orphan_photos, staff_mails) = store_ret::orphans_due(
        conn.conn(),
        retention::orphans_before(&p, now),
        now - p.retention,
    )?;
    let texts_cleared =
        store_ret::texts_to_clear(conn.conn(), now - Duration::days(GIVEN_UP_KEEP_DAYS))?;
    let kept_photos = kept_photos::past_window(conn.conn(), now)?.len();
    drop(conn);
    Ok(RetentionReport {
        anonymised: due(app, &p, now)?.len(),
        orphan_mails,
        orphan_photos,
        staff_mails,
        texts_cleared,
        records_forgotten: 0,
        kept_photos,
    })
}
