//! Finding one of mleg's own mails in the sent-mail folder, for a delivery
//! left in doubt by a crash: servers that file what they relay (Microsoft
//! 365, Gmail) prove with that copy that the mail went out.
//!
//! Like a purge, a header-search hit counts only after the mail's own
//! Message-ID header compared exactly equal (header search matches substrings).

use super::{ImapError, Mailbox, within};
use crate::mail::message_id;

impl Mailbox {
    /// Whether `folder` holds a mail whose Message-ID is exactly `id`. The
    /// watched mailbox is selected again afterwards. A header search over a
    /// large sent folder may take a while: the lookup as a whole is bounded
    /// by the long limit (`fetch_timeout_secs`), the reselect by the short one.
    pub async fn holds_message_id(&mut self, folder: &str, id: &str) -> Result<bool, ImapError> {
        let (limits, server) = (self.timeouts, self.server.clone());
        let search = self.search_exact(folder, id);
        let found = match within(limits.fetch, &server, "SEARCH in the sent folder", search).await {
            // The connection is mid-answer: another command would only wait too.
            Err(e @ ImapError::Timeout { .. }) => return Err(e),
            other => other,
        };
        let reselect = within(limits.command, &server, "SELECT", async {
            Ok(self.session.select(&self.name).await?)
        })
        .await;
        let found = found?;
        reselect?;
        Ok(found)
    }

    async fn search_exact(&mut self, folder: &str, id: &str) -> Result<bool, ImapError> {
        if !message_id::searchable(id) || self.select_existing(folder).await?.is_none() {
            return Ok(false);
        }
        // `searchable` guarantees printable ASCII without quotes or backslashes.
        let query = format!("HEADER Message-ID \"{}\"", message_id::normalise(id));
        let uids: Vec<(u32, Option<u32>)> = self
            .session
            .uid_search(&query)
            .await?
            .into_iter()
            .map(|uid| (uid, None))
            .collect();
        Ok(!self.verified(&uids, id).await?.is_empty())
    }
}
