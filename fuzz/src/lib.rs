//! Shared body of the fuzz targets: run one input through the extractor
//! and fail only on what is a bug of ours.
//!
//! Third-party parser panics are caught by `extract` and reported as
//! `Error(Panic)`; that is the designed behaviour, not a finding. A panic
//! whose location is in kbscan's own `src/extract/` is a finding, and so is
//! anything that escapes (abort, OOM, hang), which libFuzzer sees itself.

use kbscan::extract::{extract_bytes, ExtractConfig, ExtractError, Outcome, TextPart, Visitor};
use std::time::Duration;

/// Counts what it is told and checks that contained documents nest.
#[derive(Default)]
pub struct Checker {
    pub depth: usize,
    pub parts: usize,
}

impl Visitor for Checker {
    fn text(&mut self, part: TextPart<'_>) {
        assert!(part.report.start <= part.report.end && part.report.end <= part.text.len());
        self.parts += 1;
    }
    fn enter(&mut self, name: &str) {
        assert!(
            !name.is_empty() && !name.starts_with('/') && !name.split('/').any(|c| c == ".."),
            "unsafe name {name:?}"
        );
        assert!(
            !name.contains("!/") && !name.chars().any(char::is_control),
            "unsafe name {name:?}"
        );
        self.depth += 1;
    }
    fn leave(&mut self, _: Outcome) {
        assert!(self.depth > 0, "leave without enter");
        self.depth -= 1;
    }
}

/// The configuration fuzzing runs with: default budgets, shorter deadline.
pub fn config() -> ExtractConfig {
    let mut cfg = ExtractConfig::default();
    cfg.budgets.timeout = Duration::from_secs(10);
    cfg
}

/// Extracts `data` as a file called `name`; panics on a finding.
pub fn check(name: &str, data: &[u8]) {
    let mut v = Checker::default();
    let outcome = extract_bytes(name, data, &config(), &mut v);
    assert_eq!(v.depth, 0, "enter/leave unbalanced");
    if let Outcome::Error(ExtractError::Panic(msg)) = &outcome {
        assert!(
            !msg.contains("src/extract/"),
            "panic in kbscan's extraction code: {msg}"
        );
    }
}
