//! Fuzzes XML (html.rs) through `extract_bytes`, named `fuzz.xml`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kbscan_fuzz::check("fuzz.xml", data));
