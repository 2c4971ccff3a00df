//! The multi-pattern detector: pure, no I/O, no knowledge of files or SQL.
//!
//! Built once from the rules and shared by all threads; each thread brings its
//! own [`Scratch`]. `scan` returns detections as byte spans of the text it was
//! given; the caller turns spans into locations and fingerprints.

// STUB (replaced when the `detect` branch lands): the API the scan pipeline uses.
use anyhow::Result;
use std::path::Path;

pub struct RuleSet;
impl RuleSet {
    pub fn builtin() -> Result<RuleSet> {
        Ok(RuleSet)
    }
    pub fn from_dir(_dir: &Path) -> Result<RuleSet> {
        Ok(RuleSet)
    }
}
pub struct Rule {
    pub id: String,
    pub name: String,
    pub category: String,
    pub description: String,
    pub references: Vec<String>,
    pub examples: Vec<String>,
    pub negative_examples: Vec<String>,
}
pub struct Detector {
    rules: Vec<Rule>,
}
#[derive(Default)]
pub struct Scratch;
impl Scratch {
    pub fn new() -> Scratch {
        Scratch
    }
}
pub struct Detection {
    pub rule: usize,
    pub start: usize,
    pub end: usize,
    pub confidence: f32,
}
pub struct RuleTestFailure(pub String);
impl std::fmt::Display for RuleTestFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl Detector {
    pub fn new(_rules: RuleSet, _min: Option<f32>) -> Result<Detector> {
        Ok(Detector {
            rules: vec![Rule {
                id: "pii.email.stub".into(),
                name: "Email".into(),
                category: "pii.email".into(),
                description: "stub".into(),
                references: vec![],
                examples: vec![],
                negative_examples: vec![],
            }],
        })
    }
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }
    pub fn rules_version(&self) -> &str {
        "stub"
    }
    pub fn scan(&self, text: &str, _c: Option<&str>, _s: &mut Scratch, out: &mut Vec<Detection>) {
        out.clear();
        for (i, _) in text.match_indices('@') {
            let start = text[..i].rfind(' ').map_or(0, |s| s + 1);
            let end = text[i..].find([' ', '\n']).map_or(text.len(), |e| i + e);
            out.push(Detection {
                rule: 0,
                start,
                end,
                confidence: 0.9,
            });
        }
    }
    pub fn snippet(&self, _d: &Detection, _text: &str) -> String {
        "***@***".into()
    }
    pub fn self_test(&self) -> Vec<RuleTestFailure> {
        vec![]
    }
    pub fn export_patterns(&self) -> Vec<(String, String)> {
        vec![("pii.email.stub".into(), "@".into())]
    }
}
