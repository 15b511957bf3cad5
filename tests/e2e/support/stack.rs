//! A private, real mail stack for one test: Dovecot (IMAP + LMTP) and Postfix
//! (SMTP) started by `scripts/mailstack` in a temp dir on free loopback ports.
//!
//! Tests send mail through Postfix as a parent's mail program would, and read
//! mailboxes over IMAP as a mail client would (with `BODY.PEEK`, so reading
//! never marks anything seen). Delivery is asynchronous, so waiting for a mail
//! polls IMAP with a bound instead of sleeping a fixed time.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use async_imap::Client;
use futures::TryStreamExt;
use lettre::address::Envelope;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use tokio::net::TcpStream;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/mailstack");
pub const PASSWORD: &str = "secret";
const WAIT: Duration = Duration::from_secs(30);

/// One running stack; stopped when dropped.
pub struct MailStack {
    pub dir: tempfile::TempDir,
    pub imap_port: u16,
    pub smtp_port: u16,
}

/// A mail as read over IMAP.
#[derive(Debug, Clone)]
pub struct FetchedMail {
    pub seen: bool,
    pub raw: Vec<u8>,
}

fn run_script(args: &[&str]) -> std::process::Output {
    Command::new(SCRIPT)
        .args(args)
        .output()
        .expect("scripts/mailstack runs")
}

fn env_value(env: &str, key: &str) -> u16 {
    env.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}=")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("{key} missing in stack.env:\n{env}"))
}

impl MailStack {
    /// Starts a stack. Panics (never skips) when Dovecot/Postfix are missing.
    pub fn start() -> MailStack {
        let dir = tempfile::Builder::new()
            .prefix("mleg-stack")
            .tempdir()
            .expect("temp dir");
        let path = dir.path().to_str().expect("utf-8 temp path");
        let out = run_script(&["start", path]);
        assert!(
            out.status.success(),
            "could not start the mail stack (run ./scripts/test, which installs Dovecot and Postfix):\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let env =
            std::fs::read_to_string(Path::new(path).join("stack.env")).expect("stack.env written");
        MailStack {
            imap_port: env_value(&env, "IMAP_PORT"),
            smtp_port: env_value(&env, "SMTP_PORT"),
            dir,
        }
    }

    /// Adds a mailbox (password [`PASSWORD`]) and returns its address.
    pub fn add_user(&self, address: &str) -> String {
        let path = self.dir.path().to_str().expect("utf-8 temp path");
        let out = run_script(&["add-user", path, address, PASSWORD]);
        assert!(
            out.status.success(),
            "add-user {address}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        address.to_owned()
    }

    /// Submits a raw mail to Postfix, as a mail program would.
    pub async fn send_raw(&self, from: &str, to: &[&str], raw: &[u8]) {
        let envelope = Envelope::new(
            Some(from.parse().expect("sender address")),
            to.iter()
                .map(|t| t.parse().expect("recipient address"))
                .collect(),
        )
        .expect("envelope");
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
            .port(self.smtp_port)
            .timeout(Some(Duration::from_secs(120)))
            .build()
            .send_raw(&envelope, raw)
            .await
            .expect("Postfix accepts the mail");
    }

    /// Every mail in `folder` of `user` (empty if the folder does not exist).
    pub async fn fetch_all(&self, user: &str, folder: &str) -> Vec<FetchedMail> {
        let tcp = TcpStream::connect(("127.0.0.1", self.imap_port))
            .await
            .expect("IMAP connect");
        let mut client = Client::new(tcp);
        client.read_response().await.expect("IMAP greeting");
        let mut session = client
            .login(user, PASSWORD)
            .await
            .map_err(|(e, _)| e)
            .expect("IMAP login");
        let mailbox = match session.select(folder).await {
            Ok(m) => m,
            Err(_) => {
                let _ = session.logout().await;
                return vec![];
            }
        };
        let mut out = Vec::new();
        if mailbox.exists > 0 {
            let fetched: Vec<_> = session
                .fetch("1:*", "(FLAGS BODY.PEEK[])")
                .await
                .expect("fetch")
                .try_collect()
                .await
                .expect("fetch");
            for f in &fetched {
                let seen = f
                    .flags()
                    .any(|fl| matches!(fl, async_imap::types::Flag::Seen));
                out.push(FetchedMail {
                    seen,
                    raw: f.body().map(<[u8]>::to_vec).unwrap_or_default(),
                });
            }
        }
        let _ = session.logout().await;
        out
    }

    /// Polls until `folder` of `user` holds at least `n` mails; panics after a bound.
    pub async fn wait_for_mails(&self, user: &str, folder: &str, n: usize) -> Vec<FetchedMail> {
        let deadline = Instant::now() + WAIT;
        loop {
            let mails = self.fetch_all(user, folder).await;
            if mails.len() >= n {
                return mails;
            }
            assert!(
                Instant::now() < deadline,
                "{user}/{folder}: waited {WAIT:?} for {n} mail(s), have {}",
                mails.len()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for MailStack {
    fn drop(&mut self) {
        if let Some(path) = self.dir.path().to_str() {
            let _ = run_script(&["stop", path]);
        }
    }
}
