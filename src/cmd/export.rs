//! `kbscan export`.

use crate::catalog::Catalog;
use crate::cli::{ExportArgs, ExportFormat};
use crate::detect::{Detector, RuleSet};
use crate::report::{export, sarif};
use anyhow::{Context, Result};
use std::io::{BufWriter, Write};

pub fn run(args: ExportArgs) -> Result<i32> {
    let catalog = Catalog::open_ro(&args.catalog.catalog)?;
    let scan = match args.scan.as_str() {
        "all" => None,
        "latest" => Some(catalog.latest_scan()?.context("the catalog has no scans")?),
        id => Some(
            id.parse::<i64>()
                .with_context(|| format!("--scan takes latest, all or a scan id, not {id:?}"))?,
        ),
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    match args.format {
        ExportFormat::Jsonl => export::jsonl(&catalog, scan, &mut out)?,
        ExportFormat::Csv => export::csv(&catalog, scan, &mut out)?,
        ExportFormat::Sarif => {
            let rules = match &args.rules {
                Some(dir) => RuleSet::from_dir(dir)?,
                None => RuleSet::builtin()?,
            };
            let detector = Detector::new(rules, None)?;
            sarif::write(&catalog, scan, detector.rules(), &mut out)?
        }
    }
    out.flush()?;
    Ok(0)
}
