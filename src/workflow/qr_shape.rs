//! Does a QR code from the secretary's `KOD` screenshot look like an
//! mObywatel activation code?
//!
//! mleg renders what the QR holds as a clean QR code and mails it to the
//! parent from the school's address, so a screenshot of the wrong thing (or
//! a forger's link) would reach a family looking like the school's. The
//! ministry does not publish the format, so the check is conservative: a
//! printable text of sensible length, and a link only to a `gov.pl` host.

/// Shortest and longest QR content taken as an activation code.
const MIN_LEN: usize = 6;
const MAX_LEN: usize = 1024;

/// Why `content` is not taken for an activation QR, or Ok.
pub fn check_activation_qr(content: &str) -> Result<(), String> {
    let len = content.chars().count();
    if !(MIN_LEN..=MAX_LEN).contains(&len) {
        return Err(format!("{len} characters, expected {MIN_LEN} to {MAX_LEN}"));
    }
    if content.chars().any(|c| !c.is_ascii_graphic() && c != ' ') {
        return Err("it holds characters that are not printable text".into());
    }
    let lower = content.to_ascii_lowercase();
    let url = lower
        .split_once("://")
        .map(|(_, rest)| rest)
        .or_else(|| lower.strip_prefix("www."));
    if let Some(rest) = url {
        let host = rest
            .split(['/', '?', '#'])
            .next()
            .unwrap_or_default()
            .rsplit('@')
            .next()
            .unwrap_or_default()
            .split(':')
            .next()
            .unwrap_or_default();
        if host != "gov.pl" && !host.ends_with(".gov.pl") {
            return Err(format!("a link to {host}, not to a gov.pl site"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_activation_qr;

    #[test]
    fn a_gov_pl_link_or_a_plain_code_is_taken_a_foreign_link_is_not() {
        for ok in [
            "https://mobywatel.gov.pl/mlegitymacja/aktywacja?t=7Q2M9XK4PL0Z",
            "MLEG:7Q2M9XK4PL0Z",
            "7Q2M9XK4PL0Z",
        ] {
            assert_eq!(check_activation_qr(ok), Ok(()), "{ok}");
        }
        for bad in [
            "https://evil.example/mobywatel.gov.pl",
            "https://mobywatel.gov.pl.evil.example/x",
            "https://mobywatel.gov.pl@evil.example/x",
            "http://evil.gov.pl.example:443/",
            "www.evil.example/aktywacja",
            "abc",
            "kod\u{0}\u{7}",
        ] {
            assert!(check_activation_qr(bad).is_err(), "{bad}");
        }
    }
}
