//! Replays every seed and every crash input of the fuzz targets, so an input
//! that once crashed mleg stays a test after the fuzzer found it.

use std::path::PathBuf;

/// The files of `fuzz/<kind>/<target>/`, sorted; none if it does not exist.
fn inputs(kind: &str, target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join(kind)
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return vec![];
    };
    let mut files: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let data = std::fs::read(&p).unwrap();
            (p, data)
        })
        .collect()
}

fn replay(target: &str, run: fn(&[u8])) {
    let seeds = inputs("corpus", target);
    assert!(seeds.len() >= 3, "seed corpus of {target} is missing");
    for (path, data) in seeds.iter().chain(&inputs("regressions", target)) {
        let outcome = std::panic::catch_unwind(|| run(data));
        assert!(outcome.is_ok(), "{} crashes {target}", path.display());
    }
}

#[test]
fn mail_to_match_survives_its_seeds_and_past_crashes() {
    replay("mail_to_match", super::mail_to_match);
}

#[test]
fn check_photo_survives_its_seeds_and_past_crashes() {
    replay("check_photo", super::check_and_strip_photo);
}

#[test]
fn reply_command_survives_its_seeds_and_past_crashes() {
    replay("reply_command", super::reply_command);
}

#[test]
fn the_seeds_reach_the_code_they_are_for() {
    // A seed mail that no longer parses, or a photo seed that no longer
    // decodes, would leave the fuzzer starting from nothing.
    for (path, data) in inputs("corpus", "mail_to_match") {
        assert!(
            crate::mail::parse::parse_mail(&data).is_ok(),
            "{}",
            path.display()
        );
    }
    let gmail = inputs("corpus", "mail_to_match")
        .into_iter()
        .find(|(p, _)| p.ends_with("gmail_attachment_utf8_name.eml"))
        .expect("gmail seed");
    let mail = crate::mail::parse::parse_mail(&gmail.1).unwrap();
    assert_eq!(mail.images.len(), 1);
    assert_eq!(
        mail.images[0].file_name.as_deref(),
        Some("Anna Maria Nowak-Kowalska.jpg")
    );
}
