//! The secretary's reply text → parse_reply, as plain text and as HTML.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mleg::fuzz_harness::reply_command(data));
