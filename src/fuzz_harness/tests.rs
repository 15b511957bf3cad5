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
fn cli_args_survives_its_seeds_and_past_crashes() {
    replay("cli_args", super::cli_args);
}

/// Pieces of what a person types at the terminal, good and bad: numbers
/// at and past every limit, units, signs, RFC 3339 instants, Polish dates
/// and times, and junk.
const PIECES: &[&str] = &[
    "",
    "0",
    "1",
    "7",
    "48",
    "3650",
    "3651",
    "87600",
    "87601",
    "99999999999",
    "9223372036854775807",
    "18446744073709551616",
    "-",
    "+",
    "d",
    "h",
    "D",
    "H",
    "ś",
    " ",
    "\n",
    "\u{202e}",
    ".",
    ":",
    "-0",
    "2026-12-01T08:00:00+01:00",
    "2026-12-01T08:00:00",
    "9999-12-31T23:59:59Z",
    "0000-01-01T00:00:00-23:59",
    "1999-12-31T23:59:59+14:00",
    "2199-12-31T23:59:59-23:59",
    "2026-02-30T00:00:00Z",
    "T",
    "Z",
    "+01:00",
    "20.11.2026",
    "2026-11-20",
    "31.12.9999",
    "00.00.0000",
    "29.02.2025",
    "29.02.2028",
    "1.1.0",
    "01.01.2020",
    "14:35",
    "24:00",
    "23:59:60",
    "23:59:59",
    "0:00",
    "godz.",
    "r.",
    "o",
    ",",
    "KOD",
    "AB12CD34",
];

/// Every piece, every pair of pieces, and 50,000 longer mixes chosen by a
/// fixed pseudo-random sequence: no input panics `cli_args` (which checks
/// what the parsers accept and the arithmetic done with it).
#[test]
fn cli_args_survive_every_pair_and_many_mixes_of_typed_pieces() {
    let mut inputs: Vec<String> = Vec::new();
    for a in PIECES {
        for b in PIECES {
            inputs.push(format!("{a}{b}"));
            inputs.push(format!("{a} {b}"));
        }
    }
    // A linear congruential sequence (Knuth's MMIX constants): the same
    // mixes on every run, so a failure is reproducible.
    let mut state: u64 = 0x2026_1206;
    let mut next = |n: usize| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize % n
    };
    for _ in 0..50_000 {
        let len = 2 + next(5);
        let mix: String = (0..len)
            .map(|_| PIECES[next(PIECES.len())])
            .collect::<Vec<_>>()
            .join(if next(2) == 0 { "" } else { " " });
        inputs.push(mix);
    }
    for input in &inputs {
        let outcome = std::panic::catch_unwind(|| super::cli_args(input.as_bytes()));
        assert!(outcome.is_ok(), "cli_args panics on {input:?}");
    }
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
