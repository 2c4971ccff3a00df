//! `kbscan rules list|test|export-patterns`.

use crate::cli::{RulesAction, RulesArgs};
use crate::detect::{Detector, RuleSet};
use anyhow::{Context, Result};
use serde_json::json;
use std::io::Write;
use std::path::Path;

fn load(dir: Option<&Path>) -> Result<Detector> {
    let rules = match dir {
        Some(d) => RuleSet::from_dir(d)
            .with_context(|| format!("failed to load rules from {}", d.display()))?,
        None => RuleSet::builtin()?,
    };
    Detector::new(rules, None)
}

pub fn run(args: RulesArgs) -> Result<i32> {
    let mut out = std::io::stdout().lock();
    match args.action {
        RulesAction::List { rules, json } => {
            let detector = load(rules.as_deref())?;
            for r in detector.rules() {
                if json {
                    let obj = json!({
                        "id": r.id, "name": r.name, "category": r.category,
                        "description": r.description, "references": r.references,
                        "examples": r.examples, "negative_examples": r.negative_examples,
                    });
                    writeln!(out, "{obj}")?;
                } else {
                    writeln!(out, "{}  [{}]  {}", r.id, r.category, r.name)?;
                    writeln!(out, "    {}", r.description)?;
                    for e in &r.examples {
                        writeln!(out, "    + {e}")?;
                    }
                    for e in &r.negative_examples {
                        writeln!(out, "    - {e}")?;
                    }
                }
            }
            Ok(0)
        }
        RulesAction::Test { rules } => {
            let detector = load(rules.as_deref())?;
            let failures = detector.self_test();
            for f in &failures {
                writeln!(out, "FAIL {f}")?;
            }
            let total = detector.rules().len();
            writeln!(
                out,
                "{} rules, {} passed, {} failed",
                total,
                total.saturating_sub(failures.len()),
                failures.len()
            )?;
            Ok(i32::from(!failures.is_empty()))
        }
        RulesAction::ExportPatterns { rules } => {
            let detector = load(rules.as_deref())?;
            for (_, pattern) in detector.export_patterns() {
                writeln!(out, "{pattern}")?;
            }
            Ok(0)
        }
    }
}
