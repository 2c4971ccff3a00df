//! Fuzzes CSV/TSV cells (text.rs) through `extract_bytes`, named `fuzz.csv`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kbscan_fuzz::check("fuzz.csv", data));
