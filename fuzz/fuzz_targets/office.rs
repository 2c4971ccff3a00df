//! Fuzzes DOCX/PPTX/ODF packages (office.rs) through `extract_bytes`, named `fuzz.docx`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kbscan_fuzz::check("fuzz.docx", data));
