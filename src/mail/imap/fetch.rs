//! A FETCH of one mail that tells "refused" and "connection lost" apart
//! from "no such mail".
//!
//! async-imap's `uid_fetch` ends its stream at the tagged answer whatever
//! it says, and at the end of the connection: a `NO`, a `BAD` and a dropped
//! connection all look like an empty answer, like a mail that is gone.
//! Intake must tell them apart (a mail the server withholds is counted
//! against that mail, a lost connection fails the round, and only a mail
//! that is really gone is passed over), so this reads the answer itself.

use async_imap::error::Error;
use async_imap::imap_proto::{AttributeValue, Response, Status};

use super::{ImapError, ImapSession};

/// The data `query` asks for (one body section, or `RFC822*`) of mail
/// `uid`; `None` when the server says OK without it (the mail is gone).
pub(super) async fn one(
    session: &mut ImapSession,
    uid: u32,
    query: &str,
) -> Result<Option<Vec<u8>>, ImapError> {
    let tag = session
        .run_command(format!("UID FETCH {uid} {query}"))
        .await?;
    let mut found = None;
    loop {
        let response = session
            .read_response()
            .await
            .map_err(Error::from)?
            .ok_or(ImapError::Closed)?;
        match response.parsed() {
            Response::Done {
                tag: done,
                status,
                outcome,
            } if *done == tag => {
                let text = outcome
                    .information
                    .as_deref()
                    .unwrap_or_default()
                    .to_owned();
                return match status {
                    Status::Ok => Ok(found),
                    Status::No => Err(Error::No(text).into()),
                    _ => Err(Error::Bad(text).into()),
                };
            }
            Response::Fetch(_, attributes) if found.is_none() => found = data_of(attributes, uid),
            // Anything else (EXISTS, another mail's flags) is not asked for here.
            _ => {}
        }
    }
}

/// The fetched bytes, if `attributes` are mail `uid`'s and carry them.
fn data_of(attributes: &[AttributeValue<'_>], uid: u32) -> Option<Vec<u8>> {
    if !attributes
        .iter()
        .any(|a| matches!(a, AttributeValue::Uid(u) if *u == uid))
    {
        return None;
    }
    attributes.iter().find_map(|a| match a {
        AttributeValue::BodySection { data: Some(d), .. }
        | AttributeValue::Rfc822(Some(d))
        | AttributeValue::Rfc822Header(Some(d)) => Some(d.to_vec()),
        _ => None,
    })
}
