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

#[cfg(test)]
mod docs;
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
        assert!(
            failures.is_empty(),
            "{} failures:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    #[test]
    fn builtin_rules_carry_enough_evidence() {
        for rule in RuleSet::builtin().unwrap().rules() {
            assert!(
                rule.examples.len() >= 2 && rule.negative_examples.len() >= 2,
                "{} needs at least two examples and two negative examples",
                rule.id
            );
            assert!(!rule.references.is_empty(), "{} has no references", rule.id);
        }
    }

    /// No snippet of any built-in example shows the detected value itself
    /// (phrase rules show their phrase by design; their values are not
    /// secrets).
    #[test]
    fn snippets_never_show_the_value() {
        let detector = Detector::new(RuleSet::builtin().unwrap(), None).unwrap();
        let mut scratch = Scratch::new();
        for rule in detector.rules() {
            for example in &rule.examples {
                let (header, text) = match example.split_once('\t') {
                    Some((h, t)) if rule.anchor == rules::Anchor::Context => (Some(h), t),
                    _ => (None, example.as_str()),
                };
                let mut out = Vec::new();
                detector.scan(text, header, &mut scratch, &mut out);
                for d in &out {
                    let r = &detector.rules()[d.rule];
                    if r.category.starts_with("credit") || r.category.starts_with("internal") {
                        continue;
                    }
                    let value = &text[d.start..d.end];
                    let snippet = detector.snippet(d, text);
                    assert!(
                        value.len() < 6 || !snippet.contains(value),
                        "{}: snippet {snippet:?} shows the value",
                        r.id
                    );
                }
            }
        }
    }

    #[test]
    fn assignments_report_only_the_value() {
        let detector = Detector::new(RuleSet::builtin().unwrap(), None).unwrap();
        let text = "DB_PASSWORD=Xk9#mQ2$vL7pz\n";
        let mut out = Vec::new();
        detector.scan(text, None, &mut Scratch::new(), &mut out);
        let d = out
            .iter()
            .find(|d| detector.rules()[d.rule].category == "secret.password")
            .expect("password detected");
        assert_eq!(&text[d.start..d.end], "Xk9#mQ2$vL7pz");
        assert_eq!(detector.snippet(d, text), "********");
    }
}
