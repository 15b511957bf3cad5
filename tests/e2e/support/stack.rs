//! A private, throw-away mail server for the end-to-end tests.
//!
//! [`MailStack::start`] runs `scripts/mailstack start` in a fresh temporary directory: a real
//! Dovecot (IMAP + LMTP) and Postfix (SMTP) on loopback with free ports, so every test gets its
//! own server and tests can run in parallel. Mail to any address in `szkola.test` or `example.pl`
//! that has a mailbox ([`MailStack::add_user`]) is delivered SMTP -> Postfix -> LMTP -> Dovecot;
//! mail to an unknown user there bounces to the sender. Postfix refuses every other domain with
//! 550 at RCPT time (so [`MailStack::send_raw`] panics): nothing leaves the machine.
//!
//! The helpers here play the *other* side of mleg: parents and the secretariat sending mail
//! ([`MailStack::send_raw`]) and a test looking into mailboxes ([`MailStack::fetch_all`],
//! [`MailStack::wait_for_mails`], [`MailStack::list_folders`]) without disturbing them (fetches
//! use `BODY.PEEK[]` and `EXAMINE`, so `\Seen` flags stay as mleg left them).
//!
//! Needs root and the Debian packages `dovecot-imapd dovecot-lmtpd postfix` (`./scripts/test`
//! installs them). Missing packages are a test failure, never a silent skip.

// Not every test uses every helper.
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use async_imap::types::Flag;
use futures::TryStreamExt;
use lettre::address::{Address, Envelope};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use tokio::net::TcpStream;

/// The helper script that runs the stack.
const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/mailstack");

/// Password of every mailbox created by [`MailStack::add_user`].
pub const PASSWORD: &str = "secret";

/// How long [`MailStack::wait_for_mails`] waits for mail to arrive.
const WAIT_TIMEOUT: Duration = Duration::from_secs(20);

/// One running Dovecot + Postfix pair. Stopped (and its directory deleted) on drop.
pub struct MailStack {
    /// Holds config, logs (`dovecot.log`, `postfix.log`), the queue and the maildirs.
    pub dir: tempfile::TempDir,
    pub imap_port: u16,
    pub smtp_port: u16,
    pub lmtp_port: u16,
    /// OAuth2 mode ([`MailStack::start_oauth2`]): the HS256 key Dovecot
    /// trusts for bearer tokens (raw bytes) and the issuer it accepts.
    pub oauth2: Option<(Vec<u8>, String)>,
    /// Set by [`MailStack::start_tls`].
    pub tls: Option<TlsPorts>,
}

/// The TLS side of a stack started with [`MailStack::start_tls`]: a certificate for the name
/// `localhost` only, signed by a throw-away CA; STARTTLS is offered on the plain ports too.
#[derive(Debug, Clone)]
pub struct TlsPorts {
    /// IMAP over TLS from the first byte.
    pub imaps_port: u16,
    /// SMTP over TLS from the first byte.
    pub smtps_port: u16,
    /// The CA certificate (PEM) a client must trust.
    pub ca_file: std::path::PathBuf,
}

/// One message as stored in a mailbox.
#[derive(Debug, Clone)]
pub struct FetchedMail {
    pub uid: u32,
    /// Whether the message carries `\Seen`.
    pub seen: bool,
    /// Whether the message carries `\Flagged`.
    pub flagged: bool,
    /// The full message as stored (RFC 5322 bytes, as delivered, with Dovecot's added headers).
    pub raw: Vec<u8>,
}

type ImapSession = async_imap::Session<TcpStream>;

impl MailStack {
    /// Start a fresh stack in a new temporary directory. Takes about 0.3 s.
    ///
    /// Panics (naming `./scripts/test`) if Dovecot or Postfix are not installed.
    pub fn start() -> MailStack {
        Self::start_opts(false, &[])
    }

    /// A stack whose Dovecot and Postfix also take OAuth2 bearer tokens
    /// (XOAUTH2, OAUTHBEARER), signed with the key in [`MailStack::oauth2`].
    pub fn start_oauth2() -> MailStack {
        Self::start_opts(true, &[])
    }

    /// Like [`MailStack::start`], with TLS listeners and STARTTLS (see [`TlsPorts`]).
    pub fn start_tls() -> MailStack {
        Self::start_opts(false, &["--tls"])
    }

    /// Like [`MailStack::start`], with Postfix filing a copy of every mail
    /// `address` sends in that account's `folder`, as Microsoft 365 and Gmail
    /// do and as a school's IT person sets up a Postfix (`sender_bcc_maps`):
    /// the copy exists exactly when the server took the mail.
    pub fn start_filing_sent(address: &str, folder: &str) -> MailStack {
        Self::start_with(false, &[], Some(&format!("{address}:{folder}")))
    }

    fn start_opts(oauth2: bool, opts: &[&str]) -> MailStack {
        Self::start_with(oauth2, opts, None)
    }

    fn start_with(oauth2: bool, opts: &[&str], sent_copies: Option<&str>) -> MailStack {
        let installed = ["dovecot", "postfix"]
            .iter()
            .all(|bin| Path::new("/usr/sbin").join(bin).exists() || on_path(bin));
        assert!(
            installed,
            "Dovecot/Postfix not installed: run ./scripts/test (it installs them) \
             or apt-get install dovecot-imapd dovecot-lmtpd postfix"
        );
        let dir = tempfile::Builder::new()
            .prefix("mleg-mailstack-")
            .tempdir()
            .expect("cannot create a temporary directory for the mail stack");
        let out = Command::new(SCRIPT)
            .arg("start")
            .args(opts)
            .arg(dir.path())
            .env("MAILSTACK_OAUTH2", if oauth2 { "1" } else { "0" })
            .env("MAILSTACK_SENT_COPIES", sent_copies.unwrap_or(""))
            .output()
            .unwrap_or_else(|e| panic!("cannot run {SCRIPT}: {e}"));
        assert!(
            out.status.success(),
            "{SCRIPT} start failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let env = std::fs::read_to_string(dir.path().join("stack.env"))
            .expect("mailstack start succeeded but wrote no stack.env");
        let port = |key: &str| -> u16 {
            env.lines()
                .find_map(|line| line.strip_prefix(key)?.strip_prefix('='))
                .unwrap_or_else(|| panic!("{key} missing in stack.env:\n{env}"))
                .parse()
                .unwrap_or_else(|e| panic!("bad {key} in stack.env ({e}):\n{env}"))
        };
        let value = |key: &str| {
            env.lines()
                .find_map(|line| line.strip_prefix(key)?.strip_prefix('='))
                .map(str::to_owned)
        };
        let oauth2 = value("OAUTH2_KEY_FILE").map(|file| {
            use base64::Engine;
            let text = std::fs::read_to_string(&file).expect("the stack's OAuth2 key");
            let key = base64::engine::general_purpose::STANDARD
                .decode(text.trim())
                .expect("the stack's OAuth2 key is base64");
            (
                key,
                value("OAUTH2_ISSUER").expect("OAUTH2_ISSUER in stack.env"),
            )
        });
        let tls = opts.contains(&"--tls").then(|| TlsPorts {
            imaps_port: port("IMAPS_PORT"),
            smtps_port: port("SMTPS_PORT"),
            ca_file: dir.path().join("tls/ca.crt"),
        });
        MailStack {
            oauth2,
            tls,
            imap_port: port("IMAP_PORT"),
            smtp_port: port("SMTP_PORT"),
            lmtp_port: port("LMTP_PORT"),
            dir,
        }
    }

    /// Stops and starts Dovecot (same ports, same mailboxes) under running clients.
    pub fn restart_dovecot(&self) {
        let out = Command::new(SCRIPT)
            .arg("restart-dovecot")
            .arg(self.path())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {SCRIPT}: {e}"));
        assert!(
            out.status.success(),
            "{SCRIPT} restart-dovecot failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The stack's directory (logs are `dovecot.log` and `postfix.log` in it).
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Create a mailbox for `address` with password [`PASSWORD`]; works while the stack runs.
    /// Idempotent. Returns the address, for `let parent = stack.add_user("rodzic@example.pl");`.
    pub fn add_user(&self, address: &str) -> String {
        let out = Command::new(SCRIPT)
            .arg("add-user")
            .arg(self.path())
            .arg(address)
            .arg(PASSWORD)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {SCRIPT}: {e}"));
        assert!(
            out.status.success(),
            "{SCRIPT} add-user {address} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        address.to_string()
    }

    /// [`MailStack::add_user`] for many addresses at once: the script writes
    /// its passwd file once and asks Dovecot once (a bench's hundreds of
    /// parents would otherwise take a second each).
    pub fn add_users(&self, addresses: &[String]) {
        let list = self.path().join("add-users.list");
        let lines: String = addresses
            .iter()
            .map(|a| format!("{a} {PASSWORD}\n"))
            .collect();
        std::fs::write(&list, lines).expect("the address list is written");
        let out = Command::new(SCRIPT)
            .arg("add-users")
            .arg(self.path())
            .arg(&list)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {SCRIPT}: {e}"));
        assert!(
            out.status.success(),
            "{SCRIPT} add-users ({} addresses) failed: {}",
            addresses.len(),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Submit a ready-made message to the stack's Postfix with the given envelope. Returns once
    /// Postfix has queued it; delivery into the mailbox follows asynchronously (use
    /// [`MailStack::wait_for_mails`]). Panics if Postfix refuses it (e.g. an outside domain).
    pub async fn send_raw(&self, from: &str, to: &[&str], raw: &[u8]) {
        let parse = |a: &str| -> Address {
            a.parse()
                .unwrap_or_else(|e| panic!("bad address {a:?}: {e}"))
        };
        let envelope = Envelope::new(Some(parse(from)), to.iter().map(|a| parse(a)).collect())
            .expect("an envelope needs at least one recipient");
        let smtp = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
            .port(self.smtp_port)
            // Tests send 60 MB mails; the default 60 s is tight on a loaded CI machine.
            .timeout(Some(Duration::from_secs(120)))
            .build();
        smtp.send_raw(&envelope, raw)
            .await
            .unwrap_or_else(|e| panic!("SMTP send from {from} to {to:?} failed: {e}"));
    }

    /// All messages in `folder` of `user`, by ascending UID, without changing any flags.
    /// Empty if the folder does not exist.
    pub async fn fetch_all(&self, user: &str, folder: &str) -> Vec<FetchedMail> {
        let mut session = self.login(user).await;
        let mailbox = match session.examine(folder).await {
            Ok(mailbox) => mailbox,
            Err(async_imap::error::Error::No(_)) => {
                let _ = session.logout().await;
                return Vec::new();
            }
            Err(e) => panic!("IMAP EXAMINE {folder:?} as {user} failed: {e}"),
        };
        let mut mails = Vec::new();
        if mailbox.exists > 0 {
            let fetches: Vec<_> = session
                .uid_fetch("1:*", "(UID FLAGS BODY.PEEK[])")
                .await
                .unwrap_or_else(|e| panic!("IMAP UID FETCH in {folder:?} as {user} failed: {e}"))
                .try_collect()
                .await
                .unwrap_or_else(|e| panic!("IMAP UID FETCH in {folder:?} as {user} failed: {e}"));
            for fetch in &fetches {
                mails.push(FetchedMail {
                    uid: fetch.uid.expect("UID FETCH response without UID"),
                    seen: fetch.flags().any(|f| matches!(f, Flag::Seen)),
                    flagged: fetch.flags().any(|f| matches!(f, Flag::Flagged)),
                    raw: fetch.body().unwrap_or_default().to_vec(),
                });
            }
        }
        let _ = session.logout().await;
        mails.sort_by_key(|m| m.uid);
        mails
    }

    /// Poll [`MailStack::fetch_all`] every 100 ms until `folder` holds at least `n` messages;
    /// returns them all. Panics after 20 s, listing what was there.
    pub async fn wait_for_mails(&self, user: &str, folder: &str, n: usize) -> Vec<FetchedMail> {
        let deadline = Instant::now() + WAIT_TIMEOUT;
        loop {
            let mails = self.fetch_all(user, folder).await;
            if mails.len() >= n {
                return mails;
            }
            if Instant::now() >= deadline {
                let seen: Vec<String> = mails
                    .iter()
                    .map(|m| format!("uid {} subject {:?}", m.uid, subject(&m.raw)))
                    .collect();
                panic!(
                    "waited {WAIT_TIMEOUT:?} for {n} mail(s) in {user}/{folder}, found {}: {seen:#?}\n\
                     (logs: {}/postfix.log, dovecot.log)",
                    mails.len(),
                    self.path().display()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Names of all folders of `user` (as IMAP reports them, e.g. `INBOX`).
    pub async fn list_folders(&self, user: &str) -> Vec<String> {
        let mut session = self.login(user).await;
        let names: Vec<String> = session
            .list(Some(""), Some("*"))
            .await
            .unwrap_or_else(|e| panic!("IMAP LIST as {user} failed: {e}"))
            .map_ok(|name| name.name().to_string())
            .try_collect()
            .await
            .unwrap_or_else(|e| panic!("IMAP LIST as {user} failed: {e}"));
        let _ = session.logout().await;
        names
    }

    /// Puts `raw` into `folder` of `user` (created if missing), as another
    /// mail program or the server's "save sent mail" would.
    pub async fn append(&self, user: &str, folder: &str, raw: &[u8]) {
        let mut session = self.login(user).await;
        let _ = session.create(folder).await;
        session
            .append(folder, None, None, raw)
            .await
            .unwrap_or_else(|e| panic!("IMAP APPEND to {folder:?} as {user} failed: {e}"));
        let _ = session.logout().await;
    }

    /// Puts every mail of `raws` into `folder` of `user` in one session, in
    /// order, as a migration tool or a mail server's import would.
    pub async fn append_all(&self, user: &str, folder: &str, raws: &[Vec<u8>]) {
        let mut session = self.login(user).await;
        let _ = session.create(folder).await;
        for (i, raw) in raws.iter().enumerate() {
            session
                .append(folder, None, None, raw)
                .await
                .unwrap_or_else(|e| panic!("IMAP APPEND {i} to {folder:?} as {user} failed: {e}"));
        }
        let _ = session.logout().await;
    }

    /// Moves mail `uid` from `from` to `to` (created if missing), as the
    /// secretary might by hand.
    pub async fn move_mail(&self, user: &str, from: &str, uid: u32, to: &str) {
        let mut session = self.login(user).await;
        let _ = session.create(to).await;
        session.select(from).await.expect("IMAP SELECT");
        session
            .uid_mv(uid.to_string(), to)
            .await
            .unwrap_or_else(|e| panic!("IMAP UID MOVE as {user} failed: {e}"));
        let _ = session.logout().await;
    }

    /// A logged-in IMAP session for `user` (password [`PASSWORD`]).
    async fn login(&self, user: &str) -> ImapSession {
        let stream = TcpStream::connect(("127.0.0.1", self.imap_port))
            .await
            .unwrap_or_else(|e| panic!("cannot connect to IMAP port {}: {e}", self.imap_port));
        let mut client = async_imap::Client::new(stream);
        // Client::new does not consume the server greeting; the first command would choke on it.
        client
            .read_response()
            .await
            .expect("reading the IMAP greeting failed")
            .expect("IMAP server closed the connection before its greeting");
        client.login(user, PASSWORD).await.unwrap_or_else(|(e, _)| {
            panic!("IMAP login as {user} failed: {e} (did the test call add_user?)")
        })
    }
}

impl Drop for MailStack {
    fn drop(&mut self) {
        // Runs before the TempDir field is dropped, so the daemons are gone before their
        // directory is deleted. No panic here: a panic while unwinding would abort the tests.
        match Command::new(SCRIPT).arg("stop").arg(self.path()).output() {
            Ok(out) if out.status.success() => {}
            Ok(out) => eprintln!(
                "mailstack stop {} failed: {}",
                self.path().display(),
                String::from_utf8_lossy(&out.stderr)
            ),
            Err(e) => eprintln!("cannot run {SCRIPT} stop: {e}"),
        }
    }
}

/// Whether `bin` is an executable file in one of the `PATH` directories.
fn on_path(bin: &str) -> bool {
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(bin).is_file()))
        .unwrap_or(false)
}

/// The first `Subject:` header line of a raw message, for failure messages.
fn subject(raw: &[u8]) -> String {
    String::from_utf8_lossy(raw)
        .lines()
        .take_while(|line| !line.is_empty())
        .find_map(|line| {
            line.get(..8)
                .filter(|p| p.eq_ignore_ascii_case("subject:"))
                .map(|_| line[8..].trim().to_string())
        })
        .unwrap_or_default()
}
