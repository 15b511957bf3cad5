//! Alerts in a school run from cron, without the daemon.

use chrono::Duration;

use crate::alerts::{FALLBACK, IT, SENDER, alert_rows, alerts_app, round_at, set_password};
use crate::support::app::{SCHOOL, mleg, pesel};
use crate::support::dates::utc;
use crate::support::mime::Mail;
use crate::support::photos;
use crate::support::stack::PASSWORD;

/// A school run from cron (`mleg once` and `mleg tick`, no daemon): `tick`
/// ends with the alert step too, so the IT person hears of a refused SMTP
/// login from it alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mleg_tick_from_cron_alerts_about_a_refused_smtp_login() {
    let mut t = alerts_app();
    let start = utc(2026, 12, 7, 8, 0);
    let parent = t.parent("cron");
    t.register("Ela", "Cronowa", &pesel(2014, 5, 5, 52), &parent);
    set_password(&t, SENDER, PASSWORD, "changed-by-the-provider");
    t.send(
        &Mail::new(&parent, SCHOOL, "legitymacja").photo("Ela Cronowa.jpg", photos::good_jpeg()),
    )
    .await;
    // The round queues the answer; its delivery is refused.
    round_at(&mut t, start).await;
    assert_eq!(alert_rows(&t), vec![]);

    let later = (start + Duration::minutes(62)).to_rfc3339();
    let out = mleg(&t, &["tick", "--now", &later, "--send"]);
    // The failed delivery is still the cron job's failure (cron mails it).
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("refused"),
        "{stderr}"
    );
    let alert = &t.exactly(IT, 1).await[0];
    assert!(
        alert.subject.contains("Nie działa logowanie"),
        "{}",
        alert.subject
    );
    assert_eq!(alert.from.as_deref(), Some(FALLBACK));
    assert_eq!(
        alert_rows(&t),
        vec![("smtp".to_owned(), "alert".to_owned())]
    );
}
