//! Rows left `sending` by a crash (or a connection lost after `DATA`): the
//! server may or may not have queued them.
//!
//! Where `[imap] sent_folder` is configured (servers like Microsoft 365 and
//! Gmail file what they relay there), the Message-ID is looked up there
//! first: found means sent. Otherwise the row is sent again with the same
//! Message-ID — a copy the server already had then shows as one message in
//! mail programs — and counted in `outbox.in_doubt` and logged (no address).

use tracing::{info, warn};

use super::{OutboxError, OutboxReport};
use crate::app::App;
use crate::mail::imap::Mailbox;
use crate::store::{delivery, outbox};

/// Settles every in-doubt row before the round sends anything.
pub(super) async fn resolve(app: &App, report: &mut OutboxReport) -> Result<(), OutboxError> {
    let rows = delivery::in_doubt(app.store().conn())?;
    if rows.is_empty() {
        return Ok(());
    }
    let mut found = Vec::new();
    if let Some(folder) = &app.config.imap.sent_folder {
        match look_up(app, folder, &rows).await {
            Ok(ids) => found = ids,
            Err(e) => {
                // Resending now could duplicate what the folder would have
                // shown: the rows wait until the folder can be read.
                warn!(rows = rows.len(), error = %e, "cannot read the sent folder; in-doubt mails wait");
                return Ok(());
            }
        }
    }
    let now = app.clock.now();
    for (id, _) in &rows {
        if found.contains(id) {
            app.store()
                .transaction(|tx| outbox::mark_sent(tx, *id, now))?;
            info!(
                outbox_id = id,
                "in-doubt mail found in the sent folder; not sent again"
            );
            report.found_sent += 1;
        } else {
            delivery::resend_in_doubt(app.store().conn(), *id, now)?;
            warn!(
                outbox_id = id,
                "in-doubt mail (interrupted send); sending again with the same Message-ID"
            );
            report.in_doubt += 1;
        }
    }
    Ok(())
}

/// The ids of those rows whose Message-ID is in `folder`.
async fn look_up(
    app: &App,
    folder: &str,
    rows: &[(i64, String)],
) -> Result<Vec<i64>, crate::mail::imap::ImapError> {
    let (mut mailbox, _) = Mailbox::connect(&app.config.imap).await?;
    let mut found = Vec::new();
    for (id, message_id) in rows {
        match mailbox.holds_message_id(folder, message_id).await {
            Ok(true) => found.push(*id),
            Ok(false) => {}
            // A server that stopped answering would not answer LOGOUT either.
            Err(e @ crate::mail::imap::ImapError::Timeout { .. }) => return Err(e),
            Err(e) => {
                mailbox.logout().await;
                return Err(e);
            }
        }
    }
    mailbox.logout().await;
    Ok(found)
}
