//! The secretary's daily digest on working days.
//!
//! Due once per school-local working day at `dates.digest_time`; a step
//! after that time the same day (the daemon was down at 07:30) still sends
//! it, a past day's digest is never sent late. The day is recorded in the
//! `digests` table in the same transaction as the outbox row, so steps at
//! 07:30 and 11:00 send one mail. With nothing waiting the day is recorded
//! without a mail.

use chrono::{DateTime, Utc};
use tracing::{info, warn};

use crate::app::App;
use crate::domain::calendar;
use crate::mail::imap::Mailbox;
use crate::notices::digest::{DigestData, staff_digest};
use crate::store::{StoreError, digest as db, outbox};
use crate::templates::TemplateError;

/// How far ahead an expiring code is listed.
const EXPIRING_WITHIN_DAYS: u32 = 7;

/// Whether a digest went out in this step.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DigestReport {
    /// A digest mail was queued.
    pub sent: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum DigestError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Template(#[from] TemplateError),
}

/// Sends today's digest if it is due at `now` and not sent yet.
pub async fn run(app: &App, now: DateTime<Utc>) -> Result<DigestReport, DigestError> {
    let Some(today) = due(app, now)? else {
        return Ok(DigestReport::default());
    };
    // Before the transaction: an IMAP round trip must not hold the database.
    let needs_human = needs_human_count(app).await;
    let mut store = app.store();
    store.transaction(|tx| {
        // Another process may have decided the day while we read IMAP.
        if db::last_decided(tx)? == Some(today) {
            return Ok(DigestReport::default());
        }
        let waiting = db::waiting(tx, query(app, now))?;
        if waiting.is_empty() {
            match needs_human {
                // Nothing waits: the day is decided, no mail.
                Some(0) => {
                    db::record(tx, today, now, false)?;
                    return Ok(DigestReport::default());
                }
                // Unknown: ask again next step rather than stay silent all day.
                None => return Ok(DigestReport::default()),
                Some(_) => {}
            }
        }
        let (expiries, logins) = crate::alerts::known::read(tx, &app.config, now)?;
        // Each open request listed gets a ready command token, as `apps
        // show` gives one: after hand-over no mail of hers carries a live one.
        let mut request_tokens = Vec::new();
        for item in &waiting.requests.items {
            let token = crate::notices::fresh_token();
            crate::store::tokens::issue_at_terminal(tx, &token, item.id, now)?;
            request_tokens.push((item.id, token));
        }
        let data = DigestData {
            date: today,
            counts: db::status_counts(tx)?,
            waiting: &waiting,
            needs_human,
            expiries: &expiries,
            logins: &logins,
            request_tokens: &request_tokens,
        };
        let mail = staff_digest(&app.templates, &app.config, &data)?;
        outbox::enqueue(tx, &mail, app.config.smtp.from.domain(), now)?;
        db::record(tx, today, now, true)?;
        info!(date = %today, "digest queued");
        Ok(DigestReport { sent: true })
    })
}

/// What [`run`] would do at `now`, reading only the database (no IMAP, no
/// write): the local date whose digest is due, and whether anything waits
/// in the register as it stands. None: no digest is due.
pub fn preview(
    app: &App,
    now: DateTime<Utc>,
) -> Result<Option<(chrono::NaiveDate, bool)>, DigestError> {
    let Some(today) = due(app, now)? else {
        return Ok(None);
    };
    let waiting = db::waiting(app.store().conn(), query(app, now))?;
    Ok(Some((today, !waiting.is_empty())))
}

fn query(app: &App, now: DateTime<Utc>) -> db::Query {
    db::Query {
        now,
        issue_within_days: app.config.dates.issue_within_days,
        expiring_within_days: EXPIRING_WITHIN_DAYS,
        pickup: app.config.delivery == crate::config::Delivery::Pickup,
    }
}

/// Today's local date if today is a working day whose digest time has come
/// and whose digest is not decided yet.
fn due(app: &App, now: DateTime<Utc>) -> Result<Option<chrono::NaiveDate>, StoreError> {
    let dates = &app.config.dates;
    let today = calendar::local_date(now, dates.timezone);
    if !calendar::is_working_day(today, &dates.extra_days_off) {
        return Ok(None);
    }
    let last = db::last_decided(app.store().conn())?;
    Ok(calendar::daily_slot_due(
        now,
        last,
        dates.digest_time,
        dates.timezone,
    ))
}

/// Mails in the needs-human folder, or None if the mailbox cannot be read
/// (the digest then says "unknown" instead of not coming at all).
async fn needs_human_count(app: &App) -> Option<u32> {
    let folder = &app.config.imap.needs_human_folder;
    let counted = async {
        let (mut mailbox, _) = Mailbox::connect(&app.config.imap).await?;
        let n = mailbox.count(folder).await;
        mailbox.logout().await;
        n
    };
    match counted.await {
        Ok(n) => Some(n),
        Err(e) => {
            warn!(error = %e, "digest: cannot count the needs-human folder");
            None
        }
    }
}
