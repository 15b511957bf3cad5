//! `mleg status` and `mleg schools`: one school's health at a glance, for a
//! monitor (Nagios, Icinga, Zabbix) or a district's IT person.
//!
//! [`read`] gathers what the rounds and the IDLE watcher recorded in the
//! database (`store::health`, the SMTP backoff), the queue and the file's
//! size; [`judge`] (pure) turns it into the Nagios level and its reasons. A
//! monitor runs in another process than the daemon, so only what is in the
//! database is known; an IDLE state recorded by a daemon that has not run a
//! round for long is reported as unknown rather than trusted.

use std::path::Path;

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::app::App;
use crate::store::health::{self, Part, State};
use crate::store::{StoreError, outbox};

/// A client secret expiring within this many days makes a warning.
pub const SECRET_WARN_DAYS: i64 = 30;
/// A mail waiting longer than this makes a warning.
const QUEUE_WARN: Duration = Duration::hours(1);
/// An IDLE connection down longer than this makes a warning (reconnects
/// are tried at most 5 minutes apart).
const IDLE_WARN: Duration = Duration::minutes(10);

/// The Nagios plugin convention: the exit code is the level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    Ok = 0,
    Warning = 1,
    Critical = 2,
    Unknown = 3,
}

impl Level {
    pub fn word(self) -> &'static str {
        match self {
            Level::Ok => "OK",
            Level::Warning => "WARNING",
            Level::Critical => "CRITICAL",
            Level::Unknown => "UNKNOWN",
        }
    }
}

/// The SMTP server while mleg leaves it alone after failures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpFailing {
    /// None for a failure recorded before mleg kept the date.
    pub since: Option<DateTime<Utc>>,
    pub error: String,
}

/// A login alerted about whose recovery mail has not gone out yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveAlert {
    /// The cause's key: `imap`, `smtp` or `token`.
    pub cause: String,
    /// When the last alert about it was mailed (queued).
    pub sent_at: DateTime<Utc>,
    /// Since when its login fails; None when it works again and the
    /// recovery mail is due at the next round.
    pub failing_since: Option<DateTime<Utc>>,
}

/// What the database says about one school at `now`.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub now: DateTime<Utc>,
    pub round: Option<State>,
    pub imap: Option<State>,
    pub idle: Option<State>,
    pub smtp: Option<SmtpFailing>,
    pub queue: u64,
    pub oldest_queued: Option<DateTime<Utc>>,
    pub given_up: u64,
    /// Today's (school-local) digest: None if not decided yet, Some(false)
    /// if nothing waited.
    pub digest_today: Option<bool>,
    /// The database and its write-ahead log, in bytes.
    pub db_bytes: u64,
    /// A round is expected at least this often (the poll interval).
    pub poll: Duration,
    /// `[imap] idle`: whether the daemon keeps an IDLE connection at all.
    pub idle_wanted: bool,
    /// The school's date today, and when the OAuth2 client secret expires
    /// (`[oauth2] client_secret_expires`, if known).
    pub today: NaiveDate,
    pub secret_expires: Option<NaiveDate>,
    /// The alerts mailed to `[alerts] to` and still standing.
    pub alerts: Vec<LiveAlert>,
}

/// Reads the snapshot of `app`'s school (a read-only `App` does).
pub fn read(app: &App) -> Result<Snapshot, StoreError> {
    let now = app.clock.now();
    let store = app.store();
    let conn = store.conn();
    let counts = outbox::counts(conn)?;
    let today = now.with_timezone(&app.config.dates.timezone).date_naive();
    Ok(Snapshot {
        now,
        round: health::get(conn, Part::Round)?,
        imap: health::get(conn, Part::Imap)?,
        idle: health::get(conn, Part::Idle)?,
        smtp: health::smtp_failing(conn)?.map(|(since, error)| SmtpFailing { since, error }),
        queue: counts.pending,
        oldest_queued: outbox::oldest_pending(conn)?,
        given_up: counts.failed,
        digest_today: health::digest_on(conn, today)?,
        db_bytes: db_bytes(&app.config.database),
        poll: Duration::seconds(app.config.poll_interval_secs as i64),
        idle_wanted: app.config.imap.idle,
        today,
        secret_expires: app.config.client_secret_expires,
        alerts: live_alerts(conn)?,
    })
}

fn live_alerts(conn: crate::store::Tx<'_>) -> Result<Vec<LiveAlert>, StoreError> {
    let mut out = Vec::new();
    for (cause, sent_at) in health::live_alerts(conn)? {
        let part = match cause.as_str() {
            "imap" => Part::Imap,
            "smtp" => Part::Smtp,
            "token" => Part::Token,
            _ => continue,
        };
        let failing_since = health::get(conn, part)?.filter(|s| !s.ok).map(|s| s.since);
        out.push(LiveAlert {
            cause,
            sent_at,
            failing_since,
        });
    }
    Ok(out)
}

fn db_bytes(path: &Path) -> u64 {
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    size(path) + size(Path::new(&wal))
}

impl Snapshot {
    /// No round for longer than this: the daemon is not running (or hangs).
    fn stale_after(&self) -> Duration {
        (self.poll * 3).max(Duration::minutes(15))
    }

    /// Whether a daemon (or a cron job) ran a round recently enough for its
    /// records to describe the present.
    pub fn fresh(&self) -> bool {
        self.round
            .as_ref()
            .is_some_and(|r| self.now - r.at <= self.stale_after())
    }

    /// The IDLE connection: Some(true/false) when known, None when no
    /// running daemon recorded it.
    pub fn idle_connected(&self) -> Option<bool> {
        self.idle.as_ref().filter(|_| self.fresh()).map(|i| i.ok)
    }

    /// Since when a server has been failing, the earliest of IMAP and SMTP.
    pub fn failing_since(&self) -> Option<DateTime<Utc>> {
        let imap = self.imap.as_ref().filter(|s| !s.ok).map(|s| s.since);
        let smtp = self.smtp.as_ref().map(|s| s.since.unwrap_or(self.now));
        imap.into_iter().chain(smtp).min()
    }
}

/// The level and the reasons for it, worst first (pure).
///
/// Critical: the watched mailbox or the SMTP server refuses mleg now, or the
/// last round failed. Warning: no round yet or none for long (the daemon is
/// not running), a mail waiting over an hour, the IDLE connection down for
/// over 10 minutes, an alert mailed and not yet followed by its recovery.
/// OK otherwise.
pub fn judge(s: &Snapshot) -> (Level, Vec<String>) {
    let mut found: Vec<(Level, String)> = Vec::new();
    if let Some(imap) = s.imap.as_ref().filter(|i| !i.ok) {
        found.push((
            Level::Critical,
            format!(
                "IMAP failing since {}: {}",
                ts(imap.since),
                imap.detail.as_deref().unwrap_or("")
            ),
        ));
    }
    if let Some(smtp) = &s.smtp {
        let since = smtp.since.map(ts).unwrap_or_else(|| "unknown".into());
        found.push((
            Level::Critical,
            format!("SMTP failing since {since}: {}", smtp.error),
        ));
    }
    match &s.round {
        None => found.push((Level::Warning, "no round has run yet".into())),
        // Said already as a server's failure: one reason is enough.
        Some(r) if !r.ok && said(&found, r.detail.as_deref()) => {}
        Some(r) if !r.ok => found.push((
            Level::Critical,
            format!(
                "last round at {} failed: {}",
                ts(r.at),
                r.detail.as_deref().unwrap_or("")
            ),
        )),
        Some(r) if !s.fresh() => found.push((
            Level::Warning,
            format!("no round since {}: is mleg running?", ts(r.at)),
        )),
        Some(_) => {}
    }
    if let Some(oldest) = s.oldest_queued.filter(|o| s.now - *o > QUEUE_WARN) {
        found.push((
            Level::Warning,
            format!(
                "{} mail(s) queued, the oldest since {}",
                s.queue,
                ts(oldest)
            ),
        ));
    }
    if let Some(idle) = &s.idle
        && s.idle_wanted
        && s.idle_connected() == Some(false)
        && s.now - idle.since > IDLE_WARN
    {
        found.push((
            Level::Warning,
            format!(
                "IMAP IDLE down since {}: {}",
                ts(idle.since),
                idle.detail.as_deref().unwrap_or("")
            ),
        ));
    }
    for alert in &s.alerts {
        found.push((Level::Warning, alert_reason(alert)));
    }
    if let Some(expiry) = secret_expiry(s.secret_expires, s.today) {
        found.push(expiry);
    }
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    let level = found.first().map_or(Level::Ok, |f| f.0);
    (level, found.into_iter().map(|f| f.1).collect())
}

/// The OAuth2 client secret's end: critical once past, a warning within
/// [`SECRET_WARN_DAYS`] (pure; `mleg check` says the same).
pub fn secret_expiry(expires: Option<NaiveDate>, today: NaiveDate) -> Option<(Level, String)> {
    let expires = expires?;
    let days = (expires - today).num_days();
    let renew = "create a new one (Entra ID → App registrations → mleg → Certificates & \
                 secrets), put it in place and set [oauth2] client_secret_expires";
    if days < 0 {
        Some((
            Level::Critical,
            format!("the OAuth2 client secret expired on {expires}: {renew}"),
        ))
    } else if days <= SECRET_WARN_DAYS {
        Some((
            Level::Warning,
            format!("the OAuth2 client secret expires on {expires} (in {days} days): {renew}"),
        ))
    } else {
        None
    }
}

/// A standing alert as one reason: a warning of its own, so a monitor
/// sees that someone was told even when the failure itself is critical.
fn alert_reason(a: &LiveAlert) -> String {
    let cause = a.cause.to_uppercase();
    match a.failing_since {
        Some(since) => format!(
            "{cause} alert mailed at {}, failing since {}",
            ts(a.sent_at),
            ts(since)
        ),
        None => format!(
            "{cause} alert mailed at {}; it works again, the recovery mail goes with the next round",
            ts(a.sent_at)
        ),
    }
}

fn said(found: &[(Level, String)], detail: Option<&str>) -> bool {
    detail.is_some_and(|d| !d.is_empty() && found.iter().any(|(_, f)| f.ends_with(d)))
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests;
