//! Fuzzes PDF (pdf.rs) through `extract_bytes`, named `fuzz.pdf`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kbscan_fuzz::check("fuzz.pdf", data));
