//! "SMTP send → reply in the parent's INBOX" through the real mail stack,
//! for `mleg run` waiting in IMAP IDLE and for polling only
//! (`cargo bench --bench reply_latency`; needs root, Dovecot and Postfix
//! like the e2e tests). Prints p50 / p95; never asserts a time.
//!
//! Twenty parents each send one photo, one at a time: the clock starts when
//! Postfix accepted the mail and stops when the reply is in the parent's
//! INBOX. Polling uses `BENCH_POLL_SECS` (default 5 s): its latency is about
//! half the interval plus the work, so the default 60 s would only be slower.

#[allow(dead_code)]
#[path = "../tests/e2e/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use mleg::daemon;
use tokio_util::sync::CancellationToken;

use support::app::{SCHOOL, TestApp, pesel};
use support::mime::Mail;
use support::photos;

const MAILS: usize = 20;

/// Seconds from "Postfix accepted" to "reply in the INBOX", per mail.
async fn measure(t: &TestApp) -> Vec<Duration> {
    let parents: Vec<String> = (0..MAILS).map(|i| t.parent(&format!("bench{i}"))).collect();
    for (i, parent) in parents.iter().enumerate() {
        let serial = 100 + i as u32;
        t.register(
            "Anna",
            &format!("Nowak{}", letter(i)),
            &pesel(2015, 1, 1 + i as u32, serial),
            parent,
        );
    }
    let mut took = Vec::new();
    for (i, parent) in parents.iter().enumerate() {
        let mail = Mail::new(parent, SCHOOL, "legitymacja")
            .photo(&format!("Anna Nowak{}.jpg", letter(i)), photos::good_jpeg());
        t.stack.send_raw(parent, &[SCHOOL], &mail.build()).await;
        let sent = Instant::now();
        while t.stack.fetch_all(parent, "INBOX").await.is_empty() {
            assert!(
                sent.elapsed() < Duration::from_secs(120),
                "no reply for {parent}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        took.push(sent.elapsed());
    }
    took
}

/// Distinct surnames (the matcher reads the name from the file name).
fn letter(i: usize) -> String {
    ["", "a", "ska", "owa", "ik"][i % 5].to_owned() + &"x".repeat(i / 5)
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

async fn run_mode(label: &str, idle: bool, poll_secs: u64) {
    let t = TestApp::spawn_with(|c| {
        *c = c.replace(
            "poll_interval_secs = 1\n",
            &format!("poll_interval_secs = {poll_secs}\n"),
        );
        *c = c.replace("[imap]\n", &format!("[imap]\nidle = {idle}\n"));
    });
    let token = CancellationToken::new();
    let measured = async {
        let took = measure(&t).await;
        token.cancel();
        took
    };
    let (_, mut took) = tokio::join!(daemon::run(&t.app, token.clone()), measured);
    took.sort();
    println!(
        "{label:<28} n={} p50={:>6.0} ms p95={:>6.0} ms",
        took.len(),
        percentile(&took, 50).as_secs_f64() * 1000.0,
        percentile(&took, 95).as_secs_f64() * 1000.0
    );
}

fn main() {
    let poll: u64 = std::env::var("BENCH_POLL_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async {
        run_mode("IDLE (poll 600 s)", true, 600).await;
        run_mode(&format!("polling every {poll} s"), false, poll).await;
    });
}
