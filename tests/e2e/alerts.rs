//! Someone is told when mleg cannot log in: the SMTP password changed under
//! a running mleg, time driven past `alert_after_mins` by the test clock;
//! one alert arrives through `[alerts.smtp]` (the same Postfix, another
//! account: the school's own login is refused), never two, and one mail
//! when the login works again; the parent's queued answer is not lost.

use std::process::Command;

use chrono::{DateTime, Duration, Utc};

use crate::support::app::{SCHOOL, TestApp, mleg, pesel};
use crate::support::dates::{set_clock, utc};
use crate::support::mime::Mail;
use crate::support::photos;
use crate::support::stack::PASSWORD;

/// mleg's SMTP login: its own account, so the watched mailbox keeps working.
pub(crate) const SENDER: &str = "wysylka@szkola.test";
/// The fallback server's login (and the alerts' sender).
pub(crate) const FALLBACK: &str = "alerty@szkola.test";
pub(crate) const IT: &str = "it@szkola.test";

/// Sets `address`'s password (from `old`) in the running stack's Dovecot passwd-file.
pub(crate) fn set_password(t: &TestApp, address: &str, old: &str, password: &str) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/mailstack");
    let out = Command::new(script)
        .arg("add-user")
        .arg(t.stack.path())
        .arg(address)
        .arg(password)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Dovecot looks at the passwd-file at most once a second: poll until
    // it takes the new password and refuses the old, as a provider's
    // change would be live.
    let conf = t.stack.path().join("dovecot/dovecot.conf");
    let takes = |pw: &str| {
        Command::new("doveadm")
            .arg("-c")
            .arg(&conf)
            .args(["auth", "test", address, pw])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    for _ in 0..100 {
        if takes(password) && !takes(old) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("Dovecot never took the new password of {address}");
}

pub(crate) fn alerts_app() -> TestApp {
    let mut t = TestApp::spawn_with(|toml| {
        *toml = toml.replace(
            &format!("user = \"{SCHOOL}\"\npassword_file = \"smtp.password\""),
            &format!("user = \"{SENDER}\"\npassword_file = \"smtp.password\""),
        );
    });
    for user in [SENDER, FALLBACK, IT] {
        t.stack.add_user(user);
    }
    t.write_secret("alerts.password", PASSWORD);
    let table = format!(
        "\n[alerts]\nto = [\"{IT}\"]\nalert_after_mins = 60\n[alerts.smtp]\n\
         host = \"127.0.0.1\"\nport = {}\ntls = \"none\"\nuser = \"{FALLBACK}\"\n\
         password_file = \"alerts.password\"\nfrom = \"{FALLBACK}\"\n",
        t.stack.smtp_port
    );
    let mut text = std::fs::read_to_string(&t.config_path).unwrap();
    text.push_str(&table);
    std::fs::write(&t.config_path, text).unwrap();
    t.reload();
    t
}

/// One daemon round (read the mailbox, deliver, alerts) at `at`.
pub(crate) async fn round_at(t: &mut TestApp, at: DateTime<Utc>) {
    set_clock(t, at);
    let _ = mleg::daemon::once(&t.app).await;
}

pub(crate) fn alert_rows(t: &TestApp) -> Vec<(String, String)> {
    let epoch = DateTime::<Utc>::UNIX_EPOCH;
    mleg::store::health::alerts_since(t.app.store().conn(), epoch)
        .unwrap()
        .into_iter()
        .map(|r| (r.key, r.kind))
        .collect()
}

/// `mleg status --json`: its exit code and what it printed.
fn status_json(t: &TestApp) -> (Option<i32>, serde_json::Value) {
    let out = mleg(t, &["status", "--json"]);
    let value = serde_json::from_slice(&out.stdout).expect("status --json is JSON");
    (out.status.code(), value)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_smtp_login_alerts_once_through_the_fallback_and_once_when_it_works_again() {
    let mut t = alerts_app();
    let start = utc(2026, 12, 7, 8, 0);
    let parent = t.parent("alarm");
    t.register("Ola", "Alarmowa", &pesel(2014, 3, 3, 51), &parent);
    round_at(&mut t, start).await;

    // The mailbox's SMTP password is changed at the provider; mleg's file keeps the old one.
    set_password(&t, SENDER, PASSWORD, "changed-by-the-provider");
    t.send(
        &Mail::new(&parent, SCHOOL, "legitymacja").photo("Ola Alarmowa.jpg", photos::good_jpeg()),
    )
    .await;
    t.received(SCHOOL, 1).await;
    round_at(&mut t, start + Duration::minutes(1)).await;
    assert!(
        t.outbox_state()
            .iter()
            .any(|(_, kind, sent, _)| kind == "parent_reply" && !sent),
        "the answer waits: {:?}",
        t.outbox_state()
    );
    round_at(&mut t, start + Duration::minutes(59)).await;
    assert_eq!(alert_rows(&t), vec![], "not before alert_after_mins");

    round_at(&mut t, start + Duration::minutes(62)).await;
    let alert = &t.exactly(IT, 1).await[0];
    assert!(
        alert.subject.contains("Nie działa logowanie"),
        "{}",
        alert.subject
    );
    assert!(
        alert.text.contains("nie może wysyłać poczty")
            && alert.text.contains("535")
            && alert.text.contains("[smtp]")
            && alert.text.contains("Co zrobić"),
        "{}",
        alert.text
    );
    assert_eq!(alert.from.as_deref(), Some(FALLBACK));
    assert!(
        t.mail_log(FALLBACK)
            .contains(&format!("sasl_username={FALLBACK}")),
        "sent through the fallback login: {}",
        t.mail_log(FALLBACK)
    );

    // `mleg status` shows the standing alert; SMTP refusing mleg is critical.
    let (code, status) = status_json(&t);
    assert_eq!(code, Some(2), "{status:#}");
    let alerts = status["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 1, "{status:#}");
    assert_eq!(alerts[0]["cause"], "smtp");
    assert!(alerts[0]["failing_since"].is_string(), "{status:#}");
    assert!(alerts[0]["alert_sent_at"].is_string(), "{status:#}");
    let text = String::from_utf8_lossy(&mleg(&t, &["status"]).stdout).into_owned();
    assert!(text.contains("SMTP alert mailed at "), "{text}");
    assert!(text.contains("\nalert: smtp failing since "), "{text}");

    // Still failing an hour later, and the next day's morning: no second alert.
    round_at(&mut t, start + Duration::minutes(120)).await;
    round_at(&mut t, start + Duration::hours(20)).await;
    t.exactly(IT, 1).await;
    assert_eq!(
        alert_rows(&t),
        vec![("smtp".to_owned(), "alert".to_owned())]
    );
    let alert_row = t
        .outbox_state()
        .into_iter()
        .filter(|r| r.1 == "it_alert")
        .collect::<Vec<_>>();
    assert_eq!(alert_row.len(), 1, "recorded once, as sent: {alert_row:?}");
    assert!(alert_row[0].2);

    // The password is put back: the queue goes out, and one recovery mail.
    set_password(&t, SENDER, "changed-by-the-provider", PASSWORD);
    round_at(&mut t, start + Duration::hours(21)).await;
    round_at(&mut t, start + Duration::hours(21) + Duration::minutes(1)).await;
    let reply = &t.exactly(&parent, 1).await[0];
    assert!(reply.text.contains("Przyjęliśmy zdjęcie"), "{}", reply.text);
    let mails = t.exactly(IT, 2).await;
    let recovered = mails
        .iter()
        .find(|m| m.subject.contains("Znów działa"))
        .expect("a recovery mail");
    assert!(recovered.text.contains("znów działa"), "{}", recovered.text);
    round_at(&mut t, start + Duration::hours(22)).await;
    t.exactly(IT, 2).await;
    let (_, status) = status_json(&t);
    assert_eq!(status["alerts"], serde_json::json!([]), "{status:#}");
    assert!(
        t.outbox_state().iter().all(|(_, _, sent, _)| *sent),
        "{:?}",
        t.outbox_state()
    );
}

/// Know before it breaks: the stack's certificate (valid two days) is read
/// at the IMAPS connection and by a handshake with SMTPS; each server's
/// reminder goes to the alert address once, and `mleg check` shows both
/// dates and the last good logins.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_near_its_end_is_reminded_once_per_server_and_shown_by_check() {
    use crate::transport::set_key;
    let stack = crate::support::stack::MailStack::start_tls();
    let tls = stack.tls.clone().unwrap();
    let t = TestApp::spawn_on(stack, |toml| {
        for (section, port) in [("imap", tls.imaps_port), ("smtp", tls.smtps_port)] {
            set_key(toml, section, "host", "\"localhost\"");
            set_key(toml, section, "port", &port.to_string());
            set_key(toml, section, "tls", "\"tls\"");
            set_key(
                toml,
                section,
                "ca_file",
                &format!("{:?}", tls.ca_file.display().to_string()),
            );
        }
        toml.push_str(&format!("\n[alerts]\nto = [\"{IT}\"]\n"));
    });
    t.stack.add_user(IT);
    t.once().await; // reads both dates, queues the reminders
    t.once().await; // sends them
    t.once().await;
    let mails = t.exactly(IT, 2).await;
    for port in [tls.imaps_port, tls.smtps_port] {
        let m = mails
            .iter()
            .find(|m| m.subject.contains(&format!("localhost:{port}")))
            .unwrap_or_else(|| {
                panic!(
                    "a reminder for port {port}: {:?}",
                    crate::support::app::subjects(&mails)
                )
            });
        assert!(
            m.subject.contains("wygasa certyfikat serwera"),
            "{}",
            m.subject
        );
        assert!(
            m.text.contains("Poproś administratora serwera"),
            "{}",
            m.text
        );
    }
    assert_eq!(
        alert_rows(&t)
            .iter()
            .filter(|(_, kind)| kind == "reminder")
            .count(),
        2
    );

    let out = crate::support::app::mleg(&t, &["check"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "near its end, not expired: {stdout}");
    for (name, port) in [("IMAP", tls.imaps_port), ("SMTP", tls.smtps_port)] {
        assert!(
            stdout.contains(&format!(
                "{name} localhost:{port} TLS certificate: expires "
            )),
            "{stdout}"
        );
        assert!(
            stdout.contains(&format!(
                "{name} localhost:{port}: last successful login by a round: "
            )),
            "{stdout}"
        );
    }
    assert!(stdout.contains(", valid until "), "{stdout}");
}

/// The client secret: a reminder 7 days before the end copied into
/// `client_secret_expires`; when the stand-in IdP refuses the secret
/// (Microsoft's `AADSTS7000215`), one alert about the token endpoint — not
/// three about every login it breaks — through `[alerts.smtp]`, as SMTP
/// needs the token too; one mail when a good secret is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_secret_is_reminded_before_its_end_and_a_refused_one_alerts_once() {
    let (mut t, _idp, secrets) =
        crate::oauth2::oauth2_app_with(3600, "client_secret_expires = \"2026-12-14\"");
    for user in [FALLBACK, IT] {
        t.stack.add_user(user);
    }
    t.write_secret("alerts.password", PASSWORD);
    let table = format!(
        "\n[alerts]\nto = [\"{IT}\"]\n[alerts.smtp]\nhost = \"127.0.0.1\"\nport = {}\n\
         tls = \"none\"\nuser = \"{FALLBACK}\"\npassword_file = \"alerts.password\"\n\
         from = \"{FALLBACK}\"\n",
        t.stack.smtp_port
    );
    let mut text = std::fs::read_to_string(&t.config_path).unwrap();
    text.push_str(&table);
    std::fs::write(&t.config_path, text).unwrap();

    // 7 December, 9:00 in Warsaw: 7 days before the end.
    let start = utc(2026, 12, 7, 8, 0);
    round_at(&mut t, start).await;
    round_at(&mut t, start + Duration::minutes(1)).await;
    let reminder = &t.exactly(IT, 1).await[0];
    assert!(
        reminder
            .subject
            .contains("Za 7 dn. wygasa sekret klienta OAuth2"),
        "{}",
        reminder.subject
    );
    assert!(
        reminder.text.contains("wygasa 2026-12-14"),
        "{}",
        reminder.text
    );

    // Someone replaces the secret in Entra ID; mleg's file keeps the old one.
    let secret_file = secrets.path().join("oauth2.secret");
    std::fs::write(&secret_file, "a-secret-entra-no-longer-knows\n").unwrap();
    let parent = t.parent("sekret");
    t.register("Iga", "Sekretna", &pesel(2014, 4, 4, 61), &parent);
    t.send(
        &Mail::new(&parent, SCHOOL, "legitymacja").photo("Iga Sekretna.jpg", photos::good_jpeg()),
    )
    .await;
    round_at(&mut t, start + Duration::minutes(10)).await;
    round_at(&mut t, start + Duration::minutes(69)).await;
    t.exactly(IT, 1).await;
    round_at(&mut t, start + Duration::minutes(71)).await;
    round_at(&mut t, start + Duration::minutes(200)).await;
    let mails = t.exactly(IT, 2).await;
    let alert = mails
        .iter()
        .find(|m| m.subject.contains("Nie działa logowanie"))
        .expect("an alert");
    assert!(alert.subject.contains("token OAuth2"), "{}", alert.subject);
    assert!(
        alert.text.contains("AADSTS7000215") && alert.text.contains("Secret ID"),
        "the IdP's words and Microsoft's advice: {}",
        alert.text
    );
    assert_eq!(alert.from.as_deref(), Some(FALLBACK));
    let rows = alert_rows(&t);
    assert_eq!(
        rows.iter()
            .filter(|(_, kind)| kind == "alert")
            .collect::<Vec<_>>(),
        vec![&("token".to_owned(), "alert".to_owned())]
    );

    std::fs::write(
        &secret_file,
        format!("{}\n", crate::support::idp::CLIENT_SECRET),
    )
    .unwrap();
    round_at(&mut t, start + Duration::minutes(210)).await;
    round_at(&mut t, start + Duration::minutes(211)).await;
    let mails = t.exactly(IT, 3).await;
    assert!(
        mails
            .iter()
            .any(|m| m.subject.contains("Znów działa: token OAuth2")),
        "{:?}",
        crate::support::app::subjects(&mails)
    );
    let reply = &t.exactly(&parent, 1).await[0];
    assert!(reply.text.contains("Przyjęliśmy zdjęcie"), "{}", reply.text);
}
