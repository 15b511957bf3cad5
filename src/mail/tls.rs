//! TLS for both mail protocols: which certificates are trusted (the public
//! roots plus the school's own CA from `ca_file`), and one clear line when a
//! server's certificate is refused — the IT person reading it needs to know
//! which server, what is wrong and which key to look at, not a rustls enum.

use std::sync::Arc;

use tokio_rustls::rustls::{
    self,
    pki_types::{CertificateDer, pem::PemObject},
};

use crate::config::CaFile;

/// A client configuration trusting the public roots and `ca`.
pub fn client_config(ca: Option<&CaFile>) -> Result<Arc<rustls::ClientConfig>, String> {
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(ca) = ca {
        let bad = |e: &dyn std::fmt::Display| format!("{}: {e}", ca.path.display());
        for cert in CertificateDer::pem_slice_iter(&ca.pem) {
            let cert = cert.map_err(|e| bad(&e))?;
            roots.add(cert).map_err(|e| bad(&e))?;
        }
    }
    let config = rustls::ClientConfig::builder_with_provider(
        rustls::crypto::ring::default_provider().into(),
    )
    .with_safe_default_protocol_versions()
    .map_err(|e| e.to_string())?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(Arc::new(config))
}

/// The rustls error somewhere in an error's source chain (tokio-rustls and
/// lettre wrap it in `io::Error`s).
pub fn find_rustls_error<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a rustls::Error> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<rustls::Error>() {
            return Some(found);
        }
        if let Some(found) = e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            return Some(found);
        }
        current = e.source();
    }
    None
}

/// What is wrong with a server's certificate, and which key to check.
pub fn explain(error: &rustls::Error, host: &str, section: &str) -> String {
    use rustls::CertificateError as C;
    match error {
        rustls::Error::InvalidCertificate(
            C::NotValidForName | C::NotValidForNameContext { .. },
        ) => {
            format!(
                "its certificate is not valid for the name {host:?}: set {section}.host to a \
                 name the certificate lists (or fix the certificate; {section}.ca_file only adds trust)"
            )
        }
        rustls::Error::InvalidCertificate(C::UnknownIssuer) => format!(
            "its certificate is signed by an unknown CA: set {section}.ca_file to the school's \
             CA certificate (PEM)"
        ),
        rustls::Error::InvalidCertificate(C::Expired | C::ExpiredContext { .. }) => {
            "its certificate has expired".to_owned()
        }
        other => format!("{other} (check {section}.tls and {section}.ca_file)"),
    }
}

/// What `mleg check` reports about a TLS connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsInfo {
    /// e.g. "TLS 1.3".
    pub version: String,
    /// The server certificate's subject, e.g. "CN=imap.example.pl".
    pub subject: String,
    /// When the server certificate expires (its notAfter), if readable.
    pub not_after: Option<chrono::DateTime<chrono::Utc>>,
}

impl TlsInfo {
    /// "CN=imap.example.pl, valid until 2027-03-01".
    pub fn certificate(&self) -> String {
        match self.not_after {
            Some(at) => format!("{}, valid until {}", self.subject, at.format("%Y-%m-%d")),
            None => self.subject.clone(),
        }
    }
}

/// The negotiated version and the server certificate's subject.
pub fn describe(conn: &rustls::ClientConnection) -> TlsInfo {
    let version = match conn.protocol_version() {
        Some(rustls::ProtocolVersion::TLSv1_3) => "TLS 1.3".to_owned(),
        Some(rustls::ProtocolVersion::TLSv1_2) => "TLS 1.2".to_owned(),
        Some(other) => format!("{other:?}"),
        None => "unknown".to_owned(),
    };
    let leaf = conn.peer_certificates().and_then(|chain| chain.first());
    let subject = leaf.map_or_else(|| "no certificate".to_owned(), |c| subject(c));
    let not_after = leaf.and_then(|c| not_after(c));
    TlsInfo {
        version,
        subject,
        not_after,
    }
}

/// The notAfter of an X.509 certificate (UTCTime or GeneralizedTime).
pub fn not_after(cert: &[u8]) -> Option<chrono::DateTime<chrono::Utc>> {
    let (_, certificate, _) = der(cert)?;
    let (_, tbs, _) = der(certificate)?;
    let mut rest = tbs;
    if der(rest)?.0 == 0xA0 {
        rest = der(rest)?.2; // the explicit version
    }
    for _ in 0..3 {
        rest = der(rest)?.2; // serial, signature, issuer
    }
    let (_, validity, _) = der(rest)?;
    let (_, _, after) = der(validity)?; // notBefore
    let (tag, time, _) = der(after)?;
    let text = std::str::from_utf8(time).ok()?;
    let full = match tag {
        // UTCTime: years 50-99 are 19xx (RFC 5280 4.1.2.5.1).
        0x17 if text.len() == 13 => {
            let century = if text[..2].parse::<u32>().ok()? >= 50 {
                "19"
            } else {
                "20"
            };
            format!("{century}{text}")
        }
        0x18 if text.len() == 15 => text.to_owned(),
        _ => return None,
    };
    chrono::NaiveDateTime::parse_from_str(&full, "%Y%m%d%H%M%SZ")
        .ok()
        .map(|t| t.and_utc())
}

/// One DER element: (tag, contents, what follows).
fn der(data: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = data.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// "CN=…, O=…" of an X.509 certificate (only the attributes an IT person
/// looks for); "?" when it cannot be read.
pub fn subject(cert: &[u8]) -> String {
    read_subject(cert).unwrap_or_else(|| "?".to_owned())
}

fn read_subject(cert: &[u8]) -> Option<String> {
    let (_, certificate, _) = der(cert)?;
    let (_, tbs, _) = der(certificate)?;
    let mut rest = tbs;
    if der(rest)?.0 == 0xA0 {
        rest = der(rest)?.2; // the explicit version
    }
    for _ in 0..4 {
        rest = der(rest)?.2; // serial, signature, issuer, validity
    }
    let (_, mut rdns, _) = der(rest)?;
    let mut parts = Vec::new();
    while let Some((_, set, next)) = der(rdns) {
        rdns = next;
        let (_, pair, _) = der(set)?;
        let (_, oid, value) = der(pair)?;
        let name = match oid {
            [0x55, 0x04, 0x03] => "CN",
            [0x55, 0x04, 0x0A] => "O",
            [0x55, 0x04, 0x06] => "C",
            _ => continue,
        };
        let (_, text, _) = der(value)?;
        parts.push(format!("{name}={}", String::from_utf8_lossy(text)));
    }
    Some(parts.join(", "))
}

#[cfg(test)]
mod tests {
    use base64::Engine;

    fn fixture() -> Vec<u8> {
        let pem = include_str!("../../tests/fixtures/oauth2/test-cert.pem");
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap()
    }

    #[test]
    fn a_certificates_not_after_is_read_as_openssl_shows_it() {
        // openssl x509 -enddate: notAfter=Dec  1 18:50:51 2036 GMT
        let at = super::not_after(&fixture()).unwrap();
        assert_eq!(at.to_rfc3339(), "2036-12-01T18:50:51+00:00");
        assert_eq!(
            super::subject(&fixture()),
            "CN=mleg test app (not a secret)"
        );
        assert_eq!(super::not_after(&fixture()[..40]), None);
    }
}
