//! MB/s of `Detector::scan`, in memory, one thread.
//!
//! - `family/<family>`: a detector built from only that family's rules
//!   (`rules/*.toml` filtered by category prefix) on text dense in that
//!   family (5 % of lines), so a slow rule family shows up by itself;
//! - `pack/<text>`: the whole built-in pack on clean prose, on each dense
//!   text and on realistic knowledge-base text (1 % of lines sensitive);
//! - `pack/csv-cells`: the whole pack cell by cell with a column header as
//!   context, the way spreadsheets are scanned.
//!
//! `cargo bench --bench detector`; `-- --quick` for a fast look.

mod common;

use common::{Family, Gen, HEADER};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use kbscan::detect::{Detection, Detector, RuleSet, Scratch};
use std::hint::black_box;

/// Bytes of text per iteration: large enough that per-call setup is noise.
const TEXT_BYTES: usize = 1 << 20;

/// The rule files shipped in `rules/`, without the policy.
fn rule_sources() -> Vec<(String, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/rules");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("rules/ is readable") {
        let path = entry.expect("rules/ entry").path();
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        if name.ends_with(".toml") && name != "policy.toml" {
            out.push((
                name,
                std::fs::read_to_string(&path).expect("rule file is UTF-8"),
            ));
        }
    }
    out
}

/// A detector over the rules whose category starts with `prefix`, or `None`
/// when no rule does (a family not written yet).
fn family_detector(prefix: &str) -> Option<Detector> {
    let mut sources = Vec::new();
    for (name, text) in rule_sources() {
        let mut table: toml::Table = toml::from_str(&text).expect("rule file is TOML");
        let Some(toml::Value::Array(rules)) = table.remove("rule") else {
            continue;
        };
        let kept: Vec<toml::Value> = rules
            .into_iter()
            .filter(|r| {
                r.get("category")
                    .and_then(|c| c.as_str())
                    .is_some_and(|c| c.starts_with(prefix))
            })
            .collect();
        if !kept.is_empty() {
            table.insert("rule".into(), toml::Value::Array(kept));
            sources.push((
                name,
                toml::to_string(&table).expect("rule file re-serializes"),
            ));
        }
    }
    if sources.is_empty() {
        return None;
    }
    Some(
        Detector::new(
            RuleSet::from_sources(sources).expect("family rules load"),
            None,
        )
        .expect("detector builds"),
    )
}

fn scan_all(
    detector: &Detector,
    text: &str,
    scratch: &mut Scratch,
    out: &mut Vec<Detection>,
) -> usize {
    out.clear();
    detector.scan(text, None, scratch, out);
    out.len()
}

fn families(c: &mut Criterion) {
    let mut group = c.benchmark_group("family");
    group.throughput(Throughput::Bytes(TEXT_BYTES as u64));
    let cases = [
        ("pii", &["pii."][..], Family::Pii),
        ("secret", &["secret."][..], Family::Secret),
        (
            "credit+internal",
            &["credit.", "internal."][..],
            Family::CreditInternal,
        ),
    ];
    for (name, prefixes, family) in cases {
        let text = Gen::new(1).text(TEXT_BYTES, family, 0.05);
        for prefix in prefixes {
            let Some(detector) = family_detector(prefix) else {
                eprintln!("no {prefix}* rules in rules/: skipping");
                continue;
            };
            let (mut scratch, mut out) = (Scratch::new(), Vec::new());
            let id = format!("{}-rules/{name}-dense", prefix.trim_end_matches('.'));
            group.bench_function(id, |b| {
                b.iter(|| scan_all(&detector, black_box(&text), &mut scratch, &mut out))
            });
        }
    }
    group.finish();
}

fn whole_pack(c: &mut Criterion) {
    let detector =
        Detector::new(RuleSet::builtin().expect("built-in rules"), None).expect("detector builds");
    let mut group = c.benchmark_group("pack");
    group.throughput(Throughput::Bytes(TEXT_BYTES as u64));
    let texts = [
        ("clean", Family::Clean, 0.0),
        ("pii-dense", Family::Pii, 0.05),
        ("secret-dense", Family::Secret, 0.05),
        ("credit-internal-dense", Family::CreditInternal, 0.05),
        ("kb-1pct", Family::Mixed, 0.01),
    ];
    for (name, family, share) in texts {
        let text = Gen::new(2).text(TEXT_BYTES, family, share);
        let (mut scratch, mut out) = (Scratch::new(), Vec::new());
        group.bench_function(name, |b| {
            b.iter(|| scan_all(&detector, black_box(&text), &mut scratch, &mut out))
        });
    }

    // Spreadsheet-style: many short texts, each with its column header.
    let mut gen = Gen::new(3);
    let mut cells: Vec<(usize, String)> = Vec::new();
    let mut bytes = 0;
    while bytes < TEXT_BYTES {
        for (col, cell) in gen.row(Family::Mixed, 0.01).into_iter().enumerate() {
            bytes += cell.len();
            cells.push((col, cell));
        }
    }
    group.throughput(Throughput::Bytes(bytes as u64));
    let (mut scratch, mut out) = (Scratch::new(), Vec::new());
    group.bench_function("csv-cells", |b| {
        b.iter(|| {
            out.clear();
            for (col, cell) in &cells {
                detector.scan(black_box(cell), Some(HEADER[*col]), &mut scratch, &mut out);
            }
            out.len()
        })
    });
    group.finish();
}

criterion_group! { name = benches; config = common::criterion(20); targets = families, whole_pack }
criterion_main!(benches);
