//! `export`: one record per document, findings included, snippets masked.
//! JSONL is the contract in DESIGN.md; CSV flattens the same record.

use crate::catalog::{Catalog, DocumentRow, FindingRow};
use anyhow::Result;
use serde::Serialize;
use serde_json::Value;
use std::io::Write;

/// One document as exported.
#[derive(Serialize)]
pub struct ExportRecord {
    pub path: String,
    pub status: String,
    pub error: Option<String>,
    pub label: String,
    pub categories: Vec<String>,
    pub findings: Vec<ExportFinding>,
    pub size: Option<i64>,
    pub content_hash: Option<String>,
    pub scanned_at: String,
    pub notes: Vec<String>,
    pub parent: Option<String>,
    pub scan_id: i64,
}

/// One finding as exported.
#[derive(Serialize)]
pub struct ExportFinding {
    pub rule: String,
    pub category: String,
    pub confidence: f64,
    pub location: Value,
    pub location_text: String,
    pub snippet: String,
    pub fingerprint: String,
    /// A person's review decision (`accept`/`reject`), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<String>,
}

impl ExportFinding {
    /// Rejected findings no longer count toward the label.
    pub fn decision_is_reject(&self) -> bool {
        self.decision.as_deref() == Some("reject")
    }
}

impl ExportRecord {
    pub fn new(doc: DocumentRow, findings: Vec<FindingRow>) -> ExportRecord {
        ExportRecord {
            findings: findings
                .into_iter()
                .map(|f| ExportFinding {
                    rule: f.rule_id,
                    category: f.category,
                    confidence: (f.confidence * 1000.0).round() / 1000.0,
                    location: serde_json::from_str(&f.location).unwrap_or(Value::Null),
                    location_text: f.location_text,
                    snippet: f.snippet,
                    fingerprint: f.fingerprint,
                    decision: f.decision,
                })
                .collect(),
            path: doc.path,
            status: doc.status,
            error: doc.error,
            label: doc.label,
            categories: doc.categories,
            size: doc.size,
            content_hash: doc.content_hash,
            scanned_at: doc.scanned_at,
            notes: doc.notes,
            parent: doc.parent_path,
            scan_id: doc.scan_id,
        }
    }
}

/// Streams every selected document as JSON lines.
pub fn jsonl(catalog: &Catalog, scan: Option<i64>, out: &mut dyn Write) -> Result<()> {
    catalog.for_each_document(scan, |doc| {
        let findings = catalog.findings(doc.id)?;
        serde_json::to_writer(&mut *out, &ExportRecord::new(doc, findings))?;
        out.write_all(b"\n")?;
        Ok(())
    })
}

/// Streams every selected document as CSV, one row per document; findings
/// are a JSON array in the last column so no information is lost.
pub fn csv(catalog: &Catalog, scan: Option<i64>, out: &mut dyn Write) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "path",
        "status",
        "error",
        "label",
        "categories",
        "size",
        "content_hash",
        "scanned_at",
        "findings_count",
        "findings",
    ])?;
    catalog.for_each_document(scan, |doc| {
        let rec = ExportRecord::new(doc.clone(), catalog.findings(doc.id)?);
        w.write_record([
            rec.path.as_str(),
            &rec.status,
            rec.error.as_deref().unwrap_or(""),
            &rec.label,
            &rec.categories.join(";"),
            &rec.size.map(|s| s.to_string()).unwrap_or_default(),
            rec.content_hash.as_deref().unwrap_or(""),
            &rec.scanned_at,
            &rec.findings.len().to_string(),
            &serde_json::to_string(&rec.findings)?,
        ])?;
        Ok(())
    })?;
    w.flush()?;
    Ok(())
}
