//! `mleg apps …`: the secretary's register from the terminal.
//!
//! Thin glue: parse the arguments into domain types (the same `parse`
//! functions the CSV import uses), call [`mleg::registry`], print text in
//! the school's language (see [`mleg::words`]) or JSON with the stable
//! English identifiers.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Subcommand;

use mleg::app::App;
use mleg::domain::csv_import::parse_applications_csv;
use mleg::domain::when::parse_span;
use mleg::domain::{
    Application, EmailAddress, NewApplication, Pesel, SchoolClass, Status, StudentName,
};
use mleg::registry::{self, RegistryError};
use mleg::store::apps;
use mleg::words::{self, Lines};

use crate::cli_show::AppJson;

#[derive(Debug, Subcommand)]
pub enum AppsCommand {
    /// Register one application.
    Add {
        #[arg(long)]
        first_name: String,
        #[arg(long)]
        last_name: String,
        /// The student's PESEL; `-` reads it from standard input (so it stays
        /// out of `ps` and the shell history).
        #[arg(long)]
        pesel: String,
        #[arg(long)]
        class: String,
        /// A parent's address; repeat it for each parent who may send the
        /// photo (the first is where news goes when nobody wrote).
        #[arg(long, required = true)]
        parent_email: Vec<String>,
        #[arg(long)]
        legitymacja_number: Option<String>,
        /// The paper school ID's validity date (its last sticker), e.g. 2027-09-30.
        #[arg(long)]
        valid_until: Option<chrono::NaiveDate>,
        /// The code may be handed to the student (not only to a parent).
        #[arg(long)]
        code_to_student: bool,
    },
    /// Register applications from a CSV file (Excel: UTF-8 or Windows-1250, `;` or `,`).
    Import {
        file: PathBuf,
        /// Import the good rows and report the bad ones (default: all or nothing).
        #[arg(long, conflicts_with = "sync")]
        skip_invalid: bool,
        /// The file is the school's whole register: close the students
        /// missing from it as having left (an issued mLegitymacja is
        /// invalidated, reason transfer; an application before issue is
        /// cancelled). Adds nobody.
        #[arg(long)]
        sync: bool,
        /// With --sync: list what would be closed; change nothing.
        #[arg(long, requires = "sync")]
        dry_run: bool,
        /// With --sync: close even when that is more than half the register.
        #[arg(long, requires = "sync")]
        yes: bool,
    },
    /// List applications.
    List {
        #[arg(long)]
        status: Option<Status>,
        /// Only applications past the issue deadline still without a code.
        #[arg(long)]
        overdue: bool,
        /// Only codes expiring within this time, e.g. 7d or 48h (1h to 3650d).
        #[arg(long)]
        expiring_within: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Show one application (by number or PESEL) with its history.
    Show {
        /// The application's number, or its PESEL; `-` reads the PESEL from
        /// standard input (so it stays out of `ps` and the shell history).
        id_or_pesel: String,
        #[arg(long)]
        json: bool,
    },
    /// Delete what the retention periods (`[retention]`) no longer allow
    /// to keep: anonymise closed applications, drop unclaimed photos and
    /// sent mails' texts, queue their mails for deleting. The daemon does
    /// this by itself; prints counts only.
    Purge {
        /// Only say what would go now; change nothing.
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
    },
    /// The yearly re-validation wave: reissue every mLegitymacja a family
    /// holds whose school ID is valid only before the new date (a handed-over
    /// one; not a code still waiting or lapsed), skipping objections; one
    /// mail per family, at most `[dates] wave_per_hour` students an hour.
    /// The old one is invalidated when the new one is handed over.
    Revalidate(crate::cli_wave::Revalidate),
    #[command(flatten)]
    Lifecycle(crate::cli_lifecycle::LifecycleCommand),
}

/// Who is at the terminal, for the history ("cli:jkowalska").
fn actor() -> String {
    let user = ["SUDO_USER", "USER", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "?".into());
    format!("cli:{user}")
}

pub fn run(app: &App, cmd: AppsCommand) -> Result<ExitCode> {
    match cmd {
        AppsCommand::Add {
            first_name,
            last_name,
            pesel,
            class,
            parent_email,
            legitymacja_number,
            valid_until,
            code_to_student,
        } => {
            let mut parents = parent_email
                .iter()
                .map(|e| EmailAddress::parse(e).with_context(|| format!("e-mail rodzica {e:?}")))
                .collect::<Result<Vec<_>>>()?
                .into_iter();
            let primary = parents.next().context("e-mail rodzica: brak")?;
            let new = NewApplication {
                name: StudentName::parse(&first_name, &last_name).context("imię/nazwisko")?,
                pesel: pesel_arg(&pesel)?,
                class: SchoolClass::parse(&class).context("klasa")?,
                other_parent_emails: parents.filter(|e| *e != primary).collect(),
                parent_email: primary,
                legitymacja_number,
                valid_until,
                code_to_student,
            };
            let added = registry::add(app, &new, &actor())?;
            let lines = Lines(app.config.language);
            println!("{}", lines.added(added.id, new.class.as_str()));
            if added.matched_photo {
                println!("{}", lines.matched_earlier_photo());
            }
        }
        AppsCommand::Import {
            file,
            sync: true,
            dry_run,
            yes,
            ..
        } => return crate::cli_sync::sync(app, &file, (dry_run, yes), &actor()),
        AppsCommand::Import {
            file, skip_invalid, ..
        } => return import(app, &file, skip_invalid),
        AppsCommand::Lifecycle(cmd) => return crate::cli_lifecycle::run(app, cmd, actor()),
        AppsCommand::List {
            status,
            overdue,
            expiring_within,
            json,
        } => {
            let expiring_within = expiring_within
                .as_deref()
                .map(parse_span)
                .transpose()
                .context("--expiring-within")?;
            let mut list = apps::list(app.store().conn(), status)?;
            if let Some(keep) = crate::cli_dates::filter_ids(app, overdue, expiring_within)? {
                list.retain(|a| keep.contains(&a.id));
            }
            if json {
                let views: Vec<AppJson> = list
                    .iter()
                    .map(|a| crate::cli_show::to_json(app, a, false))
                    .collect::<Result<_>>()?;
                println!("{}", serde_json::to_string_pretty(&views)?);
            } else {
                let lang = app.config.language;
                let lines = Lines(lang);
                for a in &list {
                    let late = crate::cli_dates::dates_json(app, a)?.overdue();
                    println!(
                        "#{:<5} {:<6} {:<22} {}{}",
                        a.id,
                        a.class.as_str(),
                        words::status(lang, a.status),
                        a.name.full(),
                        if late { lines.overdue_mark() } else { "" }
                    );
                }
                println!("{}", lines.total(list.len()));
            }
        }
        AppsCommand::Revalidate(r) => return crate::cli_wave::run(app, r, &actor()),
        AppsCommand::Purge { dry_run, json } => {
            return crate::cli_retention::purge(app, dry_run, json);
        }
        AppsCommand::Show { id_or_pesel, json } => {
            if crate::cli_retention::show_trail(app, &id_or_pesel, json)? {
                return Ok(ExitCode::SUCCESS);
            }
            let a = find(app, &id_or_pesel)?;
            let view = crate::cli_show::to_json(app, &a, true)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&view)?);
            } else {
                crate::cli_show::print_show(&view, app.config.language);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn import(app: &App, file: &std::path::Path, skip_invalid: bool) -> Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let parsed = parse_applications_csv(&bytes).with_context(|| format!("{}", file.display()))?;
    let lines = Lines(app.config.language);
    match registry::import(app, parsed, skip_invalid, &actor()) {
        Ok(done) => {
            for e in &done.skipped {
                println!("{}", lines.skipped_row(&e.to_string()));
            }
            let matched = done.added.iter().filter(|a| a.matched_photo).count();
            println!("{}", lines.imported(done.added.len(), matched));
            Ok(ExitCode::SUCCESS)
        }
        Err(RegistryError::InvalidRows(errors)) => {
            for e in &errors {
                eprintln!("{}", lines.row_error(&e.to_string()));
            }
            eprintln!("{}", lines.nothing_imported(errors.len()));
            Ok(ExitCode::FAILURE)
        }
        Err(e) => Err(e.into()),
    }
}

/// `--pesel`: the PESEL itself, or `-` for a line of standard input.
fn pesel_arg(arg: &str) -> Result<Pesel> {
    if arg == "-" {
        return pesel_from_stdin();
    }
    Pesel::parse(arg).context("PESEL")
}

/// One line of standard input as a PESEL. On a terminal it asks for it; the
/// error never repeats what was read.
fn pesel_from_stdin() -> Result<Pesel> {
    use std::io::{BufRead, IsTerminal, Read, Write};
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("PESEL: ");
        std::io::stderr().flush().ok();
    }
    let mut line = Vec::new();
    // A PESEL is 11 digits: a long line is not one, and is not read whole.
    stdin.lock().take(256).read_until(b'\n', &mut line)?;
    let line =
        String::from_utf8(line).map_err(|_| anyhow::anyhow!("PESEL (standard input): not text"))?;
    if line.trim().is_empty() {
        bail!("PESEL (standard input): nothing was read");
    }
    Pesel::parse(line.trim()).context("PESEL (standard input)")
}

fn find(app: &App, key: &str) -> Result<Application> {
    if key == "-" {
        let pesel = pesel_from_stdin()?;
        let found = apps::latest_by_pesel(app.store().conn(), &pesel)?;
        return found.context("nie ma wniosku z tym numerem PESEL");
    }
    let conn = app.store();
    let found = match key.trim().parse::<i64>() {
        Ok(id) if key.trim().len() < 11 => apps::get(conn.conn(), id)?,
        _ => match Pesel::parse(key) {
            Ok(p) => apps::latest_by_pesel(conn.conn(), &p)?,
            Err(e) => bail!("{key:?} is neither an application number nor a valid PESEL ({e})"),
        },
    };
    found.with_context(|| format!("nie ma wniosku {key}"))
}
