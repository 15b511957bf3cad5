//! `mleg apps revalidate`: the yearly re-validation wave from the terminal
//! — a dry run (who would be reissued), its start (the daemon's scheduler
//! step then mails the families at `wave_per_hour`), and its progress.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;

use mleg::app::App;
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
    let lang = app.config.language;
    if r.status {
        let p = store_wave::progress(app.store().conn(), school_year(today))?;
        if r.json {
            println!("{}", serde_json::to_string_pretty(&p)?);
        } else {
            let counts = (p.mailed, p.members);
            let line = words::wave::progress(lang, counts, p.photos_in, p.codes_out, p.skipped);
            println!("{line}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    if r.all != r.classes.is_empty() {
        bail!("give either --all or --class (e.g. --class 3A)");
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
        return dry_run(app, &sel, valid_until, r.json);
    }
    if !app.config.dates.revalidation {
        bail!(
            "re-validation is off for this school ([dates] revalidation = false, the default under process = \"sio\")"
        );
    }
    let (id, p) = app
        .store()
        .transaction(|tx| wave::start(tx, &sel, valid_until, now, actor))?;
    let n = p.members.len();
    if r.json {
        println!("{}", serde_json::json!({ "wave": id, "members": n }));
    } else {
        let per_hour = app.config.dates.wave_per_hour;
        println!("{}", words::wave::started(lang, id, n, per_hour));
    }
    Ok(ExitCode::SUCCESS)
}

/// Who a wave would reissue (as `apps list` prints them) and the counts.
fn dry_run(app: &App, sel: &Selection, valid_until: NaiveDate, json: bool) -> Result<ExitCode> {
    let p = wave::plan(app.store().conn(), sel, valid_until)?;
    if json {
        let v = serde_json::json!({
            "members": p.members, "objection": p.objection, "still_valid": p.still_valid
        });
        println!("{v}");
        return Ok(ExitCode::SUCCESS);
    }
    let lang = app.config.language;
    for id in &p.members {
        if let Some(a) = apps::get(app.store().conn(), *id)? {
            let status = words::status(lang, a.status);
            let class = a.class.as_str();
            println!("#{:<5} {class:<6} {status:<22} {}", a.id, a.name.full());
        }
    }
    let (n, obj, valid) = (p.members.len(), p.objection, p.still_valid);
    println!("{}", words::wave::dry_run(lang, valid_until, n, obj, valid));
    Ok(ExitCode::SUCCESS)
}
