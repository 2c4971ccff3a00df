//! End to end on the shipped knowledge base: every file in `fixtures/kb`
//! gets exactly the label, categories and locations `fixtures/kb.truth.json`
//! expects, with the real binary.

use crate::util::{crate_root, Kb};
use serde_json::Value;
use std::collections::BTreeSet;

const NAME: &str = "pii.person_name";
/// The eval corpus's recall threshold, applied to the one kind that is not
/// compared exactly here.
const MIN_NAME_RECALL: f64 = 0.95;

/// `pii.*` kinds stay exact; other families compare at family level.
fn normalise(category: &str) -> String {
    if category.starts_with("pii.") {
        category.to_string()
    } else {
        category.split('.').next().unwrap_or(category).to_string()
    }
}

fn categories(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_str).map(normalise).collect())
        .unwrap_or_default()
}

#[test]
fn every_fixture_gets_its_expected_label_categories_and_locations() {
    let fixtures = crate_root().join("fixtures");
    let truth: Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures.join("kb.truth.json")).expect("fixtures/kb.truth.json"),
    )
    .unwrap();
    let kb = Kb::new();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kbscan"))
        // --hidden: the truth covers dotfiles too (ops/.env).
        .args(["scan", "kb", "--quiet", "--hidden", "--catalog"])
        .arg(kb.catalog())
        .current_dir(&fixtures)
        .output()
        .unwrap();
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let found = kb.export();
    let mut problems = Vec::new();
    // (documents naming a person behind a label, of which missed)
    let mut names = (0usize, 0usize);
    let files = truth["files"].as_object().unwrap();
    for (path, want) in files {
        let key = format!("kb/{path}");
        let Some(got) = found.get(&key) else {
            problems.push(format!("{path}: not in the catalog"));
            continue;
        };
        let (want_label, got_label) = (
            want["label"].as_str().unwrap(),
            got["label"].as_str().unwrap(),
        );
        if want_label != got_label {
            problems.push(format!("{path}: label {got_label}, expected {want_label}"));
        }
        let (want_cats, got_cats) = (
            categories(&want["categories"]),
            categories(&got["categories"]),
        );
        // A container's own categories cover its own text; the truth may give
        // none (members carry them) or the union with its members (mbox).
        let members: Vec<&Value> = found
            .iter()
            .filter(|(k, _)| k.starts_with(&format!("{key}!/")))
            .map(|(_, v)| v)
            .collect();
        let with_members: BTreeSet<String> = members
            .iter()
            .flat_map(|m| categories(&m["categories"]))
            .chain(got_cats.iter().cloned())
            .collect();
        let container_ok =
            !members.is_empty() && (want_cats.is_empty() || want_cats == with_members);
        // Names behind labels are the one kind held to recall, not exactness
        // (as in the eval corpus): count them apart.
        if want_cats.contains(NAME) {
            names.0 += 1;
            names.1 += usize::from(!got_cats.contains(NAME) && !with_members.contains(NAME));
        }
        let (want_cats, got_cats): (BTreeSet<String>, BTreeSet<String>) = (
            want_cats.into_iter().filter(|c| c != NAME).collect(),
            got_cats.into_iter().filter(|c| c != NAME).collect(),
        );
        if want_cats != got_cats && !container_ok {
            problems.push(format!(
                "{path}: categories {got_cats:?}, expected {want_cats:?}"
            ));
        }
        let locations: Vec<&str> = got["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["location_text"].as_str())
            .collect();
        for want_loc in want["locations"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !locations.iter().any(|l| l.starts_with(want_loc)) {
                problems.push(format!(
                    "{path}: no finding at {want_loc:?} (found at {locations:?})"
                ));
            }
        }
        if got["status"] != "ok" && want.get("status").is_none() {
            problems.push(format!(
                "{path}: status {} ({})",
                got["status"], got["error"]
            ));
        }
        for note in want["notes"].as_array().into_iter().flatten() {
            if !got["notes"].as_array().is_some_and(|n| n.contains(note)) {
                problems.push(format!(
                    "{path}: note {note} missing (notes {})",
                    got["notes"]
                ));
            }
        }
        if let Some(status) = want.get("status").and_then(Value::as_str) {
            if got["status"] != status {
                problems.push(format!(
                    "{path}: status {}, expected {status}",
                    got["status"]
                ));
            }
        }
    }
    // Every file on disk is covered by the truth, so nothing ships untested.
    for path in found.keys().filter(|p| !p.contains("!/")) {
        let rel = path.trim_start_matches("kb/");
        if !files.contains_key(rel) {
            problems.push(format!("{rel}: scanned but not in kb.truth.json"));
        }
    }
    let name_recall = 1.0 - names.1 as f64 / names.0.max(1) as f64;
    if name_recall < MIN_NAME_RECALL {
        problems.push(format!(
            "pii.person_name recall {name_recall:.3} < {MIN_NAME_RECALL} ({} of {} missed)",
            names.1, names.0
        ));
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
