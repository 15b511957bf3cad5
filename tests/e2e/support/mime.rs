//! Raw mails as parents' mail programs write them, built by hand so each
//! test shows the exact bytes (encodings of file names, inline images, …).

use std::fmt::Write as _;

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Base64 with 76-character lines, as MIME wants it.
pub fn base64(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len() * 4 / 3 + data.len() / 57 * 2 + 4);
    for (i, chunk) in data.chunks(3).enumerate() {
        if i > 0 && i % 19 == 0 {
            out.push_str("\r\n");
        }
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// RFC 2047 encoded word (UTF-8, base64) for non-ASCII header text.
pub fn encode_header(text: &str) -> String {
    if text.is_ascii() {
        text.to_owned()
    } else {
        format!(
            "=?UTF-8?B?{}?=",
            base64(text.as_bytes()).replace("\r\n", "")
        )
    }
}

/// Percent-encoding for RFC 2231 parameter values.
pub fn percent(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        if b.is_ascii_alphanumeric() || b"._-".contains(b) {
            s.push(*b as char);
        } else {
            let _ = write!(s, "%{b:02X}");
        }
        s
    })
}

/// One attached part.
pub struct Part {
    pub content_type: String,
    /// Everything after `Content-Disposition: ` (e.g. `attachment; filename="a.jpg"`).
    pub disposition: String,
    pub data: Vec<u8>,
}

/// A mail from a parent.
pub struct Mail {
    pub from: String,
    pub to: String,
    pub subject: String,
    pub message_id: String,
    pub headers: Vec<String>,
    pub text: String,
    /// An HTML body (already base64-encoded) that replaces the plain text.
    pub html: Option<String>,
    pub parts: Vec<Part>,
}

impl Mail {
    pub fn new(from: &str, to: &str, subject: &str) -> Mail {
        Mail {
            from: from.into(),
            to: to.into(),
            subject: subject.into(),
            message_id: format!("{}@test.example.pl", uuid_like()),
            headers: vec![],
            text: "Dzień dobry, w załączeniu zdjęcie.\r\nPozdrawiam".into(),
            html: None,
            parts: vec![],
        }
    }

    pub fn text(mut self, text: &str) -> Mail {
        self.text = text.replace('\n', "\r\n");
        self
    }

    pub fn header(mut self, line: &str) -> Mail {
        self.headers.push(line.into());
        self
    }

    /// An attachment whose name is sent as RFC 2231 UTF-8 (what most phones do).
    pub fn photo(self, name: &str, data: Vec<u8>) -> Mail {
        let disposition = format!("attachment; filename*=UTF-8''{}", percent(name.as_bytes()));
        self.part("image/jpeg", &disposition, data)
    }

    pub fn part(mut self, content_type: &str, disposition: &str, data: Vec<u8>) -> Mail {
        self.parts.push(Part {
            content_type: content_type.into(),
            disposition: disposition.into(),
            data,
        });
        self
    }

    pub fn build(&self) -> Vec<u8> {
        let mut out = format!(
            "From: {}\r\nTo: {}\r\nSubject: {}\r\nMessage-ID: <{}>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0100\r\nMIME-Version: 1.0\r\n",
            self.from,
            self.to,
            encode_header(&self.subject),
            self.message_id
        );
        for h in &self.headers {
            out.push_str(h);
            out.push_str("\r\n");
        }
        let text_part = match &self.html {
            Some(html) => format!(
                "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{html}\r\n"
            ),
            None => format!(
                "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n",
                base64(self.text.as_bytes())
            ),
        };
        if self.parts.is_empty() {
            out.push_str(&text_part);
            return out.into_bytes();
        }
        let boundary = "=_mleg_test_boundary_42";
        let _ = write!(
            out,
            "Content-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n--{boundary}\r\n{text_part}"
        );
        for p in &self.parts {
            let _ = write!(
                out,
                "--{boundary}\r\nContent-Type: {}\r\nContent-Disposition: {}\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n",
                p.content_type,
                p.disposition,
                base64(&p.data)
            );
        }
        let _ = write!(out, "--{boundary}--\r\n");
        out.into_bytes()
    }
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "t{}.{}.{}",
        std::process::id(),
        nanos,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

#[test]
fn base64_matches_the_rfc_4648_vectors() {
    assert_eq!(base64(b""), "");
    assert_eq!(base64(b"f"), "Zg==");
    assert_eq!(base64(b"fo"), "Zm8=");
    assert_eq!(base64(b"foobar"), "Zm9vYmFy");
}
