//! The `mleg` binary as the secretary and the IT person use it.

use std::process::{Command, Output};

use crate::support::app::{Daemon, SCHOOL, TestApp, mleg, pesel, the_one};
use crate::support::mime::Mail;
use crate::support::photos;

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn excel_csv_in_windows_1250_with_semicolons_imports_all_or_nothing() {
    let t = TestApp::spawn();
    let dir = tempfile::tempdir().unwrap();
    let good = format!(
        "imię;nazwisko;pesel;klasa;email_rodzica\r\nŁucja;Żak;{};3a;mama@example.pl\r\nJózef Maria;Gęślą-Jaźń;{};4 B;tata@example.pl\r\n",
        pesel(2016, 2, 29, 1),
        pesel(2014, 10, 10, 2)
    );
    let bad = format!("{good}Zły;Wiersz;12345678901;5C;nie-email\r\n");
    let (bad_bytes, _, _) = encoding_rs::WINDOWS_1250.encode(&bad);
    std::fs::write(dir.path().join("bad.csv"), &bad_bytes).unwrap();
    let out = mleg(
        &t,
        &[
            "apps",
            "import",
            dir.path().join("bad.csv").to_str().unwrap(),
        ],
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("line 4"), "{err}");
    assert!(err.contains("Nic nie zaimportowano"), "{err}");
    assert!(stdout(&mleg(&t, &["apps", "list"])).contains("Razem: 0"));

    let (good_bytes, _, _) = encoding_rs::WINDOWS_1250.encode(&good);
    std::fs::write(dir.path().join("good.csv"), &good_bytes).unwrap();
    let out = mleg(
        &t,
        &[
            "apps",
            "import",
            dir.path().join("good.csv").to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Zaimportowano wniosków: 2"),
        "{}",
        stdout(&out)
    );

    let list: serde_json::Value =
        serde_json::from_slice(&mleg(&t, &["apps", "list", "--json"]).stdout).unwrap();
    let names: Vec<(&str, &str, &str)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["first_name"].as_str().unwrap(),
                a["last_name"].as_str().unwrap(),
                a["class"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        names,
        vec![("Łucja", "Żak", "3A"), ("Józef Maria", "Gęślą-Jaźń", "4B")]
    );
    assert_eq!(list[0]["status"], "awaiting_photo");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_secretary_adds_lists_and_shows_applications_and_a_duplicate_is_refused() {
    let t = TestApp::spawn();
    let p = pesel(2015, 12, 12, 345);
    let add = [
        "apps",
        "add",
        "--first-name",
        "Anna Maria",
        "--last-name",
        "Nowak-Kowalska",
        "--pesel",
        &p,
    ];
    let rest = [
        "--class",
        "3A",
        "--parent-email",
        "rodzic@example.pl",
        "--legitymacja-number",
        "123/2024",
    ];
    let args: Vec<&str> = add.iter().chain(rest.iter()).copied().collect();
    let out = mleg(&t, &args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Dodano wniosek #1"),
        "{}",
        stdout(&out)
    );

    let again = mleg(&t, &args);
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("an open application for this PESEL already exists: #1"),
        "{}",
        stderr(&again)
    );

    let wrong = mleg(
        &t,
        &[
            "apps",
            "add",
            "--first-name",
            "A",
            "--last-name",
            "B",
            "--pesel",
            "15251212345",
            "--class",
            "1A",
            "--parent-email",
            "x@example.pl",
        ],
    );
    assert!(!wrong.status.success());
    assert!(stderr(&wrong).contains("PESEL"), "{}", stderr(&wrong));

    let parent = t.parent("rodzic");
    t.send(
        &Mail::new(&parent, SCHOOL, "legitymacja")
            .photo("Nowak-Kowalska Anna.jpg", photos::good_jpeg()),
    )
    .await;
    let once = mleg(&t, &["once"]);
    assert!(once.status.success(), "{}", stderr(&once));
    assert!(stdout(&once).contains("obsłużono: 1"), "{}", stdout(&once));

    let shown: serde_json::Value =
        serde_json::from_slice(&mleg(&t, &["apps", "show", &p, "--json"]).stdout).unwrap();
    assert_eq!(shown["id"], 1);
    assert_eq!(shown["status"], "awaiting_review");
    assert_eq!(shown["parent_email"], "rodzic@example.pl");
    assert!(shown["created_at"].is_string());
    let kinds: Vec<&str> = shown["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["registered", "awaiting_review"]);
    let listed = stdout(&mleg(&t, &["apps", "list", "--status", "awaiting_review"]));
    assert!(listed.contains("Razem: 1"), "{listed}");
    let text = stdout(&mleg(&t, &["apps", "show", "1"]));
    assert!(
        text.contains("Status: zdjęcie do sprawdzenia") && text.contains("Zdjęcie: 354×496 px"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_reports_the_servers_and_a_bad_config_names_the_key() {
    let t = TestApp::spawn();
    let out = mleg(&t, &["check"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).contains("IMAP 127.0.0.1") && stdout(&out).contains(": OK"),
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("purged mail is deleted immediately"),
        "how the server deletes: {}",
        stdout(&out)
    );

    let text = std::fs::read_to_string(&t.config_path)
        .unwrap()
        .replace("tls = \"none\"\nuser", "tls = \"plain\"\nuser");
    let bad = t.config_path.with_file_name("bad.toml");
    std::fs::write(&bad, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mleg"))
        .arg("--config")
        .arg(&bad)
        .arg("check")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("bad.toml, line") && err.contains("plain"),
        "{err}"
    );

    // A config that is not there: one line, the cause said once.
    let missing = t.config_path.with_file_name("missing.toml");
    let out = Command::new(env!("CARGO_BIN_EXE_mleg"))
        .arg("--config")
        .arg(&missing)
        .arg("check")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("missing.toml") && err.contains("No such file"),
        "{err}"
    );
    assert_eq!(err.matches("No such file").count(), 1, "{err}");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_holding_childrens_data_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let t = TestApp::spawn();
    let mode = std::fs::metadata(&t.app.config.database)
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_terminal_commands_do_what_the_mail_commands_do() {
    let t = TestApp::spawn();
    let (id, parent, _) = t.photo_with_secretary("Piotr", "Terminalowy", 50).await;
    let id_s = id.to_string();
    let out = mleg(&t, &["apps", "approve", &id_s]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("zdjęcie do sprawdzenia → zatwierdzony"),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&mleg(&t, &["apps", "approve", &id_s])).contains("Bez zmian"));

    let dir = tempfile::tempdir().unwrap();
    let qr_file = dir.path().join("qr.png");
    std::fs::write(&qr_file, mleg::qr::render_qr_png("QR-CONTENT-123").unwrap()).unwrap();
    let out = mleg(
        &t,
        &[
            "apps",
            "code",
            &id_s,
            "PQ12RS34",
            "--generated-at",
            // Just now (school time): after the photo, as a real code is.
            &chrono::Utc::now()
                .with_timezone(&chrono_tz::Europe::Warsaw)
                .format("%Y-%m-%d %H:%M")
                .to_string(),
            "--qr-image",
            qr_file.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = mleg(&t, &["apps", "handed", &id_s]);
    assert!(out.status.success(), "{}", stderr(&out));

    let (_, sent) = t.once().await;
    assert!(
        sent.sent >= 3,
        "approval, code-ready and slip mails queued by the CLI go out: {sent:?}"
    );
    let news = t.mails_about(&parent, "", 3).await;
    let approved = the_one(&news, "wniosek zatwierdzony");
    assert!(approved.text.contains("zatwierdz"), "{}", approved.text);
    let shown: serde_json::Value =
        serde_json::from_slice(&mleg(&t, &["apps", "show", &id_s, "--json"]).stdout).unwrap();
    assert_eq!(shown["status"], "handed_over");
    // Handed over, the code and its QR are deleted; its dates stay.
    assert_eq!(shown["code"]["code"], "");
    assert!(shown["code"]["qr_content"].is_null(), "{shown}");
    assert!(shown["code"]["expires_at"].is_string(), "{shown}");
    assert!(shown["photo"]["purged_at"].is_string(), "{shown}");
    let audit = shown["audit"].as_array().unwrap();
    let commands: Vec<&str> = audit
        .iter()
        .map(|e| e["command"].as_str().unwrap())
        .collect();
    assert_eq!(commands, vec!["approve", "approve", "code", "handed"]);
    assert!(
        audit
            .iter()
            .all(|e| e["source"] == "cli" && e["actor"].as_str().unwrap().starts_with("cli:"))
    );
    let text = stdout(&mleg(&t, &["apps", "show", &id_s]));
    assert!(text.contains("Zdjęcie: usunięte"), "{text}");
    assert!(
        text.contains("Kod aktywacyjny: (usunięty)") && !text.contains("PQ12RS34"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skip_invalid_imports_the_good_rows_and_reports_the_bad_ones() {
    let t = TestApp::spawn();
    let dir = tempfile::tempdir().unwrap();
    let csv = format!(
        "\u{feff}first_name,last_name,pesel,class,parent_email\nAda,Dobra,{},1A,a@example.pl\nZła,Linia,123,1A,a@example.pl\nEla,Też,{},2B,b@example.pl\n",
        pesel(2017, 1, 1, 1),
        pesel(2016, 2, 2, 2)
    );
    std::fs::write(dir.path().join("list.csv"), csv).unwrap();
    let out = mleg(
        &t,
        &[
            "apps",
            "import",
            "--skip-invalid",
            dir.path().join("list.csv").to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("pominięto: line 3"), "{text}");
    assert!(text.contains("Zaimportowano wniosków: 2"), "{text}");
}

/// `mleg run` answers mail as it arrives and stops cleanly on SIGTERM (how
/// systemd stops a service), finishing the round under way. It tells systemd
/// (`Type=notify`) when it is ready and when it is stopping, on the socket
/// systemd names in `$NOTIFY_SOCKET`.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daemon_answers_while_running_and_stops_cleanly_on_sigterm() {
    let t = TestApp::spawn();
    let parent = t.parent("demon");
    t.register("Ala", "Demon", &pesel(2013, 5, 5, 55), &parent);
    let systemd = NotifySocket::bind();
    let daemon = Daemon::start_with_env(
        &t,
        "info",
        std::process::Stdio::piped(),
        &[("NOTIFY_SOCKET", systemd.path())],
    );
    assert!(systemd.next().starts_with("READY=1\n"), "ready first");
    t.post(&Mail::new(&parent, SCHOOL, "legitymacja").photo("Ala Demon.jpg", photos::good_jpeg()))
        .await;
    let reply = &t.received(&parent, 1).await[0];
    assert!(reply.text.contains("Przyjęliśmy zdjęcie"), "{}", reply.text);
    let pid = daemon.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let out = daemon.wait();
    assert!(out.status.success(), "exit: {:?}", out.status);
    let log = stderr(&out);
    assert!(log.contains("mleg stopped"), "{log}");
    let told = systemd.all();
    assert!(
        told.iter()
            .any(|m| m.starts_with("STATUS=waiting for mail")),
        "{told:?}"
    );
    assert!(
        told.last().is_some_and(|m| m.starts_with("STOPPING=1\n")),
        "{told:?}"
    );
    assert!(
        !told
            .iter()
            .any(|m| m.contains("Demon") || m.contains("demon")),
        "nothing personal in a status line: {told:?}"
    );
    assert!(
        !log.contains(&pesel(2013, 5, 5, 55)) && !log.contains("Demon"),
        "no PESEL or name in the log: {log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn photo_reject_cancel_and_entered_from_the_terminal() {
    let t = TestApp::spawn();
    let (id, parent, _) = t.photo_with_secretary("Rysiek", "Terminal", 51).await;
    let id_s = id.to_string();
    let empty = mleg(&t, &["apps", "photo-reject", &id_s, "--reason", "  "]);
    assert!(
        !empty.status.success() && stderr(&empty).contains("--reason"),
        "{}",
        stderr(&empty)
    );
    let out = mleg(
        &t,
        &[
            "apps",
            "photo-reject",
            &id_s,
            "--reason",
            "tło nie jest jednolite",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        t.application(id).status,
        mleg::domain::Status::AwaitingPhoto
    );
    let wrong = mleg(&t, &["apps", "entered", &id_s]);
    assert!(
        !wrong.status.success(),
        "WPROWADZONO belongs to the SIO process"
    );
    let out = mleg(&t, &["apps", "cancel", &id_s, "--reason", "zmiana szkoły"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(t.application(id).status, mleg::domain::Status::Cancelled);
    t.once().await;
    // Both mails go out in one round, so they may arrive in either order.
    let news = t.mails_about(&parent, "", 3).await;
    let new_photo = the_one(&news, "prosimy o nowe zdjęcie");
    assert!(
        new_photo.text.contains("tło nie jest jednolite"),
        "{}",
        new_photo.text
    );
    let cancelled = the_one(&news, "wniosek anulowany");
    assert!(
        cancelled.text.contains("zmiana szkoły"),
        "{}",
        cancelled.text
    );
}

/// The datagram socket systemd listens on for a `Type=notify` service.
#[cfg(unix)]
struct NotifySocket {
    _dir: tempfile::TempDir,
    path: String,
    socket: std::os::unix::net::UnixDatagram,
}

#[cfg(unix)]
impl NotifySocket {
    fn bind() -> NotifySocket {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify").to_str().unwrap().to_string();
        let socket = std::os::unix::net::UnixDatagram::bind(&path).unwrap();
        socket
            .set_read_timeout(Some(std::time::Duration::from_secs(20)))
            .unwrap();
        NotifySocket {
            _dir: dir,
            path,
            socket,
        }
    }

    fn path(&self) -> &str {
        &self.path
    }

    /// The next message (waits up to 20 s).
    fn next(&self) -> String {
        let mut buf = [0u8; 512];
        let n = self.socket.recv(&mut buf).expect("a message from mleg");
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }

    /// Every message still queued (after the daemon exited).
    fn all(&self) -> Vec<String> {
        self.socket.set_nonblocking(true).unwrap();
        let mut told = Vec::new();
        let mut buf = [0u8; 512];
        while let Ok(n) = self.socket.recv(&mut buf) {
            told.push(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
        told
    }
}
