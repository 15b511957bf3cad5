//! Test support: the private mail stack, the `TestApp` built on it, raw mail
//! and photo builders.

pub mod app;
pub mod dates;
pub mod idp;
pub mod imap_relay;
pub mod leaks;
pub mod mime;
pub mod phone_photo;
pub mod photos;
pub mod replies;
pub mod stack;
