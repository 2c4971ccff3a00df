//! Reads for the gate, exports and `explain`.

use super::{Catalog, SeenIds};
use anyhow::Result;
use rusqlite::{params, OptionalExtension, Row};
use std::collections::HashMap;

/// A document as stored.
#[derive(Clone, Debug)]
pub struct DocumentRow {
    pub id: i64,
    pub path: String,
    pub parent_path: Option<String>,
    pub real_path: Option<String>,
    pub size: Option<i64>,
    pub mtime_ns: Option<i64>,
    pub content_hash: Option<String>,
    pub status: String,
    pub error: Option<String>,
    pub notes: Vec<String>,
    pub label: String,
    pub decided_by: Option<String>,
    pub categories: Vec<String>,
    pub scan_id: i64,
    pub scanned_at: String,
}

/// A finding as stored (masked).
#[derive(Clone, Debug)]
pub struct FindingRow {
    pub rule_id: String,
    pub category: String,
    pub confidence: f64,
    /// JSON object.
    pub location: String,
    pub location_text: String,
    pub snippet: String,
    pub fingerprint: String,
    pub decision: Option<String>,
}

/// One scan's record.
#[derive(Clone, Debug)]
pub struct ScanRow {
    pub id: i64,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub status: String,
    pub roots: String,
    pub documents: i64,
    pub findings: i64,
    pub bytes: i64,
    pub new_files: i64,
    pub changed_files: i64,
    pub unchanged_files: i64,
    pub deleted_files: i64,
}

const DOCUMENT_COLUMNS: &str =
    "id, path, parent_path, size, mtime_ns, content_hash, status, error, notes, \
     label, decided_by, categories, scan_id, scanned_at, real_path";

fn document_row(r: &Row<'_>) -> rusqlite::Result<DocumentRow> {
    let notes: String = r.get(8)?;
    let categories: String = r.get(11)?;
    Ok(DocumentRow {
        id: r.get(0)?,
        path: r.get(1)?,
        parent_path: r.get(2)?,
        size: r.get(3)?,
        mtime_ns: r.get(4)?,
        content_hash: r.get(5)?,
        status: r.get(6)?,
        error: r.get(7)?,
        notes: serde_json::from_str(&notes).unwrap_or_default(),
        label: r.get(9)?,
        decided_by: r.get(10)?,
        categories: serde_json::from_str(&categories).unwrap_or_default(),
        scan_id: r.get(12)?,
        scanned_at: r.get(13)?,
        real_path: r.get(14)?,
    })
}

impl Catalog {
    /// The document recorded at exactly `path`.
    pub fn document(&self, path: &str) -> Result<Option<DocumentRow>> {
        Ok(self
            .conn()
            .prepare_cached(&format!(
                "SELECT {DOCUMENT_COLUMNS} FROM documents WHERE path = ?1"
            ))?
            .query_row([path], document_row)
            .optional()?)
    }

    /// The document whose canonical absolute path is `real_path` (the most
    /// recently scanned one when two roots reached the same file).
    pub fn document_by_real_path(&self, real_path: &str) -> Result<Option<DocumentRow>> {
        Ok(self
            .conn()
            .prepare_cached(&format!(
                "SELECT {DOCUMENT_COLUMNS} FROM documents WHERE real_path = ?1 ORDER BY scan_id DESC LIMIT 1"
            ))?
            .query_row([real_path], document_row)
            .optional()?)
    }

    /// Every document, in path order, optionally only those written by one
    /// scan. Calls `each` so that exports stream instead of loading the map.
    pub fn for_each_document(
        &self,
        scan_id: Option<i64>,
        mut each: impl FnMut(DocumentRow) -> Result<()>,
    ) -> Result<()> {
        let mut stmt = self.conn().prepare(&format!(
            "SELECT {DOCUMENT_COLUMNS} FROM documents WHERE ?1 IS NULL OR scan_id = ?1 ORDER BY path"
        ))?;
        let mut rows = stmt.query([scan_id])?;
        while let Some(row) = rows.next()? {
            each(document_row(row)?)?;
        }
        Ok(())
    }

    /// A document's findings, most confident first.
    pub fn findings(&self, document_id: i64) -> Result<Vec<FindingRow>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT rule_id, category, confidence, location, location_text, snippet, fingerprint, decision \
             FROM findings WHERE document_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map(params![document_id], |r| {
            Ok(FindingRow {
                rule_id: r.get(0)?,
                category: r.get(1)?,
                confidence: r.get(2)?,
                location: r.get(3)?,
                location_text: r.get(4)?,
                snippet: r.get(5)?,
                fingerprint: r.get(6)?,
                decision: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Documents directly inside `path` (archive members, attachments):
    /// path, label, status.
    pub fn children(&self, path: &str) -> Result<Vec<(String, String, String)>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT path, label, status FROM documents WHERE parent_path = ?1 ORDER BY path",
        )?;
        let rows = stmt.query_map([path], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The most recent scan that finished, or any scan when none did.
    pub fn latest_scan(&self) -> Result<Option<i64>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT id FROM scans ORDER BY (finished_at IS NOT NULL) DESC, id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// All scans, newest first.
    pub fn scans(&self) -> Result<Vec<ScanRow>> {
        let mut stmt = self.conn().prepare(
            "SELECT id, started_at, finished_at, status, roots, documents, findings, bytes, new_files, changed_files, \
                unchanged_files, deleted_files FROM scans ORDER BY id DESC",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(ScanRow {
                id: r.get(0)?,
                started_at: r.get(1)?,
                finished_at: r.get(2)?,
                status: r.get(3)?,
                roots: r.get(4)?,
                documents: r.get(5)?,
                findings: r.get(6)?,
                bytes: r.get(7)?,
                new_files: r.get(8)?,
                changed_files: r.get(9)?,
                unchanged_files: r.get(10)?,
                deleted_files: r.get(11)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// What the catalog remembers of a file, for incremental scans.
#[derive(Clone, Debug)]
pub struct Previous {
    /// The row, so an unchanged file is marked seen without a path lookup.
    pub id: i64,
    pub size: Option<i64>,
    pub mtime_ns: Option<i64>,
    pub inode: Option<i64>,
    pub content_hash: Option<String>,
    pub status: String,
    pub rules_version: String,
    pub policy_version: String,
    /// The scan that wrote it (its kbscan version decides reuse).
    pub scan_id: i64,
}

const PREVIOUS_COLUMNS: &str =
    "size, mtime_ns, inode, content_hash, status, rules_version, policy_version, scan_id, id";
/// Columns in [`PREVIOUS_COLUMNS`].
const PREVIOUS_FIELDS: usize = 9;

fn previous_row(r: &Row<'_>) -> rusqlite::Result<Previous> {
    Ok(Previous {
        size: r.get(0)?,
        mtime_ns: r.get(1)?,
        inode: r.get(2)?,
        content_hash: r.get(3)?,
        status: r.get(4)?,
        rules_version: r.get(5)?,
        policy_version: r.get(6)?,
        scan_id: r.get(7)?,
        id: r.get(8)?,
    })
}

/// People's decisions, loaded once per scan.
#[derive(Clone, Debug, Default)]
pub struct ReviewState {
    /// fingerprint → `accept` | `reject`.
    pub decisions: std::collections::HashMap<String, &'static str>,
    /// path → (label, allow_downgrade).
    pub overrides: std::collections::HashMap<String, (String, bool)>,
}

impl Catalog {
    /// The catalog's record of a file on disk, with the versions that made it.
    pub fn previous(&self, path: &str) -> Result<Option<Previous>> {
        Ok(self
            .conn()
            .prepare_cached(&format!(
                "SELECT {PREVIOUS_COLUMNS} FROM documents WHERE path = ?1"
            ))?
            .query_row([path], previous_row)
            .optional()?)
    }

    /// The catalog's records of the files directly in directory `dir` (as
    /// walked, without a trailing `/`), by file name; `None` when there are
    /// more than `limit` (look those up one by one).
    ///
    /// One pass over the path index instead of a lookup per file: rows
    /// below a subdirectory or inside an archive (`dir/sub/...`,
    /// `dir/a.zip!/...`) are skipped by seeking past their common prefix, so
    /// the cost is one row per file plus one seek per subdirectory, however
    /// large the subtrees are.
    pub fn previous_in_dir(
        &self,
        dir: &str,
        limit: usize,
    ) -> Result<Option<HashMap<String, Previous>>> {
        let prefix = format!("{dir}/");
        let end = format!("{dir}0");
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT {PREVIOUS_COLUMNS}, path FROM documents WHERE path >= ?1 AND path < ?2 ORDER BY path"
        ))?;
        let mut files = HashMap::new();
        let mut from = prefix.clone();
        'seek: loop {
            let mut rows = stmt.query(params![from, end])?;
            while let Some(r) = rows.next()? {
                let path: String = r.get(PREVIOUS_FIELDS)?;
                let Some(name) = path.strip_prefix(&prefix) else {
                    break 'seek; // cannot happen inside the range
                };
                if let Some(slash) = name.find('/') {
                    // Everything below `dir/name/` (or `dir/a.zip!/`) sorts
                    // before `dir/name0`.
                    from = format!("{prefix}{}0", &name[..slash]);
                    continue 'seek;
                }
                if files.len() >= limit {
                    return Ok(None);
                }
                files.insert(name.to_string(), previous_row(r)?);
            }
            break;
        }
        Ok(Some(files))
    }

    /// The kbscan version that ran a scan.
    pub fn scan_tool_version(&self, scan_id: i64) -> Result<Option<String>> {
        Ok(self
            .conn()
            .prepare_cached("SELECT tool_version FROM scans WHERE id = ?1")?
            .query_row([scan_id], |r| r.get(0))
            .optional()?)
    }

    /// Ends the current read snapshot, if any, and starts a new one. Point
    /// lookups inside one read transaction cost a fraction of autocommit
    /// ones (no lock and WAL-index setup per statement); renewing it keeps
    /// the writer's checkpoints from waiting on an old snapshot.
    pub fn renew_read_snapshot(&self) -> Result<()> {
        if !self.conn().is_autocommit() {
            self.conn().execute_batch("COMMIT")?;
        }
        self.conn().execute_batch("BEGIN")?;
        Ok(())
    }

    /// Ends the current read snapshot, if any.
    pub fn end_read_snapshot(&self) -> Result<()> {
        if !self.conn().is_autocommit() {
            self.conn().execute_batch("COMMIT")?;
        }
        Ok(())
    }

    /// A file and the documents inside it: (path, categories), outermost first.
    pub fn family_categories(&self, path: &str) -> Result<Vec<(String, Vec<String>)>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT path, categories FROM documents \
             WHERE path = ?1 OR (path >= ?1 || '!/' AND path < ?1 || '!0') ORDER BY path",
        )?;
        let rows = stmt.query_map([path], |r| {
            let cats: String = r.get(1)?;
            Ok((
                r.get::<_, String>(0)?,
                serde_json::from_str(&cats).unwrap_or_default(),
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Review decisions and label overrides.
    pub fn review_state(&self) -> Result<ReviewState> {
        let mut state = ReviewState::default();
        let mut stmt = self
            .conn()
            .prepare("SELECT fingerprint, decision FROM decisions")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let d: String = r.get(1)?;
            let d = if d == "reject" { "reject" } else { "accept" };
            state.decisions.insert(r.get(0)?, d);
        }
        let mut stmt = self
            .conn()
            .prepare("SELECT path, label, allow_downgrade FROM label_overrides")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            state
                .overrides
                .insert(r.get(0)?, (r.get(1)?, r.get::<_, i64>(2)? != 0));
        }
        Ok(state)
    }

    /// Whether the catalog has any document at or under `root`. When it has
    /// none, every file of a scan of `root` is new and need not be looked up.
    pub fn knows_root(&self, root: &str) -> Result<bool> {
        let root = root.trim_end_matches('/');
        Ok(self.conn().query_row(
            "SELECT EXISTS (SELECT 1 FROM documents \
               WHERE path = ?1 OR (path >= ?1 || '/' AND path < ?1 || '0'))",
            [root],
            |r| r.get(0),
        )?)
    }

    /// The largest document row id (0 for an empty catalog).
    pub fn max_document_id(&self) -> Result<i64> {
        Ok(self
            .conn()
            .query_row("SELECT coalesce(max(id), 0) FROM documents", [], |r| {
                r.get(0)
            })?)
    }

    /// Files on disk (not members) under `roots` that the scan `scan_id`
    /// neither wrote nor found unchanged (`seen`), and that are not already
    /// deleted: candidates for deletion.
    ///
    /// After a re-scan that found most files unchanged, the few rows not
    /// marked in `seen` are read by id; otherwise every file row under each
    /// root is read by path and checked against `seen`.
    pub fn unseen_files(
        &self,
        roots: &[String],
        scan_id: i64,
        seen: &SeenIds,
    ) -> Result<Vec<String>> {
        let roots: Vec<&str> = roots.iter().map(|r| r.trim_end_matches('/')).collect();
        let mut unseen = Vec::new();
        if seen.unmarked() <= seen.marked() {
            let mut stmt = self.conn().prepare(
                "SELECT path FROM documents WHERE id BETWEEN ?1 AND ?2 AND parent_path IS NULL \
                   AND status != 'deleted' AND (seen_scan IS NULL OR seen_scan != ?3)",
            )?;
            for (first, last) in seen.unmarked_ranges() {
                let mut rows = stmt.query(params![first, last, scan_id])?;
                while let Some(r) = rows.next()? {
                    let path: String = r.get(0)?;
                    if roots.iter().any(|root| under_root(root, &path)) {
                        unseen.push(path);
                    }
                }
            }
            return Ok(unseen);
        }
        let mut stmt = self.conn().prepare(
            "SELECT id, path FROM documents WHERE parent_path IS NULL AND status != 'deleted' \
               AND (seen_scan IS NULL OR seen_scan != ?2) \
               AND (path = ?1 OR (path >= ?1 || '/' AND path < ?1 || '0'))",
        )?;
        for root in roots {
            let mut rows = stmt.query(params![root, scan_id])?;
            while let Some(r) = rows.next()? {
                if !seen.contains(r.get(0)?) {
                    unseen.push(r.get(1)?);
                }
            }
        }
        Ok(unseen)
    }
}

/// `path` is `root` or below it, as the SQL range `path >= root || '/' AND
/// path < root || '0'` says (`0` follows `/`).
fn under_root(root: &str, path: &str) -> bool {
    path.strip_prefix(root)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

impl Catalog {
    /// Documents under `roots` that are not deleted, by label.
    pub fn label_counts(
        &self,
        roots: &[String],
    ) -> Result<std::collections::BTreeMap<String, u64>> {
        let mut counts = std::collections::BTreeMap::new();
        let mut stmt = self.conn().prepare(
            "SELECT label, count(*) FROM documents WHERE status != 'deleted' \
               AND (path = ?1 OR (path >= ?1 || '/' AND path < ?1 || '0') \
                    OR (path >= ?1 || '!/' AND path < ?1 || '!0')) GROUP BY label",
        )?;
        for root in roots {
            let root = root.trim_end_matches('/');
            let mut rows = stmt.query([root])?;
            while let Some(r) = rows.next()? {
                *counts.entry(r.get::<_, String>(0)?).or_default() += r.get::<_, i64>(1)? as u64;
            }
        }
        Ok(counts)
    }
}

/// One document's change over a span of scans (first old state, last new).
#[derive(Clone, Debug)]
pub struct HistoryChange {
    pub path: String,
    pub old_label: Option<String>,
    pub new_label: String,
    pub old_status: Option<String>,
    pub new_status: String,
    pub reason: Option<String>,
    pub error: Option<String>,
    pub scan_id: i64,
    pub changed_at: String,
}

impl Catalog {
    /// Net changes per document in label history rows after scan `after_scan`
    /// or at/after time `since` (ISO 8601 text compares in time order).
    pub fn changes(
        &self,
        after_scan: Option<i64>,
        since: Option<&str>,
    ) -> Result<Vec<HistoryChange>> {
        let mut stmt = self.conn().prepare(
            "WITH h AS (SELECT * FROM label_history \
                WHERE (?1 IS NULL OR scan_id > ?1) AND (?2 IS NULL OR changed_at >= ?2)) \
             SELECT h.path, \
                (SELECT old_label FROM h h2 WHERE h2.path = h.path ORDER BY h2.id LIMIT 1), \
                (SELECT new_label FROM h h2 WHERE h2.path = h.path ORDER BY h2.id DESC LIMIT 1), \
                (SELECT old_status FROM h h2 WHERE h2.path = h.path ORDER BY h2.id LIMIT 1), \
                (SELECT new_status FROM h h2 WHERE h2.path = h.path ORDER BY h2.id DESC LIMIT 1), \
                (SELECT reason FROM h h2 WHERE h2.path = h.path ORDER BY h2.id DESC LIMIT 1), \
                d.error, max(h.scan_id), max(h.changed_at) \
             FROM h LEFT JOIN documents d ON d.path = h.path GROUP BY h.path ORDER BY h.path",
        )?;
        let rows = stmt.query_map(params![after_scan, since], |r| {
            Ok(HistoryChange {
                path: r.get(0)?,
                old_label: r.get(1)?,
                new_label: r.get(2)?,
                old_status: r.get(3)?,
                new_status: r.get(4)?,
                reason: r.get(5)?,
                error: r.get(6)?,
                scan_id: r.get(7)?,
                changed_at: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The scan before the latest one (what `diff` compares against by default).
    pub fn scan_before_latest(&self) -> Result<Option<i64>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT id FROM scans ORDER BY id DESC LIMIT 1 OFFSET 1",
                [],
                |r| r.get(0),
            )
            .optional()?)
    }
}
