//! RTF to text: the text runs of the document, header and footnote text
//! included; control words, font/colour/style tables, pictures, embedded
//! object data, `\bin` payloads and unknown `\*` destinations skipped.
//! Field results are kept, field instructions dropped. `\'hh` bytes are
//! decoded with the document's `\ansicpg` code page, `\uN` with its
//! `\ucN` fallback skipping. Also used for Outlook's compressed RTF bodies.
//! Locations are lines of the extracted text.

use super::dispatch::{Ctx, Res};
use super::text::Chunker;
use super::text_notes;
use super::Visitor;
use encoding_rs::{Encoding, WINDOWS_1252};

/// Destinations whose content is not document text.
const SKIP: &[&str] = &[
    "fonttbl",
    "colortbl",
    "stylesheet",
    "listtable",
    "listoverridetable",
    "revtbl",
    "rsidtbl",
    "themedata",
    "colorschememapping",
    "datastore",
    "latentstyles",
    "xmlnstbl",
    "fldinst",
    "generator",
    "pgdsctbl",
    "filetbl",
    "mmathPr",
    "pict",
    "objdata",
    "objclass",
    "objname",
    "info",
    "shppict",
    "nonshppict",
    "bkmkstart",
    "bkmkend",
    "xmlopen",
    "wgrffmtfilter",
    "pnseclvl",
    "pntext",
    "pntxtb",
    "pntxta",
    "listtext",
    "ftnsep",
    "ftnsepc",
    "aftnsep",
    "aftnsepc",
    "htmltag",
    "mhtmltag",
];

/// Group nesting beyond this is not followed (its text is still skipped
/// correctly, only the state stack stops growing).
const MAX_GROUPS: usize = 4096;

pub(crate) fn extract(ctx: &Ctx, bytes: &[u8], v: &mut dyn Visitor) -> Res<Vec<String>> {
    let text = to_text(ctx, bytes)?;
    let mut chunker = Chunker::new(&ctx.cfg, v);
    chunker.push(&text);
    Ok(text_notes(chunker.finish()))
}

#[derive(Clone, Copy)]
struct State {
    skip: bool,
    uc: usize,
}

/// The plain text of an RTF document.
pub(crate) fn to_text(ctx: &Ctx, rtf: &[u8]) -> Res<String> {
    let mut out = String::with_capacity(rtf.len() / 2);
    let mut pending: Vec<u8> = Vec::new(); // code page bytes not yet decoded
    let mut codepage: &'static Encoding = WINDOWS_1252;
    let mut stack: Vec<State> = Vec::new();
    let mut state = State { skip: false, uc: 1 };
    let mut skip_fallback = 0usize;
    let mut depth_overflow = 0usize;
    let mut i = 0usize;
    let mut steps = 0u32;
    let flush = |pending: &mut Vec<u8>, out: &mut String, cp: &'static Encoding| {
        if !pending.is_empty() {
            out.push_str(&cp.decode_without_bom_handling(pending).0);
            pending.clear();
        }
    };
    while i < rtf.len() {
        steps = steps.wrapping_add(1);
        if steps.is_multiple_of(65_536) {
            ctx.check()?;
        }
        let b = rtf[i];
        match b {
            b'{' => {
                if stack.len() < MAX_GROUPS {
                    stack.push(state);
                } else {
                    depth_overflow += 1;
                }
                i += 1;
            }
            b'}' => {
                if depth_overflow > 0 {
                    depth_overflow -= 1;
                } else if let Some(s) = stack.pop() {
                    flush(&mut pending, &mut out, codepage);
                    state = s;
                }
                i += 1;
            }
            b'\\' => {
                i += 1;
                let Some(&c) = rtf.get(i) else { break };
                if c.is_ascii_alphabetic() {
                    let start = i;
                    while i < rtf.len() && rtf[i].is_ascii_alphabetic() && i - start < 32 {
                        i += 1;
                    }
                    let word = std::str::from_utf8(&rtf[start..i]).unwrap_or("");
                    let num_start = i;
                    if i < rtf.len() && rtf[i] == b'-' {
                        i += 1;
                    }
                    while i < rtf.len() && rtf[i].is_ascii_digit() && i - num_start < 11 {
                        i += 1;
                    }
                    let param: Option<i64> = std::str::from_utf8(&rtf[num_start..i])
                        .ok()
                        .and_then(|s| s.parse().ok());
                    if i < rtf.len() && rtf[i] == b' ' {
                        i += 1;
                    }
                    if skip_fallback > 0 {
                        skip_fallback -= 1;
                        continue;
                    }
                    match word {
                        "bin" => {
                            i = i.saturating_add(param.unwrap_or(0).max(0) as usize);
                        }
                        "u" if !state.skip => {
                            flush(&mut pending, &mut out, codepage);
                            let n = param.unwrap_or(0);
                            let n = if n < 0 { n + 65_536 } else { n } as u32;
                            out.push(char::from_u32(n).unwrap_or('\u{FFFD}'));
                            skip_fallback = state.uc;
                        }
                        "uc" => state.uc = param.unwrap_or(1).clamp(0, 8) as usize,
                        "ansicpg" => {
                            if let Some(cp) = param.and_then(|p| codepage_encoding(p as u16)) {
                                codepage = cp;
                            }
                        }
                        "par" | "line" | "row" | "sect" | "page" if !state.skip => {
                            flush(&mut pending, &mut out, codepage);
                            out.push('\n');
                        }
                        "tab" | "cell" if !state.skip => {
                            flush(&mut pending, &mut out, codepage);
                            out.push('\t');
                        }
                        w if SKIP.contains(&w) => state.skip = true,
                        _ => {}
                    }
                } else {
                    i += 1;
                    match c {
                        b'*' => state.skip = true,
                        b'\'' => {
                            let hex = rtf.get(i..i + 2).and_then(|h| std::str::from_utf8(h).ok());
                            if let Some(byte) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                                i += 2;
                                if skip_fallback > 0 {
                                    skip_fallback -= 1;
                                } else if !state.skip {
                                    pending.push(byte);
                                }
                            }
                        }
                        b'~' if !state.skip => out.push('\u{A0}'),
                        b'_' if !state.skip => out.push('-'),
                        b'\\' | b'{' | b'}' if !state.skip => {
                            flush(&mut pending, &mut out, codepage);
                            out.push(c as char);
                        }
                        b'\n' | b'\r' if !state.skip => {
                            flush(&mut pending, &mut out, codepage);
                            out.push('\n');
                        }
                        _ => {}
                    }
                }
            }
            b'\r' | b'\n' => i += 1,
            _ => {
                i += 1;
                if skip_fallback > 0 {
                    skip_fallback -= 1;
                } else if !state.skip {
                    if b < 0x80 {
                        flush(&mut pending, &mut out, codepage);
                        out.push(b as char);
                    } else {
                        pending.push(b);
                    }
                }
            }
        }
    }
    flush(&mut pending, &mut out, codepage);
    Ok(out)
}

/// Windows code page number to encoding.
pub(crate) fn codepage_encoding(cp: u16) -> Option<&'static Encoding> {
    let label = match cp {
        65001 => "utf-8".to_owned(),
        1200 => "utf-16le".to_owned(),
        932 => "shift_jis".to_owned(),
        936 => "gbk".to_owned(),
        949 => "euc-kr".to_owned(),
        950 => "big5".to_owned(),
        20866 => "koi8-r".to_owned(),
        28591..=28605 => format!("iso-8859-{}", cp - 28590),
        874 | 1250..=1258 => format!("windows-{cp}"),
        _ => return None,
    };
    Encoding::for_label(label.as_bytes())
}
