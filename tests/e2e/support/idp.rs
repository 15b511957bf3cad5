//! A token endpoint on loopback, in the test process: the one stand-in of
//! the OAuth2 tests, since a cloud IdP cannot run here.
//!
//! It answers the client-credentials POST (`grant_type`, `client_id`,
//! `client_secret`) the way Entra ID or any OAuth2 server does, with a JWT
//! the stack's Dovecot checks itself (`MAILSTACK_OAUTH2=1`): HS256 with the
//! stack's key, `iss`, `sub`, `email` (the mailbox), `exp`. What it issues
//! can be changed while it runs ([`TokenEndpoint::set`]: a short lifetime, a
//! wrong issuer or key) and it counts the tokens it handed out. Another
//! client ([`TokenEndpoint::add_client`]) gets tokens for its own mailbox,
//! as a client-credentials token names the one user it stands for.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The client secret the endpoint accepts.
pub const CLIENT_SECRET: &str = "test-client-secret";
pub const CLIENT_ID: &str = "mleg-test";

/// What the next tokens look like.
#[derive(Debug, Clone)]
pub struct Issue {
    /// HS256 key (raw bytes; the stack keeps it base64 for Dovecot).
    pub key: Vec<u8>,
    pub issuer: String,
    /// The `email` claim: the mailbox the token is for.
    pub user: String,
    /// `expires_in` and `exp - now`, in seconds.
    pub lifetime: u64,
}

/// Client ids besides [`CLIENT_ID`] and the mailbox each one's tokens are for.
type Clients = Arc<Mutex<Vec<(String, String)>>>;

pub struct TokenEndpoint {
    pub url: String,
    issue: Arc<Mutex<Issue>>,
    clients: Clients,
    fetches: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    port: u16,
}

impl TokenEndpoint {
    pub fn start(issue: Issue) -> TokenEndpoint {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the token endpoint");
        let port = listener.local_addr().unwrap().port();
        let issue = Arc::new(Mutex::new(issue));
        let clients = Clients::default();
        let fetches = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (i, c, f, s) = (
            issue.clone(),
            clients.clone(),
            fetches.clone(),
            stop.clone(),
        );
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    answer(stream, &i, &c, &f);
                }
            }
        });
        TokenEndpoint {
            url: format!("http://127.0.0.1:{port}/token"),
            issue,
            clients,
            fetches,
            stop,
            port,
        }
    }

    /// How many tokens were handed out so far.
    pub fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }

    /// Accepts `client_id` (with [`CLIENT_SECRET`]) too; its tokens are for `user`.
    pub fn add_client(&self, client_id: &str, user: &str) {
        let mut clients = self.clients.lock().unwrap();
        clients.push((client_id.into(), user.into()));
    }

    /// Changes what the next tokens look like.
    pub fn set(&self, change: impl FnOnce(&mut Issue)) {
        change(&mut self.issue.lock().unwrap());
    }
}

impl Drop for TokenEndpoint {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so the thread ends.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn answer(stream: TcpStream, issue: &Mutex<Issue>, clients: &Clients, fetches: &AtomicUsize) {
    let mut reader = BufReader::new(stream);
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let form = parse_form(&String::from_utf8_lossy(&body));
    let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let mut issue = issue.lock().unwrap().clone();
    let client = field("client_id").unwrap_or_default();
    let other = clients
        .lock()
        .unwrap()
        .iter()
        .find(|(id, _)| id == client)
        .cloned();
    if let Some((_, user)) = &other {
        issue.user = user.clone();
    }
    let known = client == CLIENT_ID || other.is_some();
    let (status, json) = if field("grant_type") != Some("client_credentials") {
        (400, r#"{"error":"unsupported_grant_type"}"#.to_string())
    } else if !known || field("client_secret") != Some(CLIENT_SECRET) {
        (
            401,
            r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."}"#
                .to_string(),
        )
    } else {
        fetches.fetch_add(1, Ordering::SeqCst);
        let token = jwt(&issue);
        (
            200,
            format!(
                r#"{{"token_type":"Bearer","expires_in":{},"access_token":"{token}"}}"#,
                issue.lifetime
            ),
        )
    };
    let mut stream = reader.into_inner();
    let _ = write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{json}",
        json.len()
    );
}

/// An HS256 JWT with the claims Dovecot checks. `exp` gets one second of
/// slack over `expires_in`, as real IdPs leave: `now` is cut to whole
/// seconds, and without it a token could expire up to a second before the
/// lifetime the client was told (a test with 3-second tokens would flake).
pub fn jwt(issue: &Issue) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#);
    let claims = URL_SAFE_NO_PAD.encode(format!(
        r#"{{"iss":"{}","sub":"mleg-app","email":"{}","iat":{now},"exp":{}}}"#,
        issue.issuer,
        issue.user,
        now + issue.lifetime + 1
    ));
    let input = format!("{header}.{claims}");
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &issue.key);
    let signature = ring::hmac::sign(&key, input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()))
}

fn parse_form(body: &str) -> Vec<(String, String)> {
    body.split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("00");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
