//! `mleg apps revalidate`: the yearly re-validation wave from the terminal
//! — a dry run (who would be reissued), its start (the daemon's scheduler
//! step then mails the families at `wave_per_hour`), and its progress.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;

use mleg::app::App;
use mleg::config::Language;
use mleg::domain::SchoolClass;
use mleg::scheduler::wave::{self, Selection};
use mleg::store::{apps, wave as store_wave};
use mleg::words;
use mleg::workflow::wave::{default_valid_until, school_year};

/// The arguments of `apps revalidate`.
#[derive(Debug, clap::Args)]
pub struct Revalidate {
    /// Only these classes (repeat: --class 3A --class 3B).
    #[arg(long = "class")]
    classes: Vec<String>,
    /// Every class.
    #[arg(long)]
    all: bool,
    /// The school ID's new validity date (default: 30 September of the next
    /// calendar year after this school year's start).
    #[arg(long)]
    valid_until: Option<String>,
    /// Only list who would be reissued; change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Show this school year's wave progress.
    #[arg(long)]
    status: bool,
    #[arg(long)]
    json: bool,
}

pub fn run(app: &App, r: Revalidate, actor: &str) -> Result<ExitCode> {
    let now = app.clock.now();
    let today = now.with_timezone(&app.config.dates.timezone).date_naive();
    let pl = app.config.language == Language::Pl;
    if r.status {
        let p = store_wave::progress(app.store().conn(), school_year(today))?;
        if r.json {
            println!("{}", serde_json::to_string_pretty(&p)?);
        } else if pl {
            println!(
                "{}/{} wysłano, zdjęcia: {}, kody wydane: {} (pominięto: {})",
                p.mailed, p.members, p.photos_in, p.codes_out, p.skipped
            );
        } else {
            println!(
                "{}/{} mailed, {} photos in, {} codes out ({} skipped)",
                p.mailed, p.members, p.photos_in, p.codes_out, p.skipped
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    if r.all != r.classes.is_empty() {
        bail!("give --all or --class (e.g. --class 3A), not both");
    }
    let classes = r
        .classes
        .iter()
        .map(|c| {
            Ok(SchoolClass::parse(c)
                .context("--class")?
                .as_str()
                .to_owned())
        })
        .collect::<Result<Vec<_>>>()?;
    let sel = Selection { classes };
    let valid_until = match &r.valid_until {
        Some(v) => NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
            .context("--valid-until: write the date as 2027-09-30")?,
        None => default_valid_until(today).context("--valid-until")?,
    };
    if r.dry_run {
        let p = wave::plan(app.store().conn(), &sel, valid_until)?;
        if r.json {
            println!(
                "{}",
                serde_json::json!({ "members": p.members, "objection": p.objection, "still_valid": p.still_valid })
            );
            return Ok(ExitCode::SUCCESS);
        }
        let lang = app.config.language;
        for id in &p.members {
            if let Some(a) = apps::get(app.store().conn(), *id)? {
                let status = words::status(lang, a.status);
                println!(
                    "#{:<5} {:<6} {:<22} {}",
                    a.id,
                    a.class.as_str(),
                    status,
                    a.name.full()
                );
            }
        }
        let (n, obj, valid) = (p.members.len(), p.objection, p.still_valid);
        if pl {
            println!(
                "Do ponownego wydania (ważność do {valid_until}): {n}; pominięci: sprzeciw {obj}, legitymacja ważna {valid}. Nic nie zmieniono."
            );
        } else {
            println!(
                "To reissue (valid until {valid_until}): {n}; left out: objection {obj}, ID still valid {valid}. Nothing changed."
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    if !app.config.dates.revalidation {
        bail!(
            "re-validation is off for this school ([dates] revalidation = false, the default under process = \"sio\")"
        );
    }
    let (id, p) = app
        .store()
        .transaction(|tx| wave::start(tx, &sel, valid_until, now, actor))?;
    let per_hour = app.config.dates.wave_per_hour;
    let n = p.members.len();
    if r.json {
        println!("{}", serde_json::json!({ "wave": id, "members": n }));
    } else if pl {
        println!(
            "Fala #{id}: {n} uczniów do ponownego wydania; rodziny dostaną maile (do {per_hour} uczniów na godzinę) od następnego kroku demona (lub mleg tick --send)."
        );
    } else {
        println!(
            "Wave #{id}: {n} students to reissue; the families are mailed (at most {per_hour} students an hour) from the daemon's next step (or mleg tick --send)."
        );
    }
    Ok(ExitCode::SUCCESS)
}
