//! `mleg apps purge [--dry-run]` and `apps show` of an anonymised record:
//! the retention rule from the terminal. Counts only, never personal data.

use std::process::ExitCode;

use anyhow::Result;

use mleg::app::App;
use mleg::config::Language;
use mleg::scheduler::retention::{self, RetentionReport};
use mleg::store::retention as store_ret;
use mleg::words::{self, Lines};

/// Runs the retention rule now (or, with `dry_run`, says what it would do).
pub fn purge(app: &App, dry_run: bool, json: bool) -> Result<ExitCode> {
    let now = app.clock.now();
    let report = if dry_run {
        retention::preview(app, now)?
    } else {
        retention::run(app, now)?
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_report(&report, dry_run, app.config.language);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_report(r: &RetentionReport, dry_run: bool, lang: Language) {
    let pl = lang == Language::Pl;
    let head = match (dry_run, pl) {
        (true, true) => "Do usunięcia teraz (nic nie zmieniono):",
        (true, false) => "Would go now (nothing changed):",
        (false, true) => "Usunięto:",
        (false, false) => "Deleted:",
    };
    println!("{head}");
    let rows = [
        (
            r.anonymised,
            "wnioski zanonimizowane",
            "applications anonymised",
        ),
        (
            r.orphan_mails,
            "maile ze zdjęciami bez wniosku",
            "mails with unclaimed photos",
        ),
        (
            r.orphan_photos,
            "zdjęcia bez wniosku lub odrzucone",
            "unclaimed or refused photos",
        ),
        (
            r.kept_photos,
            "zdjęcia zachowane do ponownego wydania, po terminie",
            "photos kept for a reissue, past their period",
        ),
        (
            r.staff_mails,
            "stare maile do sekretariatu",
            "old mails to the secretariat",
        ),
        (
            r.texts_cleared,
            "treści wysłanych maili",
            "texts of sent mails",
        ),
        (
            r.records_forgotten,
            "zapisy usuniętych maili",
            "records of deleted mails",
        ),
    ];
    for (n, in_pl, in_en) in rows {
        if dry_run && in_en.starts_with("records") {
            continue;
        }
        println!("  {n:>6}  {}", if pl { in_pl } else { in_en });
    }
    if !dry_run && r.orphan_mails + r.staff_mails + r.anonymised > 0 {
        println!(
            "{}",
            if pl {
                "Maile znikną ze skrzynek w najbliższym obiegu demona (mleg run / mleg once)."
            } else {
                "The mails leave the mailboxes at the daemon's next round (mleg run / mleg once)."
            }
        );
    }
}

/// Prints the trail of application `key` if it was anonymised; false when
/// `key` names no anonymised application.
pub fn show_trail(app: &App, key: &str, json: bool) -> Result<bool> {
    let Ok(id) = key.trim().parse::<i64>() else {
        return Ok(false);
    };
    let store = app.store();
    let Some(trail) = store_ret::trail(store.conn(), id)? else {
        return Ok(false);
    };
    let events = mleg::store::apps::events(store.conn(), id)?;
    drop(store);
    if json {
        let v = serde_json::json!({ "anonymised": true, "trail": trail, "events": events });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(true);
    }
    let (lang, tz) = (app.config.language, app.config.dates.timezone);
    let local = |t| crate::cli_dates::local(tz, t);
    let lines = Lines(lang);
    println!("{}", lines.anonymised(id, &local(trail.anonymised_at)));
    println!("{}", lines.status(words::status(lang, trail.status)));
    println!("{}", lines.history());
    for e in &events {
        let kind = words::event_kind(lang, &e.kind);
        println!(
            "  {}  {kind}  ({})",
            local(e.at),
            words::role(lang, &e.actor)
        );
    }
    Ok(true)
}
