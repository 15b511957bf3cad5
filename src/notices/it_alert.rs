//! The mails to `[alerts] to` about mleg itself: a login that keeps
//! failing (the cause in plain words, the provider's own line on what to
//! change), the mail that it works again, and a reminder before a
//! credential expires. Data only, like every notice: the caller queues it.

use serde::Serialize;

use crate::alerts::decide::{Cause, Due};
use crate::config::{Config, School};
use crate::mail::outgoing::{MailKind, OutgoingMail};
use crate::templates::{TemplateError, Templates};

#[derive(Debug, Serialize)]
struct View<'a> {
    school: &'a School,
    /// alert, recovery, reminder.
    kind: &'static str,
    /// imap, smtp, token (alert, recovery); the credential's name (reminder).
    what: String,
    /// `host:port` of the server concerned, or the token's provider.
    server: String,
    /// The login name on that server (the school's mailbox, never a parent's).
    user: String,
    /// Since when (school-local "2027-01-14 08:30").
    since: String,
    /// The last error, one line.
    detail: Option<String>,
    /// What to change, in the provider's terms, when it is known.
    advice: Option<&'static str>,
    /// The expiry date and the days left (reminder).
    on: String,
    days_left: i64,
}

/// One mail per address in `[alerts] to` for `due`.
pub fn it_alert(
    t: &Templates,
    cfg: &Config,
    due: &Due,
) -> Result<Vec<OutgoingMail>, TemplateError> {
    let tz = cfg.dates.timezone;
    let local = |at: chrono::DateTime<chrono::Utc>| {
        at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
    };
    let mut view = View {
        school: &cfg.school,
        kind: due.kind().key(),
        what: String::new(),
        server: String::new(),
        user: String::new(),
        since: String::new(),
        detail: None,
        advice: None,
        on: String::new(),
        days_left: 0,
    };
    match due {
        Due::Alert {
            cause,
            since,
            detail,
        } => {
            (view.server, view.user) = server_of(cfg, *cause);
            view.what = cause.key().to_owned();
            view.since = local(*since);
            view.advice = detail.as_deref().and_then(crate::provider_hints::advice);
            // The sessions put the same advice behind the server's words
            // ("… → what to do"): said once, under "what to do".
            view.detail = detail.as_deref().map(|d| match view.advice {
                Some(_) => d.split(" → ").next().unwrap_or(d).to_owned(),
                None => d.to_owned(),
            });
        }
        Due::Recovery { cause, since } => {
            (view.server, view.user) = server_of(cfg, *cause);
            view.what = cause.key().to_owned();
            view.since = local(*since);
        }
        Due::Reminder {
            credential,
            on,
            days_left,
            ..
        } => {
            view.what = credential.clone();
            view.server = match credential.as_str() {
                "imap_certificate" => format!("{}:{}", cfg.imap.host, cfg.imap.port),
                "smtp_certificate" => format!("{}:{}", cfg.smtp.host, cfg.smtp.port),
                _ => String::new(),
            };
            view.on = on.format("%Y-%m-%d").to_string();
            view.days_left = *days_left;
        }
    }
    let r = t.render("it_alert", &view)?;
    Ok(cfg
        .alerts
        .to
        .iter()
        .map(|to| OutgoingMail {
            kind: MailKind::ItAlert,
            application_id: None,
            to: to.clone(),
            subject: r.subject.clone(),
            body: r.body.clone(),
            in_reply_to: None,
            references: vec![],
            attachments: vec![],
        })
        .collect())
}

fn server_of(cfg: &Config, cause: Cause) -> (String, String) {
    match cause {
        Cause::Imap => (
            format!("{}:{}", cfg.imap.host, cfg.imap.port),
            cfg.imap.user.clone(),
        ),
        Cause::Smtp => (
            format!("{}:{}", cfg.smtp.host, cfg.smtp.port),
            (cfg.smtp.credentials.as_ref())
                .map(|(u, _)| u.clone())
                .unwrap_or_default(),
        ),
        Cause::Token => (String::from("[oauth2]"), cfg.imap.user.clone()),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone, Utc};

    use super::*;
    use crate::config::Config;

    fn config(dir: &std::path::Path, language: &str) -> Config {
        std::fs::write(dir.join("pw"), "x\n").unwrap();
        let toml = format!(
            r#"
language = "{language}"
database = "mleg.sqlite3"
[school]
name = "SP 1"
[imap]
host = "imap.example.pl"
port = 993
tls = "tls"
user = "szkola@szkola.test"
password_file = "pw"
[smtp]
host = "smtp.office365.com"
port = 587
tls = "starttls"
user = "szkola@szkola.test"
password_file = "pw"
from = "szkola@szkola.test"
[staff]
addresses = ["sekretariat@szkola.test"]
[alerts]
to = ["it@szkola.test", "cuw@gmina.test"]
"#
        );
        Config::from_toml(&toml, dir).unwrap()
    }

    fn render(language: &str, due: &Due) -> Vec<OutgoingMail> {
        let dir = tempfile::tempdir().unwrap();
        let cfg = config(dir.path(), language);
        let t = Templates::new(cfg.language, None);
        it_alert(&t, &cfg, due).unwrap()
    }

    fn smtp_alert() -> Due {
        Due::Alert {
            cause: Cause::Smtp,
            since: Utc.with_ymd_and_hms(2026, 12, 31, 23, 10, 0).unwrap(),
            detail: Some(
                "SMTP login as szkola@szkola.test refused: 550 5.7.30 Basic authentication is not supported for Client Submission. → Microsoft turned off password sending"
                    .into(),
            ),
        }
    }

    #[test]
    fn an_alert_names_the_server_the_cause_and_microsofts_own_advice_to_each_address() {
        let mails = render("pl", &smtp_alert());
        assert_eq!(mails.len(), 2);
        assert_eq!(mails[1].to.as_str(), "cuw@gmina.test");
        let m = &mails[0];
        assert_eq!(m.kind, MailKind::ItAlert);
        assert_eq!(
            m.subject,
            "[mleg] Nie działa logowanie: wysyłanie poczty (smtp.office365.com:587) — SP 1"
        );
        assert!(
            m.body.contains("od 2027-01-01 00:10"),
            "school time: {}",
            m.body
        );
        assert!(m.body.contains("550 5.7.30"), "{}", m.body);
        assert!(
            m.body.contains("set [smtp] auth = \"oauth2\""),
            "{}",
            m.body
        );
        let said = m.body.matches("Microsoft turned off").count();
        assert_eq!(said, 1, "the advice once: {}", m.body);
        let en = &render("en", &smtp_alert())[0];
        assert!(
            en.subject.starts_with("[mleg] Login failing: sending mail"),
            "{}",
            en.subject
        );
        assert!(en.body.contains("What to do:"), "{}", en.body);
    }

    #[test]
    fn a_recovery_and_a_reminder_say_what_they_are_in_both_languages() {
        let since = Utc.with_ymd_and_hms(2027, 1, 2, 7, 0, 0).unwrap();
        let back = Due::Recovery {
            cause: Cause::Imap,
            since,
        };
        let pl = &render("pl", &back)[0];
        assert!(
            pl.subject
                .contains("Znów działa: skrzynka szkola@szkola.test"),
            "{}",
            pl.subject
        );
        let secret = Due::Reminder {
            credential: "client_secret".into(),
            on: NaiveDate::from_ymd_opt(2027, 1, 14).unwrap(),
            days_left: 7,
            threshold: 7,
        };
        let pl = &render("pl", &secret)[0];
        assert!(
            pl.subject.contains("Za 7 dn. wygasa sekret klienta OAuth2"),
            "{}",
            pl.subject
        );
        assert!(pl.body.contains("wygasa 2027-01-14"), "{}", pl.body);
        let en = &render("en", &secret)[0];
        assert!(
            en.subject
                .contains("The OAuth2 client secret expires in 7 day(s)"),
            "{}",
            en.subject
        );
    }
}
