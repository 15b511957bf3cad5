//! `mleg status [--json]` (one school, for a monitor) and `mleg schools`
//! (every school under the schools directory, for a district's IT person).
//!
//! Both open the database read-only and change nothing. The exit code is
//! the Nagios level: 0 OK, 1 warning, 2 critical, 3 unknown (the config or
//! the database cannot be read), so Nagios, Icinga or Zabbix run it as is.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use mleg::app::App;
use mleg::clock::SystemClock;
use mleg::config::Config;
use mleg::status::{self, Level, Snapshot};

/// The config file every school's directory holds.
pub const CONFIG_NAME: &str = "mleg.toml";

/// `mleg check`'s line on the OAuth2 client secret's end, when the config
/// knows it: bad once within the warning days of `mleg status`.
pub fn secret_finding(config: &Config) -> Option<mleg::mail::check::Finding> {
    use mleg::mail::check::Finding;
    let expires = config.client_secret_expires?;
    let today = Utc::now()
        .with_timezone(&config.dates.timezone)
        .date_naive();
    Some(match status::secret_expiry(Some(expires), today) {
        Some((_, text)) => Finding::bad(text),
        None => Finding::good(format!(
            "OAuth2 client secret: expires on {expires} (in {} days)",
            (expires - today).num_days()
        )),
    })
}

/// Each certificate's known end (the SMTP one read now) and each server's
/// last successful login by a round.
pub async fn known_findings(app: &App) -> Result<Vec<mleg::mail::check::Finding>> {
    use mleg::alerts::known;
    let now = app.clock.now();
    let smtp_cert = mleg::mail::check::smtp_cert_expires(&app.config.smtp).await;
    let store = app.store();
    if let Some(at) = smtp_cert {
        mleg::store::health::set_expiry(store.conn(), "smtp_certificate", at, now)?;
    }
    let (expiries, logins) = known::read(store.conn(), &app.config, now)?;
    Ok(known::check_lines(&expiries, &logins)
        .into_iter()
        .map(|(ok, text)| mleg::mail::check::Finding { ok, text })
        .collect())
}

/// `--school NAME`: `<schools_dir>/NAME/mleg.toml`. A plain directory
/// name only: `--school ../x` must not leave the schools directory.
pub fn school_config(schools_dir: &Path, school: &str) -> Result<PathBuf> {
    let plain = !school.is_empty() && !school.starts_with('.') && !school.contains(['/', '\\']);
    anyhow::ensure!(
        plain,
        "--school {school:?}: a school's directory name, not a path"
    );
    Ok(schools_dir.join(school).join(CONFIG_NAME))
}

/// Opens `config`'s database read-only and reads its snapshot.
fn snapshot(config: &Path) -> Result<(Snapshot, Config)> {
    let config = Config::load(config)?;
    let db = config.database.display().to_string();
    let app = App::read_only(config.clone(), Arc::new(SystemClock))
        .with_context(|| format!("opening database {db}"))?;
    let snapshot = status::read(&app).with_context(|| format!("reading database {db}"))?;
    Ok((snapshot, config))
}

/// `mleg status`: the first line is the level and why (what a monitor
/// shows), then one line per part; `--json` for scripts.
pub fn status(config: Result<PathBuf>, as_json: bool) -> ExitCode {
    let (snapshot, config) = match config.and_then(|path| snapshot(&path)) {
        Ok(read) => read,
        Err(e) => {
            println!("MLEG UNKNOWN - {}", crate::one_line(&e));
            return ExitCode::from(Level::Unknown as u8);
        }
    };
    let (level, reasons) = status::judge(&snapshot);
    if as_json {
        let mut value = to_json(&snapshot, level, &reasons);
        value["database"] = json!(config.database.display().to_string());
        println!("{value:#}");
    } else {
        let why = if reasons.is_empty() {
            "mail flows".to_owned()
        } else {
            reasons.join("; ")
        };
        println!("MLEG {} - {why}", level.word());
        print_parts(&snapshot);
    }
    ExitCode::from(level as u8)
}

fn print_parts(s: &Snapshot) {
    let round = s.round.as_ref().map_or("never".to_owned(), |r| {
        let result = if r.ok { "ok" } else { "failed" };
        format!("{} {result}", ts(r.at))
    });
    println!("last round: {round}");
    println!("imap: {}", part(s.imap.as_ref().map(|i| (i.ok, i.since))));
    let smtp = match &s.smtp {
        None => "not failing".to_owned(),
        Some(f) => format!("failing since {}", f.since.map_or("unknown".to_owned(), ts)),
    };
    println!("smtp: {smtp}");
    println!("idle: {}", idle_word(s));
    println!(
        "queue: {}{}, given up: {}",
        s.queue,
        s.oldest_queued
            .map(|o| format!(", oldest since {}", ts(o)))
            .unwrap_or_default(),
        s.given_up
    );
    println!("digest today: {}", digest_word(s.digest_today));
    if let Some(expires) = s.secret_expires {
        println!("oauth2 client secret: expires on {expires}");
    }
    if s.alerts.is_empty() {
        println!("alerts: none standing");
    }
    for a in &s.alerts {
        let state = a
            .failing_since
            .map_or("works again, recovery mail due".to_owned(), |f| {
                format!("failing since {}", ts(f))
            });
        println!("alert: {} {state}, mailed at {}", a.cause, ts(a.sent_at));
    }
    println!("database: {} bytes", s.db_bytes);
}

fn part(state: Option<(bool, DateTime<Utc>)>) -> String {
    match state {
        None => "unknown (no round yet)".into(),
        Some((true, _)) => "ok".into(),
        Some((false, since)) => format!("failing since {}", ts(since)),
    }
}

fn idle_word(s: &Snapshot) -> &'static str {
    if !s.idle_wanted {
        return "off (polling)";
    }
    match s.idle_connected() {
        Some(true) => "connected",
        Some(false) => "disconnected",
        None => "unknown",
    }
}

fn digest_word(digest: Option<bool>) -> &'static str {
    match digest {
        Some(true) => "sent",
        Some(false) => "nothing waited",
        None => "not yet",
    }
}

fn to_json(s: &Snapshot, level: Level, reasons: &[String]) -> Value {
    let state = |st: &Option<mleg::store::health::State>| {
        st.as_ref().map(
            |st| json!({"ok": st.ok, "since": ts(st.since), "at": ts(st.at), "error": st.detail}),
        )
    };
    json!({
        "level": level.word(),
        "exit_code": level as u8,
        "reasons": reasons,
        "last_round": state(&s.round),
        "imap": state(&s.imap),
        "smtp": match &s.smtp {
            None => json!({"ok": true}),
            Some(f) => json!({"ok": false, "failing_since": f.since.map(ts), "error": f.error}),
        },
        "failing_since": s.failing_since().map(ts),
        "idle": idle_word(s).split(' ').next(),
        "queue": {"length": s.queue, "oldest": s.oldest_queued.map(ts), "given_up": s.given_up},
        "digest_today": digest_word(s.digest_today),
        "database_bytes": s.db_bytes,
        "client_secret_expires": s.secret_expires.map(|d| d.to_string()),
        "alerts": s.alerts.iter().map(|a| json!({
            "cause": a.cause,
            "failing_since": a.failing_since.map(ts),
            "alert_sent_at": ts(a.sent_at),
        })).collect::<Vec<_>>(),
    })
}

/// The schools under `dir`: its subdirectories holding a `mleg.toml`,
/// sorted by name.
pub fn schools(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("reading schools directory {}", dir.display()))?;
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry?;
        let config = entry.path().join(CONFIG_NAME);
        if config.is_file() {
            found.push((entry.file_name().to_string_lossy().into_owned(), config));
        }
    }
    found.sort();
    Ok(found)
}

/// `mleg schools`: one line per school, the worst level as the exit code.
pub fn list(dir: &Path, as_json: bool) -> Result<ExitCode> {
    let mut worst = Level::Ok;
    let mut rows = Vec::new();
    for (name, config) in schools(dir)? {
        let row = match snapshot(&config) {
            Ok((s, _)) => {
                let (level, reasons) = status::judge(&s);
                let mut value = to_json(&s, level, &reasons);
                value["school"] = json!(name);
                value
            }
            Err(e) => json!({
                "school": name, "level": Level::Unknown.word(),
                "exit_code": Level::Unknown as u8, "reasons": [crate::one_line(&e)],
            }),
        };
        let level = row["exit_code"].as_u64().unwrap_or(3);
        worst = worst.max(match level {
            0 => Level::Ok,
            1 => Level::Warning,
            2 => Level::Critical,
            _ => Level::Unknown,
        });
        rows.push(row);
    }
    if as_json {
        println!("{:#}", Value::Array(rows));
    } else {
        print_table(&rows);
    }
    Ok(ExitCode::from(worst as u8))
}

fn print_table(rows: &[Value]) {
    let text = |v: &Value| v.as_str().unwrap_or("-").to_owned();
    println!(
        "{:<16} {:<9} {:<22} {:<22} {:>5} digest today",
        "school", "state", "last round", "failing since", "queue"
    );
    for row in rows {
        println!(
            "{:<16} {:<9} {:<22} {:<22} {:>5} {}",
            text(&row["school"]),
            text(&row["level"]),
            text(&row["last_round"]["at"]),
            text(&row["failing_since"]),
            row["queue"]["length"]
                .as_u64()
                .map_or("-".into(), |n| n.to_string()),
            text(&row["digest_today"]),
        );
        if let Some(why) = row["reasons"].as_array().filter(|r| !r.is_empty()) {
            let why: Vec<String> = why.iter().map(text).collect();
            println!("    {}", why.join("; "));
        }
    }
    if rows.is_empty() {
        println!("(no school: no subdirectory holds a {CONFIG_NAME})");
    }
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
