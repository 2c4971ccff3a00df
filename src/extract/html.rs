//! HTML and XML to plain text.
//!
//! HTML goes through `nanohtml2text` (scripts and styles dropped, tags
//! stripped, entities decoded, document order kept, no layout padding that
//! could blow a page up). The bytes are decoded with the same detection as
//! plain text: chardetng beats a lying `<meta charset>`.
//!
//! XML up to `max_member_size` is parsed with quick-xml: text, CDATA and
//! attribute values (data exports keep values in attributes), a newline
//! after each element. Locations are lines of that extracted text. Larger
//! XML (multi-GiB wiki dumps) and malformed XML are scanned as plain text,
//! markup included, with a note, so nothing is skipped for being big.

use super::dispatch::{io_error, Ctx, Res};
use super::text::{decode_all, stream_text, Chunker};
use super::{text_notes, Outcome, Visitor};
use quick_xml::events::Event;
use quick_xml::Reader;
use std::io::{Cursor, Read};

pub(crate) fn extract_html(ctx: &Ctx, bytes: &[u8], v: &mut dyn Visitor) -> Outcome {
    let Some(html) = decode_all(bytes) else {
        return Outcome::Skipped("binary".into());
    };
    let text = nanohtml2text::html2text(&html);
    chunked(ctx, &text, v)
}

/// Hands a whole extracted text to the visitor in chunks.
fn chunked(ctx: &Ctx, text: &str, v: &mut dyn Visitor) -> Outcome {
    let mut chunker = Chunker::new(&ctx.cfg, v);
    chunker.push(text);
    Outcome::Ok {
        notes: text_notes(chunker.finish()),
    }
}

/// Streams an XML document; see the module docs for the size rule.
pub(crate) fn stream_xml(ctx: &Ctx, r: &mut dyn Read, v: &mut dyn Visitor) -> Outcome {
    let limit = ctx.budgets().max_member_size;
    let mut buf = Vec::new();
    if let Err(e) = r.take(limit + 1).read_to_end(&mut buf) {
        return Outcome::Error(io_error(e));
    }
    let as_text = |why: String, buf: Vec<u8>, r: &mut dyn Read, v: &mut dyn Visitor| {
        let mut rest = Cursor::new(buf).chain(r);
        match stream_text(ctx, &mut rest, v) {
            Outcome::Ok { mut notes } => {
                notes.insert(0, format!("xml-as-text: {why}"));
                Outcome::Ok { notes }
            }
            other => other,
        }
    };
    if buf.len() as u64 > limit {
        return as_text("larger than member-size".into(), buf, r, v);
    }
    let Some(xml) = decode_all(&buf) else {
        return Outcome::Skipped("binary".into());
    };
    let mut text = String::with_capacity(xml.len() / 2);
    match xml_text(ctx, &xml, &mut text) {
        Err(e) => return Outcome::Error(e),
        Ok(Err(e)) => return as_text(e.to_string(), buf, r, v),
        Ok(Ok(())) => {}
    }
    chunked(ctx, &text, v)
}

/// Appends the text content of an XML document to `out`. The outer error
/// is the deadline, the inner one malformed XML.
fn xml_text(ctx: &Ctx, xml: &str, out: &mut String) -> Res<Result<(), quick_xml::Error>> {
    let mut reader = Reader::from_str(xml);
    let mut events = 0u32;
    loop {
        events = events.wrapping_add(1);
        if events.is_multiple_of(4096) {
            ctx.check()?;
        }
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(e) => return Ok(Err(e)),
        };
        match event {
            Event::Start(e) | Event::Empty(e) => {
                separate(out, ' ');
                for attr in e.attributes().flatten() {
                    if attr.key.as_ref().starts_with("xmlns") {
                        continue;
                    }
                    let value = attr
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .unwrap_or(attr.value.clone());
                    if !value.trim().is_empty() {
                        separate(out, ' ');
                        out.push_str(&value);
                    }
                }
                separate(out, ' ');
            }
            Event::Text(t) => out.push_str(&t.xml10_content()),
            Event::CData(t) => out.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => push_entity(out, &r),
            Event::End(_) => separate(out, '\n'),
            Event::Eof => return Ok(Ok(())),
            _ => {}
        }
    }
}

/// Resolves `&name;`/`&#n;` to its text (unknown entities stay as written).
pub(crate) fn push_entity(out: &mut String, r: &quick_xml::events::BytesRef<'_>) {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        out.push(c);
    } else if let Some(s) = quick_xml::escape::resolve_predefined_entity(r) {
        out.push_str(s);
    } else {
        out.push('&');
        out.push_str(r);
        out.push(';');
    }
}

/// Pushes `sep` unless `out` already ends with whitespace.
pub(crate) fn separate(out: &mut String, sep: char) {
    if !out.is_empty() && !out.ends_with(char::is_whitespace) {
        out.push(sep);
    }
}
