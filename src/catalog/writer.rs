//! The single catalog writer.
//!
//! SQLite works best with one writer: scan workers send finished documents
//! over a bounded channel (back-pressure instead of unbounded memory) and this
//! thread writes them in batched transactions. A file's documents (the file
//! and everything inside it) travel in one message and land in one
//! transaction, so a killed scan never leaves half of a file's rows.
//!
//! Each worker collects whole files in a [`Batcher`] and sends them a few
//! dozen at a time: on a tree of small files a message per file made the
//! channel (and the writer spinning for the next message) cost more than
//! SQLite. The writer measures the time it spends in SQLite and workers
//! measure the time they wait for room in the queue ([`ScanCounts`]), so a
//! scan can show whether the catalog ever held it back.

use super::{Catalog, Status};
use crate::label::Label;
use anyhow::{Context, Result};
use crossbeam_channel::{bounded, Receiver, RecvTimeoutError, Sender, TrySendError};
use rusqlite::{params, OptionalExtension, Transaction};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Commit at least this often, so readers see progress and a kill loses little.
const COMMIT_INTERVAL: Duration = Duration::from_millis(500);
/// Or after this many documents, whichever comes first.
const BATCH_DOCUMENTS: usize = 4096;
/// A worker sends its batch once it holds this many files...
const SEND_FILES: usize = 64;
/// ...or this many documents and findings, which bounds the memory a batch
/// holds when files are archives with thousands of members.
const SEND_WEIGHT: usize = 2048;
/// Batches queued per scan thread: with [`SEND_FILES`] this bounds the
/// records in flight.
pub const QUEUE_PER_THREAD: usize = 4;

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
    /// A person's review decision on this fingerprint (`accept`/`reject`).
    pub decision: Option<&'static str>,
}

/// One unit of work for the writer; each lands in a single transaction
/// together with whatever else is batched with it.
#[derive(Debug)]
pub enum WriteOp {
    /// A file that was read: its record and every document inside it.
    Documents(Vec<DocRecord>),
    /// A file whose bytes did not change but whose mtime or inode moved (a
    /// `touch`, a copy that kept the content): record the new ones in its
    /// row (`id`, from [`super::Previous`]). Files unchanged down to the
    /// inode send nothing: the scan marks them in [`super::SeenIds`].
    Touched { id: i64, mtime_ns: i64, inode: u64 },
    /// New labels for documents whose findings stand but whose policy changed.
    Relabel(Vec<LabelUpdate>),
    /// A file gone from disk: it and its members become `deleted`.
    Deleted { path: String },
    /// Commit everything queued before this, then signal.
    Flush(Sender<()>),
}

/// A label recomputed without re-reading the document.
#[derive(Debug)]
pub struct LabelUpdate {
    pub path: String,
    pub label: Label,
    pub decided_by: Option<String>,
    /// New categories when a review decision changed them.
    pub categories: Option<Vec<String>>,
    pub reason: String,
}

/// What one scan wrote, and what writing cost.
#[derive(Clone, Copy, Debug, Default)]
pub struct ScanCounts {
    pub documents: u64,
    pub findings: u64,
    /// Time the writer spent inside SQLite (transactions, the final update),
    /// by the wall clock: on a busy machine this includes time the thread
    /// waited for a CPU.
    pub writer_busy: Duration,
    /// CPU time of the writer thread over the whole scan.
    pub writer_cpu: Duration,
    /// Time scan threads spent waiting for room in the writer's queue,
    /// summed over threads: zero means the writer never held a scan back.
    pub writer_wait: Duration,
}

/// What the scan found on disk, compared with the catalog.
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct FileCounts {
    pub bytes: u64,
    pub new: u64,
    pub changed: u64,
    pub unchanged: u64,
    pub deleted: u64,
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
    tx: Sender<Vec<WriteOp>>,
    /// Nanoseconds workers waited on a full queue.
    wait_ns: Arc<AtomicU64>,
    handle: JoinHandle<Result<(ScanCounts, Catalog)>>,
}

/// A scan thread's end of the writer's queue. Ops of whole files are
/// collected and sent in batches; whatever is left goes out on [`flush`]
/// or when the batcher is dropped (a walk thread ending).
///
/// [`flush`]: Batcher::flush
pub struct Batcher {
    tx: Sender<Vec<WriteOp>>,
    wait_ns: Arc<AtomicU64>,
    batch: Vec<WriteOp>,
    weight: usize,
}

impl Batcher {
    /// Queues one op (a whole file's); `false` when the writer has stopped
    /// (it failed: [`Writer::finish`] says why).
    pub fn push(&mut self, op: WriteOp) -> bool {
        self.weight += match &op {
            WriteOp::Documents(records) => {
                records.iter().map(|r| 1 + r.findings.len()).sum::<usize>()
            }
            WriteOp::Relabel(updates) => updates.len(),
            _ => 1,
        };
        self.batch.push(op);
        if self.batch.len() >= SEND_FILES || self.weight >= SEND_WEIGHT {
            return self.flush();
        }
        true
    }

    /// Sends what is queued; `false` when the writer has stopped.
    pub fn flush(&mut self) -> bool {
        if self.batch.is_empty() {
            return true;
        }
        self.weight = 0;
        let batch = std::mem::take(&mut self.batch);
        match self.tx.try_send(batch) {
            Ok(()) => true,
            Err(TrySendError::Full(batch)) => {
                let waited = Instant::now();
                let sent = self.tx.send(batch).is_ok();
                let ns = u64::try_from(waited.elapsed().as_nanos()).unwrap_or(u64::MAX);
                self.wait_ns.fetch_add(ns, Ordering::Relaxed);
                sent
            }
            Err(TrySendError::Disconnected(_)) => false,
        }
    }
}

impl Drop for Batcher {
    fn drop(&mut self) {
        self.flush();
    }
}

impl Writer {
    /// Records a new `running` scan and starts the writer thread; `queue`
    /// is the number of batches that may wait (see [`QUEUE_PER_THREAD`]).
    pub fn start(catalog: Catalog, scan: NewScan<'_>, queue: usize) -> Result<Writer> {
        // Scans still 'running' were killed (this process holds the scan
        // lock): their committed batches stand, the rest is redone now.
        catalog.conn().execute(
            "UPDATE scans SET status = 'partial', finished_at = coalesce(finished_at, \
                strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) WHERE status = 'running'",
            [],
        )?;
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
        // The scan's writes need not survive a power cut (the next scan
        // redoes what is missing), only a crash of kbscan, which WAL with
        // synchronous=NORMAL guarantees; statement journals in memory; a page
        // cache that holds the path index of a large catalog.
        catalog.conn().execute_batch(
            "PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -32768;",
        )?;
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
            wait_ns: Arc::new(AtomicU64::new(0)),
            handle,
        })
    }

    pub fn scan_id(&self) -> i64 {
        self.scan_id
    }

    /// A batcher for one scan thread; a file's records go in one op.
    pub fn batcher(&self) -> Batcher {
        Batcher {
            tx: self.tx.clone(),
            wait_ns: self.wait_ns.clone(),
            batch: Vec::new(),
            weight: 0,
        }
    }

    /// Waits until everything sent before (by batchers already flushed or
    /// dropped) is committed.
    pub fn sync(&self) -> Result<()> {
        let (ack, done) = bounded(1);
        self.tx
            .send(vec![WriteOp::Flush(ack)])
            .context("catalog writer stopped")?;
        done.recv().context("catalog writer stopped")?;
        Ok(())
    }

    /// Waits for every queued record, then marks the scan finished with
    /// `status` (`complete`, `partial`) and what it saw.
    pub fn finish(self, status: &str, files: &FileCounts) -> Result<ScanCounts> {
        drop(self.tx);
        let (mut counts, catalog) = self
            .handle
            .join()
            .map_err(|_| anyhow::anyhow!("catalog writer panicked"))??;
        let busy = Instant::now();
        catalog.conn().execute(
            "UPDATE scans SET status = ?2, bytes = ?3, new_files = ?4, changed_files = ?5, unchanged_files = ?6, \
                deleted_files = ?7, finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') \
             WHERE id = ?1",
            params![
                self.scan_id,
                status,
                files.bytes as i64,
                files.new as i64,
                files.changed as i64,
                files.unchanged as i64,
                files.deleted as i64
            ],
        )?;
        catalog.conn().execute_batch("PRAGMA optimize")?;
        counts.writer_busy += busy.elapsed();
        counts.writer_wait = Duration::from_nanos(self.wait_ns.load(Ordering::Relaxed));
        Ok(counts)
    }
}

fn write_loop(
    mut catalog: Catalog,
    scan_id: i64,
    rules_version: &str,
    policy_version: &str,
    rx: Receiver<Vec<WriteOp>>,
) -> Result<(ScanCounts, Catalog)> {
    let mut counts = ScanCounts::default();
    let mut pending: Vec<WriteOp> = Vec::new();
    let mut pending_docs = 0usize;
    let mut last_commit = Instant::now();
    loop {
        let msg = rx.recv_timeout(COMMIT_INTERVAL.saturating_sub(last_commit.elapsed()));
        let mut flushed = None;
        let done = match msg {
            Ok(batch) => {
                for op in batch {
                    match op {
                        WriteOp::Flush(ack) => flushed = Some(ack),
                        op => {
                            pending_docs += match &op {
                                WriteOp::Documents(records) => records.len(),
                                WriteOp::Relabel(updates) => updates.len(),
                                _ => 1,
                            };
                            pending.push(op);
                        }
                    }
                }
                false
            }
            Err(RecvTimeoutError::Timeout) => false,
            Err(RecvTimeoutError::Disconnected) => true,
        };
        if done
            || flushed.is_some()
            || pending_docs >= BATCH_DOCUMENTS
            || last_commit.elapsed() >= COMMIT_INTERVAL
        {
            if !pending.is_empty() {
                let busy = Instant::now();
                commit(
                    &mut catalog,
                    scan_id,
                    rules_version,
                    policy_version,
                    &mut pending,
                    &mut counts,
                )?;
                counts.writer_busy += busy.elapsed();
                pending_docs = 0;
            }
            last_commit = Instant::now();
        }
        if let Some(ack) = flushed {
            let _ = ack.send(());
        }
        if done {
            counts.writer_cpu = thread_cpu_time();
            return Ok((counts, catalog));
        }
    }
}

/// CPU time used by the calling thread so far.
#[cfg(unix)]
fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the call's duration.
    if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } != 0 {
        return Duration::ZERO;
    }
    Duration::new(
        u64::try_from(ts.tv_sec).unwrap_or(0),
        u32::try_from(ts.tv_nsec).unwrap_or(0),
    )
}

#[cfg(not(unix))]
fn thread_cpu_time() -> Duration {
    Duration::ZERO
}

/// Writes `pending` in one transaction.
fn commit(
    catalog: &mut Catalog,
    scan_id: i64,
    rules_version: &str,
    policy_version: &str,
    pending: &mut Vec<WriteOp>,
    counts: &mut ScanCounts,
) -> Result<()> {
    let tx = catalog.conn.transaction()?;
    // One timestamp per transaction: the batch lands at once.
    let now: String = tx.query_row("SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now')", [], |r| {
        r.get(0)
    })?;
    let batch = Batch {
        tx: &tx,
        scan_id,
        rules_version,
        policy_version,
        now: &now,
    };
    for op in pending.drain(..) {
        match op {
            WriteOp::Documents(records) => {
                for r in &records {
                    batch.write_document(r)?;
                    counts.documents += 1;
                    counts.findings += r.findings.len() as u64;
                }
            }
            WriteOp::Touched {
                id,
                mtime_ns,
                inode,
            } => batch.mark_touched(id, mtime_ns, inode)?,
            WriteOp::Relabel(updates) => {
                for u in &updates {
                    batch.relabel(u)?;
                }
            }
            WriteOp::Deleted { path } => batch.mark_deleted(&path)?,
            WriteOp::Flush(_) => {}
        }
    }
    tx.execute(
        "UPDATE scans SET documents = ?2, findings = ?3 WHERE id = ?1",
        params![scan_id, counts.documents as i64, counts.findings as i64],
    )?;
    tx.commit()?;
    Ok(())
}

/// One transaction's context.
struct Batch<'a> {
    tx: &'a Transaction<'a>,
    scan_id: i64,
    rules_version: &'a str,
    policy_version: &'a str,
    /// The transaction's timestamp.
    now: &'a str,
}

impl Batch<'_> {
    fn write_document(&self, r: &DocRecord) -> Result<()> {
        let tx = self.tx;
        let old: Option<(i64, String, String)> = tx
            .prepare_cached("SELECT id, label, status FROM documents WHERE path = ?1")?
            .query_row([&r.path], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .optional()?;
        // The row is looked up above anyway (for its history), so this is
        // a plain UPDATE or INSERT: no upsert, no RETURNING.
        let values = params![
            r.path,
            r.parent_path,
            r.size.map(|s| s as i64),
            r.mtime_ns,
            r.inode.map(|i| i as i64),
            r.content_hash,
            r.status.as_str(),
            r.error,
            json_list(&r.notes)?,
            r.label.as_str(),
            r.label.rank(),
            r.decided_by,
            json_list(&r.categories)?,
            self.scan_id,
            self.rules_version,
            self.policy_version,
            r.real_path,
            self.now,
        ];
        let id = match &old {
            Some((id, _, _)) => {
                tx.prepare_cached(
                    "UPDATE documents SET path = ?1, parent_path = ?2, real_path = ?17, size = ?3, mtime_ns = ?4, \
                        inode = ?5, content_hash = ?6, status = ?7, error = ?8, notes = ?9, label = ?10, \
                        label_rank = ?11, decided_by = ?12, categories = ?13, scan_id = ?14, rules_version = ?15, \
                        policy_version = ?16, scanned_at = ?18, seen_scan = ?14 \
                     WHERE id = ?19",
                )?
                .execute(rusqlite::params_from_iter(
                    values.iter().copied().chain([id as &dyn rusqlite::ToSql]),
                ))?;
                *id
            }
            None => {
                tx.prepare_cached(
                    "INSERT INTO documents(path, parent_path, real_path, size, mtime_ns, inode, content_hash, status, \
                        error, notes, label, label_rank, decided_by, categories, scan_id, rules_version, \
                        policy_version, scanned_at, seen_scan) \
                     VALUES (?1, ?2, ?17, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?18, ?14)",
                )?
                .execute(values)?;
                tx.last_insert_rowid()
            }
        };
        if old.is_some() {
            tx.prepare_cached("DELETE FROM findings WHERE document_id = ?1")?
                .execute([id])?;
        }
        if !r.findings.is_empty() {
            let mut insert = tx.prepare_cached(
                "INSERT INTO findings(document_id, rule_id, category, confidence, location, location_text, snippet, \
                    fingerprint, decision) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
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
                    f.fingerprint,
                    f.decision
                ])?;
            }
        }
        let old = old.map(|(_, label, status)| (label, status));
        // Why, for `diff` and the report: the read error, else what happened.
        let reason = r.error.as_deref().unwrap_or(if old.is_some() {
            "content changed"
        } else {
            "new document"
        });
        self.record_history(
            &r.path,
            old,
            r.label.as_str(),
            r.status.as_str(),
            Some(reason),
        )
    }

    /// Adds a label_history row when the label or status changed (or the
    /// document is new).
    fn record_history(
        &self,
        path: &str,
        old: Option<(String, String)>,
        new_label: &str,
        new_status: &str,
        reason: Option<&str>,
    ) -> Result<()> {
        if old
            .as_ref()
            .is_some_and(|(label, status)| label == new_label && status == new_status)
        {
            return Ok(());
        }
        let (old_label, old_status) = old.unzip();
        self.tx
            .prepare_cached(
                "INSERT INTO label_history(path, scan_id, old_label, new_label, old_status, new_status, changed_at, reason) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                path,
                self.scan_id,
                old_label,
                new_label,
                old_status,
                new_status,
                self.now,
                reason
            ])?;
        Ok(())
    }

    /// Only the file's own row: deletion is decided per file on disk, and its
    /// members stand or fall with it.
    fn mark_touched(&self, id: i64, mtime_ns: i64, inode: u64) -> Result<()> {
        self.tx
            .prepare_cached(
                "UPDATE documents SET seen_scan = ?2, mtime_ns = ?3, inode = ?4 WHERE id = ?1",
            )?
            .execute(params![id, self.scan_id, mtime_ns, inode as i64])?;
        Ok(())
    }

    fn relabel(&self, u: &LabelUpdate) -> Result<()> {
        let tx = self.tx;
        let old: Option<(String, String)> = tx
            .prepare_cached("SELECT label, status FROM documents WHERE path = ?1")?
            .query_row([&u.path], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some(old) = old else { return Ok(()) };
        tx.prepare_cached(
            "UPDATE documents SET label = ?2, label_rank = ?3, decided_by = ?4, policy_version = ?5, seen_scan = ?6 \
             WHERE path = ?1",
        )?
        .execute(params![
            u.path,
            u.label.as_str(),
            u.label.rank(),
            u.decided_by,
            self.policy_version,
            self.scan_id
        ])?;
        let status = old.1.clone();
        self.record_history(
            &u.path,
            Some(old),
            u.label.as_str(),
            &status,
            Some(&u.reason),
        )
    }

    fn mark_deleted(&self, path: &str) -> Result<()> {
        let tx = self.tx;
        let family: Vec<(String, String, String)> = tx
            .prepare_cached(&format!(
                "SELECT path, label, status FROM documents WHERE {FAMILY} AND status != 'deleted'"
            ))?
            .query_map([path], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        tx.prepare_cached(&format!(
            "UPDATE documents SET status = 'deleted', error = 'gone from disk', seen_scan = ?2 WHERE {FAMILY}"
        ))?
        .execute(params![path, self.scan_id])?;
        for (p, label, status) in family {
            self.record_history(
                &p,
                Some((label.clone(), status)),
                &label,
                "deleted",
                Some("gone from disk"),
            )?;
        }
        Ok(())
    }
}

/// `path` and every document inside it: the path itself, then the
/// `path!/...` range, which the unique index on `path` answers directly.
const FAMILY: &str = "(path = ?1 OR (path >= ?1 || '!/' AND path < ?1 || '!0'))";

/// A JSON array of strings; `[]` without serde for the common empty case.
fn json_list(items: &[String]) -> Result<String> {
    if items.is_empty() {
        return Ok("[]".into());
    }
    Ok(serde_json::to_string(items)?)
}
