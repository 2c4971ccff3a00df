//! `kbscan diff` and `kbscan scans`: the view a data owner reads after a
//! nightly scan.

use crate::catalog::{Catalog, HistoryChange};
use crate::cli::{DiffArgs, ScansArgs};
use crate::report::changes::ChangeKind;
use anyhow::{Context, Result};
use serde_json::json;
use std::io::Write;

pub fn run(args: DiffArgs) -> Result<i32> {
    let catalog = Catalog::open_ro(&args.catalog.catalog)?;
    let (after_scan, since) = match args.since.as_deref() {
        None => (catalog.scan_before_latest()?.or(Some(0)), None),
        Some(s) if s.chars().all(|c| c.is_ascii_digit()) => {
            (Some(s.parse::<i64>().context("bad scan id")?), None)
        }
        Some(s) if s.len() >= 10 && s.as_bytes()[4] == b'-' => (None, Some(s.to_string())),
        Some(s) => anyhow::bail!("--since takes a scan id or a date YYYY-MM-DD, not {s:?}"),
    };
    let mut changes: Vec<(ChangeKind, HistoryChange)> = catalog
        .changes(after_scan, since.as_deref())?
        .into_iter()
        .filter_map(|c| Some((ChangeKind::of(&c)?, c)))
        .collect();
    changes.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.path.cmp(&b.1.path)));
    let mut out = std::io::stdout().lock();
    for (kind, c) in &changes {
        let why = match kind {
            ChangeKind::StartedFailing | ChangeKind::Disappeared => c.error.clone(),
            _ => c.reason.clone(),
        }
        .unwrap_or_default();
        if args.json {
            let obj = json!({
                "change": kind.as_str(), "path": c.path,
                "old_label": c.old_label, "new_label": c.new_label,
                "old_status": c.old_status, "new_status": c.new_status,
                "reason": why, "scan": c.scan_id, "changed_at": c.changed_at,
            });
            writeln!(out, "{obj}")?;
        } else {
            let old = c.old_label.as_deref().unwrap_or("-");
            writeln!(
                out,
                "{:<16} {old:>12} -> {:<12} {}{}",
                kind.as_str(),
                c.new_label,
                c.path,
                if why.is_empty() {
                    String::new()
                } else {
                    format!("  ({why})")
                }
            )?;
        }
    }
    if !args.json {
        writeln!(out, "{} changes", changes.len())?;
    }
    Ok(0)
}

pub fn scans(args: ScansArgs) -> Result<i32> {
    let catalog = Catalog::open_ro(&args.catalog.catalog)?;
    let mut out = std::io::stdout().lock();
    for s in catalog.scans()? {
        if args.json {
            let obj = json!({
                "id": s.id, "started_at": s.started_at, "finished_at": s.finished_at, "status": s.status,
                "roots": serde_json::from_str::<serde_json::Value>(&s.roots).unwrap_or_default(),
                "documents": s.documents, "findings": s.findings, "bytes": s.bytes,
                "new": s.new_files, "changed": s.changed_files, "unchanged": s.unchanged_files,
                "deleted": s.deleted_files,
            });
            writeln!(out, "{obj}")?;
        } else {
            writeln!(
                out,
                "{:>4}  {}  {:<8}  {} new, {} changed, {} unchanged, {} deleted; {} documents written, {} findings  {}",
                s.id,
                s.started_at,
                s.status,
                s.new_files,
                s.changed_files,
                s.unchanged_files,
                s.deleted_files,
                s.documents,
                s.findings,
                s.roots
            )?;
        }
    }
    Ok(0)
}
