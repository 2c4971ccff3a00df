//! Turns bytes into text parts with locations.
//!
//! Extraction is push-based: an extractor walks its input and hands every piece
//! of text to a [`Visitor`] as soon as it has it, so a 2 GiB log or a large
//! archive never sits in memory whole. Archive members and email attachments
//! are *contained documents*: the extractor announces them with
//! [`Visitor::enter`] / [`Visitor::leave`] and recurses through the same
//! dispatcher, so each becomes its own catalog row (`outer.zip!/dir/f.md`).
//! Nothing here knows about rules, labels or SQLite.
//!
//! Every input is hostile until read: each file is parsed on a helper thread
//! with a large stack and a deadline ([`Budgets::timeout`]), every third-party
//! parser runs under `catch_unwind`, and every decompression is charged
//! against [`Budgets`] *before* memory is allocated for it. A file that trips
//! a budget ends as [`Outcome::Error`] with a [`ExtractError::Budget`] reason,
//! never as a crash or a silently empty result.
//!
//! Containers (zip/tar/gz, email attachments, `.msg` attachments, mbox
//! messages): a member that is itself *readable but not text* (images,
//! executables, media) is still announced with `enter`/`leave` and ends as
//! `Skipped("binary")`, so the catalog lists everything an index could
//! ingest. Directory entries are not announced. A member that fails for a
//! member-level reason (`encrypted`, `corrupt`, `unsupported`) leaves the
//! container `Ok` with a `partial: ...` note; a member that trips a budget or
//! the deadline makes the whole container fail with that budget, because a
//! bomb inside an archive must not let the archive pass the gate. Whole-file
//! budgets (`expanded-bytes`, `entries`, `depth`, the deadline) stop reading
//! at once; member budgets (`member-size`, `ratio`) let the other members be
//! read first.
//!
//! Locations by format: plain text, CSV/TSV (cells come in [`RowsPart`]s,
//! each at its record's line, under its column's header), HTML, XML, RTF
//! and mail bodies: `Line`
//! of the decoded or extracted text; PDF: `Page`, annotations as
//! `Comment { author }`, filled form fields as `Section "form field <name>"`
//! with the field name as `context`; spreadsheets: `Cell`;
//! DOCX/ODT/DOC: `Paragraph`, `Comment { author }`, `Section` (`header`,
//! `footer`, `footnotes`, `endnotes`, `tracked deletion by <author>`);
//! PPTX/ODP/PPT: `Slide` (`part`: `notes`, `comment by <author>`); mail
//! headers: `Section` (`From`, `To`, `Cc`, `Bcc`, `Reply-To`, `Subject`).
//!
//! Known limits: a parser stuck inside a third-party call cannot be killed;
//! on the deadline its thread is abandoned (it stops at its next
//! cooperative check). calamine builds whole ranges for `.xls` and `.ods`
//! (rows × columns of the used area; ods is capped at 100 M cells), so a
//! crafted workbook can still cost gigabytes; stack overflow and allocation
//! failure abort the process, which only a worker subprocess would contain.

mod archive;
mod dispatch;
mod email;
mod html;
mod office;
mod ole;
mod pdf;
mod rtf;
mod sheet;
mod sniff;
mod text;
mod worker;

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::Range;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Where a piece of text sits inside its document, precise enough for a data
/// owner to find it again (`page 3`, `Customers!C7`, `comment by J. Smith`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Location {
    /// Plain text: 1-based line and byte offset into the decoded text.
    Line { line: u64, byte: u64 },
    /// A PDF page (1-based) and the 1-based line within the page's text.
    Page { page: u32, line: u32 },
    /// A spreadsheet cell in A1 notation.
    Cell { sheet: String, cell: String },
    /// A body paragraph (1-based) of a word-processing document.
    Paragraph { n: u32 },
    /// A slide (1-based); `part` names speaker notes or comments on it.
    Slide { n: u32, part: Option<String> },
    /// A reviewer's comment or tracked change, by its author.
    Comment { author: String },
    /// A named part: `header`, `footer`, `footnotes`, `Subject`, `body`, ...
    Section { name: String },
}

impl Location {
    /// The location of byte `offset` of `text`, given that `self` is where
    /// `text` starts. Only line-oriented locations move; cells and comments
    /// are already as precise as they get.
    pub fn at(&self, text: &str, offset: usize) -> Location {
        let before = &text.as_bytes()[..offset.min(text.len())];
        let newlines = memchr::memchr_iter(b'\n', before).count();
        match self {
            Location::Line { line, byte } => Location::Line {
                line: line + newlines as u64,
                byte: byte + offset as u64,
            },
            Location::Page { page, line } => Location::Page {
                page: *page,
                line: line + newlines as u32,
            },
            other => other.clone(),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Line { line, .. } => write!(f, "line {line}"),
            Location::Page { page, line } => write!(f, "page {page}, line {line}"),
            Location::Cell { sheet, cell } => write!(f, "{sheet}!{cell}"),
            Location::Paragraph { n } => write!(f, "paragraph {n}"),
            Location::Slide { n, part: None } => write!(f, "slide {n}"),
            Location::Slide { n, part: Some(p) } => write!(f, "slide {n} {p}"),
            Location::Comment { author } => write!(f, "comment by {author}"),
            Location::Section { name } => f.write_str(name),
        }
    }
}

/// One piece of extracted text.
#[derive(Clone)]
pub struct TextPart<'a> {
    pub text: &'a str,
    /// Where `text[0]` is.
    pub location: Location,
    /// A column header or field name that describes this text (CSV/XLSX
    /// header row), so `ssn` above a column counts as context for its cells.
    pub context: Option<&'a str>,
    /// Findings that *start* outside this range belong to a neighbouring chunk
    /// (chunks of big files overlap so that matches across an edge are found
    /// exactly once). `0..text.len()` for parts that are not chunks.
    pub report: Range<usize>,
}

impl<'a> TextPart<'a> {
    /// A whole, unchunked part.
    pub fn new(text: &'a str, location: Location) -> Self {
        TextPart {
            text,
            location,
            context: None,
            report: 0..text.len(),
        }
    }
}

/// The column headers of a table, by column index. Each table gets its
/// own [`Headers::id`], so a visitor can prepare per-column work once and
/// recognise the table in later [`RowsPart`]s by a number, not by
/// comparing names. A clone stands for the same table (same id).
#[derive(Clone, Debug)]
pub struct Headers {
    id: u64,
    names: Vec<String>,
}

impl Headers {
    /// Headers with a process-wide unique id; `names[i]` names column `i`.
    pub fn new(names: Vec<String>) -> Headers {
        static NEXT_ID: AtomicU64 = AtomicU64::new(0);
        Headers {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            names,
        }
    }

    /// Identifies this table's headers among all built in the process.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The names, by column index.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The name of `column`, if it has one.
    pub fn get(&self, column: usize) -> Option<&str> {
        self.names.get(column).map(String::as_str)
    }
}

/// Non-empty cells of a table (one or more rows), joined into one text so
/// that a visitor can treat many short cells in one pass. Each cell is a
/// text of its own: nothing may be read across two cells.
pub struct RowsPart<'a> {
    /// The cells, in order, each followed by a newline that belongs to no
    /// cell.
    pub text: &'a str,
    pub cells: &'a [Cell],
    /// The headers of the cells' columns (none for a table's header row):
    /// a column titled `SSN` lends its name as context to its cells.
    pub headers: &'a Headers,
}

/// One cell of a [`RowsPart`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    /// Where the cell's text is in [`RowsPart::text`].
    pub range: Range<usize>,
    /// Index into [`RowsPart::headers`].
    pub column: usize,
    /// Where the cell's text starts in its document.
    pub location: Location,
}

impl RowsPart<'_> {
    /// The text of one of [`RowsPart::cells`].
    pub fn cell_text(&self, cell: &Cell) -> &str {
        self.text.get(cell.range.clone()).unwrap_or_default()
    }
}

/// Cells handed on per part, in bytes: enough that the visitor's per-part
/// work is spread over many rows, small enough to stay in cache.
const ROWS_BATCH: usize = 32 << 10;

/// Builds [`RowsPart`]s: cells are added one by one and handed on in
/// batches of about [`ROWS_BATCH`] bytes.
#[derive(Default)]
pub(crate) struct RowBuffer {
    text: String,
    cells: Vec<Cell>,
}

impl RowBuffer {
    /// Adds a cell of the table under `headers`, handing the batch to `v`
    /// once it is full.
    pub fn push(
        &mut self,
        text: &str,
        column: usize,
        location: Location,
        headers: &Headers,
        v: &mut dyn Visitor,
    ) {
        let start = self.text.len();
        self.text.push_str(text);
        self.cells.push(Cell {
            range: start..self.text.len(),
            column,
            location,
        });
        self.text.push('\n');
        if self.text.len() >= ROWS_BATCH {
            self.flush(headers, v);
        }
    }

    /// Hands the cells held to `v` as one part, if there are any.
    pub fn flush(&mut self, headers: &Headers, v: &mut dyn Visitor) {
        if self.cells.is_empty() {
            return;
        }
        v.rows(RowsPart {
            text: &self.text,
            cells: &self.cells,
            headers,
        });
        self.text.clear();
        self.cells.clear();
    }
}

/// The note of a document that was read but held no text (an image-only
/// PDF, an empty sheet): counted in the summary, so a data owner sees what
/// the scan could not look into.
pub(crate) const NO_TEXT: &str = "no-text";

/// A readable document's notes: [`NO_TEXT`] unless it `saw_text`.
pub(crate) fn text_notes(saw_text: bool) -> Vec<String> {
    if saw_text {
        vec![]
    } else {
        vec![NO_TEXT.into()]
    }
}

/// Why a document could not be (fully) read. Becomes the document's status
/// and reason in the catalog; the gate denies every one of them.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    #[error("encrypted")]
    Encrypted,
    #[error("corrupt: {0}")]
    Corrupt(String),
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// A safety budget was exceeded: `expanded-bytes`, `member-size`, `ratio`,
    /// `entries`, `depth`, ...
    #[error("budget:{0}")]
    Budget(&'static str),
    #[error("timeout")]
    Timeout,
    #[error("io: {0}")]
    Io(String),
    #[error("panic: {0}")]
    Panic(String),
}

/// How reading one document ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Read. `notes` tell a data owner what was not really read
    /// (`no-text`, `partial: encrypted attachment`).
    Ok { notes: Vec<String> },
    /// Deliberately not read (`binary`, `too-large: ...`); the gate denies it.
    Skipped(String),
    /// Could not be read.
    Error(ExtractError),
}

/// Receives extracted text as it is produced.
pub trait Visitor {
    /// Text of the document currently open (the innermost entered one).
    fn text(&mut self, part: TextPart<'_>);
    /// Consecutive chunks of one big text, in order (see
    /// [`ExtractConfig::parallel_chunks`]). By default each goes to
    /// [`Visitor::text`]; a visitor with idle threads can scan them at once,
    /// so one big file does not leave all but one thread idle.
    fn chunks(&mut self, parts: &[TextPart<'_>]) {
        for part in parts {
            self.text(part.clone());
        }
    }
    /// Cells of a table (CSV/TSV rows). By default each cell goes to
    /// [`Visitor::text`] on its own, with its column's header as
    /// `context`; a visitor that can treat many short texts at once does
    /// better.
    fn rows(&mut self, part: RowsPart<'_>) {
        for cell in part.cells {
            let text = part.cell_text(cell);
            self.text(TextPart {
                text,
                location: cell.location.clone(),
                context: part.headers.get(cell.column),
                report: 0..text.len(),
            });
        }
    }
    /// A contained document begins (archive member, email attachment);
    /// `name` is its path inside the container, shown as `outer!/name`.
    fn enter(&mut self, name: &str);
    /// The contained document opened by the matching `enter` ends.
    fn leave(&mut self, outcome: Outcome);
}

/// Safety limits for one top-level file. Each exists because a real attack
/// or accident needs it; see `fixtures/bad/` for one input per limit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Budgets {
    /// Total bytes decompressed for one top-level file, summed over all
    /// nested archive members, attachments and document parts (zip bombs
    /// made of many members that are each under `max_member_size`).
    pub max_expanded_bytes: u64,
    /// Largest single archive member, attachment, office XML part or mbox
    /// message read into memory. Also the PDF per-stream decompression cap.
    pub max_member_size: u64,
    /// Largest compression ratio accepted for a member that expands past
    /// 1 MiB (declared size / compressed size for zip, observed for gzip).
    /// Below 1 MiB a high ratio cannot hurt, and tiny members compress
    /// absurdly well.
    pub max_ratio: u64,
    /// Entries per archive (zip central directory, tar headers, mbox
    /// messages). 100k covers large Confluence/Notion exports (tens of
    /// thousands of pages and attachments) while keeping the zip crate's
    /// in-memory central directory (~100-200 bytes per entry) near 20 MB.
    pub max_entries: u64,
    /// Nesting of containers: `a.zip!/b.zip!/c.txt` is depth 2. Stops
    /// self-containing ("droste") and deeply nested archives.
    pub max_depth: u32,
    /// Wall-clock limit per top-level file, including parsing on the helper
    /// thread. On expiry the document ends as `Error(Timeout)`.
    pub timeout: Duration,
}

impl Default for Budgets {
    fn default() -> Self {
        Budgets {
            max_expanded_bytes: 1 << 30,
            max_member_size: 64 << 20,
            max_ratio: 200,
            max_entries: 100_000,
            max_depth: 8,
            timeout: Duration::from_secs(60),
        }
    }
}

/// Everything extraction needs besides the bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtractConfig {
    pub budgets: Budgets,
    /// Bytes of decoded text handed to the visitor at a time for plain
    /// text; bounds memory for multi-GiB logs.
    pub chunk_size: usize,
    /// Bytes shared by neighbouring chunks, so a match across a chunk edge
    /// is seen whole (half of it serves as left context, half as the
    /// maximum match length guaranteed to be seen whole).
    pub chunk_overlap: usize,
    /// Chunks of a big plain-text file handed over together through
    /// [`Visitor::chunks`]; 1 hands them over one at a time. Memory grows by
    /// one `chunk_size` per chunk.
    pub parallel_chunks: usize,
    /// Top-level files that are not streamed (PDF, office, OLE, email) are
    /// read into memory; larger ones are `Skipped("too-large: ...")`. Zip
    /// archives above it are read from disk instead.
    pub max_in_memory: u64,
}

impl Default for ExtractConfig {
    fn default() -> Self {
        ExtractConfig {
            budgets: Budgets::default(),
            chunk_size: 1 << 20,
            chunk_overlap: 4 << 10,
            parallel_chunks: 1,
            max_in_memory: 512 << 20,
        }
    }
}

/// How reading one top-level file ended, plus what the catalog needs to
/// notice later changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileResult {
    pub outcome: Outcome,
    /// BLAKE3 hex of the raw file bytes, computed while reading. `None` when
    /// the file could not be read to the end (I/O error, timeout).
    pub content_hash: Option<String>,
    /// Raw bytes read from disk.
    pub bytes_read: u64,
}

/// Reads the file once: computes the BLAKE3 hex hash of its raw bytes while
/// reading, sniffs the kind, and streams text to `visitor`. Never panics.
pub fn extract_file(path: &Path, cfg: &ExtractConfig, visitor: &mut dyn Visitor) -> FileResult {
    worker::extract_file(path, cfg, visitor)
}

/// Same for in-memory bytes with a display name (used by tests, fuzz
/// targets and recursion). The name's extension is the second opinion after
/// the magic bytes.
pub fn extract_bytes(
    name: &str,
    bytes: &[u8],
    cfg: &ExtractConfig,
    visitor: &mut dyn Visitor,
) -> Outcome {
    worker::extract_bytes(name, bytes, cfg, visitor)
}

#[cfg(test)]
mod tests;
