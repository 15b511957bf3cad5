//! The daemon's timers for the date rules and the digest.
//!
//! tokio-cron-scheduler fires at the daily times from `[dates]` (in the
//! school's time zone) and every `check_every_secs`. A fire carries no
//! meaning of its own: it only wakes [`run`], which calls
//! `scheduler::step(app, clock.now())` and delivers the outbox. What is due
//! is decided from the database, so a fire too many sends nothing twice and
//! a fire too few is caught up by the next one. That matters twice a year:
//! tokio-cron-scheduler 0.15 keeps the UTC offset of the day the job was
//! created, so after a DST change its daily fire lands an hour off; the
//! frequent fire (aligned to whole minutes/quarter-hours in UTC, hence also
//! locally) runs the daily job at its local time anyway, and only once.

use std::time::Duration;

use chrono::{NaiveTime, Timelike};
use tokio::sync::mpsc;
use tokio_cron_scheduler::{Job, JobScheduler, JobSchedulerError};
use tokio_util::sync::CancellationToken;
use tracing::{debug, error, info};

use crate::app::App;

/// The cron expression (seconds first) of a daily job at local `time`.
pub fn daily_cron(time: NaiveTime) -> String {
    format!("0 {} {} * * *", time.minute(), time.hour())
}

/// The cron expression of the frequent check, every `secs` seconds
/// (validated by the config: divides a minute, or whole minutes dividing an hour).
pub fn frequent_cron(secs: u32) -> String {
    if secs < 60 {
        format!("*/{secs} * * * * *")
    } else {
        format!("0 */{} * * * *", secs / 60)
    }
}

/// Starts the scheduler; each fire sends one wake-up (coalesced: a fire
/// while a step is pending is dropped, the pending step covers it).
async fn start(app: &App, wake: mpsc::Sender<()>) -> Result<JobScheduler, JobSchedulerError> {
    let dates = &app.config.dates;
    let sched = JobScheduler::new().await?;
    let job = |wake: mpsc::Sender<()>| {
        move |_id, _lock| -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
            let wake = wake.clone();
            Box::pin(async move {
                let _ = wake.try_send(());
            })
        }
    };
    for time in [dates.digest_time, dates.reminder_time] {
        sched
            .add(Job::new_async_tz(
                daily_cron(time),
                dates.timezone,
                job(wake.clone()),
            )?)
            .await?;
    }
    sched
        .add(Job::new_async(
            frequent_cron(dates.check_every_secs),
            job(wake),
        )?)
        .await?;
    sched.start().await?;
    Ok(sched)
}

/// Runs the date rules and the digest on the scheduler's fires until
/// `shutdown`; once at start too, to catch up what fell due while mleg was
/// stopped. Errors are logged; the next fire tries again.
pub async fn run(app: &App, shutdown: CancellationToken) {
    let (wake, mut woken) = mpsc::channel(1);
    let mut sched = match start(app, wake).await {
        Ok(s) => Some(s),
        Err(e) => {
            error!(error = %e, "cannot start the job scheduler; checking every check_every_secs instead");
            None
        }
    };
    let fallback = Duration::from_secs(u64::from(app.config.dates.check_every_secs));
    loop {
        fire(app, &shutdown).await;
        tokio::select! {
            got = woken.recv(), if sched.is_some() => {
                if got.is_none() {
                    sched = None;
                }
            }
            _ = tokio::time::sleep(fallback), if sched.is_none() => {}
            _ = shutdown.cancelled() => break,
        }
    }
    if let Some(mut s) = sched {
        let _ = s.shutdown().await;
    }
}

/// One scheduled step at the clock's now, then delivery; under the round
/// lock, so it never delivers the outbox alongside an intake round. On
/// `stop`, delivery ends after the mail in hand (systemd's stop timeout).
async fn fire(app: &App, stop: &CancellationToken) {
    let lock = match super::round_lock(app).await {
        Ok(l) => l,
        Err(e) => {
            error!(error = %e, "scheduled step skipped");
            return;
        }
    };
    match crate::scheduler::step(app, app.clock.now()).await {
        Ok(report) => debug!(?report, "scheduled step done"),
        Err(e) => error!(error = %e, "scheduled step failed; retrying at the next fire"),
    }
    match super::deliver_until(app, &lock, stop).await {
        Ok(sent) if sent.sent > 0 => info!(sent = sent.sent, "scheduled mails delivered"),
        Ok(_) => {}
        Err(e) => error!(error = %e, "delivery after the scheduled step failed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cron_expressions() {
        let t = NaiveTime::from_hms_opt(7, 30, 0).unwrap();
        assert_eq!(daily_cron(t), "0 30 7 * * *");
        assert_eq!(frequent_cron(10), "*/10 * * * * *");
        assert_eq!(frequent_cron(900), "0 */15 * * * *");
        // The scheduler accepts what we build.
        let f = |_id, _l| -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
            Box::pin(async {})
        };
        assert!(Job::new_async_tz(daily_cron(t), chrono_tz::Europe::Warsaw, f).is_ok());
        assert!(Job::new_async(frequent_cron(900), f).is_ok());
        assert!(Job::new_async(frequent_cron(1), f).is_ok());
    }
}
