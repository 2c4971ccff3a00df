//! Fuzzes zip/tar/gzip (archive.rs) through `extract_bytes`, named `fuzz.zip`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kbscan_fuzz::check("fuzz.zip", data));
