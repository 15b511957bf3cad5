//! Whether anyone must be told now (pure): from the recorded health of each
//! login, the known expiry dates and the alerts already sent, at `now`.
//!
//! The shell gathers these facts from the store, calls [`decide`] and sends
//! what it returns; the rules live here alone, so the unit tests can walk a
//! week of failures in a few lines.

use chrono::{DateTime, Duration, NaiveDate, Utc};

/// A login whose failure is alerted about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// The watched mailbox (`[imap]`).
    Imap,
    /// The SMTP server mleg sends through (`[smtp]`).
    Smtp,
    /// The OAuth2 token endpoint (`[oauth2]`).
    Token,
}

impl Cause {
    pub const ALL: [Cause; 3] = [Cause::Imap, Cause::Smtp, Cause::Token];

    /// The stable key the store records alerts under.
    pub fn key(self) -> &'static str {
        match self {
            Cause::Imap => "imap",
            Cause::Smtp => "smtp",
            Cause::Token => "token",
        }
    }
}

/// One login's recorded health.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    pub cause: Cause,
    pub ok: bool,
    /// Since when it has been in this state without a break.
    pub since: DateTime<Utc>,
    /// The last error, one line (addresses masked), when failing.
    pub detail: Option<String>,
}

/// A credential with a known end date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expiry {
    /// A stable name: `imap_certificate`, `smtp_certificate`, `client_secret`.
    pub credential: String,
    pub on: NaiveDate,
}

/// What kind of mail an alert row stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Alert,
    Recovery,
    Reminder,
}

impl Kind {
    pub fn key(self) -> &'static str {
        match self {
            Kind::Alert => "alert",
            Kind::Recovery => "recovery",
            Kind::Reminder => "reminder",
        }
    }

    pub fn from_key(key: &str) -> Option<Kind> {
        [Kind::Alert, Kind::Recovery, Kind::Reminder]
            .into_iter()
            .find(|k| k.key() == key)
    }
}

/// An alert already sent (or handed to the fallback server).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// A cause's key, or a reminder's [`reminder_key`].
    pub key: String,
    pub kind: Kind,
    pub at: DateTime<Utc>,
}

/// Days before an expiry at which a reminder goes out, most urgent first.
pub const REMINDER_DAYS: [i64; 3] = [1, 7, 30];

/// One mail due now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Due {
    /// `cause` has failed since `since`; `detail` is its last error.
    Alert {
        cause: Cause,
        since: DateTime<Utc>,
        detail: Option<String>,
    },
    /// `cause` works again (since `since`) after an alert.
    Recovery { cause: Cause, since: DateTime<Utc> },
    /// `credential` expires on `on`, `days_left` days from today; this is
    /// the reminder of the `threshold` (30, 7 or 1) days before.
    Reminder {
        credential: String,
        on: NaiveDate,
        days_left: i64,
        threshold: i64,
    },
}

impl Due {
    /// The key its record is kept under (what "already sent" is judged by).
    pub fn key(&self) -> String {
        match self {
            Due::Alert { cause, .. } | Due::Recovery { cause, .. } => cause.key().to_owned(),
            Due::Reminder {
                credential,
                on,
                threshold,
                ..
            } => reminder_key(credential, *on, *threshold),
        }
    }

    pub fn kind(&self) -> Kind {
        match self {
            Due::Alert { .. } => Kind::Alert,
            Due::Recovery { .. } => Kind::Recovery,
            Due::Reminder { .. } => Kind::Reminder,
        }
    }
}

/// A reminder's key: a renewed credential (a new date) is reminded afresh.
pub fn reminder_key(credential: &str, on: NaiveDate, threshold: i64) -> String {
    format!("{credential}:{on}:{threshold}")
}

/// What the rules read: the facts and the settings.
#[derive(Debug, Clone)]
pub struct Facts<'a> {
    pub logins: &'a [Login],
    pub expiries: &'a [Expiry],
    pub sent: &'a [Sent],
    /// `[alerts] alert_after_mins`.
    pub after: Duration,
    pub now: DateTime<Utc>,
    /// The school's date at `now`.
    pub today: NaiveDate,
}

/// At most one alert per cause in any 24 hours.
const ALERT_GAP: Duration = Duration::hours(24);

/// Every mail due at `facts.now`:
/// - an alert for a login failing without a break for `after`, unless one
///   for that cause went out in the last 24 hours; while the token endpoint
///   fails, the IMAP and SMTP logins that need its token are not alerted
///   about on their own (one cause, one mail);
/// - a recovery mail for a login that works again after an alert (the
///   newest record of its cause is an alert);
/// - a reminder at the most urgent of 30, 7, 1 days before a known expiry
///   that was not sent yet (a date first learnt 3 days before sends only the
///   7-day one; nothing once it has passed).
pub fn decide(facts: &Facts<'_>) -> Vec<Due> {
    let token_failing = facts
        .logins
        .iter()
        .any(|l| l.cause == Cause::Token && !l.ok);
    let mut due = Vec::new();
    for login in facts.logins {
        let last = newest(facts.sent, login.cause.key());
        if login.ok {
            if last.is_some_and(|s| s.kind == Kind::Alert) {
                due.push(Due::Recovery {
                    cause: login.cause,
                    since: login.since,
                });
            }
            continue;
        }
        let long_enough = facts.now - login.since >= facts.after;
        let capped = facts.sent.iter().any(|s| {
            s.key == login.cause.key() && s.kind == Kind::Alert && facts.now - s.at < ALERT_GAP
        });
        let covered = token_failing && login.cause != Cause::Token;
        if long_enough && !capped && !covered {
            due.push(Due::Alert {
                cause: login.cause,
                since: login.since,
                detail: login.detail.clone(),
            });
        }
    }
    for expiry in facts.expiries {
        if let Some(r) = reminder(expiry, facts) {
            due.push(r);
        }
    }
    due
}

fn newest<'a>(sent: &'a [Sent], key: &str) -> Option<&'a Sent> {
    sent.iter()
        .filter(|s| s.key == key && s.kind != Kind::Reminder)
        .max_by_key(|s| s.at)
}

fn reminder(expiry: &Expiry, facts: &Facts<'_>) -> Option<Due> {
    let days_left = (expiry.on - facts.today).num_days();
    if days_left < 0 {
        return None;
    }
    let threshold = REMINDER_DAYS.into_iter().find(|t| days_left <= *t)?;
    let key = reminder_key(&expiry.credential, expiry.on, threshold);
    let sent = facts.sent.iter().any(|s| s.key == key);
    (!sent).then(|| Due::Reminder {
        credential: expiry.credential.clone(),
        on: expiry.on,
        days_left,
        threshold,
    })
}

#[cfg(test)]
#[path = "decide_tests.rs"]
mod tests;
