//! `mleg apps approve|reject|photo-reject|code|handed|entered|cancel|invalidate|reissue`: the
//! secretary's commands from the terminal, for a secretary who prefers it or
//! a reply that went astray. They go through exactly the same code as a
//! reply by mail ([`mleg::secretary::execute`]): same transitions, same
//! parent mails, same audit entry (with the OS user as the actor).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Subcommand;

use mleg::app::App;
use mleg::domain::InvalidationReason;
use mleg::secretary::{self, Outcome, Source};
use mleg::words::{self, Lines};
use mleg::workflow::command::{ParsedReply, StaffCommand, parse_issue_time, parse_reply};
use mleg::workflow::lifecycle::issue_time::IssueTimeProblem;
use mleg::workflow::lifecycle::{Process, Refusal};

#[derive(Debug, Subcommand)]
pub enum LifecycleCommand {
    /// Approve the photo and data (TAK).
    Approve { id: i64 },
    /// Reject the application (NIE <powód>).
    Reject {
        id: i64,
        #[arg(long)]
        reason: String,
    },
    /// Ask the parent for a new photo (ZDJĘCIE <powód>).
    PhotoReject {
        id: i64,
        #[arg(long)]
        reason: String,
    },
    /// Record the activation code (KOD <kod>); the QR screenshot is optional.
    Code {
        id: i64,
        code: String,
        /// When the ministry system generated it, school time, e.g. "2026-11-20 14:35"
        /// or "20.11.2026 14:35" (default: now). Refused if in the future, before the
        /// application became complete, or more than code_valid_days ago.
        #[arg(long)]
        generated_at: Option<String>,
        /// A screenshot (PNG/JPEG) of the ministry page with the QR code.
        #[arg(long)]
        qr_image: Option<PathBuf>,
    },
    /// The family received the code (WYDANO).
    Handed { id: i64 },
    /// Entered in SIO (WPROWADZONO; process = "sio").
    Entered { id: i64 },
    /// Cancel the application (ANULUJ <powód>).
    Cancel {
        id: i64,
        #[arg(long)]
        reason: String,
    },
    /// Record the parent's objection (SPRZECIW): nothing is issued for the
    /// student and an open application is cancelled. With --withdraw, the
    /// objection on file is withdrawn (then register a new application).
    Objection {
        id: i64,
        #[arg(long)]
        withdraw: bool,
    },
    /// Invalidate an issued mLegitymacja (UNIEWAŻNIJ <powód>); remember to
    /// invalidate it in the ministry system too.
    Invalidate {
        id: i64,
        /// parent_request | name_change | card_invalid | transfer | objection,
        /// or in Polish: "wniosek rodzica", "zmiana nazwiska", "legitymacja
        /// nieważna", "zmiana szkoły", "sprzeciw".
        #[arg(long)]
        reason: String,
    },
    /// Issue the mLegitymacja again (PONOWNIE): a new application for the same
    /// student, linked to this one, awaiting a new photo (the parent is asked).
    /// Allowed after invalidated, expired or handed_over.
    Reissue {
        id: i64,
        /// Reuse the photo the school kept (`[retention] photo_keep_days`)
        /// instead of asking the parent for a new one (PONOWNIE ZE
        /// ZDJĘCIEM). Refused, and no reissue started, when no photo is kept
        /// or its keeping period has passed.
        #[arg(long)]
        keep_photo: bool,
    },
}

fn parsed(line: &str) -> Result<StaffCommand> {
    match parse_reply(line, None) {
        ParsedReply::Command(c) => Ok(c),
        _ => bail!("not understood: {line:?}"),
    }
}

/// A reason is required, as in a reply by mail: the parent reads it.
fn reason(text: String) -> Result<String> {
    let text = text.trim().to_owned();
    if text.is_empty() {
        bail!("--reason must say why (the parent receives it)");
    }
    Ok(text)
}

pub fn run(app: &App, cmd: LifecycleCommand, actor: String) -> Result<ExitCode> {
    let mut qr = None;
    let (id, command) = match cmd {
        LifecycleCommand::Approve { id } => (id, StaffCommand::Approve),
        LifecycleCommand::Reject { id, reason: r } => {
            (id, StaffCommand::Reject { reason: reason(r)? })
        }
        LifecycleCommand::PhotoReject { id, reason: r } => {
            (id, StaffCommand::RejectPhoto { reason: reason(r)? })
        }
        LifecycleCommand::Handed { id } => (id, StaffCommand::HandedOver),
        LifecycleCommand::Entered { id } => (id, StaffCommand::Entered),
        LifecycleCommand::Cancel { id, reason: r } => {
            (id, StaffCommand::Cancel { reason: reason(r)? })
        }
        LifecycleCommand::Objection { id, withdraw: true } => {
            let source = Source { actor, mail: None };
            let lines = Lines(app.config.language);
            match secretary::objection::withdraw(app, id, &source)? {
                true => println!("{}", lines.objection_withdrawn(id)),
                false => println!("{}", lines.no_objection(id)),
            }
            return Ok(ExitCode::SUCCESS);
        }
        LifecycleCommand::Objection {
            id,
            withdraw: false,
        } => (id, StaffCommand::Objection),
        LifecycleCommand::Invalidate { id, reason: r } => {
            let Some(reason) = InvalidationReason::parse(&r) else {
                bail!(
                    "--reason {r:?} is none of: parent_request, name_change, card_invalid, \
                     transfer, objection (or: wniosek rodzica, zmiana nazwiska, legitymacja \
                     nieważna, zmiana szkoły, sprzeciw)"
                );
            };
            (id, StaffCommand::Invalidate { reason })
        }
        LifecycleCommand::Reissue { id, keep_photo } => (id, StaffCommand::Reissue { keep_photo }),
        LifecycleCommand::Code {
            id,
            code,
            generated_at,
            qr_image,
        } => {
            if let Some(path) = qr_image {
                let bytes = std::fs::read(&path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                let content = mleg::qr::decode_qr(&bytes)
                    .with_context(|| format!("no readable QR code in {}", path.display()))?;
                qr = Some(content);
            }
            // The same parsers as a KOD reply, so codes and dates are read the same way.
            let generated_at = generated_at
                .as_deref()
                .map(parse_issue_time)
                .transpose()
                .context("--generated-at")?;
            match parsed(&format!("KOD {}", code.to_uppercase()))? {
                StaffCommand::Code { code, .. } => (id, StaffCommand::Code { code, generated_at }),
                _ => bail!("not a code: {code:?}"),
            }
        }
    };
    let source = Source { actor, mail: None };
    let lang = app.config.language;
    let (lines, word) = (Lines(lang), |s| words::status(lang, s));
    match secretary::execute(app, id, &command, qr.as_deref(), &source)? {
        Outcome::Done { from, to } => {
            println!("{}", lines.done(id, word(from), word(to)));
            if let StaffCommand::Reissue { keep_photo } = command {
                let (_, new) = mleg::store::apps::reissue_links(app.store().conn(), id)?;
                match new {
                    Some(new) if keep_photo => println!("{}", lines.reissued_with_photo(new)),
                    Some(new) => println!("{}", lines.reissued_as(new)),
                    None => {}
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Outcome::Refused(Refusal::AlreadyDone { status }) => {
            println!("{}", lines.already_done(word(status)));
            Ok(ExitCode::SUCCESS)
        }
        Outcome::Refused(Refusal::NotNow { status }) => {
            eprintln!("{}", lines.not_now(id, word(status)));
            Ok(ExitCode::FAILURE)
        }
        Outcome::Refused(Refusal::WrongProcess { process }) => {
            eprintln!("{}", lines.wrong_process(process_name(process)));
            Ok(ExitCode::FAILURE)
        }
        Outcome::Refused(Refusal::BadIssueTime { at, problem }) => {
            eprintln!("{}", issue_time_line(app, at, problem));
            Ok(ExitCode::FAILURE)
        }
        Outcome::Refused(Refusal::PhotoNotKept { until }) => {
            let tz = app.config.dates.timezone;
            let day = until.map(|u| mleg::workflow::keep_photo::day(u, tz));
            eprintln!("{}", lines.photo_not_kept(id, day.as_deref()));
            Ok(ExitCode::FAILURE)
        }
        Outcome::Refused(Refusal::Help) => Ok(ExitCode::SUCCESS),
    }
}

/// The process as `process` in the config names it.
fn process_name(process: Process) -> &'static str {
    match process {
        Process::Portal => "portal",
        Process::Sio => "sio",
    }
}

/// Why a typed generation time was refused, in one line.
fn issue_time_line(
    app: &App,
    at: chrono::DateTime<chrono::Utc>,
    problem: IssueTimeProblem,
) -> String {
    let tz = app.config.dates.timezone;
    let local = |t: chrono::DateTime<chrono::Utc>| {
        t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
    };
    let lines = Lines(app.config.language);
    let why = match problem {
        IssueTimeProblem::Future => lines.issue_time_future().to_owned(),
        IssueTimeProblem::BeforeCompletion { complete_at } => {
            lines.issue_time_before_completion(&local(complete_at))
        }
        IssueTimeProblem::Lapsed { valid_days } => lines.issue_time_lapsed(valid_days),
    };
    lines.bad_issue_time(&local(at), &why)
}
