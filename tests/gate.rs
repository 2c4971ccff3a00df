use crate::util::Kb;

fn gate(kb: &Kb, audience: &str, path: &str) -> (i32, String) {
    let r = kb.run(&["gate", "--audience", audience, path]);
    (r.code(), r.stdout())
}

#[test]
fn allows_only_scanned_unchanged_documents_within_the_audience() {
    let kb = Kb::new();
    kb.file(
        "faq.md",
        "How do I reset my password? Use the link on the login page.\n",
    );
    kb.file("ticket.md", "Reach me at jane.doe@acme-widgets.io.\n");
    kb.scan();
    assert_eq!(
        gate(&kb, "public", "kb/faq.md"),
        (0, "allow\tkb/faq.md\n".into())
    );
    assert_eq!(
        gate(&kb, "public", "kb/ticket.md"),
        (1, "deny\tkb/ticket.md\tlabel:confidential\n".into())
    );
    assert_eq!(gate(&kb, "analyst", "kb/ticket.md").0, 0);
}

#[test]
fn denies_unscanned_files() {
    let kb = Kb::new();
    kb.file("faq.md", "Public.\n");
    kb.scan();
    kb.file("new.md", "Added after the scan.\n");
    assert_eq!(
        gate(&kb, "admin", "kb/new.md"),
        (1, "deny\tkb/new.md\tunscanned\n".into())
    );
}

#[test]
fn denies_files_modified_after_the_scan_but_not_a_mere_touch() {
    let kb = Kb::new();
    let p = kb.file("faq.md", "Public page.\n");
    kb.scan();
    // Same content, new mtime: the hash decides, still allowed.
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
    std::fs::File::options()
        .write(true)
        .open(&p)
        .unwrap()
        .set_modified(later)
        .unwrap();
    assert_eq!(gate(&kb, "public", "kb/faq.md").0, 0);
    // Same size, different content.
    std::fs::write(&p, "Public pagE.\n").unwrap();
    std::fs::File::options()
        .write(true)
        .open(&p)
        .unwrap()
        .set_modified(later + std::time::Duration::from_secs(5))
        .unwrap();
    assert_eq!(
        gate(&kb, "admin", "kb/faq.md"),
        (1, "deny\tkb/faq.md\tchanged-since-scan\n".into())
    );
    // Different size.
    std::fs::write(&p, "Public page, now longer.\n").unwrap();
    assert_eq!(
        gate(&kb, "admin", "kb/faq.md").1,
        "deny\tkb/faq.md\tchanged-since-scan\n"
    );
}

#[test]
fn denies_files_that_could_not_be_read() {
    let kb = Kb::new();
    kb.file("blob.bin", crate::util::PNG_BYTES);
    kb.scan();
    let (code, out) = gate(&kb, "admin", "kb/blob.bin");
    assert_eq!(code, 1);
    assert!(
        out.starts_with("deny\tkb/blob.bin\tskipped:binary"),
        "{out}"
    );
}

#[test]
fn denies_deleted_files() {
    let kb = Kb::new();
    let p = kb.file("faq.md", "Public.\n");
    kb.scan();
    std::fs::remove_file(p).unwrap();
    assert_eq!(
        gate(&kb, "admin", "kb/faq.md"),
        (1, "deny\tkb/faq.md\tdeleted\n".into())
    );
}

#[test]
fn reads_paths_from_stdin_and_accepts_absolute_paths() {
    let kb = Kb::new();
    kb.file("faq.md", "Public.\n");
    kb.file("ticket.md", "Reach me at jane.doe@acme-widgets.io.\n");
    kb.scan();
    let abs = kb.root().join("faq.md").canonicalize().unwrap();
    let input = format!("kb/ticket.md\n{}\nkb/missing.md\n", abs.display());
    let r = kb.run_stdin(&["gate", "--max-label", "internal", "--json", "-"], &input);
    assert_eq!(r.code(), 1);
    let lines: Vec<serde_json::Value> = r
        .stdout()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["decision"], "deny");
    assert_eq!(lines[0]["reason"], "label:confidential");
    assert_eq!(lines[1]["decision"], "allow");
    assert_eq!(lines[2]["reason"], "unscanned");
}

#[test]
fn unknown_audience_is_an_error() {
    let kb = Kb::new();
    kb.file("faq.md", "Public.\n");
    kb.scan();
    let r = kb.run(&["gate", "--audience", "martians", "kb/faq.md"]);
    assert_eq!(r.code(), 2);
    assert!(r.stderr().contains("unknown audience"), "{}", r.stderr());
}
