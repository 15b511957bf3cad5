use super::*;

const EXAMPLE: &str = include_str!("../../config/mleg.example.toml");

fn with_passwords() {
    // The example names these variables; the value is irrelevant here.
    // SAFETY: every test sets the same two values, so concurrent writers agree.
    unsafe {
        std::env::set_var("MLEG_IMAP_PASSWORD", "x");
        std::env::set_var("MLEG_SMTP_PASSWORD", "y");
    }
}

#[test]
fn the_example_config_is_valid_and_uses_the_seed_photo_rules() {
    with_passwords();
    let c = Config::from_toml(EXAMPLE, Path::new("/etc/mleg")).unwrap();
    assert_eq!(c.language, Language::Pl);
    assert_eq!(c.photo, PhotoPolicy::default());
    assert_eq!(c.imap.tls, TlsMode::Tls);
    assert_eq!(c.staff.notify.as_str(), "sekretariat@szkola.example.pl");
    assert_eq!(c.imap.password, "x");
}

#[test]
fn every_documented_alternative_photo_rule_parses() {
    with_passwords();
    let head = EXAMPLE.split("[photo]").next().unwrap();
    let alternatives = [
        "formats = [\"jpeg\"]\nmax_bytes = 5242880\nmin_width = 500\nmin_height = 600\n",
        "formats = [\"jpeg\"]\nmax_bytes = 5242880\nmin_width = 492\nmin_height = 633\n",
        "formats = [\"jpeg\"]\nmax_bytes = 2621440\nmin_width = 246\nmin_height = 304\n",
    ];
    for alt in alternatives {
        let c = Config::from_toml(&format!("{head}[photo]\n{alt}"), Path::new(".")).unwrap();
        assert!(c.photo.aspect.is_none());
    }
}

#[test]
fn a_misspelt_key_gives_one_line_naming_it() {
    with_passwords();
    let bad = EXAMPLE.replace("poll_interval_secs", "poll_intervall_secs");
    let e = Config::from_toml(&bad, Path::new("."))
        .unwrap_err()
        .to_string();
    assert!(e.contains("poll_intervall_secs"), "{e}");
    assert!(!e.contains('\n'), "{e}");
    let line = 1 + EXAMPLE
        .lines()
        .position(|l| l.starts_with("poll_interval_secs"))
        .unwrap();
    assert!(e.contains(&format!("line {line}")), "{e}");
}

#[test]
fn a_missing_key_is_named() {
    with_passwords();
    let bad = EXAMPLE.replace("host = \"imap.example.pl\"\n", "");
    let e = Config::from_toml(&bad, Path::new("."))
        .unwrap_err()
        .to_string();
    assert!(e.contains("host"), "{e}");
}

#[test]
fn an_unset_password_variable_is_named() {
    let bad = EXAMPLE.replace("MLEG_IMAP_PASSWORD", "MLEG_TEST_SURELY_UNSET_VAR");
    let e = Config::from_toml(&bad, Path::new("."))
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "config key `imap.password_env`: environment variable MLEG_TEST_SURELY_UNSET_VAR is not set"
    );
}

#[test]
fn a_password_file_is_read_relative_to_the_config() {
    with_passwords();
    let dir = tempfile::tempdir().unwrap();
    // The first line only, as the example config says (an editor's note below stays out).
    std::fs::write(
        dir.path().join("imap.pass"),
        "sekret\r\nnew one from 1 Sept\n",
    )
    .unwrap();
    let text = EXAMPLE.replace(
        "password_env = \"MLEG_IMAP_PASSWORD\"",
        "password_file = \"imap.pass\"",
    );
    let c = Config::from_toml(&text, dir.path()).unwrap();
    assert_eq!(c.imap.password, "sekret");
    assert_eq!(c.database, PathBuf::from("/var/lib/mleg/mleg.sqlite3"));

    // A file that is not there is named under the key that names it.
    std::fs::remove_file(dir.path().join("imap.pass")).unwrap();
    let e = Config::from_toml(&text, dir.path())
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("config key `imap.password_file`: cannot read"),
        "{e}"
    );
}

#[test]
fn a_bad_staff_address_and_a_bad_tls_mode_are_named() {
    with_passwords();
    let bad = EXAMPLE.replace(
        "addresses = [\"sekretariat@szkola.example.pl\"]",
        "addresses = [\"sekretariat\"]",
    );
    let e = Config::from_toml(&bad, Path::new("."))
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("config key `staff.addresses`"), "{e}");
    let bad = EXAMPLE.replace("tls = \"tls\"", "tls = \"ssl\"");
    let e = Config::from_toml(&bad, Path::new("."))
        .unwrap_err()
        .to_string();
    assert!(e.contains("ssl") && e.contains("line"), "{e}");
}

#[test]
fn sent_folder_and_staff_mailbox_are_optional_and_read() {
    with_passwords();
    let c = Config::from_toml(EXAMPLE, Path::new("/etc/mleg")).unwrap();
    assert_eq!(c.imap.sent_folder, None);
    assert_eq!(c.imap.trash_folder, None);
    assert!(c.staff_mailbox.is_none());
    assert!(c.staff_copies_cleaned(), "notify is the watched account");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("staff.pass"), "tajne\n").unwrap();
    let text = EXAMPLE
        .replace("# sent_folder = \"Sent\"", "sent_folder = \"Sent\"")
        .replace("# trash_folder = \"[Gmail]", "trash_folder = \"[Gmail]")
        .replace(
            "notify = \"sekretariat@szkola.example.pl\"",
            "notify = \"jkowalska@szkola.example.pl\"",
        );
    let c = Config::from_toml(&text, dir.path()).unwrap();
    assert_eq!(c.imap.trash_folder.as_deref(), Some("[Gmail]/Trash"));
    assert_eq!(
        c.imap.purge_folders(),
        vec![
            "INBOX",
            "mLegitymacja-przetworzone",
            "mLegitymacja-do-sprawdzenia",
            "Sent"
        ]
    );
    assert!(!c.staff_copies_cleaned(), "her own account, no login given");
    let with_staff = format!(
        "{text}\n[staff_mailbox]\nhost = \"imap.example.pl\"\nport = 993\ntls = \"tls\"\n\
         user = \"jkowalska@szkola.example.pl\"\npassword_file = \"staff.pass\"\n\
         trash_folder = \"Kosz\"\n"
    );
    let c = Config::from_toml(&with_staff, dir.path()).unwrap();
    let m = c.staff_mailbox.as_ref().unwrap();
    assert_eq!(
        (m.imap.password.as_str(), m.folders.clone()),
        ("tajne", vec!["INBOX".to_string()])
    );
    assert_eq!(m.imap.mailbox, "INBOX");
    assert_eq!(m.imap.trash_folder.as_deref(), Some("Kosz"));
    assert!(c.staff_copies_cleaned());
}

#[test]
fn the_outbox_age_limit_and_the_smtp_timeout_have_defaults_and_refuse_zero() {
    with_passwords();
    let c = Config::from_toml(EXAMPLE, Path::new(".")).unwrap();
    assert_eq!((c.outbox_max_age_hours, c.smtp.timeout_secs), (120, 30));
    let bare = EXAMPLE
        .replace("outbox_max_age_hours = 120\n", "")
        .replace("\ntimeout_secs = 30\n", "\n");
    let c = Config::from_toml(&bare, Path::new(".")).unwrap();
    assert_eq!((c.outbox_max_age_hours, c.smtp.timeout_secs), (120, 30));
    for (from, to, key) in [
        (
            "outbox_max_age_hours = 120",
            "outbox_max_age_hours = 0",
            "outbox_max_age_hours",
        ),
        (
            "\ntimeout_secs = 30",
            "\ntimeout_secs = 0",
            "smtp.timeout_secs",
        ),
    ] {
        // Only in [smtp]: [imap] has its own timeout_secs.
        let (head, smtp) = EXAMPLE.split_at(EXAMPLE.find("[smtp]").unwrap());
        let text = if key.starts_with("smtp.") {
            format!("{head}{}", smtp.replacen(from, to, 1))
        } else {
            EXAMPLE.replace(from, to)
        };
        let e = Config::from_toml(&text, Path::new("."))
            .unwrap_err()
            .to_string();
        assert!(e.contains(key), "{e}");
    }
}

#[test]
fn the_reply_cap_defaults_to_ten_and_zero_is_refused_by_name() {
    with_passwords();
    let c = Config::from_toml(EXAMPLE, Path::new(".")).unwrap();
    assert_eq!(c.max_auto_replies_per_day, 10);
    let without = EXAMPLE.replace("max_auto_replies_per_day = 10\n", "");
    assert_ne!(without, EXAMPLE);
    let c = Config::from_toml(&without, Path::new(".")).unwrap();
    assert_eq!(c.max_auto_replies_per_day, 10);
    let zero = EXAMPLE.replace(
        "max_auto_replies_per_day = 10",
        "max_auto_replies_per_day = 0",
    );
    let e = Config::from_toml(&zero, Path::new("."))
        .unwrap_err()
        .to_string();
    assert!(e.contains("max_auto_replies_per_day"), "{e}");
}

#[test]
fn check_every_secs_must_divide_a_minute_or_an_hour() {
    with_passwords();
    for (value, ok) in [
        ("900", true),
        ("30", true),
        ("1", true),
        ("45", false),
        ("420", false),
        ("0", false),
    ] {
        let text = EXAMPLE.replace(
            "check_every_secs = 900",
            &format!("check_every_secs = {value}"),
        );
        let c = Config::from_toml(&text, Path::new("."));
        assert_eq!(c.is_ok(), ok, "{value}");
        if let Ok(c) = c {
            assert_eq!(c.dates.check_every_secs.to_string(), value);
        }
    }
}

#[test]
fn retention_periods_default_to_90_and_30_days_and_zero_is_refused_by_name() {
    with_passwords();
    let c = Config::from_toml(EXAMPLE, Path::new(".")).unwrap();
    assert_eq!(
        (c.retention.retention_days, c.retention.orphan_days),
        (90, 30)
    );
    let start = EXAMPLE.find("[retention]").unwrap();
    let end = EXAMPLE.find("[school]").unwrap();
    let without = format!("{}{}", &EXAMPLE[..start], &EXAMPLE[end..]);
    let c = Config::from_toml(&without, Path::new(".")).unwrap();
    assert_eq!(
        (c.retention.retention_days, c.retention.orphan_days),
        (90, 30)
    );
    let p = c.retention.periods();
    assert_eq!(p.retention, chrono::Duration::days(90));
    for (key, line) in [
        ("retention.retention_days", "retention_days = 90"),
        ("retention.orphan_days", "orphan_days = 30"),
    ] {
        let zero = EXAMPLE.replace(
            line,
            &line.replace(char::is_numeric, "").replace("= ", "= 0"),
        );
        let e = Config::from_toml(&zero, Path::new("."))
            .unwrap_err()
            .to_string();
        assert!(e.contains(key), "{e}");
    }
}

#[test]
fn no_photo_is_kept_unless_the_school_sets_photo_keep_days_and_never_over_a_year() {
    with_passwords();
    let c = Config::from_toml(EXAMPLE, Path::new(".")).unwrap();
    assert_eq!(c.retention.photo_keep_days, 0);
    let kept = EXAMPLE.replace("photo_keep_days = 0", "photo_keep_days = 30");
    let c = Config::from_toml(&kept, Path::new(".")).unwrap();
    assert_eq!(c.retention.photo_keep_days, 30);
    let long = EXAMPLE.replace("photo_keep_days = 0", "photo_keep_days = 366");
    let e = Config::from_toml(&long, Path::new("."))
        .unwrap_err()
        .to_string();
    assert!(e.contains("retention.photo_keep_days"), "{e}");
}

#[test]
fn issuance_is_default_unless_the_school_issues_on_request() {
    with_passwords();
    let c = Config::from_toml(EXAMPLE, Path::new(".")).unwrap();
    assert_eq!(c.school.issuance, Issuance::Default);
    let on = EXAMPLE.replace("# issuance = \"default\"", "issuance = \"on_request\"");
    let c = Config::from_toml(&on, Path::new(".")).unwrap();
    assert_eq!(c.school.issuance, Issuance::OnRequest);
    let bad = EXAMPLE.replace("# issuance = \"default\"", "issuance = \"opt_in\"");
    let e = Config::from_toml(&bad, Path::new("."))
        .unwrap_err()
        .to_string();
    assert!(e.contains("opt_in") && e.contains("on_request"), "{e}");
}

#[test]
fn the_wave_is_on_by_default_for_the_portal_off_for_sio_and_its_day_is_read() {
    with_passwords();
    let c = Config::from_toml(EXAMPLE, Path::new(".")).unwrap();
    assert_eq!(c.dates.wave_per_hour, 200);
    assert!(c.dates.revalidation);
    assert_eq!(
        c.dates.revalidate_on, None,
        "off until the school sets a day"
    );
    let sio = EXAMPLE.replace("process = \"portal\"", "process = \"sio\"");
    assert_ne!(sio, EXAMPLE);
    let c = Config::from_toml(&sio, Path::new(".")).unwrap();
    assert!(!c.dates.revalidation);
    let on = EXAMPLE.replace("# revalidate_on = \"09-01\"", "revalidate_on = \"09-01\"");
    let c = Config::from_toml(&on, Path::new(".")).unwrap();
    assert_eq!(c.dates.revalidate_on, Some((9, 1)));
    for (from, to, key) in [
        (
            "# revalidate_on = \"09-01\"",
            "revalidate_on = \"31-09\"",
            "dates.revalidate_on",
        ),
        (
            "wave_per_hour = 200",
            "wave_per_hour = 0",
            "dates.wave_per_hour",
        ),
    ] {
        let bad = EXAMPLE.replace(from, to);
        let e = Config::from_toml(&bad, Path::new("."))
            .unwrap_err()
            .to_string();
        assert!(e.contains(key), "{e}");
    }
}

#[test]
fn smtp_sessions_default_to_one_and_stay_within_one_to_eight() {
    with_passwords();
    let c = Config::from_toml(EXAMPLE, Path::new(".")).unwrap();
    assert_eq!(c.smtp.connections, 1);
    let three = EXAMPLE.replace("connections = 1\n", "connections = 3\n");
    assert_ne!(three, EXAMPLE);
    let c = Config::from_toml(&three, Path::new(".")).unwrap();
    assert_eq!(c.smtp.connections, 3);
    let unset = EXAMPLE.replace("connections = 1\n", "");
    let c = Config::from_toml(&unset, Path::new(".")).unwrap();
    assert_eq!(c.smtp.connections, 1, "one session unless the school asks");
    for n in ["0", "9"] {
        let bad = EXAMPLE.replace("connections = 1\n", &format!("connections = {n}\n"));
        let e = Config::from_toml(&bad, Path::new("."))
            .unwrap_err()
            .to_string();
        assert!(e.contains("smtp.connections"), "{e}");
    }
}
