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
mod literals;
mod mask;
mod rules;
mod validators;

pub use engine::{Columns, Detection, Detector, RuleTestFailure, Scratch};
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

    /// Arbitrary text (keywords, digits, separators and multi-byte
    /// characters in random order) never panics, and every span is a valid
    /// char range whose snippet can be built.
    #[test]
    fn random_text_is_handled() {
        let detector = Detector::new(RuleSet::builtin().unwrap(), None).unwrap();
        let pieces = [
            "password=",
            "ghp_",
            "4556 7375",
            " 8689 9855",
            "IBAN DE89 ",
            "@",
            "é",
            "€",
            "日本",
            "-----BEGIN RSA PRIVATE KEY-----",
            "\\n",
            "\n",
            " ",
            ":",
            "Customer: ",
            "Jürgen",
            "0",
            "12",
            "-",
            "/",
            "(",
            ")",
            "+",
            "postgres://u:",
            "Internal note",
            "DOB: ",
            "15/03/1980",
            "xoxb-",
            "sk-ant-",
            "eyJ",
            ".",
            "credit score",
            "\t",
            "\u{feff}",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut scratch = Scratch::new();
        let mut out = Vec::new();
        for _ in 0..300 {
            let mut text = String::new();
            for _ in 0..60 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                text.push_str(pieces[(seed % pieces.len() as u64) as usize]);
            }
            out.clear();
            detector.scan(&text, Some("note_ssn"), &mut scratch, &mut out);
            for d in &out {
                assert!(text.get(d.start..d.end).is_some(), "bad span {d:?}");
                let _ = detector.snippet(d, &text);
            }
        }
    }

    /// A CSV export scanned cell by cell with its header as context, the way
    /// the scan pipeline feeds spreadsheets.
    #[test]
    fn csv_cells_with_headers() {
        let detector = Detector::new(RuleSet::builtin().unwrap(), None).unwrap();
        let csv = "customer_id,full_name,credit_score,risk_band,dti_ratio,delinquencies_12m,\
                   decision,dob,phone,ssn,Private Notes\n\
                   C-40825,Jordan Pike,598,D,0.47,2,decline,1984-07-02,0171 9876543,\
                   536228765,called twice - rude";
        let mut lines = csv.lines();
        let headers: Vec<&str> = lines.next().unwrap().split(',').collect();
        let mut scratch = Scratch::new();
        let mut categories = std::collections::BTreeSet::new();
        for line in lines {
            for (header, cell) in headers.iter().zip(line.split(',')) {
                let mut out = Vec::new();
                detector.scan(cell, Some(header), &mut scratch, &mut out);
                for d in &out {
                    categories.insert(detector.rules()[d.rule].category.clone());
                }
            }
        }
        let want = [
            "credit.delinquency",
            "credit.dti",
            "credit.limit_decision",
            "credit.risk_rating",
            "credit.score",
            "internal.helpdesk_note",
            "pii.date_of_birth",
            "pii.national_id",
            "pii.person_name",
            "pii.phone",
        ];
        assert_eq!(
            categories.iter().map(String::as_str).collect::<Vec<_>>(),
            want
        );
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
