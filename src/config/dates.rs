//! `[dates]`: the school's clock and calendar — its time zone, how long a
//! code lives, when parents and the secretary are reminded, and when the
//! daily digest goes out. Every date rule reads these values; nothing else
//! in mleg decides a date.

use chrono::{Datelike, NaiveDate, NaiveTime};
use chrono_tz::Tz;
use serde::Deserialize;

use super::{ConfigError, invalid};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDates {
    #[serde(default = "default_timezone")]
    timezone: String,
    #[serde(default = "default_parent_days")]
    parent_reminder_days: Vec<u32>,
    #[serde(default)]
    remind_after_handover: bool,
    #[serde(default = "default_issue_days")]
    issue_within_days: u32,
    #[serde(default = "default_staff_days")]
    staff_reminder_days: Vec<u32>,
    #[serde(default = "default_reminder_time")]
    reminder_time: String,
    #[serde(default = "default_digest_time")]
    digest_time: String,
    #[serde(default)]
    extra_days_off: Vec<String>,
    #[serde(default = "default_check_every")]
    check_every_secs: u32,
    #[serde(default = "default_wave_per_hour")]
    wave_per_hour: u32,
    #[serde(default)]
    revalidate_on: Option<String>,
    #[serde(default)]
    revalidation: Option<bool>,
}

impl Default for RawDates {
    fn default() -> Self {
        RawDates {
            timezone: default_timezone(),
            parent_reminder_days: default_parent_days(),
            remind_after_handover: false,
            issue_within_days: default_issue_days(),
            staff_reminder_days: default_staff_days(),
            reminder_time: default_reminder_time(),
            digest_time: default_digest_time(),
            extra_days_off: Vec::new(),
            check_every_secs: default_check_every(),
            wave_per_hour: default_wave_per_hour(),
            revalidate_on: None,
            revalidation: None,
        }
    }
}

fn default_timezone() -> String {
    "Europe/Warsaw".into()
}
fn default_parent_days() -> Vec<u32> {
    vec![7, 2]
}
fn default_issue_days() -> u32 {
    14
}
fn default_staff_days() -> Vec<u32> {
    vec![10, 13]
}
fn default_reminder_time() -> String {
    "08:00".into()
}
fn default_digest_time() -> String {
    "07:30".into()
}
fn default_check_every() -> u32 {
    900
}
fn default_wave_per_hour() -> u32 {
    200
}

/// The validated `[dates]` table.
#[derive(Debug, Clone)]
pub struct Dates {
    /// The school's time zone: every time a person reads, and every daily
    /// job time, is in it (default `Europe/Warsaw`).
    pub timezone: Tz,
    /// Days before a code expires on which the parent is reminded, most
    /// distant first (default `[7, 2]`); each is sent at most once per code.
    pub parent_reminder_days: Vec<u32>,
    /// Whether a `handed_over` application still gets one reminder on the
    /// last reminder day ("if you have not activated it yet…").
    pub remind_after_handover: bool,
    /// The school's promise: a code within this many days of a complete
    /// application (registered + valid photo). Default 14.
    pub issue_within_days: u32,
    /// Days after completion on which the secretary is reminded of an
    /// application still without a code (default `[10, 13]`), ascending.
    pub staff_reminder_days: Vec<u32>,
    /// Local time of day at which reminders fall due (default 08:00), so
    /// nobody is mailed at night.
    pub reminder_time: NaiveTime,
    /// Local time of the secretary's digest on working days (default 07:30).
    pub digest_time: NaiveTime,
    /// The school's own days off besides weekends and Polish public holidays.
    pub extra_days_off: Vec<NaiveDate>,
    /// How often (seconds) `mleg run` also asks "is anything due?" besides
    /// the daily jobs at `digest_time` and `reminder_time` (default 900).
    /// It catches up a daily job a timer missed (DST, a sleeping machine).
    /// Must divide a minute (1..59) or be whole minutes dividing an hour.
    pub check_every_secs: u32,
    /// The re-validation wave starts at most this many reissues (and
    /// family mails) per hour, so the school's SMTP server takes them
    /// (default 200).
    pub wave_per_hour: u32,
    /// (month, day) on which the daemon starts the yearly wave by itself,
    /// at most once per school year; `None`: only `mleg apps revalidate`.
    pub revalidate_on: Option<(u32, u32)>,
    /// Whether this school re-validates at all (default: yes on the portal
    /// path, no under `process = "sio"`, where the ministry system follows
    /// the school's register and no new code is needed).
    pub revalidation: bool,
}

impl Default for Dates {
    fn default() -> Self {
        // The defaults are valid by construction.
        resolve(RawDates::default(), 30, super::Process::Portal).unwrap_or_else(|_| unreachable!())
    }
}

fn time(key: &'static str, value: &str) -> Result<NaiveTime, ConfigError> {
    NaiveTime::parse_from_str(value.trim(), "%H:%M").map_err(|_| {
        invalid(
            key,
            format!("{value:?}: write the time as HH:MM, e.g. 07:30"),
        )
    })
}

pub(super) fn resolve(
    raw: RawDates,
    code_valid_days: i64,
    process: super::Process,
) -> Result<Dates, ConfigError> {
    let timezone: Tz = raw.timezone.trim().parse().map_err(|_| {
        invalid(
            "dates.timezone",
            format!(
                "{:?} is not an IANA time zone (e.g. Europe/Warsaw)",
                raw.timezone
            ),
        )
    })?;
    let mut parent = raw.parent_reminder_days;
    parent.sort_unstable_by(|a, b| b.cmp(a));
    parent.dedup();
    if parent
        .iter()
        .any(|&d| d == 0 || i64::from(d) >= code_valid_days)
    {
        return Err(invalid(
            "dates.parent_reminder_days",
            "each day must be 1 .. code_valid_days - 1",
        ));
    }
    if raw.issue_within_days == 0 || raw.issue_within_days > 365 {
        return Err(invalid("dates.issue_within_days", "must be 1..365"));
    }
    let mut staff = raw.staff_reminder_days;
    staff.sort_unstable();
    staff.dedup();
    if staff.iter().any(|&d| d == 0 || d >= raw.issue_within_days) {
        return Err(invalid(
            "dates.staff_reminder_days",
            "each day must be 1 .. issue_within_days - 1",
        ));
    }
    let extra_days_off = raw
        .extra_days_off
        .iter()
        .map(|d| {
            NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").map_err(|_| {
                invalid(
                    "dates.extra_days_off",
                    format!("{d:?}: write dates as YYYY-MM-DD"),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let every = raw.check_every_secs;
    let divides = |n: u32, whole: u32| n > 0 && whole.is_multiple_of(n);
    if !(divides(every, 60) || (every.is_multiple_of(60) && divides(every / 60, 60))) {
        return Err(invalid(
            "dates.check_every_secs",
            "use seconds that divide a minute (e.g. 10, 30) or whole minutes that divide an hour (e.g. 300, 900)",
        ));
    }
    if !(1..=100_000).contains(&raw.wave_per_hour) {
        return Err(invalid("dates.wave_per_hour", "must be 1..100000"));
    }
    let revalidate_on = raw
        .revalidate_on
        .as_deref()
        .map(|v| {
            NaiveDate::parse_from_str(&format!("2000-{}", v.trim()), "%Y-%m-%d")
                .map(|d| (d.month(), d.day()))
                .map_err(|_| {
                    invalid(
                        "dates.revalidate_on",
                        format!("{v:?}: write MM-DD, e.g. 09-01"),
                    )
                })
        })
        .transpose()?;
    let revalidation = raw.revalidation.unwrap_or(process != super::Process::Sio);
    Ok(Dates {
        wave_per_hour: raw.wave_per_hour,
        revalidate_on,
        revalidation,
        timezone,
        parent_reminder_days: parent,
        remind_after_handover: raw.remind_after_handover,
        issue_within_days: raw.issue_within_days,
        staff_reminder_days: staff,
        reminder_time: time("dates.reminder_time", &raw.reminder_time)?,
        digest_time: time("dates.digest_time", &raw.digest_time)?,
        extra_days_off,
        check_every_secs: every,
    })
}
