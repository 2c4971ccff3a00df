//! Word-processing and presentation packages: DOCX, PPTX (OOXML) and
//! ODT/ODP/ODG (ODF), read from their zip parts with quick-xml.
//!
//! - DOCX: body paragraphs, table cells included, as `Paragraph { n }`
//!   (n counts every `w:p` in document order, empty ones too, as Word does);
//!   headers, footers, footnotes, endnotes as `Section`; comments as
//!   `Comment { author }`. Tracked insertions stay in their paragraph (they
//!   are the document as shown); tracked deletions are not shown but still
//!   in the file, so they are their own part, `Section "tracked deletion by
//!   <author>"`.
//! - XLSX cell comments (calamine reads cells only): `Comment { author }`.
//! - PPTX: each slide's text as `Slide { n }` (n from the part name), its
//!   speaker notes as `Slide { n, part: "notes" }`, its comments as
//!   `Slide { n, part: "comment by <author>" }` (legacy and modern comments).
//! - ODF: text document paragraphs as `Paragraph`, annotations as `Comment`,
//!   tracked deletions as above, header/footer styles as `Section`; drawing
//!   and presentation pages as `Slide { n }` with notes as for PPTX.
//!   A package whose manifest declares `encryption-data` is `Encrypted`.
//!
//! Every part goes through the member budgets (`Ctx::read_member`).

use super::dispatch::{io_error, Ctx, Res};
use super::html::{push_entity, separate};
use super::text::decode_all;
use super::{text_notes, ExtractError, Location, TextPart, Visitor};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use std::collections::HashMap;
use std::io::{Read, Seek};
use zip::ZipArchive;

/// Reads one part as text, through the member budgets. `None` if absent.
fn part<R: Read + Seek>(ctx: &Ctx, zip: &mut ZipArchive<R>, name: &str) -> Res<Option<String>> {
    let Some(i) = zip.index_for_name(name) else {
        return Ok(None);
    };
    let file = zip.by_index(i).map_err(|e| match e {
        zip::result::ZipError::UnsupportedArchive(zip::result::ZipError::PASSWORD_REQUIRED) => {
            ExtractError::Encrypted
        }
        zip::result::ZipError::Io(e) => io_error(e),
        other => ExtractError::Corrupt(format!("zip: {other}")),
    })?;
    let (size, csize) = (file.size(), file.compressed_size());
    let bytes = ctx.read_member(&mut { file }, size, csize)?;
    match decode_all(&bytes) {
        Some(text) => Ok(Some(text)),
        None => Err(ExtractError::Corrupt(format!("{name}: not text"))),
    }
}

fn names<R: Read + Seek>(zip: &ZipArchive<R>) -> Vec<String> {
    zip.file_names()
        .filter_map(Result::ok)
        .map(|n| n.into_owned())
        .collect()
}

/// The number in a part name like `ppt/slides/slide12.xml`.
fn part_number(name: &str, prefix: &str) -> Option<u32> {
    name.strip_prefix(prefix)?
        .strip_suffix(".xml")?
        .parse()
        .ok()
}

/// How one XML vocabulary marks paragraphs, text, comments and changes.
struct Dialect {
    para: &'static [&'static str],
    /// Only text inside these elements counts (OOXML); `None`: all text in
    /// a paragraph (ODF).
    text: Option<&'static [&'static str]>,
    tab: &'static [&'static str],
    brk: &'static [&'static str],
    /// `text:s`: a run of spaces.
    space: &'static [&'static str],
    skip: &'static [&'static str],
    /// Comment containers and the attribute naming the author (`None`: the
    /// author is the text of a `dc:creator` child).
    group: &'static [(&'static str, Option<&'static str>)],
    /// Tracked-deletion containers, author as for `group`.
    del: &'static [(&'static str, Option<&'static str>)],
    page: Option<&'static str>,
    notes: Option<&'static str>,
}

const WORD: Dialect = Dialect {
    para: &["w:p"],
    text: Some(&["w:t", "w:delText"]),
    tab: &["w:tab"],
    brk: &["w:br", "w:cr"],
    space: &[],
    skip: &["w:instrText", "mc:Fallback", "w:rPr", "w:pPr"],
    group: &[("w:comment", Some("w:author"))],
    del: &[("w:del", Some("w:author"))],
    page: None,
    notes: None,
};

const DRAWING: Dialect = Dialect {
    para: &["a:p"],
    text: Some(&["a:t", "p:text"]),
    tab: &["a:tab"],
    brk: &["a:br"],
    space: &[],
    skip: &["mc:Fallback"],
    group: &[
        ("p:cm", Some("authorId")),
        ("p188:cm", Some("authorId")),
        ("p188:reply", Some("authorId")),
    ],
    del: &[],
    page: None,
    notes: None,
};

const ODF: Dialect = Dialect {
    para: &["text:p", "text:h"],
    text: None,
    tab: &["text:tab"],
    brk: &["text:line-break"],
    space: &["text:s"],
    skip: &[
        "text:note-citation",
        "text:tracked-changes",
        "dc:date",
        "meta:creator-initials",
        "meta:date-string",
    ],
    group: &[("office:annotation", None)],
    del: &[("text:deletion", None)],
    page: Some("draw:page"),
    notes: Some("presentation:notes"),
};

/// Spreadsheet cell comments (`xl/comments*.xml`): one group per comment.
const XL_COMMENTS: Dialect = Dialect {
    para: &["text"],
    text: Some(&["t"]),
    tab: &[],
    brk: &[],
    space: &[],
    skip: &["rPh", "phoneticPr"],
    group: &[("comment", Some("authorId"))],
    del: &[],
    page: None,
    notes: None,
};

/// The author list of a spreadsheet comments part.
const XL_AUTHORS: Dialect = Dialect {
    para: &["author"],
    text: None,
    tab: &[],
    brk: &[],
    space: &[],
    skip: &["commentList"],
    group: &[],
    del: &[],
    page: None,
    notes: None,
};

/// The same as [`ODF`] but reading tracked deletions, which sit in
/// `text:tracked-changes`, apart from the body.
const ODF_CHANGES: Dialect = Dialect {
    skip: &["text:note-citation", "dc:date"],
    ..ODF
};

#[derive(Debug, PartialEq)]
enum BlockKind {
    Para,
    Deleted(String),
    Comment(String),
}

#[derive(Debug)]
struct Block {
    kind: BlockKind,
    text: String,
    page: u32,
    notes: bool,
}

impl Block {
    fn new(kind: BlockKind, text: String, page: u32, notes_depth: u32) -> Self {
        Block {
            kind,
            text,
            page,
            notes: notes_depth > 0,
        }
    }
}

/// An open comment or tracked-deletion container.
struct Open {
    author: String,
    buf: String,
    /// Paragraphs open when this container started (ODF annotations sit
    /// inside the paragraph they annotate).
    base: usize,
}

impl Open {
    /// Opens at element `e`, the author read from attribute `key` if any.
    fn at(e: &BytesStart<'_>, key: Option<&str>, base: usize) -> Self {
        Open {
            author: key.map(|k| attr(e, k)).unwrap_or_default(),
            buf: String::new(),
            base,
        }
    }
}

/// The normalised value of attribute `key`, empty if absent.
fn attr(e: &BytesStart<'_>, key: &str) -> String {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .map(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map(|c| c.into_owned())
                .unwrap_or_else(|_| a.value.to_string())
        })
        .unwrap_or_default()
}

/// Walks one XML part and returns its text blocks in document order.
fn blocks(ctx: &Ctx, xml: &str, d: &Dialect) -> Res<Vec<Block>> {
    let mut reader = Reader::from_str(xml);
    let mut out = Vec::new();
    let mut paras: Vec<String> = Vec::new();
    let mut group: Option<Open> = None;
    let mut del: Option<Open> = None;
    let (mut skip, mut text_depth, mut page, mut notes_depth) = (0u32, 0u32, 0u32, 0u32);
    let mut creator: Option<String> = None;
    let mut events = 0u32;
    loop {
        events = events.wrapping_add(1);
        if events.is_multiple_of(8192) {
            ctx.check()?;
        }
        let event = reader
            .read_event()
            .map_err(|e| ExtractError::Corrupt(format!("xml: {e}")))?;
        let (start, empty) = match &event {
            Event::Start(e) => (Some(e), false),
            Event::Empty(e) => (Some(e), true),
            _ => (None, false),
        };
        if let Some(e) = start {
            let name = e.name();
            let name = name.as_ref();
            if skip > 0 || d.skip.contains(&name) {
                if !empty {
                    skip += 1;
                }
                continue;
            }
            let sink = sink(&mut paras, &mut group, &mut del);
            if d.tab.contains(&name) {
                if let Some(s) = sink {
                    s.push('\t');
                }
            } else if d.brk.contains(&name) {
                if let Some(s) = sink {
                    s.push('\n');
                }
            } else if d.space.contains(&name) {
                if let Some(s) = sink {
                    let n: usize = attr(e, "text:c").parse().unwrap_or(1);
                    s.push_str(&" ".repeat(n.clamp(1, 64)));
                }
            } else if d.para.contains(&name) {
                if empty {
                    if group.is_none() && del.is_none() {
                        out.push(Block::new(
                            BlockKind::Para,
                            String::new(),
                            page,
                            notes_depth,
                        ));
                    }
                } else {
                    paras.push(String::new());
                }
            } else if let Some((_, key)) = d.group.iter().find(|(t, _)| *t == name) {
                if !empty {
                    group = Some(Open::at(e, *key, paras.len()));
                }
            } else if let Some((_, key)) = d.del.iter().find(|(t, _)| *t == name) {
                if !empty {
                    del = Some(Open::at(e, *key, paras.len()));
                }
            } else if name == "dc:creator" && (group.is_some() || del.is_some()) && !empty {
                creator = Some(String::new());
            } else if d.text.is_some_and(|t| t.contains(&name)) && !empty {
                text_depth += 1;
            } else if Some(name) == d.page && !empty {
                page += 1;
            } else if Some(name) == d.notes && !empty {
                notes_depth += 1;
            }
            continue;
        }
        match event {
            Event::End(e) => {
                let name = e.name();
                let name = name.as_ref();
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                if d.para.contains(&name) {
                    let text = paras.pop().unwrap_or_default();
                    let depth = paras.len();
                    let container = del
                        .as_mut()
                        .filter(|o| depth <= o.base)
                        .or_else(|| group.as_mut().filter(|o| depth <= o.base))
                        .map(|o| &mut o.buf);
                    if let Some(outer) = container.or_else(|| paras.last_mut()) {
                        separate(outer, '\n');
                        outer.push_str(&text);
                    } else {
                        out.push(Block::new(BlockKind::Para, text, page, notes_depth));
                    }
                } else if d.group.iter().any(|(t, _)| *t == name) {
                    if let Some(open) = group.take() {
                        let kind = BlockKind::Comment(open.author);
                        out.push(Block::new(kind, open.buf, page, notes_depth));
                    }
                } else if d.del.iter().any(|(t, _)| *t == name) {
                    if let Some(open) = del.take() {
                        let kind = BlockKind::Deleted(open.author);
                        out.push(Block::new(kind, open.buf, page, notes_depth));
                    }
                } else if name == "dc:creator" {
                    if let (Some(author), Some(open)) =
                        (creator.take(), del.as_mut().or(group.as_mut()))
                    {
                        open.author = author.trim().to_owned();
                    }
                } else if d.text.is_some_and(|t| t.contains(&name)) {
                    text_depth = text_depth.saturating_sub(1);
                } else if Some(name) == d.notes {
                    notes_depth = notes_depth.saturating_sub(1);
                }
            }
            Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) if skip == 0 => {
                let target = if let Some(c) = creator.as_mut() {
                    Some(c)
                } else if d.text.is_none() || text_depth > 0 {
                    sink(&mut paras, &mut group, &mut del)
                } else {
                    None
                };
                if let Some(s) = target {
                    match &event {
                        Event::Text(t) => s.push_str(&t.xml10_content()),
                        Event::CData(t) => s.push_str(&t.xml10_content()),
                        Event::GeneralRef(r) => push_entity(s, r),
                        _ => {}
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

/// Where text goes now: a paragraph opened inside the innermost open
/// container, else that container (a deletion before a comment: deleted
/// runs sit inside paragraphs), else the innermost paragraph.
fn sink<'a>(
    paras: &'a mut [String],
    group: &'a mut Option<Open>,
    del: &'a mut Option<Open>,
) -> Option<&'a mut String> {
    let base = [del.as_ref(), group.as_ref()]
        .into_iter()
        .flatten()
        .map(|o| o.base)
        .max();
    match base {
        Some(b) if paras.len() > b => paras.last_mut(),
        Some(_) => del.as_mut().or(group.as_mut()).map(|o| &mut o.buf),
        None => paras.last_mut(),
    }
}

fn emit(v: &mut dyn Visitor, text: &str, location: Location) -> bool {
    if text.trim().is_empty() {
        return false;
    }
    v.text(TextPart::new(text, location));
    true
}

fn deletion(author: &str) -> Location {
    let author = if author.is_empty() { "unknown" } else { author };
    Location::Section {
        name: format!("tracked deletion by {author}"),
    }
}

fn comment_author(author: String) -> String {
    if author.is_empty() {
        "unknown".into()
    } else {
        author
    }
}

fn comment(author: String) -> Location {
    Location::Comment {
        author: comment_author(author),
    }
}

/// Emits a comment or tracked-deletion block as its own part (setting
/// `saw` if it had text) and gives a paragraph back for the caller to place.
fn aside(v: &mut dyn Visitor, block: Block, saw: &mut bool) -> Option<Block> {
    match block.kind {
        BlockKind::Para => return Some(block),
        BlockKind::Deleted(author) => *saw |= emit(v, &block.text, deletion(&author)),
        BlockKind::Comment(author) => *saw |= emit(v, &block.text, comment(author)),
    }
    None
}

pub(crate) fn docx<R: Read + Seek>(
    ctx: &Ctx,
    zip: &mut ZipArchive<R>,
    v: &mut dyn Visitor,
) -> Res<Vec<String>> {
    let mut saw = false;
    let body = part(ctx, zip, "word/document.xml")?.unwrap_or_default();
    let mut n = 0u32;
    for block in blocks(ctx, &body, &WORD)? {
        if let Some(para) = aside(v, block, &mut saw) {
            n += 1;
            saw |= emit(v, &para.text, Location::Paragraph { n });
        }
    }
    let mut parts: Vec<(String, &str)> = names(zip)
        .into_iter()
        .filter_map(|name| {
            let file = name.strip_prefix("word/")?;
            let section = if file.starts_with("header") {
                "header"
            } else if file.starts_with("footer") {
                "footer"
            } else if file == "footnotes.xml" {
                "footnotes"
            } else if file == "endnotes.xml" {
                "endnotes"
            } else if file == "comments.xml" {
                "comments"
            } else {
                return None;
            };
            file.ends_with(".xml").then_some((name.clone(), section))
        })
        .collect();
    parts.sort();
    for (name, section) in parts {
        ctx.check()?;
        let Some(xml) = part(ctx, zip, &name)? else {
            continue;
        };
        let mut joined = String::new();
        for block in blocks(ctx, &xml, &WORD)? {
            if let Some(para) = aside(v, block, &mut saw) {
                separate(&mut joined, '\n');
                joined.push_str(&para.text);
            }
        }
        saw |= emit(
            v,
            &joined,
            Location::Section {
                name: section.into(),
            },
        );
    }
    Ok(text_notes(saw))
}

/// Relationship targets of a part, by relationship type suffix.
fn rels<R: Read + Seek>(
    ctx: &Ctx,
    zip: &mut ZipArchive<R>,
    rels_name: &str,
) -> Res<Vec<(String, String)>> {
    let Some(xml) = part(ctx, zip, rels_name)? else {
        return Ok(vec![]);
    };
    let mut reader = Reader::from_str(&xml);
    let mut out = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "Relationship" => {
                let mut kind = String::new();
                let mut target = String::new();
                for a in e.attributes().flatten() {
                    match a.key.as_ref() {
                        "Type" => kind = a.value.to_string(),
                        "Target" => target = a.value.to_string(),
                        _ => {}
                    }
                }
                out.push((kind, target));
            }
            Ok(Event::Eof) => break,
            Err(e) => return Err(ExtractError::Corrupt(format!("xml: {e}"))),
            _ => {}
        }
    }
    Ok(out)
}

/// Resolves `../notesSlides/notesSlide3.xml` against `ppt/slides/`.
fn resolve(base_dir: &str, target: &str) -> String {
    if let Some(abs) = target.strip_prefix('/') {
        return abs.to_owned();
    }
    let mut parts: Vec<&str> = base_dir.split('/').filter(|p| !p.is_empty()).collect();
    for seg in target.split('/') {
        match seg {
            ".." => {
                parts.pop();
            }
            "." | "" => {}
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// Comment author ids to names (legacy `commentAuthors.xml`, modern
/// `authors.xml`).
fn ppt_authors<R: Read + Seek>(ctx: &Ctx, zip: &mut ZipArchive<R>) -> Res<HashMap<String, String>> {
    let mut map = HashMap::new();
    for name in ["ppt/commentAuthors.xml", "ppt/authors.xml"] {
        let Some(xml) = part(ctx, zip, name)? else {
            continue;
        };
        let mut reader = Reader::from_str(&xml);
        loop {
            match reader.read_event() {
                Ok(Event::Start(e) | Event::Empty(e))
                    if e.local_name().as_ref().ends_with("uthor") =>
                {
                    let (mut id, mut author) = (String::new(), String::new());
                    for a in e.attributes().flatten() {
                        match a.key.local_name().as_ref() {
                            "id" => id = a.value.to_string(),
                            "name" => {
                                author = a
                                    .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                    .map(|c| c.into_owned())
                                    .unwrap_or_default()
                            }
                            _ => {}
                        }
                    }
                    map.insert(id, author);
                }
                Ok(Event::Eof) | Err(_) => break,
                _ => {}
            }
        }
    }
    Ok(map)
}

pub(crate) fn pptx<R: Read + Seek>(
    ctx: &Ctx,
    zip: &mut ZipArchive<R>,
    v: &mut dyn Visitor,
) -> Res<Vec<String>> {
    let mut slides: Vec<(u32, String)> = names(zip)
        .into_iter()
        .filter_map(|n| Some((part_number(&n, "ppt/slides/slide")?, n)))
        .collect();
    slides.sort();
    let authors = ppt_authors(ctx, zip)?;
    let mut saw = false;
    let joined = |blocks: Vec<Block>| {
        let mut text = String::new();
        for b in blocks.into_iter().filter(|b| b.kind == BlockKind::Para) {
            separate(&mut text, '\n');
            text.push_str(&b.text);
        }
        text
    };
    for (n, name) in slides {
        ctx.check()?;
        let Some(xml) = part(ctx, zip, &name)? else {
            continue;
        };
        saw |= emit(
            v,
            &joined(blocks(ctx, &xml, &DRAWING)?),
            Location::Slide { n, part: None },
        );
        let file = name.rsplit('/').next().unwrap_or(&name);
        for (kind, target) in rels(ctx, zip, &format!("ppt/slides/_rels/{file}.rels"))? {
            let target = resolve("ppt/slides", &target);
            if kind.ends_with("/notesSlide") {
                let Some(xml) = part(ctx, zip, &target)? else {
                    continue;
                };
                let notes = joined(blocks(ctx, &xml, &DRAWING)?);
                saw |= emit(
                    v,
                    &notes,
                    Location::Slide {
                        n,
                        part: Some("notes".into()),
                    },
                );
            } else if kind.ends_with("/comments") {
                let Some(xml) = part(ctx, zip, &target)? else {
                    continue;
                };
                for b in blocks(ctx, &xml, &DRAWING)? {
                    if let BlockKind::Comment(id) = b.kind {
                        let author = comment_author(authors.get(&id).cloned().unwrap_or(id));
                        saw |= emit(
                            v,
                            &b.text,
                            Location::Slide {
                                n,
                                part: Some(format!("comment by {author}")),
                            },
                        );
                    }
                }
            }
        }
    }
    Ok(text_notes(saw))
}

/// Cell comments of an xlsx (calamine does not read them) as
/// `Comment { author }`; returns whether there were any.
pub(crate) fn xlsx_comments<R: Read + Seek>(
    ctx: &Ctx,
    zip: &mut ZipArchive<R>,
    v: &mut dyn Visitor,
) -> Res<bool> {
    let mut parts: Vec<String> = names(zip)
        .into_iter()
        .filter(|n| n.starts_with("xl/comments") && n.ends_with(".xml"))
        .collect();
    parts.sort();
    let mut saw = false;
    for name in parts {
        ctx.check()?;
        let Some(xml) = part(ctx, zip, &name)? else {
            continue;
        };
        let authors: Vec<String> = blocks(ctx, &xml, &XL_AUTHORS)?
            .into_iter()
            .map(|b| b.text)
            .collect();
        for block in blocks(ctx, &xml, &XL_COMMENTS)? {
            if let BlockKind::Comment(id) = block.kind {
                let author = id
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| authors.get(i))
                    .cloned()
                    .unwrap_or_default();
                saw |= emit(v, &block.text, comment(author));
            }
        }
    }
    Ok(saw)
}

/// ODF packages declare encrypted parts in their manifest.
pub(crate) fn odf_encrypted<R: Read + Seek>(ctx: &Ctx, zip: &mut ZipArchive<R>) -> bool {
    matches!(part(ctx, zip, "META-INF/manifest.xml"), Ok(Some(m)) if m.contains("encryption-data"))
}

pub(crate) fn odf<R: Read + Seek>(
    ctx: &Ctx,
    zip: &mut ZipArchive<R>,
    v: &mut dyn Visitor,
) -> Res<Vec<String>> {
    let content = part(ctx, zip, "content.xml")?
        .ok_or_else(|| ExtractError::Corrupt("odf: no content.xml".into()))?;
    let mut saw = false;
    let mut n = 0u32;
    let mut slides: Vec<(u32, bool, String)> = Vec::new();
    for block in blocks(ctx, &content, &ODF)? {
        let Some(para) = aside(v, block, &mut saw) else {
            continue;
        };
        if para.page == 0 {
            n += 1;
            saw |= emit(v, &para.text, Location::Paragraph { n });
            continue;
        }
        match slides.last_mut() {
            Some((p, notes, text)) if *p == para.page && *notes == para.notes => {
                separate(text, '\n');
                text.push_str(&para.text);
            }
            _ => slides.push((para.page, para.notes, para.text)),
        }
    }
    for (page, notes, text) in slides {
        let part = notes.then(|| "notes".to_owned());
        saw |= emit(v, &text, Location::Slide { n: page, part });
    }
    // Tracked deletions sit apart from the body.
    for block in blocks(ctx, &content, &ODF_CHANGES)? {
        if let BlockKind::Deleted(author) = block.kind {
            saw |= emit(v, &block.text, deletion(&author));
        }
    }
    if let Some(styles) = part(ctx, zip, "styles.xml")? {
        let (mut header, mut footer) = (String::new(), String::new());
        for (tag, out) in [("style:header", &mut header), ("style:footer", &mut footer)] {
            for section in sections(&styles, tag) {
                for block in blocks(ctx, section, &ODF)? {
                    separate(out, '\n');
                    out.push_str(&block.text);
                }
            }
        }
        saw |= emit(
            v,
            &header,
            Location::Section {
                name: "header".into(),
            },
        );
        saw |= emit(
            v,
            &footer,
            Location::Section {
                name: "footer".into(),
            },
        );
    }
    Ok(text_notes(saw))
}

/// The inner XML of every `<tag ...>...</tag>` in `xml` (not nested).
fn sections<'a>(xml: &'a str, tag: &str) -> Vec<&'a str> {
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        if !after.starts_with(['>', ' ', '\n', '\t', '\r', '/']) {
            rest = after;
            continue;
        }
        let Some(gt) = after.find('>') else { break };
        if after[..gt].ends_with('/') {
            rest = &after[gt..];
            continue;
        }
        let body = &after[gt + 1..];
        let Some(end) = body.find(&close) else { break };
        out.push(&body[..end]);
        rest = &body[end + close.len()..];
    }
    out
}
