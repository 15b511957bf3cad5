//! The terminal's progress bar: a person running `mleg once`, `tick`,
//! `apps import` or `apps purge` sees the count, the rate and the time left
//! of each bulk job. Only here is indicatif used; the library counts through
//! `mleg::progress::Progress` and never draws.
//!
//! On anything but a person's terminal (a pipe, a file, systemd's journal:
//! `progress::animated`) nothing is drawn and the log lines stay plain.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use mleg::app::App;
use mleg::progress::{self, Job, Progress};
use mleg::words::Lines;

/// The bars of the jobs under way (intake and delivery may run at once:
/// one line each).
struct Bar {
    multi: MultiProgress,
    current: Mutex<Vec<(Job, ProgressBar)>>,
    lines: Lines,
}

impl Bar {
    fn current(&self) -> MutexGuard<'_, Vec<(Job, ProgressBar)>> {
        self.current
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn style(&self) -> ProgressStyle {
        let template = format!(
            "{{prefix}} [{{bar:30}}] {{pos}}/{{len}} · {{per_sec:1}} · {} {{eta}}",
            self.lines.time_left()
        );
        ProgressStyle::with_template(&template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ")
    }
}

impl Progress for Bar {
    fn start(&self, job: Job, len: u64) {
        let mut current = self.current();
        if let Some(at) = current.iter().position(|(j, _)| *j == job) {
            current.remove(at).1.finish_and_clear();
        }
        // Nothing to count: no bar to flash on and off.
        if len == 0 {
            return;
        }
        let bar = ProgressBar::new(len)
            .with_style(self.style())
            .with_prefix(self.lines.job(job));
        let bar = self.multi.add(bar);
        // The rate and time left keep moving while one slow item is in hand.
        bar.enable_steady_tick(Duration::from_millis(250));
        current.push((job, bar));
    }

    fn inc(&self, job: Job) {
        if let Some((_, bar)) = self.current().iter().find(|(j, _)| *j == job) {
            bar.inc(1);
        }
    }

    fn finish(&self, job: Job) {
        let mut current = self.current();
        if let Some(at) = current.iter().position(|(j, _)| *j == job) {
            current.remove(at).1.finish_and_clear();
        }
    }
}

/// Where the log lines go: stderr, with the bar (if one is drawn) taken
/// off the screen while a line is written, so no line lands inside it.
#[derive(Clone, Default)]
pub struct LogWriter(Option<MultiProgress>);

/// One log line, written whole when the formatter is done with it.
pub struct LogLine {
    multi: Option<MultiProgress>,
    buf: Vec<u8>,
}

impl Write for LogLine {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for LogLine {
    fn drop(&mut self) {
        let buf = std::mem::take(&mut self.buf);
        let write = move || {
            // A log line that cannot be written has nowhere else to go.
            let _ = std::io::stderr().lock().write_all(&buf);
        };
        match &self.multi {
            Some(multi) => multi.suspend(write),
            None => write(),
        }
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogWriter {
    type Writer = LogLine;

    fn make_writer(&'a self) -> LogLine {
        LogLine {
            multi: self.0.clone(),
            buf: Vec::new(),
        }
    }
}

/// The app with a bar on stderr when a person watches it, and the writer
/// its log lines must go through; otherwise the app as it is (quiet) and
/// plain stderr.
pub fn attach(app: App) -> (App, LogWriter) {
    let terminal = std::io::stderr().is_terminal();
    if !progress::animated(terminal, |name| std::env::var_os(name)) {
        return (app, LogWriter::default());
    }
    let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
    let bar = Bar {
        multi: multi.clone(),
        current: Mutex::new(Vec::new()),
        lines: Lines(app.config.language),
    };
    (app.with_progress(Arc::new(bar)), LogWriter(Some(multi)))
}
