//! `mleg apps import --sync`: the school's new register as the whole truth.
//!
//! A student of the school (an application still open, or an mLegitymacja
//! handed over) whose PESEL is missing from the new file has left: an
//! issued mLegitymacja is invalidated with reason `transfer`, an application
//! before issue is cancelled ("left the school"), each through the
//! secretary's commands (`advance`), so the parent is told and retention
//! later anonymises them like any closed application.
//!
//! A file that would close more than half of the register is refused
//! unless the secretary confirms it: a truncated or wrong CSV must not
//! close the school. A file with rows that cannot be read is refused too,
//! since an unreadable row may be a student who stays. The sync adds
//! nobody: the rows of students mleg does not know are counted, and the
//! secretary imports them as usual. The students who stay are brought up
//! to date (name, class, parents) from the file.

use std::collections::HashSet;

use crate::app::App;
use crate::domain::csv_import::{ParsedCsv, RowError};
use crate::domain::{Application, InvalidationReason, Status};
use crate::store::{StoreError, apps, lifecycle as store_lc, students};
use crate::workflow::command::StaffCommand;

use super::{Outcome, SecretaryError, Source, execute_in};

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Secretary(#[from] SecretaryError),
    /// Rows that cannot be read: each may be a student who stays.
    #[error("nothing synced: {} row(s) have errors", .0.len())]
    InvalidRows(Vec<RowError>),
    /// The sync would close more than half of the register.
    #[error("the sync would close {leaving} of {register} students")]
    TooMany { leaving: usize, register: usize },
}

/// How one leaver's application is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Closing {
    /// Issued: invalidated with reason `transfer`.
    Invalidate,
    /// Before issue: cancelled, the student left the school.
    Cancel,
}

/// What a sync does (or, in a dry run, would do).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct SyncPlan {
    /// Students of the school now (distinct PESELs).
    pub register: usize,
    /// Students missing from the file.
    pub leaving: usize,
    /// Their applications and how each is closed, by number.
    pub closings: Vec<(i64, Closing)>,
    /// Rows of the file whose student mleg does not know (not added).
    pub unknown_rows: usize,
}

impl SyncPlan {
    /// Would close more than half of the register.
    pub fn too_many(&self) -> bool {
        self.leaving * 2 > self.register
    }
}

/// A student of the school, as far as a sync is concerned: an application
/// someone may still act on, or an mLegitymacja the student holds.
fn of_the_school(s: Status) -> bool {
    !s.is_closed() || s == Status::HandedOver
}

/// The plan for `file` against the register `all` (pure).
pub fn plan(all: &[Application], file: &ParsedCsv) -> SyncPlan {
    let in_file: HashSet<&str> = file.rows.iter().map(|(_, r)| r.pesel.as_str()).collect();
    let known: HashSet<&str> = all.iter().map(|a| a.pesel.as_str()).collect();
    let current: Vec<&Application> = all.iter().filter(|a| of_the_school(a.status)).collect();
    let register: HashSet<&str> = current.iter().map(|a| a.pesel.as_str()).collect();
    let leaving: HashSet<&str> = register
        .iter()
        .copied()
        .filter(|p| !in_file.contains(p))
        .collect();
    let closings = current
        .iter()
        .filter(|a| leaving.contains(a.pesel.as_str()))
        .map(|a| match a.status.was_issued() {
            true => (a.id, Closing::Invalidate),
            false => (a.id, Closing::Cancel),
        })
        .collect();
    SyncPlan {
        register: register.len(),
        leaving: leaving.len(),
        closings,
        unknown_rows: in_file.iter().filter(|p| !known.contains(*p)).count(),
    }
}

/// What a sync did: the plan, and each closing's outcome.
#[derive(Debug)]
pub struct Synced {
    pub plan: SyncPlan,
    /// Applications whose closing was refused (changed meanwhile).
    pub refused: Vec<i64>,
}

/// Runs (or with `dry_run` only plans) the sync of `file`. `cancel_reason`:
/// the cancellation's reason in the school's language, for the parent.
pub fn sync(
    app: &App,
    file: &ParsedCsv,
    (dry_run, confirmed): (bool, bool),
    cancel_reason: &str,
    actor: &str,
) -> Result<Synced, SyncError> {
    if !file.errors.is_empty() {
        return Err(SyncError::InvalidRows(file.errors.clone()));
    }
    let source = Source {
        actor: actor.to_owned(),
        mail: None,
    };
    let mut store = app.store();
    let (synced, purged) = store.transaction(|tx| -> Result<_, SyncError> {
        let plan = plan(&apps::list(tx, None)?, file);
        if dry_run {
            return Ok((
                Synced {
                    plan,
                    refused: vec![],
                },
                false,
            ));
        }
        if plan.too_many() && !confirmed {
            return Err(SyncError::TooMany {
                leaving: plan.leaving,
                register: plan.register,
            });
        }
        // The students who stay get the register's name, class and parents,
        // once for all their applications.
        let now = app.clock.now();
        for (_, row) in &file.rows {
            if let Some(student) = students::by_pesel(tx, &row.pesel)? {
                students::update(tx, student, row, now)?;
            }
        }
        let (mut refused, mut purged) = (Vec::new(), false);
        for &(id, closing) in &plan.closings {
            let command = match closing {
                Closing::Invalidate => StaffCommand::Invalidate {
                    reason: InvalidationReason::Transfer,
                },
                Closing::Cancel => StaffCommand::Cancel {
                    reason: cancel_reason.to_owned(),
                },
            };
            let (outcome, p) = execute_in(app, tx, id, &command, None, &source)?;
            purged |= p;
            if matches!(outcome, Outcome::Refused(_)) {
                refused.push(id);
            }
        }
        Ok((Synced { plan, refused }, purged))
    })?;
    if purged {
        store_lc::flush_wal(store.conn())?;
    }
    tracing::info!(
        leaving = synced.plan.leaving,
        register = synced.plan.register,
        closed = synced.plan.closings.len() - synced.refused.len(),
        dry_run,
        "register sync"
    );
    Ok(synced)
}

#[cfg(test)]
#[path = "sync_tests.rs"]
mod tests;
