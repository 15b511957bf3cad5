//! An IMAP relay in front of the test's Dovecot that fails one chosen mail,
//! the way a real server does with a mail it cannot read or move: it
//! answers `NO` to, or never answers, the client's `UID FETCH` (or `UID
//! MOVE` / `UID COPY`) of that one UID, and passes everything else through
//! byte for byte. It can also "crash" on that mail: close the connection
//! and the next one opened after it, as a server that restarts does.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;

/// What the relay does to the chosen mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// `NO` to a fetch of the whole mail (`BODY.PEEK[]`); other fetches of
    /// it (its header fields) pass.
    RefuseBody,
    /// No answer, ever, to any fetch of it: the client must time out.
    StallFetch,
    /// `NO` to `UID MOVE` and `UID COPY` of it.
    RefuseMove,
    /// A fetch of the whole mail closes the connection, and the next
    /// connection is closed at once too (the server is restarting).
    CrashOnFetch,
}

/// A running relay; it lives as long as the test's runtime.
pub struct ImapRelay {
    pub port: u16,
    uid: Arc<AtomicU32>,
    hits: Arc<AtomicUsize>,
}

#[derive(Clone)]
struct Shared {
    upstream: u16,
    fault: Fault,
    uid: Arc<AtomicU32>,
    hits: Arc<AtomicUsize>,
    /// Connections still to be closed at once.
    refuse: Arc<AtomicUsize>,
}

impl ImapRelay {
    /// Listens on a free loopback port, relaying to Dovecot on `upstream`.
    /// No mail is failed until [`ImapRelay::fail_uid`].
    pub async fn start(upstream: u16, fault: Fault) -> ImapRelay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let shared = Shared {
            upstream,
            fault,
            uid: Arc::new(AtomicU32::new(0)),
            hits: Arc::new(AtomicUsize::new(0)),
            refuse: Arc::new(AtomicUsize::new(0)),
        };
        let relay = ImapRelay {
            port,
            uid: shared.uid.clone(),
            hits: shared.hits.clone(),
        };
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let refuse = &shared.refuse;
                if refuse
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok()
                {
                    continue; // dropped: closed at once
                }
                tokio::spawn(connection(client, shared.clone()));
            }
        });
        relay
    }

    /// From now on, fail mail `uid` (0: none).
    pub fn fail_uid(&self, uid: u32) {
        self.uid.store(uid, Ordering::SeqCst);
    }

    /// How many commands on the chosen mail the relay failed so far.
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

/// What to do with one client command line.
enum Verdict {
    Pass,
    Refuse,
    Stall,
    Crash,
}

fn judge(line: &str, s: &Shared) -> Verdict {
    let uid = s.uid.load(Ordering::SeqCst);
    let words: Vec<String> = line
        .split_whitespace()
        .map(str::to_ascii_uppercase)
        .collect();
    let on_uid = uid != 0 && words.get(3).is_some_and(|set| *set == uid.to_string());
    if !on_uid || words.get(1).map(String::as_str) != Some("UID") {
        return Verdict::Pass;
    }
    let command = words.get(2).map(String::as_str);
    let whole = line.to_ascii_uppercase().contains("BODY.PEEK[]");
    match (s.fault, command) {
        (Fault::RefuseBody, Some("FETCH")) if whole => Verdict::Refuse,
        (Fault::StallFetch, Some("FETCH")) => Verdict::Stall,
        (Fault::RefuseMove, Some("MOVE" | "COPY")) => Verdict::Refuse,
        (Fault::CrashOnFetch, Some("FETCH")) if whole => Verdict::Crash,
        _ => Verdict::Pass,
    }
}

async fn connection(client: TcpStream, s: Shared) {
    let Ok(server) = TcpStream::connect(("127.0.0.1", s.upstream)).await else {
        return;
    };
    let (client_read, client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let client_write = Arc::new(Mutex::new(client_write));
    // Server to client: every byte as it comes.
    let to_client = client_write.clone();
    let pump = tokio::spawn(async move {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match server_read.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            if to_client.lock().await.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    });
    // Client to server: line by line, judging each command.
    let mut lines = BufReader::new(client_read);
    let mut line = Vec::new();
    loop {
        line.clear();
        match lines.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let text = String::from_utf8_lossy(&line).into_owned();
        match judge(&text, &s) {
            Verdict::Pass => {}
            Verdict::Refuse => {
                s.hits.fetch_add(1, Ordering::SeqCst);
                let tag = text.split(' ').next().unwrap_or("*");
                let no = format!("{tag} NO [SERVERBUG] Internal error occurred (relay)\r\n");
                if client_write
                    .lock()
                    .await
                    .write_all(no.as_bytes())
                    .await
                    .is_err()
                {
                    break;
                }
                continue;
            }
            Verdict::Stall => {
                s.hits.fetch_add(1, Ordering::SeqCst);
                continue;
            }
            Verdict::Crash => {
                s.hits.fetch_add(1, Ordering::SeqCst);
                s.refuse.store(1, Ordering::SeqCst);
                break;
            }
        }
        if server_write.write_all(&line).await.is_err() {
            break;
        }
        // A literal follows its line raw: pass exactly its bytes on.
        if let Some(n) = literal_len(&text) {
            let mut raw = vec![0u8; n];
            if lines.read_exact(&mut raw).await.is_err()
                || server_write.write_all(&raw).await.is_err()
            {
                break;
            }
        }
    }
    pump.abort();
}

/// `n` of a line ending in `{n}` or `{n+}`.
fn literal_len(line: &str) -> Option<usize> {
    let body = line.trim_end().strip_suffix('}')?;
    let open = body.rfind('{')?;
    body[open + 1..].trim_end_matches('+').parse().ok()
}
