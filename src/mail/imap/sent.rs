//! Finding one of mleg's own mails in the sent-mail folder, for a delivery
//! left in doubt by a crash: servers that file what they relay (Microsoft
//! 365, Gmail) prove with that copy that the mail went out.
//!
//! Like a purge, a header-search hit counts only after the mail's own
//! Message-ID header compared exactly equal (header search matches substrings).

use super::{ImapError, Mailbox};
use crate::mail::message_id;

impl Mailbox {
    /// Whether `folder` holds a mail whose Message-ID is exactly `id`. The
    /// watched mailbox is selected again afterwards.
    pub async fn holds_message_id(&mut self, folder: &str, id: &str) -> Result<bool, ImapError> {
        let found = self.search_exact(folder, id).await;
        let reselect = self.session.select(&self.name).await;
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
        let uids: Vec<u32> = self.session.uid_search(&query).await?.into_iter().collect();
        Ok(!self.verified(&uids, id).await?.is_empty())
    }
}
