//! `report --format html`: one self-contained page for a data owner. No
//! scripts, no external assets: it can be mailed or archived as is.

use super::changes::ChangeKind;
use super::export::ExportRecord;
use crate::catalog::Catalog;
use crate::label::Label;
use anyhow::Result;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

/// Documents listed with their findings; the counts cover every document.
const MAX_LISTED: usize = 300;
/// Findings shown per listed document.
const MAX_FINDINGS_SHOWN: usize = 20;

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn folder_of(path: &str) -> String {
    let file = path.split("!/").next().unwrap_or(path);
    match file.rsplit_once('/') {
        Some((dir, _)) => dir.to_string(),
        None => ".".to_string(),
    }
}

/// Writes the report for the catalog's current state.
pub fn write(catalog: &Catalog, out: &mut dyn Write) -> Result<()> {
    let mut by_label: BTreeMap<Label, u64> = BTreeMap::new();
    let mut by_status: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_category: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_folder: BTreeMap<String, [u64; 4]> = BTreeMap::new();
    let mut listed: Vec<(Label, ExportRecord)> = Vec::new();
    let mut total = 0u64;
    catalog.for_each_document(None, |doc| {
        if doc.status == "deleted" {
            return Ok(());
        }
        total += 1;
        let label: Label = doc.label.parse().unwrap_or(Label::Restricted);
        *by_label.entry(label).or_default() += 1;
        *by_status.entry(doc.status.clone()).or_default() += 1;
        for c in &doc.categories {
            *by_category.entry(c.clone()).or_default() += 1;
        }
        by_folder.entry(folder_of(&doc.path)).or_default()[label.rank() as usize] += 1;
        if label > Label::Public || doc.status != "ok" {
            let findings = catalog.findings(doc.id)?;
            listed.push((label, ExportRecord::new(doc, findings)));
            // Keep the most sensitive; sort lazily to bound memory.
            if listed.len() > MAX_LISTED * 2 {
                listed.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.path.cmp(&b.1.path)));
                listed.truncate(MAX_LISTED);
            }
        }
        Ok(())
    })?;
    listed.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.path.cmp(&b.1.path)));
    listed.truncate(MAX_LISTED);
    let changes: Vec<(ChangeKind, _)> = catalog
        .changes(catalog.scan_before_latest()?.or(Some(0)), None)?
        .into_iter()
        .filter_map(|c| Some((ChangeKind::of(&c)?, c)))
        .collect();
    let scans = catalog.scans()?;

    let mut h = String::new();
    h.push_str(concat!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
        "<title>kbscan report</title><style>",
        "body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#222;padding:0 1rem}",
        "h1{margin-bottom:.2rem}h2{margin-top:2rem;border-bottom:1px solid #ddd}",
        "table{border-collapse:collapse;width:100%;margin:.5rem 0}td,th{padding:.25rem .5rem;border-bottom:1px solid #eee;",
        "text-align:left;vertical-align:top}th{background:#f6f6f6}.num{text-align:right;font-variant-numeric:tabular-nums}",
        ".cards{display:flex;gap:1rem;flex-wrap:wrap}.card{flex:1;min-width:150px;border-radius:8px;padding:1rem;color:#fff}",
        ".card b{display:block;font-size:2rem}.public{background:#2e7d32}.internal{background:#1565c0}",
        ".confidential{background:#ef6c00}.restricted{background:#c62828}",
        ".tag{display:inline-block;border-radius:4px;padding:0 .4rem;color:#fff;font-size:12px}",
        "code{font-size:12px;background:#f3f3f3;padding:0 .2rem}details{margin:.2rem 0}.muted{color:#777}",
        "</style></head><body>"
    ));
    let _ = write!(
        h,
        "<h1>kbscan report</h1><p class=\"muted\">Catalog <code>{}</code>",
        esc(&catalog.path().display().to_string())
    );
    if let Some(s) = scans.first() {
        let _ = write!(
            h,
            " · last scan #{} started {} ({})",
            s.id,
            esc(&s.started_at),
            esc(&s.status)
        );
    }
    let _ = write!(h, " · {total} documents</p>");

    h.push_str("<h2>Documents by label</h2><div class=\"cards\">");
    for l in Label::ALL.iter().rev() {
        let _ = write!(
            h,
            "<div class=\"card {l}\"><b>{}</b>{l}</div>",
            by_label.get(l).copied().unwrap_or(0)
        );
    }
    h.push_str("</div><p>");
    for (status, n) in &by_status {
        let _ = write!(h, "{n} {} &nbsp; ", esc(status));
    }
    h.push_str("</p>");

    h.push_str("<h2>Changes since the previous scan</h2>");
    if changes.is_empty() {
        h.push_str("<p class=\"muted\">No changes.</p>");
    } else {
        h.push_str("<table><tr><th>change</th><th>document</th><th>label</th><th>why</th></tr>");
        for (kind, c) in &changes {
            let why = c
                .error
                .clone()
                .or_else(|| c.reason.clone())
                .unwrap_or_default();
            let _ = write!(
                h,
                "<tr><td>{}</td><td><code>{}</code></td><td>{} → {}</td><td>{}</td></tr>",
                kind.as_str(),
                esc(&c.path),
                esc(c.old_label.as_deref().unwrap_or("—")),
                esc(&c.new_label),
                esc(&why)
            );
        }
        h.push_str("</table>");
    }

    h.push_str(
        "<h2>Categories</h2><table><tr><th>category</th><th class=\"num\">documents</th></tr>",
    );
    let mut cats: Vec<_> = by_category.into_iter().collect();
    cats.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    for (c, n) in cats {
        let _ = write!(h, "<tr><td>{}</td><td class=\"num\">{n}</td></tr>", esc(&c));
    }
    h.push_str("</table>");

    h.push_str("<h2>Folders</h2><table><tr><th>folder</th>");
    for l in Label::ALL {
        let _ = write!(h, "<th class=\"num\">{l}</th>");
    }
    h.push_str("</tr>");
    for (folder, counts) in &by_folder {
        let _ = write!(h, "<tr><td><code>{}</code></td>", esc(folder));
        for n in counts {
            let _ = write!(h, "<td class=\"num\">{n}</td>");
        }
        h.push_str("</tr>");
    }
    h.push_str("</table>");

    let _ = write!(h, "<h2>Most sensitive documents</h2><p class=\"muted\">Up to {MAX_LISTED}, most sensitive first; snippets are masked.</p>");
    for (label, r) in &listed {
        let status = match &r.error {
            Some(e) => format!(" · {} ({})", esc(&r.status), esc(e)),
            None => String::new(),
        };
        let _ = write!(
            h,
            "<details><summary><span class=\"tag {label}\">{label}</span> <code>{}</code> · {} findings{status}</summary>",
            esc(&r.path),
            r.findings.len()
        );
        if !r.findings.is_empty() {
            h.push_str("<table><tr><th>location</th><th>category</th><th>rule</th><th>confidence</th><th>snippet</th></tr>");
            for f in r.findings.iter().take(MAX_FINDINGS_SHOWN) {
                let _ = write!(
                    h,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{:.2}</td><td><code>{}</code></td></tr>",
                    esc(&f.location_text),
                    esc(&f.category),
                    esc(&f.rule),
                    f.confidence,
                    esc(&f.snippet)
                );
            }
            h.push_str("</table>");
        }
        h.push_str("</details>");
    }
    h.push_str("</body></html>\n");
    out.write_all(h.as_bytes())?;
    Ok(())
}
