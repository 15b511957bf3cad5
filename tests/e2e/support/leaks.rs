//! The byte search a data-protection audit would run: every mail in every
//! folder of the given accounts, raw and decoded, for a PESEL or a photo.

use base64::Engine;

use super::app::TestApp;

/// What a person searching the mailboxes could find: the raw mail, its
/// quoted-printable text unfolded, and every base64 block decoded.
fn readable(raw: &[u8]) -> Vec<Vec<u8>> {
    let text = String::from_utf8_lossy(raw);
    let mut views = vec![raw.to_vec(), text.replace("=\r\n", "").into_bytes()];
    let mut block = String::new();
    let b64 = |l: &str| {
        l.len() >= 4
            && l.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b))
    };
    for line in text.lines().chain([""]) {
        if b64(line.trim_end()) {
            block.push_str(line.trim_end());
        } else if !block.is_empty() {
            let engine = base64::engine::general_purpose::STANDARD;
            views.extend(engine.decode(std::mem::take(&mut block)).ok());
        }
    }
    views
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Every mail, in every folder of `users`, that still holds the PESEL or a
/// distinctive slice (from the middle) of one of `photos`.
pub async fn leaks(t: &TestApp, users: &[&str], pesel: &str, photos: &[&[u8]]) -> Vec<String> {
    let slices: Vec<&[u8]> = photos
        .iter()
        .map(|p| &p[p.len() / 2..p.len() / 2 + 48])
        .collect();
    let mut found = Vec::new();
    for user in users {
        for folder in t.stack.list_folders(user).await {
            for mail in t.stack.fetch_all(user, &folder).await {
                let views = readable(&mail.raw);
                let hit = |n: &[u8]| views.iter().any(|v| contains(v, n));
                if hit(pesel.as_bytes()) || slices.iter().any(|s| hit(s)) {
                    found.push(format!("{user}/{folder} uid {}", mail.uid));
                }
            }
        }
    }
    found
}

/// Every mail, in every folder of `users`, that holds one of `needles`
/// (raw, or in its decoded text), with the needle it holds.
pub async fn mails_holding(t: &TestApp, users: &[&str], needles: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for user in users {
        for folder in t.stack.list_folders(user).await {
            for mail in t.stack.fetch_all(user, &folder).await {
                let views = readable(&mail.raw);
                for n in needles {
                    if views.iter().any(|v| contains(v, n.as_bytes())) {
                        found.push(format!("{user}/{folder} uid {}: {n}", mail.uid));
                    }
                }
            }
        }
    }
    found
}

/// The needles found in the bytes of the files at `paths` (a missing file
/// holds nothing).
pub fn files_holding(paths: &[std::path::PathBuf], needles: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for path in paths {
        let bytes = std::fs::read(path).unwrap_or_default();
        for n in needles {
            if contains(&bytes, n.as_bytes()) {
                found.push(format!("{}: {n}", path.display()));
            }
        }
    }
    found
}
