//! Fuzzes RTF (rtf.rs) through `extract_bytes`, named `fuzz.rtf`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kbscan_fuzz::check("fuzz.rtf", data));
