//! Nothing raw leaks: the catalog file, exports, explain and the report never
//! hold a secret or a full card number, whatever the format it came in.

use crate::util::{crate_root, Kb};

/// Raw values planted in the test knowledge base (all fake, all valid in
/// shape and checksum so the detector must find them).
const RAW: &[&str] = &[
    "4716526018159088",
    "5137301661318607",
    "2367913909960301",
    "371482462819484",
    "AKIALGMXGEDN73U55XTP",
    "xFkM/R5Kjp1vRt+1fjORS/6ilI8ihN5KXSc7Tvo/",
    "ghp_dnXsiVpzz63FfkCzJr4i0B3JrTAwR4y9ojfl",
    "DE47370400440532013077",
    "536-22-8417",
    "Qw7!vR2#pLx9",
];

fn planted_kb() -> Kb {
    let kb = Kb::new();
    kb.file(
        "runbook.md",
        "# DB failover\n\nConnect with postgres://app_admin:Qw7!vR2#pLx9@db-prod.internal:5432/orders\n\
         aws_access_key_id = AKIALGMXGEDN73U55XTP\n\
         aws_secret_access_key = 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\n\
         GITHUB_TOKEN=ghp_dnXsiVpzz63FfkCzJr4i0B3JrTAwR4y9ojfl\n",
    );
    kb.file(
        "customers.csv",
        "name,ssn,card_number,iban\nJane Roe,536-22-8417,4716 5260 1815 9088,DE47 3704 0044 0532 0130 77\n\
         John Poe,,5137-3016-6131-8607,\n",
    );
    kb.file(
        "ticket.html",
        "<html><body><p>Card on file: 2367 9139 0996 0301 (exp 04/27)</p>\
         <p>Amex 3714 824628 19484, CVV on request</p></body></html>",
    );
    kb
}

fn assert_no_raw(what: &str, bytes: &[u8]) {
    let hay = String::from_utf8_lossy(bytes);
    for raw in RAW {
        assert!(!hay.contains(raw), "{what} contains the raw value {raw}");
        let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
        if digits.len() >= 13 {
            assert!(
                !hay.contains(&digits),
                "{what} contains the digits of {raw}"
            );
        }
    }
}

#[test]
fn no_raw_value_reaches_the_catalog_or_any_output() {
    let kb = planted_kb();
    let r = kb.run(&["scan", "kb", "--json"]);
    assert!(r.code() <= 1, "{}", r.stderr());
    assert_no_raw("scan output", r.0.stdout.as_slice());
    assert_no_raw("scan stderr", r.0.stderr.as_slice());
    let docs = kb.export();
    for p in ["kb/runbook.md", "kb/customers.csv", "kb/ticket.html"] {
        assert_eq!(
            docs[p]["label"], "restricted",
            "{p} must be found restricted: {}",
            docs[p]
        );
    }
    for args in [
        vec!["export", "--format", "jsonl"],
        vec!["export", "--format", "csv"],
        vec!["export", "--format", "sarif"],
        vec!["explain", "kb/runbook.md"],
        vec!["explain", "kb/customers.csv", "--json"],
        vec!["report"],
        vec!["diff"],
    ] {
        let out = kb.run(&args);
        assert_eq!(out.code(), 0, "{args:?}: {}", out.stderr());
        assert_no_raw(&format!("{args:?}"), &out.0.stdout);
    }
    // The database file and its WAL, byte for byte.
    for suffix in ["", "-wal"] {
        let path = format!("{}{suffix}", kb.catalog().display());
        if let Ok(bytes) = std::fs::read(&path) {
            assert_no_raw(&path, &bytes);
        }
    }
}

/// Digit runs of 13-19 digits (separators removed) that pass Luhn: the card
/// numbers in a text.
fn card_numbers(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut digits = String::new();
    let mut flush = |digits: &mut String| {
        if (13..=19).contains(&digits.len()) && luhn(digits) {
            found.push(digits.clone());
        }
        digits.clear();
    };
    let chars: Vec<char> = text.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if c.is_ascii_digit() {
            digits.push(*c);
        } else if (*c == ' ' || *c == '-')
            && !digits.is_empty()
            && chars.get(i + 1).is_some_and(char::is_ascii_digit)
        {
            continue;
        } else {
            flush(&mut digits);
        }
    }
    flush(&mut digits);
    found
}

fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                if d * 2 > 9 {
                    d * 2 - 9
                } else {
                    d * 2
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[test]
fn the_shipped_fixtures_leave_no_card_number_or_token_in_the_catalog() {
    let fixtures = crate_root().join("fixtures/kb");
    if !fixtures.exists() {
        eprintln!("skipped: fixtures/kb is absent");
        return;
    }
    let kb = Kb::new();
    let r = kb.run(&["scan", fixtures.to_str().unwrap(), "--quiet", "--hidden"]);
    assert!(r.code() <= 1, "{}", r.stderr());
    // Every sensitive value the fixture generator planted, as written...
    let truth: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(crate_root().join("fixtures/kb.truth.json")).unwrap(),
    )
    .unwrap();
    let mut planted: Vec<String> = truth["raw_values"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    // ...plus whatever card numbers and tokens the text files hold.
    for entry in walk_files(&fixtures) {
        let Ok(text) = std::fs::read_to_string(&entry) else {
            continue;
        };
        planted.extend(card_numbers(&text));
        for token in text.split(|c: char| c.is_whitespace() || "\"'=,;:<>()".contains(c)) {
            let secretish = [
                "AKIA", "ghp_", "glpat-", "sk_live_", "xoxb-", "xoxp-", "AIza", "sk-ant-", "hf_",
            ];
            if token.len() >= 16
                && secretish.iter().any(|p| token.starts_with(p))
                && !token.contains("EXAMPLE")
            {
                planted.push(token.to_string());
            }
        }
    }
    let catalog = std::fs::read(kb.catalog()).unwrap();
    let wal = std::fs::read(format!("{}-wal", kb.catalog().display())).unwrap_or_default();
    let hay = String::from_utf8_lossy(&catalog).into_owned() + &String::from_utf8_lossy(&wal);
    for value in &planted {
        assert!(!hay.contains(value.as_str()), "catalog contains {value}");
    }
    eprintln!("checked {} planted values", planted.len());
}

fn walk_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}
