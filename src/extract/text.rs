//! Plain text and CSV/TSV: encoding detection, streaming decode, chunking.
//!
//! Encoding, in order: a BOM (UTF-8, UTF-16, UTF-32); the NUL pattern of
//! BOM-less UTF-16/UTF-32 (chardetng reads NUL-interleaved ASCII as UTF-8);
//! binary if more than 2% of the first 64 KiB are C0 control bytes no text
//! encoding uses; UTF-8 if the head is valid UTF-8; otherwise chardetng's
//! guess over the head (its cost grows with input, so it sees 64 KiB only).
//!
//! Text is decoded in 64 KiB steps and handed on in chunks of
//! `chunk_size` bytes that overlap by `chunk_overlap`, each chunk's
//! `TextPart::report` range saying which matches it owns, so memory stays
//! bounded for multi-GiB files and a match across an edge counts once.
//! Locations are `Line { line, byte }` into the decoded text.
//!
//! CSV/TSV are read record by record with `csv-core` (bounded buffers, even for
//! a hostile multi-GiB quoted field). Non-empty cells go to
//! [`Visitor::rows`] in batches of rows (the header row alone first),
//! each cell a text of its own at the `Line` where its record starts, with
//! the first row's cell above it as its header, so a column titled `SSN`
//! lends its name to every value below.

use super::dispatch::{io_error, outcome, Ctx, Res, HEAD};
use super::{text_notes, ExtractConfig, Headers, Location, Outcome, RowBuffer, TextPart, Visitor};
use encoding_rs::{Decoder, Encoding, UTF_16BE, UTF_16LE, UTF_8};
use std::borrow::Cow;
use std::cell::RefCell;
use std::io::Read;
use std::ops::Range;

/// Raw bytes decoded per step.
const STEP: usize = 64 << 10;

/// A text encoding, or the verdict that the bytes are not text.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Enc {
    Rs(&'static Encoding),
    Utf32 { big_endian: bool },
    Binary,
}

/// Decides the encoding from the first bytes; returns it and the BOM length.
pub(crate) fn detect(head: &[u8]) -> (Enc, usize) {
    if head.starts_with(b"\xEF\xBB\xBF") {
        return (Enc::Rs(UTF_8), 3);
    }
    if head.starts_with(b"\xFF\xFE\x00\x00") {
        return (Enc::Utf32 { big_endian: false }, 4);
    }
    if head.starts_with(b"\x00\x00\xFE\xFF") {
        return (Enc::Utf32 { big_endian: true }, 4);
    }
    if head.starts_with(b"\xFF\xFE") {
        return (Enc::Rs(UTF_16LE), 2);
    }
    if head.starts_with(b"\xFE\xFF") {
        return (Enc::Rs(UTF_16BE), 2);
    }
    let sample = &head[..head.len().min(HEAD)];
    if let Some(enc) = nul_pattern(sample) {
        return (enc, 0);
    }
    if stray_controls(sample) * 50 > sample.len() {
        return (Enc::Binary, 0);
    }
    match std::str::from_utf8(sample) {
        Ok(_) => return (Enc::Rs(UTF_8), 0),
        // Only the last character was cut off by the sample's end.
        Err(e) if e.error_len().is_none() => return (Enc::Rs(UTF_8), 0),
        Err(_) => {}
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(sample, true);
    (
        Enc::Rs(detector.guess(None, chardetng::Utf8Detection::Allow)),
        0,
    )
}

/// C0 control bytes that no text encoding uses: all but tab, line feed,
/// form feed, carriage return and escape.
fn is_stray_control(b: u8) -> bool {
    const TEXT_CONTROLS: u32 = 1 << 0x09 | 1 << 0x0A | 1 << 0x0C | 1 << 0x0D | 1 << 0x1B;
    b < 0x20 && (TEXT_CONTROLS >> b) & 1 == 0
}

/// How many bytes of `sample` are stray controls. Eight bytes at a time:
/// most words of text hold no byte below 0x20 at all, and only those that
/// do are looked at byte by byte.
fn stray_controls(sample: &[u8]) -> usize {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let words = sample.chunks_exact(8);
    let rest = words.remainder();
    let mut count = rest.iter().filter(|&&b| is_stray_control(b)).count();
    for word in words {
        let w = u64::from_ne_bytes(word.try_into().expect("8 bytes"));
        // Non-zero exactly when some byte is below 0x20.
        if w.wrapping_sub(ONES * 0x20) & !w & HIGHS != 0 {
            count += word.iter().filter(|&&b| is_stray_control(b)).count();
        }
    }
    count
}

/// BOM-less UTF-16/UTF-32 by where the NULs of mostly-ASCII text fall.
fn nul_pattern(sample: &[u8]) -> Option<Enc> {
    let quads = sample.len() / 4;
    if quads < 2 || memchr::memchr(0, sample).is_none() {
        return None;
    }
    let mut zeros = [0usize; 4];
    for (i, &b) in sample[..quads * 4].iter().enumerate() {
        if b == 0 {
            zeros[i % 4] += 1;
        }
    }
    let mostly = |n: usize| n * 10 >= quads * 9;
    let rarely = |n: usize| n * 10 <= quads;
    if mostly(zeros[1]) && mostly(zeros[2]) && mostly(zeros[3]) && rarely(zeros[0]) {
        return Some(Enc::Utf32 { big_endian: false });
    }
    if mostly(zeros[0]) && mostly(zeros[1]) && mostly(zeros[2]) && rarely(zeros[3]) {
        return Some(Enc::Utf32 { big_endian: true });
    }
    let (even, odd) = (zeros[0] + zeros[2], zeros[1] + zeros[3]);
    let pairs = quads * 2;
    if odd * 10 >= pairs * 3 && even * 20 <= pairs {
        return Some(Enc::Rs(UTF_16LE));
    }
    if even * 10 >= pairs * 3 && odd * 20 <= pairs {
        return Some(Enc::Rs(UTF_16BE));
    }
    None
}

/// Decodes a whole byte slice (attachments, HTML pages) with [`detect`].
/// `None` when the bytes are binary.
pub(crate) fn decode_all(bytes: &[u8]) -> Option<String> {
    let (enc, bom) = detect(&bytes[..bytes.len().min(HEAD)]);
    let mut dec = TextDecoder::new(enc)?;
    let mut out = String::new();
    dec.decode(&bytes[bom..], &mut out, true);
    Some(out)
}

enum Inner {
    Rs(Decoder),
    Utf32 { big_endian: bool, pending: Vec<u8> },
}

/// Streaming decoder to UTF-8 that never splits a character wrongly.
pub(crate) struct TextDecoder(Inner);

impl TextDecoder {
    pub fn new(enc: Enc) -> Option<Self> {
        match enc {
            Enc::Rs(e) => Some(TextDecoder(Inner::Rs(e.new_decoder_without_bom_handling()))),
            Enc::Utf32 { big_endian } => Some(TextDecoder(Inner::Utf32 {
                big_endian,
                pending: Vec::new(),
            })),
            Enc::Binary => None,
        }
    }

    pub fn decode(&mut self, src: &[u8], out: &mut String, last: bool) {
        match &mut self.0 {
            Inner::Rs(d) => {
                let mut src = src;
                loop {
                    let need = d
                        .max_utf8_buffer_length(src.len())
                        .unwrap_or(src.len() * 3 + 16);
                    out.reserve(need);
                    let (result, read, _) = d.decode_to_string(src, out, last);
                    src = &src[read..];
                    if result == encoding_rs::CoderResult::InputEmpty {
                        break;
                    }
                }
            }
            Inner::Utf32 {
                big_endian,
                pending,
            } => {
                pending.extend_from_slice(src);
                let whole = pending.len() / 4 * 4;
                for q in pending[..whole].chunks_exact(4) {
                    let q = [q[0], q[1], q[2], q[3]];
                    let n = if *big_endian {
                        u32::from_be_bytes(q)
                    } else {
                        u32::from_le_bytes(q)
                    };
                    out.push(char::from_u32(n).unwrap_or('\u{FFFD}'));
                }
                pending.drain(..whole);
                if last && !pending.is_empty() {
                    pending.clear();
                    out.push('\u{FFFD}');
                }
            }
        }
    }
}

/// Pulls raw bytes from a reader and decodes them step by step.
struct Source<'r> {
    r: &'r mut dyn Read,
    dec: TextDecoder,
    raw: Vec<u8>,
    eof: bool,
}

impl<'r> Source<'r> {
    /// Reads the head, detects the encoding. `Ok(None)` for binary input.
    fn open(r: &'r mut dyn Read, first: &mut String) -> Res<Option<Self>> {
        // Grown as bytes arrive (see `dispatch::read_head`).
        let mut head = Vec::new();
        r.take(HEAD as u64)
            .read_to_end(&mut head)
            .map_err(io_error)?;
        let (enc, bom) = detect(&head);
        let Some(dec) = TextDecoder::new(enc) else {
            return Ok(None);
        };
        let mut source = Source {
            r,
            dec,
            // Allocated on the first read past the head: most files end in it.
            raw: Vec::new(),
            eof: head.len() < HEAD,
        };
        let eof = source.eof;
        source.dec.decode(&head[bom..], first, eof);
        Ok(Some(source))
    }

    /// Appends the next decoded step to `out`; `false` once input is done.
    fn fill(&mut self, out: &mut String) -> Res<bool> {
        if self.eof {
            return Ok(false);
        }
        if self.raw.is_empty() {
            self.raw = vec![0; STEP];
        }
        let n = loop {
            match self.r.read(&mut self.raw) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(io_error(e)),
            }
        };
        self.eof = n == 0;
        self.dec.decode(&self.raw[..n], out, self.eof);
        Ok(true)
    }
}

/// Hands text to a visitor in overlapping chunks with line locations.
pub(crate) struct Chunker<'v> {
    v: &'v mut dyn Visitor,
    buf: String,
    line: u64,
    byte: u64,
    report_from: usize,
    size: usize,
    overlap: usize,
    /// Chunks waiting to go to the visitor together: text, location,
    /// report range.
    batch: Vec<(String, Location, Range<usize>)>,
    batch_size: usize,
    /// Whether anything but whitespace went by.
    pub saw_text: bool,
}

impl<'v> Chunker<'v> {
    pub fn new(cfg: &ExtractConfig, v: &'v mut dyn Visitor) -> Self {
        let overlap = cfg.chunk_overlap.max(2);
        Chunker {
            v,
            buf: String::new(),
            line: 1,
            byte: 0,
            report_from: 0,
            size: cfg.chunk_size.max(overlap * 2),
            overlap,
            batch: Vec::new(),
            batch_size: cfg.parallel_chunks.max(1),
            saw_text: false,
        }
    }

    pub fn push(&mut self, mut s: &str) {
        if !self.saw_text && !s.trim().is_empty() {
            self.saw_text = true;
        }
        while !s.is_empty() {
            let room = self.size.saturating_sub(self.buf.len()).max(4);
            let take = if room >= s.len() {
                s.len()
            } else {
                ceil_char(s, room)
            };
            self.buf.push_str(&s[..take]);
            s = &s[take..];
            if self.buf.len() >= self.size {
                self.emit(false);
            }
        }
    }

    /// Emits what is left; returns whether any text was seen.
    pub fn finish(mut self) -> bool {
        if !self.buf.is_empty() {
            self.emit(true);
        }
        self.flush_batch();
        self.saw_text
    }

    fn emit(&mut self, last: bool) {
        let len = self.buf.len();
        let (cut, keep_from) = if last {
            (len, len)
        } else {
            (
                floor_char(&self.buf, len - self.overlap / 2),
                floor_char(&self.buf, len - self.overlap),
            )
        };
        let location = Location::Line {
            line: self.line,
            byte: self.byte,
        };
        let report = self.report_from.min(cut)..cut;
        // A text of one chunk (most files) goes straight through, uncopied.
        if self.batch_size == 1 || (last && self.batch.is_empty()) {
            self.v.text(TextPart {
                text: &self.buf,
                location,
                context: None,
                report,
            });
        } else {
            self.batch.push((self.buf.clone(), location, report));
            if self.batch.len() >= self.batch_size {
                self.flush_batch();
            }
        }
        self.line += memchr::memchr_iter(b'\n', &self.buf.as_bytes()[..keep_from]).count() as u64;
        self.byte += keep_from as u64;
        self.report_from = cut - keep_from;
        self.buf.drain(..keep_from);
    }

    /// Hands the batched chunks to the visitor at once.
    fn flush_batch(&mut self) {
        if self.batch.is_empty() {
            return;
        }
        let parts: Vec<TextPart> = self
            .batch
            .iter()
            .map(|(text, location, report)| TextPart {
                text,
                location: location.clone(),
                context: None,
                report: report.clone(),
            })
            .collect();
        self.v.chunks(&parts);
        self.batch.clear();
    }
}

fn ceil_char(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

fn floor_char(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Streams plain text (any encoding) to the visitor.
pub(crate) fn stream_text(ctx: &Ctx, r: &mut dyn Read, v: &mut dyn Visitor) -> Outcome {
    let mut step = String::new();
    let mut source = match Source::open(r, &mut step) {
        Ok(Some(s)) => s,
        Ok(None) => return Outcome::Skipped("binary".into()),
        Err(e) => return Outcome::Error(e),
    };
    let mut chunker = Chunker::new(&ctx.cfg, v);
    loop {
        chunker.push(&step);
        step.clear();
        if let Err(e) = ctx.check() {
            return Outcome::Error(e);
        }
        match source.fill(&mut step) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Outcome::Error(e),
        }
    }
    let notes = text_notes(chunker.finish());
    Outcome::Ok { notes }
}

/// Longest header name kept as context, in bytes.
const MAX_HEADER: usize = 256;
/// Most columns whose header names are kept.
const MAX_COLUMNS: usize = 16_384;

/// Streams CSV (`delimiter` `,`) or TSV (`\t`), one part per non-empty cell.
pub(crate) fn stream_csv(
    ctx: &Ctx,
    r: &mut dyn Read,
    delimiter: u8,
    v: &mut dyn Visitor,
) -> Outcome {
    let mut input = String::new();
    match Source::open(r, &mut input) {
        Ok(Some(source)) => outcome(with_csv_reader(delimiter, |reader| {
            csv_fields(ctx, source, input, reader, v)
        })),
        Ok(None) => Outcome::Skipped("binary".into()),
        Err(e) => Outcome::Error(e),
    }
}

thread_local! {
    /// Parsers kept by each thread, by delimiter (see [`with_csv_reader`]).
    static CSV_READERS: RefCell<Vec<(u8, csv_core::Reader)>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` with a CSV parser for `delimiter`. Building one compiles its
/// DFA, which costs more than parsing a small file, so each thread keeps
/// its parsers and resets them (`csv_core::Reader::clone` does not copy the
/// whole DFA, hence no shared prototype). A nested call (a CSV inside an
/// archive being read as CSV) builds its own.
fn with_csv_reader<T>(delimiter: u8, f: impl FnOnce(&mut csv_core::Reader) -> T) -> T {
    let kept = CSV_READERS.with(|kept| {
        let mut kept = kept.borrow_mut();
        let i = kept.iter().position(|(d, _)| *d == delimiter)?;
        Some(kept.swap_remove(i).1)
    });
    let mut reader =
        kept.unwrap_or_else(|| csv_core::ReaderBuilder::new().delimiter(delimiter).build());
    reader.reset();
    let out = f(&mut reader);
    CSV_READERS.with(|kept| {
        let mut kept = kept.borrow_mut();
        if kept.len() < 4 {
            kept.push((delimiter, reader));
        }
    });
    out
}

/// A CSV's cells on their way to the visitor, a batch of rows at a time.
struct CsvRows<'v> {
    v: &'v mut dyn Visitor,
    buf: RowBuffer,
    /// Header names, read from the first row.
    names: Vec<String>,
    /// The first row's (no names) until it ends, then the names.
    headers: Headers,
    saw_text: bool,
}

impl CsvRows<'_> {
    /// A field (or a piece of a giant one) of record `row`; empty ones are
    /// dropped. The first row's fields become the header names.
    fn cell(&mut self, text: &str, row: u64, col: usize, location: Location) {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return;
        }
        self.saw_text = true;
        if row == 0 && self.names.len() < MAX_COLUMNS && col == self.names.len() {
            self.names
                .push(trimmed[..floor_char(trimmed, trimmed.len().min(MAX_HEADER))].to_owned());
        }
        self.buf.push(text, col, location, &self.headers, self.v);
    }

    /// Record `row` ended: after the first, the header names apply.
    fn record_end(&mut self, row: u64) {
        if row == 0 {
            self.flush();
            self.headers = Headers::new(std::mem::take(&mut self.names));
        }
    }

    fn flush(&mut self) {
        self.buf.flush(&self.headers, self.v);
    }
}

fn csv_fields(
    ctx: &Ctx,
    source: Source,
    input: String,
    reader: &mut csv_core::Reader,
    v: &mut dyn Visitor,
) -> Res<Vec<String>> {
    let mut rows = CsvRows {
        v,
        buf: RowBuffer::default(),
        names: Vec::new(),
        headers: Headers::new(Vec::new()),
        saw_text: false,
    };
    let read = csv_records(ctx, source, input, reader, &mut rows);
    // Cells read before a failure are handed on too.
    rows.flush();
    read?;
    Ok(text_notes(rows.saw_text))
}

/// The record being read. csv-core writes its fields' bytes to `out` and
/// where each field ends, counted from the record's first byte, to `ends`;
/// finished fields are handed on whenever either fills up, so a record of
/// many fields needs no more room than its largest field.
struct Record {
    out: Vec<u8>,
    /// Bytes of `out` in use.
    len: usize,
    ends: Vec<usize>,
    /// Entries of `ends` in use.
    nends: usize,
    /// Where `out[0]` is in the record.
    base: usize,
    /// Where the first field not yet handed on starts in the record.
    start: usize,
    /// Its column.
    col: usize,
}

impl Record {
    /// Hands the finished fields on.
    fn hand_on(&mut self, rows: &mut CsvRows, row: u64, location: &Location) {
        let Some(&last) = self.ends[..self.nends].last() else {
            return;
        };
        // Fields of decoded text are UTF-8 unless a giant field was cut
        // (then its pieces are decoded one by one): checked for all
        // finished fields at once.
        let first = self.start;
        let done = &self.out[first - self.base..last - self.base];
        let done = std::str::from_utf8(done).ok();
        for &end in &self.ends[..self.nends] {
            let field = match done.and_then(|d| d.get(self.start - first..end - first)) {
                Some(field) => Cow::Borrowed(field),
                None => String::from_utf8_lossy(&self.out[self.start - self.base..end - self.base]),
            };
            rows.cell(&field, row, self.col, location.clone());
            self.start = end;
            self.col += 1;
        }
        self.nends = 0;
    }

    /// `out` is full: makes room, by dropping what was handed on, by
    /// growing `out` up to `max_field`, or else by handing on the field
    /// so far as a piece of a giant field.
    fn make_room(&mut self, rows: &mut CsvRows, row: u64, location: &Location, max_field: usize) {
        let done = self.start - self.base;
        if done > 0 {
            self.out.copy_within(done..self.len, 0);
            self.len -= done;
            self.base = self.start;
        } else if self.out.len() < max_field {
            self.out.resize(self.out.len() * 2, 0);
        } else {
            let piece = String::from_utf8_lossy(&self.out[..self.len]);
            rows.cell(&piece, row, self.col, location.clone());
            self.base += self.len;
            self.start = self.base;
            self.len = 0;
        }
    }

    /// Ready for the next record.
    fn reset(&mut self) {
        (self.len, self.nends, self.base, self.start, self.col) = (0, 0, 0, 0, 0);
    }
}

fn csv_records(
    ctx: &Ctx,
    mut source: Source,
    mut input: String,
    reader: &mut csv_core::Reader,
    rows: &mut CsvRows,
) -> Res<()> {
    use csv_core::ReadRecordResult as R;
    let max_field = ctx.cfg.chunk_size.max(1024);
    let mut record = Record {
        out: vec![0; 4096],
        len: 0,
        ends: vec![0; 64],
        nends: 0,
        base: 0,
        start: 0,
        col: 0,
    };
    let mut pos = 0usize;
    let mut eof = false;
    let mut row = 0u64;
    let mut line = 1u64;
    let mut location = Location::Line { line: 1, byte: 0 };
    let mut consumed = 0u64;
    // `line` counts the newlines of `input[..counted]`: once per record,
    // not per field.
    let mut counted = 0usize;
    let newlines = |s: &[u8]| memchr::memchr_iter(b'\n', s).count() as u64;
    // A record's position is taken where its first byte is, after the
    // previous record's line terminator.
    let mut at_record_start = true;
    loop {
        if pos == input.len() && !eof {
            line += newlines(&input.as_bytes()[counted..]);
            input.clear();
            pos = 0;
            counted = 0;
            ctx.check()?;
            eof = !source.fill(&mut input)?;
        }
        if at_record_start {
            while let Some(&b) = input.as_bytes().get(pos) {
                if b != b'\r' && b != b'\n' {
                    break;
                }
                pos += 1;
                consumed += 1;
            }
            if pos == input.len() && !eof {
                continue;
            }
            at_record_start = false;
            line += newlines(&input.as_bytes()[counted..pos]);
            counted = pos;
            location = Location::Line {
                line,
                byte: consumed,
            };
        }
        let bytes = &input.as_bytes()[pos..];
        let r = &mut record;
        let (result, nin, nout, nend) =
            reader.read_record(bytes, &mut r.out[r.len..], &mut r.ends[r.nends..]);
        pos += nin;
        consumed += nin as u64;
        r.len += nout;
        r.nends += nend;
        match result {
            R::InputEmpty => {
                if eof && pos == input.len() && nin == 0 && nout == 0 {
                    // csv-core needs an empty read to see the end.
                    let (result, _, nout, nend) =
                        reader.read_record(&[], &mut r.out[r.len..], &mut r.ends[r.nends..]);
                    r.len += nout;
                    r.nends += nend;
                    if result == R::Record {
                        r.hand_on(rows, row, &location);
                    }
                    break;
                }
            }
            R::OutputFull => {
                r.hand_on(rows, row, &location);
                r.make_room(rows, row, &location, max_field);
            }
            R::OutputEndsFull => r.hand_on(rows, row, &location),
            R::Record => {
                r.hand_on(rows, row, &location);
                r.reset();
                rows.record_end(row);
                row += 1;
                at_record_start = true;
            }
            R::End => break,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stray_controls_agree_with_a_byte_by_byte_count() {
        let mut sample: Vec<u8> = (0..=255u8).collect();
        sample.extend_from_slice(b"plain text\r\n\twith\x0Ccontrols\x1B[0m and \x00\x07 bells\n");
        for start in 0..9 {
            let s = &sample[start..];
            let naive = s
                .iter()
                .filter(|&&b| matches!(b, 0x00..=0x08 | 0x0B | 0x0E..=0x1A | 0x1C..=0x1F))
                .count();
            assert_eq!(stray_controls(s), naive, "offset {start}");
        }
        assert_eq!(stray_controls(b"only text\n\tand tabs\r\n"), 0);
    }
}
