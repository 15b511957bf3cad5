//! Which command token a secretary's reply carries, and whether it may
//! still act: each mail that asks her for a command carries its own token,
//! good for one command, on the status the application had when the mail
//! was written, for `[staff] token_valid_days`. A replayed command mail (a
//! copy with a new Message-ID) finds its token spent.

use chrono::{DateTime, Duration, Utc};

use crate::domain::Status;
use crate::domain::mail::IncomingMail;
use crate::store::tokens::{self, IssuedToken};
use crate::store::{StoreError, Tx, apps, lifecycle as store_lc};
use crate::workflow::command::StaffCommand;

/// The token a reply carries, with the application's status now: from the
/// subject, else from the mail it answers.
pub(super) fn carried(
    conn: Tx<'_>,
    mail: &IncomingMail,
) -> Result<Option<(IssuedToken, Status)>, StoreError> {
    let mut found = None;
    for t in super::tokens_in(&mail.subject) {
        found = found.or(tokens::find(conn, &t)?);
    }
    for id in mail.in_reply_to.iter().chain(&mail.references) {
        if found.is_some() {
            break;
        }
        found = tokens::of_mail(conn, id)?.or(legacy(conn, id)?);
    }
    let Some(token) = found else {
        return Ok(None);
    };
    let status = apps::get(conn, token.application_id)?.map(|a| a.status);
    Ok(status.map(|s| (token, s)))
}

/// A staff mail sent before tokens were per mail: its application's one
/// token (issued for the status it had at the upgrade).
fn legacy(conn: Tx<'_>, message_id: &str) -> Result<Option<IssuedToken>, StoreError> {
    let Some(id) = store_lc::staff_mail_application(conn, message_id)? else {
        return Ok(None);
    };
    match apps::get(conn, id)? {
        Some(a) => tokens::find(conn, &a.token),
        None => Ok(None),
    }
}

/// Why `token` may not carry `command` now, as (reason, detail); None when
/// it may. `POMOC` and anything not understood change nothing, so any
/// token gets the help.
pub(super) fn refusal(
    (token, status): &(IssuedToken, Status),
    command: Option<&StaffCommand>,
    now: DateTime<Utc>,
    valid_days: u32,
) -> Option<(&'static str, String)> {
    if matches!(command, None | Some(StaffCommand::Help)) {
        return None;
    }
    if let Some(at) = token.spent_at {
        let detail = format!("the token was spent by a command at {}", at.to_rfc3339());
        return Some(("token_spent", detail));
    }
    if now - token.issued_at > Duration::days(i64::from(valid_days)) {
        let detail = format!("the token is older than {valid_days} days");
        return Some(("token_expired", detail));
    }
    if token.issued_for != *status {
        let detail = format!(
            "the mail was written for status {}, the application is {} now",
            token.issued_for.as_str(),
            status.as_str()
        );
        return Some(("token_stale", detail));
    }
    None
}
