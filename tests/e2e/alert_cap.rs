//! A flood of forged commands is not a flood of alerts: the secretary is
//! alerted about one sender's refused commands at most
//! `max_auto_replies_per_day` times a day, the last alert says so, and every
//! refusal is still audited and filed for a human.

use mleg::domain::Status;

use crate::support::app::{NEEDS_HUMAN, SCHOOL, TestApp};
use crate::support::replies::{Style, reply};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_tak_mails_from_one_address_alert_at_most_the_daily_cap() {
    let t = TestApp::spawn_with(|c| c.insert_str(0, "max_auto_replies_per_day = 3\n"));
    let (id, parent, note) = t.photo_with_secretary("Ola", "Zalewana", 47).await;
    let intruder = t.parent("intruz");
    let other = t.parent("ktos-inny");
    // Six forged TAK mails from one address, each a new mail with the
    // application's token, and one from another address.
    for _ in 0..6 {
        t.send(&reply(&intruder, &note, "TAK", Style::GmailPlain))
            .await;
    }
    t.send(&reply(&other, &note, "TAK", Style::OutlookPlain))
        .await;
    t.once().await;

    assert_eq!(t.application(id).status, Status::AwaitingReview);
    let outcomes: Vec<String> = t.audit(Some(id)).into_iter().map(|(_, _, o)| o).collect();
    assert_eq!(outcomes, vec!["refused_not_staff"; 7], "every one audited");
    assert_eq!(t.stack.fetch_all(SCHOOL, NEEDS_HUMAN).await.len(), 7);

    // The photo notification, three alerts about the intruder, one about the other.
    let staff = t.staff_mails_but_digests(5).await;
    let alerts: Vec<_> = staff
        .iter()
        .filter(|m| m.subject.contains("Odrzucono polecenie"))
        .collect();
    let about = |who: &str| alerts.iter().filter(|m| m.text.contains(who)).count();
    assert_eq!((about(&intruder), about(&other)), (3, 1));
    let last = alerts
        .iter()
        .filter(|m| m.text.contains("kolejne nie będą"))
        .collect::<Vec<_>>();
    assert_eq!(last.len(), 1, "only the intruder's third alert says so");
    assert!(last[0].text.contains(&intruder), "{}", last[0].text);
    // The parent heard nothing of it.
    t.exactly(&parent, 1).await;
}
