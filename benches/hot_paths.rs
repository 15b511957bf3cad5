//! Benchmarks of the work mleg does per mail, printed as times and ratios
//! (`cargo bench --bench hot_paths`). Timings live here, never in tests.
//!
//! The ratios are what matters on any machine: checking a photo should cost
//! about the same as decoding it; parsing a reply twice as long should cost
//! about twice as much (no quadratic blow-up on hostile HTML).

use std::hint::black_box;
use std::time::{Duration, Instant};

use image::codecs::jpeg::JpegEncoder;
use mleg::photo::{PhotoPolicy, check_photo};
use mleg::workflow::command::parse_reply;

/// Median wall time of `runs` calls.
fn time(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut samples: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    samples.sort();
    samples[runs / 2]
}

fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([x as u8, y as u8, (x ^ y) as u8])
    });
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&img)
        .expect("encode");
    out
}

fn main() {
    let policy = PhotoPolicy::default();
    let small = jpeg(354, 496);
    let large = jpeg(1416, 1984);
    let check_small = time(21, || drop(black_box(check_photo(&small, &policy))));
    let check_large = time(7, || drop(black_box(check_photo(&large, &policy))));
    let decode_large = time(7, || drop(black_box(image::load_from_memory(&large))));
    println!("photo check 354×496:   {check_small:?}");
    println!(
        "photo check 1416×1984: {check_large:?} (16× the pixels: ratio {:.1})",
        ratio(check_large, check_small)
    );
    println!(
        "  full decode alone:   {decode_large:?} (check/decode: {:.2})",
        ratio(check_large, decode_large)
    );

    let hostile = |n: usize| "<blockquote><div class=\"gmail_quote\">".repeat(n) + "<p>TAK</p>";
    let (a, b) = (hostile(500), hostile(1000));
    let ta = time(11, || drop(black_box(parse_reply("", Some(&a)))));
    let tb = time(11, || drop(black_box(parse_reply("", Some(&b)))));
    println!(
        "hostile HTML reply ×1: {ta:?}, ×2: {tb:?} (ratio {:.1}; ~2 means linear)",
        ratio(tb, ta)
    );

    let qr = mleg::qr::render_qr_png("https://mobywatel.gov.pl/mlegitymacja/aktywacja?t=BENCH")
        .expect("render");
    let tq = time(5, || drop(black_box(mleg::qr::decode_qr(&qr))));
    println!("QR decode of a clean 1-code PNG: {tq:?}");
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64().max(1e-9)
}
