//! The multi-pattern detector: pure, no I/O, no knowledge of files or SQL.
//!
//! Built once from the rules and shared by all threads; each thread brings its
//! own [`Scratch`]. `scan` returns detections as byte spans of the text it was
//! given; the caller turns spans into locations and fingerprints, and stores
//! only [`Detector::snippet`], never the raw value.
//!
//! - `rules`: the TOML rule format, loading and validation (`docs/rules.md`).
//! - `engine`: prefilter (keywords, `@`, digit runs), confirmation, scoring.
//! - `validators`: checksums and allocation rules (Luhn, IBAN, SSN, ...).
//! - `mask`: masked snippets.

mod engine;
mod mask;
mod rules;
mod validators;

pub use engine::{Detection, Detector, RuleTestFailure, Scratch};
pub use rules::{Rule, RuleSet};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_pass_self_test() {
        let detector = Detector::new(RuleSet::builtin().unwrap(), None).unwrap();
        let failures: Vec<String> = detector.self_test().iter().map(|f| f.to_string()).collect();
        assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    }
}
