//! A September backlog through the real mail stack, against its floors and
//! against a Python script doing the same work (`scripts/bench`, or
//! `BENCH_N=300 cargo bench --bench backlog`; needs root, Dovecot and
//! Postfix like the e2e tests, and python3-pil for the Python column).
//!
//! N parents (default 300) each sent one 1–3 MB phone-sized photo named
//! after their child; the mails sit in the school's INBOX. The table says:
//! - the floors: a raw `UID FETCH BODY.PEEK[]` of the mailbox, one full
//!   decode of every photo on all cores, and the same replies and
//!   notifications (each notification with its photo) sent by a minimal
//!   SMTP client in one session;
//! - mleg's intake and its delivery, timed apart (in this process);
//! - `mleg once` as a process until every mail is delivered: wall time,
//!   CPU time and peak RSS, as the school would see it;
//! - the Python script on the same backlog.
//!
//! Each figure is printed with its ratio to its floor; the targets are
//! printed beside them. Nothing here asserts a time.

#[allow(dead_code)]
#[path = "../tests/e2e/support/mod.rs"]
mod support;

#[path = "backlog/floors.rs"]
mod floors;
#[path = "backlog/mails.rs"]
mod mails;
#[path = "backlog/runs.rs"]
mod runs;

use std::time::Duration;

/// One measured line of the table.
pub struct Figure {
    pub label: &'static str,
    pub took: Duration,
    /// CPU seconds and peak RSS (MiB), where measured (a child process).
    pub cpu: Option<f64>,
    pub rss_mib: Option<f64>,
}

fn n_from_env() -> usize {
    std::env::var("BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(300)
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn line(f: &Figure, n: usize, ratio: Option<(f64, &str)>) {
    let cpu = f.cpu.map(|c| format!("{c:.1}")).unwrap_or_default();
    let rss = f.rss_mib.map(|r| format!("{r:.0} MiB")).unwrap_or_default();
    let ratio = ratio
        .map(|(r, against)| format!("{r:.2}× {against}"))
        .unwrap_or_default();
    println!(
        "| {:<54} | {:>8.2} | {:>7.1} | {:>6} | {:>8} | {} |",
        f.label,
        secs(f.took),
        n as f64 / secs(f.took).max(1e-9),
        cpu,
        rss,
        ratio
    );
}

fn main() {
    // As `mleg` itself does: intake runs in this process.
    mleg::memory::tune();
    let n = n_from_env();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let backlog = mails::Backlog::new(n);
    eprintln!(
        "backlog: {n} mails, {:.0} MB of photos",
        backlog.photo_bytes() as f64 / 1e6
    );
    let decode = floors::decode(&backlog);
    let ([fetch, intake, delivery, smtp], process, python) = runtime.block_on(async {
        (
            runs::mleg_in_process(&backlog).await,
            runs::mleg_process(&backlog).await,
            runs::python(&backlog).await,
        )
    });
    println!(
        "\n{n} mails, {} cores, mleg with `[smtp] connections = {}`",
        std::thread::available_parallelism().map_or(1, |c| c.get()),
        runs::connections()
    );
    println!("| | seconds | msgs/s | CPU s | peak RSS | ratio |");
    println!("|---|---:|---:|---:|---:|---|");
    line(&fetch, n, None);
    line(&decode, n, None);
    line(&smtp, n, None);
    let intake_floor = secs(fetch.took) + secs(decode.took);
    line(
        &intake,
        n,
        Some((
            secs(intake.took) / intake_floor,
            "fetch + decode (target ≤ 1.5)",
        )),
    );
    line(
        &delivery,
        n,
        Some((secs(delivery.took) / secs(smtp.took), "SMTP floor")),
    );
    let all_floor = secs(intake.took) + secs(smtp.took);
    line(
        &process,
        n,
        Some((
            secs(process.took) / all_floor,
            "intake + SMTP floor (target ≤ 1.5)",
        )),
    );
    match python {
        Some(p) => line(
            &p,
            n,
            Some((
                secs(p.took) / secs(process.took),
                "of mleg's time (target ≥ 3)",
            )),
        ),
        None => println!(
            "| Python script | not run: python3 with PIL (python3-pil) is missing | | | | |"
        ),
    }
    println!(
        "\ntargets: peak RSS < 100 MB at 1,000 mails; cost per mail flat with the register: \
         `cargo bench --bench matching`"
    );
}
