//! RS256 JSON Web Tokens, as clients sign them to prove who they are: the
//! Microsoft certificate credential (a client assertion) and the Google
//! service-account grant. Only signing; checking tokens is the mail
//! server's job. Uses ring, already in the tree for TLS.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};

/// An RSA private key for RS256 (PKCS#8 `PRIVATE KEY` or PKCS#1
/// `RSA PRIVATE KEY` PEM). Its `Debug` shows nothing of the key.
#[derive(Clone)]
pub struct RsaKey(Arc<RsaKeyPair>);

impl std::fmt::Debug for RsaKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RsaKey(<redacted>)")
    }
}

impl RsaKey {
    /// Reads the first private key in a PEM text.
    pub fn from_pem(pem: &str) -> Result<RsaKey, String> {
        if let Some(der) = pem_block(pem, "PRIVATE KEY") {
            return RsaKeyPair::from_pkcs8(&der)
                .map(|k| RsaKey(Arc::new(k)))
                .map_err(|e| format!("not an RSA private key: {e}"));
        }
        if let Some(der) = pem_block(pem, "RSA PRIVATE KEY") {
            return RsaKeyPair::from_der(&der)
                .map(|k| RsaKey(Arc::new(k)))
                .map_err(|e| format!("not an RSA private key: {e}"));
        }
        Err("no PEM block `BEGIN PRIVATE KEY` or `BEGIN RSA PRIVATE KEY` found".into())
    }

    /// The public key (PKCS#1 DER), to check signatures in tests.
    #[cfg(test)]
    pub fn public_der(&self) -> Vec<u8> {
        use ring::signature::KeyPair;
        self.0.public_key().as_ref().to_vec()
    }

    /// `header.claims.signature`, each part base64url without padding.
    pub fn sign(
        &self,
        header: &serde_json::Value,
        claims: &serde_json::Value,
    ) -> Result<String, String> {
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut signature = vec![0; self.0.public().modulus_len()];
        self.0
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                signing_input.as_bytes(),
                &mut signature,
            )
            .map_err(|_| "RSA signing failed".to_string())?;
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature)
        ))
    }
}

/// The DER bytes of the first `-----BEGIN {label}-----` block.
pub fn pem_block(pem: &str, label: &str) -> Option<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = pem.find(&begin)? + begin.len();
    let stop = start + pem[start..].find(&end)?;
    let body: String = pem[start..stop]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    STANDARD.decode(body).ok()
}

/// The `x5t` header of a certificate: base64url of its SHA-1 thumbprint,
/// how Entra ID finds which uploaded certificate signed an assertion.
pub fn x5t(cert_pem: &str) -> Result<String, String> {
    let der = pem_block(cert_pem, "CERTIFICATE")
        .ok_or_else(|| "no PEM block `BEGIN CERTIFICATE` found".to_string())?;
    let digest = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &der);
    Ok(URL_SAFE_NO_PAD.encode(digest.as_ref()))
}
