//! `mleg` runs a Polish school secretariat's mLegitymacja mailbox.
//!
//! The crate is a functional core with an imperative shell around it:
//!
//! * [`domain`], [`photo`] and [`workflow`] are pure: they turn parsed input
//!   into decisions and know nothing of IMAP, SMTP or SQLite;
//! * [`mail`] (parsing, IMAP intake, SMTP delivery) and [`store`] (SQLite)
//!   are thin adapters;
//! * [`intake`] and [`outbox`] are the workers that connect the two, each
//!   exposing one `step` function. Intake's `step` does the IMAP part and
//!   hands each parsed mail to [`intake::handle`] (gather → decide → apply,
//!   no IMAP), which the middle-layer tests call on a temporary store with a
//!   fixed clock; the end-to-end tests run whole rounds against real servers.
//! * [`workflow::transition`] decides every move of an application and
//!   [`apply_outcome::advance`] is the one seam that decides and writes it:
//!   nothing else changes a status.
//! * [`notices`] writes every mail to a person (templates → mail as data);
//!   the workers and the applier queue what it returns.
//! * [`app`] is the state the workers share; [`daemon`] runs them in rounds.
//!
//! The core imports nothing of the shell: the types both use (an
//! application, its status, a parsed mail, the staff addresses) live in
//! [`domain`].
//!
//! See `ARCHITECTURE.md` for the bird's-eye view and the invariants.

#![deny(clippy::await_holding_lock)]

pub mod alerts;
pub mod app;
pub mod apply_outcome;
pub mod clock;
pub mod config;
pub mod daemon;
pub mod domain;
pub mod fuzz_harness;
pub mod intake;
pub mod mail;
pub mod memory;
pub mod notices;
pub mod oauth2;
pub mod outbox;
pub mod photo;
pub mod progress;
pub mod provider_hints;
pub mod qr;
pub mod registry;
pub mod round_lock;
pub mod scheduler;
pub mod secretary;
pub mod status;
pub mod store;
pub mod templates;
pub mod words;
pub mod workflow;
