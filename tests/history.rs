//! The catalog over time: incremental scans, deletions, policy changes,
//! review decisions, overrides, diff and scans.

use crate::util::Kb;
use serde_json::Value;

const EMAIL_LINE: &str = "Reach me at jane.doe@acme-widgets.io.\n";

fn summary(kb: &Kb, extra: &[&str]) -> Value {
    let mut args = vec!["scan", "kb", "--json"];
    args.extend_from_slice(extra);
    let r = kb.run(&args);
    assert!(r.code() <= 1, "{}", r.stderr());
    serde_json::from_str(&r.stdout()).unwrap()
}

#[test]
fn rescans_skip_unchanged_files_and_count_new_changed_deleted() {
    let kb = Kb::new();
    kb.file("a.md", EMAIL_LINE);
    let b = kb.file("b.md", "Public.\n");
    let c = kb.file("c.md", "Also public.\n");
    let first = summary(&kb, &[]);
    assert_eq!(first["changes"]["new"], 3);

    let again = summary(&kb, &[]);
    assert_eq!(again["changes"]["unchanged"], 3);
    assert_eq!(
        again["documents_written"], 0,
        "unchanged files are not rewritten"
    );
    assert_eq!(
        again["by_label"]["confidential"], 1,
        "labels still cover unchanged files"
    );

    std::fs::write(&b, "Public, edited.\n").unwrap();
    std::fs::remove_file(&c).unwrap();
    kb.file("d.md", EMAIL_LINE);
    let third = summary(&kb, &[]);
    assert_eq!(third["changes"]["new"], 1);
    assert_eq!(third["changes"]["changed"], 1);
    assert_eq!(third["changes"]["unchanged"], 1);
    assert_eq!(third["changes"]["deleted"], 1);
    assert_eq!(kb.export()["kb/c.md"]["status"], "deleted");

    let full = summary(&kb, &["--full"]);
    assert_eq!(full["changes"]["unchanged"], 3);
    assert_eq!(full["documents_written"], 3, "--full re-reads everything");
}

#[test]
fn a_touched_file_is_not_re_read() {
    let kb = Kb::new();
    let a = kb.file("a.md", EMAIL_LINE);
    summary(&kb, &[]);
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(10);
    std::fs::File::options()
        .write(true)
        .open(&a)
        .unwrap()
        .set_modified(later)
        .unwrap();
    let s = summary(&kb, &[]);
    assert_eq!(s["changes"]["unchanged"], 1);
    assert_eq!(s["documents_written"], 0);
    // The gate accepts the new mtime without hashing again.
    assert_eq!(
        kb.run(&["gate", "--max-label", "confidential", "kb/a.md"])
            .code(),
        0
    );
}

#[test]
fn a_policy_change_relabels_without_re_reading() {
    let kb = Kb::new();
    kb.file("a.md", EMAIL_LINE);
    summary(&kb, &[]);
    // The built-in rules, unchanged, with a stricter policy for emails.
    let rules = kb.dir.path().join("myrules");
    std::fs::create_dir_all(&rules).unwrap();
    for entry in std::fs::read_dir(crate::util::crate_root().join("rules")).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().unwrap() != "policy.toml" {
            std::fs::copy(&path, rules.join(path.file_name().unwrap())).unwrap();
        }
    }
    std::fs::write(
        rules.join("policy.toml"),
        "version = \"2\"\n[labels]\n\"pii.email\" = \"restricted\"\n[audiences]\npublic = \"public\"\nadmin = \"restricted\"\n",
    )
    .unwrap();
    let s = summary(&kb, &["--rules", rules.to_str().unwrap()]);
    assert_eq!(s["changes"]["unchanged"], 1);
    assert_eq!(s["documents_written"], 0);
    assert_eq!(kb.export()["kb/a.md"]["label"], "restricted");
    let diff = kb.run(&["diff", "--json"]);
    let line: Value = serde_json::from_str(diff.stdout().lines().next().unwrap()).unwrap();
    assert_eq!(line["change"], "more-sensitive");
    assert_eq!(line["reason"], "policy changed");
}

#[test]
fn rejected_findings_stop_raising_labels_and_survive_rescans() {
    let kb = Kb::new();
    kb.file(
        "a.md",
        "Old contact: jane.doe@acme-widgets.io\nNew contact: john.roe@acme-widgets.io\n",
    );
    kb.scan();
    let doc = &kb.export()["kb/a.md"];
    let fps: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fps.len(), 2);
    // Rejecting one of two values on the page keeps the label.
    let r = kb.run(&["triage", &fps[0], "--reject", "--note", "test account"]);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    assert_eq!(kb.export()["kb/a.md"]["label"], "confidential");
    // Rejecting both drops it, and it stays dropped after a full re-scan.
    assert_eq!(kb.run(&["triage", &fps[1], "--reject"]).code(), 0);
    assert_eq!(kb.export()["kb/a.md"]["label"], "public");
    summary(&kb, &["--full"]);
    assert_eq!(kb.export()["kb/a.md"]["label"], "public");
    // The same value in another document is not suppressed.
    kb.file("b.md", "Contact: jane.doe@acme-widgets.io\n");
    kb.scan();
    assert_eq!(kb.export()["kb/b.md"]["label"], "confidential");
    // Decisions whose finding disappeared are reported.
    kb.file("a.md", "Nothing personal any more.\n");
    kb.scan();
    let unused = kb.run(&["triage", "--report-unused"]);
    assert_eq!(unused.code(), 1);
    assert_eq!(unused.stdout().lines().count(), 2, "{}", unused.stdout());
}

#[test]
fn manual_labels_raise_but_lower_only_with_allow_downgrade() {
    let kb = Kb::new();
    kb.file("hr.md", "Salary bands for 2025.\n");
    kb.file("a.md", EMAIL_LINE);
    kb.scan();
    let r = kb.run(&[
        "label",
        "kb/hr.md",
        "--set",
        "restricted",
        "--reason",
        "HR data",
    ]);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    assert_eq!(kb.export()["kb/hr.md"]["label"], "restricted");
    let r = kb.run(&["label", "kb/a.md", "--set", "public", "--reason", "mine"]);
    assert_eq!(r.code(), 2);
    assert!(r.stderr().contains("--allow-downgrade"), "{}", r.stderr());
    let r = kb.run(&[
        "label",
        "kb/a.md",
        "--set",
        "public",
        "--reason",
        "test data",
        "--allow-downgrade",
    ]);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    assert_eq!(kb.export()["kb/a.md"]["label"], "public");
    // Overrides survive a full re-scan.
    summary(&kb, &["--full"]);
    let docs = kb.export();
    assert_eq!(docs["kb/hr.md"]["label"], "restricted");
    assert_eq!(docs["kb/a.md"]["label"], "public");
}

#[test]
fn diff_lists_what_the_last_scan_changed() {
    let kb = Kb::new();
    let a = kb.file("a.md", "Public.\n");
    let b = kb.file("b.md", EMAIL_LINE);
    kb.file("c.md", "Public.\n");
    kb.scan();
    std::fs::write(&a, EMAIL_LINE).unwrap();
    std::fs::write(&b, "Public now.\n").unwrap();
    kb.file("c.md", crate::util::PNG_BYTES);
    kb.file("d.md", "New page.\n");
    kb.scan();
    let r = kb.run(&["diff", "--json"]);
    let changes: Vec<(String, String)> = r
        .stdout()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (
                v["change"].as_str().unwrap().into(),
                v["path"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            ("more-sensitive".into(), "kb/a.md".into()),
            ("started-failing".into(), "kb/c.md".into()),
            ("appeared".into(), "kb/d.md".into()),
            ("less-sensitive".into(), "kb/b.md".into()),
        ]
    );
    let scans = kb.run(&["scans", "--json"]);
    assert_eq!(scans.stdout().lines().count(), 2);
    let latest: Value = serde_json::from_str(scans.stdout().lines().next().unwrap()).unwrap();
    assert_eq!(latest["status"], "complete");
    assert_eq!(latest["changed"], 3);
    assert_eq!(latest["new"], 1);
}
