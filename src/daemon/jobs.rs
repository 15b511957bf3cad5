//! The daemon's timers for the date rules and the digest.
//!
//! The loop sleeps until the next daily time from `[dates]` (in the
//! school's time zone) or the next whole multiple of `check_every_secs`
//! (aligned in UTC, hence also locally: Polish offsets are whole hours),
//! whichever comes first. A wake carries no meaning of its own: it only
//! runs [`fire`], which calls `scheduler::step(app, clock.now())` and
//! delivers the outbox. What is due is decided from the database, so a wake
//! too many sends nothing twice and a wake too few is caught up by the next
//! one. The next wake is computed afresh after each fire, from the zone's
//! rules for that day, so a daily job stays on its local time across DST.
//!
//! One computed sleep, not a cron library: a scheduler that polls its job
//! list twice a second was most of what an idle school cost in CPU.

use std::time::Duration;

use chrono::{DateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use tokio_util::sync::CancellationToken;
use tracing::{debug, error, info};

use crate::app::App;

/// The first instant strictly after `after` that is a whole multiple of
/// `every_secs` (counted from the Unix epoch) or one of the `daily` local
/// times in `tz`. A daily time that does not exist that day (skipped by a
/// spring-forward) is left to the frequent wake just after; one that
/// occurs twice (fall-back) wakes at the first.
pub fn next_wake(
    after: DateTime<Utc>,
    every_secs: u32,
    daily: &[NaiveTime],
    tz: Tz,
) -> DateTime<Utc> {
    let every = i64::from(every_secs.max(1));
    let next_multiple = (after.timestamp().div_euclid(every) + 1) * every;
    let frequent = DateTime::from_timestamp(next_multiple, 0).unwrap_or(after);
    let today = after.with_timezone(&tz).date_naive();
    let dailies = [today, today + chrono::Days::new(1)]
        .into_iter()
        .flat_map(|day| daily.iter().map(move |time| day.and_time(*time)))
        .filter_map(|local| tz.from_local_datetime(&local).earliest())
        .map(|at| at.with_timezone(&Utc))
        .filter(|at| *at > after);
    dailies.fold(frequent, DateTime::min)
}

/// Runs the date rules and the digest at each computed wake until
/// `shutdown`; once at start too, to catch up what fell due while mleg was
/// stopped. Errors are logged; the next wake tries again.
pub async fn run(app: &App, shutdown: CancellationToken) {
    let dates = &app.config.dates;
    let daily = [dates.digest_time, dates.reminder_time];
    loop {
        fire(app, &shutdown).await;
        // The wall clock, not `app.clock`: the sleep is real time.
        let now = Utc::now();
        let at = next_wake(now, dates.check_every_secs, &daily, dates.timezone);
        let sleep = (at - now).to_std().unwrap_or(Duration::ZERO);
        tokio::select! {
            _ = tokio::time::sleep(sleep) => {}
            _ = shutdown.cancelled() => break,
        }
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
    use chrono_tz::Europe::Warsaw;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }
    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn the_frequent_wake_lands_on_whole_multiples_in_utc() {
        let at = utc("2027-01-10T10:07:13Z");
        assert_eq!(next_wake(at, 900, &[], Warsaw), utc("2027-01-10T10:15:00Z"));
        assert_eq!(next_wake(at, 10, &[], Warsaw), utc("2027-01-10T10:07:20Z"));
        // Strictly after: a wake on the boundary itself waits a whole step.
        let on = utc("2027-01-10T10:15:00Z");
        assert_eq!(next_wake(on, 900, &[], Warsaw), utc("2027-01-10T10:30:00Z"));
    }

    #[test]
    fn a_daily_time_wins_when_it_comes_first_in_local_time() {
        // 07:50 in Warsaw in winter is 06:50 UTC; the digest at 07:55 local.
        let at = utc("2027-01-10T06:50:00Z");
        let daily = [hm(7, 55), hm(8, 0)];
        assert_eq!(
            next_wake(at, 900, &daily, Warsaw),
            utc("2027-01-10T06:55:00Z")
        );
        // After both, the frequent wake; late at night, tomorrow's first time.
        assert_eq!(
            next_wake(utc("2027-01-10T07:01:00Z"), 900, &daily, Warsaw),
            utc("2027-01-10T07:15:00Z")
        );
        assert_eq!(
            next_wake(utc("2027-01-10T22:50:00Z"), 3600, &[hm(0, 30)], Warsaw),
            utc("2027-01-10T23:00:00Z")
        );
        assert_eq!(
            next_wake(utc("2027-01-10T23:05:00Z"), 3600, &[hm(0, 30)], Warsaw),
            utc("2027-01-10T23:30:00Z")
        );
    }

    #[test]
    fn daily_times_follow_the_zone_across_dst() {
        let daily = [hm(7, 55)];
        // Summer: 07:55 CEST is 05:55 UTC, also on the day after the change.
        assert_eq!(
            next_wake(utc("2027-03-28T05:00:00Z"), 3600, &daily, Warsaw),
            utc("2027-03-28T05:55:00Z")
        );
        assert_eq!(
            next_wake(utc("2027-10-31T06:00:00Z"), 3600, &daily, Warsaw),
            utc("2027-10-31T06:55:00Z")
        );
        // 02:30 does not exist on 2027-03-28 in Warsaw: the frequent wake covers it.
        let gap = next_wake(utc("2027-03-28T00:40:00Z"), 900, &[hm(2, 30)], Warsaw);
        assert_eq!(gap, utc("2027-03-28T00:45:00Z"));
        // 02:30 occurs twice on 2027-10-31: the first one (CEST, 00:30 UTC).
        let twice = next_wake(utc("2027-10-31T00:00:00Z"), 3600, &[hm(2, 30)], Warsaw);
        assert_eq!(twice, utc("2027-10-31T00:30:00Z"));
    }
}
