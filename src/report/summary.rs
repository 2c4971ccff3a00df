//! The end-of-scan summary: documents by label and status, top categories,
//! elapsed time and throughput, for people (stderr) or machines (`--json`).

use crate::catalog::{DocRecord, FileCounts, Status};
use crate::label::Label;
use anyhow::Result;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// How a walked file compares with the catalog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    New,
    Changed,
    Unchanged,
    Deleted,
}

/// Gathers counts from all worker threads.
#[derive(Default)]
pub struct SummaryCollector {
    bytes: AtomicU64,
    new: AtomicU64,
    changed: AtomicU64,
    unchanged: AtomicU64,
    deleted: AtomicU64,
    inner: Mutex<Counts>,
}

#[derive(Default)]
struct Counts {
    files: u64,
    documents: u64,
    findings: u64,
    by_label: BTreeMap<Label, u64>,
    by_status: BTreeMap<&'static str, u64>,
    by_category: BTreeMap<String, u64>,
    no_text: u64,
    highest: Option<Label>,
}

impl SummaryCollector {
    /// Counts one file's records (the file and its members).
    pub fn add(&self, records: &[DocRecord]) {
        let mut c = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        c.files += 1;
        for r in records {
            c.documents += 1;
            c.findings += r.findings.len() as u64;
            *c.by_label.entry(r.label).or_default() += 1;
            *c.by_status.entry(r.status.as_str()).or_default() += 1;
            for cat in &r.categories {
                *c.by_category.entry(cat.clone()).or_default() += 1;
            }
            if r.status == Status::Ok && r.notes.iter().any(|n| n == "no-text") {
                c.no_text += 1;
            }
            c.highest = c.highest.max(Some(r.label));
        }
    }

    pub fn count_change(&self, change: Change) {
        let counter = match change {
            Change::New => &self.new,
            Change::Changed => &self.changed,
            Change::Unchanged => &self.unchanged,
            Change::Deleted => &self.deleted,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn file_counts(&self) -> FileCounts {
        FileCounts {
            bytes: self.bytes(),
            new: self.new.load(Ordering::Relaxed),
            changed: self.changed.load(Ordering::Relaxed),
            unchanged: self.unchanged.load(Ordering::Relaxed),
            deleted: self.deleted.load(Ordering::Relaxed),
        }
    }

    pub fn add_bytes(&self, n: u64) {
        self.bytes.fetch_add(n, Ordering::Relaxed);
    }

    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// A short line for the progress bar.
    pub fn progress_message(&self) -> String {
        let c = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let unchanged = self.unchanged.load(Ordering::Relaxed);
        format!(
            "{} files read, {unchanged} unchanged, {} findings,",
            c.files, c.findings
        )
    }

    pub fn finish(&self, elapsed: Duration, written: u64, interrupted: bool) -> Summary {
        let c = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let mut top: Vec<(String, u64)> =
            c.by_category.iter().map(|(k, v)| (k.clone(), *v)).collect();
        top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        top.truncate(10);
        let bytes = self.bytes();
        let secs = elapsed.as_secs_f64();
        Summary {
            complete: !interrupted,
            changes: self.file_counts(),
            files: c.files,
            documents: c.documents,
            documents_written: written,
            findings: c.findings,
            by_label: Label::ALL
                .iter()
                .map(|l| (l.as_str(), c.by_label.get(l).copied().unwrap_or(0)))
                .collect(),
            by_status: c.by_status.iter().map(|(k, v)| (*k, *v)).collect(),
            top_categories: top,
            no_text: c.no_text,
            bytes,
            elapsed_secs: secs,
            mb_per_sec: if secs > 0.0 {
                bytes as f64 / 1e6 / secs
            } else {
                0.0
            },
            highest_label: c.highest.unwrap_or(Label::Public),
            writer_busy_secs: 0.0,
            writer_busy_share: 0.0,
            writer_cpu_secs: 0.0,
            writer_wait_secs: 0.0,
        }
    }
}

/// What one scan did.
#[derive(Serialize, Debug)]
pub struct Summary {
    pub complete: bool,
    /// Files new, changed, unchanged (not re-read) and deleted since the
    /// last scan.
    pub changes: FileCounts,
    pub files: u64,
    pub documents: u64,
    pub documents_written: u64,
    pub findings: u64,
    /// Every document under the roots (read now or unchanged), by label.
    pub by_label: BTreeMap<&'static str, u64>,
    pub by_status: BTreeMap<&'static str, u64>,
    pub top_categories: Vec<(String, u64)>,
    /// Documents read without error that gave no text (image-only PDFs...).
    pub no_text: u64,
    pub bytes: u64,
    pub elapsed_secs: f64,
    pub mb_per_sec: f64,
    pub highest_label: Label,
    /// Seconds the catalog writer spent in SQLite, and that as a share of
    /// `elapsed_secs`: how close the writer came to limiting the scan.
    pub writer_busy_secs: f64,
    pub writer_busy_share: f64,
    /// CPU seconds of the writer thread: what the writer took from the
    /// scan threads on a machine with few cores.
    pub writer_cpu_secs: f64,
    /// Seconds scan threads waited for the writer's queue (summed over
    /// threads); above zero, the writer held the scan back.
    pub writer_wait_secs: f64,
}

impl Summary {
    /// Records what writing the catalog cost (see the fields' docs).
    pub fn set_writer_times(&mut self, busy: Duration, cpu: Duration, wait: Duration) {
        self.writer_busy_secs = busy.as_secs_f64();
        self.writer_busy_share = if self.elapsed_secs > 0.0 {
            self.writer_busy_secs / self.elapsed_secs
        } else {
            0.0
        };
        self.writer_cpu_secs = cpu.as_secs_f64();
        self.writer_wait_secs = wait.as_secs_f64();
    }

    /// Replaces the per-scan label counts with the catalog's view of every
    /// document under the roots (unchanged files included), which is what
    /// `--fail-on` and a data owner care about.
    pub fn set_catalog_labels(&mut self, counts: BTreeMap<String, u64>) {
        for label in Label::ALL {
            let n = counts.get(label.as_str()).copied().unwrap_or(0);
            self.by_label.insert(label.as_str(), n);
            if n > 0 {
                self.highest_label = self.highest_label.max(label);
            }
        }
    }

    /// JSON on stdout with `json`; otherwise a human summary on stderr unless
    /// `quiet`.
    pub fn print(&self, json: bool, quiet: bool) -> Result<()> {
        if json {
            println!("{}", serde_json::to_string_pretty(self)?);
            return Ok(());
        }
        if quiet {
            return Ok(());
        }
        let labels: Vec<String> = Label::ALL
            .iter()
            .map(|l| format!("{} {}", self.by_label[l.as_str()], l))
            .collect();
        let statuses: Vec<String> = self
            .by_status
            .iter()
            .map(|(k, v)| format!("{v} {k}"))
            .collect();
        eprintln!(
            "scanned {} files ({} documents) in {:.2}s, {:.1} MB/s",
            self.files, self.documents, self.elapsed_secs, self.mb_per_sec
        );
        let ch = &self.changes;
        eprintln!(
            "  files:    {} new, {} changed, {} unchanged, {} deleted",
            ch.new, ch.changed, ch.unchanged, ch.deleted
        );
        eprintln!("  labels:   {}", labels.join(", "));
        eprintln!("  status:   {}", statuses.join(", "));
        if self.no_text > 0 {
            eprintln!(
                "  no text:  {} documents gave no text (e.g. image-only PDFs)",
                self.no_text
            );
        }
        if !self.top_categories.is_empty() {
            let top: Vec<String> = self
                .top_categories
                .iter()
                .map(|(c, n)| format!("{c} {n}"))
                .collect();
            eprintln!("  top categories (documents): {}", top.join(", "));
        }
        eprintln!("  findings: {}", self.findings);
        eprintln!(
            "  catalog:  writer busy {:.2}s ({:.0}% of the scan, {:.2}s CPU), scan threads waited {:.2}s for it",
            self.writer_busy_secs,
            self.writer_busy_share * 100.0,
            self.writer_cpu_secs,
            self.writer_wait_secs
        );
        Ok(())
    }
}
