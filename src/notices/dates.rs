//! What the date rules send: the parent's reminder before the code expires,
//! the parent's and the secretary's news that it expired, and the
//! secretary's reminder of the issue deadline. Every time in them is in the
//! school's time zone (`[dates] timezone`).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{StudentView, mail};
use crate::config::{Config, Delivery, School};
use crate::domain::{Application, CodeInfo};
use crate::mail::outgoing::{MailKind, OutgoingMail};
use crate::templates::{TemplateError, Templates};

/// A time as a Polish reader expects it, in the school's zone.
pub fn local_time(cfg: &Config, t: DateTime<Utc>) -> String {
    t.with_timezone(&cfg.dates.timezone)
        .format("%d.%m.%Y %H:%M")
        .to_string()
}

#[derive(Debug, Serialize)]
struct DatesView<'a> {
    school: &'a School,
    student: StudentView,
    delivery: Delivery,
    /// The code's expiry, local.
    expires: String,
    /// Local calendar days from today to the expiry day (0: it expires today).
    days_left: i64,
    /// The school's time zone (IANA name), so a template can say "Polish
    /// time" for `Europe/Warsaw` and name any other zone.
    zone: &'static str,
    after_handover: bool,
    /// The issue deadline and the day of the reminder (staff).
    deadline: String,
    day: u32,
    /// How long a new code lives (`code_valid_days`).
    code_valid_days: i64,
    /// The school's promise (`[dates] issue_within_days`).
    issue_within_days: u32,
}

fn view<'a>(cfg: &'a Config, a: &Application, code: Option<&CodeInfo>) -> DatesView<'a> {
    DatesView {
        school: &cfg.school,
        student: StudentView::of(a),
        delivery: cfg.delivery,
        expires: code
            .map(|c| local_time(cfg, c.expires_at))
            .unwrap_or_default(),
        days_left: 0,
        zone: cfg.dates.timezone.name(),
        after_handover: false,
        deadline: String::new(),
        day: 0,
        code_valid_days: cfg.code_valid_days,
        issue_within_days: cfg.dates.issue_within_days,
    }
}

/// The parent's reminder, sent at `now`. The days left are counted from
/// `now`, not from the reminder's nominal day: one sent late after a gap
/// says how much time is really left.
pub fn parent_code_reminder(
    t: &Templates,
    cfg: &Config,
    a: &Application,
    code: &CodeInfo,
    now: DateTime<Utc>,
    after_handover: bool,
) -> Result<OutgoingMail, TemplateError> {
    let tz = &cfg.dates.timezone;
    let days_left = (code.expires_at.with_timezone(tz).date_naive()
        - now.with_timezone(tz).date_naive())
    .num_days();
    let v = DatesView {
        days_left,
        after_handover,
        ..view(cfg, a, Some(code))
    };
    let r = t.render("parent_code_reminder", &v)?;
    Ok(mail(MailKind::ParentReminder, a, a.parent_email.clone(), r))
}

/// The parent hears the code lapsed and how to get a new one.
pub fn parent_code_expired(
    t: &Templates,
    cfg: &Config,
    a: &Application,
    code: Option<&CodeInfo>,
) -> Result<OutgoingMail, TemplateError> {
    let r = t.render("parent_code_expired", &view(cfg, a, code))?;
    Ok(mail(MailKind::ParentReminder, a, a.parent_email.clone(), r))
}

/// The secretary's one mail about a lapsed code.
pub fn staff_code_expired(
    t: &Templates,
    cfg: &Config,
    a: &Application,
    code: Option<&CodeInfo>,
) -> Result<OutgoingMail, TemplateError> {
    let r = t.render("staff_code_expired", &view(cfg, a, code))?;
    Ok(mail(
        MailKind::StaffReminder,
        a,
        cfg.staff.notify.clone(),
        r,
    ))
}

/// The secretary's reminder `day` days after the application was complete.
pub fn staff_deadline(
    t: &Templates,
    cfg: &Config,
    a: &Application,
    day: u32,
    deadline: DateTime<Utc>,
) -> Result<OutgoingMail, TemplateError> {
    let v = DatesView {
        day,
        deadline: local_time(cfg, deadline),
        ..view(cfg, a, None)
    };
    let r = t.render("staff_deadline", &v)?;
    Ok(mail(
        MailKind::StaffReminder,
        a,
        cfg.staff.notify.clone(),
        r,
    ))
}

#[cfg(test)]
#[path = "dates_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "days_tests.rs"]
mod days_tests;
