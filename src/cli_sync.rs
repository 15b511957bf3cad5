//! `mleg apps import --sync FILE [--dry-run] [--yes]`: the terminal side
//! of [`mleg::registry::sync`]. Prints application numbers and counts only.

use std::process::ExitCode;

use anyhow::{Context, Result};

use mleg::app::App;
use mleg::domain::csv_import::parse_applications_csv;
use mleg::secretary::sync::{Closing, SyncError, sync as run_sync};
use mleg::words::Lines;

pub fn sync(
    app: &App,
    file: &std::path::Path,
    (dry_run, yes): (bool, bool),
    actor: &str,
) -> Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let parsed = parse_applications_csv(&bytes).with_context(|| format!("{}", file.display()))?;
    let lines = Lines(app.config.language);
    let reason = lines.left_school_reason();
    match run_sync(app, &parsed, (dry_run, yes), reason, actor) {
        Ok(done) => {
            let p = &done.plan;
            println!("{}", lines.sync_plan(p.register, p.leaving, p.unknown_rows));
            for &(id, closing) in &p.closings {
                println!("{}", lines.sync_closing(id, closing == Closing::Invalidate));
            }
            if dry_run {
                println!("{}", lines.sync_dry_run());
            } else {
                let closed = p.closings.len() - done.refused.len();
                println!("{}", lines.sync_done(closed, done.refused.len()));
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(SyncError::TooMany { leaving, register }) => {
            eprintln!("{}", lines.sync_too_many(leaving, register));
            Ok(ExitCode::FAILURE)
        }
        Err(SyncError::InvalidRows(errors)) => {
            for e in &errors {
                eprintln!("{}", lines.row_error(&e.to_string()));
            }
            eprintln!("{}", lines.sync_invalid_rows(errors.len()));
            Ok(ExitCode::FAILURE)
        }
        Err(e) => Err(e.into()),
    }
}
