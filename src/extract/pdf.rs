//! PDF text with lopdf, page by page (`Location::Page`).
//!
//! lopdf's own `extract_text` ignores Form XObjects (whole pages of some
//! generators are one form, which then reads as empty) and puts no line
//! structure in. So pages are read by our own walker over lopdf's public
//! API: it decodes the content stream, follows `Do` into Form XObjects
//! (depth limit, visited set), writes a newline on `T*`, `'`, `"`, `ET` and
//! on `Td`/`TD`/`Tm` moves to another line, a space on same-line moves past
//! the estimated end of the text shown so far and on large negative `TJ`
//! offsets. When the walker fails or finds nothing on a page, lopdf's
//! `extract_text` is tried for that page.
//!
//! Reviewers' annotations (sticky notes, free text, markup with a comment)
//! are `Comment { author }` parts (author from `/T`), in page order after the
//! page's text. Filled form fields are `Section "form field <name>"` parts
//! with the field's name as `context`, so `ssn` next to a value counts.
//!
//! Encryption: lopdf opens owner-password-only files and files with an
//! empty user password transparently. A file that stays encrypted (it loads
//! with zero pages) is `Error(Encrypted)`, never a silently clean document.
//! Every stream is decompressed with a cap (`max_member_size`) and charged
//! to the file's expanded-bytes budget.

use super::dispatch::{Ctx, Res};
use super::{ExtractError, Location, TextPart, Visitor, NO_TEXT};
use lopdf::content::Content;
use lopdf::{Dictionary, Document, Encoding, LoadOptions, Object, ObjectId};
use std::collections::{BTreeMap, HashSet};

/// Form XObjects nested deeper than this are not followed.
const MAX_FORM_DEPTH: u32 = 12;
/// TJ offsets (thousandths of an em) below this are word gaps.
const TJ_SPACE: f32 = -120.0;
/// Average glyph width in ems, to estimate where shown text ends.
const AVG_GLYPH_EM: f32 = 0.5;

pub(crate) fn extract(ctx: &Ctx, bytes: &[u8], v: &mut dyn Visitor) -> Res<Vec<String>> {
    let limit = ctx.budgets().max_member_size as usize;
    let options = LoadOptions {
        max_decompressed_size: Some(limit),
        ..LoadOptions::default()
    };
    let doc = Document::load_mem_with_options(bytes, options).map_err(load_error)?;
    let pages = doc.get_pages();
    if doc.is_encrypted() && (pages.is_empty() || !doc.was_encrypted()) {
        return Err(ExtractError::Encrypted);
    }
    if pages.is_empty() {
        return Err(ExtractError::Corrupt("pdf: no pages".into()));
    }
    let mut saw_text = false;
    let mut failed = 0usize;
    let mut first_error = None;
    for (&number, &page_id) in &pages {
        ctx.check()?;
        let mut walker = Walker {
            doc: &doc,
            ctx,
            limit,
            used: 0,
            out: String::new(),
            visited: HashSet::new(),
        };
        let walked = walker.page(page_id);
        if let Err(e @ (ExtractError::Timeout | ExtractError::Budget(_))) = &walked {
            return Err(e.clone());
        }
        let mut text = walker.out;
        if walked.is_err() || text.trim().is_empty() {
            match doc.extract_text_with_limit(&[number], limit) {
                Ok(t) => text = t,
                Err(e) => {
                    if let Err(walk_error) = walked {
                        failed += 1;
                        first_error.get_or_insert_with(|| format!("{walk_error}; {e}"));
                        continue;
                    }
                }
            }
        }
        if !text.trim().is_empty() {
            saw_text = true;
            v.text(TextPart::new(
                &text,
                Location::Page {
                    page: number,
                    line: 1,
                },
            ));
        }
        saw_text |= annotations(&doc, page_id, v);
    }
    saw_text |= form_fields(ctx, &doc, v)?;
    if failed == pages.len() {
        return Err(ExtractError::Corrupt(format!(
            "pdf: {}",
            first_error.unwrap_or_default()
        )));
    }
    let mut notes = Vec::new();
    if failed > 0 {
        notes.push(format!(
            "partial: {failed} of {} pages unreadable",
            pages.len()
        ));
    }
    if !saw_text {
        notes.push(NO_TEXT.into());
    }
    Ok(notes)
}

/// A text string of a dictionary entry (PDFDocEncoding or UTF-16/UTF-8).
fn text_entry(doc: &Document, dict: &Dictionary, key: &[u8]) -> Option<String> {
    let obj = dict.get_deref(key, doc).ok()?;
    let text = match obj {
        Object::Name(n) => String::from_utf8_lossy(n).into_owned(),
        other => lopdf::decode_text_string(other).ok()?,
    };
    (!text.trim().is_empty()).then_some(text)
}

/// The comments of a page's annotations; returns whether there were any.
fn annotations(doc: &Document, page_id: ObjectId, v: &mut dyn Visitor) -> bool {
    let Ok(annots) = doc.get_page_annotations(page_id) else {
        return false;
    };
    let mut saw = false;
    for annot in annots {
        let subtype = annot
            .get(b"Subtype")
            .and_then(Object::as_name)
            .unwrap_or(b"");
        // Popups repeat their parent's text; links and widgets have none.
        if matches!(subtype, b"Popup" | b"Link" | b"Widget") {
            continue;
        }
        let Some(text) = text_entry(doc, annot, b"Contents") else {
            continue;
        };
        let author = text_entry(doc, annot, b"T").unwrap_or_else(|| "unknown".into());
        v.text(TextPart::new(&text, Location::Comment { author }));
        saw = true;
    }
    saw
}

/// Most form fields read (a form is small; this bounds a hostile tree).
const MAX_FIELDS: usize = 100_000;

/// Filled AcroForm fields, with their (qualified) names as context.
fn form_fields(ctx: &Ctx, doc: &Document, v: &mut dyn Visitor) -> Res<bool> {
    let Some(form) = doc
        .catalog()
        .ok()
        .and_then(|c| c.get_deref(b"AcroForm", doc).ok())
        .and_then(|o| o.as_dict().ok())
    else {
        return Ok(false);
    };
    let Ok(fields) = form.get_deref(b"Fields", doc).and_then(Object::as_array) else {
        return Ok(false);
    };
    let mut stack: Vec<(&Object, String, u32)> =
        fields.iter().map(|f| (f, String::new(), 0)).collect();
    let mut seen = HashSet::new();
    let mut saw = false;
    while let Some((field, parent, depth)) = stack.pop() {
        if seen.len() >= MAX_FIELDS || depth > MAX_FORM_DEPTH {
            break;
        }
        if seen.len() % 4096 == 4095 {
            ctx.check()?;
        }
        let dict = match field {
            Object::Reference(id) => {
                if !seen.insert(*id) {
                    continue;
                }
                match doc.get_dictionary(*id) {
                    Ok(d) => d,
                    Err(_) => continue,
                }
            }
            Object::Dictionary(d) => d,
            _ => continue,
        };
        let partial = text_entry(doc, dict, b"T").unwrap_or_default();
        let name = match (parent.is_empty(), partial.is_empty()) {
            (true, _) => partial,
            (false, true) => parent,
            (false, false) => format!("{parent}.{partial}"),
        };
        if let Some(value) = text_entry(doc, dict, b"V") {
            let location = Location::Section {
                name: format!("form field {name}"),
            };
            v.text(TextPart {
                text: &value,
                location,
                context: Some(&name),
                report: 0..value.len(),
            });
            saw = true;
        }
        if let Ok(kids) = dict.get_deref(b"Kids", doc).and_then(Object::as_array) {
            stack.extend(kids.iter().rev().map(|k| (k, name.clone(), depth + 1)));
        }
    }
    Ok(saw)
}

fn load_error(e: lopdf::Error) -> ExtractError {
    match e {
        lopdf::Error::Decryption(_) | lopdf::Error::InvalidPassword => ExtractError::Encrypted,
        lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. }) => {
            ExtractError::Budget("member-size")
        }
        other => ExtractError::Corrupt(format!("pdf: {other}")),
    }
}

/// Fonts and XObjects a content stream can name.
struct Resources<'a> {
    fonts: BTreeMap<Vec<u8>, Encoding<'a>>,
    xobjects: BTreeMap<Vec<u8>, ObjectId>,
}

struct Walker<'a, 'c> {
    doc: &'a Document,
    ctx: &'c Ctx,
    limit: usize,
    used: usize,
    out: String,
    visited: HashSet<ObjectId>,
}

/// Text position state within one content stream.
#[derive(Default)]
struct Pen {
    font_size: f32,
    /// Estimated width of the text shown since the last line move.
    shown: f32,
    line_y: Option<f32>,
}

impl<'a> Walker<'a, '_> {
    fn page(&mut self, page_id: ObjectId) -> Res<()> {
        let (direct, ids) = self.doc.get_page_resources(page_id).map_err(pdf_error)?;
        let mut dicts: Vec<&'a Dictionary> = direct.into_iter().collect();
        dicts.extend(
            ids.into_iter()
                .filter_map(|id| self.doc.get_dictionary(id).ok()),
        );
        let resources = self.resources(&dicts);
        let remaining = self.limit.saturating_sub(self.used);
        let content = self
            .doc
            .get_page_content_with_limit(page_id, remaining)
            .map_err(pdf_error)?;
        self.charge(content.len())?;
        self.content(&content, &resources, 0)
    }

    fn charge(&mut self, n: usize) -> Res<()> {
        self.used += n;
        self.ctx.charge(n as u64)?;
        if self.used > self.limit {
            return Err(ExtractError::Budget("member-size"));
        }
        Ok(())
    }

    fn resources(&self, dicts: &[&'a Dictionary]) -> Resources<'a> {
        let mut fonts = BTreeMap::new();
        let mut xobjects = BTreeMap::new();
        for dict in dicts {
            if let Some(font_dict) = self.deref_dict(dict.get(b"Font").ok()) {
                for (name, value) in font_dict.iter() {
                    if fonts.contains_key(name) {
                        continue;
                    }
                    if let Some(font) = self.deref_dict(Some(value)) {
                        if let Ok(enc) = font.get_font_encoding_with_limit(self.doc, self.limit) {
                            fonts.insert(name.clone(), enc);
                        }
                    }
                }
            }
            if let Some(xobject_dict) = self.deref_dict(dict.get(b"XObject").ok()) {
                for (name, value) in xobject_dict.iter() {
                    if let Ok(id) = value.as_reference() {
                        xobjects.entry(name.clone()).or_insert(id);
                    }
                }
            }
        }
        Resources { fonts, xobjects }
    }

    fn deref_dict(&self, object: Option<&'a Object>) -> Option<&'a Dictionary> {
        match object? {
            Object::Reference(id) => self.doc.get_dictionary(*id).ok(),
            Object::Dictionary(d) => Some(d),
            _ => None,
        }
    }

    fn content(&mut self, data: &[u8], res: &Resources<'a>, depth: u32) -> Res<()> {
        let content = Content::decode(data).map_err(pdf_error)?;
        let mut encoding: Option<&Encoding<'a>> = None;
        let mut pen = Pen {
            font_size: 10.0,
            ..Pen::default()
        };
        for (i, op) in content.operations.iter().enumerate() {
            if i % 4096 == 4095 {
                self.ctx.check()?;
            }
            let num = |k: usize| {
                op.operands
                    .get(k)
                    .and_then(|o| o.as_float().ok())
                    .unwrap_or(0.0)
            };
            match op.operator.as_str() {
                "BT" => pen.shown = 0.0,
                "Tf" => {
                    encoding = op
                        .operands
                        .first()
                        .and_then(|o| o.as_name().ok())
                        .and_then(|n| res.fonts.get(n));
                    let size = num(1).abs();
                    pen.font_size = if size > 0.0 { size } else { 10.0 };
                }
                "Tj" | "TJ" => self.show(encoding, &op.operands, &mut pen),
                "'" => {
                    self.newline(&mut pen);
                    self.show(encoding, &op.operands, &mut pen);
                }
                "\"" => {
                    self.newline(&mut pen);
                    self.show(encoding, op.operands.get(2..).unwrap_or(&[]), &mut pen);
                }
                "T*" | "ET" => self.newline(&mut pen),
                "Td" | "TD" => {
                    let (tx, ty) = (num(0), num(1));
                    if ty.abs() > 0.01 {
                        self.newline(&mut pen);
                    } else if tx - pen.shown > 0.25 * pen.font_size {
                        push_space(&mut self.out);
                    }
                    pen.shown = 0.0;
                }
                "Tm" => {
                    let y = num(5);
                    if pen.line_y.is_some_and(|prev| (prev - y).abs() > 0.5) {
                        self.newline(&mut pen);
                    } else {
                        push_space(&mut self.out);
                    }
                    pen.line_y = Some(y);
                    pen.shown = 0.0;
                }
                "Do" if depth < MAX_FORM_DEPTH => {
                    let Some(id) = op
                        .operands
                        .first()
                        .and_then(|o| o.as_name().ok())
                        .and_then(|n| res.xobjects.get(n))
                    else {
                        continue;
                    };
                    self.form(*id, res, depth)?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Follows a Form XObject once per page.
    fn form(&mut self, id: ObjectId, parent: &Resources<'a>, depth: u32) -> Res<()> {
        if !self.visited.insert(id) {
            return Ok(());
        }
        let Ok(stream) = self.doc.get_object(id).and_then(Object::as_stream) else {
            return Ok(());
        };
        if stream.dict.get(b"Subtype").and_then(Object::as_name).ok() != Some(b"Form".as_slice()) {
            return Ok(());
        }
        let remaining = self.limit.saturating_sub(self.used);
        let data = match stream.decompressed_content_with_limit(remaining) {
            Ok(d) => d,
            Err(lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded {
                ..
            })) => return Err(ExtractError::Budget("member-size")),
            Err(_) if stream.content.len() <= remaining => stream.content.clone(),
            Err(_) => return Err(ExtractError::Budget("member-size")),
        };
        self.charge(data.len())?;
        let own = self
            .deref_dict(stream.dict.get(b"Resources").ok())
            .map(|d| self.resources(&[d]));
        self.newline(&mut Pen::default());
        // A form without resources uses its parent's (PDF 1.1 leniency).
        let result = self.content(&data, own.as_ref().unwrap_or(parent), depth + 1);
        self.newline(&mut Pen::default());
        // Content errors inside one form do not spoil the page.
        match result {
            Err(e @ (ExtractError::Timeout | ExtractError::Budget(_))) => Err(e),
            _ => Ok(()),
        }
    }

    fn newline(&mut self, pen: &mut Pen) {
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            if self.out.ends_with(' ') {
                self.out.pop();
            }
            self.out.push('\n');
        }
        pen.shown = 0.0;
    }

    fn show(&mut self, encoding: Option<&Encoding<'a>>, operands: &[Object], pen: &mut Pen) {
        for operand in operands {
            match operand {
                Object::String(bytes, _) => {
                    let before = self.out.len();
                    match encoding {
                        Some(enc) => {
                            if enc.write_to_string(bytes, &mut self.out).is_err() {
                                self.out.truncate(before);
                                self.out.push('\u{FFFD}');
                            }
                        }
                        None => self.out.push_str(&String::from_utf8_lossy(bytes)),
                    }
                    let glyphs = self.out[before..].chars().count() as f32;
                    pen.shown += glyphs * AVG_GLYPH_EM * pen.font_size;
                }
                Object::Array(items) => self.show(encoding, items, pen),
                Object::Integer(n) if (*n as f32) < TJ_SPACE => push_space(&mut self.out),
                Object::Real(n) if *n < TJ_SPACE => push_space(&mut self.out),
                _ => {}
            }
        }
    }
}

fn push_space(out: &mut String) {
    if !out.is_empty() && !out.ends_with(char::is_whitespace) {
        out.push(' ');
    }
}

fn pdf_error(e: lopdf::Error) -> ExtractError {
    match e {
        lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. }) => {
            ExtractError::Budget("member-size")
        }
        other => ExtractError::Corrupt(format!("pdf: {other}")),
    }
}
