//! `[retention]`: how long the school keeps a child's data after it is no
//! longer needed (GDPR art. 5(1)(e)). Each period has a documented default.

use serde::Deserialize;

use super::{ConfigError, invalid};
use crate::workflow::keep_photo::MAX_KEEP_DAYS;
use crate::workflow::retention::Periods;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRetention {
    #[serde(default = "default_retention_days")]
    retention_days: u32,
    #[serde(default = "default_orphan_days")]
    orphan_days: u32,
    #[serde(default)]
    photo_keep_days: u32,
}

impl Default for RawRetention {
    fn default() -> Self {
        RawRetention {
            retention_days: default_retention_days(),
            orphan_days: default_orphan_days(),
            photo_keep_days: 0,
        }
    }
}

fn default_retention_days() -> u32 {
    90
}
fn default_orphan_days() -> u32 {
    30
}

/// The validated `[retention]` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Days after an application closed (handed over and past the code's
    /// expiry, expired, rejected, cancelled) before it is reduced to an
    /// anonymous trail (default 90).
    pub retention_days: u32,
    /// Days a photo nobody claimed, or a refused one, is kept with its
    /// mail in mleg's folders (default 30).
    pub orphan_days: u32,
    /// Days the stored photo is kept after the code is recorded, for a
    /// reissue with the same photo (default 0: none is kept, the school's
    /// rule that photos are deleted). Only by the school's written decision.
    pub photo_keep_days: u32,
}

impl Retention {
    pub fn periods(&self) -> Periods {
        Periods {
            retention: chrono::Duration::days(i64::from(self.retention_days)),
            orphans: chrono::Duration::days(i64::from(self.orphan_days)),
        }
    }
}

pub(super) fn resolve(raw: RawRetention) -> Result<Retention, ConfigError> {
    // At least a day: the secretary must be able to answer a parent's
    // question the day after, and a zero would delete what is being used.
    if !(1..=3650).contains(&raw.retention_days) {
        return Err(invalid("retention.retention_days", "must be 1..3650"));
    }
    if !(1..=3650).contains(&raw.orphan_days) {
        return Err(invalid("retention.orphan_days", "must be 1..3650"));
    }
    // Never an archive: a reissue within the school year at most.
    if raw.photo_keep_days > MAX_KEEP_DAYS {
        return Err(invalid(
            "retention.photo_keep_days",
            "must be 0..365 (0: no photo is kept)",
        ));
    }
    Ok(Retention {
        retention_days: raw.retention_days,
        orphan_days: raw.orphan_days,
        photo_keep_days: raw.photo_keep_days,
    })
}
