//! Fuzzes plain text and encodings (text.rs) through `extract_bytes`, named `fuzz.txt`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kbscan_fuzz::check("fuzz.txt", data));
