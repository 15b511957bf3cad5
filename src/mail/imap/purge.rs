//! Expunging exactly the mails a purge names, and nothing else.
//!
//! A mail is deleted only after the server showed it is the one:
//! - at a place `mleg` recorded when it filed the mail (folder, UIDVALIDITY,
//!   UID): its own Message-ID header is the id, and its size the one
//!   recorded at intake;
//! - in the folders the caller asks to search (only for ids mleg minted and
//!   the secretary's own replies; never for mail someone else named), and
//!   only for ids safe to search for: among the hits of a header search,
//!   those whose own Message-ID header is exactly the id. A hit alone never
//!   deletes anything: header search is a substring match.
//!
//! With a trash folder ([`super::Erasing`]) a verified mail is moved there,
//! verified again at the UID the server gave it (`COPYUID`) and expunged
//! there: on Gmail only that removes it from All Mail.

use futures::TryStreamExt;

use super::{Erasing, ImapError, Mailbox, trash, within};
use crate::mail::message_id;

/// Where mleg recorded a mail when it filed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub folder: String,
    pub uid_validity: u32,
    pub uid: u32,
    /// RFC822.SIZE at intake; None for a mail recorded before sizes were kept.
    pub size: Option<u32>,
}

/// One mail to purge from an account.
#[derive(Debug, Clone, Copy)]
pub struct PurgeTarget<'a> {
    /// Its Message-ID.
    pub id: &'a str,
    /// Where mleg filed it.
    pub places: &'a [Recorded],
    /// Folders to search for it by Message-ID; empty for a mail whose id its
    /// sender chose.
    pub search: &'a [&'a str],
}

/// What purging one Message-ID from an account did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PurgeOutcome {
    /// Mails deleted at their recorded places.
    pub at_places: usize,
    /// Mails deleted among the hits of the search.
    pub found: usize,
    /// Whether it was searched for (folders named and the id safe to search for).
    pub searched: bool,
    /// Mails moved to the trash folder but not expunged there (the server
    /// did not say where it put them, or the mail there did not verify).
    pub left_in_trash: usize,
}

impl PurgeOutcome {
    /// Mails that left the folders they were in.
    pub fn expunged(&self) -> usize {
        self.at_places + self.found
    }
}

/// A verified mail of the selected folder: UID and size.
type Hit = (u32, Option<u32>);

impl Mailbox {
    /// How this account deletes (the trash folder, Gmail's All Mail), found
    /// once per connection.
    pub async fn erasing(&mut self) -> Result<Erasing, ImapError> {
        if let Some(known) = &self.erasing {
            return Ok(known.clone());
        }
        let (limit, server) = (self.timeouts.command, self.server.clone());
        let configured = self.trash_folder.clone();
        let found = within(
            limit,
            &server,
            "LIST",
            trash::discover(&mut self.session, configured.as_deref()),
        )
        .await?;
        self.erasing = Some(found.clone());
        Ok(found)
    }

    /// Deletes the mail `target` names from its recorded places and, when
    /// asked and safe, from the folders searched. The watched mailbox is
    /// selected again afterwards — after an error too, so a row the server
    /// refuses (BAD/NO) leaves the session usable for the next.
    pub async fn purge(&mut self, target: PurgeTarget<'_>) -> Result<PurgeOutcome, ImapError> {
        let trash = self.erasing().await?.trash().map(str::to_owned);
        // Several commands per id: bounded by the long limit as a whole.
        let (limit, server) = (self.timeouts.fetch, self.server.clone());
        let everywhere = self.purge_everywhere(target, trash.as_deref());
        let result = within(limit, &server, "purge", everywhere).await;
        let reselect = within(limit, &server, "SELECT", async {
            Ok(self.session.select(&self.name).await?)
        })
        .await;
        let outcome = result?;
        reselect?;
        Ok(outcome)
    }

    async fn purge_everywhere(
        &mut self,
        target: PurgeTarget<'_>,
        trash: Option<&str>,
    ) -> Result<PurgeOutcome, ImapError> {
        let id = target.id;
        let mut out = PurgeOutcome {
            searched: !target.search.is_empty() && message_id::searchable(id),
            ..PurgeOutcome::default()
        };
        for place in target.places {
            // A new UIDVALIDITY means the recorded UID names another mail.
            if self.select_existing(&place.folder).await? != Some(place.uid_validity) {
                continue;
            }
            let hits = self.verified(&[(place.uid, place.size)], id).await?;
            let (erased, left) = self.erase(&place.folder, &hits, id, trash).await?;
            out.at_places += erased;
            out.left_in_trash += left;
        }
        if !out.searched {
            return Ok(out);
        }
        // `searchable` guarantees printable ASCII without quotes or
        // backslashes: the quoted string cannot be broken out of.
        let query = format!("HEADER Message-ID \"{}\"", message_id::normalise(id));
        for folder in target.search {
            if self.select_existing(folder).await?.is_none() {
                continue; // a folder never created holds nothing
            }
            let mut uids: Vec<u32> = self.session.uid_search(&query).await?.into_iter().collect();
            uids.sort_unstable();
            let wanted: Vec<Hit> = uids.into_iter().map(|uid| (uid, None)).collect();
            let hits = self.verified(&wanted, id).await?;
            let (erased, left) = self.erase(folder, &hits, id, trash).await?;
            out.found += erased;
            out.left_in_trash += left;
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

    /// Those of `wanted` (UID, expected size) in the selected folder whose
    /// own Message-ID header is exactly `id` and, when a size is expected,
    /// whose size is that size; with the size the server gave.
    pub(super) async fn verified(
        &mut self,
        wanted: &[Hit],
        id: &str,
    ) -> Result<Vec<Hit>, ImapError> {
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let uids: Vec<u32> = wanted.iter().map(|w| w.0).collect();
        let fetched: Vec<_> = self
            .session
            .uid_fetch(
                uid_set(&uids),
                "(UID RFC822.SIZE BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])",
            )
            .await?
            .try_collect()
            .await?;
        let mut hits: Vec<Hit> = fetched
            .iter()
            .filter_map(|f| {
                let uid = f.uid?;
                let (_, expected) = wanted.iter().find(|w| w.0 == uid)?;
                let size_ok = expected.is_none_or(|size| f.size == Some(size));
                (size_ok && message_id::header_matches(f.header()?, id)).then_some((uid, f.size))
            })
            .collect();
        hits.sort_unstable();
        hits.dedup_by_key(|h| h.0);
        Ok(hits)
    }

    /// Deletes verified mails of the selected `folder`: expunged there, or —
    /// with a trash folder — moved there, verified again and expunged there.
    /// Returns (mails that left `folder`, of them left in the trash).
    async fn erase(
        &mut self,
        folder: &str,
        hits: &[Hit],
        id: &str,
        trash: Option<&str>,
    ) -> Result<(usize, usize), ImapError> {
        let Some(trash) = trash.filter(|t| *t != folder) else {
            let uids: Vec<u32> = hits.iter().map(|h| h.0).collect();
            return Ok((self.expunge_uids(&uids).await?, 0));
        };
        let mut moved = Vec::new();
        for &(uid, size) in hits {
            moved.push((self.move_one(uid, trash).await?, size));
        }
        if moved.is_empty() {
            return Ok((0, 0));
        }
        let validity = self.select_existing(trash).await?;
        // Only a UID the server named, in the trash as it is now, is taken.
        let wanted: Vec<Hit> = moved
            .iter()
            .filter_map(|(filed, size)| {
                let f = filed.as_ref()?;
                (Some(f.uid_validity) == validity).then_some((f.uid, *size))
            })
            .collect();
        let again: Vec<u32> = self
            .verified(&wanted, id)
            .await?
            .into_iter()
            .map(|h| h.0)
            .collect();
        let erased = self.expunge_uids(&again).await?;
        Ok((moved.len(), moved.len() - erased))
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
