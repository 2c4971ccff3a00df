//! The indexer's side: the README's Python snippet and examples/gate_filter.py
//! run against a real catalog.

use crate::util::{crate_root, Kb};
use std::process::Command;

fn python_available() -> bool {
    Command::new("python3").arg("--version").output().is_ok()
}

fn scanned_kb() -> Kb {
    let kb = Kb::new();
    kb.file(
        "faq.md",
        "How do I reset my password? Use the link on the login page.\n",
    );
    kb.file("ticket.md", "Reach me at jane.doe@acme-widgets.io.\n");
    kb.file("blob.bin", crate::util::PNG_BYTES);
    kb.scan();
    kb.file("late.md", "Added after the scan.\n");
    kb
}

#[test]
fn readme_python_snippet_keeps_only_allowed_documents() {
    if !python_available() {
        eprintln!("skipped: python3 not found");
        return;
    }
    let readme = std::fs::read_to_string(crate_root().join("README.md")).unwrap();
    let block = readme
        .split("<!-- gate-example -->")
        .nth(1)
        .and_then(|s| s.split("<!-- /gate-example -->").next())
        .expect("README has a gate example");
    let code = block
        .trim()
        .trim_start_matches("```python")
        .trim_end_matches("```");
    let kb = scanned_kb();
    let out = Command::new("python3")
        .args(["-c", code])
        .current_dir(kb.dir.path())
        .env("KBSCAN_CATALOG", kb.catalog())
        .env("DOCS", "kb/faq.md:kb/ticket.md:kb/blob.bin:kb/late.md")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "kb/faq.md");
}

#[test]
fn gate_filter_example_fails_closed() {
    if !python_available() {
        eprintln!("skipped: python3 not found");
        return;
    }
    let kb = scanned_kb();
    let abs_faq = kb.root().join("faq.md").canonicalize().unwrap();
    let docs = [
        "kb/faq.md".to_string(),
        "kb/ticket.md".into(),
        "kb/blob.bin".into(),
        "kb/late.md".into(),
        abs_faq.display().to_string(),
    ]
    .iter()
    .map(|p| format!("{{\"page_content\": \"...\", \"metadata\": {{\"source\": \"{p}\"}}}}\n"))
    .collect::<String>();
    let run = |max: &str| {
        let mut child = Command::new("python3")
            .arg(crate_root().join("examples/gate_filter.py"))
            .args([
                "--catalog",
                kb.catalog().to_str().unwrap(),
                "--max-label",
                max,
            ])
            .current_dir(kb.dir.path())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(docs.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let kept: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["metadata"]["source"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        (kept, String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (kept, log) = run("public");
    assert_eq!(
        kept,
        ["kb/faq.md".to_string(), abs_faq.display().to_string()],
        "{log}"
    );
    assert!(log.contains("kb/ticket.md: label:confidential"), "{log}");
    assert!(log.contains("kb/blob.bin: skipped:binary"), "{log}");
    assert!(log.contains("kb/late.md: unscanned"), "{log}");
    let (kept, _) = run("confidential");
    assert_eq!(kept.len(), 3, "{kept:?}");
    // A file edited after the scan is dropped.
    std::fs::write(
        kb.root().join("faq.md"),
        "Edited, now with more text than before.\n",
    )
    .unwrap();
    let (kept, log) = run("confidential");
    assert!(log.contains("kb/faq.md: changed-since-scan"), "{log}");
    assert_eq!(kept, ["kb/ticket.md"]);
}
