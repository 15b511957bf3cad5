//! Everything about mail as bytes and protocols.
//!
//! * [`parse`] turns raw RFC 5322 bytes into the domain's
//!   [`IncomingMail`](crate::domain::mail::IncomingMail) (the only user of
//!   mail-parser);
//! * [`imap`] reads the watched mailbox (the only user of async-imap);
//! * [`smtp`] sends outbox mails (the only user of lettre);
//! * [`outgoing`] is the plain-data mail the rest of the program queues;
//! * [`robot`] tells a robot's mail (bounce, auto-reply, list, `noreply@`)
//!   from a person's, so it is never answered;
//! * [`bounce`] reads a delivery report: which mail came back, and whether
//!   for good;
//! * [`message_id`] normalises and compares Message-IDs for an exact purge;
//! * [`tls`] is what both protocols trust (public roots + `ca_file`);
//! * [`check`] is `mleg check`'s look at the servers.

pub mod bounce;
pub mod check;
pub mod imap;
pub mod message_id;
pub mod outgoing;
pub mod parse;
pub mod robot;
pub mod smtp;
pub mod tls;
