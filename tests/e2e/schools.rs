//! A district: several schools on one machine, each a process of its own
//! (the `mleg@.service` layout, `mleg --schools-dir D --school NAME run`),
//! against one mail stack. One school's wrong SMTP password never delays
//! another's answers, and `mleg schools` shows which one fails.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use mleg::mail::parse::parse_mail;

use crate::support::app::pesel;
use crate::support::mime::Mail;
use crate::support::photos;
use crate::support::stack::{MailStack, PASSWORD};

const SECRETARY: &str = "sekretariat@szkola.test";

/// `mleg --schools-dir <dir> [--school NAME] args…`, waited for.
fn mleg(dir: &Path, school: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mleg"));
    cmd.arg("--schools-dir").arg(dir);
    if let Some(school) = school {
        cmd.args(["--school", school]);
    }
    cmd.args(args)
        .env("MLEG_LOG", "warn")
        .env_remove("MLEG_CONFIG")
        .output()
        .expect("mleg runs")
}

/// `mleg run` of one school, killed when the test ends (or fails).
struct Running(Child);

impl Running {
    fn start(dir: &Path, school: &str) -> Running {
        let child = Command::new(env!("CARGO_BIN_EXE_mleg"))
            .arg("--schools-dir")
            .arg(dir)
            .args(["--school", school, "run"])
            .env("MLEG_LOG", "warn")
            .env_remove("MLEG_CONFIG")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("mleg run starts");
        Running(child)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `<dir>/<name>/mleg.toml` for the school whose mailbox is `mailbox`,
/// with its SMTP password; the database beside it (the state directory
/// follows the config).
fn school(stack: &MailStack, dir: &Path, name: &str, mailbox: &str, smtp_password: &str) {
    let home: PathBuf = dir.join(name);
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(home.join("imap.password"), format!("{PASSWORD}\n")).unwrap();
    std::fs::write(home.join("smtp.password"), format!("{smtp_password}\n")).unwrap();
    let toml = format!(
        r#"
language = "pl"
database = "mleg.sqlite3"
poll_interval_secs = 1
[school]
name = "Szkoła {name}"
address = "ul. Szkolna 1, 00-001 Testowo"
office_hours = "pon.–pt. 8:00–15:00"
[imap]
host = "127.0.0.1"
port = {imap}
tls = "none"
user = "{mailbox}"
password_file = "imap.password"
[smtp]
host = "127.0.0.1"
port = {smtp}
tls = "none"
from = "{mailbox}"
from_name = "Sekretariat {name}"
user = "{mailbox}"
password_file = "smtp.password"
[staff]
addresses = ["{SECRETARY}"]
"#,
        imap = stack.imap_port,
        smtp = stack.smtp_port,
    );
    std::fs::write(home.join("mleg.toml"), toml).unwrap();
}

fn register(dir: &Path, name: &str, last: &str, serial: u32, parent: &str) {
    let out = mleg(
        dir,
        Some(name),
        &[
            "apps",
            "add",
            "--first-name",
            "Ala",
            "--last-name",
            last,
            "--pesel",
            &pesel(2013, 6, 6, serial),
            "--class",
            "3A",
            "--parent-email",
            parent,
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn photo(stack: &MailStack, parent: &str, to: &str, last: &str) {
    let mail =
        Mail::new(parent, to, "legitymacja").photo(&format!("Ala {last}.jpg"), photos::good_jpeg());
    stack.send_raw(parent, &[to], &mail.build()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_schools_as_two_processes_one_failing_does_not_stop_the_other() {
    let stack = MailStack::start();
    let (a, b) = ("szkola-a@szkola.test", "szkola-b@szkola.test");
    for user in [a, b, SECRETARY] {
        stack.add_user(user);
    }
    let parent_a = stack.add_user("rodzic-a@example.pl");
    let parent_b = stack.add_user("rodzic-b@example.pl");
    let schools = tempfile::tempdir().unwrap();
    let dir = schools.path();
    school(&stack, dir, "a", a, "not-the-password");
    school(&stack, dir, "b", b, PASSWORD);
    std::fs::create_dir_all(dir.join("not-a-school")).unwrap();
    register(dir, "a", "Alfa", 1, &parent_a);
    register(dir, "b", "Beta", 2, &parent_b);

    let _a = Running::start(dir, "a");
    let _b = Running::start(dir, "b");
    photo(&stack, &parent_a, a, "Alfa").await;
    photo(&stack, &parent_b, b, "Beta").await;

    // School B answers its parent while school A cannot log in to send.
    let got = stack.wait_for_mails(&parent_b, "INBOX", 1).await;
    let reply = parse_mail(&got[0].raw).unwrap();
    assert!(reply.text.contains("Przyjęliśmy zdjęcie"), "{}", reply.text);

    // `mleg schools` lists both, A failing (critical: exit code 2).
    let deadline = Instant::now() + Duration::from_secs(60);
    let rows = loop {
        let out = mleg(dir, None, &["schools", "--json"]);
        let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        if rows[0]["level"] == "CRITICAL" && rows[1]["level"] == "OK" {
            assert_eq!(out.status.code(), Some(2));
            break rows;
        }
        assert!(Instant::now() < deadline, "{rows:#}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(
        rows.as_array().unwrap().len(),
        2,
        "only directories with a mleg.toml: {rows:#}"
    );
    assert_eq!(
        (&rows[0]["school"], &rows[1]["school"]),
        (&"a".into(), &"b".into())
    );
    assert!(rows[0]["smtp"]["failing_since"].is_string(), "{rows:#}");
    assert!(
        rows[0]["queue"]["length"].as_u64().unwrap() >= 1,
        "A's answer waits: {rows:#}"
    );
    assert!(rows[1]["failing_since"].is_null(), "{rows:#}");
    assert!(stack.fetch_all(&parent_a, "INBOX").await.is_empty());

    let out = mleg(dir, None, &["schools"]);
    let table = String::from_utf8_lossy(&out.stdout);
    let line = |name: &str| {
        table
            .lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("{name}:\n{table}"))
            .to_owned()
    };
    assert!(line("a").contains("CRITICAL"), "{table}");
    assert!(line("b").contains("OK"), "{table}");
    assert!(table.contains("SMTP failing since"), "{table}");
    // And per school, as the monitor calls it.
    assert_eq!(mleg(dir, Some("b"), &["status"]).status.code(), Some(0));
    assert_eq!(mleg(dir, Some("a"), &["status"]).status.code(), Some(2));
    let out = mleg(dir, Some("../a"), &["status"]);
    assert_eq!(out.status.code(), Some(3), "--school is a name, not a path");
}
