//! Expunging exactly the mails a purge names, and nothing else.
//!
//! A mail is expunged only after its own Message-ID header, fetched from the
//! server, was compared with the id to purge ([`message_id::header_matches`]):
//! first at the places `mleg` recorded when it filed the mail (folder,
//! UIDVALIDITY, UID), then — only for ids safe to search for — wherever an
//! IMAP header search finds it. A search hit alone never deletes anything:
//! header search is a substring match.

use futures::TryStreamExt;

use super::{Filed, ImapError, Mailbox};
use crate::mail::message_id;

/// What purging one Message-ID from an account did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PurgeOutcome {
    /// Mails expunged.
    pub expunged: usize,
    /// False when the id was not safe to search for: only the recorded
    /// places were tried.
    pub searched: bool,
}

impl Mailbox {
    /// Expunges the mail `id` from the recorded places `filed` and, when the
    /// id is safe to search for, from every folder in `folders`. The watched
    /// mailbox is selected again afterwards — after an error too, so a row
    /// the server refuses (BAD/NO) leaves the session usable for the next.
    pub async fn purge(
        &mut self,
        id: &str,
        filed: &[Filed],
        folders: &[&str],
    ) -> Result<PurgeOutcome, ImapError> {
        // Several commands per id: bounded by the long limit as a whole.
        let (limit, server) = (self.timeouts.fetch, self.server.clone());
        let everywhere = self.purge_everywhere(id, filed, folders);
        let result = super::within(limit, &server, "purge", everywhere).await;
        let reselect = super::within(limit, &server, "SELECT", async {
            Ok(self.session.select(&self.name).await?)
        })
        .await;
        let outcome = result?;
        reselect?;
        Ok(outcome)
    }

    async fn purge_everywhere(
        &mut self,
        id: &str,
        filed: &[Filed],
        folders: &[&str],
    ) -> Result<PurgeOutcome, ImapError> {
        let mut out = PurgeOutcome {
            expunged: 0,
            searched: message_id::searchable(id),
        };
        for place in filed {
            // A new UIDVALIDITY means the recorded UID names another mail.
            if self.select_existing(&place.folder).await? != Some(place.uid_validity) {
                continue;
            }
            let hits = self.verified(&[place.uid], id).await?;
            out.expunged += self.expunge_uids(&hits).await?;
        }
        if !out.searched {
            return Ok(out);
        }
        // `searchable` guarantees printable ASCII without quotes or
        // backslashes: the quoted string cannot be broken out of.
        let query = format!("HEADER Message-ID \"{}\"", message_id::normalise(id));
        for folder in folders {
            if self.select_existing(folder).await?.is_none() {
                continue; // a folder never created holds nothing
            }
            let mut uids: Vec<u32> = self.session.uid_search(&query).await?.into_iter().collect();
            uids.sort_unstable();
            let hits = self.verified(&uids, id).await?;
            out.expunged += self.expunge_uids(&hits).await?;
        }
        Ok(out)
    }

    /// Selects `folder`; its UIDVALIDITY, or None when it does not exist.
    pub(super) async fn select_existing(&mut self, folder: &str) -> Result<Option<u32>, ImapError> {
        match self.session.select(folder).await {
            Ok(selected) => Ok(Some(selected.uid_validity.unwrap_or(0))),
            Err(async_imap::error::Error::No(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Those of `uids` (in the selected folder) whose own Message-ID header
    /// is exactly `id`.
    pub(super) async fn verified(&mut self, uids: &[u32], id: &str) -> Result<Vec<u32>, ImapError> {
        if uids.is_empty() {
            return Ok(Vec::new());
        }
        let fetched: Vec<_> = self
            .session
            .uid_fetch(uid_set(uids), "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]")
            .await?
            .try_collect()
            .await?;
        let mut hits: Vec<u32> = fetched
            .iter()
            .filter_map(|f| {
                let uid = f.uid.filter(|u| uids.contains(u))?;
                message_id::header_matches(f.header()?, id).then_some(uid)
            })
            .collect();
        hits.sort_unstable();
        hits.dedup();
        Ok(hits)
    }

    /// Flags and expunges exactly these UIDs (UIDPLUS `UID EXPUNGE`, so a
    /// mail someone else flagged \Deleted is not taken along).
    async fn expunge_uids(&mut self, uids: &[u32]) -> Result<usize, ImapError> {
        if uids.is_empty() {
            return Ok(0);
        }
        let set = uid_set(uids);
        let _: Vec<_> = self
            .session
            .uid_store(&set, "+FLAGS.SILENT (\\Deleted)")
            .await?
            .try_collect()
            .await?;
        let _: Vec<_> = self.session.uid_expunge(&set).await?.try_collect().await?;
        Ok(uids.len())
    }
}

fn uid_set(uids: &[u32]) -> String {
    uids.iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}
