use chrono::NaiveDate;

use super::*;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn cand(id: i64, status: Status, valid_until: Option<NaiveDate>) -> Candidate {
    Candidate {
        id,
        status,
        valid_until,
        objected: false,
        reissued: false,
    }
}

#[test]
fn only_handed_over_ids_lapsing_before_the_new_date_are_in() {
    let new = day(2027, 9, 30);
    let objected = Candidate {
        objected: true,
        ..cand(4, Status::HandedOver, None)
    };
    let reissued = Candidate {
        reissued: true,
        ..cand(5, Status::HandedOver, None)
    };
    let all = [
        cand(1, Status::HandedOver, Some(day(2026, 9, 30))),
        cand(2, Status::HandedOver, None),
        cand(3, Status::HandedOver, Some(new)),
        objected,
        reissued,
        cand(6, Status::CodeReady, None),
        cand(7, Status::Expired, None),
        cand(8, Status::Invalidated, None),
    ];
    let p = plan(&all, new);
    assert_eq!(p.members, vec![1, 2]);
    assert_eq!(p.objection, 1);
    assert_eq!(p.still_valid, 1);
    assert_eq!(verdict(&all[5], new), Verdict::NotIssued);
    assert_eq!(verdict(&all[4], new), Verdict::AlreadyReissued);
}

#[test]
fn only_handed_over_joins_the_wave() {
    let joining: Vec<_> = Status::all_where(Status::joins_wave);
    assert_eq!(joining, vec![Status::HandedOver]);
}

#[test]
fn the_rate_counts_the_last_hour_and_never_splits_a_family() {
    assert_eq!(pick(&[1, 1, 1], 10, 0), 3);
    assert_eq!(pick(&[1, 1, 1], 10, 8), 2);
    assert_eq!(pick(&[1, 1, 1], 10, 10), 0);
    assert_eq!(pick(&[1, 1, 1], 10, 12), 0);
    // Two children do not fit in one remaining place: the family waits,
    // and the one after it does not overtake it.
    assert_eq!(pick(&[2, 1], 10, 9), 0);
    assert_eq!(pick(&[3, 3, 3, 3], 10, 0), 3);
    assert_eq!(pick(&[], 10, 0), 0);
}

#[test]
fn a_family_larger_than_an_hour_goes_alone_in_a_fresh_hour() {
    assert_eq!(pick(&[12, 1], 10, 0), 1);
    assert_eq!(pick(&[12, 1], 10, 1), 0);
}

#[test]
fn the_school_year_starts_in_september() {
    assert_eq!(school_year(day(2026, 9, 1)), 2026);
    assert_eq!(school_year(day(2027, 8, 31)), 2026);
    assert_eq!(default_valid_until(day(2026, 9, 1)), Some(day(2027, 9, 30)));
    assert_eq!(default_valid_until(day(2027, 3, 1)), Some(day(2027, 9, 30)));
}

#[test]
fn the_daemon_starts_once_a_school_year_from_its_day() {
    assert!(!auto_due(day(2026, 8, 31), (9, 1), false));
    assert!(auto_due(day(2026, 9, 1), (9, 1), false));
    // A missed day is caught up for a month, then it is next year's.
    assert!(auto_due(day(2026, 9, 30), (9, 1), false));
    assert!(!auto_due(day(2026, 12, 1), (9, 1), false));
    assert!(!auto_due(day(2026, 9, 2), (9, 1), true));
    // A day after New Year belongs to the school year that began before it.
    assert!(!auto_due(day(2026, 12, 1), (1, 15), false));
    assert!(auto_due(day(2027, 1, 15), (1, 15), false));
}

#[test]
fn a_family_is_every_child_linked_through_any_shared_parent_address() {
    let a = vec!["p1@example.pl", "p2@example.pl"];
    let b = vec!["p2@example.pl"];
    let c = vec!["p3@example.pl"];
    assert_eq!(families(&[a, b, c]), vec![vec![0, 1], vec![2]]);
}

#[test]
fn a_chain_of_shared_addresses_joins_families_found_apart_and_no_address_stays_alone() {
    // 0 and 2 share nothing, until 3 shares an address with each.
    let members: Vec<Vec<&str>> = vec![
        vec!["a@example.pl"],
        vec!["z@example.pl"],
        vec!["b@example.pl"],
        vec!["b@example.pl", "a@example.pl"],
        vec![],
        vec![],
    ];
    assert_eq!(
        families(&members),
        vec![vec![0, 2, 3], vec![1], vec![4], vec![5]]
    );
}
