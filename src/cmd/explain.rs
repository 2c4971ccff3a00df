//! `kbscan explain`: why a document has its label.

use crate::catalog::Catalog;
use crate::cli::ExplainArgs;
use crate::report::export::ExportRecord;
use anyhow::{bail, Result};
use std::io::Write;

pub fn run(args: ExplainArgs) -> Result<i32> {
    let catalog = Catalog::open_ro(&args.catalog.catalog)?;
    let Some(doc) = catalog.document(&args.path)? else {
        bail!(
            "{} is not in the catalog (not scanned, or scanned under another path)",
            args.path
        );
    };
    let decided_by = doc.decided_by.clone();
    let members = catalog.children(&doc.path)?;
    let record = ExportRecord::new(doc.clone(), catalog.findings(doc.id)?);
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &record)?;
        writeln!(out)?;
        return Ok(0);
    }
    writeln!(out, "{}", record.path)?;
    match &decided_by {
        Some(why) => writeln!(out, "  label:  {} (decided by {why})", record.label)?,
        None => writeln!(out, "  label:  {} (no open findings)", record.label)?,
    }
    match &record.error {
        Some(e) => writeln!(out, "  status: {} ({e})", record.status)?,
        None => writeln!(out, "  status: {}", record.status)?,
    }
    if !record.notes.is_empty() {
        writeln!(out, "  notes:  {}", record.notes.join("; "))?;
    }
    writeln!(
        out,
        "  scanned: {} (scan {})",
        record.scanned_at, record.scan_id
    )?;
    writeln!(out, "  findings: {}", record.findings.len())?;
    for f in &record.findings {
        let decision = f
            .decision
            .as_deref()
            .map(|d| format!("  [{d}ed]"))
            .unwrap_or_default();
        writeln!(
            out,
            "    {:<28} {:<26} {:.2}  {:<24} {}{decision}",
            f.location_text, f.category, f.confidence, f.rule, f.snippet
        )?;
    }
    if !members.is_empty() {
        writeln!(out, "  contains: {} documents", members.len())?;
        for (path, label, status) in members {
            writeln!(out, "    {label:<13} {status:<8} {path}")?;
        }
    }
    Ok(0)
}
