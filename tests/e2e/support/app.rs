//! `TestApp`: everything one end-to-end test needs, started fresh — a real
//! Dovecot + Postfix stack of its own, the school's, the secretary's and
//! parents' mailboxes, a config file, a temp database and the `mleg` App.
//!
//! Tests drive the workers by calling one round (`once`) rather than running
//! the loop, and wait for mail by polling IMAP, never by sleeping.

use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;

use mleg::app::App;
use mleg::clock::SystemClock;
use mleg::config::Config;
use mleg::daemon;
use mleg::domain::mail::IncomingMail;
use mleg::domain::{Application, EmailAddress, NewApplication, Pesel, SchoolClass, StudentName};
use mleg::intake::IntakeReport;
use mleg::mail::outgoing::{MailKind, OutgoingMail};
use mleg::mail::parse::parse_mail;
use mleg::outbox::OutboxReport;
use mleg::store::{apps, outbox};

use super::mime::Mail;
use super::stack::MailStack;

pub const SCHOOL: &str = "szkola@szkola.test";
pub const SECRETARY: &str = "sekretariat@szkola.test";
pub const PROCESSED: &str = "mLegitymacja-przetworzone";
pub const NEEDS_HUMAN: &str = "mLegitymacja-do-sprawdzenia";

pub struct TestApp {
    pub stack: MailStack,
    pub app: App,
    pub config_path: PathBuf,
    _dir: tempfile::TempDir,
}

/// Runs the `mleg` binary with the test's config (`mleg --config … args`)
/// and waits for it, as the secretary or the IT person would from a shell.
pub fn mleg(t: &TestApp, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mleg"))
        .arg("--config")
        .arg(&t.config_path)
        .args(args)
        .env("MLEG_LOG", "warn")
        .output()
        .expect("mleg runs")
}

/// `mleg run` as a child process that is killed if the test fails before it
/// stops it, so a failed test leaves no daemon behind.
pub struct Daemon(Option<Child>);

impl Daemon {
    /// Starts `mleg --config <test config> run`, its log (stderr) to `log`.
    pub fn start(t: &TestApp, level: &str, log: Stdio) -> Daemon {
        Daemon::start_with_env(t, level, log, &[])
    }

    /// [`Daemon::start`] with extra environment variables (what systemd sets).
    pub fn start_with_env(t: &TestApp, level: &str, log: Stdio, env: &[(&str, &str)]) -> Daemon {
        let child = Command::new(env!("CARGO_BIN_EXE_mleg"))
            .arg("--config")
            .arg(&t.config_path)
            .arg("run")
            .env("MLEG_LOG", level)
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("mleg run starts");
        Daemon(Some(child))
    }

    pub fn id(&self) -> u32 {
        self.0.as_ref().map_or(0, Child::id)
    }

    /// Waits for the daemon to exit (after the test stopped it) and returns its output.
    pub fn wait(mut self) -> Output {
        let child = self.0.take().expect("still running");
        child.wait_with_output().expect("mleg run exits")
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A valid PESEL for a test child (computed here, independently of `Pesel`).
pub fn pesel(year: i32, month: u32, day: u32, serial: u32) -> String {
    let offset = if year >= 2000 { 20 } else { 0 };
    let ten = format!(
        "{:02}{:02}{:02}{:04}",
        year % 100,
        month + offset,
        day,
        serial % 10_000
    );
    let sum: u32 = ten
        .chars()
        .zip([1, 3, 7, 9, 1, 3, 7, 9, 1, 3])
        .map(|(c, w)| c.to_digit(10).unwrap() * w)
        .sum();
    format!("{ten}{}", (10 - sum % 10) % 10)
}

impl TestApp {
    pub fn spawn() -> TestApp {
        Self::spawn_with(|_| {})
    }

    /// Like `spawn`, with a chance to edit the config text first.
    pub fn spawn_with(edit: impl FnOnce(&mut String)) -> TestApp {
        Self::spawn_on(MailStack::start(), edit)
    }

    /// Like `spawn_with`, on a stack the test started (e.g. [`MailStack::start_oauth2`], [`MailStack::start_tls`]).
    pub fn spawn_on(stack: MailStack, edit: impl FnOnce(&mut String)) -> TestApp {
        stack.add_user(SCHOOL);
        stack.add_user(SECRETARY);
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("imap.password"), "secret\n").unwrap();
        // mleg logs in to send, like on a real school server (Postfix asks Dovecot).
        std::fs::write(dir.path().join("smtp.password"), "secret\n").unwrap();
        let mut toml = format!(
            r#"
language = "pl"
database = "mleg.sqlite3"
poll_interval_secs = 1
max_mail_bytes = 31457280
[school]
name = "Szkoła Podstawowa nr 1 w Testowie"
address = "ul. Szkolna 1, 00-001 Testowo"
office_hours = "pon.–pt. 8:00–15:00"
[imap]
host = "127.0.0.1"
port = {imap}
tls = "none"
user = "{SCHOOL}"
password_file = "imap.password"
[smtp]
host = "127.0.0.1"
port = {smtp}
tls = "none"
from = "{SCHOOL}"
from_name = "Sekretariat SP 1"
user = "{SCHOOL}"
password_file = "smtp.password"
[staff]
addresses = ["{SECRETARY}"]
"#,
            imap = stack.imap_port,
            smtp = stack.smtp_port,
        );
        edit(&mut toml);
        let config_path = dir.path().join("mleg.toml");
        std::fs::write(&config_path, toml).unwrap();
        let config = Config::load(&config_path).expect("test config is valid");
        let app = App::new(config, Arc::new(SystemClock)).expect("app starts");
        TestApp {
            stack,
            app,
            config_path,
            _dir: dir,
        }
    }

    /// Writes a secret file next to the config (e.g. `smtp.password`).
    pub fn write_secret(&self, name: &str, value: &str) {
        std::fs::write(self._dir.path().join(name), format!("{value}\n")).unwrap();
    }

    /// Re-reads the config file (and its secret files) into a new App on
    /// the same database, as a restart of mleg would.
    pub fn reload(&mut self) {
        let config = Config::load(&self.config_path).expect("test config is valid");
        self.app = App::new(config, Arc::new(SystemClock)).expect("app starts");
    }

    /// A parent's mailbox on the stack.
    pub fn parent(&self, local: &str) -> String {
        self.stack.add_user(&format!("{local}@example.pl"))
    }

    pub fn register(&self, first: &str, last: &str, pesel: &str, parent: &str) -> i64 {
        let new = NewApplication {
            name: StudentName::parse(first, last).unwrap(),
            pesel: Pesel::parse(pesel).unwrap(),
            class: SchoolClass::parse("3A").unwrap(),
            parent_email: EmailAddress::parse(parent).unwrap(),
            other_parent_emails: vec![],
            legitymacja_number: Some("123/2024".into()),
            valid_until: None,
            code_to_student: false,
        };
        mleg::registry::add(&self.app, &new, "test")
            .expect("registered")
            .id
    }

    pub fn application(&self, id: i64) -> Application {
        apps::get(self.app.store().conn(), id)
            .unwrap()
            .expect("application exists")
    }

    /// Sends a mail to the school through Postfix and waits until Dovecot has it.
    pub async fn send(&self, mail: &Mail) {
        self.send_raw(&mail.from, &mail.build()).await;
    }

    /// Sends a mail to the school through Postfix without waiting for it in
    /// the school's INBOX: with `mleg run` going, the daemon may file it away
    /// before a test could see it there. Wait for its effect (the reply) instead.
    pub async fn post(&self, mail: &Mail) {
        self.stack
            .send_raw(&mail.from, &[SCHOOL], &mail.build())
            .await;
    }

    pub async fn send_raw(&self, from: &str, raw: &[u8]) {
        let before = self.stack.fetch_all(SCHOOL, "INBOX").await.len();
        self.stack.send_raw(from, &[SCHOOL], raw).await;
        self.stack.wait_for_mails(SCHOOL, "INBOX", before + 1).await;
    }

    /// One round of the daemon: intake, then delivery.
    pub async fn once(&self) -> (IntakeReport, OutboxReport) {
        daemon::once(&self.app).await.expect("round succeeds")
    }

    /// Waits until `user` has `n` mails in INBOX and returns them parsed.
    pub async fn received(&self, user: &str, n: usize) -> Vec<IncomingMail> {
        let raw = self.stack.wait_for_mails(user, "INBOX", n).await;
        raw.iter()
            .map(|m| parse_mail(&m.raw).expect("a parseable mail"))
            .collect()
    }

    /// What `user` has in INBOX right now (after all expected mail arrived).
    pub async fn inbox(&self, user: &str) -> Vec<IncomingMail> {
        let raw = self.stack.fetch_all(user, "INBOX").await;
        raw.iter()
            .map(|m| parse_mail(&m.raw).expect("a parseable mail"))
            .collect()
    }

    /// Waits until `user` has exactly `n` mails and checks no more come: a
    /// round trip of one more marker mail through the same Postfix queue
    /// proves anything sent before it has been delivered.
    pub async fn exactly(&self, user: &str, n: usize) -> Vec<IncomingMail> {
        self.received(user, n).await;
        let marker =
            format!("From: marker@szkola.test\r\nTo: {user}\r\nSubject: marker\r\n\r\nm\r\n");
        self.stack
            .send_raw("marker@szkola.test", &[user], marker.as_bytes())
            .await;
        let all = self.received(user, n + 1).await;
        let mails: Vec<IncomingMail> = all.into_iter().filter(|m| m.subject != "marker").collect();
        assert_eq!(
            mails.len(),
            n,
            "expected exactly {n} mails for {user}, got {:#?}",
            subjects(&mails)
        );
        mails
    }
}

impl TestApp {
    /// `n` plain mails of `kind` to `to` put straight into the outbox (as a
    /// worker's transaction would): their Message-IDs, in order.
    pub fn queue_mails(&self, kind: MailKind, to: &str, n: usize) -> Vec<String> {
        let now = chrono::Utc::now();
        (0..n)
            .map(|i| {
                let mail = OutgoingMail {
                    kind,
                    application_id: None,
                    to: EmailAddress::parse(to).unwrap(),
                    subject: format!("Wiadomość {i}"),
                    body: format!("Treść {i}"),
                    in_reply_to: None,
                    references: vec![],
                    attachments: vec![],
                };
                self.app
                    .store()
                    .transaction(|tx| outbox::enqueue(tx, &mail, "szkola.test", now))
                    .unwrap()
            })
            .collect()
    }

    /// A registered student whose valid photo is with the secretary: returns
    /// the application, the parent's address and the notification she got.
    pub async fn photo_with_secretary(
        &self,
        first: &str,
        last: &str,
        serial: u32,
    ) -> (i64, String, IncomingMail) {
        let parent = self.parent(&format!("rodzic{serial}"));
        let id = self.register(
            first,
            last,
            &pesel(2014, 1 + serial % 12, 1 + serial % 28, serial),
            &parent,
        );
        let photo = super::photos::good_jpeg();
        self.send(
            &Mail::new(&parent, SCHOOL, "legitymacja").photo(&format!("{first} {last}.jpg"), photo),
        )
        .await;
        self.once().await;
        let tag = format!("[mLegitymacja #{id}]");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            if let Some(note) = self
                .inbox(SECRETARY)
                .await
                .into_iter()
                .find(|m| m.subject.contains(&tag))
            {
                return (id, parent, note);
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no notification for #{id}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    /// Exactly `n` mails for the secretary besides the daily digests: a step
    /// of the scheduler (`mleg run` starts with one, on the real clock) may
    /// send her a digest on a working day; `digest.rs` tests those.
    pub async fn staff_mails_but_digests(&self, n: usize) -> Vec<IncomingMail> {
        let digests = self
            .outbox_state()
            .iter()
            .filter(|(_, kind, sent, _)| kind == "staff_digest" && *sent)
            .count();
        self.exactly(SECRETARY, n + digests)
            .await
            .into_iter()
            .filter(|m| !m.subject.contains("Podsumowanie dnia"))
            .collect()
    }

    /// Mails `user` received whose subject contains `needle`, waiting until there are `n`.
    pub async fn mails_about(&self, user: &str, needle: &str, n: usize) -> Vec<IncomingMail> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let found: Vec<IncomingMail> = self
                .inbox(user)
                .await
                .into_iter()
                .filter(|m| m.subject.contains(needle))
                .collect();
            if found.len() >= n {
                return found;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{user}: waited for {n} mail(s) about {needle:?}; outbox: {:?}\nmail log:\n{}",
                self.outbox_state(),
                self.mail_log(user)
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    /// The newest mail `user` got about application `id` whose subject
    /// contains `needle`, once at least `n` such mails arrived: the one the
    /// secretary replies to next (each carries a fresh command token).
    pub async fn newest(&self, user: &str, id: i64, needle: &str, n: usize) -> IncomingMail {
        let tag = format!("[mLegitymacja #{id}]");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let mut found: Vec<IncomingMail> = self
                .inbox(user)
                .await
                .into_iter()
                .filter(|m| m.subject.contains(&tag) && m.subject.contains(needle))
                .collect();
            if found.len() >= n {
                return found.pop().expect("at least one");
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{user}: waited for {n} mail(s) about {tag} {needle:?}; outbox: {:?}",
                self.outbox_state()
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    /// Every outbox row as (recipient, kind, sent?, last error), for failure messages.
    pub fn outbox_state(&self) -> Vec<(String, String, bool, Option<String>)> {
        mleg::store::probe::outbox_rows(self.app.store().conn()).unwrap()
    }

    /// What Postfix and Dovecot logged about `user`, for failure messages.
    pub fn mail_log(&self, user: &str) -> String {
        ["postfix.log", "dovecot.log"]
            .iter()
            .filter_map(|f| std::fs::read_to_string(self.stack.dir.path().join(f)).ok())
            .flat_map(|s| {
                s.lines()
                    .filter(|l| l.contains(user))
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The audit log of one application: (actor, command, outcome).
    pub fn audit(&self, id: Option<i64>) -> Vec<(String, String, String)> {
        mleg::store::lifecycle::audit_log(self.app.store().conn(), id)
            .unwrap()
            .into_iter()
            .map(|e| (e.actor, e.command, e.outcome))
            .collect()
    }
}

pub fn subjects(mails: &[IncomingMail]) -> Vec<&str> {
    mails.iter().map(|m| m.subject.as_str()).collect()
}

/// The one mail in `mails` whose subject or text contains `needle`.
///
/// Postfix delivers the mails of one daemon round (separate SMTP
/// transactions, parallel LMTP) in any order, so a test names the mail it
/// means by what only that mail says, never by its place in the INBOX.
pub fn the_one<'a>(mails: &'a [IncomingMail], needle: &str) -> &'a IncomingMail {
    let found: Vec<&IncomingMail> = mails
        .iter()
        .filter(|m| m.subject.contains(needle) || m.text.contains(needle))
        .collect();
    match found.as_slice() {
        [one] => one,
        _ => panic!(
            "expected exactly one mail saying {needle:?}, {} do; the mails: {:#?}",
            found.len(),
            mails
                .iter()
                .map(|m| (&m.subject, &m.text))
                .collect::<Vec<_>>()
        ),
    }
}
