//! OLE compound files (the `cfb` crate), told apart by their streams:
//!
//! - `EncryptedPackage`/`EncryptionInfo`: a password-protected OOXML file
//!   (docx/xlsx/pptx) → `Error(Encrypted)`.
//! - Outlook `.msg` (`__substg1.0_*` property streams): sender, recipients,
//!   subject as `Section`s; the plain body, else the HTML body, else the
//!   compressed RTF body (LZFu, `compressed-rtf`), with `Line` locations;
//!   attachments, embedded messages included, as contained documents.
//! - `.doc` (`WordDocument`): the piece table's text, split by the FIB's
//!   character counts into body paragraphs, footnotes, headers, comments,
//!   endnotes and text boxes. The FIB's encryption flag → `Encrypted`.
//! - `.ppt` (`PowerPoint Document`): text atoms grouped by slide and notes
//!   page; master-slide placeholder text skipped. An `EncryptedSummary`
//!   stream → `Encrypted`.
//! - `.xls` (`Workbook`/`Book`): calamine (see `sheet`).
//! - An OLE `Package` object (a file embedded in an Office document): the
//!   embedded file, read as this same document.
//!
//! Stream lengths come from the file and are checked against
//! `max_member_size` before a stream is read.

use super::dispatch::{contained, extract_slice, outcome, Ctx, Members, Res};
use super::rtf;
use super::sheet::{self, Book};
use super::text::Chunker;
use super::worker::guard;
use super::{text_notes, ExtractError, Location, Outcome, TextPart, Visitor, NO_TEXT};
use cfb::CompoundFile;
use encoding_rs::{UTF_16LE, WINDOWS_1252};
use std::collections::BTreeMap;
use std::io::{Cursor, Read};

type Cf<'a> = CompoundFile<Cursor<&'a [u8]>>;

pub(crate) fn extract(ctx: &Ctx, name: &str, bytes: &[u8], v: &mut dyn Visitor) -> Outcome {
    let cf = match guard(|| CompoundFile::open(Cursor::new(bytes))) {
        Ok(Ok(cf)) => cf,
        Ok(Err(e)) => return Outcome::Error(ExtractError::Corrupt(format!("ole: {e}"))),
        Err(e) => return Outcome::Error(e),
    };
    let mut cf = cf;
    if cf.is_stream("/EncryptedPackage")
        || cf.is_stream("/EncryptionInfo")
        || cf.is_stream("/EncryptedSummary")
    {
        return Outcome::Error(ExtractError::Encrypted);
    }
    if cf.is_stream("/WordDocument") {
        return outcome(doc(ctx, &mut cf, v));
    }
    if cf.is_stream("/PowerPoint Document") {
        return outcome(ppt(ctx, &mut cf, v));
    }
    if cf.is_stream("/Workbook") || cf.is_stream("/Book") {
        let path = if cf.is_stream("/Workbook") {
            "/Workbook"
        } else {
            "/Book"
        };
        let checked =
            stream(ctx, &mut cf, path).and_then(|w| sheet::check_xls_area(&w.unwrap_or_default()));
        return outcome(checked.and_then(|()| sheet::extract(ctx, Book::Xls, bytes, v)));
    }
    if cf.is_stream("/__properties_version1.0") || has_prefix(&cf, "/", "__substg1.0_") {
        return outcome(msg(ctx, &mut cf, "", v));
    }
    // An OLE "Package" object (a file embedded in an Office document): the
    // stream is the embedded file itself.
    if cf.is_stream("/Package") {
        return match stream(ctx, &mut cf, "/Package") {
            Ok(Some(bytes)) => extract_slice(ctx, name, &bytes, v),
            Ok(None) => Outcome::Ok {
                notes: text_notes(false),
            },
            Err(e) => Outcome::Error(e),
        };
    }
    Outcome::Error(ExtractError::Unsupported(
        "ole: no known content streams".into(),
    ))
}

fn has_prefix(cf: &Cf<'_>, storage: &str, prefix: &str) -> bool {
    cf.read_storage(storage)
        .map(|mut entries| entries.any(|e| e.name().starts_with(prefix)))
        .unwrap_or(false)
}

/// Reads a whole stream, within the member budget. `None` if absent.
fn stream(ctx: &Ctx, cf: &mut Cf<'_>, path: &str) -> Res<Option<Vec<u8>>> {
    if !cf.is_stream(path) {
        return Ok(None);
    }
    let mut s = cf
        .open_stream(path)
        .map_err(|e| ExtractError::Corrupt(format!("ole: {e}")))?;
    let len = s.len();
    if len > ctx.budgets().max_member_size {
        return Err(ExtractError::Budget("member-size"));
    }
    let mut buf = Vec::with_capacity(len as usize);
    s.read_to_end(&mut buf)
        .map_err(|e| ExtractError::Corrupt(format!("ole: {e}")))?;
    Ok(Some(buf))
}

// ------------------------------------------------------------------ .msg

/// A MAPI string property of the message or recipient/attachment at `base`.
fn prop_string(ctx: &Ctx, cf: &mut Cf<'_>, base: &str, id: u16) -> Res<Option<String>> {
    if let Some(b) = stream(ctx, cf, &format!("{base}/__substg1.0_{id:04X}001F"))? {
        let (text, _) = UTF_16LE.decode_without_bom_handling(&b);
        return Ok(Some(text.trim_end_matches('\0').to_owned()));
    }
    if let Some(b) = stream(ctx, cf, &format!("{base}/__substg1.0_{id:04X}001E"))? {
        let (text, _) = WINDOWS_1252.decode_without_bom_handling(&b);
        return Ok(Some(text.trim_end_matches('\0').to_owned()));
    }
    Ok(None)
}

fn prop_binary(ctx: &Ctx, cf: &mut Cf<'_>, base: &str, id: u16) -> Res<Option<Vec<u8>>> {
    stream(ctx, cf, &format!("{base}/__substg1.0_{id:04X}0102"))
}

/// Child storages of `base` whose names start with `prefix`, sorted.
fn children(cf: &Cf<'_>, base: &str, prefix: &str) -> Vec<String> {
    let storage = if base.is_empty() {
        "/".to_owned()
    } else {
        base.to_owned()
    };
    let mut names: Vec<String> = cf
        .read_storage(&storage)
        .map(|entries| {
            entries
                .filter(|e| e.is_storage() && e.name().starts_with(prefix))
                .map(|e| e.name().to_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

const PR_SUBJECT: u16 = 0x0037;
const PR_SENDER_NAME: u16 = 0x0C1A;
const PR_SENDER_EMAIL: u16 = 0x0C1F;
const PR_SENDER_SMTP: u16 = 0x5D01;
const PR_DISPLAY_TO: u16 = 0x0E04;
const PR_DISPLAY_CC: u16 = 0x0E03;
const PR_DISPLAY_BCC: u16 = 0x0E02;
const PR_BODY: u16 = 0x1000;
const PR_HTML: u16 = 0x1013;
const PR_RTF_COMPRESSED: u16 = 0x1009;
const PR_DISPLAY_NAME: u16 = 0x3001;
const PR_EMAIL_ADDRESS: u16 = 0x3003;
const PR_SMTP_ADDRESS: u16 = 0x39FE;
const PR_RECIPIENT_TYPE: u16 = 0x0C15;
const PR_ATTACH_LONG_FILENAME: u16 = 0x3707;
const PR_ATTACH_FILENAME: u16 = 0x3704;
const PR_ATTACH_DATA: u16 = 0x3701;

/// The message stored at `base` ("" for the file's root).
fn msg(ctx: &Ctx, cf: &mut Cf<'_>, base: &str, v: &mut dyn Visitor) -> Res<Vec<String>> {
    let mut saw = false;
    let mut section = |name: &str, text: &str, v: &mut dyn Visitor| {
        if !text.trim().is_empty() {
            saw = true;
            v.text(TextPart::new(text, Location::Section { name: name.into() }));
        }
    };
    let sender_name = prop_string(ctx, cf, base, PR_SENDER_NAME)?.unwrap_or_default();
    let sender_email = match prop_string(ctx, cf, base, PR_SENDER_SMTP)? {
        Some(s) if !s.is_empty() => s,
        _ => prop_string(ctx, cf, base, PR_SENDER_EMAIL)?.unwrap_or_default(),
    };
    let from = match (sender_name.is_empty(), sender_email.is_empty()) {
        (false, false) => format!("{sender_name} <{sender_email}>"),
        (false, true) => sender_name,
        _ => sender_email,
    };
    section("From", &from, v);
    // Recipients with their addresses (the display lists hold names only).
    let mut to = vec![prop_string(ctx, cf, base, PR_DISPLAY_TO)?.unwrap_or_default()];
    let mut cc = vec![prop_string(ctx, cf, base, PR_DISPLAY_CC)?.unwrap_or_default()];
    let mut bcc = vec![prop_string(ctx, cf, base, PR_DISPLAY_BCC)?.unwrap_or_default()];
    for recip in children(cf, base, "__recip_version1.0_") {
        let path = format!("{base}/{recip}");
        let name = prop_string(ctx, cf, &path, PR_DISPLAY_NAME)?.unwrap_or_default();
        let addr = match prop_string(ctx, cf, &path, PR_SMTP_ADDRESS)? {
            Some(a) if !a.is_empty() => a,
            _ => prop_string(ctx, cf, &path, PR_EMAIL_ADDRESS)?.unwrap_or_default(),
        };
        if addr.is_empty() {
            continue;
        }
        let entry = if name.is_empty() || name == addr {
            addr
        } else {
            format!("{name} <{addr}>")
        };
        let kind = stream(ctx, cf, &format!("{path}/__properties_version1.0"))?
            .and_then(|props| recipient_type(&props))
            .unwrap_or(1);
        match kind {
            2 => cc.push(entry),
            3 => bcc.push(entry),
            _ => to.push(entry),
        }
    }
    for (name, list) in [("To", to), ("Cc", cc), ("Bcc", bcc)] {
        let joined = list
            .into_iter()
            .filter(|s| !s.trim().is_empty())
            .collect::<Vec<_>>()
            .join("; ");
        section(name, &joined, v);
    }
    section(
        "Subject",
        &prop_string(ctx, cf, base, PR_SUBJECT)?.unwrap_or_default(),
        v,
    );
    let body = match prop_string(ctx, cf, base, PR_BODY)? {
        Some(b) if !b.trim().is_empty() => Some(b),
        _ => match html_body(ctx, cf, base)? {
            Some(h) => Some(nanohtml2text::html2text(&h)),
            None => match prop_binary(ctx, cf, base, PR_RTF_COMPRESSED)? {
                Some(compressed) => {
                    let rtf_text = guard(|| compressed_rtf::decompress_rtf(&compressed))?
                        .map_err(|e| ExtractError::Corrupt(format!("msg rtf body: {e}")))?;
                    Some(rtf::to_text(ctx, rtf_text.as_bytes())?)
                }
                None => None,
            },
        },
    };
    if let Some(body) = body {
        if !body.trim().is_empty() {
            saw = true;
            let mut chunker = Chunker::new(&ctx.cfg, v);
            chunker.push(&body);
            chunker.finish();
        }
    }
    let mut folded = Members::new("attachment");
    for (i, att) in children(cf, base, "__attach_version1.0_")
        .into_iter()
        .enumerate()
    {
        ctx.check()?;
        let path = format!("{base}/{att}");
        let name = match prop_string(ctx, cf, &path, PR_ATTACH_LONG_FILENAME)? {
            Some(n) if !n.is_empty() => n,
            _ => prop_string(ctx, cf, &path, PR_ATTACH_FILENAME)?
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| format!("attachment-{}", i + 1)),
        };
        let embedded = format!("{path}/__substg1.0_{PR_ATTACH_DATA:04X}000D");
        let o = if cf.is_storage(&embedded) {
            let name = if name.contains('.') {
                name
            } else {
                format!("{name}.msg")
            };
            contained(ctx, &name, v, |ctx, _, v| {
                outcome(msg(ctx, cf, &embedded, v))
            })
        } else {
            let data = prop_binary(ctx, cf, &path, PR_ATTACH_DATA);
            contained(ctx, &name, v, |ctx, name, v| match data {
                Ok(Some(bytes)) => extract_slice(ctx, name, &bytes, v),
                Ok(None) => Outcome::Ok {
                    notes: text_notes(false),
                },
                Err(e) => Outcome::Error(e),
            })
        };
        folded.add(&o)?;
    }
    let mut notes = folded.finish()?;
    if !saw {
        notes.push(NO_TEXT.into());
    }
    Ok(notes)
}

fn html_body(ctx: &Ctx, cf: &mut Cf<'_>, base: &str) -> Res<Option<String>> {
    if let Some(s) = prop_string(ctx, cf, base, PR_HTML)? {
        return Ok(Some(s));
    }
    Ok(prop_binary(ctx, cf, base, PR_HTML)?.and_then(|b| super::text::decode_all(&b)))
}

/// PR_RECIPIENT_TYPE from a recipient's fixed-size property stream
/// (8-byte header, then 16-byte entries: tag, flags, value).
fn recipient_type(props: &[u8]) -> Option<u32> {
    props.get(8..)?.chunks_exact(16).find_map(|e| {
        let tag = u32::from_le_bytes(e[0..4].try_into().ok()?);
        (tag >> 16 == PR_RECIPIENT_TYPE as u32)
            .then(|| u32::from_le_bytes(e[8..12].try_into().unwrap_or([1, 0, 0, 0])))
    })
}

// ------------------------------------------------------------------ .doc

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn doc(ctx: &Ctx, cf: &mut Cf<'_>, v: &mut dyn Visitor) -> Res<Vec<String>> {
    let bad = |what: &str| ExtractError::Corrupt(format!("doc: {what}"));
    let word = stream(ctx, cf, "/WordDocument")?.ok_or_else(|| bad("no WordDocument"))?;
    // Word 97 and later (nFib 0x00C1+); Word 6/95 keep text elsewhere.
    if u16_at(&word, 2).is_some_and(|nfib| nfib < 0x00C1) {
        return Err(ExtractError::Unsupported("doc: Word 6/95 format".into()));
    }
    let flags = u16_at(&word, 0x0A).ok_or_else(|| bad("short FIB"))?;
    if flags & 0x0100 != 0 {
        return Err(ExtractError::Encrypted);
    }
    let table_name = if flags & 0x0200 != 0 {
        "/1Table"
    } else {
        "/0Table"
    };
    let table = stream(ctx, cf, table_name)?.ok_or_else(|| bad("no table stream"))?;
    let fc_clx = u32_at(&word, 0x01A2).ok_or_else(|| bad("short FIB"))? as usize;
    let lcb_clx = u32_at(&word, 0x01A6).ok_or_else(|| bad("short FIB"))? as usize;
    let clx = table
        .get(fc_clx..fc_clx.saturating_add(lcb_clx))
        .ok_or_else(|| bad("clx out of range"))?;
    let text = piece_text(ctx, clx, &word).ok_or_else(|| bad("piece table"))??;
    // Character counts of the FIB's stories, in the order they are stored.
    let counts: Vec<(usize, &str)> = [
        (0x4C, ""),
        (0x50, "footnotes"),
        (0x54, "header"),
        (0x5C, "comments"),
        (0x60, "endnotes"),
        (0x64, "text boxes"),
        (0x68, "header text boxes"),
    ]
    .iter()
    .map(|&(at, name)| (u32_at(&word, at).unwrap_or(0) as usize, name))
    .collect();
    let chars: Vec<char> = text.chars().collect();
    let mut pos = 0usize;
    let mut saw = false;
    for (count, name) in counts {
        let end = pos.saturating_add(count).min(chars.len());
        let story: String = clean_doc_text(&chars[pos..end]);
        pos = end;
        if name.is_empty() {
            for (i, para) in story.split('\n').enumerate() {
                if !para.trim().is_empty() {
                    saw = true;
                    v.text(TextPart::new(para, Location::Paragraph { n: i as u32 + 1 }));
                }
            }
        } else if !story.trim().is_empty() {
            saw = true;
            v.text(TextPart::new(
                &story,
                Location::Section { name: name.into() },
            ));
        }
    }
    Ok(text_notes(saw))
}

/// Concatenates the pieces of the piece table in `clx`.
fn piece_text(ctx: &Ctx, clx: &[u8], word: &[u8]) -> Option<Res<String>> {
    let mut i = 0usize;
    // Skip Prc entries (formatting), find the Pcdt.
    while *clx.get(i)? == 0x01 {
        let cb = u16_at(clx, i + 1)? as usize;
        i += 3 + cb;
    }
    if *clx.get(i)? != 0x02 {
        return None;
    }
    let lcb = u32_at(clx, i + 1)? as usize;
    let plc = clx.get(i + 5..(i + 5).checked_add(lcb)?)?;
    if lcb < 4 {
        return None;
    }
    let n = (lcb - 4) / 12;
    let mut out = String::new();
    for k in 0..n {
        if k % 4096 == 4095 {
            if let Err(e) = ctx.check() {
                return Some(Err(e));
            }
        }
        let cp_start = u32_at(plc, k * 4)? as usize;
        let cp_end = u32_at(plc, (k + 1) * 4)? as usize;
        let count = cp_end.checked_sub(cp_start)?;
        let pcd = 4 * (n + 1) + k * 8;
        let fc = u32_at(plc, pcd + 2)?;
        if fc & 0x4000_0000 != 0 {
            let at = ((fc & !0x4000_0000) / 2) as usize;
            let bytes = word.get(at..at.checked_add(count)?)?;
            out.push_str(&WINDOWS_1252.decode_without_bom_handling(bytes).0);
        } else {
            let at = fc as usize;
            let bytes = word.get(at..at.checked_add(count.checked_mul(2)?)?)?;
            out.push_str(&UTF_16LE.decode_without_bom_handling(bytes).0);
        }
    }
    Some(Ok(out))
}

/// Word's special characters to text: paragraph/cell/line marks to
/// newlines and tabs, field instructions dropped, object anchors removed.
fn clean_doc_text(chars: &[char]) -> String {
    let mut out = String::with_capacity(chars.len());
    let mut field_code = Vec::new(); // per nested field: in the instruction part?
    for &c in chars {
        match c {
            '\u{13}' => field_code.push(true),
            '\u{14}' => {
                if let Some(last) = field_code.last_mut() {
                    *last = false;
                }
            }
            '\u{15}' => {
                field_code.pop();
            }
            _ if field_code.iter().any(|&in_code| in_code) => {}
            '\r' | '\u{0B}' | '\u{0C}' => out.push('\n'),
            '\u{07}' => out.push('\t'),
            '\u{01}' | '\u{08}' | '\u{02}' | '\u{05}' => {}
            c => out.push(c),
        }
    }
    out
}

// ------------------------------------------------------------------ .ppt

const RT_SLIDE: u16 = 0x03EE;
const RT_NOTES: u16 = 0x03F0;
const RT_NOTES_ATOM: u16 = 0x03F1;
const RT_MAIN_MASTER: u16 = 0x03F8;
const RT_SLIDE_LIST_WITH_TEXT: u16 = 0x0FF0;
const RT_SLIDE_PERSIST_ATOM: u16 = 0x03F3;
const RT_TEXT_CHARS: u16 = 0x0FA0;
const RT_TEXT_BYTES: u16 = 0x0FA8;
const RT_CSTRING: u16 = 0x0FBA;
const MAX_RECORD_DEPTH: u32 = 32;

/// Where a text atom belongs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Place {
    /// The n-th slide (1-based) in presentation order.
    Slide(u32),
    /// The notes page of the slide with this persistent slide id.
    NotesOf(u32),
    /// Notes text whose slide is not known yet (before its `NotesAtom`).
    Notes(u32),
}

#[derive(Default)]
struct PptWalk {
    slides: u32,
    notes: u32,
    listed: u32,
    /// Slide ids in presentation order (`SlideListWithText`).
    slide_ids: Vec<u32>,
    text: BTreeMap<Place, Vec<String>>,
}

fn ppt(ctx: &Ctx, cf: &mut Cf<'_>, v: &mut dyn Visitor) -> Res<Vec<String>> {
    let data = stream(ctx, cf, "/PowerPoint Document")?
        .ok_or_else(|| ExtractError::Corrupt("ppt: no PowerPoint Document".into()))?;
    let mut walk = PptWalk::default();
    records(ctx, &data, &mut walk, None, 0)?;
    let mut parts: BTreeMap<(u32, bool), Vec<String>> = BTreeMap::new();
    for (place, texts) in walk.text {
        let key = match place {
            Place::Slide(n) => (n.max(1), false),
            // Notes of slide id 0 belong to the notes master: template text.
            Place::NotesOf(0) | Place::Notes(_) => continue,
            Place::NotesOf(id) => match walk.slide_ids.iter().position(|&s| s == id) {
                Some(i) => (i as u32 + 1, true),
                None => continue,
            },
        };
        let list = parts.entry(key).or_default();
        for t in texts {
            if !list.contains(&t) {
                list.push(t);
            }
        }
    }
    let mut saw = false;
    for ((n, notes), texts) in parts {
        let text = texts.join("\n");
        if text.trim().is_empty() {
            continue;
        }
        saw = true;
        let part = notes.then(|| "notes".to_owned());
        v.text(TextPart::new(&text, Location::Slide { n, part }));
    }
    Ok(text_notes(saw))
}

/// Walks the records in `data`; `place` is where text goes (None: skip).
fn records(
    ctx: &Ctx,
    data: &[u8],
    walk: &mut PptWalk,
    place: Option<Place>,
    depth: u32,
) -> Res<()> {
    if depth > MAX_RECORD_DEPTH {
        return Ok(());
    }
    let mut i = 0usize;
    let mut place = place;
    while i + 8 <= data.len() {
        let ver_inst = u16_at(data, i).unwrap_or(0);
        let rec_type = u16_at(data, i + 2).unwrap_or(0);
        let len = u32_at(data, i + 4).unwrap_or(0) as usize;
        let body = &data[i + 8..(i + 8).saturating_add(len).min(data.len())];
        i = (i + 8).saturating_add(len);
        if ver_inst & 0x000F == 0x000F {
            ctx.check()?;
            let inner = match rec_type {
                RT_SLIDE => {
                    walk.slides += 1;
                    Some(Place::Slide(walk.slides))
                }
                RT_NOTES => {
                    walk.notes += 1;
                    Some(Place::Notes(walk.notes))
                }
                RT_MAIN_MASTER => None,
                // Instance 0 lists slides; notes (2) and masters (1) are
                // read from their own containers.
                RT_SLIDE_LIST_WITH_TEXT if ver_inst >> 4 == 0 => {
                    walk.listed = 0;
                    Some(Place::Slide(0))
                }
                RT_SLIDE_LIST_WITH_TEXT => None,
                _ => place,
            };
            records(ctx, body, walk, inner, depth + 1)?;
            continue;
        }
        match rec_type {
            RT_SLIDE_PERSIST_ATOM if matches!(place, Some(Place::Slide(_))) => {
                walk.listed += 1;
                walk.slide_ids.push(u32_at(body, 12).unwrap_or(0));
                place = Some(Place::Slide(walk.listed));
            }
            RT_NOTES_ATOM => {
                if let Some(Place::Notes(n)) = place {
                    let id = u32_at(body, 0).unwrap_or(0);
                    if let Some(texts) = walk.text.remove(&Place::Notes(n)) {
                        walk.text
                            .entry(Place::NotesOf(id))
                            .or_default()
                            .extend(texts);
                    }
                    place = Some(Place::NotesOf(id));
                }
            }
            RT_TEXT_CHARS | RT_CSTRING | RT_TEXT_BYTES => {
                let Some(at) = place else { continue };
                let text = if rec_type == RT_TEXT_BYTES {
                    WINDOWS_1252
                        .decode_without_bom_handling(body)
                        .0
                        .into_owned()
                } else {
                    UTF_16LE.decode_without_bom_handling(body).0.into_owned()
                };
                // Internal tag names and the slide-number placeholder.
                if text.starts_with("___PPT") || text.trim() == "*" {
                    continue;
                }
                let text = text.replace(['\r', '\u{0B}'], "\n");
                let list = walk.text.entry(at).or_default();
                if !text.trim().is_empty() && !list.contains(&text) {
                    list.push(text);
                }
            }
            _ => {}
        }
    }
    Ok(())
}
