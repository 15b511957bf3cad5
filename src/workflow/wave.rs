//! The yearly re-validation wave (pure): who is in, how many families a
//! step may start under the hourly rate, and when the daemon starts a wave.
//!
//! Each September the paper school ID gets its sticker and every
//! mLegitymacja the families hold must be issued again. The shell gathers
//! the candidates and the counts; these functions decide.

use chrono::{Datelike, NaiveDate};

use crate::domain::Status;

/// What the store knows of one application when a wave is planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: i64,
    pub status: Status,
    /// The paper ID's validity; unknown counts as lapsing.
    pub valid_until: Option<NaiveDate>,
    /// An objection is on file for the student.
    pub objected: bool,
    /// A reissue was opened already (by the secretary or an earlier wave).
    pub reissued: bool,
}

/// Why an application is, or is not, in the wave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    In,
    /// The parents objected: nothing is issued for the student.
    Objection,
    /// Its ID is valid on the new date already.
    StillValid,
    /// Nothing the family holds (see [`Status::joins_wave`]).
    NotIssued,
    AlreadyReissued,
}

pub fn verdict(c: &Candidate, new_date: NaiveDate) -> Verdict {
    if c.reissued {
        Verdict::AlreadyReissued
    } else if !c.status.joins_wave() {
        Verdict::NotIssued
    } else if c.objected {
        Verdict::Objection
    } else if c.valid_until.is_some_and(|d| d >= new_date) {
        Verdict::StillValid
    } else {
        Verdict::In
    }
}

/// A wave's plan: the members and the counts of those left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub members: Vec<i64>,
    pub objection: usize,
    pub still_valid: usize,
}

/// Who a wave for `new_date` reissues, in the order given.
pub fn plan(candidates: &[Candidate], new_date: NaiveDate) -> Plan {
    let mut p = Plan::default();
    for c in candidates {
        match verdict(c, new_date) {
            Verdict::In => p.members.push(c.id),
            Verdict::Objection => p.objection += 1,
            Verdict::StillValid => p.still_valid += 1,
            Verdict::NotIssued | Verdict::AlreadyReissued => {}
        }
    }
    p
}

/// How many of the waiting families (their sizes, in order) a step starts
/// now, when `started_last_hour` applications were started in the last hour
/// and at most `per_hour` may be. A family is never split (one mail lists
/// all its children); one larger than a whole hour's budget goes alone in
/// an hour of its own, so it is never starved. Order is kept: a big family
/// is not overtaken by smaller ones.
pub fn pick(family_sizes: &[usize], per_hour: u32, started_last_hour: usize) -> usize {
    let budget = (per_hour as usize).saturating_sub(started_last_hour);
    let mut used = 0;
    let mut n = 0;
    for &size in family_sizes {
        if used + size > budget {
            break;
        }
        used += size;
        n += 1;
    }
    if n == 0 && started_last_hour == 0 && !family_sizes.is_empty() {
        return 1;
    }
    n
}

/// The calendar year a school year starts in (September to August).
pub fn school_year(day: NaiveDate) -> i32 {
    if day.month() >= 9 {
        day.year()
    } else {
        day.year() - 1
    }
}

/// The date a sticker bought in the school year of `day` is valid until:
/// 30 September of the next calendar year.
pub fn default_valid_until(day: NaiveDate) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(school_year(day) + 1, 9, 30)
}

/// How long after its day a wave the daemon missed (mleg was stopped) is
/// still started: a fresh install in August must not start last year's.
pub const CATCH_UP_DAYS: i64 = 30;

/// Whether the daemon starts its wave today: `on` (month, day) came in this
/// school year within [`CATCH_UP_DAYS`], and no wave was started in it yet.
pub fn auto_due(today: NaiveDate, on: (u32, u32), started_this_year: bool) -> bool {
    let year = school_year(today);
    let year = if on.0 >= 9 { year } else { year + 1 };
    let window = |d: NaiveDate| today >= d && (today - d).num_days() < CATCH_UP_DAYS;
    !started_this_year && NaiveDate::from_ymd_opt(year, on.0, on.1).is_some_and(window)
}

/// The families among a wave's members, given each member's parent
/// addresses: members sharing any address are one family, and so are
/// members linked through a chain of shared addresses (A {p1, p2}, B {p2}
/// and C {p3}: A and B are one family, C another). Each family lists its members' indexes in
/// order, families in the order of their first member. A member without an
/// address (an anonymised row) is a family of its own.
pub fn families<A: AsRef<str>, S: AsRef<[A]>>(addresses: &[S]) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..addresses.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut first_with: std::collections::HashMap<&str, usize> = Default::default();
    for (i, own) in addresses.iter().enumerate() {
        for a in own.as_ref() {
            let other = *first_with.entry(a.as_ref()).or_insert(i);
            let (x, y) = (root(&mut parent, i), root(&mut parent, other));
            // The smaller index is the root: families keep their order.
            parent[x.max(y)] = x.min(y);
        }
    }
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut group_of: std::collections::HashMap<usize, usize> = Default::default();
    for i in 0..addresses.len() {
        let r = root(&mut parent, i);
        match group_of.get(&r) {
            Some(&g) => groups[g].push(i),
            None => {
                group_of.insert(r, groups.len());
                groups.push(vec![i]);
            }
        }
    }
    groups
}

#[cfg(test)]
mod tests;
