//! The measured runs: mleg in this process (intake and delivery timed
//! apart), `mleg once` as a child process (wall, CPU, peak RSS), and the
//! Python script. Each runs on its own fresh mail stack.

use std::process::Command;
use std::time::Instant;

use crate::Figure;
use crate::floors::{self, figure};
use crate::mails::Backlog;
use crate::support::app::{SCHOOL, SECRETARY, TestApp};
use crate::support::stack::{MailStack, PASSWORD};

/// SMTP sessions mleg delivers over (`[smtp] connections`), as a school on
/// its own server would set it (`BENCH_CONNECTIONS`, default 4).
pub fn connections() -> usize {
    std::env::var("BENCH_CONNECTIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|n| (1..=8).contains(n))
        .unwrap_or(4)
}

/// A school with the backlog registered and in its INBOX.
async fn school(backlog: &Backlog) -> TestApp {
    let t = TestApp::spawn_with(|toml| {
        let line = format!(
            "password_file = \"smtp.password\"\nconnections = {}\n[staff]",
            connections()
        );
        *toml = toml.replace("password_file = \"smtp.password\"\n[staff]", &line);
        assert!(toml.contains("connections = "), "the [smtp] section moved");
    });
    backlog.add_parents(&t.stack);
    backlog.register(&t);
    backlog.fill_inbox(&t.stack, SCHOOL).await;
    t
}

/// The floors that need the stack (raw fetch, SMTP), mleg's intake until the
/// INBOX is done, then its delivery until the outbox is empty.
pub async fn mleg_in_process(backlog: &Backlog) -> [Figure; 4] {
    let t = school(backlog).await;
    let fetch = floors::raw_fetch(&t.stack, backlog.n).await;
    let start = Instant::now();
    let mut processed = 0;
    for _ in 0..100 {
        let report = mleg::daemon::intake_once(&t.app).await.expect("intake");
        processed += report.processed;
        if report.examined == 0 {
            break;
        }
    }
    let intake = figure("mleg intake (fetch, check, record, file)", start.elapsed());
    assert_eq!(processed, backlog.n, "every photo mail was taken");
    let start = Instant::now();
    let mut sent = 0;
    for _ in 0..100 {
        let report = mleg::daemon::deliver_once(&t.app).await.expect("delivery");
        sent += report.sent;
        if report.sent == 0 {
            break;
        }
    }
    let delivery = figure("mleg delivery (replies, notifications)", start.elapsed());
    assert_eq!(sent, 2 * backlog.n, "a reply and a notification per mail");
    let smtp = floors::smtp(&t.stack, backlog).await;
    [fetch, intake, delivery, smtp]
}

/// `mleg once`, as a process, until nothing is left to do: its wall time,
/// CPU time and peak RSS (the highest of its rounds).
pub async fn mleg_process(backlog: &Backlog) -> Figure {
    let t = school(backlog).await;
    let mut usage = Usage::default();
    let start = Instant::now();
    for _ in 0..100 {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mleg"));
        cmd.arg("--config")
            .arg(&t.config_path)
            .arg("once")
            .env("MLEG_LOG", "warn");
        let (out, round) = run_measured(cmd);
        usage.add(round);
        // "przejrzano: N, …, wysłano: M" (or "examined: N, …, sent: M"): the
        // first number is the mails examined, the last the mails sent; done
        // when a round saw and sent nothing.
        let numbers: Vec<usize> = out
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|w| w.parse().ok())
            .collect();
        if numbers.first() == Some(&0) && numbers.last() == Some(&0) {
            break;
        }
    }
    Figure {
        label: "`mleg once` until all is delivered (process)",
        took: start.elapsed(),
        cpu: Some(usage.cpu),
        rss_mib: Some(usage.rss_mib),
    }
}

/// The Python script on a fresh stack with the same backlog; `None` when
/// python3 has no PIL (the table says so).
pub async fn python(backlog: &Backlog) -> Option<Figure> {
    // The distribution's python3 carries python3-pil; a pyenv one first in
    // PATH may not.
    let python = ["python3", "/usr/bin/python3"].into_iter().find(|p| {
        Command::new(p)
            .args(["-c", "import PIL"])
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })?;
    let stack = MailStack::start();
    stack.add_user(SCHOOL);
    stack.add_user(SECRETARY);
    backlog.add_parents(&stack);
    backlog.fill_inbox(&stack, SCHOOL).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut cmd = Command::new(python);
    cmd.arg(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/benches/python_baseline.py"
    ))
    .arg(stack.imap_port.to_string())
    .arg(stack.smtp_port.to_string())
    .arg(SCHOOL)
    .arg(PASSWORD)
    .arg(SECRETARY)
    .arg(dir.path().join("baseline.sqlite3"));
    let start = Instant::now();
    let (out, usage) = run_measured(cmd);
    let took = start.elapsed();
    assert!(
        out.contains(&format!("accepted {}", backlog.n)),
        "the script took every photo: {out}"
    );
    Some(Figure {
        label: "Python script (imaplib, email, PIL, sqlite3, smtplib)",
        took,
        cpu: Some(usage.cpu),
        rss_mib: Some(usage.rss_mib),
    })
}

#[derive(Default, Clone, Copy)]
struct Usage {
    cpu: f64,
    rss_mib: f64,
}

impl Usage {
    fn add(&mut self, other: Usage) {
        self.cpu += other.cpu;
        self.rss_mib = self.rss_mib.max(other.rss_mib);
    }
}

/// Reaps its one child with wait4 and prints that child's peak RSS (KiB)
/// and CPU seconds on stderr's last line. A small fork of a small process
/// is measured: a child spawned from this bench would count the bench's own
/// memory (the kernel keeps the pre-exec high-water mark).
const MEASURE: &str = "import os, sys
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
_, status, ru = os.wait4(pid, 0)
print(ru.ru_maxrss, ru.ru_utime + ru.ru_stime, file=sys.stderr)
sys.exit(os.waitstatus_to_exitcode(status))";

/// Runs `cmd` to its end under [`MEASURE`]; its stdout and resource use.
fn run_measured(cmd: Command) -> (String, Usage) {
    let mut wrapped = Command::new("/usr/bin/python3");
    wrapped
        .args(["-c", MEASURE])
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            wrapped.env(k, v);
        }
    }
    let out = wrapped.output().expect("the command runs");
    assert!(out.status.success(), "{cmd:?} failed: {out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last = stderr.lines().last().unwrap_or_default();
    let mut fields = last.split_whitespace().map(|f| f.parse::<f64>().ok());
    let (Some(Some(kib)), Some(Some(cpu))) = (fields.next(), fields.next()) else {
        panic!("no resource line from {cmd:?}: {stderr}");
    };
    let usage = Usage {
        cpu,
        rss_mib: kib / 1024.0,
    };
    (String::from_utf8_lossy(&out.stdout).into_owned(), usage)
}
