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
