//! The single catalog writer.
//!
//! SQLite works best with one writer: scan workers send finished documents
//! over a bounded channel (back-pressure instead of unbounded memory) and this
//! thread writes them in batched transactions. A file's documents (the file
//! and everything inside it) travel in one message and land in one
//! transaction, so a killed scan never leaves half of a file's rows.

use super::{Catalog, Status};
use crate::label::Label;
use anyhow::{Context, Result};
use crossbeam_channel::{bounded, Receiver, RecvTimeoutError, Sender};
use rusqlite::{params, OptionalExtension, Transaction};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Commit at least this often, so readers see progress and a kill loses little.
const COMMIT_INTERVAL: Duration = Duration::from_millis(500);
/// Or after this many documents, whichever comes first.
const BATCH_DOCUMENTS: usize = 4096;

/// One document to record.
#[derive(Clone, Debug)]
pub struct DocRecord {
    pub path: String,
    pub parent_path: Option<String>,
    pub real_path: Option<String>,
    pub size: Option<u64>,
    pub mtime_ns: Option<i64>,
    pub inode: Option<u64>,
    pub content_hash: Option<String>,
    pub status: Status,
    pub error: Option<String>,
    pub notes: Vec<String>,
    pub label: Label,
    pub decided_by: Option<String>,
    pub categories: Vec<String>,
    pub findings: Vec<FindingRecord>,
}

/// One finding, already masked and fingerprinted by the caller.
#[derive(Clone, Debug)]
pub struct FindingRecord {
    pub rule_id: String,
    pub category: String,
    pub confidence: f32,
    /// JSON object.
    pub location: String,
    pub location_text: String,
    pub snippet: String,
    pub fingerprint: String,
}

/// What one scan wrote.
#[derive(Clone, Copy, Debug, Default)]
pub struct ScanCounts {
    pub documents: u64,
    pub findings: u64,
}

/// The scan's identity, recorded in `scans`.
pub struct NewScan<'a> {
    pub roots: &'a [String],
    pub rules_version: &'a str,
    pub policy_version: &'a str,
}

/// Handle to the writer thread.
pub struct Writer {
    scan_id: i64,
    tx: Sender<Vec<DocRecord>>,
    handle: JoinHandle<Result<(ScanCounts, Catalog)>>,
}

impl Writer {
    /// Records a new `running` scan and starts the writer thread.
    pub fn start(catalog: Catalog, scan: NewScan<'_>, queue: usize) -> Result<Writer> {
        catalog.conn().execute(
            "INSERT INTO scans(started_at, status, roots, rules_version, policy_version, tool_version) \
             VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'running', ?1, ?2, ?3, ?4)",
            params![
                serde_json::to_string(scan.roots)?,
                scan.rules_version,
                scan.policy_version,
                env!("CARGO_PKG_VERSION"),
            ],
        )?;
        let scan_id = catalog.conn().last_insert_rowid();
        let rules_version = scan.rules_version.to_string();
        let policy_version = scan.policy_version.to_string();
        let (tx, rx) = bounded(queue.max(1));
        let handle = std::thread::Builder::new()
            .name("kbscan-catalog-writer".into())
            .spawn(move || write_loop(catalog, scan_id, &rules_version, &policy_version, rx))
            .context("failed to start the catalog writer")?;
        Ok(Writer {
            scan_id,
            tx,
            handle,
        })
    }

    pub fn scan_id(&self) -> i64 {
        self.scan_id
    }

    /// A sender for scan workers; a file's records go in one message.
    pub fn sender(&self) -> Sender<Vec<DocRecord>> {
        self.tx.clone()
    }

    /// Waits for every queued record, then marks the scan finished with
    /// `status` (`complete`, `partial`) and the bytes it read.
    pub fn finish(self, status: &str, bytes: u64) -> Result<ScanCounts> {
        drop(self.tx);
        let (counts, catalog) = self
            .handle
            .join()
            .map_err(|_| anyhow::anyhow!("catalog writer panicked"))??;
        catalog.conn().execute(
            "UPDATE scans SET status = ?2, bytes = ?3, finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') \
             WHERE id = ?1",
            params![self.scan_id, status, bytes as i64],
        )?;
        catalog.conn().execute_batch("PRAGMA optimize")?;
        Ok(counts)
    }
}

fn write_loop(
    mut catalog: Catalog,
    scan_id: i64,
    rules_version: &str,
    policy_version: &str,
    rx: Receiver<Vec<DocRecord>>,
) -> Result<(ScanCounts, Catalog)> {
    let mut counts = ScanCounts::default();
    let mut pending: Vec<Vec<DocRecord>> = Vec::new();
    let mut pending_docs = 0usize;
    let mut last_commit = Instant::now();
    loop {
        let msg = rx.recv_timeout(COMMIT_INTERVAL.saturating_sub(last_commit.elapsed()));
        let done = match msg {
            Ok(records) => {
                pending_docs += records.len();
                pending.push(records);
                false
            }
            Err(RecvTimeoutError::Timeout) => false,
            Err(RecvTimeoutError::Disconnected) => true,
        };
        if done || pending_docs >= BATCH_DOCUMENTS || last_commit.elapsed() >= COMMIT_INTERVAL {
            if !pending.is_empty() {
                let tx = catalog.conn.transaction()?;
                for records in pending.drain(..) {
                    for r in &records {
                        write_document(&tx, scan_id, rules_version, policy_version, r)?;
                        counts.documents += 1;
                        counts.findings += r.findings.len() as u64;
                    }
                }
                tx.execute(
                    "UPDATE scans SET documents = ?2, findings = ?3 WHERE id = ?1",
                    params![scan_id, counts.documents as i64, counts.findings as i64],
                )?;
                tx.commit()?;
                pending_docs = 0;
            }
            last_commit = Instant::now();
        }
        if done {
            return Ok((counts, catalog));
        }
    }
}

fn write_document(
    tx: &Transaction<'_>,
    scan_id: i64,
    rules_version: &str,
    policy_version: &str,
    r: &DocRecord,
) -> Result<()> {
    let old: Option<(i64, String, String)> = tx
        .prepare_cached("SELECT id, label, status FROM documents WHERE path = ?1")?
        .query_row([&r.path], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .optional()?;
    let id: i64 = tx
        .prepare_cached(
            "INSERT INTO documents(path, parent_path, real_path, size, mtime_ns, inode, content_hash, status, error, \
                notes, label, label_rank, decided_by, categories, scan_id, rules_version, policy_version, scanned_at) \
             VALUES (?1, ?2, ?17, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, \
                strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) \
             ON CONFLICT(path) DO UPDATE SET parent_path = excluded.parent_path, real_path = excluded.real_path, size = excluded.size, \
                mtime_ns = excluded.mtime_ns, inode = excluded.inode, content_hash = excluded.content_hash, \
                status = excluded.status, error = excluded.error, notes = excluded.notes, \
                label = excluded.label, label_rank = excluded.label_rank, decided_by = excluded.decided_by, \
                categories = excluded.categories, scan_id = excluded.scan_id, \
                rules_version = excluded.rules_version, policy_version = excluded.policy_version, \
                scanned_at = excluded.scanned_at \
             RETURNING id",
        )?
        .query_row(
            params![
                r.path,
                r.parent_path,
                r.size.map(|s| s as i64),
                r.mtime_ns,
                r.inode.map(|i| i as i64),
                r.content_hash,
                r.status.as_str(),
                r.error,
                serde_json::to_string(&r.notes)?,
                r.label.as_str(),
                r.label.rank(),
                r.decided_by,
                serde_json::to_string(&r.categories)?,
                scan_id,
                rules_version,
                policy_version,
                r.real_path,
            ],
            |row| row.get(0),
        )?;
    if old.is_some() {
        tx.prepare_cached("DELETE FROM findings WHERE document_id = ?1")?
            .execute([id])?;
    }
    let mut insert = tx.prepare_cached(
        "INSERT INTO findings(document_id, rule_id, category, confidence, location, location_text, snippet, fingerprint) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for f in &r.findings {
        insert.execute(params![
            id,
            f.rule_id,
            f.category,
            f64::from(f.confidence.clamp(0.0, 1.0)),
            f.location,
            f.location_text,
            f.snippet,
            f.fingerprint
        ])?;
    }
    let changed = match &old {
        None => true,
        Some((_, label, status)) => label != r.label.as_str() || status != r.status.as_str(),
    };
    if changed {
        tx.prepare_cached(
            "INSERT INTO label_history(path, scan_id, old_label, new_label, old_status, new_status, changed_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
        )?
        .execute(params![
            r.path,
            scan_id,
            old.as_ref().map(|o| &o.1),
            r.label.as_str(),
            old.as_ref().map(|o| &o.2),
            r.status.as_str()
        ])?;
    }
    Ok(())
}
