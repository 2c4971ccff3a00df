use crate::util::Kb;

#[test]
fn every_command_has_an_example_in_help() {
    let kb = Kb::new();
    for cmd in [
        vec!["scan", "--help"],
        vec!["export", "--help"],
        vec!["gate", "--help"],
        vec!["explain", "--help"],
        vec!["rules", "--help"],
        vec!["--help"],
    ] {
        let r = kb.run(&cmd);
        assert_eq!(r.code(), 0, "{cmd:?}");
        assert!(
            r.stdout().contains("Example"),
            "{cmd:?} has no example:\n{}",
            r.stdout()
        );
    }
}

#[test]
fn usage_errors_exit_2() {
    let kb = Kb::new();
    assert_eq!(kb.run(&["scan"]).code(), 2);
    assert_eq!(
        kb.run(&["gate", "x"]).code(),
        2,
        "gate needs --audience or --max-label"
    );
    assert_eq!(kb.run(&["scan", "kb", "--fail-on", "secretish"]).code(), 2);
    // No catalog yet.
    let r = kb.run(&["export"]);
    assert_eq!(r.code(), 2);
    assert!(r.stderr().contains("no catalog"), "{}", r.stderr());
}

#[test]
fn export_has_one_record_per_document_in_the_documented_shape() {
    let kb = Kb::new();
    kb.file(
        "a.md",
        "Reach me at jane.doe@acme-widgets.io about the order.\n",
    );
    kb.file("b/c.txt", "Nothing to see here.\n");
    kb.scan();
    let docs = kb.export();
    assert_eq!(docs.len(), 2, "{docs:?}");
    let a = &docs["kb/a.md"];
    for key in [
        "path",
        "status",
        "error",
        "label",
        "categories",
        "findings",
        "size",
        "content_hash",
        "scanned_at",
    ] {
        assert!(a.get(key).is_some(), "missing {key} in {a}");
    }
    assert_eq!(a["status"], "ok");
    assert_eq!(a["label"], "confidential");
    assert_eq!(a["categories"], serde_json::json!(["pii.email"]));
    let f = &a["findings"][0];
    assert_eq!(f["location"]["kind"], "line");
    assert_eq!(f["location"]["line"], 1);
    assert!(!f["snippet"]
        .as_str()
        .unwrap()
        .contains("jane.doe@acme-widgets.io"));
    assert_eq!(docs["kb/b/c.txt"]["label"], "public");
}

/// Lines are counted on from one finding to the next: each finding of a
/// many-line text still gets its own line and byte offset.
#[test]
fn findings_on_many_lines_keep_their_own_line_and_byte() {
    let kb = Kb::new();
    let lines = [
        "Intro line.",
        "Mail jane.doe@acme-widgets.io today.",
        "",
        "Nothing here.",
        "Also bob.smith@acme-widgets.io and carol.ng@acme-widgets.io here.",
        "Tail.",
    ];
    kb.file("many.txt", &(lines.join("\n") + "\n"));
    kb.scan();
    let docs = kb.export();
    let text = lines.join("\n");
    let mut got: Vec<(u64, u64)> = docs["kb/many.txt"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let l = &f["location"];
            (l["line"].as_u64().unwrap(), l["byte"].as_u64().unwrap())
        })
        .collect();
    got.sort();
    let want: Vec<(u64, u64)> = ["jane.doe@", "bob.smith@", "carol.ng@"]
        .iter()
        .map(|m| {
            let byte = text.find(m).unwrap();
            (1 + text[..byte].matches('\n').count() as u64, byte as u64)
        })
        .collect();
    assert_eq!(got, want);
}

/// A text of several 1 MiB chunks is scanned on both threads at once; the
/// findings (locations, snippets, fingerprints) are those of one thread.
#[test]
fn a_big_text_on_two_threads_gives_the_findings_of_one() {
    let kb = Kb::new();
    let mut text = String::new();
    for i in 0..60_000 {
        text.push_str(&format!(
            "Ticket {i}: printer on floor {} is jammed again.\n",
            i % 9
        ));
        if i % 6_000 == 7 {
            text.push_str(&format!("Call me, user{i}@acme-widgets.io\n"));
        }
    }
    assert!(text.len() > 2 << 20, "several chunks");
    kb.file("export.txt", &text);
    // The same text as an archive member: its chunks are relayed from the
    // extraction thread together.
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("export.txt", zip::write::SimpleFileOptions::default())
        .unwrap();
    std::io::Write::write_all(&mut zip, text.as_bytes()).unwrap();
    kb.file("export.zip", zip.finish().unwrap().into_inner());
    let mut runs = Vec::new();
    for threads in ["1", "2"] {
        let r = kb.run(&["scan", "kb", "--quiet", "--full", "--threads", threads]);
        assert!(r.code() <= 1, "{}", r.stderr());
        let export = kb.export();
        let member = export
            .iter()
            .find(|(path, _)| path.starts_with("kb/export.zip") && path.ends_with("export.txt"))
            .map(|(_, doc)| doc["findings"].clone())
            .expect("the member is in the export");
        // The same findings but for the fingerprint, which covers the path.
        let without_fingerprint = |findings: &serde_json::Value| {
            let mut findings = findings.clone();
            for f in findings.as_array_mut().unwrap() {
                f.as_object_mut().unwrap().remove("fingerprint");
            }
            findings
        };
        assert_eq!(
            without_fingerprint(&member),
            without_fingerprint(&export["kb/export.txt"]["findings"])
        );
        runs.push(member);
    }
    assert_eq!(runs[0].as_array().unwrap().len(), 10);
    assert_eq!(runs[0], runs[1]);
}

#[test]
fn fail_on_sets_exit_1_only_at_or_above_the_threshold() {
    let kb = Kb::new();
    kb.file("a.md", "Reach me at jane.doe@acme-widgets.io.\n");
    assert_eq!(
        kb.run(&["scan", "kb", "--quiet", "--fail-on", "confidential"])
            .code(),
        1
    );
    assert_eq!(
        kb.run(&["scan", "kb", "--quiet", "--fail-on", "restricted"])
            .code(),
        0
    );
}

#[test]
fn json_summary_counts_labels_and_statuses() {
    let kb = Kb::new();
    kb.file("a.md", "Reach me at jane.doe@acme-widgets.io.\n");
    kb.file("b.md", "Public page.\n");
    let r = kb.run(&["scan", "kb", "--json"]);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    let s: serde_json::Value = serde_json::from_str(&r.stdout()).unwrap();
    assert_eq!(s["files"], 2);
    assert_eq!(s["by_label"]["confidential"], 1);
    assert_eq!(s["by_label"]["public"], 1);
    assert_eq!(s["by_status"]["ok"], 2);
}

#[test]
fn built_in_rules_pass_their_own_examples() {
    let kb = Kb::new();
    let r = kb.run(&["rules", "test"]);
    assert_eq!(r.code(), 0, "{}{}", r.stdout(), r.stderr());
    assert!(r.stdout().contains(" 0 failed"), "{}", r.stdout());
}

#[test]
fn a_rule_without_negative_examples_fails_rules_test() {
    let kb = Kb::new();
    let dir = kb.dir.path().join("rules");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("custom.toml"),
        r#"[[rule]]
id = "internal.project_falcon"
name = "Project Falcon"
category = "internal.codename"
description = "Mentions of an unannounced project."
phrases = ["project falcon"]
examples = ["Status of Project Falcon: on track"]
negative_examples = []
"#,
    )
    .unwrap();
    let r = kb.run(&["rules", "test", "--rules", dir.to_str().unwrap()]);
    assert_eq!(r.code(), 1, "{}{}", r.stdout(), r.stderr());
    assert!(
        r.stdout().contains("internal.project_falcon"),
        "{}",
        r.stdout()
    );
}

#[test]
fn rules_list_documents_every_rule() {
    let kb = Kb::new();
    let r = kb.run(&["rules", "list", "--json"]);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    let rules: Vec<serde_json::Value> = r
        .stdout()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(rules.len() >= 60, "{} rules", rules.len());
    for rule in &rules {
        for key in [
            "id",
            "category",
            "description",
            "examples",
            "negative_examples",
        ] {
            assert!(
                rule.get(key).is_some_and(|v| !v.is_null()),
                "{key} missing in {rule}"
            );
        }
        assert!(!rule["examples"].as_array().unwrap().is_empty(), "{rule}");
    }
}
