//! Spreadsheets with calamine: xlsx, xlsm, xlsb, xls, ods. Every sheet,
//! every non-empty cell, as `Location::Cell { sheet, cell: "C7" }`, with the
//! first used row's cell of the same column as its header; cells go on a
//! batch of rows at a time ([`Visitor::rows`]).
//!
//! Values read as a person reads them: integers without `.0` or exponent
//! (`1234567890123456`), other numbers to 15 significant digits like Excel,
//! dates as ISO `YYYY-MM-DD[ HH:MM:SS]`, booleans as `TRUE`/`FALSE`.
//!
//! xlsx/xlsb are read cell by cell (calamine's cell readers), because
//! building a whole range allocates rows × columns of the bounding box: two
//! cells at `A1` and `XFD1048576` would ask for 17 G cells. xls and ods only
//! offer whole ranges: for xls the cell records of every sheet are scanned
//! first ([`check_xls_area`]) and a used area over [`MAX_CELLS`] is refused
//! as `Budget("cells")` (found by fuzzing: a 2 KiB file asked for 137 GB);
//! ods has calamine's own 100 M cell guard. The zip parts of xlsx/xlsb/ods
//! were checked against the budgets before calamine sees them
//! (`archive::zip_family`).

use super::dispatch::{Ctx, Res};
use super::{text_notes, ExtractError, Headers, Location, RowBuffer, Visitor};
use calamine::{Data, DataRef, ExcelDateTime, Ods, Reader, Xls, Xlsb, Xlsx};
use std::collections::HashMap;
use std::io::Cursor;

/// The workbook formats calamine reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Book {
    Xlsx,
    Xlsb,
    Xls,
    Ods,
}

/// Every cell of every sheet of an open xlsx or xlsb workbook, streamed.
/// A macro because calamine's two cell readers share no trait.
macro_rules! stream_cells {
    ($ctx:expr, $wb:expr, $out:expr) => {
        for name in $wb.sheet_names() {
            $ctx.check()?;
            $out.start_sheet();
            let mut cells = $wb
                .worksheet_cells_reader(&name)
                .map_err(|e| book_error(calamine::Error::from(e)))?;
            let mut n = 0u32;
            while let Some(cell) = cells
                .next_cell()
                .map_err(|e| book_error(calamine::Error::from(e)))?
            {
                n = n.wrapping_add(1);
                if n.is_multiple_of(65_536) {
                    $ctx.check()?;
                }
                $out.cell(&name, cell.get_position(), render_ref(cell.get_value()));
            }
        }
    };
}

pub(crate) fn extract(
    ctx: &Ctx,
    book: Book,
    bytes: &[u8],
    v: &mut dyn Visitor,
) -> Res<Vec<String>> {
    let mut out = Emitter {
        v,
        saw_text: false,
        buf: RowBuffer::default(),
        names: Vec::new(),
        header_columns: HashMap::new(),
        headers: Headers::new(Vec::new()),
        header_row: None,
    };
    let read = read_book(ctx, book, bytes, &mut out);
    // Cells read before a failure are handed on too.
    out.flush();
    read?;
    Ok(text_notes(out.saw_text))
}

fn read_book(ctx: &Ctx, book: Book, bytes: &[u8], out: &mut Emitter<'_>) -> Res<()> {
    let cursor = Cursor::new(bytes);
    match book {
        Book::Xlsx => {
            let mut wb: Xlsx<Cursor<&[u8]>> = calamine::open_workbook_from_rs(cursor)
                .map_err(|e: calamine::XlsxError| book_error(e.into()))?;
            stream_cells!(ctx, wb, out);
        }
        Book::Xlsb => {
            let mut wb: Xlsb<Cursor<&[u8]>> = calamine::open_workbook_from_rs(cursor)
                .map_err(|e: calamine::XlsbError| book_error(e.into()))?;
            stream_cells!(ctx, wb, out);
        }
        Book::Xls => {
            let wb: Xls<Cursor<&[u8]>> = calamine::open_workbook_from_rs(cursor)
                .map_err(|e: calamine::XlsError| book_error(e.into()))?;
            ranges(ctx, wb, out)?;
        }
        Book::Ods => {
            let wb: Ods<Cursor<&[u8]>> = calamine::open_workbook_from_rs(cursor)
                .map_err(|e: calamine::OdsError| book_error(e.into()))?;
            ranges(ctx, wb, out)?;
        }
    }
    Ok(())
}

/// Largest used area (rows × columns) of one sheet that may be built as a
/// whole range: calamine's cells are 32 bytes, so this is ~640 MB.
pub(crate) const MAX_CELLS: u64 = 20_000_000;

/// BIFF records that become cells in calamine (row, column first); blanks
/// are not among them, so formatted empty areas cost nothing.
const XLS_CELL_RECORDS: &[u16] = &[
    0x0006, 0x0203, 0x0204, 0x0205, 0x027E, 0x00BD, 0x00FD, 0x00D6,
];
const XLS_MULRK: u16 = 0x00BD;
const XLS_BOUNDSHEET: u16 = 0x0085;
const XLS_BOF: u16 = 0x0809;
const XLS_EOF: u16 = 0x000A;

/// Refuses an xls whose cell positions span an area calamine would
/// allocate whole. Sheets are found the way calamine finds them (the
/// `BoundSheet8` offsets), and a plain scan of the stream covers the rest.
pub(crate) fn check_xls_area(workbook: &[u8]) -> Res<()> {
    let record = |at: usize| -> Option<(u16, &[u8], usize)> {
        let head = workbook.get(at..at + 4)?;
        let (kind, len) = (
            u16::from_le_bytes([head[0], head[1]]),
            u16::from_le_bytes([head[2], head[3]]) as usize,
        );
        let data = workbook.get(at + 4..(at + 4 + len).min(workbook.len()))?;
        Some((kind, data, at + 4 + len))
    };
    let area = |start: usize, stop_at_eof: bool| -> u64 {
        let (mut rows, mut cols) = ((u32::MAX, 0u32), (u32::MAX, 0u32));
        let mut at = start;
        let mut worst = 0u64;
        while let Some((kind, data, next)) = record(at) {
            at = next;
            if kind == XLS_BOF || kind == XLS_EOF {
                if rows.0 <= rows.1 && cols.0 <= cols.1 {
                    worst =
                        worst.max(u64::from(rows.1 - rows.0 + 1) * u64::from(cols.1 - cols.0 + 1));
                }
                (rows, cols) = ((u32::MAX, 0), (u32::MAX, 0));
                if kind == XLS_EOF && stop_at_eof {
                    break;
                }
                continue;
            }
            if !XLS_CELL_RECORDS.contains(&kind) || data.len() < 4 {
                continue;
            }
            let row = u32::from(u16::from_le_bytes([data[0], data[1]]));
            let first = u32::from(u16::from_le_bytes([data[2], data[3]]));
            // MULRK: six bytes per cell from `first`, then the last column.
            let last = if kind == XLS_MULRK && data.len() >= 6 {
                let stated = u32::from(u16::from_le_bytes([
                    data[data.len() - 2],
                    data[data.len() - 1],
                ]));
                stated.max(first + ((data.len() as u32 - 6) / 6).saturating_sub(1))
            } else {
                first
            };
            rows = (rows.0.min(row), rows.1.max(row));
            cols = (cols.0.min(first.min(last)), cols.1.max(first.max(last)));
        }
        if rows.0 <= rows.1 && cols.0 <= cols.1 {
            worst = worst.max(u64::from(rows.1 - rows.0 + 1) * u64::from(cols.1 - cols.0 + 1));
        }
        worst
    };
    let mut worst = area(0, false);
    let mut at = 0usize;
    while let Some((kind, data, next)) = record(at) {
        at = next;
        if kind == XLS_BOUNDSHEET && data.len() >= 4 {
            let offset = u32::from_le_bytes([data[0], data[1], data[2], data[3]]) as usize;
            worst = worst.max(area(offset, true));
        }
        if kind == XLS_EOF {
            break;
        }
    }
    if worst > MAX_CELLS {
        return Err(ExtractError::Budget("cells"));
    }
    Ok(())
}

fn ranges<R, RS>(ctx: &Ctx, mut wb: R, out: &mut Emitter<'_>) -> Res<()>
where
    RS: std::io::Read + std::io::Seek,
    R: Reader<RS>,
    R::Error: Into<calamine::Error>,
{
    for name in wb.sheet_names() {
        ctx.check()?;
        out.start_sheet();
        let range = wb
            .worksheet_range(&name)
            .map_err(|e| book_error(e.into()))?;
        let (row0, col0) = range.start().unwrap_or((0, 0));
        for (r, c, value) in range.used_cells() {
            out.cell(&name, (row0 + r as u32, col0 + c as u32), render(value));
        }
    }
    Ok(())
}

fn book_error(e: calamine::Error) -> ExtractError {
    use calamine::{Error as E, OdsError, XlsError, XlsbError, XlsxError};
    match e {
        E::Xlsx(XlsxError::Password)
        | E::Xlsb(XlsbError::Password)
        | E::Xls(XlsError::Password)
        | E::Ods(OdsError::Password) => ExtractError::Encrypted,
        E::Ods(OdsError::CellLimitExceeded { .. }) => ExtractError::Budget("cells"),
        other => ExtractError::Corrupt(format!("spreadsheet: {other}")),
    }
}

/// Sends cells on, remembering the header row of the current sheet.
struct Emitter<'v> {
    v: &'v mut dyn Visitor,
    saw_text: bool,
    buf: RowBuffer,
    /// The header row's texts, in the order its cells came.
    names: Vec<String>,
    /// Sheet column → index into `names` (sheets may have sparse columns).
    header_columns: HashMap<u32, usize>,
    /// No names while the header row is read, then `names`.
    headers: Headers,
    header_row: Option<u32>,
}

/// Longest header kept as context, in chars.
const MAX_HEADER_CHARS: usize = 128;

impl Emitter<'_> {
    fn start_sheet(&mut self) {
        self.flush();
        self.names.clear();
        self.header_columns.clear();
        self.headers = Headers::new(Vec::new());
        self.header_row = None;
    }

    fn cell(&mut self, sheet: &str, (row, col): (u32, u32), text: Option<String>) {
        let Some(text) = text else { return };
        if text.trim().is_empty() {
            return;
        }
        self.saw_text = true;
        let header_row = *self.header_row.get_or_insert(row);
        let column = if row == header_row {
            self.header_columns.insert(col, self.names.len());
            self.names
                .push(text.trim().chars().take(MAX_HEADER_CHARS).collect());
            // Header cells have no header of their own.
            usize::MAX
        } else {
            if self.headers.names().is_empty() && !self.names.is_empty() {
                // The header row ended: its cells go on without names.
                self.flush();
                self.headers = Headers::new(std::mem::take(&mut self.names));
            }
            self.header_columns.get(&col).copied().unwrap_or(usize::MAX)
        };
        let location = Location::Cell {
            sheet: sheet.to_owned(),
            cell: a1(row, col),
        };
        self.buf
            .push(&text, column, location, &self.headers, self.v);
    }

    fn flush(&mut self) {
        self.buf.flush(&self.headers, self.v);
    }
}

/// `(row, col)` (0-based) in A1 notation.
pub(crate) fn a1(row: u32, col: u32) -> String {
    let mut letters = Vec::new();
    let mut c = col as u64 + 1;
    while c > 0 {
        let rem = ((c - 1) % 26) as u8;
        letters.push(b'A' + rem);
        c = (c - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", String::from_utf8_lossy(&letters), row as u64 + 1)
}

fn render(value: &Data) -> Option<String> {
    match value {
        Data::Int(i) => Some(i.to_string()),
        Data::Float(f) => Some(number(*f)),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Some(s.clone()),
        Data::Bool(b) => Some(if *b { "TRUE" } else { "FALSE" }.into()),
        Data::DateTime(d) => Some(date(d)),
        Data::Error(_) | Data::Empty => None,
    }
}

fn render_ref(value: &DataRef<'_>) -> Option<String> {
    match value {
        DataRef::Int(i) => Some(i.to_string()),
        DataRef::Float(f) => Some(number(*f)),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Some(s.clone()),
        DataRef::SharedString(s) => Some((*s).to_owned()),
        DataRef::Bool(b) => Some(if *b { "TRUE" } else { "FALSE" }.into()),
        DataRef::DateTime(d) => Some(date(d)),
        DataRef::Error(_) | DataRef::Empty => None,
    }
}

/// A number as a spreadsheet shows it by default.
pub(crate) fn number(f: f64) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    if f.fract() == 0.0 && f.abs() < 1e21 {
        return format!("{f:.0}");
    }
    // 15 significant digits, as Excel displays.
    let rounded: f64 = format!("{f:.14e}").parse().unwrap_or(f);
    if rounded.abs() >= 1e21 || (rounded != 0.0 && rounded.abs() < 1e-9) {
        return format!("{rounded:e}");
    }
    format!("{rounded}")
}

fn date(d: &ExcelDateTime) -> String {
    if !d.is_datetime() {
        return number(d.as_f64());
    }
    let (y, m, day, h, min, s, _) = d.to_ymd_hms_milli();
    if h == 0 && min == 0 && s == 0 {
        format!("{y:04}-{m:02}-{day:02}")
    } else {
        format!("{y:04}-{m:02}-{day:02} {h:02}:{min:02}:{s:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_like_a_person() {
        assert_eq!(number(1234567890123456.0), "1234567890123456");
        assert_eq!(number(1.2345678901234e15), "1234567890123400");
        assert_eq!(number(42.0), "42");
        assert_eq!(number(0.1 + 0.2), "0.3");
        assert_eq!(number(-3.5), "-3.5");
    }

    #[test]
    fn a1_notation() {
        assert_eq!(a1(0, 0), "A1");
        assert_eq!(a1(6, 2), "C7");
        assert_eq!(a1(0, 25), "Z1");
        assert_eq!(a1(0, 26), "AA1");
        assert_eq!(a1(1048575, 16383), "XFD1048576");
    }
}
