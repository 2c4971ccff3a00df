//! Extraction tests: formats (`fixtures/formats/`), hostile inputs
//! (`fixtures/bad/`), and the shared sample corpus when present.

use super::*;

/// Records everything a visitor is told, with the contained-document path.
#[derive(Default)]
pub(crate) struct Collect {
    pub parts: Vec<(String, String, Location, Option<String>)>,
    pub left: Vec<(String, Outcome)>,
    stack: Vec<String>,
}

impl Visitor for Collect {
    fn text(&mut self, part: TextPart<'_>) {
        let path = self.stack.join("!/");
        self.parts.push((
            path,
            part.text.to_owned(),
            part.location,
            part.context.map(str::to_owned),
        ));
    }
    fn enter(&mut self, name: &str) {
        self.stack.push(name.to_owned());
    }
    fn leave(&mut self, outcome: Outcome) {
        let path = self.stack.join("!/");
        self.stack.pop();
        self.left.push((path, outcome));
    }
}

impl Collect {
    pub fn all_text(&self) -> String {
        self.parts
            .iter()
            .map(|p| p.1.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

pub(crate) fn run_bytes(name: &str, bytes: &[u8]) -> (Outcome, Collect) {
    let mut c = Collect::default();
    let o = extract_bytes(name, bytes, &ExtractConfig::default(), &mut c);
    (o, c)
}

/// Every file under `../shared/samples` (when present) ends as Ok, Skipped
/// or a clear error within the timeout; a panic may only come from a
/// third-party parser (caught), never from this module.
#[test]
fn shared_samples_end_cleanly() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples");
    if !root.is_dir() {
        eprintln!("skipped: {} not present", root.display());
        return;
    }
    let mut files = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else {
                files.push(p);
            }
        }
    }
    files.sort();
    let mut cfg = ExtractConfig::default();
    cfg.budgets.timeout = std::time::Duration::from_secs(30);
    for path in files {
        let mut c = Collect::default();
        let start = std::time::Instant::now();
        let r = extract_file(&path, &cfg, &mut c);
        let chars: usize = c.parts.iter().map(|p| p.1.len()).sum();
        eprintln!(
            "{:<55} {:>6}ms {:>9} chars {:>4} members  {:?}",
            path.strip_prefix(&root).unwrap().display(),
            start.elapsed().as_millis(),
            chars,
            c.left.len(),
            r.outcome
        );
        assert!(start.elapsed() < cfg.budgets.timeout + std::time::Duration::from_secs(5));
        if let Outcome::Error(ExtractError::Panic(msg)) = &r.outcome {
            assert!(
                !msg.contains("src/extract"),
                "{}: our own panic: {msg}",
                path.display()
            );
        }
        assert_eq!(
            r.content_hash.is_some(),
            !matches!(r.outcome, Outcome::Error(ExtractError::Timeout))
        );
    }
}

fn fixture(dir: &str, name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(dir)
        .join(name)
}

fn run_file_with(dir: &str, name: &str, cfg: &ExtractConfig) -> (FileResult, Collect) {
    let mut c = Collect::default();
    let r = extract_file(&fixture(dir, name), cfg, &mut c);
    assert!(c.stack.is_empty(), "{name}: enter/leave unbalanced");
    (r, c)
}

fn run_file(dir: &str, name: &str) -> (Outcome, Collect) {
    let (r, c) = run_file_with(dir, name, &ExtractConfig::default());
    (r.outcome, c)
}

fn ok() -> Outcome {
    Outcome::Ok { notes: vec![] }
}

/// The part at `location` in contained document `path` ("" = top level).
fn part_at<'c>(c: &'c Collect, path: &str, location: &Location) -> &'c str {
    c.parts
        .iter()
        .find(|p| p.0 == path && &p.2 == location)
        .map(|p| p.1.as_str())
        .unwrap_or_else(|| panic!("no part at {path} {location:?}: {:#?}", c.parts))
}

fn left(c: &Collect, path: &str) -> Outcome {
    c.left
        .iter()
        .find(|l| l.0 == path)
        .map(|l| l.1.clone())
        .unwrap_or_else(|| panic!("{path} not left: {:?}", c.left))
}

fn section(name: &str) -> Location {
    Location::Section { name: name.into() }
}

fn cell(sheet: &str, cell: &str) -> Location {
    Location::Cell {
        sheet: sheet.into(),
        cell: cell.into(),
    }
}

// ------------------------------------------------------------------ text

#[test]
fn text_encodings() {
    let (o, c) = run_bytes("a.txt", "hello\nwörld\n".as_bytes());
    assert_eq!(o, ok());
    assert_eq!(c.all_text(), "hello\nwörld\n");
    // UTF-8 BOM, UTF-16 with and without BOM, UTF-32 with BOM, cp1252.
    let text = "Name: Jürgen Ça, card on file\n";
    let mut utf16le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let (_, c) = run_bytes("le.txt", &utf16le);
    assert_eq!(c.all_text(), text, "BOM-less UTF-16LE");
    let be: Vec<u8> = [0xFE, 0xFF]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
        .collect();
    assert_eq!(run_bytes("be.txt", &be).1.all_text(), text, "UTF-16BE BOM");
    let bomless_be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    assert_eq!(
        run_bytes("be2.txt", &bomless_be).1.all_text(),
        text,
        "BOM-less UTF-16BE"
    );
    utf16le.splice(0..0, [0xFF, 0xFE]);
    assert_eq!(
        run_bytes("le2.txt", &utf16le).1.all_text(),
        text,
        "UTF-16LE BOM"
    );
    let utf32: Vec<u8> = [0xFF, 0xFE, 0, 0]
        .into_iter()
        .chain(text.chars().flat_map(|ch| (ch as u32).to_le_bytes()))
        .collect();
    assert_eq!(
        run_bytes("u32.txt", &utf32).1.all_text(),
        text,
        "UTF-32LE BOM"
    );
    let bom8: Vec<u8> = b"\xEF\xBB\xBF"
        .iter()
        .copied()
        .chain(text.bytes())
        .collect();
    assert_eq!(run_bytes("b8.txt", &bom8).1.all_text(), text, "UTF-8 BOM");
    let (cp1252, _, _) =
        encoding_rs::WINDOWS_1252.encode("Café crème für Björn, naïve résumé déjà vu\n");
    assert_eq!(
        run_bytes("w.txt", &cp1252).1.all_text(),
        "Café crème für Björn, naïve résumé déjà vu\n"
    );
}

#[test]
fn binary_is_skipped() {
    let mut bytes = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00".repeat(64);
    bytes.extend_from_slice(&[0u8; 512]);
    assert_eq!(
        run_bytes("tool.txt", &bytes).0,
        Outcome::Skipped("binary".into())
    );
    assert_eq!(
        run_bytes("p.txt", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").0,
        Outcome::Skipped("binary".into())
    );
}

/// A match straddling a chunk edge is owned by exactly one chunk, and its
/// location is exact.
#[test]
fn chunks_overlap_and_report_once() {
    let cfg = ExtractConfig {
        chunk_size: 4096,
        chunk_overlap: 256,
        ..ExtractConfig::default()
    };
    let mut text = String::new();
    let mut expected = Vec::new();
    for i in 0..2000 {
        if i % 97 == 0 {
            expected.push((text.len(), i + 1));
            text.push_str("TOKEN-4711");
        }
        text.push_str(&format!("line {i} with some padding text\n"));
    }
    let mut c = Collect::default();
    assert_eq!(
        extract_bytes("big.log", text.as_bytes(), &cfg, &mut c),
        ok()
    );
    assert!(c.parts.len() > 10, "chunked: {}", c.parts.len());
    // Re-run to collect report ranges (the Collect visitor drops them).
    struct Ranges(Vec<(String, Location, std::ops::Range<usize>)>);
    impl Visitor for Ranges {
        fn text(&mut self, p: TextPart<'_>) {
            self.0.push((p.text.to_owned(), p.location, p.report));
        }
        fn enter(&mut self, _: &str) {}
        fn leave(&mut self, _: Outcome) {}
    }
    let mut r = Ranges(Vec::new());
    extract_bytes("big.log", text.as_bytes(), &cfg, &mut r);
    let mut found = Vec::new();
    for (chunk, loc, report) in &r.0 {
        assert!(
            chunk.len() <= cfg.chunk_size + 4,
            "chunk bounded: {}",
            chunk.len()
        );
        for (at, _) in chunk.match_indices("TOKEN-4711") {
            if report.contains(&at) {
                match loc.at(chunk, at) {
                    Location::Line { line, byte } => found.push((byte as usize, line as usize)),
                    other => panic!("{other:?}"),
                }
            }
        }
    }
    found.sort();
    assert_eq!(found, expected);
}

#[test]
fn csv_cells_carry_their_header() {
    let (o, c) = run_file("formats", "customers.csv");
    assert_eq!(o, ok());
    let ssn = c
        .parts
        .iter()
        .find(|p| p.1 == "078-05-1120")
        .expect("ssn cell");
    assert_eq!(ssn.3.as_deref(), Some("ssn"));
    assert_eq!(ssn.2, Location::Line { line: 2, byte: 22 });
    let multi = c
        .parts
        .iter()
        .find(|p| p.1.starts_with("said"))
        .expect("quoted cell");
    assert_eq!(multi.1, "said \"call me, later\"\nsecond line");
    assert_eq!(
        (multi.2.clone(), multi.3.as_deref()),
        (Location::Line { line: 3, byte: 79 }, Some("notes"))
    );
    let (_, c) = run_file("formats", "customers.tsv");
    let iban = c
        .parts
        .iter()
        .find(|p| p.1.starts_with("DE89"))
        .expect("iban");
    assert_eq!(iban.3.as_deref(), Some("iban"));
}

#[test]
fn csv_giant_field_is_bounded() {
    let cfg = ExtractConfig {
        chunk_size: 4096,
        chunk_overlap: 256,
        ..ExtractConfig::default()
    };
    let mut csv = String::from("h1,h2\n\"");
    csv.push_str(&"x".repeat(100_000));
    csv.push_str("\",tail\n");
    let mut c = Collect::default();
    assert_eq!(extract_bytes("g.csv", csv.as_bytes(), &cfg, &mut c), ok());
    assert!(c.parts.iter().all(|p| p.1.len() <= 4096));
    assert_eq!(
        c.parts
            .iter()
            .filter(|p| p.3.as_deref() == Some("h1"))
            .map(|p| p.1.len())
            .sum::<usize>(),
        100_000
    );
    assert!(c
        .parts
        .iter()
        .any(|p| p.1 == "tail" && p.3.as_deref() == Some("h2")));
}

#[test]
fn html_and_xml() {
    let (o, c) = run_file("formats", "page.html");
    assert_eq!(o, ok());
    let text = c.all_text();
    assert!(
        text.contains("Title") && text.contains("Café & bar: Jane\u{a0}Roe"),
        "{text:?}"
    );
    assert!(
        !text.contains("secret") && !text.contains("color"),
        "script/style dropped: {text:?}"
    );
    let (o, c) = run_file("formats", "data.xml");
    assert_eq!(o, ok());
    assert_eq!(c.all_text(), "7 x@example.com Jane & Roe\nraw <text>\n");
}

// ------------------------------------------------------------------ pdf

#[test]
fn pdf_pages_and_form_xobjects() {
    let (o, c) = run_file("formats", "letter.pdf");
    assert_eq!(o, ok());
    assert_eq!(
        part_at(&c, "", &Location::Page { page: 1, line: 1 }),
        "Dear Jane Roe,\nyour account number is 12345678.\n"
    );
    assert_eq!(
        part_at(&c, "", &Location::Page { page: 2, line: 1 }),
        "Text inside a form XObject\n"
    );
}

#[test]
fn pdf_annotations_and_form_fields() {
    let (o, c) = run_file("formats", "form.pdf");
    assert_eq!(o, ok());
    assert!(part_at(&c, "", &Location::Page { page: 1, line: 1 }).contains("Loan application"));
    let note = Location::Comment {
        author: "Risk Officer".into(),
    };
    assert_eq!(
        part_at(&c, "", &note),
        "Applicant has two defaults - do not approve"
    );
    let field = c
        .parts
        .iter()
        .find(|p| p.2 == section("form field applicant_ssn"))
        .expect("form field");
    assert_eq!(
        (field.1.as_str(), field.3.as_deref()),
        ("078-05-1120", Some("applicant_ssn"))
    );
}

// ------------------------------------------------------------------ sheets

#[test]
fn spreadsheets_read_like_a_person() {
    for (file, bool_true) in [
        ("book.xlsx", "TRUE"),
        ("book.xls", "TRUE"),
        ("book.ods", "1"),
    ] {
        let (o, c) = run_file("formats", file);
        assert_eq!(o, ok(), "{file}");
        assert_eq!(
            part_at(&c, "", &cell("Customers", "B2")),
            "1234567890123456",
            "{file}"
        );
        assert_eq!(
            part_at(&c, "", &cell("Customers", "C2")),
            "1500.5",
            "{file}"
        );
        assert_eq!(part_at(&c, "", &cell("Customers", "C3")), "0.3", "{file}");
        assert_eq!(
            part_at(&c, "", &cell("Customers", "D2")),
            "1980-05-17",
            "{file}"
        );
        assert_eq!(
            part_at(&c, "", &cell("Customers", "E2")),
            bool_true,
            "{file}"
        );
        assert_eq!(
            part_at(&c, "", &cell("Notes", "B3")),
            "free text in B3",
            "{file}"
        );
        let jane = c.parts.iter().find(|p| p.1 == "Jane Roe").unwrap();
        assert_eq!(jane.3.as_deref(), Some("name"), "{file}: header as context");
    }
    let (_, c) = run_file("formats", "book.xlsx");
    let note = Location::Comment {
        author: "Credit Analyst".into(),
    };
    assert!(part_at(&c, "", &note).contains("Late payer twice, watch closely"));
}

// ------------------------------------------------------------------ office

#[test]
fn docx_and_odt_parts() {
    for file in ["report.docx", "report.odt"] {
        let (o, c) = run_file("formats", file);
        assert_eq!(o, ok(), "{file}");
        assert_eq!(
            part_at(&c, "", &Location::Paragraph { n: 1 }),
            "Customer Jane Roe asked about her loan."
        );
        assert_eq!(
            part_at(&c, "", &Location::Paragraph { n: 3 }),
            "Risk note: high risk of default"
        );
        assert_eq!(
            part_at(&c, "", &Location::Paragraph { n: 7 }),
            "612",
            "{file}: table cell"
        );
        assert_eq!(
            part_at(&c, "", &section("tracked deletion by Alex Editor")),
            "old account 4711"
        );
        assert_eq!(
            part_at(
                &c,
                "",
                &Location::Comment {
                    author: "Sam Reviewer".into()
                }
            ),
            "Do not share with the customer"
        );
        assert_eq!(
            part_at(&c, "", &section("header")),
            "CONFIDENTIAL - internal use only"
        );
        assert_eq!(
            part_at(&c, "", &section("footer")),
            "Page footer: Acme Lending"
        );
    }
}

#[test]
fn embedded_objects_are_contained() {
    let (o, c) = run_file("formats", "embedded.docx");
    assert_eq!(o, ok());
    let name = "word/embeddings/Microsoft_Excel_Worksheet.xlsx";
    assert_eq!(left(&c, name), ok());
    assert_eq!(
        part_at(&c, name, &cell("Customers", "B2")),
        "1234567890123456"
    );
    assert_eq!(
        part_at(&c, "", &Location::Paragraph { n: 1 }),
        "Customer Jane Roe asked about her loan."
    );
}

#[test]
fn legacy_doc_and_rtf() {
    let (o, c) = run_file("formats", "report.doc");
    assert_eq!(o, ok());
    assert_eq!(
        part_at(&c, "", &Location::Paragraph { n: 1 }),
        "Customer Jane Roe asked about her loan."
    );
    assert!(part_at(&c, "", &section("comments")).contains("Do not share with the customer"));
    assert!(part_at(&c, "", &section("header")).contains("CONFIDENTIAL"));
    let (o, c) = run_file("formats", "report.rtf");
    assert_eq!(o, ok());
    let text = c.all_text();
    for want in [
        "CONFIDENTIAL - internal use only",
        "Customer Jane Roe asked about her loan.",
        "Score\t612",
    ] {
        assert!(text.contains(want), "{want}: {text:?}");
    }
    assert!(
        !text.contains("Times New Roman") && !text.contains("\\"),
        "no control words: {text:?}"
    );
}

#[test]
fn presentations_slides_and_notes() {
    for file in ["deck.pptx", "deck.odp", "deck.ppt"] {
        let (o, c) = run_file("formats", file);
        assert_eq!(o, ok(), "{file}");
        assert_eq!(
            part_at(&c, "", &Location::Slide { n: 1, part: None }),
            "Quarterly review\nChurn is down",
            "{file}"
        );
        assert_eq!(
            part_at(&c, "", &Location::Slide { n: 2, part: None }),
            "Second slide",
            "{file}"
        );
        let notes = part_at(
            &c,
            "",
            &Location::Slide {
                n: 1,
                part: Some("notes".into()),
            },
        );
        assert!(
            notes.starts_with("Speaker only: customer Jane Roe complained"),
            "{file}: {notes:?}"
        );
    }
}

// ------------------------------------------------------------------ email

#[test]
fn eml_headers_bodies_attachments() {
    let (o, c) = run_file("formats", "message.eml");
    assert_eq!(o, ok());
    assert_eq!(
        part_at(&c, "", &section("From")),
        "Jane Roe <jane.roe@example.com>"
    );
    assert_eq!(
        part_at(&c, "", &section("To")),
        "Support Desk <desk@example.org>, bob@example.org"
    );
    assert_eq!(part_at(&c, "", &section("Cc")), "carol@example.net");
    assert_eq!(
        part_at(&c, "", &section("Subject")),
        "Question about my loan"
    );
    assert!(c
        .parts
        .iter()
        .any(|p| p.0.is_empty() && p.1.contains("my phone is 555-0100")));
    assert_eq!(left(&c, "amounts.csv"), ok());
    assert!(c
        .parts
        .iter()
        .any(|p| p.0 == "amounts.csv" && p.1 == "Jane Roe" && p.3.as_deref() == Some("name")));
    assert_eq!(
        part_at(&c, "forwarded.eml", &section("Subject")),
        "Forwarded detail"
    );
}

#[test]
fn mbox_messages_are_contained() {
    let (o, c) = run_file("formats", "box.mbox");
    assert_eq!(o, ok());
    assert_eq!(
        c.left.iter().map(|l| l.0.as_str()).collect::<Vec<_>>(),
        ["1-First note", "2-Second note"]
    );
    let body = c
        .parts
        .iter()
        .find(|p| p.0 == "2-Second note" && p.1.starts_with("Body 1"))
        .unwrap();
    assert!(
        body.1.contains("\nFrom the desk"),
        "mboxrd >From unquoted: {:?}",
        body.1
    );
}

#[test]
fn msg_with_attachments() {
    let (o, c) = run_file("formats", "tika-att-doc.msg");
    assert_eq!(o, ok());
    assert_eq!(part_at(&c, "", &section("Subject")), "test pièce jointe 1");
    assert!(part_at(&c, "", &section("From")).contains("nicolas1.23456@free.fr"));
    assert_eq!(left(&c, "test-unicode.doc"), ok());
    assert_eq!(
        part_at(&c, "test-unicode.doc", &Location::Paragraph { n: 3 }),
        "euro : € (20AC)"
    );
    assert_eq!(left(&c, "pj1.txt"), ok());
}

// ------------------------------------------------------------------ archives

#[test]
fn zip_export_with_nesting() {
    let (o, c) = run_file("formats", "export.zip");
    assert_eq!(o, ok());
    let names: Vec<&str> = c.left.iter().map(|l| l.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "space/Home.md",
            "space/attachments/logo.png",
            "space/old-export.zip!/deep/c.txt",
            "space/old-export.zip",
            "space/report.docx"
        ]
    );
    assert_eq!(
        left(&c, "space/attachments/logo.png"),
        Outcome::Skipped("binary".into())
    );
    assert_eq!(
        part_at(
            &c,
            "space/old-export.zip!/deep/c.txt",
            &Location::Line { line: 1, byte: 0 }
        ),
        "nested text\n"
    );
    assert_eq!(
        part_at(&c, "space/report.docx", &Location::Paragraph { n: 7 }),
        "612"
    );
}

#[test]
fn tar_gz_and_plain_gz() {
    let (o, c) = run_file("formats", "logs.tar.gz");
    assert_eq!(o, ok());
    assert_eq!(
        c.left.iter().map(|l| l.0.as_str()).collect::<Vec<_>>(),
        ["logs/app.log", "logs/notes.csv"]
    );
    assert!(c
        .parts
        .iter()
        .any(|p| p.0 == "logs/notes.csv" && p.1 == "Jane" && p.3.as_deref() == Some("v")));
    let (o, c) = run_file("formats", "app.log.gz");
    assert_eq!(o, ok());
    assert!(c.left.is_empty(), "a .gz payload is the same document");
    assert_eq!(c.all_text(), "line one\nuser jane logged in\n");
}

#[test]
fn file_hash_is_blake3_of_raw_bytes() {
    let path = fixture("formats", "report.docx");
    let r = extract_file(&path, &ExtractConfig::default(), &mut Collect::default());
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(
        r.content_hash,
        Some(blake3::hash(&bytes).to_hex().to_string())
    );
    assert_eq!(r.bytes_read, bytes.len() as u64);
    // Also when the extractor stops early (binary skipped after the head).
    let path = fixture("bad", "random.dat");
    let r = extract_file(&path, &ExtractConfig::default(), &mut Collect::default());
    assert_eq!(
        r.content_hash,
        Some(
            blake3::hash(&std::fs::read(&path).unwrap())
                .to_hex()
                .to_string()
        )
    );
    let r = extract_file(
        std::path::Path::new("/nonexistent/kbscan"),
        &ExtractConfig::default(),
        &mut Collect::default(),
    );
    assert!(matches!(r.outcome, Outcome::Error(ExtractError::Io(_))));
}

// ------------------------------------------------------------------ hostile

#[test]
fn corrupt_and_truncated() {
    let corrupt = |name: &str, prefix: &str| {
        let (o, _) = run_file("bad", name);
        match o {
            Outcome::Error(ExtractError::Corrupt(m)) => {
                assert!(m.starts_with(prefix), "{name}: {m}")
            }
            other => panic!("{name}: {other:?}"),
        }
    };
    corrupt("truncated.pdf", "pdf:");
    corrupt("corrupt.pdf", "pdf:");
    corrupt(
        "truncated.docx",
        "zip: invalid Zip archive: Could not find EOCD",
    );
    corrupt("corrupt.xlsx", "spreadsheet:");
    corrupt("truncated.zip", "zip:");
}

#[test]
fn wrong_extension_empty_random() {
    let (o, c) = run_file("bad", "really-a-pdf.docx");
    assert_eq!(o, ok());
    assert!(
        part_at(&c, "", &Location::Page { page: 1, line: 1 }).contains("This docx is really a PDF")
    );
    let (o, c) = run_file("bad", "really-a-zip.txt");
    assert_eq!(o, ok());
    assert_eq!(left(&c, "inside.md"), ok());
    assert_eq!(
        run_file("bad", "empty.txt").0,
        Outcome::Ok {
            notes: vec!["no-text".into()]
        }
    );
    assert_eq!(
        run_file("bad", "random.dat").0,
        Outcome::Skipped("binary".into())
    );
}

#[test]
fn bombs_trip_budgets() {
    let (o, c) = run_file("bad", "bomb-nested.zip");
    assert_eq!(o, Outcome::Error(ExtractError::Budget("ratio")));
    assert_eq!(
        left(&c, "inner.zip"),
        Outcome::Error(ExtractError::Budget("ratio"))
    );
    assert_eq!(
        run_file("bad", "bomb-ratio.zip").0,
        Outcome::Error(ExtractError::Budget("ratio"))
    );
    assert_eq!(
        run_file("bad", "bomb.gz").0,
        Outcome::Error(ExtractError::Budget("ratio"))
    );
    // Each member is fine; their sum is not.
    let mut cfg = ExtractConfig::default();
    cfg.budgets.max_expanded_bytes = 64 << 10;
    let (r, _) = run_file_with("bad", "expanded.zip", &cfg);
    assert_eq!(
        r.outcome,
        Outcome::Error(ExtractError::Budget("expanded-bytes"))
    );
    assert_eq!(run_file("bad", "expanded.zip").0, ok());
    // A PDF content stream that inflates past the member budget.
    let mut cfg = ExtractConfig::default();
    cfg.budgets.max_member_size = 1 << 20;
    let (r, _) = run_file_with("bad", "pdf-stream-bomb.pdf", &cfg);
    assert_eq!(
        r.outcome,
        Outcome::Error(ExtractError::Budget("member-size"))
    );
    // A non-text member larger than the member budget.
    let mut cfg = ExtractConfig::default();
    cfg.budgets.max_member_size = 100;
    let (r, c) = run_file_with("formats", "export.zip", &cfg);
    assert_eq!(
        r.outcome,
        Outcome::Error(ExtractError::Budget("member-size"))
    );
    assert_eq!(
        left(&c, "space/Home.md"),
        ok(),
        "text members stream whatever their size"
    );
}

/// Found by `cargo fuzz` (target `ole`): calamine would allocate the whole
/// used area of an xls sheet, 137 GB here, and abort.
#[test]
fn xls_huge_area_is_refused() {
    assert_eq!(
        run_file("bad", "fuzz-xls-huge-area.xls").0,
        Outcome::Error(ExtractError::Budget("cells"))
    );
    assert_eq!(run_file("formats", "book.xls").0, ok());
}

#[test]
fn nesting_trips_depth() {
    let (o, c) = run_file("bad", "nested-12.zip");
    assert_eq!(o, Outcome::Error(ExtractError::Budget("depth")));
    let max = ExtractConfig::default().budgets.max_depth as usize;
    assert_eq!(
        c.left.len(),
        max + 1,
        "levels 1..=max read, the next refused"
    );
    assert_eq!(c.left[0].0.matches("!/").count(), max);
    assert_eq!(
        run_file("bad", "nested-12.txt.gz").0,
        Outcome::Error(ExtractError::Budget("depth"))
    );
}

#[test]
fn entries_budget() {
    let mut cfg = ExtractConfig::default();
    cfg.budgets.max_entries = 1000;
    let (r, _) = run_file_with("bad", "many-members.zip.gz", &cfg);
    assert_eq!(r.outcome, Outcome::Error(ExtractError::Budget("entries")));
    let (o, c) = run_file("bad", "many-members.zip.gz");
    assert_eq!((o, c.left.len()), (ok(), 1001));
    // 100,001 messages: over the default budget (ratio lifted: the
    // synthetic mailbox is far more repetitive than real mail).
    let mut cfg = ExtractConfig::default();
    cfg.budgets.max_ratio = u64::MAX;
    let (r, c) = run_file_with("bad", "many-messages.mbox.gz", &cfg);
    assert_eq!(r.outcome, Outcome::Error(ExtractError::Budget("entries")));
    assert_eq!(c.left.len(), 100_000);
}

#[test]
fn hostile_member_names_are_neutralised() {
    let (o, c) = run_file("bad", "path-tricks.zip");
    assert_eq!(o, ok());
    let names: Vec<&str> = c.left.iter().map(|l| l.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "etc/passwd",
            "abs/root.txt",
            "C:/Windows/evil.txt",
            "nul%00byte.txt",
            "esc%1B[31mred.txt",
            "fake%21/nesting.txt",
            "dots.txt",
            "a/b.txt"
        ]
    );
    assert_eq!(dispatch::safe_name(""), "unnamed");
    assert_eq!(dispatch::safe_name("../.."), "unnamed");
    assert!(dispatch::safe_name(&"a".repeat(5000)).len() < 600);
}

#[test]
fn encrypted_inputs() {
    let (o, c) = run_file("bad", "encrypted.zip");
    assert_eq!(
        o,
        Outcome::Ok {
            notes: vec!["partial: encrypted member".into()]
        }
    );
    assert_eq!(
        left(&c, "secret.txt"),
        Outcome::Error(ExtractError::Encrypted)
    );
    assert_eq!(
        run_file("bad", "encrypted.pdf").0,
        Outcome::Error(ExtractError::Encrypted)
    );
    assert_eq!(
        run_file("bad", "encrypted.docx").0,
        Outcome::Error(ExtractError::Encrypted)
    );
}

#[test]
fn pdf_form_cycle_and_xml_entities_terminate() {
    let (o, c) = run_file("bad", "form-cycle.pdf");
    assert_eq!(o, ok());
    assert_eq!(c.all_text().matches("loop form text").count(), 1);
    let (o, c) = run_file("bad", "laughs.xml");
    assert_eq!(o, ok());
    assert!(c.all_text().len() < 1024, "entities are not expanded");
}

#[test]
fn timeout_closes_open_documents() {
    let mut cfg = ExtractConfig::default();
    cfg.budgets.max_ratio = u64::MAX;
    cfg.budgets.timeout = std::time::Duration::from_millis(50);
    let start = std::time::Instant::now();
    let (r, c) = run_file_with("bad", "many-messages.mbox.gz", &cfg);
    assert!(start.elapsed() < std::time::Duration::from_secs(2));
    assert_eq!(r.outcome, Outcome::Error(ExtractError::Timeout));
    assert_eq!(r.content_hash, None);
    assert!(c.left.len() < 100_000);
}

#[test]
fn panics_are_caught_quietly() {
    let e = worker::guard(|| -> u8 { panic!("boom") }).unwrap_err();
    match e {
        ExtractError::Panic(m) => {
            assert!(m.starts_with("boom at ") && m.contains("tests.rs"), "{m}")
        }
        other => panic!("{other:?}"),
    }
}
