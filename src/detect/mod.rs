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
#[cfg(test)]
mod dbg_tests {
    use super::*;
    #[test]
    fn dbg_count() {
        let d = Detector::new(RuleSet::builtin().unwrap(), None).unwrap();
        eprintln!("rules: {}", d.rules().len());
        let mut out = Vec::new();
        let text = "Card on file: 4556 7375 8689 9855, exp 04/27 DOB: 15/03/1980 mail jane.doe@acme-corp.de";
        d.scan(text, None, &mut Scratch::new(), &mut out);
        for x in &out { eprintln!("{} {:?} {}", d.rules()[x.rule].id, x, d.snippet(x, text)); }
    }
}
