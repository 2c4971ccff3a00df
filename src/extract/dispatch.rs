//! Sniff, route, recurse: the one dispatcher every format goes through,
//! with the budgets that make recursion safe.
//!
//! Inputs arrive either as a stream (`&mut dyn Read`: a file on disk, an
//! archive member being inflated) or as a slice. The first [`HEAD`] bytes are
//! sniffed; text-like kinds are streamed in bounded chunks, every other kind
//! is read into memory up to a limit and handed to its extractor.

use super::sniff::{self, Kind};
use super::worker::guard;
use super::{archive, email, html, ole, pdf, rtf, text};
use super::{text_notes, Budgets, ExtractConfig, ExtractError, Outcome, Visitor};
use std::cell::Cell;
use std::io::{self, Cursor, Read};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

pub(crate) type Res<T> = Result<T, ExtractError>;

/// Bytes sniffed before deciding how to read the rest.
pub(crate) const HEAD: usize = 64 << 10;

/// Below this expanded size a compression ratio is not a threat.
const RATIO_FLOOR: u64 = 1 << 20;

/// Per-file extraction state shared by every nested extractor.
pub(crate) struct Ctx {
    pub cfg: ExtractConfig,
    deadline: Instant,
    cancel: Arc<AtomicBool>,
    expanded: Cell<u64>,
    depth: Cell<u32>,
}

impl Ctx {
    pub fn new(cfg: ExtractConfig, deadline: Instant, cancel: Arc<AtomicBool>) -> Self {
        Ctx {
            cfg,
            deadline,
            cancel,
            expanded: Cell::new(0),
            depth: Cell::new(0),
        }
    }

    pub fn budgets(&self) -> &Budgets {
        &self.cfg.budgets
    }

    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// Cooperative deadline check, called between pages, members, chunks.
    pub fn check(&self) -> Res<()> {
        if self.cancelled() || Instant::now() >= self.deadline {
            self.cancel.store(true, Ordering::Relaxed);
            return Err(ExtractError::Timeout);
        }
        Ok(())
    }

    /// Adds `n` decompressed bytes to the file's running total.
    pub fn charge(&self, n: u64) -> Res<()> {
        let total = self.expanded.get().saturating_add(n);
        self.expanded.set(total);
        if total > self.budgets().max_expanded_bytes {
            return Err(ExtractError::Budget("expanded-bytes"));
        }
        Ok(())
    }

    /// Checks a member's declared sizes before anything is inflated.
    pub fn check_declared(&self, size: u64, compressed: u64) -> Res<()> {
        if size > RATIO_FLOOR && size / compressed.max(1) > self.budgets().max_ratio {
            return Err(ExtractError::Budget("ratio"));
        }
        if self.expanded.get().saturating_add(size) > self.budgets().max_expanded_bytes {
            return Err(ExtractError::Budget("expanded-bytes"));
        }
        Ok(())
    }

    /// Runs `f` one nesting level deeper without announcing a contained
    /// document (a `.gz` payload is the same document), so layered
    /// compression cannot recurse without bound either.
    pub fn deeper(&self, f: impl FnOnce() -> Outcome) -> Outcome {
        let depth = self.depth.get();
        if depth >= self.budgets().max_depth {
            return Outcome::Error(ExtractError::Budget("depth"));
        }
        self.depth.set(depth + 1);
        let o = guard(f).unwrap_or_else(Outcome::Error);
        self.depth.set(depth);
        o
    }

    /// Reads a whole member of declared `size` into memory, charging it.
    pub fn read_member(&self, r: &mut dyn Read, size: u64, compressed: u64) -> Res<Vec<u8>> {
        self.check_declared(size, compressed)?;
        let limit = self.budgets().max_member_size;
        if size > limit {
            return Err(ExtractError::Budget("member-size"));
        }
        let mut buf = Vec::with_capacity(size as usize);
        let mut metered = Metered::new(r, self);
        metered
            .by_ref()
            .take(limit + 1)
            .read_to_end(&mut buf)
            .map_err(io_error)?;
        if buf.len() as u64 > limit {
            return Err(ExtractError::Budget("member-size"));
        }
        Ok(buf)
    }
}

/// A decompressing reader that charges every byte it yields to the file's
/// budgets and checks the deadline, so streamed members are bounded too.
pub(crate) struct Metered<'a, R> {
    inner: R,
    ctx: &'a Ctx,
    /// Compressed bytes consumed so far, when known (gzip), for the ratio.
    input: Option<Rc<Cell<u64>>>,
    out: u64,
}

impl<'a, R: Read> Metered<'a, R> {
    pub fn new(inner: R, ctx: &'a Ctx) -> Self {
        Metered {
            inner,
            ctx,
            input: None,
            out: 0,
        }
    }

    pub fn with_input_counter(mut self, input: Rc<Cell<u64>>) -> Self {
        self.input = Some(input);
        self
    }
}

impl<R: Read> Read for Metered<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.ctx.check().map_err(io::Error::other)?;
        let n = self.inner.read(buf)?;
        self.out += n as u64;
        self.ctx.charge(n as u64).map_err(io::Error::other)?;
        if let Some(input) = &self.input {
            if self.out > RATIO_FLOOR
                && self.out / input.get().max(1) > self.ctx.budgets().max_ratio
            {
                return Err(io::Error::other(ExtractError::Budget("ratio")));
            }
        }
        Ok(n)
    }
}

/// Counts bytes read through it (compressed input of a decoder).
pub(crate) struct Counting<R> {
    pub inner: R,
    pub count: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// Recovers a budget/timeout error smuggled through `io::Error`, and names
/// malformed data `corrupt` rather than an I/O failure.
pub(crate) fn io_error(e: io::Error) -> ExtractError {
    if let Some(inner) = e.get_ref().and_then(|i| i.downcast_ref::<ExtractError>()) {
        return inner.clone();
    }
    match e.kind() {
        io::ErrorKind::InvalidData | io::ErrorKind::InvalidInput | io::ErrorKind::UnexpectedEof => {
            ExtractError::Corrupt(e.to_string())
        }
        _ => ExtractError::Io(e.to_string()),
    }
}

/// `Ok(notes)` / `Err(e)` as an [`Outcome`].
pub(crate) fn outcome(r: Res<Vec<String>>) -> Outcome {
    match r {
        Ok(notes) => Outcome::Ok { notes },
        Err(e) => Outcome::Error(e),
    }
}

fn read_head(r: &mut dyn Read) -> io::Result<Vec<u8>> {
    // Grown as bytes arrive: `read_to_end` through a `dyn Read` zeroes
    // whatever spare capacity it is given, and most files are a few KiB.
    let mut head = Vec::new();
    r.take(HEAD as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// A top-level input: like [`extract_reader`], but documents that must sit
/// in memory may use up to `max_in_memory` and are skipped above it.
pub(crate) fn extract_top(
    ctx: &Ctx,
    name: &str,
    r: &mut dyn Read,
    size: Option<u64>,
    v: &mut dyn Visitor,
) -> Outcome {
    read_and_extract(ctx, name, r, size, true, v)
}

/// A contained input (archive member, decompressed stream).
pub(crate) fn extract_reader(
    ctx: &Ctx,
    name: &str,
    r: &mut dyn Read,
    v: &mut dyn Visitor,
) -> Outcome {
    read_and_extract(ctx, name, r, None, false, v)
}

fn read_and_extract(
    ctx: &Ctx,
    name: &str,
    r: &mut dyn Read,
    size: Option<u64>,
    top: bool,
    v: &mut dyn Visitor,
) -> Outcome {
    let head = match read_head(r) {
        Ok(h) => h,
        Err(e) => return Outcome::Error(io_error(e)),
    };
    let kind = sniff::sniff(name, &head);
    if kind.streams() {
        let mut chained = Cursor::new(head).chain(r);
        return stream(ctx, name, kind, &mut chained, v);
    }
    if kind == Kind::Binary {
        return Outcome::Skipped("binary".into());
    }
    let limit = if top {
        ctx.cfg.max_in_memory
    } else {
        ctx.budgets().max_member_size
    };
    let too_large = || {
        if top {
            Outcome::Skipped(format!(
                "too-large: over {limit} bytes for a {} file",
                kind.name()
            ))
        } else {
            Outcome::Error(ExtractError::Budget("member-size"))
        }
    };
    if size.is_some_and(|s| s > limit) {
        return too_large();
    }
    let mut buf = head;
    if let Err(e) = r
        .take((limit + 1).saturating_sub(buf.len() as u64))
        .read_to_end(&mut buf)
    {
        return Outcome::Error(io_error(e));
    }
    if buf.len() as u64 > limit {
        return too_large();
    }
    extract_kind(ctx, name, kind, &buf, v)
}

/// An input already in memory (mail or `.msg` attachment, OLE package).
pub(crate) fn extract_slice(ctx: &Ctx, name: &str, bytes: &[u8], v: &mut dyn Visitor) -> Outcome {
    let kind = sniff::sniff(name, &bytes[..bytes.len().min(HEAD)]);
    extract_kind(ctx, name, kind, bytes, v)
}

fn extract_kind(ctx: &Ctx, name: &str, kind: Kind, bytes: &[u8], v: &mut dyn Visitor) -> Outcome {
    if let Err(e) = ctx.check() {
        return Outcome::Error(e);
    }
    let result = guard(|| match kind {
        Kind::Empty => Outcome::Ok {
            notes: text_notes(false),
        },
        Kind::Binary => Outcome::Skipped("binary".into()),
        Kind::Pdf => outcome(pdf::extract(ctx, bytes, v)),
        Kind::Zip => archive::zip_family(ctx, name, bytes, v),
        Kind::Ole => ole::extract(ctx, name, bytes, v),
        Kind::Html => html::extract_html(ctx, bytes, v),
        Kind::Rtf => outcome(rtf::extract(ctx, bytes, v)),
        Kind::Eml => outcome(email::eml(ctx, bytes, v)),
        _ => stream(ctx, name, kind, &mut &bytes[..], v),
    });
    result.unwrap_or_else(Outcome::Error)
}

fn stream(ctx: &Ctx, name: &str, kind: Kind, r: &mut dyn Read, v: &mut dyn Visitor) -> Outcome {
    let result = guard(|| match kind {
        Kind::Csv => text::stream_csv(ctx, r, b',', v),
        Kind::Tsv => text::stream_csv(ctx, r, b'\t', v),
        Kind::Xml => html::stream_xml(ctx, r, v),
        Kind::Gzip => archive::gzip(ctx, name, r, v),
        Kind::Tar => outcome(archive::tar(ctx, r, v)),
        Kind::Mbox => outcome(email::mbox(ctx, r, v)),
        _ => text::stream_text(ctx, r, v),
    });
    result.unwrap_or_else(Outcome::Error)
}

/// Announces a contained document, extracts it one level deeper, and
/// reports how it ended. The depth budget is enforced here.
pub(crate) fn contained(
    ctx: &Ctx,
    raw_name: &str,
    v: &mut dyn Visitor,
    f: impl FnOnce(&Ctx, &str, &mut dyn Visitor) -> Outcome,
) -> Outcome {
    let name = safe_name(raw_name);
    v.enter(&name);
    let depth = ctx.depth.get();
    let outcome = if depth >= ctx.budgets().max_depth {
        Outcome::Error(ExtractError::Budget("depth"))
    } else {
        ctx.depth.set(depth + 1);
        let o = guard(|| f(ctx, &name, v)).unwrap_or_else(Outcome::Error);
        ctx.depth.set(depth);
        o
    };
    v.leave(outcome.clone());
    outcome
}

/// Folds member outcomes into the container's outcome (see the module docs
/// of `extract` for the rule).
pub(crate) struct Members {
    what: &'static str,
    notes: Vec<String>,
    failed: Option<ExtractError>,
}

impl Members {
    pub fn new(what: &'static str) -> Self {
        Members {
            what,
            notes: Vec::new(),
            failed: None,
        }
    }

    /// Records one member's outcome; `Err` means stop reading the container.
    pub fn add(&mut self, o: &Outcome) -> Res<()> {
        let note = match o {
            Outcome::Ok { .. } | Outcome::Skipped(_) => return Ok(()),
            Outcome::Error(ExtractError::Encrypted) => format!("partial: encrypted {}", self.what),
            Outcome::Error(
                e @ (ExtractError::Timeout
                | ExtractError::Budget("expanded-bytes" | "entries" | "depth")),
            ) => return Err(e.clone()),
            Outcome::Error(e @ ExtractError::Budget(_)) => {
                self.failed.get_or_insert_with(|| e.clone());
                return Ok(());
            }
            Outcome::Error(_) => format!("partial: unreadable {}", self.what),
        };
        if !self.notes.contains(&note) {
            self.notes.push(note);
        }
        Ok(())
    }

    /// A note that is not a member outcome (e.g. an encrypted body).
    pub fn note(&mut self, note: String) {
        if !self.notes.contains(&note) {
            self.notes.push(note);
        }
    }

    pub fn finish(self) -> Res<Vec<String>> {
        match self.failed {
            Some(e) => Err(e),
            None => Ok(self.notes),
        }
    }
}

/// Longest member name shown, in bytes.
const MAX_NAME: usize = 512;

/// A member name that is safe to show after `outer!/`: no absolute paths,
/// no `..`/`.` components, `/` as the only separator, no control characters
/// (shown as `%XX`), and `!` escaped as `%21` so a name cannot fake another
/// nesting level. Never used as a file system path.
pub(crate) fn safe_name(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len().min(MAX_NAME));
    for component in raw.split(['/', '\\']) {
        if component.is_empty() || component == "." || component == ".." {
            continue;
        }
        if !out.is_empty() {
            out.push('/');
        }
        for c in component.chars() {
            if c.is_control() || c == '!' || c == '%' {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{b:02X}"));
                }
            } else {
                out.push(c);
            }
        }
        if out.len() > MAX_NAME {
            let mut cut = MAX_NAME;
            while !out.is_char_boundary(cut) {
                cut -= 1;
            }
            out.truncate(cut);
            out.push('…');
            break;
        }
    }
    if out.is_empty() {
        out.push_str("unnamed");
    }
    out
}
