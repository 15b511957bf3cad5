//! The secretary's daily digest: counts by status, then what waits for her.
//!
//! It shows what her other notifications already show (number, name, class)
//! and no PESEL, parent address or mail text: the digest is a to-do list.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::alerts::known::{KnownExpiry, KnownLogin};
use crate::config::{Config, School};
use crate::domain::Status;
use crate::mail::outgoing::{MailKind, OutgoingMail};
use crate::store::digest::{Section, Waiting};
use crate::templates::{TemplateError, Templates};

#[derive(Debug, Serialize)]
struct CountView {
    status: Status,
    n: usize,
}

#[derive(Debug, Serialize)]
struct ItemView {
    id: i64,
    full_name: String,
    class: String,
    /// The section's date in the school's time zone ("1.12.2026").
    date: String,
    /// The same with the time ("1.12.2026 08:00"), for expiry.
    date_time: String,
    /// A parent's open request: the subject of a ready command mail, with
    /// a token of its own, so she can act from the digest.
    command_subject: Option<String>,
}

#[derive(Debug, Serialize)]
struct SectionView {
    /// review, approved, overdue, expiring, not_picked_up, expired, bounced, requests.
    key: &'static str,
    total: usize,
    /// How many more than listed.
    more: usize,
    items: Vec<ItemView>,
}

#[derive(Debug, Serialize)]
struct DigestView<'a> {
    school: &'a School,
    date: String,
    counts: Vec<CountView>,
    sections: Vec<SectionView>,
    /// None when the mailbox could not be read: the template says "unknown".
    needs_human: Option<u32>,
    folder: &'a str,
    /// The school's mailbox, where a command mail goes.
    mailbox: &'a str,
    /// Each credential's known end, soonest first.
    credentials: &'a [KnownExpiry],
    logins: Vec<LoginView>,
}

#[derive(Debug, Serialize)]
struct LoginView {
    /// imap, smtp.
    part: &'static str,
    server: String,
    /// School-local "1.12.2026 08:00", or None: never recorded.
    last_ok: Option<String>,
    failing_since: Option<String>,
}

/// What the digest reports, gathered by the scheduler.
#[derive(Debug)]
pub struct DigestData<'a> {
    pub date: NaiveDate,
    pub counts: Vec<(Status, usize)>,
    pub waiting: &'a Waiting,
    pub needs_human: Option<u32>,
    /// What is known of the credentials and logins (`alerts::known`).
    pub expiries: &'a [KnownExpiry],
    pub logins: &'a [KnownLogin],
    /// A fresh command token for each open request listed, by application
    /// (recorded by the caller in the digest's transaction).
    pub request_tokens: &'a [(i64, String)],
}

/// The subject of a command mail about application `id`: what
/// `apps show` prints, so `intake::staff` finds the token in it.
pub fn command_subject(id: i64, token: &str) -> String {
    format!("[mLegitymacja #{id}] [{token}]")
}

fn section(key: &'static str, s: &Section, tz: Tz, tokens: &[(i64, String)]) -> SectionView {
    let local = |t: DateTime<Utc>| t.with_timezone(&tz);
    SectionView {
        key,
        total: s.total,
        more: s.total.saturating_sub(s.items.len()),
        items: s
            .items
            .iter()
            .map(|i| ItemView {
                id: i.id,
                full_name: format!("{} {}", i.first_names, i.last_name),
                class: i.class.clone(),
                date: local(i.at).format("%-d.%m.%Y").to_string(),
                date_time: local(i.at).format("%-d.%m.%Y %H:%M").to_string(),
                command_subject: tokens
                    .iter()
                    .find(|(id, _)| *id == i.id)
                    .map(|(id, token)| command_subject(*id, token)),
            })
            .collect(),
    }
}

/// The digest mail to `staff.notify`.
pub fn staff_digest(
    t: &Templates,
    cfg: &Config,
    data: &DigestData<'_>,
) -> Result<OutgoingMail, TemplateError> {
    let tz = cfg.dates.timezone;
    let w = data.waiting;
    let view = DigestView {
        school: &cfg.school,
        date: data.date.format("%-d.%m.%Y").to_string(),
        counts: data
            .counts
            .iter()
            .map(|&(status, n)| CountView { status, n })
            .collect(),
        sections: vec![
            section("review", &w.review, tz, &[]),
            section("approved", &w.approved, tz, &[]),
            section("overdue", &w.overdue, tz, &[]),
            section("expiring", &w.expiring, tz, &[]),
            section("not_picked_up", &w.not_picked_up, tz, &[]),
            section("expired", &w.expired, tz, &[]),
            section("bounced", &w.bounced, tz, &[]),
            section("requests", &w.requests, tz, data.request_tokens),
        ],
        needs_human: data.needs_human,
        folder: &cfg.imap.needs_human_folder,
        mailbox: cfg.smtp.from.as_str(),
        credentials: data.expiries,
        logins: data
            .logins
            .iter()
            .map(|l| {
                let local =
                    |t: DateTime<Utc>| t.with_timezone(&tz).format("%-d.%m.%Y %H:%M").to_string();
                LoginView {
                    part: l.part,
                    server: l.server.clone(),
                    last_ok: l.last_ok.map(local),
                    failing_since: l.failing_since.map(local),
                }
            })
            .collect(),
    };
    let r = t.render("staff_digest", &view)?;
    Ok(OutgoingMail {
        kind: MailKind::StaffDigest,
        application_id: None,
        to: cfg.staff.notify.clone(),
        subject: r.subject,
        body: r.body,
        in_reply_to: None,
        references: vec![],
        attachments: vec![],
    })
}

#[cfg(test)]
#[path = "digest_tests.rs"]
mod tests;
