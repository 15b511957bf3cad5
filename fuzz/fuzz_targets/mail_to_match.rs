//! Raw mail bytes → parsed mail → photos → matching decision.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mleg::fuzz_harness::mail_to_match(data));
