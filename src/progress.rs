//! How far a bulk job has got, as the workers count it.
//!
//! The workers (intake, delivery, the retention rule) and the bulk commands
//! (`apps import`) count their items through [`Progress`]; the library never
//! draws anything. The `App` holds [`Quiet`] unless the binary
//! hands in a bar, which it does only when a person watches stderr
//! ([`animated`]): the daemon's journal, a cron's mail and the tests keep
//! plain lines.

use std::ffi::OsString;

/// What is being counted: the bar's label names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// New mails in the watched mailbox.
    Intake,
    /// Outbox rows due now.
    Delivery,
    /// Rows of an imported CSV.
    Import,
    /// Closed applications past their retention period.
    Anonymise,
}

/// Receives a job's count. Every method does nothing by default, so a
/// listener only overrides what it shows. Jobs of different kinds may run
/// at once (`mleg once` delivers while intake reads), so each call names
/// its job.
pub trait Progress: Send + Sync {
    /// A job of `len` items begins (it replaces any job of its kind not
    /// finished).
    fn start(&self, job: Job, len: u64) {
        let _ = (job, len);
    }
    /// One more item of `job` is done.
    fn inc(&self, job: Job) {
        let _ = job;
    }
    /// `job` is over (all done, or stopped early).
    fn finish(&self, job: Job) {
        let _ = job;
    }
}

/// Shows nothing: the daemon, the tests, any output that is not a person's
/// terminal.
#[derive(Debug, Clone, Copy, Default)]
pub struct Quiet;

impl Progress for Quiet {}

/// A job under way: counts with [`Counter::item`] and finishes when dropped,
/// so a step that returns early (an error, a stop) still ends its bar.
#[must_use = "the job finishes when the counter is dropped"]
pub struct Counter<'a>(&'a dyn Progress, Job);

impl<'a> Counter<'a> {
    /// Starts `job` of `len` items on `progress`.
    pub fn start(progress: &'a dyn Progress, job: Job, len: usize) -> Counter<'a> {
        progress.start(job, u64::try_from(len).unwrap_or(u64::MAX));
        Counter(progress, job)
    }

    /// One item begins; it is counted when the returned guard is dropped (at
    /// the end of the loop's body, whichever way it leaves), so the rate
    /// and time left reflect items done, not items begun.
    pub fn item(&self) -> Item<'a> {
        Item(self.0, self.1)
    }
}

/// An item in hand; counted as done when dropped.
#[must_use = "the item is counted when the guard is dropped"]
pub struct Item<'a>(&'a dyn Progress, Job);

impl Drop for Item<'_> {
    fn drop(&mut self) {
        self.0.inc(self.1);
    }
}

impl Drop for Counter<'_> {
    fn drop(&mut self) {
        self.0.finish(self.1);
    }
}

/// Whether a bar may be drawn on stderr. Only for a person: stderr is a
/// terminal, the terminal can move the cursor (`TERM` is not `dumb`), and
/// the process is not run by systemd (`JOURNAL_STREAM` or `INVOCATION_ID`
/// set), whose journal would keep every redraw. `var` reads the
/// environment (a parameter, so the decision is tested without touching it).
pub fn animated(stderr_is_terminal: bool, var: impl Fn(&str) -> Option<OsString>) -> bool {
    let set = |name: &str| var(name).is_some_and(|v| !v.is_empty());
    let dumb = var("TERM").is_some_and(|t| t == "dumb");
    stderr_is_terminal && !dumb && !set("JOURNAL_STREAM") && !set("INVOCATION_ID")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn a_bar_only_on_a_persons_terminal() {
        let xterm = [("TERM", "xterm-256color")];
        assert!(animated(true, env(&xterm)));
        assert!(animated(true, env(&[])), "no TERM at all: still a terminal");
        assert!(!animated(false, env(&xterm)), "stderr to a pipe or file");
        assert!(!animated(true, env(&[("TERM", "dumb")])));
    }

    #[test]
    fn never_under_systemd_even_on_a_terminal() {
        let journal = [("TERM", "xterm"), ("JOURNAL_STREAM", "8:12345")];
        assert!(!animated(true, env(&journal)));
        let unit = [("TERM", "xterm"), ("INVOCATION_ID", "0a1b2c")];
        assert!(!animated(true, env(&unit)));
        let empty = [("TERM", "xterm"), ("INVOCATION_ID", "")];
        assert!(animated(true, env(&empty)), "an empty variable is unset");
    }
}
