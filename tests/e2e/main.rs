//! End-to-end tests: the real `mleg` code against a real Dovecot (IMAP,
//! LMTP) and Postfix (SMTP), one private mail stack per test.
//!
//! Every assertion is something a person could check: the mail a parent or
//! the secretary received (read over IMAP), its Polish text, the folder a
//! mail ended up in, the application's state in the database.
//!
//! Dovecot and Postfix must be installed; `./scripts/test` installs them.

mod support;

mod alert_cap;
mod alerts;
mod alerts_cron;
mod asks;
mod cli;
mod cli_language;
mod codes;
mod compressed;
mod corpus;
mod crash;
mod crash_delivery;
mod daemon_jobs;
mod dates;
mod dates_activated;
mod dates_restart;
mod digest;
mod exactly_once;
mod forged;
mod hostile;
mod idle;
mod intake;
mod invalidate;
mod keep_photo;
mod kod_dates;
mod logins;
mod matching;
mod oauth2;
mod outage;
mod outage_data;
mod privacy;
mod progress;
mod purge;
mod purge_copies;
mod reissue;
mod requests;
mod retention;
mod robots;
mod robustness;
mod schools;
mod secretary;
mod service;
mod several;
mod smtp_auth;
mod status;
mod strangers;
mod stuck_mail;
mod sync;
mod terminal;
mod transport;
mod two_processes;
mod wave;
mod window;
