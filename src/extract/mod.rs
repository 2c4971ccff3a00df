//! Turns bytes into text parts with locations.
//!
//! Extraction is push-based: an extractor walks its input and hands every piece
//! of text to a [`Visitor`] as soon as it has it, so a 2 GiB log or a large
//! archive never sits in memory whole. Archive members and email attachments
//! are *contained documents*: the extractor announces them with
//! [`Visitor::enter`] / [`Visitor::leave`] and recurses through the same
//! dispatcher, so each becomes its own catalog row (`outer.zip!/dir/f.md`).
//! Nothing here knows about rules, labels or SQLite.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::Range;

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
    /// A contained document begins (archive member, email attachment);
    /// `name` is its path inside the container, shown as `outer!/name`.
    fn enter(&mut self, name: &str);
    /// The contained document opened by the matching `enter` ends.
    fn leave(&mut self, outcome: Outcome);
}

// STUB (replaced when the `extract` branch lands).
/// Safety budgets.
#[derive(Clone, Debug)]
pub struct Budgets {
    pub max_expanded_bytes: u64,
    pub max_member_size: u64,
    pub max_ratio: u64,
    pub max_entries: u64,
    pub max_depth: u32,
    pub timeout: std::time::Duration,
}
impl Default for Budgets {
    fn default() -> Self {
        Budgets {
            max_expanded_bytes: 1 << 30,
            max_member_size: 64 << 20,
            max_ratio: 200,
            max_entries: 100_000,
            max_depth: 8,
            timeout: std::time::Duration::from_secs(60),
        }
    }
}
#[derive(Clone, Debug, Default)]
pub struct ExtractConfig {
    pub budgets: Budgets,
}
pub struct FileResult {
    pub outcome: Outcome,
    pub content_hash: Option<String>,
    pub bytes_read: u64,
}
pub fn extract_file(
    path: &std::path::Path,
    _cfg: &ExtractConfig,
    visitor: &mut dyn Visitor,
) -> FileResult {
    match std::fs::read(path) {
        Ok(bytes) => {
            let hash = blake3::hash(&bytes).to_hex().to_string();
            if bytes.contains(&0) {
                return FileResult {
                    outcome: Outcome::Skipped("binary".into()),
                    content_hash: Some(hash),
                    bytes_read: bytes.len() as u64,
                };
            }
            let text = String::from_utf8_lossy(&bytes);
            visitor.text(TextPart::new(&text, Location::Line { line: 1, byte: 0 }));
            FileResult {
                outcome: Outcome::Ok { notes: vec![] },
                content_hash: Some(hash),
                bytes_read: bytes.len() as u64,
            }
        }
        Err(e) => FileResult {
            outcome: Outcome::Error(ExtractError::Io(e.to_string())),
            content_hash: None,
            bytes_read: 0,
        },
    }
}
