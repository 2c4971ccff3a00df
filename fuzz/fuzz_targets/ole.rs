//! Fuzzes OLE: msg/doc/ppt/xls (ole.rs) through `extract_bytes`, named `fuzz.msg`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kbscan_fuzz::check("fuzz.msg", data));
