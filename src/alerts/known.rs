//! What is known of each credential's end and each server's last good
//! login, for the secretary's digest and `mleg check`: the servers' TLS
//! certificates (notAfter, read at connection), `[oauth2]
//! client_secret_expires`, and the last successful IMAP and SMTP login.

use chrono::{DateTime, NaiveDate, Utc};

use crate::config::Config;
use crate::store::health::{self, Part};
use crate::store::{StoreError, Tx};

/// A credential with a known end.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct KnownExpiry {
    /// `imap_certificate`, `smtp_certificate`, `client_secret`.
    pub credential: String,
    /// `host:port` for a certificate, empty otherwise.
    pub server: String,
    pub on: NaiveDate,
    /// Days from the school's today (negative: already past).
    pub days_left: i64,
}

/// One server's login as the rounds recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownLogin {
    /// `imap` or `smtp`.
    pub part: &'static str,
    pub server: String,
    pub last_ok: Option<DateTime<Utc>>,
    /// Set while it fails.
    pub failing_since: Option<DateTime<Utc>>,
}

/// Both lists, soonest expiry first.
pub fn read(
    conn: Tx<'_>,
    cfg: &Config,
    now: DateTime<Utc>,
) -> Result<(Vec<KnownExpiry>, Vec<KnownLogin>), StoreError> {
    let tz = cfg.dates.timezone;
    let today = now.with_timezone(&tz).date_naive();
    let imap = format!("{}:{}", cfg.imap.host, cfg.imap.port);
    let smtp = format!("{}:{}", cfg.smtp.host, cfg.smtp.port);
    let mut expiries: Vec<KnownExpiry> = health::expiries(conn)?
        .into_iter()
        .map(|(credential, at)| {
            let on = at.with_timezone(&tz).date_naive();
            let server = match credential.as_str() {
                "imap_certificate" => imap.clone(),
                "smtp_certificate" => smtp.clone(),
                _ => String::new(),
            };
            KnownExpiry {
                credential,
                server,
                on,
                days_left: (on - today).num_days(),
            }
        })
        .collect();
    if let Some(on) = cfg.client_secret_expires {
        expiries.push(KnownExpiry {
            credential: "client_secret".into(),
            server: String::new(),
            on,
            days_left: (on - today).num_days(),
        });
    }
    expiries.sort_by_key(|e| e.on);
    let mut logins = Vec::new();
    for (part, key, server) in [(Part::Imap, "imap", imap), (Part::Smtp, "smtp", smtp)] {
        let state = health::get(conn, part)?;
        logins.push(KnownLogin {
            part: key,
            server,
            last_ok: state.as_ref().and_then(|s| s.last_ok),
            failing_since: state.filter(|s| !s.ok).map(|s| s.since),
        });
    }
    Ok((expiries, logins))
}

/// `mleg check`'s lines (English, for the IT person at the terminal): an
/// expired certificate is a failure, the logins are information (the check
/// itself logs in live). The client secret has its own line there.
pub fn check_lines(expiries: &[KnownExpiry], logins: &[KnownLogin]) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    for e in expiries.iter().filter(|e| e.credential != "client_secret") {
        let what = match e.credential.as_str() {
            "client_secret" => "[oauth2] client secret".to_owned(),
            "imap_certificate" => format!("IMAP {} TLS certificate", e.server),
            "smtp_certificate" => format!("SMTP {} TLS certificate", e.server),
            other => other.to_owned(),
        };
        // Expired fails the check; near its end is said, not failed (the
        // reminders are on their way, and the login works today).
        let ok = e.days_left >= 0;
        let when = if !ok {
            format!("EXPIRED on {}", e.on)
        } else if e.days_left <= super::decide::REMINDER_DAYS[2] {
            format!("expires {} (in {} days): renew it", e.on, e.days_left)
        } else {
            format!("expires {} (in {} days)", e.on, e.days_left)
        };
        out.push((ok, format!("{what}: {when}")));
    }
    for l in logins {
        let name = format!("{} {}", l.part.to_uppercase(), l.server);
        let last = l.last_ok.map_or_else(
            || "never recorded".to_owned(),
            |t| t.format("%Y-%m-%d %H:%M UTC").to_string(),
        );
        let failing = l
            .failing_since
            .map(|t| format!("; failing since {}", t.format("%Y-%m-%d %H:%M UTC")))
            .unwrap_or_default();
        out.push((
            true,
            format!("{name}: last successful login by a round: {last}{failing}"),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expiry(credential: &str, days_left: i64) -> KnownExpiry {
        let today = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        KnownExpiry {
            credential: credential.into(),
            server: "imap.example.pl:993".into(),
            on: today + chrono::Duration::days(days_left),
            days_left,
        }
    }

    #[test]
    fn check_says_renew_near_the_end_fails_only_when_expired_and_shows_the_last_login() {
        let since = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap();
        let login = KnownLogin {
            part: "smtp",
            server: "smtp.example.pl:465".into(),
            last_ok: None,
            failing_since: Some(since),
        };
        let lines = check_lines(
            &[
                expiry("imap_certificate", 90),
                expiry("imap_certificate", 7),
                expiry("imap_certificate", -1),
                expiry("client_secret", 3),
            ],
            &[login],
        );
        let text: Vec<&str> = lines.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(
            text,
            [
                "IMAP imap.example.pl:993 TLS certificate: expires 2027-04-01 (in 90 days)",
                "IMAP imap.example.pl:993 TLS certificate: expires 2027-01-08 (in 7 days): renew it",
                "IMAP imap.example.pl:993 TLS certificate: EXPIRED on 2026-12-31",
                "SMTP smtp.example.pl:465: last successful login by a round: never recorded; \
                 failing since 2027-01-15 08:00 UTC",
            ]
        );
        let oks: Vec<bool> = lines.iter().map(|(ok, _)| *ok).collect();
        assert_eq!(oks, [true, true, false, true]);
    }
}
