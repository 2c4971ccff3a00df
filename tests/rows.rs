//! Tables scanned a batch of rows at a time find exactly what scanning each
//! cell on its own finds: same rules, spans in the cell, confidences,
//! locations and snippets. Tables are CSV/TSV files, workbooks, and either
//! of them inside archives (relayed from the extraction thread).

use kbscan::detect::{Columns, Detection, Detector, RuleSet, Scratch};
use kbscan::extract::{
    extract_file, ExtractConfig, Location, Outcome, RowsPart, TextPart, Visitor,
};
use std::path::{Path, PathBuf};

/// One finding as the catalog would store it.
#[derive(Debug, PartialEq)]
struct Found {
    rule: String,
    /// The span within the cell's text.
    span: (usize, usize),
    confidence: f32,
    location: String,
    snippet: String,
}

fn found(detector: &Detector, d: &Detection, text: &str, location: &Location) -> Found {
    let at = location.at(text, d.start);
    Found {
        rule: detector.rules()[d.rule].id.clone(),
        span: (d.start, d.end),
        confidence: d.confidence,
        location: format!("{} {}", serde_json::to_string(&at).unwrap(), at),
        snippet: detector.snippet(d, text),
    }
}

/// Every text (every cell) scanned on its own with its context, the way
/// parts came before tables were batched: the default `Visitor::rows`.
struct PerCell<'d> {
    detector: &'d Detector,
    scratch: Scratch,
    found: Vec<Found>,
}

/// Scans one text part on its own, as `kbscan scan` does.
fn scan_text(
    detector: &Detector,
    scratch: &mut Scratch,
    part: TextPart<'_>,
    into: &mut Vec<Found>,
) {
    let mut out = Vec::new();
    detector.scan(part.text, part.context, scratch, &mut out);
    for d in out.iter().filter(|d| part.report.contains(&d.start)) {
        into.push(found(detector, d, part.text, &part.location));
    }
}

impl Visitor for PerCell<'_> {
    fn text(&mut self, part: TextPart<'_>) {
        scan_text(self.detector, &mut self.scratch, part, &mut self.found);
    }
    fn enter(&mut self, _: &str) {}
    fn leave(&mut self, _: Outcome) {}
}

/// Batches of rows in one detector call, as `kbscan scan` reads tables
/// (other texts, such as an archive's documents, one by one).
struct Batched<'d> {
    detector: &'d Detector,
    scratch: Scratch,
    columns: Option<(u64, Columns)>,
    found: Vec<Found>,
    parts: usize,
}

impl Visitor for Batched<'_> {
    fn text(&mut self, part: TextPart<'_>) {
        scan_text(self.detector, &mut self.scratch, part, &mut self.found);
    }
    fn rows(&mut self, part: RowsPart<'_>) {
        self.parts += 1;
        let id = part.headers.id();
        if self.columns.as_ref().is_none_or(|(i, _)| *i != id) {
            self.columns = Some((id, self.detector.columns(part.headers.names())));
        }
        let columns = &mut self.columns.as_mut().unwrap().1;
        let mut out = Vec::new();
        let cells = part.cells.iter().map(|c| (c.range.clone(), c.column));
        self.detector
            .scan_cells(part.text, cells, columns, &mut self.scratch, &mut out);
        assert!(out.windows(2).all(|w| w[0].start <= w[1].start), "ordered");
        for d in &out {
            let cell = part
                .cells
                .iter()
                .find(|c| c.range.start <= d.start && d.end <= c.range.end)
                .expect("each detection lies within one cell");
            let local = Detection {
                start: d.start - cell.range.start,
                end: d.end - cell.range.start,
                ..*d
            };
            let f = found(self.detector, &local, part.cell_text(cell), &cell.location);
            self.found.push(f);
        }
    }
    fn enter(&mut self, _: &str) {}
    fn leave(&mut self, _: Outcome) {}
}

/// Scans `path` both ways; returns the findings and the number of parts.
fn both_ways(detector: &Detector, path: &Path) -> (Vec<Found>, usize) {
    let cfg = ExtractConfig::default();
    let mut per_cell = PerCell {
        detector,
        scratch: Scratch::new(),
        found: Vec::new(),
    };
    let first = extract_file(path, &cfg, &mut per_cell);
    let mut batched = Batched {
        detector,
        scratch: Scratch::new(),
        columns: None,
        found: Vec::new(),
        parts: 0,
    };
    let second = extract_file(path, &cfg, &mut batched);
    assert_eq!(first, second, "{}", path.display());
    assert_eq!(
        per_cell.found.len(),
        batched.found.len(),
        "{}",
        path.display()
    );
    for (a, b) in per_cell.found.iter().zip(&batched.found) {
        assert_eq!(a, b, "{}", path.display());
    }
    (batched.found, batched.parts)
}

fn tables_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            tables_under(&path, out);
        } else if path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
            ["csv", "tsv", "xlsx", "xlsm", "xlsb", "xls", "ods", "zip"]
                .iter()
                .any(|t| e.eq_ignore_ascii_case(t))
        }) {
            out.push(path);
        }
    }
}

#[test]
fn every_fixture_table_scans_the_same_by_rows_and_by_cells() {
    let detector = Detector::new(RuleSet::builtin().unwrap(), None).unwrap();
    let mut tables = Vec::new();
    tables_under(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .as_path(),
        &mut tables,
    );
    assert!(tables.len() >= 20, "{tables:?}");
    let (mut findings, mut batched) = (0, Vec::new());
    for path in &tables {
        let (found, parts) = both_ways(&detector, path);
        findings += found.len();
        if parts > 0 {
            batched.push(path.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    assert!(findings >= 100, "{findings} findings");
    // Workbooks and a table inside an archive came as rows too.
    for name in [
        "customers.xlsx",
        "book.xls",
        "book.ods",
        "notion-export.zip",
    ] {
        assert!(
            batched.iter().any(|b| b == name),
            "{name} not in {batched:?}"
        );
    }
}

/// Nothing found spans two cells, column rules see their own cell whole
/// (`^...$`), and each cell gets its own column's header.
#[test]
fn cells_are_texts_of_their_own() {
    let detector = Detector::new(RuleSet::builtin().unwrap(), None).unwrap();
    let mut scratch = Scratch::new();
    let headers = ["card_number", "credit_score", "qty", "email"];
    let mut columns = detector.columns(&headers);
    let scan = |cells: &[(&str, usize)], columns: &mut Columns, scratch: &mut Scratch| {
        let mut text = String::new();
        let mut ranges = Vec::new();
        for (cell, column) in cells {
            ranges.push((text.len()..text.len() + cell.len(), *column));
            text.push_str(cell);
            text.push('\n');
        }
        let mut out = Vec::new();
        detector.scan_cells(&text, ranges, columns, scratch, &mut out);
        out.iter()
            .map(|d| {
                let rule = &detector.rules()[d.rule];
                (rule.category.clone(), text[d.start..d.end].to_string())
            })
            .collect::<Vec<_>>()
    };
    let card = "4916 1234 5678 9010";
    assert_eq!(
        scan(&[(card, 0)], &mut columns, &mut scratch),
        [("pii.payment_card".to_string(), card.to_string())]
    );
    // Halves of the card and of an address in neighbouring cells.
    assert!(scan(
        &[
            ("4916 1234", 0),
            ("5678 9010", 0),
            ("jane.doe@", 3),
            ("acme-corp.de", 3)
        ],
        &mut columns,
        &mut scratch
    )
    .is_empty());
    // A score counts under its header only, and only as the whole cell.
    assert_eq!(
        scan(
            &[("712", 2), ("712", 1), ("x 712", 1)],
            &mut columns,
            &mut scratch
        ),
        [("credit.score".to_string(), "712".to_string())]
    );
}

/// Cells made of pieces that stress the cell edges: keywords, digit runs,
/// `@`, separators and multi-byte characters at either end, column rules
/// (`^...$`) under matching headers, quoted cells with newlines, cells
/// longer than the literal pass's short-text limit, and enough rows for
/// several batches.
#[test]
fn random_tables_scan_the_same_by_rows_and_by_cells() {
    let detector = Detector::new(RuleSet::builtin().unwrap(), None).unwrap();
    let headers = [
        "customer_id",
        "full_name",
        "credit_score",
        "risk_band",
        "dti_ratio",
        "delinquencies_12m",
        "decision",
        "dob",
        "phone",
        "ssn",
        "Private Notes",
        "email",
        "card_number",
        "iban",
        "",
        "notes",
    ];
    let pieces = [
        "password=",
        "ghp_",
        "4556 7375",
        " 8689 9855",
        "4916 1234 5678 9010",
        "IBAN DE89 3704 0044 0532 0130 00",
        "DE89370400440532013000",
        "@",
        "jane.doe@acme-corp.de",
        "é",
        "€",
        "日本",
        "\"",
        "\n",
        " ",
        ":",
        "Customer: ",
        "Jürgen Weber",
        "0",
        "12",
        "712",
        "598",
        "536228765",
        "536-22-8765",
        "-",
        "/",
        "(",
        ")",
        "+49 171 9876543",
        "0171 9876543",
        "postgres://u:",
        "Internal note",
        "DOB: ",
        "15/03/1980",
        "1984-07-02",
        "xoxb-",
        "sk-ant-",
        ".",
        "credit score",
        "decline",
        "called twice - rude",
        "ssn",
        "card",
        "\t",
        ",",
        "0.47",
        "D",
        "passport",
        "C-40825",
    ];
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let dir = tempfile::tempdir().unwrap();
    for (t, delimiter) in [(0, ','), (1, '\t'), (2, ',')] {
        let columns = 3 + next(headers.len() - 3);
        let mut table = String::new();
        let header: Vec<&str> = (0..columns).map(|_| headers[next(headers.len())]).collect();
        table.push_str(&header.join(&delimiter.to_string()));
        table.push('\n');
        for _ in 0..1500 {
            for c in 0..columns {
                if c > 0 {
                    table.push(delimiter);
                }
                let mut cell = String::new();
                // Mostly short cells, a few past 256 bytes.
                let n = if next(40) == 0 { 40 } else { next(5) };
                for _ in 0..n {
                    cell.push_str(pieces[next(pieces.len())]);
                }
                if cell.contains([delimiter, '"', '\n']) {
                    table.push('"');
                    table.push_str(&cell.replace('"', "\"\""));
                    table.push('"');
                } else {
                    table.push_str(&cell);
                }
            }
            table.push_str(if next(3) == 0 { "\r\n" } else { "\n" });
        }
        let path = dir.path().join(format!(
            "t{t}.{}",
            if delimiter == ',' { "csv" } else { "tsv" }
        ));
        std::fs::write(&path, &table).unwrap();
        let (findings, parts) = both_ways(&detector, &path);
        assert!(findings.len() > 500, "{} findings", findings.len());
        assert!(parts > 2, "{parts} parts: several batches");
    }
}
