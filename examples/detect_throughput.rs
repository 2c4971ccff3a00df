//! Quick detector throughput check (not a benchmark; criterion benches live
//! in `benches/`).
//!
//! `cargo run --release --example detect_throughput -- [--show] [--repeat N] PATH...`
//! reads every file under the given paths as (lossy) UTF-8 text, scans it
//! with the built-in rules and prints MB/s of the fastest of N passes (the
//! machine is shared, so the best pass is the least disturbed); `--show` also
//! prints each file's detections as rule id, confidence, byte span and masked snippet.

use kbscan::detect::{Detector, RuleSet, Scratch};
use std::path::{Path, PathBuf};
use std::time::Instant;

fn collect(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let Ok(entries) = std::fs::read_dir(path) else {
            return;
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for p in paths {
            collect(&p, out);
        }
    } else if path.is_file() {
        out.push(path.to_path_buf());
    }
}

fn main() -> anyhow::Result<()> {
    let mut show = false;
    let mut repeat = 1;
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--show" {
            show = true;
        } else if arg == "--repeat" {
            repeat = args.next().and_then(|n| n.parse().ok()).unwrap_or(1);
        } else {
            collect(Path::new(&arg), &mut files);
        }
    }
    let texts: Vec<(PathBuf, String)> = files
        .into_iter()
        .filter_map(|p| {
            let bytes = std::fs::read(&p).ok()?;
            Some((p, String::from_utf8_lossy(&bytes).into_owned()))
        })
        .collect();
    let total: usize = texts.iter().map(|(_, t)| t.len()).sum();
    let detector = Detector::new(RuleSet::builtin()?, None)?;
    let mut scratch = Scratch::new();
    let mut out = Vec::new();
    let mut found = 0;
    let mut secs = f64::INFINITY;
    for _ in 0..repeat.max(1) {
        found = 0;
        let start = Instant::now();
        for (_, text) in &texts {
            out.clear();
            detector.scan(text, None, &mut scratch, &mut out);
            found += out.len();
        }
        secs = secs.min(start.elapsed().as_secs_f64());
    }
    println!(
        "{} files, {:.1} MB, {found} detections, {secs:.3} s, {:.0} MB/s",
        texts.len(),
        total as f64 / 1e6,
        total as f64 / 1e6 / secs
    );
    if show {
        for (path, text) in &texts {
            out.clear();
            detector.scan(text, None, &mut scratch, &mut out);
            for d in &out {
                let rule = &detector.rules()[d.rule];
                println!(
                    "{}\t{}\t{:.2}\t{}..{}\t{}",
                    path.display(),
                    rule.id,
                    d.confidence,
                    d.start,
                    d.end,
                    detector.snippet(d, text)
                );
            }
        }
    }
    Ok(())
}
