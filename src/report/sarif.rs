//! SARIF 2.1.0 export, the format GitHub code scanning and most security
//! dashboards ingest. One result per finding; archive members point at the
//! file on disk and name the member in the message.

use super::export::ExportRecord;
use crate::catalog::Catalog;
use crate::detect::Rule;
use crate::gate::MEMBER_SEPARATOR;
use anyhow::Result;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::Write;

/// SARIF levels by label: what a reviewer should look at first.
fn level(label: &str) -> &'static str {
    match label {
        "restricted" => "error",
        "confidential" => "warning",
        _ => "note",
    }
}

/// Writes one SARIF log with every finding of the selected documents.
pub fn write(
    catalog: &Catalog,
    scan: Option<i64>,
    rules: &[Rule],
    out: &mut dyn Write,
) -> Result<()> {
    let mut rule_index: BTreeMap<String, usize> = BTreeMap::new();
    let mut rule_defs: Vec<Value> = Vec::new();
    let mut add_rule = |id: &str, category: &str| -> usize {
        if let Some(i) = rule_index.get(id) {
            return *i;
        }
        let known = rules.iter().find(|r| r.id == id);
        let description = known.map_or("kbscan rule", |r| r.description.as_str());
        rule_defs.push(json!({
            "id": id,
            "name": known.map_or(id, |r| r.name.as_str()),
            "shortDescription": {"text": known.map_or(id, |r| r.name.as_str())},
            "fullDescription": {"text": description},
            "help": {"text": description},
            "properties": {"category": category, "tags": [category.split('.').next().unwrap_or(category)]},
        }));
        rule_index.insert(id.to_string(), rule_defs.len() - 1);
        rule_defs.len() - 1
    };
    let mut results: Vec<Value> = Vec::new();
    catalog.for_each_document(scan, |doc| {
        if doc.status == "deleted" {
            return Ok(());
        }
        let record = ExportRecord::new(doc.clone(), catalog.findings(doc.id)?);
        let (file, member) = match record.path.split_once(MEMBER_SEPARATOR) {
            Some((f, m)) => (f.to_string(), Some(m.to_string())),
            None => (record.path.clone(), None),
        };
        for f in &record.findings {
            let index = add_rule(&f.rule, &f.category);
            let line = f.location.get("line").and_then(Value::as_u64).unwrap_or(1).max(1);
            let place = match &member {
                Some(m) => format!("{m}, {}", f.location_text),
                None => f.location_text.clone(),
            };
            let mut result = json!({
                "ruleId": f.rule,
                "ruleIndex": index,
                "level": level(&record.label),
                "message": {"text": format!("{} ({}) at {place}: {}", f.category, record.label, f.snippet)},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri(&file)},
                        "region": {"startLine": line},
                    },
                }],
                "partialFingerprints": {"kbscanFinding/v1": f.fingerprint},
                "properties": {"category": f.category, "confidence": f.confidence, "location": f.location,
                    "documentLabel": record.label},
            });
            if let Some(m) = &member {
                result["locations"][0]["logicalLocations"] = json!([{"name": m, "kind": "member"}]);
            }
            if f.decision_is_reject() {
                result["suppressions"] = json!([{"kind": "external", "justification": "rejected in kbscan triage"}]);
            }
            results.push(result);
        }
        Ok(())
    })?;
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "kbscan",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/kbscan/kbscan",
                "rules": rule_defs,
            }},
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)?;
    Ok(())
}

/// A relative URI for a walked path (SARIF wants `/`-separated, no `./`).
fn uri(path: &str) -> String {
    path.trim_start_matches("./").replace('\\', "/")
}
