//! Photo bytes → check_photo → strip_metadata on success.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mleg::fuzz_harness::check_and_strip_photo(data));
