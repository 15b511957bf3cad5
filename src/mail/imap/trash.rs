//! How a server deletes what mleg expunges, and the trash folder that makes
//! a deletion final.
//!
//! On most servers `UID EXPUNGE` removes a mail for good. Gmail does not: by
//! default an expunged mail stays in `[Gmail]/All Mail`, PESEL and photo
//! included; only a mail moved to `[Gmail]/Trash` and expunged there is gone.
//! So with a trash folder (`trash_folder`, or on Gmail the folder LIST marks
//! `\Trash`) a purge moves the verified mail there, verifies it again at its
//! new UID and expunges it there.

use async_imap::types::NameAttribute;
use futures::TryStreamExt;

use super::{ImapError, ImapSession};

/// Gmail's IMAP extensions: the server keeps expunged mail in All Mail.
const GMAIL: &str = "X-GM-EXT-1";

/// How the account deletes what mleg expunges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deletion {
    /// `UID EXPUNGE` where the mail is.
    Immediate,
    /// Moved to this folder, then expunged there.
    Trash(String),
    /// Gmail with no trash folder found: an expunged mail stays in All Mail.
    GmailArchive,
}

impl Deletion {
    /// One line for `mleg check`, for the person who runs the server.
    pub fn describe(&self) -> String {
        match self {
            Deletion::Immediate => "purged mail is deleted immediately (UID EXPUNGE)".into(),
            Deletion::Trash(folder) => format!(
                "purged mail is deleted via trash ({folder}): moved there, then expunged there"
            ),
            Deletion::GmailArchive => "Gmail: archive unless trash is used — an expunged mail \
                 stays in All Mail; set trash_folder = \"[Gmail]/Trash\""
                .into(),
        }
    }
}

/// What the account offers for erasing mail: how it deletes, and on Gmail
/// the folder that holds every mail (searched for mleg's own copies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erasing {
    pub deletion: Deletion,
    pub all_mail: Option<String>,
}

impl Erasing {
    pub fn trash(&self) -> Option<&str> {
        match &self.deletion {
            Deletion::Trash(folder) => Some(folder),
            _ => None,
        }
    }
}

/// Finds how the logged-in account deletes: `configured` (`trash_folder`)
/// when set, created if it does not exist yet; on Gmail the `\Trash` folder
/// otherwise; else an immediate expunge.
pub(super) async fn discover(
    session: &mut ImapSession,
    configured: Option<&str>,
) -> Result<Erasing, ImapError> {
    let gmail = session.capabilities().await?.has_str(GMAIL);
    let names = match (gmail, configured) {
        (false, None) => Vec::new(),
        _ => folders(session).await?,
    };
    let special = |wanted: NameAttribute<'static>| {
        names
            .iter()
            .find(|(_, attributes)| attributes.contains(&wanted))
            .map(|(name, _)| name.clone())
    };
    let all_mail = gmail.then(|| special(NameAttribute::All)).flatten();
    let deletion = match configured {
        Some(folder) => {
            if !names.iter().any(|(name, _)| name == folder) {
                session.create(folder).await?;
            }
            Deletion::Trash(folder.to_owned())
        }
        None if gmail => {
            special(NameAttribute::Trash).map_or(Deletion::GmailArchive, Deletion::Trash)
        }
        None => Deletion::Immediate,
    };
    Ok(Erasing { deletion, all_mail })
}

/// Every folder with its special-use attributes (`LIST "" "*"`).
async fn folders(
    session: &mut ImapSession,
) -> Result<Vec<(String, Vec<NameAttribute<'static>>)>, ImapError> {
    let names: Vec<_> = session
        .list(Some(""), Some("*"))
        .await?
        .try_collect()
        .await?;
    Ok(names
        .iter()
        .map(|n| {
            let attributes = n
                .attributes()
                .iter()
                .filter_map(|a| match a {
                    NameAttribute::Trash => Some(NameAttribute::Trash),
                    NameAttribute::All => Some(NameAttribute::All),
                    _ => None,
                })
                .collect();
            (n.name().to_owned(), attributes)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::Deletion;

    #[test]
    fn check_says_how_the_server_deletes_in_words_an_it_person_reads() {
        assert!(Deletion::Immediate.describe().contains("immediately"));
        let trash = Deletion::Trash("[Gmail]/Trash".into()).describe();
        assert!(trash.contains("via trash ([Gmail]/Trash)"), "{trash}");
        let gmail = Deletion::GmailArchive.describe();
        assert!(
            gmail.contains("Gmail: archive unless trash is used") && gmail.contains("trash_folder"),
            "{gmail}"
        );
    }
}
