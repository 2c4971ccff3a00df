//! A stable-Rust mutation smoke loop over the fixtures, for machines
//! without `cargo fuzz` (which needs nightly): mutates seed files (bit
//! flips, byte overwrites, inserts, deletions, truncation, splices,
//! interesting integers, and for zip seeds a mutated member re-zipped) and
//! runs each result through every extractor name, like the fuzz targets.
//!
//! Usage: `cargo run --release --bin smoke -- SECONDS [SEED_DIR...]`
//! (default seeds: ../fixtures/formats and ../fixtures/bad). The input
//! being run is kept in `artifacts/smoke/current`; each finding is saved
//! as `artifacts/smoke/finding-<n>` and reported.

use kbscan::extract::{extract_bytes, ExtractError, Outcome};
use kbscan_fuzz::{check, config, Checker};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const NAMES: &[&str] = &[
    "fuzz.txt",
    "fuzz.csv",
    "fuzz.html",
    "fuzz.xml",
    "fuzz.pdf",
    "fuzz.xlsx",
    "fuzz.docx",
    "fuzz.eml",
    "fuzz.mbox",
    "fuzz.zip",
    "fuzz.msg",
    "fuzz.rtf",
];
const MAX_SEED: u64 = 4 << 20;

fn seeds(dirs: &[PathBuf]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let small = e
                .metadata()
                .map(|m| m.is_file() && m.len() <= MAX_SEED)
                .unwrap_or(false);
            if small && p.extension().is_none_or(|x| x != "py") {
                if let Ok(bytes) = std::fs::read(&p) {
                    out.push((p.file_name().unwrap().to_string_lossy().into_owned(), bytes));
                }
            }
        }
    }
    out.sort();
    out
}

fn interesting(rng: &mut StdRng, len: usize) -> [u8; 4] {
    let v: u32 = match rng.random_range(0..6) {
        0 => 0,
        1 => u32::MAX,
        2 => i32::MAX as u32,
        3 => len as u32,
        4 => 1 << rng.random_range(0..32),
        _ => rng.random(),
    };
    v.to_le_bytes()
}

fn mutate(rng: &mut StdRng, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut d = input.to_vec();
    for _ in 0..rng.random_range(1..=4) {
        let len = d.len().max(1);
        match rng.random_range(0..8) {
            0 if !d.is_empty() => {
                let i = rng.random_range(0..d.len());
                d[i] ^= 1 << rng.random_range(0..8);
            }
            1 if !d.is_empty() => {
                for _ in 0..rng.random_range(1..16) {
                    let i = rng.random_range(0..d.len());
                    d[i] = rng.random();
                }
            }
            2 => {
                let i = rng.random_range(0..=d.len());
                let n = rng.random_range(1..64);
                let bytes: Vec<u8> = (0..n).map(|_| rng.random()).collect();
                d.splice(i..i, bytes);
            }
            3 if !d.is_empty() => {
                let i = rng.random_range(0..d.len());
                let n = rng.random_range(1..=(d.len() - i).min(4096));
                d.drain(i..i + n);
            }
            4 => d.truncate(rng.random_range(0..len)),
            5 if !other.is_empty() => {
                let i = rng.random_range(0..=d.len());
                let j = rng.random_range(0..other.len());
                let n = rng.random_range(1..=(other.len() - j).min(8192));
                d.splice(i..i, other[j..j + n].iter().copied());
            }
            6 if d.len() >= 4 => {
                let i = rng.random_range(0..d.len() - 3);
                d[i..i + 4].copy_from_slice(&interesting(rng, len));
            }
            7 if d.len() >= 2 => {
                let i = rng.random_range(0..d.len());
                let n = rng.random_range(1..=(d.len() - i).min(1024));
                let copy = d[i..i + n].to_vec();
                let at = rng.random_range(0..=d.len());
                d.splice(at..at, copy);
            }
            _ => {}
        }
    }
    d
}

/// For zip seeds: mutate one member's uncompressed content and re-zip, so
/// mutations reach the XML/text parsers behind the deflate layer.
fn mutate_zip_member(rng: &mut StdRng, input: &[u8], other: &[u8]) -> Option<Vec<u8>> {
    let mut zip = zip::ZipArchive::new(Cursor::new(input)).ok()?;
    if zip.is_empty() || zip.len() > 2000 {
        return None;
    }
    let target = rng.random_range(0..zip.len());
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).ok()?;
        let name = f.name().ok()?.into_owned();
        let mut data = Vec::new();
        f.by_ref().take(MAX_SEED).read_to_end(&mut data).ok()?;
        if i == target {
            data = mutate(rng, &data, other);
        }
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        out.start_file(name, options).ok()?;
        out.write_all(&data).ok()?;
    }
    Some(out.finish().ok()?.into_inner())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seconds: u64 = args.first().and_then(|s| s.parse().ok()).unwrap_or(60);
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dirs: Vec<PathBuf> = if args.len() > 1 {
        args[1..].iter().map(PathBuf::from).collect()
    } else {
        vec![
            here.join("../fixtures/formats"),
            here.join("../fixtures/bad"),
        ]
    };
    let corpus = seeds(&dirs);
    assert!(!corpus.is_empty(), "no seeds in {dirs:?}");
    let artifacts = here.join("artifacts/smoke");
    std::fs::create_dir_all(&artifacts).expect("artifacts dir");
    let mut rng = StdRng::seed_from_u64(
        std::env::var("SMOKE_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(1),
    );
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut outcomes: BTreeMap<String, u64> = BTreeMap::new();
    let (mut runs, mut findings, mut slowest) = (0u64, 0u64, Duration::ZERO);
    let limit = config().budgets.timeout + Duration::from_secs(5);
    // Our panic-free contract: a finding is an assertion in `check`.
    std::panic::set_hook(Box::new(|info| eprintln!("finding: {info}")));
    while Instant::now() < deadline {
        let (seed_name, seed) = &corpus[rng.random_range(0..corpus.len())];
        let other = &corpus[rng.random_range(0..corpus.len())].1;
        let input = if seed.starts_with(b"PK\x03\x04") && rng.random_bool(0.5) {
            mutate_zip_member(&mut rng, seed, other)
                .unwrap_or_else(|| mutate(&mut rng, seed, other))
        } else {
            mutate(&mut rng, seed, other)
        };
        std::fs::write(artifacts.join("current"), &input).expect("write current input");
        let name = if rng.random_bool(0.5) {
            seed_name.as_str()
        } else {
            NAMES[rng.random_range(0..NAMES.len())]
        };
        let start = Instant::now();
        let result = std::panic::catch_unwind(|| check(name, &input));
        let took = start.elapsed();
        slowest = slowest.max(took);
        runs += 1;
        if result.is_err() || took > limit {
            findings += 1;
            let path = artifacts.join(format!("finding-{findings}"));
            std::fs::write(&path, &input).expect("write finding");
            eprintln!(
                "finding {findings}: {name} from {seed_name} ({took:?}) saved as {}",
                path.display()
            );
            continue;
        }
        // Tally outcomes (a second, cheap run only every 16th input).
        if runs % 16 == 0 {
            let o = extract_bytes(name, &input, &config(), &mut Checker::default());
            let key = match o {
                Outcome::Ok { .. } => "ok".to_owned(),
                Outcome::Skipped(s) => format!("skipped: {s}"),
                Outcome::Error(ExtractError::Corrupt(_)) => "error: corrupt".to_owned(),
                Outcome::Error(ExtractError::Panic(m)) => format!(
                    "error: panic (third-party) {}",
                    m.split(" at ").last().unwrap_or("")
                ),
                Outcome::Error(e) => format!("error: {e}"),
            };
            *outcomes.entry(key).or_default() += 1;
        }
    }
    println!(
        "smoke: {runs} runs over {} seeds, {findings} findings, slowest {slowest:?}",
        corpus.len()
    );
    for (k, n) in outcomes {
        println!("  {n:>7}  {k}");
    }
    if findings > 0 {
        std::process::exit(1);
    }
}
