//! What a person types at the terminal → the span, instant and code-time
//! parsers, and the arithmetic done with what they accept.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mleg::fuzz_harness::cli_args(data));
