//! Fuzzes spreadsheets via calamine (sheet.rs); seeds: xlsx/xls/ods through `extract_bytes`, named `fuzz.xlsx`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kbscan_fuzz::check("fuzz.xlsx", data));
