//! Throughput of each extractor on a generated input, in memory, one thread:
//! text, CSV, HTML, XLSX, DOCX and PDF. Inputs are built here from the same
//! generator as the detector bench (XLSX/DOCX as minimal OOXML packages
//! written with `zip`, PDF with `lopdf`), so the bench needs no files.
//! Throughput is counted in *input* bytes; each bench also checks once that
//! the extractor read the input and produced text.
//!
//! `cargo bench --bench extract`; `-- --quick` for a fast look.

#[allow(dead_code)] // shared with the detector bench, which uses every family
mod common;

use common::{Family, Gen, HEADER};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use kbscan::extract::{extract_bytes, ExtractConfig, Outcome, TextPart, Visitor};
use lopdf::content::{Content, Operation};
use lopdf::{dictionary, Document, Object, Stream};
use std::hint::black_box;
use std::io::Write;
use zip::write::SimpleFileOptions;

/// Counts the text it is given.
#[derive(Default)]
struct Count {
    bytes: usize,
}

impl Visitor for Count {
    fn text(&mut self, part: TextPart<'_>) {
        self.bytes += black_box(part.text).len();
    }
    fn enter(&mut self, _name: &str) {}
    fn leave(&mut self, _outcome: Outcome) {}
}

fn escape_xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn rows(n: usize) -> Vec<[String; 8]> {
    let mut gen = Gen::new(11);
    (0..n).map(|_| gen.row(Family::Mixed, 0.01)).collect()
}

fn csv_input(n: usize) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER).expect("csv header");
    for r in rows(n) {
        w.write_record(&r).expect("csv row");
    }
    w.into_inner().expect("csv flush")
}

fn html_input(bytes: usize) -> Vec<u8> {
    let text = Gen::new(12).text(bytes, Family::Mixed, 0.01);
    let mut out = String::from(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>KB</title>\
         <style>p { margin: 0 } .nav { display: flex }</style><script>var x = 1;</script></head>\
         <body><div class=\"nav\"><a href=\"/\">Home</a> | <a href=\"/kb\">Knowledge base</a></div>\n",
    );
    for line in text.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            out.push_str(&format!("<h2 id=\"s\">{}</h2>\n", escape_xml(h)));
        } else if !line.is_empty() {
            out.push_str(&format!(
                "<p class=\"body\"><span>{}</span></p>\n",
                escape_xml(line)
            ));
        }
    }
    out.push_str("</body></html>\n");
    out.into_bytes()
}

fn zip_package(parts: &[(&str, String)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, body) in parts {
        zip.start_file(*name, opts).expect("zip entry");
        zip.write_all(body.as_bytes()).expect("zip write");
    }
    zip.finish().expect("zip finish").into_inner()
}

const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#;

/// An OOXML package: the content types (`overrides`: `(part, content type)`),
/// the package relationship to the `main` part, then `parts`.
fn ooxml_package(overrides: &[(&str, &str)], main: &str, parts: Vec<(&str, String)>) -> Vec<u8> {
    let mut types = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
"#,
    );
    for (part, kind) in overrides {
        types.push_str(&format!(
            "<Override PartName=\"/{part}\" ContentType=\"application/vnd.openxmlformats-officedocument.{kind}\"/>\n"
        ));
    }
    types.push_str("</Types>");
    let rels = format!(
        r#"{RELS}<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="{main}"/></Relationships>"#
    );
    let mut all = vec![("[Content_Types].xml", types), ("_rels/.rels", rels)];
    all.extend(parts);
    zip_package(&all)
}

/// A one-sheet workbook with shared strings, as Excel writes it.
fn xlsx_input(n: usize) -> Vec<u8> {
    let mut strings: Vec<String> = Vec::new();
    let mut sheet = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    let header = HEADER.map(str::to_string);
    for (i, row) in std::iter::once(header).chain(rows(n)).enumerate() {
        sheet.push_str(&format!("<row r=\"{}\">", i + 1));
        for (c, cell) in row.iter().enumerate() {
            let r = format!("{}{}", (b'A' + c as u8) as char, i + 1);
            if i > 0 && (c == 0 || c == 4) {
                sheet.push_str(&format!("<c r=\"{r}\"><v>{cell}</v></c>"));
            } else {
                sheet.push_str(&format!(
                    "<c r=\"{r}\" t=\"s\"><v>{}</v></c>",
                    strings.len()
                ));
                strings.push(escape_xml(cell));
            }
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    let mut sst = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{0}" uniqueCount="{0}">"#,
        strings.len()
    );
    for s in &strings {
        sst.push_str(&format!("<si><t xml:space=\"preserve\">{s}</t></si>"));
    }
    sst.push_str("</sst>");
    ooxml_package(
        &[
            ("xl/workbook.xml", "spreadsheetml.sheet.main+xml"),
            ("xl/worksheets/sheet1.xml", "spreadsheetml.worksheet+xml"),
            ("xl/sharedStrings.xml", "spreadsheetml.sharedStrings+xml"),
        ],
        "xl/workbook.xml",
        vec![
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="Export" sheetId="1" r:id="rId1"/></sheets></workbook>"#
                .into(),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            format!(
                r#"{RELS}<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#
            ),
        ),
        ("xl/worksheets/sheet1.xml", sheet),
        ("xl/sharedStrings.xml", sst),
    ],
    )
}

/// A word-processing document: one paragraph per generated line.
fn docx_input(bytes: usize) -> Vec<u8> {
    let text = Gen::new(13).text(bytes, Family::Mixed, 0.01);
    let mut body = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>"#,
    );
    for line in text.lines().filter(|l| !l.is_empty()) {
        body.push_str(&format!(
            "<w:p><w:pPr><w:pStyle w:val=\"Normal\"/></w:pPr><w:r><w:rPr><w:lang w:val=\"en-US\"/></w:rPr>\
             <w:t xml:space=\"preserve\">{}</w:t></w:r></w:p>",
            escape_xml(line)
        ));
    }
    body.push_str("</w:body></w:document>");
    ooxml_package(
        &[("word/document.xml", "wordprocessingml.document.main+xml")],
        "word/document.xml",
        vec![("word/document.xml", body)],
    )
}

/// A text PDF: `pages` pages of 60 lines in Helvetica, one `Tj` per line.
fn pdf_input(pages: usize) -> Vec<u8> {
    let mut gen = Gen::new(14);
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica", "Encoding" => "WinAnsiEncoding",
    });
    let resources_id = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font_id } });
    let mut kids: Vec<Object> = Vec::new();
    for _ in 0..pages {
        let text = gen.text(60 * 80, Family::Mixed, 0.01);
        let mut ops = vec![
            Operation::new("BT", vec![]),
            Operation::new("Tf", vec!["F1".into(), 9.into()]),
            Operation::new("TL", vec![11.into()]),
            Operation::new("Td", vec![40.into(), 800.into()]),
        ];
        for line in text.lines().take(60) {
            ops.push(Operation::new("Tj", vec![Object::string_literal(line)]));
            ops.push(Operation::new("T*", vec![]));
        }
        ops.push(Operation::new("ET", vec![]));
        let content = Content { operations: ops }
            .encode()
            .expect("content encodes");
        let content_id = doc.add_object(Stream::new(dictionary! {}, content));
        kids.push(
            doc.add_object(
                dictionary! { "Type" => "Page", "Parent" => pages_id, "Contents" => content_id },
            )
            .into(),
        );
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => kids, "Count" => count, "Resources" => resources_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    doc.compress();
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("pdf saves");
    out
}

fn extractors(c: &mut Criterion) {
    let cfg = ExtractConfig::default();
    let inputs: Vec<(&str, Vec<u8>)> = vec![
        (
            "kb.txt",
            Gen::new(10).text(4 << 20, Family::Mixed, 0.01).into_bytes(),
        ),
        ("export.csv", csv_input(20_000)),
        ("page.html", html_input(1 << 20)),
        ("export.xlsx", xlsx_input(10_000)),
        ("handbook.docx", docx_input(1 << 20)),
        ("report.pdf", pdf_input(100)),
    ];
    let mut group = c.benchmark_group("extract");
    for (name, bytes) in &inputs {
        let mut check = Count::default();
        let outcome = extract_bytes(name, bytes, &cfg, &mut check);
        assert!(
            matches!(outcome, Outcome::Ok { .. }) && check.bytes > bytes.len() / 20,
            "{name}: {outcome:?}, {} bytes of text from {} input bytes",
            check.bytes,
            bytes.len()
        );
        eprintln!(
            "{name}: {} input bytes -> {} text bytes",
            bytes.len(),
            check.bytes
        );
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(*name, |b| {
            b.iter(|| {
                let mut v = Count::default();
                extract_bytes(name, black_box(bytes), &cfg, &mut v);
                v.bytes
            })
        });
    }
    group.finish();
}

criterion_group! { name = benches; config = common::criterion(10); targets = extractors }
criterion_main!(benches);
