//! `kbscan scan`: the only place that wires threads.
//!
//! The walker's threads do the work (as in ripgrep): each thread owns a
//! detector scratch and a read connection to the catalog, decides whether a
//! file needs reading at all (incremental scans), and turns every file it
//! reads into catalog records (the file and each document inside it), which
//! go to the single catalog writer. The chunks of one big text file are
//! scanned on a small pool of as many threads, so the last big file of a
//! tree (or a single 4 GB log) does not leave all but one core idle.

use crate::catalog::{
    Batcher, Catalog, DocRecord, FindingRecord, LabelUpdate, Previous, ReviewState, ScanLock,
    SeenIds, Status, WriteOp, Writer, QUEUE_PER_THREAD,
};
use crate::cli::ScanArgs;
use crate::detect::{Columns, Detection, Detector, RuleSet, Scratch};
use crate::extract::{self, ExtractConfig, Location, Outcome, RowsPart, TextPart, Visitor};
use crate::gate::MEMBER_SEPARATOR;
use crate::label::{self, Label, Policy};
use crate::report::summary::{Change, SummaryCollector};
use crate::walk::{self, Candidate, Entry, WalkOptions};
use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use std::collections::{BTreeSet, HashMap};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Findings kept per document; the rest are counted in a note. Bounds memory
/// and catalog size on a log with millions of email addresses, while the
/// label (which needs only one finding per category) stays exact.
const MAX_FINDINGS_PER_DOCUMENT: usize = 1000;

const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Everything a worker thread needs, shared read-only.
struct ScanContext {
    detector: Detector,
    policy: Policy,
    policy_version: String,
    extract: ExtractConfig,
    fingerprint_key: [u8; 32],
    review: ReviewState,
    full: bool,
    /// Whether the catalog knew anything under the roots when the scan
    /// began; when it did not (a first scan), files are not looked up.
    incremental: bool,
    /// Catalog rows found unchanged: not rewritten, but not deleted either.
    seen: SeenIds,
    /// Each root as given and its canonical form, so a file's canonical path
    /// is a join, not a realpath syscall per file (only symlinks that the
    /// walk follows can make the two differ below a root).
    canonical_roots: Vec<(PathBuf, PathBuf)>,
    follow_symlinks: bool,
    /// The catalog and its companions (`-wal`, `-shm`, `.lock`), never
    /// scanned when they sit inside a root.
    catalog_files: Vec<PathBuf>,
    summary: SummaryCollector,
    progress: ProgressBar,
    stop: Arc<AtomicBool>,
    /// Threads for the chunks of big texts (`Visitor::chunks`), with a
    /// detector scratch each; `None` with one thread.
    chunk_pool: Option<(rayon::ThreadPool, Vec<Mutex<Scratch>>)>,
}

pub fn run(args: ScanArgs) -> Result<i32> {
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        // A second Ctrl-C kills the process the usual way.
        let _ = ctrlc::set_handler(move || {
            if stop.swap(true, Ordering::SeqCst) {
                std::process::exit(130);
            }
        });
    }
    let rules = match &args.rules {
        Some(dir) => RuleSet::from_dir(dir)
            .with_context(|| format!("failed to load rules from {}", dir.display()))?,
        None => RuleSet::builtin()?,
    };
    let detector = Detector::new(rules, args.min_confidence)?;
    let policy = Policy::for_rules_dir(args.rules.as_deref())?;
    let catalog_path = args.catalog.catalog.clone();
    let _lock = ScanLock::acquire(&catalog_path)?;
    let catalog = Catalog::open_rw(&catalog_path)?;
    let fingerprint_key = catalog.fingerprint_key()?;
    let review = catalog.review_state()?;
    let mut incremental = false;
    for root in &args.roots {
        incremental |= catalog.knows_root(&root.to_string_lossy())?;
    }
    let seen = SeenIds::new(if incremental {
        catalog.max_document_id()?
    } else {
        0
    });
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let roots: Vec<String> = args
        .roots
        .iter()
        .map(|r| r.to_string_lossy().into_owned())
        .collect();
    let policy_version = policy.version();
    let writer = Writer::start(
        catalog,
        crate::catalog::NewScan {
            roots: &roots,
            rules_version: detector.rules_version(),
            policy_version: &policy_version,
        },
        threads * QUEUE_PER_THREAD,
    )?;
    let ctx = ScanContext {
        detector,
        policy,
        policy_version,
        extract: ExtractConfig {
            parallel_chunks: threads,
            ..extract_config(&args)
        },
        fingerprint_key,
        review,
        full: args.full,
        incremental,
        seen,
        canonical_roots: args
            .roots
            .iter()
            .filter_map(|r| Some((r.clone(), std::fs::canonicalize(r).ok()?)))
            .collect(),
        follow_symlinks: args.follow_symlinks,
        catalog_files: catalog_companions(&catalog_path),
        summary: SummaryCollector::default(),
        progress: progress_bar(args.quiet),
        stop: stop.clone(),
        chunk_pool: chunk_pool(threads)?,
    };
    let opts = WalkOptions {
        threads,
        include: args.include.clone(),
        exclude: args.exclude.clone(),
        max_file_size: args.max_file_size,
        hidden: args.hidden,
        follow_symlinks: args.follow_symlinks,
        no_ignore: args.no_ignore,
    };
    let started = Instant::now();
    walk::walk(&args.roots, &opts, || {
        let ctx = &ctx;
        let mut worker = Worker {
            scratch: Scratch::new(),
            detections: Vec::new(),
            // Without a reader the thread just re-reads every file.
            reader: if ctx.incremental {
                Catalog::open_ro(&catalog_path).ok()
            } else {
                None
            },
            snapshot_left: 0,
            same_tool: Default::default(),
            dirs: Vec::new(),
            batcher: writer.batcher(),
        };
        move |entry| worker.handle(ctx, entry)
    })?;
    let interrupted = stop.load(Ordering::SeqCst);
    if !interrupted && ctx.incremental {
        mark_deleted(&catalog_path, &roots, &writer, &ctx)?;
    }
    ctx.progress.finish_and_clear();
    let files = ctx.summary.file_counts();
    let status = if interrupted { "partial" } else { "complete" };
    let counts = writer.finish(status, &files)?;
    let mut summary = ctx
        .summary
        .finish(started.elapsed(), counts.documents, interrupted);
    summary.set_writer_times(counts.writer_busy, counts.writer_cpu, counts.writer_wait);
    // Unchanged files were not re-read: the labels that matter for
    // --fail-on are the catalog's, for everything under the roots.
    summary.set_catalog_labels(Catalog::open_ro(&catalog_path)?.label_counts(&roots)?);
    summary.print(args.json, args.quiet)?;
    if interrupted {
        eprintln!("kbscan: interrupted; the catalog holds a partial scan (run the scan again to complete it)");
        return Ok(2);
    }
    let failed = args.fail_on.is_some_and(|t| summary.highest_label >= t);
    Ok(i32::from(failed))
}

/// Files the catalog knows under the scanned roots that this scan did not
/// walk and that are gone from disk become `deleted` (files merely excluded
/// by a glob this time stay as they were). Not needed after a first scan:
/// the catalog knew nothing under the roots.
fn mark_deleted(
    catalog_path: &Path,
    roots: &[String],
    writer: &Writer,
    ctx: &ScanContext,
) -> Result<()> {
    // Let the writer commit what it has so `seen_scan` is current.
    writer.sync()?;
    let reader = Catalog::open_ro(catalog_path)?;
    let mut batcher = writer.batcher();
    for path in reader.unseen_files(roots, writer.scan_id(), &ctx.seen)? {
        if std::fs::symlink_metadata(&path).is_err() {
            ctx.summary.count_change(Change::Deleted);
            if !batcher.push(WriteOp::Deleted { path }) {
                anyhow::bail!("catalog writer stopped");
            }
        }
    }
    if !batcher.flush() {
        anyhow::bail!("catalog writer stopped");
    }
    Ok(())
}

fn extract_config(args: &ScanArgs) -> ExtractConfig {
    let mut cfg = ExtractConfig::default();
    let b = &args.budgets;
    let budgets = &mut cfg.budgets;
    if let Some(v) = b.max_expanded {
        budgets.max_expanded_bytes = v;
    }
    if let Some(v) = b.max_member_size {
        budgets.max_member_size = v;
    }
    if let Some(v) = b.max_ratio {
        budgets.max_ratio = v;
    }
    if let Some(v) = b.max_entries {
        budgets.max_entries = v;
    }
    if let Some(v) = b.max_depth {
        budgets.max_depth = v;
    }
    if let Some(v) = b.timeout {
        budgets.timeout = Duration::from_secs(v);
    }
    cfg
}

fn chunk_pool(threads: usize) -> Result<Option<(rayon::ThreadPool, Vec<Mutex<Scratch>>)>> {
    if threads < 2 {
        return Ok(None);
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("kbscan-chunks-{i}"))
        .build()
        .context("Failed to start the chunk threads")?;
    let scratch = (0..threads).map(|_| Mutex::new(Scratch::new())).collect();
    Ok(Some((pool, scratch)))
}

fn progress_bar(quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    pb.set_style(
        ProgressStyle::with_template("{spinner} {elapsed} {msg} {bytes} read ({bytes_per_sec})")
            .expect("valid template"),
    );
    pb.enable_steady_tick(Duration::from_millis(120));
    pb
}

/// Per-thread state.
struct Worker {
    scratch: Scratch,
    detections: Vec<Detection>,
    reader: Option<Catalog>,
    /// Lookups left in the reader's current snapshot.
    snapshot_left: u32,
    /// Scan id → whether this kbscan version wrote it.
    same_tool: HashMap<i64, bool>,
    /// Catalog records of recently walked directories, by file name
    /// (`None`: too many files, look them up one by one).
    dirs: Vec<(String, Option<HashMap<String, Previous>>)>,
    batcher: Batcher,
}

/// Point lookups per read snapshot (see `Catalog::renew_read_snapshot`).
const LOOKUPS_PER_SNAPSHOT: u32 = 512;
/// Directories whose catalog records a scan thread keeps at a time.
const CACHED_DIRS: usize = 8;
/// Most files of one directory loaded at once (bounds each thread's
/// memory); files of larger directories are looked up one by one.
const DIR_LIMIT: usize = 4096;

/// What to do with a walked file, given what the catalog remembers.
enum Action {
    Read,
    /// Same content, same rules, same policy: nothing to redo but mark the
    /// row seen (in memory), and record the new mtime/inode if only they moved.
    Skip {
        id: i64,
        same_stat: bool,
    },
    /// Same content and rules, new policy: new labels from stored findings.
    Relabel,
}

impl Worker {
    /// Handles one walk entry; returns false to stop the walk.
    fn handle(&mut self, ctx: &ScanContext, entry: Entry) -> bool {
        if ctx.stop.load(Ordering::Relaxed) {
            return false;
        }
        let op = match entry {
            Entry::File(candidate) if ctx.is_catalog_file(&candidate.path) => return true,
            Entry::File(candidate) => {
                let (change, action) = self.plan(ctx, &candidate);
                ctx.summary.count_change(change);
                match action {
                    Action::Skip { id, same_stat } => {
                        ctx.seen.mark(id);
                        (!same_stat).then_some(WriteOp::Touched {
                            id,
                            mtime_ns: candidate.mtime_ns,
                            inode: candidate.inode,
                        })
                    }
                    Action::Relabel => Some(match self.relabel(ctx, &candidate) {
                        Some(updates) => WriteOp::Relabel(updates),
                        None => self.read(ctx, &candidate),
                    }),
                    Action::Read => Some(self.read(ctx, &candidate)),
                }
            }
            Entry::Problem { path, reason } => {
                let record = problem_record(&path, reason);
                ctx.summary.add(std::slice::from_ref(&record));
                Some(WriteOp::Documents(vec![record]))
            }
        };
        if !ctx.progress.is_hidden() {
            ctx.progress.set_message(ctx.summary.progress_message());
        }
        // The writer only disappears when it failed; finish() reports why.
        op.is_none_or(|op| self.batcher.push(op))
    }

    /// The catalog's record of a file. Files are looked up a directory at
    /// a time ([`Catalog::previous_in_dir`], a few directories kept per
    /// thread): one pass over the index instead of a query per file. Files
    /// of very large directories, and paths that are not `dir/name`, are
    /// read one by one inside a periodically renewed snapshot.
    fn previous(&mut self, path: &Path) -> Option<Previous> {
        let reader = self.reader.as_ref()?;
        let full = path.to_string_lossy();
        if let (Some(dir), Some(name)) = (path.parent(), path.file_name()) {
            let (dir, name) = (dir.to_string_lossy(), name.to_string_lossy());
            let walked_as_dir_and_name = !dir.is_empty()
                && full.len() == dir.len() + 1 + name.len()
                && full.starts_with(&*dir);
            if walked_as_dir_and_name {
                let i = match self.dirs.iter().position(|(d, _)| *d == dir) {
                    Some(i) => i,
                    None => {
                        // Each statement of the load reads the latest
                        // commit; no snapshot is held between files.
                        reader.end_read_snapshot().ok()?;
                        self.snapshot_left = 0;
                        let files = reader.previous_in_dir(&dir, DIR_LIMIT).ok()?;
                        if self.dirs.len() >= CACHED_DIRS {
                            self.dirs.remove(0);
                        }
                        self.dirs.push((dir.into_owned(), files));
                        self.dirs.len() - 1
                    }
                };
                if let Some(files) = &mut self.dirs[i].1 {
                    return files.remove(&*name);
                }
            }
        }
        if self.snapshot_left == 0 {
            reader.renew_read_snapshot().ok()?;
            self.snapshot_left = LOOKUPS_PER_SNAPSHOT;
        }
        self.snapshot_left -= 1;
        reader.previous(&full).ok().flatten()
    }

    fn written_by_this_version(&mut self, scan_id: i64) -> bool {
        let reader = self.reader.as_ref();
        *self.same_tool.entry(scan_id).or_insert_with(|| {
            reader
                .and_then(|r| r.scan_tool_version(scan_id).ok().flatten())
                .is_some_and(|v| v == TOOL_VERSION)
        })
    }

    /// How the file compares with the catalog, and what that requires.
    fn plan(&mut self, ctx: &ScanContext, c: &Candidate) -> (Change, Action) {
        if !ctx.incremental {
            return (Change::New, Action::Read);
        }
        let Some(prev) = self.previous(&c.path) else {
            return (Change::New, Action::Read);
        };
        let same_stat = prev.size == Some(c.size as i64)
            && prev.mtime_ns == Some(c.mtime_ns)
            && prev.inode == Some(c.inode as i64);
        let same_content = same_stat
            || (prev.size == Some(c.size as i64) && !c.too_large && same_content(&prev, &c.path));
        if !same_content {
            return (Change::Changed, Action::Read);
        }
        let same_reader = prev.rules_version == ctx.detector.rules_version()
            && self.written_by_this_version(prev.scan_id)
            // Errors may be transient (a locked file, a timeout): retry them.
            && (prev.status == "ok" || prev.status == "skipped");
        let action = if ctx.full || !same_reader {
            Action::Read
        } else if prev.policy_version != ctx.policy_version {
            Action::Relabel
        } else {
            Action::Skip {
                id: prev.id,
                same_stat,
            }
        };
        (Change::Unchanged, action)
    }

    /// New labels for a file and its members from their stored categories
    /// (the policy changed, the content did not).
    fn relabel(&self, ctx: &ScanContext, c: &Candidate) -> Option<Vec<LabelUpdate>> {
        let family = self
            .reader
            .as_ref()?
            .family_categories(&c.path.to_string_lossy())
            .ok()?;
        let updates = label::family_labels(&ctx.policy, &family, |p| manual_label(&ctx.review, p))
            .into_iter()
            .map(|(path, label, decided)| LabelUpdate {
                path: path.to_string(),
                label,
                decided_by: decided.map(str::to_string),
                categories: None,
                reason: "policy changed".into(),
            })
            .collect();
        Some(updates)
    }

    fn read(&mut self, ctx: &ScanContext, c: &Candidate) -> WriteOp {
        // Extractors isolate third-party parsers; this is the last line of
        // defence, so that one file's bug is that file's error, not the scan's.
        let records =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.scan_file(ctx, c)))
                .unwrap_or_else(|panic| {
                    let why = panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "unknown".into());
                    let mut record = problem_record(&c.path, format!("panic: {why}"));
                    record.size = Some(c.size);
                    record.mtime_ns = Some(c.mtime_ns);
                    record.inode = Some(c.inode);
                    vec![record]
                });
        ctx.summary.add(&records);
        WriteOp::Documents(records)
    }

    fn scan_file(&mut self, ctx: &ScanContext, c: &Candidate) -> Vec<DocRecord> {
        let path = c.path.to_string_lossy().into_owned();
        let real_path = ctx
            .real_path(&c.path)
            .map(|p| p.to_string_lossy().into_owned());
        let mut collector = Collector {
            ctx,
            scratch: &mut self.scratch,
            detections: &mut self.detections,
            columns: None,
            stack: vec![OpenDoc::new(path, real_path)],
            done: Vec::new(),
        };
        let (outcome, hash) = if c.too_large {
            let why = format!("too-large: {} bytes > --max-file-size", c.size);
            (Outcome::Skipped(why), None)
        } else {
            let result = extract::extract_file(&c.path, &ctx.extract, &mut collector);
            ctx.summary.add_bytes(result.bytes_read);
            ctx.progress.inc(result.bytes_read);
            (result.outcome, result.content_hash)
        };
        // An extractor that failed inside a member may leave it open.
        while collector.stack.len() > 1 {
            collector.leave(Outcome::Error(extract::ExtractError::Corrupt(
                "truncated container".into(),
            )));
        }
        let top = collector.stack.pop().expect("top-level document");
        let mut record = top.finish(ctx, outcome, None);
        record.size = Some(c.size);
        record.mtime_ns = Some(c.mtime_ns);
        record.inode = Some(c.inode);
        record.content_hash = hash;
        let mut records = collector.done;
        records.push(record);
        records
    }
}

/// Canonical paths of the catalog file and the files SQLite and the scan
/// lock keep beside it.
fn catalog_companions(catalog: &Path) -> Vec<PathBuf> {
    let Ok(canonical) = std::fs::canonicalize(catalog) else {
        return Vec::new();
    };
    ["", "-wal", "-shm", "-journal", ".lock"]
        .iter()
        .map(|suffix| {
            let mut name = canonical.clone().into_os_string();
            name.push(suffix);
            PathBuf::from(name)
        })
        .collect()
}

impl ScanContext {
    fn is_catalog_file(&self, path: &Path) -> bool {
        let Some(first) = self.catalog_files.first() else {
            return false;
        };
        // Cheap test first: the file name must start with the catalog's.
        let (Some(name), Some(catalog_name)) = (path.file_name(), first.file_name()) else {
            return false;
        };
        if !name
            .as_encoded_bytes()
            .starts_with(catalog_name.as_encoded_bytes())
        {
            return false;
        }
        self.real_path(path)
            .is_some_and(|p| self.catalog_files.contains(&p))
    }

    /// The canonical absolute path of a walked file.
    fn real_path(&self, path: &Path) -> Option<PathBuf> {
        if !self.follow_symlinks {
            for (root, canonical) in &self.canonical_roots {
                if let Ok(rel) = path.strip_prefix(root) {
                    return Some(if rel.as_os_str().is_empty() {
                        canonical.clone()
                    } else {
                        canonical.join(rel)
                    });
                }
            }
        }
        std::fs::canonicalize(path).ok()
    }
}

/// Only the mtime (or inode) moved: the content hash decides, so a `touch`
/// or a copy that kept the bytes does not cost a re-read.
fn same_content(prev: &Previous, path: &Path) -> bool {
    match (&prev.content_hash, crate::gate::hash_file(path)) {
        (Some(old), Ok(now)) => *old == now,
        _ => false,
    }
}

/// A path's manual label, if a person set one.
fn manual_label(review: &ReviewState, path: &str) -> Option<(Label, bool)> {
    let (label, allow_downgrade) = review.overrides.get(path)?;
    Some((label.parse().ok()?, *allow_downgrade))
}

fn problem_record(path: &Path, reason: String) -> DocRecord {
    DocRecord {
        path: path.to_string_lossy().into_owned(),
        parent_path: None,
        real_path: None,
        size: None,
        mtime_ns: None,
        inode: None,
        content_hash: None,
        status: Status::Error,
        error: Some(reason),
        notes: Vec::new(),
        label: Label::Public,
        decided_by: None,
        categories: Vec::new(),
        findings: Vec::new(),
    }
}

/// A document being read: the file itself or a member inside it.
struct OpenDoc {
    path: String,
    real_path: Option<String>,
    findings: Vec<FindingRecord>,
    /// Categories of findings not rejected by a person.
    categories: BTreeSet<String>,
    dropped_findings: u64,
    /// Highest label among contained documents, and the member that set it.
    member_label: Option<(Label, String)>,
    /// Reasons contained documents could not be read.
    member_errors: Vec<String>,
}

impl OpenDoc {
    fn new(path: String, real_path: Option<String>) -> OpenDoc {
        OpenDoc {
            path,
            real_path,
            findings: Vec::new(),
            categories: BTreeSet::new(),
            dropped_findings: 0,
            member_label: None,
            member_errors: Vec::new(),
        }
    }

    fn finish(self, ctx: &ScanContext, outcome: Outcome, parent: Option<&str>) -> DocRecord {
        let (mut label, decided) =
            label::decide(&ctx.policy, self.categories.iter().map(String::as_str));
        let mut decided_by = decided.map(str::to_string);
        if let Some((member_label, member)) = self.member_label {
            if member_label > label {
                label = member_label;
                decided_by = Some(format!("member {member}"));
            }
        }
        let overridden = label::with_override(label, manual_label(&ctx.review, &self.path));
        if overridden != label {
            label = overridden;
            decided_by = Some("manual override".into());
        }
        let (mut status, mut error, mut notes) = match outcome {
            Outcome::Ok { notes } => (Status::Ok, None, notes),
            Outcome::Skipped(why) => (Status::Skipped, Some(why), Vec::new()),
            Outcome::Error(e) => (Status::Error, Some(e.to_string()), Vec::new()),
        };
        if status == Status::Ok && !self.member_errors.is_empty() {
            // Part of the container could not be read: an indexer taking the
            // container whole would take unread content, so it is denied.
            status = Status::Error;
            error = Some(format!("partial: {}", self.member_errors.join("; ")));
        }
        if self.dropped_findings > 0 {
            notes.push(format!(
                "findings truncated: {} more",
                self.dropped_findings
            ));
        }
        DocRecord {
            path: self.path,
            parent_path: parent.map(str::to_string),
            real_path: self.real_path,
            size: None,
            mtime_ns: None,
            inode: None,
            content_hash: None,
            status,
            error,
            notes,
            label,
            decided_by,
            categories: self.categories.into_iter().collect(),
            findings: self.findings,
        }
    }
}

/// Receives extracted text, runs the detector, and tracks open documents.
struct Collector<'a> {
    ctx: &'a ScanContext,
    scratch: &'a mut Scratch,
    detections: &'a mut Vec<Detection>,
    /// The prepared headers of the table being read, by
    /// [`extract::Headers::id`].
    columns: Option<(u64, Columns)>,
    stack: Vec<OpenDoc>,
    done: Vec<DocRecord>,
}

impl Collector<'_> {
    /// Records detection `d` of `text`, found at `location`, as a finding
    /// of the innermost open document.
    fn finding(&mut self, d: &Detection, text: &str, location: Location) {
        let ctx = self.ctx;
        let doc = self.stack.last_mut().expect("an open document");
        let Some(value) = text.as_bytes().get(d.start..d.end) else {
            return; // a span outside the text would be a detector bug: never panic on it
        };
        let rule = &ctx.detector.rules()[d.rule];
        let fingerprint = fingerprint(&ctx.fingerprint_key, &doc.path, &rule.id, value);
        let decision = ctx.review.decisions.get(&fingerprint).copied();
        if decision != Some("reject") {
            doc.categories.insert(rule.category.clone());
        }
        if doc.findings.len() >= MAX_FINDINGS_PER_DOCUMENT {
            doc.dropped_findings += 1;
            return;
        }
        doc.findings.push(FindingRecord {
            rule_id: rule.id.clone(),
            category: rule.category.clone(),
            confidence: d.confidence,
            location: serde_json::to_string(&location).unwrap_or_default(),
            location_text: location.to_string(),
            snippet: ctx.detector.snippet(d, text),
            fingerprint,
            decision,
        });
    }

    /// Records the detections of `part` that it reports (see
    /// [`TextPart::report`]).
    fn record(&mut self, part: &TextPart<'_>, detections: &[Detection]) {
        // Detections come ordered by start: each one's line is counted on
        // from the previous one's, not from the top of the chunk again.
        let (mut counted, mut location) = (0, part.location.clone());
        for d in detections.iter() {
            if part.report.contains(&d.start) {
                location = match part.text.get(counted..d.start) {
                    Some(between) => location.at(between, between.len()),
                    None => part.location.at(part.text, d.start),
                };
                counted = d.start;
                self.finding(d, part.text, location.clone());
            }
        }
    }
}

impl Visitor for Collector<'_> {
    fn text(&mut self, part: TextPart<'_>) {
        let mut detections = std::mem::take(self.detections);
        detections.clear();
        self.ctx
            .detector
            .scan(part.text, part.context, self.scratch, &mut detections);
        self.record(&part, &detections);
        *self.detections = detections;
    }

    /// The chunks are scanned on the chunk pool at once, then recorded in
    /// order.
    fn chunks(&mut self, parts: &[TextPart<'_>]) {
        let ctx = self.ctx;
        let Some((pool, scratches)) = &ctx.chunk_pool else {
            for part in parts {
                self.text(part.clone());
            }
            return;
        };
        let found: Vec<Vec<Detection>> = pool.install(|| {
            parts
                .par_iter()
                .map(|part| {
                    let i = rayon::current_thread_index().unwrap_or(0) % scratches.len();
                    let mut scratch = scratches[i].lock().unwrap_or_else(PoisonError::into_inner);
                    let mut out = Vec::new();
                    ctx.detector
                        .scan(part.text, part.context, &mut scratch, &mut out);
                    out
                })
                .collect()
        });
        for (part, detections) in parts.iter().zip(&found) {
            self.record(part, detections);
        }
    }

    /// All cells of the part in one detector call; findings are made per
    /// cell, exactly as if each cell had come as a text of its own.
    fn rows(&mut self, part: RowsPart<'_>) {
        let detector = &self.ctx.detector;
        let columns = match &mut self.columns {
            Some((id, columns)) if *id == part.headers.id() => columns,
            slot => {
                let columns = detector.columns(part.headers.names());
                &mut slot.insert((part.headers.id(), columns)).1
            }
        };
        let mut detections = std::mem::take(self.detections);
        detections.clear();
        let cells = part.cells.iter().map(|c| (c.range.clone(), c.column));
        detector.scan_cells(part.text, cells, columns, self.scratch, &mut detections);
        // Detections come in cell order, each inside one cell.
        let mut cells = part.cells.iter().peekable();
        for d in detections.iter() {
            while cells.next_if(|c| c.range.end <= d.start).is_some() {}
            let Some(cell) = cells.peek() else { break };
            let Some(start) = d.start.checked_sub(cell.range.start) else {
                continue;
            };
            let in_cell = Detection {
                start,
                end: d.end - cell.range.start,
                ..*d
            };
            let text = part.cell_text(cell);
            self.finding(&in_cell, text, cell.location.at(text, in_cell.start));
        }
        *self.detections = detections;
    }

    fn enter(&mut self, name: &str) {
        let parent = self.stack.last().expect("an open document");
        let path = format!("{}{MEMBER_SEPARATOR}{name}", parent.path);
        let real_path = parent
            .real_path
            .as_ref()
            .map(|r| format!("{r}{MEMBER_SEPARATOR}{name}"));
        self.stack.push(OpenDoc::new(path, real_path));
    }

    fn leave(&mut self, outcome: Outcome) {
        if self.stack.len() < 2 {
            return; // unbalanced leave from an extractor: ignore, never panic
        }
        let child = self.stack.pop().expect("checked above");
        let parent = self.stack.last_mut().expect("checked above");
        let record = child.finish(self.ctx, outcome, Some(&parent.path));
        if record.status == Status::Error {
            let reason = record.error.as_deref().unwrap_or("error");
            let name = record.path.rsplit(MEMBER_SEPARATOR).next().unwrap_or("");
            parent.member_errors.push(format!("{reason} ({name})"));
        }
        if parent
            .member_label
            .as_ref()
            .is_none_or(|(l, _)| record.label > *l)
        {
            parent.member_label = Some((record.label, record.path.clone()));
        }
        self.done.push(record);
    }
}

/// Keyed BLAKE3 over (document, rule, value): stable across re-scans so a
/// review decision sticks, specific enough that the same value elsewhere or
/// another value on the same line is a different finding, and useless
/// without the catalog's key.
fn fingerprint(key: &[u8; 32], path: &str, rule_id: &str, value: &[u8]) -> String {
    let mut h = blake3::Hasher::new_keyed(key);
    h.update(path.as_bytes());
    h.update(&[0]);
    h.update(rule_id.as_bytes());
    h.update(&[0]);
    h.update(value);
    h.finalize().to_hex()[..32].to_string()
}
