//! How many alerts about refused staff commands one sender caused: the
//! per-sender daily cap on them, like the cap on automatic replies. A flood
//! of forged `TAK` mails must not become a flood of alerts. Read and written
//! in the transaction that queues the alert, so two refusals can never both
//! see room for the last one.

use chrono::{DateTime, Duration, Utc};
use rusqlite::params;

use super::{Result, Tx, ts};

/// Alerts queued about `sender` since `since`.
pub fn alerts_since(conn: Tx<'_>, sender: &str, since: DateTime<Utc>) -> Result<u32> {
    let n: i64 = conn.query_row(
        "SELECT COUNT(*) FROM staff_alerts WHERE sender = ?1 AND at >= ?2",
        params![sender, ts(since)],
        |r| r.get(0),
    )?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Notes one alert about `sender`, and forgets those older than a day (the
/// cap looks back 24 hours; an address is kept no longer than needed).
pub fn note_alert(conn: Tx<'_>, sender: &str, now: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "DELETE FROM staff_alerts WHERE at < ?1",
        [ts(now - Duration::days(1))],
    )?;
    conn.execute(
        "INSERT INTO staff_alerts (sender, at) VALUES (?1, ?2)",
        params![sender, ts(now)],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use chrono::TimeZone;

    #[test]
    fn alerts_count_per_sender_within_the_window_and_old_ones_are_forgotten() {
        let store = Store::open_in_memory().unwrap();
        let c = store.conn();
        let t0 = Utc.with_ymd_and_hms(2026, 9, 1, 8, 0, 0).unwrap();
        note_alert(c, "intruz@example.pl", t0).unwrap();
        note_alert(c, "intruz@example.pl", t0 + Duration::hours(2)).unwrap();
        note_alert(c, "inny@example.pl", t0 + Duration::hours(2)).unwrap();
        assert_eq!(alerts_since(c, "intruz@example.pl", t0).unwrap(), 2);
        assert_eq!(
            alerts_since(c, "intruz@example.pl", t0 + Duration::hours(1)).unwrap(),
            1
        );
        assert_eq!(alerts_since(c, "nikt@example.pl", t0).unwrap(), 0);
        note_alert(c, "inny@example.pl", t0 + Duration::days(2)).unwrap();
        assert_eq!(alerts_since(c, "intruz@example.pl", t0).unwrap(), 0);
    }
}
