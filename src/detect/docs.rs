//! Keeps `docs/rules.md` in step with the rules: its rule list is generated
//! from the built-in rule files, and a test fails when the checked-in file
//! is stale (`KBSCAN_BLESS=1 cargo test --lib detect::docs` rewrites it).

use super::rules::{Anchor, Rule, RuleSet};
use std::fmt::Write;

/// Everything after this line in `docs/rules.md` is generated.
const MARKER: &str = "<!-- BEGIN GENERATED RULE LIST: edit rules/*.toml, then run \
                      `KBSCAN_BLESS=1 cargo test --lib detect::docs` -->";

const FAMILIES: &[(&str, &str)] = &[
    ("pii", "Personal data"),
    ("secret", "Credentials"),
    ("credit", "Credit notes"),
    ("internal", "Internal annotations"),
];

fn anchor(rule: &Rule) -> String {
    match rule.anchor {
        Anchor::Keywords => format!("{} keyword(s)", rule.keywords.len()),
        Anchor::At => "`@`".to_string(),
        Anchor::Digits(n) => format!("digit run ≥ {n}"),
        Anchor::Context => "column header".to_string(),
    }
}

fn rule_list(set: &RuleSet) -> String {
    let mut s = String::new();
    let family = |r: &Rule| r.category.split('.').next().unwrap_or("").to_string();
    let _ = writeln!(
        s,
        "\n{} rules, version `{}`.\n",
        set.rules().len(),
        set.version()
    );
    let _ = writeln!(s, "| family | rules | categories |\n|---|---:|---|");
    for (fam, title) in FAMILIES {
        let rules: Vec<&Rule> = set.rules().iter().filter(|r| family(r) == *fam).collect();
        let mut cats: Vec<&str> = rules.iter().map(|r| r.category.as_str()).collect();
        cats.sort_unstable();
        cats.dedup();
        let _ = writeln!(
            s,
            "| {title} (`{fam}`) | {} | {} |",
            rules.len(),
            cats.len()
        );
    }
    for (fam, title) in FAMILIES {
        let _ = writeln!(s, "\n## {title}\n");
        let _ = writeln!(
            s,
            "| id | category | anchor | validators | confidence (min) | context |\n|---|---|---|---|---|---|"
        );
        for r in set.rules().iter().filter(|r| family(r) == *fam) {
            let validators: Vec<String> = r.validators.iter().map(|v| format!("`{v}`")).collect();
            let ctx = match (&r.context, r.requires_context) {
                (Some(h), true) => format!("required, +{:.2}", h.weight),
                (Some(h), false) => format!("+{:.2}", h.weight),
                (None, _) => "—".to_string(),
            };
            let ctx = match &r.negative_context {
                Some(h) => format!("{ctx} / −{:.2}", h.weight),
                None => ctx,
            };
            let _ = writeln!(
                s,
                "| `{}` | `{}` | {} | {} | {:.2} ({:.2}) | {} |",
                r.id,
                r.category,
                anchor(r),
                if validators.is_empty() {
                    "—".to_string()
                } else {
                    validators.join(", ")
                },
                r.confidence,
                r.min_confidence,
                ctx
            );
        }
        for r in set.rules().iter().filter(|r| family(r) == *fam) {
            let _ = writeln!(s, "\n### `{}`: {}\n\n{}\n", r.id, r.name, r.description);
            let _ = writeln!(
                s,
                "{} examples, {} negative examples.",
                r.examples.len(),
                r.negative_examples.len()
            );
            for link in &r.references {
                let _ = writeln!(s, "- <{link}>");
            }
        }
    }
    s
}

#[test]
fn rules_md_is_fresh() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/rules.md");
    let current = std::fs::read_to_string(path).expect("docs/rules.md exists");
    let head = current
        .split_once(MARKER)
        .map(|(head, _)| head)
        .expect("docs/rules.md has the generated-list marker");
    let set = RuleSet::builtin().expect("built-in rules load");
    let wanted = format!("{head}{MARKER}\n{}", rule_list(&set));
    if std::env::var_os("KBSCAN_BLESS").is_some() {
        std::fs::write(path, &wanted).expect("write docs/rules.md");
    } else {
        assert!(
            current == wanted,
            "docs/rules.md is stale: run `KBSCAN_BLESS=1 cargo test --lib detect::docs`"
        );
    }
}
