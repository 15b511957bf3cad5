//! `mleg tick`: the date rules, the digest and the retention rule at one
//! instant, then delivery and the alert step, ending with one summary line; and its dry run:
//! what they would do at an instant, printed, with nothing changed and
//! nothing sent.
//!
//! `--now` in the future is a dry run unless `--send` is given: trying a
//! date out must not expire real codes, purge real photos or mail real
//! parents. `--dry-run` asks for one at any instant. A `--now` that is not in
//! the future acts as before (a cron job's catch-up, a test's clock).

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};

use mleg::app::App;
use mleg::config::Config;
use mleg::scheduler::TickReport;
use mleg::scheduler::preview::{Planned, Preview, preview};
use mleg::words::TickCounts;

/// Whether `tick` only previews: asked for, or a future `--now` without `--send`.
pub fn is_dry_run(
    now: Option<DateTime<Utc>>,
    real_now: DateTime<Utc>,
    send: bool,
    dry_run: bool,
) -> bool {
    dry_run || (!send && now.is_some_and(|n| n > real_now))
}

/// `mleg tick`: the whole program runs on a clock fixed at `now`, so every
/// rule, every mail and every record agrees on the instant.
pub async fn tick(config: &Path, now: Option<DateTime<Utc>>) -> Result<ExitCode> {
    let config = Config::load(config)?;
    let db = config.database.display().to_string();
    let now = now.unwrap_or_else(Utc::now);
    let app = App::new(config, Arc::new(mleg::clock::FixedClock(now)))
        .with_context(|| format!("opening database {db}"))?;
    let (app, _) = crate::cli_progress::attach(app);
    // Like every round: never beside another one (the daemon's, a cron's).
    let lock = mleg::daemon::take_round_lock(&app, || eprintln!("{}", crate::WAITING)).await?;
    let report = mleg::scheduler::step(&app, now).await?;
    let sent = mleg::daemon::deliver(&app, &lock).await;
    // A school run from cron has no daemon: its IT person is alerted here,
    // above all when the delivery just failed.
    mleg::daemon::alerts(&app, &lock).await;
    let sent = sent?;
    let counts = counts(&report, sent.sent);
    let lines = mleg::words::Lines(app.config.language);
    println!("{}", lines.tick_summary(&now.to_rfc3339(), &counts));
    Ok(ExitCode::SUCCESS)
}

/// A step's report as the counts its summary line names.
pub fn counts(report: &TickReport, sent: usize) -> TickCounts {
    let (rules, retention) = (&report.rules, &report.retention);
    TickCounts {
        parent_reminders: rules.parent_reminders,
        skipped_reminders: rules.skipped,
        expired: rules.expired,
        staff_reminders: rules.staff_reminders,
        digest: report.digest.sent,
        anonymised: retention.anonymised,
        orphan_mails: retention.orphan_mails,
        orphan_photos: retention.orphan_photos,
        staff_mails: retention.staff_mails,
        texts_cleared: retention.texts_cleared,
        sent,
    }
}

/// Prints what a step at `now` would do; the database is opened read-only.
pub fn dry_run(config: &Path, now: DateTime<Utc>) -> Result<ExitCode> {
    let config = Config::load(config)?;
    let db = config.database.display().to_string();
    let app = App::read_only(config, Arc::new(mleg::clock::FixedClock(now)))
        .with_context(|| format!("opening database {db} (read-only)"))?;
    let p = preview(&app, now)?;
    let tz = app.config.dates.timezone;
    println!(
        "Próba na {} — nic nie zmieniono, nic nie wysłano (--send wykonuje):",
        now.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z")
    );
    print!("{}", text(&p, &app.config.imap.needs_human_folder));
    Ok(ExitCode::SUCCESS)
}

/// The preview as lines for the terminal (ids only: no names, so a cron
/// mail or a log of it carries nothing personal).
fn text(p: &Preview, needs_human: &str) -> String {
    let mut out = String::new();
    let (mut expiries, mut parents, mut staff, mut skipped) = (0, 0, 0, 0);
    for (id, what) in &p.items {
        let line = match *what {
            Planned::Expiry => {
                expiries += 1;
                "kod wygasa: rodzic i sekretariat dostaną wiadomość, wiadomości z kodem zostaną usunięte".to_owned()
            }
            Planned::ParentReminder { days_left } => {
                parents += 1;
                format!("przypomnienie dla rodzica ({days_left} dni przed wygaśnięciem kodu)")
            }
            Planned::StaffReminder { day } => {
                staff += 1;
                format!("przypomnienie dla sekretariatu ({day} dni od skompletowania wniosku)")
            }
            Planned::Skipped {
                staff: for_staff,
                day,
            } => {
                skipped += 1;
                let who = if for_staff { "sekretariatu" } else { "rodzica" };
                format!("przypomnienie dla {who} (dzień {day}) pominięte: wyprzedza je pilniejsze")
            }
        };
        out.push_str(&format!("  wniosek #{id}: {line}\n"));
    }
    let digest = match p.digest {
        Some((day, true)) => {
            out.push_str(&format!("  podsumowanie dnia {day} dla sekretariatu\n"));
            "tak"
        }
        Some((day, false)) => {
            out.push_str(&format!(
                "  podsumowanie dnia {day}: w rejestrze nic nie czeka; pójdzie tylko, jeśli w folderze „{needs_human}” są wiadomości\n"
            ));
            "jeśli folder nie jest pusty"
        }
        None => "nie",
    };
    let r = &p.retention;
    let retained = *r != Default::default();
    if retained {
        out.push_str(&format!(
            "  okres przechowywania: wnioski do anonimizacji {}, maile ze zdjęciami bez wniosku {}, \
             zdjęcia bez wniosku lub odrzucone {}, stare maile do sekretariatu {}, treści wysłanych maili {}\n",
            r.anonymised, r.orphan_mails, r.orphan_photos, r.staff_mails, r.texts_cleared
        ));
    }
    let (families, students) = p.wave;
    if families > 0 {
        out.push_str(&format!(
            "  fala ponownego wydania: rodziny {families}, uczniowie {students} (po jednym mailu na rodzinę)\n"
        ));
    }
    if p.items.is_empty() && p.digest.is_none() && !retained && families == 0 {
        out.push_str("  nic nie jest do zrobienia\n");
    }
    out.push_str(&format!(
        "Razem: wygaśnięcia {expiries}, przypomnienia dla rodziców {parents}, dla sekretariatu {staff}, pominięte {skipped}, podsumowanie: {digest}.\n"
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn only_a_future_now_without_send_or_an_explicit_dry_run_previews() {
        let real = Utc.with_ymd_and_hms(2026, 12, 6, 12, 0, 0).unwrap();
        let future = Some(real + chrono::Duration::days(30));
        let past = Some(real - chrono::Duration::days(1));
        assert!(is_dry_run(future, real, false, false));
        assert!(!is_dry_run(future, real, true, false));
        assert!(!is_dry_run(past, real, false, false));
        assert!(!is_dry_run(None, real, false, false));
        assert!(is_dry_run(past, real, false, true));
        assert!(is_dry_run(None, real, false, true));
    }

    #[test]
    fn the_preview_names_ids_and_counts_each_kind() {
        let p = Preview {
            items: vec![
                (3, Planned::Expiry),
                (
                    4,
                    Planned::Skipped {
                        staff: false,
                        day: 7,
                    },
                ),
                (4, Planned::ParentReminder { days_left: 2 }),
                (5, Planned::StaffReminder { day: 10 }),
            ],
            digest: Some((chrono::NaiveDate::from_ymd_opt(2027, 6, 1).unwrap(), true)),
            retention: mleg::scheduler::retention::RetentionReport {
                anonymised: 2,
                ..Default::default()
            },
            wave: (3, 5),
        };
        let t = text(&p, "mleg/do-sprawdzenia");
        assert!(t.contains("wniosek #3: kod wygasa"), "{t}");
        assert!(t.contains("rodziny 3, uczniowie 5"), "{t}");
        assert!(
            t.contains("wniosek #4: przypomnienie dla rodzica (2 dni"),
            "{t}"
        );
        assert!(
            t.contains("wniosek #5: przypomnienie dla sekretariatu (10 dni"),
            "{t}"
        );
        assert!(t.contains("podsumowanie dnia 2027-06-01"), "{t}");
        assert!(t.contains("wnioski do anonimizacji 2,"), "{t}");
        assert!(
            t.ends_with("Razem: wygaśnięcia 1, przypomnienia dla rodziców 1, dla sekretariatu 1, pominięte 1, podsumowanie: tak.\n"),
            "{t}"
        );
        let empty = text(&Preview::default(), "x");
        assert!(empty.contains("nic nie jest do zrobienia"), "{empty}");
    }
}
