//! The allow/deny decision an indexing pipeline asks for, per document.
//!
//! Fails closed: a document is allowed only when the catalog has it, it was
//! read completely (`ok`), the file on disk is still what was scanned, and its
//! label is within the audience's ceiling. Everything else is a deny with a
//! reason a person can act on.

use crate::catalog::{Catalog, DocumentRow};
use crate::label::Label;
use anyhow::Result;
use std::fmt;
use std::path::Path;

/// Separates a container's path from a member's path inside it.
pub const MEMBER_SEPARATOR: &str = "!/";

/// Why a document may not be ingested.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DenyReason {
    /// Never scanned (or not under any scanned root).
    Unscanned,
    /// The file is gone from disk (or marked deleted by a re-scan).
    Deleted,
    /// Size, mtime and content no longer match the scan.
    ChangedSinceScan,
    /// The scan could not read it: `error:encrypted`, `skipped:binary`.
    NotRead { status: String, why: String },
    /// Its label is above the audience's ceiling.
    Label(Label),
}

impl fmt::Display for DenyReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DenyReason::Unscanned => f.write_str("unscanned"),
            DenyReason::Deleted => f.write_str("deleted"),
            DenyReason::ChangedSinceScan => f.write_str("changed-since-scan"),
            DenyReason::NotRead { status, why } => write!(f, "{status}:{why}"),
            DenyReason::Label(l) => write!(f, "label:{l}"),
        }
    }
}

/// The gate's answer for one path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// The catalog's label, when the document is known.
    pub label: Option<Label>,
    pub deny: Option<DenyReason>,
}

impl Decision {
    pub fn allowed(&self) -> bool {
        self.deny.is_none()
    }
}

/// Decides whether `path` (as walked, or any path naming the same file) may be
/// ingested by an audience whose ceiling is `max`.
pub fn decide(catalog: &Catalog, path: &str, max: Label) -> Result<Decision> {
    let Some(doc) = find(catalog, path)? else {
        return Ok(deny(None, DenyReason::Unscanned));
    };
    let label = doc.label.parse::<Label>().ok();
    if doc.status == "deleted" {
        return Ok(deny(label, DenyReason::Deleted));
    }
    // The file on disk is the outermost container.
    let outer = match doc.path.split_once(MEMBER_SEPARATOR) {
        Some((outer, _)) => match catalog.document(outer)? {
            Some(o) => o,
            None => return Ok(deny(label, DenyReason::Unscanned)),
        },
        None => doc.clone(),
    };
    if let Some(reason) = changed_on_disk(&outer) {
        return Ok(deny(label, reason));
    }
    if doc.status != "ok" {
        let why = doc.error.clone().unwrap_or_else(|| "unknown".into());
        return Ok(deny(
            label,
            DenyReason::NotRead {
                status: doc.status.clone(),
                why,
            },
        ));
    }
    match label {
        Some(l) if l <= max => Ok(Decision { label, deny: None }),
        Some(l) => Ok(deny(label, DenyReason::Label(l))),
        None => Ok(deny(
            None,
            DenyReason::NotRead {
                status: "error".into(),
                why: format!("unknown label {}", doc.label),
            },
        )),
    }
}

fn deny(label: Option<Label>, reason: DenyReason) -> Decision {
    Decision {
        label,
        deny: Some(reason),
    }
}

/// Looks a path up as given, then by its canonical absolute form (indexers
/// often hold absolute paths while scans were run on relative roots).
fn find(catalog: &Catalog, path: &str) -> Result<Option<DocumentRow>> {
    if let Some(doc) = catalog.document(path)? {
        return Ok(Some(doc));
    }
    let (outer, member) = match path.split_once(MEMBER_SEPARATOR) {
        Some((o, m)) => (o, Some(m)),
        None => (path, None),
    };
    let Ok(real) = std::fs::canonicalize(outer) else {
        return Ok(None);
    };
    let mut real = real.to_string_lossy().into_owned();
    if let Some(m) = member {
        real.push_str(MEMBER_SEPARATOR);
        real.push_str(m);
    }
    catalog.document_by_real_path(&real)
}

/// Compares the file with what was scanned: size and mtime first; when only
/// the mtime moved, the content hash decides (a `touch` is not a change).
fn changed_on_disk(doc: &DocumentRow) -> Option<DenyReason> {
    let path = doc.real_path_or_path();
    let Ok(meta) = std::fs::metadata(path) else {
        return Some(DenyReason::Deleted);
    };
    if doc.size != Some(meta.len() as i64) {
        return Some(DenyReason::ChangedSinceScan);
    }
    if doc.mtime_ns == Some(mtime_ns(&meta)) {
        return None;
    }
    match (&doc.content_hash, hash_file(Path::new(path))) {
        (Some(scanned), Ok(now)) if *scanned == now => None,
        _ => Some(DenyReason::ChangedSinceScan),
    }
}

/// Modification time in nanoseconds since the epoch, the precision the
/// catalog keeps.
pub fn mtime_ns(meta: &std::fs::Metadata) -> i64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as i64)
}

/// BLAKE3 of a file's bytes, hex: the same hash the extractors record.
pub fn hash_file(path: &Path) -> std::io::Result<String> {
    let mut hasher = blake3::Hasher::new();
    hasher.update_reader(std::fs::File::open(path)?)?;
    Ok(hasher.finalize().to_hex().to_string())
}

impl DocumentRow {
    fn real_path_or_path(&self) -> &str {
        self.real_path.as_deref().unwrap_or(&self.path)
    }
}
