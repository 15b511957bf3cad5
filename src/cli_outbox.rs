//! `mleg outbox list [--failed]` and `mleg outbox retry <id>|--all-failed`:
//! what waits to be sent or was given up, and queuing it again.
//!
//! For the IT person and the secretary after an alert: the table shows ids,
//! kinds and states, never an address (the server's error is masked).

use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::Subcommand;

use mleg::app::App;
use mleg::outbox::mask_addresses;
use mleg::round_lock::RoundLock;
use mleg::store::delivery::{self, Row};

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// Mails not sent yet (waiting, in doubt, given up).
    List {
        /// Only the mails given up on: recipient refused (5xx at RCPT TO),
        /// refused at DATA while the server took the next mail, or too old.
        #[arg(long)]
        failed: bool,
    },
    /// Queue given-up mails again (sent at the next round, server backoff cleared).
    Retry {
        /// The id shown by `mleg outbox list`.
        #[arg(required_unless_present = "all_failed", conflicts_with = "all_failed")]
        id: Option<i64>,
        /// Every mail given up on.
        #[arg(long)]
        all_failed: bool,
    },
}

pub fn run(app: &App, cmd: OutboxCommand) -> Result<ExitCode> {
    match cmd {
        OutboxCommand::List { failed } => {
            let rows = delivery::list(app.store().conn(), failed)?;
            print!("{}", table(&rows));
        }
        OutboxCommand::Retry { id, all_failed } => {
            // Rows change only between rounds, never under one delivering.
            let _lock = RoundLock::take_blocking(app, || eprintln!("{}", crate::WAITING))?;
            let now = app.clock.now();
            let store = app.store();
            let n = match id {
                Some(id) if !all_failed => {
                    if !delivery::retry(store.conn(), id, now)? {
                        bail!(
                            "wiadomość {id} nie jest porzucona (zobacz: mleg outbox list --failed)"
                        );
                    }
                    1
                }
                _ => delivery::retry_all_failed(store.conn(), now)?,
            };
            // A person asked for it now: do not wait out the server's backoff.
            delivery::server_ok(store.conn())?;
            println!("ponownie w kolejce: {n}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn state_pl(state: &str) -> &'static str {
    match state {
        "failed" => "porzucona",
        "cancelled" => "anulowana",
        "sending" => "niepewna",
        "sent" => "wysłana",
        _ => "czeka",
    }
}

fn table(rows: &[Row]) -> String {
    let mut out = format!(
        "{:>6}  {:<22} {:>7}  {:<9} {:>5}  {:<20} {}\n",
        "id", "rodzaj", "wniosek", "stan", "próby", "następna próba", "ostatni błąd"
    );
    for r in rows {
        let error = r
            .last_error
            .as_deref()
            .map(mask_addresses)
            .unwrap_or_default();
        out.push_str(&format!(
            "{:>6}  {:<22} {:>7}  {:<9} {:>5}  {:<20} {}\n",
            r.id,
            r.kind,
            r.application_id
                .map(|a| a.to_string())
                .unwrap_or_else(|| "-".into()),
            state_pl(r.state),
            r.attempts,
            r.next_attempt_at
                .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                .unwrap_or_else(|| "-".into()),
            error.chars().take(100).collect::<String>(),
        ));
    }
    if rows.is_empty() {
        out.push_str("(brak)\n");
    }
    out
}
