//! `mleg apps show` (and the JSON of `apps list`): one application as the
//! secretary reads it, in the school's language, or as JSON with the stable
//! English identifiers.

use anyhow::Result;
use serde::Serialize;

use mleg::app::App;
use mleg::config::Language;
use mleg::domain::{Application, CodeInfo, Status};
use mleg::store::apps::{self, Event};
use mleg::store::inbox::{self, PhotoInfo};
use mleg::store::lifecycle::{self, AuditEntry};
use mleg::words::{self, Lines};

/// One application of the student, for the list `apps show` prints under
/// the student.
#[derive(Debug, Serialize)]
pub struct StudentAppJson {
    id: i64,
    status: Status,
    created_at: String,
    reissue_of: Option<i64>,
    reissued_as: Option<i64>,
    /// Its codes, oldest first.
    codes: Vec<CodeInfo>,
    #[serde(skip)]
    registered: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Serialize)]
pub struct AppJson {
    id: i64,
    /// The student's record: the same for every application of the student.
    student_id: i64,
    first_name: String,
    last_name: String,
    pesel: String,
    class: String,
    parent_email: String,
    /// Every parent address, the primary one first.
    parent_emails: Vec<String>,
    legitymacja_number: Option<String>,
    /// The paper ID's validity date (YYYY-MM-DD), when the school knows it.
    valid_until: Option<chrono::NaiveDate>,
    code_to_student: bool,
    status: Status,
    created_at: String,
    updated_at: String,
    photo: Option<PhotoInfo>,
    /// Until when the photo is kept for a reissue (`photo_keep_days`).
    photo_kept_until: Option<chrono::DateTime<chrono::Utc>>,
    /// The current code (the one no newer code replaced).
    code: Option<CodeInfo>,
    /// Every code the application had, oldest first (`apps show` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    codes: Option<Vec<CodeInfo>>,
    /// "The parent's address bounces": when, and which address (`parent`, `parent_2`…).
    address_bounces: Option<String>,
    /// The same for the text output: when, and which address.
    #[serde(skip)]
    bounce: Option<(chrono::DateTime<chrono::Utc>, String)>,
    #[serde(flatten)]
    dates: crate::cli_dates::DatesJson,
    /// The school's time zone, for the text output.
    #[serde(skip)]
    tz: chrono_tz::Tz,
    /// The application this one reissues, if any.
    reissue_of: Option<i64>,
    /// The application that reissued this one, if any.
    reissued_as: Option<i64>,
    /// The whole chain of issues for the student, oldest first (`apps show`).
    #[serde(skip_serializing_if = "Option::is_none")]
    chain: Option<Vec<i64>>,
    /// Every application of the student, oldest first, with its codes
    /// (`apps show`).
    #[serde(skip_serializing_if = "Option::is_none")]
    applications: Option<Vec<StudentAppJson>>,
    /// A subject with a fresh command token, for a command mail she writes
    /// herself (`apps show` only, when a command can act).
    #[serde(skip_serializing_if = "Option::is_none")]
    command_subject: Option<String>,
    /// The school's mailbox, where that mail goes (from a staff address).
    #[serde(skip)]
    mailbox: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    events: Option<Vec<Event>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    audit: Option<Vec<AuditEntry>>,
}

pub fn to_json(app: &App, a: &Application, with_events: bool) -> Result<AppJson> {
    let dates = crate::cli_dates::dates_json(app, a)?;
    let command_subject = if with_events {
        command_subject(app, a)?
    } else {
        None
    };
    let store = app.store();
    let (reissue_of, reissued_as) = apps::reissue_links(store.conn(), a.id)?;
    let chain = if with_events {
        Some(chain(store.conn(), a.id)?)
    } else {
        None
    };
    let applications = if with_events {
        Some(student_apps(store.conn(), a.student_id)?)
    } else {
        None
    };
    let bounce = mleg::store::bounces::bounced(store.conn(), a.id)?;
    Ok(AppJson {
        dates,
        tz: app.config.dates.timezone,
        id: a.id,
        student_id: a.student_id,
        applications,
        first_name: a.name.first_names().to_owned(),
        last_name: a.name.last_name().to_owned(),
        pesel: a.pesel.as_str().to_owned(),
        class: a.class.as_str().to_owned(),
        parent_email: a.parent_email.as_str().to_owned(),
        parent_emails: a
            .parent_emails
            .iter()
            .map(|e| e.as_str().to_owned())
            .collect(),
        legitymacja_number: a.legitymacja_number.clone(),
        valid_until: mleg::store::wave::valid_until(store.conn(), a.id)?,
        code_to_student: a.code_to_student,
        status: a.status,
        created_at: mleg::store::ts(a.created_at),
        updated_at: mleg::store::ts(a.updated_at),
        photo: inbox::current_photo(store.conn(), a.id)?,
        photo_kept_until: mleg::store::kept_photos::kept(store.conn(), a.id)?.map(|k| k.until),
        code: lifecycle::code_info(store.conn(), a.id)?,
        command_subject,
        reissue_of,
        reissued_as,
        chain,
        mailbox: app.config.smtp.from.as_str().to_owned(),
        codes: if with_events {
            Some(lifecycle::codes(store.conn(), a.id)?)
        } else {
            None
        },
        address_bounces: bounce
            .as_ref()
            .map(|(at, kind)| format!("{} ({kind})", mleg::store::ts(*at))),
        bounce,
        events: if with_events {
            Some(apps::events(store.conn(), a.id)?)
        } else {
            None
        },
        audit: if with_events {
            Some(lifecycle::audit_log(store.conn(), Some(a.id))?)
        } else {
            None
        },
    })
}

pub fn print_show(v: &AppJson, lang: Language) {
    let local = |t| crate::cli_dates::local(v.tz, t);
    let lines = Lines(lang);
    print_student(v, lang);
    println!("{}", words::student::application(lang, v.id));
    println!("{}", lines.status(words::status(lang, v.status)));
    if let Some((at, kind)) = &v.bounce {
        let which = words::parent_address(lang, kind).unwrap_or_else(|| kind.clone());
        println!("{}", lines.bounces(&format!("{} ({which})", local(*at))));
    }
    match &v.photo {
        Some(p) => match p.purged_at {
            Some(at) => println!("{}", lines.photo_deleted(&local(at))),
            None => println!(
                "{}",
                lines.photo(p.width, p.height, p.bytes / 1024, &local(p.received_at))
            ),
        },
        None => println!("{}", lines.no_photo()),
    }
    if let Some(until) = v.photo_kept_until {
        let day = mleg::workflow::keep_photo::day(until, v.tz);
        println!("{}", lines.photo_kept_until(&day));
    }
    if let Some(c) = &v.code {
        let (generated, expires) = (local(c.generated_at), local(c.expires_at));
        println!("{}", lines.code(&c.code, &generated, &expires));
    }
    if let Some(chain) = v.chain.as_deref().filter(|c| c.len() > 1) {
        let ids: Vec<String> = chain
            .iter()
            .map(|&id| match id == v.id {
                true => format!("#{id} ({})", lines.this_one()),
                false => format!("#{id}"),
            })
            .collect();
        println!("{}", lines.chain(&ids.join(" → ")));
    }
    crate::cli_dates::print_dates(&v.dates, lines);
    print_command(v, lang);
    println!("{}", lines.history());
    for e in v.events.iter().flatten() {
        let detail = match words::event_detail(lang, &e.kind, &e.detail) {
            d if d.is_empty() => d,
            d => format!(" — {d}"),
        };
        let kind = words::event_kind(lang, &e.kind);
        println!("  {}  {kind}{detail}  ({})", local(e.at), e.actor);
    }
    let audit = v.audit.as_deref().unwrap_or_default();
    if !audit.is_empty() {
        println!("{}", lines.audit());
        for e in audit {
            let at = local(e.at);
            println!(
                "  {at}  {} → {}  ({}, {})",
                words::audit_command(lang, &e.command),
                words::audit_outcome(lang, &e.outcome),
                e.actor,
                e.source
            );
        }
    }
}

/// After hand-over (or expiry, or an invalidation) no mail with a live token
/// remains for her to answer: a fresh token, recorded like one a mail
/// carries, in a subject she can send herself.
fn command_subject(app: &App, a: &Application) -> Result<Option<String>> {
    if !(a.status.was_issued() || a.status.may_be_reissued()) {
        return Ok(None);
    }
    let token = mleg::notices::fresh_token();
    let now = app.clock.now();
    app.store()
        .transaction(|tx| mleg::store::tokens::issue_at_terminal(tx, &token, a.id, now))?;
    Ok(Some(format!("[mLegitymacja #{}] [{token}]", a.id)))
}

/// The student once — names, class, PESEL, parents, the paper ID — then
/// each of their applications with its codes, oldest first.
fn print_student(v: &AppJson, lang: Language) {
    let local = |t| crate::cli_dates::local(v.tz, t);
    let lines = Lines(lang);
    let s = &words::student::heading(lang, &v.first_name, &v.last_name, &v.class);
    println!("{s}");
    println!(
        "{}",
        lines.pesel_and_parents(&v.pesel, &v.parent_emails.join(", "))
    );
    if let Some(n) = &v.legitymacja_number {
        println!("{}", words::student::id_number(lang, n));
    }
    if let Some(d) = v.valid_until {
        println!("{}", words::wave::valid_until(lang, d));
    }
    let all = v.applications.as_deref().unwrap_or_default();
    if !all.is_empty() {
        println!("{}", words::student::applications(lang));
    }
    for a in all {
        let status = words::status(lang, a.status);
        let at = local(a.registered);
        let line = words::student::application_line(lang, a.id, a.id == v.id, status, &at);
        println!("{line}");
        if !a.codes.is_empty() {
            println!("    {}", words::codes::heading(lang));
        }
        for c in &a.codes {
            println!("    {}", words::codes::code_line(lang, c, &local));
        }
    }
}

/// Every application of student `student`, oldest first, with its codes.
fn student_apps(conn: mleg::store::Tx<'_>, student: i64) -> Result<Vec<StudentAppJson>> {
    apps::of_student(conn, student)?
        .into_iter()
        .map(|a| {
            let (reissue_of, reissued_as) = apps::reissue_links(conn, a.id)?;
            Ok(StudentAppJson {
                id: a.id,
                status: a.status,
                created_at: mleg::store::ts(a.created_at),
                reissue_of,
                reissued_as,
                codes: lifecycle::codes(conn, a.id)?,
                registered: a.created_at,
            })
        })
        .collect()
}

fn print_command(v: &AppJson, lang: Language) {
    let Some(subject) = &v.command_subject else {
        return;
    };
    let status = v.status;
    let lines = Lines(lang);
    println!("{}", lines.command_mail(&v.mailbox, subject));
    if status.was_issued() {
        println!("  UNIEWAŻNIJ <{}>", lines.reason_word());
        println!("    {}", lines.invalidation_reasons());
    }
    if status.may_be_reissued() {
        println!("  PONOWNIE");
    }
}

/// The student's issues linked by reissue around `id`, oldest first.
fn chain(conn: mleg::store::Tx<'_>, id: i64) -> Result<Vec<i64>> {
    let mut first = id;
    // Bounded: a chain is a handful of issues, never a loop.
    for _ in 0..100 {
        match apps::reissue_links(conn, first)?.0 {
            Some(older) => first = older,
            None => break,
        }
    }
    let mut chain = vec![first];
    let mut at = first;
    while chain.len() < 100 {
        match apps::reissue_links(conn, at)?.1 {
            Some(newer) => {
                chain.push(newer);
                at = newer;
            }
            None => break,
        }
    }
    Ok(chain)
}
