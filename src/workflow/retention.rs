//! What goes when (pure): the school keeps a child's data only as long as
//! it needs it. A closed application is reduced to an anonymous trail
//! `retention_days` after it closed; what nobody claimed goes after
//! `orphan_days`. The store carries the decisions out.

use chrono::{DateTime, Duration, Utc};

use crate::domain::{EmailAddress, StaffAddresses, Status};

/// How long each kind of data is kept (`[retention]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Periods {
    /// After an application closed.
    pub retention: Duration,
    /// For a photo nobody claimed or a refused one, with its mail.
    pub orphans: Duration,
}

/// What the retention rule reads of an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closing {
    pub status: Status,
    /// The last change of status (`applications.updated_at`).
    pub status_since: DateTime<Utc>,
    /// When the last code expires (or expired), if one was recorded.
    pub code_expires_at: Option<DateTime<Utc>>,
}

/// Since when the application is closed for retention, or `None` while
/// something may still happen on it. A handed-over code counts from its
/// expiry: until then the family may still need the school to confirm it.
pub fn closed_since(c: &Closing) -> Option<DateTime<Utc>> {
    if !c.status.retention_clock_runs() {
        return None;
    }
    match (c.status, c.code_expires_at) {
        (Status::HandedOver, Some(expiry)) => Some(expiry.max(c.status_since)),
        _ => Some(c.status_since),
    }
}

/// When the application is to be anonymised, if its clock runs.
pub fn anonymise_at(c: &Closing, p: &Periods) -> Option<DateTime<Utc>> {
    closed_since(c).map(|since| since + p.retention)
}

/// Is the application to be anonymised at `now`?
pub fn anonymise_due(c: &Closing, p: &Periods, now: DateTime<Utc>) -> bool {
    anonymise_at(c, p).is_some_and(|at| at <= now)
}

/// Mails and photos nobody claimed that arrived before this instant go.
pub fn orphans_before(p: &Periods, now: DateTime<Utc>) -> DateTime<Utc> {
    now - p.orphans
}

/// The role an actor of the history or the audit log keeps once the
/// application is anonymised: what was done and by whom in general, never
/// the address. Actors are written "mail:<address>", "cli:<user>" or
/// "mleg…".
pub fn role(actor: &str, staff: &StaffAddresses, parents: &[EmailAddress]) -> &'static str {
    if actor.starts_with("mleg") {
        return "mleg";
    }
    if actor.starts_with("cli:") {
        return "secretary";
    }
    let address = actor
        .strip_prefix("mail:")
        .and_then(|a| EmailAddress::parse(a).ok());
    match address {
        Some(a) if staff.contains(&a) => "secretary",
        Some(a) if parents.contains(&a) => "parent",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn day(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 1, d, 12, 0, 0).unwrap()
    }

    fn periods() -> Periods {
        Periods {
            retention: Duration::days(90),
            orphans: Duration::days(30),
        }
    }

    fn closing(status: Status, since: u32, expiry: Option<u32>) -> Closing {
        Closing {
            status,
            status_since: day(since),
            code_expires_at: expiry.map(day),
        }
    }

    #[test]
    fn open_applications_are_never_anonymised() {
        let far = day(1) + Duration::days(3650);
        for s in Status::ALL
            .into_iter()
            .filter(|s| !s.retention_clock_runs())
        {
            let c = closing(s, 1, Some(2));
            assert_eq!(closed_since(&c), None, "{s}");
            assert!(!anonymise_due(&c, &periods(), far), "{s}");
        }
    }

    #[test]
    fn a_closed_application_goes_retention_days_after_it_closed() {
        for s in [Status::Rejected, Status::Cancelled, Status::Expired] {
            let c = closing(s, 5, None);
            let at = day(5) + Duration::days(90);
            assert_eq!(anonymise_at(&c, &periods()), Some(at), "{s}");
            assert!(!anonymise_due(&c, &periods(), at - Duration::seconds(1)));
            assert!(anonymise_due(&c, &periods(), at));
        }
    }

    #[test]
    fn a_handed_over_code_counts_from_its_expiry() {
        let c = closing(Status::HandedOver, 3, Some(20));
        assert_eq!(closed_since(&c), Some(day(20)));
        let at = day(20) + Duration::days(90);
        assert!(!anonymise_due(&c, &periods(), at - Duration::minutes(1)));
        assert!(anonymise_due(&c, &periods(), at));
        // Without a code (SIO: the family generates it) from the hand-over.
        let sio = closing(Status::HandedOver, 3, None);
        assert_eq!(closed_since(&sio), Some(day(3)));
        // An expiry before the hand-over's day (a late WYDANO) counts from the hand-over.
        let late = closing(Status::HandedOver, 9, Some(4));
        assert_eq!(closed_since(&late), Some(day(9)));
    }

    #[test]
    fn orphans_go_after_orphan_days() {
        assert_eq!(orphans_before(&periods(), day(31)), day(1));
    }

    #[test]
    fn actors_keep_only_their_role() {
        let staff = StaffAddresses::new(vec![
            EmailAddress::parse("sekretariat@szkola.test").unwrap(),
        ]);
        let parents = vec![EmailAddress::parse("rodzic@poczta.test").unwrap()];
        let r = |a: &str| role(a, &staff, &parents);
        assert_eq!(r("mail:sekretariat@szkola.test"), "secretary");
        assert_eq!(r("mail:Sekretariat@Szkola.test"), "secretary");
        assert_eq!(r("cli:jkowalska"), "secretary");
        assert_eq!(r("mail:rodzic@poczta.test"), "parent");
        assert_eq!(r("mleg:scheduler"), "mleg");
        assert_eq!(r("mleg"), "mleg");
        assert_eq!(r("mail:obcy@poczta.test"), "other");
        assert_eq!(r("mail:?"), "other");
    }
}
