//! The `mleg` binary: command-line glue around the library.
//!
//! `mleg run` (daemon), `mleg once` (one round), `mleg check` (config and
//! connectivity), `mleg apps …` (the secretary's register) and `mleg outbox …`
//! (mails waiting or given up). Output meant for the secretary is Polish;
//! logs (stderr) are English for the IT person.

mod cli_apps;
mod cli_auth;
mod cli_dates;
mod cli_lifecycle;
mod cli_outbox;
mod cli_progress;
mod cli_retention;
mod cli_show;
mod cli_status;
mod cli_sync;
mod cli_tick;
mod cli_wave;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use tokio_util::sync::CancellationToken;

use mleg::app::App;
use mleg::clock::SystemClock;
use mleg::config::Config;
use mleg::daemon;

#[derive(Debug, Parser)]
#[command(
    name = "mleg",
    version,
    about = "mLegitymacja mailbox for a school secretariat"
)]
struct Cli {
    /// Config file (TOML). See config/mleg.example.toml.
    #[arg(
        long,
        short,
        env = "MLEG_CONFIG",
        default_value = "/etc/mleg/mleg.toml",
        global = true
    )]
    config: PathBuf,
    /// One school of several on this machine: its config is
    /// <schools-dir>/NAME/mleg.toml (instead of --config).
    #[arg(long, env = "MLEG_SCHOOL", global = true, conflicts_with = "config")]
    school: Option<String>,
    /// Where the schools' directories are (for --school and `mleg schools`).
    #[arg(
        long,
        env = "MLEG_SCHOOLS_DIR",
        default_value = "/etc/mleg",
        global = true
    )]
    schools_dir: PathBuf,
    #[command(subcommand)]
    command: Command,
}

impl Cli {
    /// The config file: --school's, else --config.
    fn config(&self) -> Result<PathBuf> {
        match &self.school {
            Some(school) => cli_status::school_config(&self.schools_dir, school),
            None => Ok(self.config.clone()),
        }
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the daemon until stopped: wait for new mail in IMAP IDLE (or read the
    /// mailbox every poll interval where the server has no IDLE), send the
    /// outbox, run the date rules and the digest on schedule.
    Run,
    /// Process the mailbox once, deliver the outbox, exit.
    ///
    /// At a terminal a bar shows the count, rate and time left; it ends with one summary
    /// line (mails examined first, mails sent last).
    Once,
    /// Check the config file and that the mail servers answer.
    Check,
    /// Runs every date rule and the digest due at one instant, delivers the
    /// outbox and exits (for cron users and tests). With --now in the future
    /// it is a dry run: it prints what would happen (reminders, expiries, the
    /// digest) and changes nothing, unless --send is given.
    Tick {
        /// The instant to run at, RFC 3339 with offset
        /// (e.g. 2026-12-01T08:00:00+01:00); default: now. In the future:
        /// a dry run unless --send.
        #[arg(long)]
        now: Option<String>,
        /// With --now in the future: really do it (write the records, send the mails).
        #[arg(long)]
        send: bool,
        /// Only print what would happen, whatever --now is.
        #[arg(long, conflicts_with = "send")]
        dry_run: bool,
    },
    /// The register of applications (the secretary's side).
    #[command(subcommand)]
    Apps(cli_apps::AppsCommand),
    /// OAuth2 sign-in: `mleg auth test` fetches a token and logs in with it.
    #[command(subcommand)]
    Auth(cli_auth::AuthCommand),
    /// Mails waiting to be sent, or given up: list them, queue them again.
    #[command(subcommand)]
    Outbox(cli_outbox::OutboxCommand),
    /// Health for a monitor: last round, IMAP and SMTP failing since when,
    /// IDLE, queue, today's digest, database size. Exit code: 0 OK,
    /// 1 warning, 2 critical, 3 unknown (config or database unreadable).
    Status {
        /// One JSON object instead of lines (same exit code).
        #[arg(long)]
        json: bool,
    },
    /// Every school under --schools-dir (a subdirectory holding mleg.toml)
    /// with its state; the exit code is the worst school's, as for status.
    Schools {
        /// A JSON array, one object per school as `status --json` gives it.
        #[arg(long)]
        json: bool,
    },
}

/// Crates that log what goes over the wire at debug/trace level: the IMAP
/// `LOGIN` command with the password, whole mails with the children's names,
/// PESELs and photos, TLS details. Whatever `MLEG_LOG` asks for, they may only
/// say warnings and errors; mleg's own lines carry no personal data.
const WIRE_TARGETS: &[&str] = &[
    "async_imap",
    "imap_proto",
    "async_native_tls",
    "lettre",
    "rustls",
    "tokio_rustls",
    "mail_parser",
    "hyper",
    "hyper_util",
    "h2",
    "reqwest",
    "tokio_util",
    "ureq",
];

fn is_wire_target(target: &str) -> bool {
    WIRE_TARGETS.iter().any(|t| {
        target
            .strip_prefix(t)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
    })
}

fn init_logging(format: mleg::config::LogFormat, writer: cli_progress::LogWriter) {
    use std::io::IsTerminal;
    use tracing_subscriber::Layer;
    use tracing_subscriber::filter::{FilterExt, filter_fn};
    use tracing_subscriber::prelude::*;

    let filter = || {
        let env = tracing_subscriber::EnvFilter::try_from_env("MLEG_LOG")
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
        // A separate filter, not an EnvFilter directive: a more specific
        // directive such as `async_imap::client=trace` would win over ours.
        let wire_quiet = filter_fn(|meta| {
            *meta.level() <= tracing::Level::WARN || !is_wire_target(meta.target())
        });
        env.and(wire_quiet)
    };
    type Boxed = Box<dyn Layer<tracing_subscriber::Registry> + Send + Sync>;
    let output: Boxed = match format {
        mleg::config::LogFormat::Text => Box::new(
            tracing_subscriber::fmt::layer()
                .with_ansi(std::io::stderr().is_terminal())
                .with_writer(writer.clone())
                .with_filter(filter()),
        ),
        mleg::config::LogFormat::Json => Box::new(
            tracing_subscriber::fmt::layer()
                .json()
                .with_writer(writer.clone())
                .with_filter(filter()),
        ),
    };
    tracing_subscriber::registry().with(output).init();
    tracing::debug!(
        wire_crates = WIRE_TARGETS.len(),
        "logging ready; mail and TLS crates capped at warn"
    );
}

fn load_app(path: &std::path::Path) -> Result<App> {
    let config = Config::load(path)?;
    let db = config.database.display().to_string();
    App::new(config, Arc::new(SystemClock)).with_context(|| format!("opening database {db}"))
}

fn main() -> std::process::ExitCode {
    // Before the runtime starts its threads (see `mleg::memory`).
    mleg::memory::tune();
    match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime.block_on(async_main()),
        Err(e) => {
            eprintln!("mleg: cannot start: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn async_main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match dispatch(cli).await {
        Ok(code) => code,
        Err(e) => {
            // One clear line (with causes) for the person at the terminal.
            eprintln!("mleg: {}", one_line(&e));
            std::process::ExitCode::FAILURE
        }
    }
}

/// The error and its causes on one line, each said once: many errors put
/// their cause in their own message too ("cannot connect …: refused"), and
/// `{e:#}` would repeat it.
fn one_line(e: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if line.ends_with(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

async fn dispatch(mut cli: Cli) -> Result<std::process::ExitCode> {
    let config = cli.config();
    match cli.command {
        Command::Status { json } => return Ok(cli_status::status(config, json)),
        Command::Schools { json } => return cli_status::list(&cli.schools_dir, json),
        _ => {}
    }
    cli.config = config?;
    if let Command::Tick { now, send, dry_run } = cli.command {
        let now = now
            .as_deref()
            .map(mleg::domain::when::parse_instant)
            .transpose()
            .context("--now")?;
        let real_now = chrono::Utc::now();
        if cli_tick::is_dry_run(now, real_now, send, dry_run) {
            return cli_tick::dry_run(&cli.config, now.unwrap_or(real_now));
        }
        return cli_tick::tick(&cli.config, now).await;
    }
    let app = load_app(&cli.config)?;
    // The daemon never draws a bar, even started by hand at a terminal.
    let (app, log_writer) = match cli.command {
        Command::Run => (app, cli_progress::LogWriter::default()),
        _ => cli_progress::attach(app),
    };
    // After the config: it chooses the log format. Nothing logs before.
    init_logging(app.config.log_format, log_writer);
    for warning in mleg::config::plaintext_warnings(&app.config) {
        tracing::warn!("{warning}");
    }
    match cli.command {
        Command::Run => {
            let token = CancellationToken::new();
            tokio::spawn(stop_on_signal(token.clone()));
            daemon::run(&app, token).await;
        }
        Command::Once => {
            let (intake, sent) = daemon::once(&app).await?;
            let lines = mleg::words::Lines(app.config.language);
            println!(
                "{}",
                lines.once_summary(
                    intake.examined,
                    intake.processed,
                    intake.needs_human,
                    intake.ignored,
                    sent.sent
                )
            );
            if sent.waiting > 0 {
                return smtp_waiting(&app, sent.waiting);
            }
        }
        Command::Check => return check(&app).await,
        Command::Tick { .. } | Command::Status { .. } | Command::Schools { .. } => {
            unreachable!("handled above")
        }
        Command::Apps(cmd) => return cli_apps::run(&app, cmd),
        Command::Auth(cmd) => return cli_auth::run(&app, cmd).await,
        Command::Outbox(cmd) => return cli_outbox::run(&app, cmd),
    }
    Ok(std::process::ExitCode::SUCCESS)
}

/// `mleg once` while the SMTP server is left alone after a failure: one line
/// saying why the mails wait and when they are tried again.
fn smtp_waiting(app: &App, waiting: usize) -> Result<std::process::ExitCode> {
    let failure = mleg::store::delivery::server_failure(app.store().conn())?;
    if let Some((next, error)) = failure {
        let tz = app.config.dates.timezone;
        eprintln!(
            "mleg: {waiting} mail(s) wait: {error}; next try at {}",
            next.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S")
        );
    }
    Ok(std::process::ExitCode::FAILURE)
}

/// What a command at the terminal says while another round holds the lock.
pub(crate) const WAITING: &str =
    "mleg: another mleg round is under way (the daemon or another command); waiting for it";

async fn check(app: &App) -> Result<std::process::ExitCode> {
    println!("config: OK ({})", app.config.database.display());
    let trusted = app.config.staff.trusted_authserv_id.as_deref();
    let mut findings = mleg::mail::imap::probe(&app.config.imap, trusted).await;
    if let Some(staff) = &app.config.staff_mailbox {
        findings.extend(mleg::mail::imap::probe(&staff.imap, None).await);
    }
    findings.extend(mleg::mail::check::probe_smtp(&app.config.smtp).await);
    findings.extend(database_findings(app)?);
    findings.extend(cli_status::secret_finding(&app.config));
    findings.extend(cli_status::known_findings(app).await?);
    for finding in &findings {
        println!("{}", finding.text);
    }
    let ok = findings.iter().all(|f| f.ok);
    let counts = mleg::store::outbox::counts(app.store().conn())?;
    println!(
        "outbox: {} pending, {} sent, {} failed, {} cancelled (photo purged before sending)",
        counts.pending, counts.sent, counts.failed, counts.cancelled
    );
    Ok(if ok {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    })
}

/// The database file: path, owner-only mode, migrations applied.
fn database_findings(app: &App) -> Result<Vec<mleg::mail::check::Finding>> {
    use mleg::mail::check::Finding;
    use std::os::unix::fs::PermissionsExt;
    let path = app.config.database.display();
    let mode = std::fs::metadata(&app.config.database)?
        .permissions()
        .mode()
        & 0o777;
    let (done, known) = app.store().schema_version()?;
    Ok(vec![
        if mode & 0o077 == 0 {
            Finding::good(format!("database {path}: mode {mode:04o} OK"))
        } else {
            Finding::bad(format!(
                "database {path}: mode {mode:04o}: others can read children's data; chmod 600 it"
            ))
        },
        if done == known as i64 {
            Finding::good(format!(
                "database {path}: migrations {done}/{known} applied"
            ))
        } else {
            Finding::bad(format!(
                "database {path}: migrations {done}/{known} applied"
            ))
        },
    ])
}

/// Cancels `token` on SIGINT or SIGTERM (how systemd stops a service).
async fn stop_on_signal(token: CancellationToken) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut term) = signal(SignalKind::terminate()) else {
            return;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    tracing::info!("stop requested; finishing the mail in hand");
    token.cancel();
}
