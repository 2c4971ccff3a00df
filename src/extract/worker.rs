//! Runs one extraction on a helper thread and relays its text to the caller.
//!
//! Parsers of hostile input can loop, recurse deeply or panic. Each top-level
//! file is therefore parsed on its own thread with a 64 MiB stack, and the
//! caller's thread waits for its events with a deadline. The visitor stays on
//! the caller's thread (it need not be `Send`): the helper sends owned events
//! through a small bounded channel, so memory stays bounded and text reaches
//! the detector while parsing goes on. When the deadline passes, the caller
//! closes every open contained document with `Error(Timeout)`, raises the
//! cancel flag (checked by the helper between pages, members and chunks) and
//! abandons the thread.
//!
//! Panics: a process-wide panic hook is installed once. It stays silent for
//! panics raised inside [`guard`] (their message and location become
//! `ExtractError::Panic`) and hands every other panic to the previous hook.

use super::dispatch::{self, Ctx};
use super::sniff::Kind;
use super::{archive, sniff};
use super::{
    Cell as TableCell, ExtractConfig, ExtractError, FileResult, Headers, Location, Outcome,
    RowsPart, TextPart, Visitor,
};
use crossbeam_channel::{bounded, Receiver, RecvTimeoutError, Sender};
use std::cell::{Cell, RefCell};
use std::fs::File;
use std::io::{self, Read};
use std::ops::Range;
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Once};
use std::time::Instant;

/// Stack of the helper thread: deep but legal nesting in PDFs and XML must
/// not overflow (an overflow aborts the whole process).
const STACK_SIZE: usize = 64 << 20;
/// Events per batch sent to the caller's thread.
const BATCH_EVENTS: usize = 256;
/// Text bytes per batch sent to the caller's thread.
const BATCH_BYTES: usize = 256 << 10;
/// Batches in flight; with `BATCH_BYTES` this bounds relay memory (~4 MiB).
const CHANNEL_CAP: usize = 16;

enum Event {
    Text(OwnedText),
    /// Chunks of one big text, kept together so that the caller can scan
    /// them at once ([`Visitor::chunks`]).
    Chunks(Vec<OwnedText>),
    Rows {
        text: String,
        cells: Vec<TableCell>,
        headers: Headers,
    },
    Enter(String),
    Leave(Outcome),
    Done(FileResult),
}

/// A [`TextPart`] that can cross threads.
struct OwnedText {
    text: String,
    location: Location,
    context: Option<String>,
    report: Range<usize>,
}

impl OwnedText {
    fn new(part: &TextPart<'_>) -> OwnedText {
        OwnedText {
            text: part.text.to_owned(),
            location: part.location.clone(),
            context: part.context.map(str::to_owned),
            report: part.report.clone(),
        }
    }

    fn part(&self) -> TextPart<'_> {
        TextPart {
            text: &self.text,
            location: self.location.clone(),
            context: self.context.as_deref(),
            report: self.report.clone(),
        }
    }
}

/// The helper thread's visitor: batches owned events for the caller.
struct ChannelVisitor {
    tx: Sender<Vec<Event>>,
    batch: Vec<Event>,
    batch_bytes: usize,
    cancel: Arc<AtomicBool>,
}

impl ChannelVisitor {
    fn push(&mut self, event: Event, bytes: usize) {
        if self.cancel.load(Ordering::Relaxed) {
            return;
        }
        self.batch.push(event);
        self.batch_bytes += bytes;
        if self.batch.len() >= BATCH_EVENTS || self.batch_bytes >= BATCH_BYTES {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.batch.is_empty() {
            return;
        }
        self.batch_bytes = 0;
        let batch = std::mem::take(&mut self.batch);
        if self.tx.send(batch).is_err() {
            // The caller gave up (deadline): stop producing.
            self.cancel.store(true, Ordering::Relaxed);
        }
    }
}

impl Visitor for ChannelVisitor {
    fn text(&mut self, part: TextPart<'_>) {
        self.push(Event::Text(OwnedText::new(&part)), part.text.len());
    }
    fn chunks(&mut self, parts: &[TextPart<'_>]) {
        let bytes = parts.iter().map(|p| p.text.len()).sum();
        self.push(
            Event::Chunks(parts.iter().map(OwnedText::new).collect()),
            bytes,
        );
    }
    /// Relayed as rows, so that tables inside archives and workbooks reach
    /// the detector a batch of cells at a time, as top-level CSVs do.
    fn rows(&mut self, part: RowsPart<'_>) {
        let event = Event::Rows {
            text: part.text.to_owned(),
            cells: part.cells.to_vec(),
            headers: part.headers.clone(),
        };
        self.push(event, part.text.len());
    }
    fn enter(&mut self, name: &str) {
        self.push(Event::Enter(name.to_owned()), name.len());
    }
    fn leave(&mut self, outcome: Outcome) {
        self.push(Event::Leave(outcome), 0);
    }
}

/// See [`super::extract_file`].
pub(super) fn extract_file(
    path: &Path,
    cfg: &ExtractConfig,
    visitor: &mut dyn Visitor,
) -> FileResult {
    // The file is opened and its head read once, here: the head decides
    // where the file is parsed, and both paths go on from the open file.
    let (file, size) = match open_regular(path) {
        Ok(opened) => opened,
        Err(e) => return failed(e),
    };
    let mut head = Vec::with_capacity(INLINE_SNIFF);
    if let Err(e) = (&file).take(INLINE_SNIFF as u64).read_to_end(&mut head) {
        return failed(ExtractError::Io(e.to_string()));
    }
    let opened = Opened { file, size, head };
    if runs_inline(path, &opened.head) {
        let cancel = Arc::new(AtomicBool::new(false));
        let ctx = Ctx::new(cfg.clone(), Instant::now() + cfg.budgets.timeout, cancel);
        return guard(|| file_job(path, opened, &ctx, visitor)).unwrap_or_else(failed);
    }
    let path = path.to_path_buf();
    run(cfg, visitor, move |ctx, v| file_job(&path, opened, ctx, v))
}

/// Bytes read before deciding where a file is parsed.
const INLINE_SNIFF: usize = 8192;

/// A file opened for extraction, with the bytes already read from it.
struct Opened {
    file: File,
    size: u64,
    head: Vec<u8>,
}

/// Opens `path` if it is a regular file. Opening a FIFO would block and a
/// device never ends, so the open does not wait (`O_NONBLOCK`, which
/// reads of regular files ignore) and the open file is checked before a
/// byte is read.
fn open_regular(path: &Path) -> Result<(File, u64), ExtractError> {
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let file = opts
        .open(path)
        .map_err(|e| ExtractError::Io(e.to_string()))?;
    let meta = file
        .metadata()
        .map_err(|e| ExtractError::Io(e.to_string()))?;
    // FIFOs, devices and directories never end or are not documents.
    if !meta.is_file() {
        return Err(ExtractError::Unsupported("not a regular file".into()));
    }
    Ok((file, meta.len()))
}

/// Plain text, CSV/TSV, HTML and XML go through kbscan's own bounded,
/// non-recursive readers, which check the deadline between chunks: they run
/// on the caller's thread (under `guard`), sparing a thread spawn and a copy
/// of every chunk — most files of a knowledge base are small text files.
/// Everything else (PDF, office, OLE, archives, mail) gets the helper thread.
fn runs_inline(path: &Path, head: &[u8]) -> bool {
    matches!(
        sniff::sniff(&path.to_string_lossy(), head),
        Kind::Text | Kind::Csv | Kind::Tsv | Kind::Html | Kind::Xml | Kind::Empty | Kind::Binary
    )
}

/// See [`super::extract_bytes`].
pub(super) fn extract_bytes(
    name: &str,
    bytes: &[u8],
    cfg: &ExtractConfig,
    visitor: &mut dyn Visitor,
) -> Outcome {
    let name = name.to_owned();
    let bytes = bytes.to_vec();
    let len = bytes.len() as u64;
    run(cfg, visitor, move |ctx, v| FileResult {
        outcome: dispatch::extract_top(ctx, &name, &mut bytes.as_slice(), Some(len), v),
        content_hash: None,
        bytes_read: len,
    })
    .outcome
}

fn failed(e: ExtractError) -> FileResult {
    FileResult {
        outcome: Outcome::Error(e),
        content_hash: None,
        bytes_read: 0,
    }
}

/// Runs `job` on a helper thread and relays its events to `visitor` until it
/// finishes or the deadline passes.
fn run<F>(cfg: &ExtractConfig, visitor: &mut dyn Visitor, job: F) -> FileResult
where
    F: FnOnce(&Ctx, &mut dyn Visitor) -> FileResult + Send + 'static,
{
    let deadline = Instant::now() + cfg.budgets.timeout;
    let cancel = Arc::new(AtomicBool::new(false));
    let (tx, rx) = bounded::<Vec<Event>>(CHANNEL_CAP);
    let ctx_cfg = cfg.clone();
    let ctx_cancel = cancel.clone();
    let spawned = std::thread::Builder::new()
        .name("kbscan-extract".into())
        .stack_size(STACK_SIZE)
        .spawn(move || {
            let ctx = Ctx::new(ctx_cfg, deadline, ctx_cancel.clone());
            let mut v = ChannelVisitor {
                tx,
                batch: Vec::new(),
                batch_bytes: 0,
                cancel: ctx_cancel,
            };
            let result = guard(|| job(&ctx, &mut v)).unwrap_or_else(failed);
            v.batch.push(Event::Done(result));
            v.flush();
        });
    if let Err(e) = spawned {
        return failed(ExtractError::Io(format!(
            "cannot start extraction thread: {e}"
        )));
    }
    relay(&rx, deadline, &cancel, visitor)
}

/// Forwards events to the real visitor, keeping `enter`/`leave` balanced
/// whatever happens to the helper.
fn relay(
    rx: &Receiver<Vec<Event>>,
    deadline: Instant,
    cancel: &AtomicBool,
    visitor: &mut dyn Visitor,
) -> FileResult {
    let mut open = 0usize;
    let end = loop {
        let batch = match rx.recv_deadline(deadline) {
            Ok(batch) => batch,
            Err(RecvTimeoutError::Timeout) => break failed(ExtractError::Timeout),
            Err(RecvTimeoutError::Disconnected) => {
                break failed(ExtractError::Panic(
                    "extraction thread ended without a result".into(),
                ))
            }
        };
        let mut done = None;
        for event in batch {
            match event {
                Event::Text(text) => visitor.text(text.part()),
                Event::Chunks(texts) => {
                    let parts: Vec<TextPart> = texts.iter().map(OwnedText::part).collect();
                    visitor.chunks(&parts);
                }
                Event::Rows {
                    text,
                    cells,
                    headers,
                } => visitor.rows(RowsPart {
                    text: &text,
                    cells: &cells,
                    headers: &headers,
                }),
                Event::Enter(name) => {
                    open += 1;
                    visitor.enter(&name);
                }
                Event::Leave(outcome) => {
                    open = open.saturating_sub(1);
                    visitor.leave(outcome);
                }
                Event::Done(result) => done = Some(result),
            }
        }
        if let Some(result) = done {
            break result;
        }
    };
    cancel.store(true, Ordering::Relaxed);
    let reason = match &end.outcome {
        Outcome::Error(e) => e.clone(),
        _ => ExtractError::Panic("contained document left open".into()),
    };
    for _ in 0..open {
        visitor.leave(Outcome::Error(reason.clone()));
    }
    end
}

/// Hashes raw bytes as they are read, so the file is read once.
struct HashingReader<R> {
    inner: R,
    hasher: blake3::Hasher,
    count: u64,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
}

fn file_job(path: &Path, opened: Opened, ctx: &Ctx, v: &mut dyn Visitor) -> FileResult {
    let Opened { file, size, head } = opened;
    let name = path.to_string_lossy();
    let is_zip = head.starts_with(b"PK\x03\x04");
    let mut hr = HashingReader {
        inner: io::Cursor::new(head).chain(io::BufReader::with_capacity(1 << 16, file)),
        hasher: blake3::Hasher::new(),
        count: 0,
    };
    let outcome = if size > ctx.cfg.max_in_memory && is_zip {
        // A zip too large for memory: hash it in one pass, then read it
        // through the file system, which the zip format needs (it seeks).
        if let Err(e) = drain(ctx, &mut hr) {
            return FileResult {
                outcome: Outcome::Error(e),
                content_hash: None,
                bytes_read: hr.count,
            };
        }
        archive::zip_path(ctx, path, v)
    } else {
        dispatch::extract_top(ctx, &name, &mut hr, Some(size), v)
    };
    if ctx.cancelled() {
        return FileResult {
            outcome,
            content_hash: None,
            bytes_read: hr.count,
        };
    }
    // Whatever the parser left unread still belongs to the hash.
    let content_hash = match drain(ctx, &mut hr) {
        Ok(()) => Some(hr.hasher.finalize().to_hex().to_string()),
        Err(_) => None,
    };
    FileResult {
        outcome,
        content_hash,
        bytes_read: hr.count,
    }
}

/// Reads the rest of a file for its hash, giving up when cancelled.
fn drain<R: Read>(ctx: &Ctx, r: &mut R) -> Result<(), ExtractError> {
    // Most files were read to the end by their parser: one empty read into
    // a small buffer, and a large one only when there is more.
    let mut probe = [0u8; 64];
    let mut buf = loop {
        match r.read(&mut probe) {
            Ok(0) => return Ok(()),
            Ok(_) => break vec![0u8; 1 << 16],
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(ExtractError::Io(e.to_string())),
        }
    };
    loop {
        match r.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(ExtractError::Io(e.to_string())),
        }
        if ctx.cancelled() {
            return Err(ExtractError::Timeout);
        }
    }
}

thread_local! {
    static QUIET: Cell<bool> = const { Cell::new(false) };
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

fn install_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if QUIET.with(Cell::get) {
                let msg = if let Some(s) = info.payload().downcast_ref::<&str>() {
                    (*s).to_owned()
                } else if let Some(s) = info.payload().downcast_ref::<String>() {
                    s.clone()
                } else {
                    "unknown panic".to_owned()
                };
                let msg = match info.location() {
                    Some(l) => format!("{msg} at {}:{}", l.file(), l.line()),
                    None => msg,
                };
                LAST_PANIC.with(|p| *p.borrow_mut() = Some(msg));
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `f`, turning a panic into `ExtractError::Panic("<msg> at <file:line>")`
/// without printing it.
pub(crate) fn guard<T>(f: impl FnOnce() -> T) -> Result<T, ExtractError> {
    install_hook();
    let was_quiet = QUIET.with(|q| q.replace(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(was_quiet));
    result.map_err(|_| {
        let msg = LAST_PANIC.with(|p| p.borrow_mut().take());
        ExtractError::Panic(msg.unwrap_or_else(|| "unknown panic".into()))
    })
}
