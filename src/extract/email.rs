//! Email: RFC 5322 messages (`.eml`) and mailboxes (`.mbox`) with
//! mail-parser.
//!
//! A message yields `From`, `To`, `Cc`, `Bcc`, `Reply-To` and `Subject` as
//! `Section` parts, its text bodies (HTML bodies converted to text) as
//! `Line` locations within the body, and every attachment as a contained document
//! (`m.eml!/report.xlsx`), read through the same dispatcher, nested
//! messages included. Whole messages in UTF-16/UTF-32 are transcoded first
//! (mail-parser reads them as nothing otherwise).
//!
//! Encrypted content (S/MIME `application/pkcs7-mime`, PGP
//! `multipart/encrypted` or an inline `BEGIN PGP MESSAGE` body): if nothing
//! else of the message could be read it is `Error(Encrypted)`; otherwise
//! the message is `Ok` with the note `partial: encrypted attachment`.
//!
//! An mbox is split at `From ` lines in bounded memory; each message is a
//! contained document named `<n>-<subject>`.

use super::dispatch::{contained, extract_slice, io_error, outcome, Ctx, Members, Res};
use super::text::{decode_all, detect, Chunker, Enc};
use super::{text_notes, ExtractError, Location, Outcome, TextPart, Visitor, NO_TEXT};
use mail_parser::{Address, Message, MessageParser, MimeHeaders, PartType};
use std::io::{BufRead, BufReader, Read};

pub(crate) fn eml(ctx: &Ctx, bytes: &[u8], v: &mut dyn Visitor) -> Res<Vec<String>> {
    let transcoded;
    let raw: &[u8] = match detect(&bytes[..bytes.len().min(4096)]) {
        (Enc::Rs(e), _) if e != encoding_rs::UTF_8 && e.is_ascii_compatible() => bytes,
        (Enc::Rs(e), bom) if e == encoding_rs::UTF_8 => &bytes[bom..],
        (Enc::Binary, _) => bytes,
        _ => {
            transcoded = decode_all(bytes).unwrap_or_default();
            transcoded.as_bytes()
        }
    };
    let message = MessageParser::default()
        .parse(raw)
        .ok_or_else(|| ExtractError::Corrupt("email: no message found".into()))?;
    read_message(ctx, &message, v)
}

fn addresses(a: &Address<'_>) -> String {
    a.iter()
        .map(|addr| match (addr.name(), addr.address()) {
            (Some(n), Some(e)) => format!("{n} <{e}>"),
            (Some(n), None) => n.to_owned(),
            (None, Some(e)) => e.to_owned(),
            (None, None) => String::new(),
        })
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

fn is_encrypted_part(part: &mail_parser::MessagePart<'_>) -> bool {
    let by_type = part.content_type().is_some_and(|ct| {
        let full = format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or("")).to_ascii_lowercase();
        full == "application/pkcs7-mime"
            || full == "application/x-pkcs7-mime"
            || full == "application/pgp-encrypted"
    });
    let by_name = part.attachment_name().is_some_and(|n| {
        let n = n.to_ascii_lowercase();
        n.ends_with(".p7m") || n.ends_with(".pgp") || n.ends_with(".gpg")
    });
    by_type || by_name
}

fn read_message(ctx: &Ctx, msg: &Message<'_>, v: &mut dyn Visitor) -> Res<Vec<String>> {
    let mut saw = false;
    let mut header = |name: &str, text: String, v: &mut dyn Visitor| {
        if !text.trim().is_empty() {
            saw = true;
            v.text(TextPart::new(
                &text,
                Location::Section { name: name.into() },
            ));
        }
    };
    for (name, value) in [
        ("From", msg.from()),
        ("To", msg.to()),
        ("Cc", msg.cc()),
        ("Bcc", msg.bcc()),
        ("Reply-To", msg.reply_to()),
    ] {
        if let Some(a) = value {
            header(name, addresses(a), v);
        }
    }
    if let Some(subject) = msg.subject() {
        header("Subject", subject.to_owned(), v);
    }
    let mut folded = Members::new("attachment");
    let mut body_text = false;
    for part in msg.text_bodies() {
        let text = match &part.body {
            PartType::Text(t) => t.to_string(),
            PartType::Html(h) => nanohtml2text::html2text(h),
            _ => continue,
        };
        if text.contains("-----BEGIN PGP MESSAGE-----") {
            folded.note("partial: encrypted attachment".into());
        }
        if text.trim().is_empty() {
            continue;
        }
        body_text = true;
        let mut chunker = Chunker::new(&ctx.cfg, v);
        chunker.push(&text);
        chunker.finish();
    }
    let mut encrypted_parts = 0usize;
    let mut other_parts = 0usize;
    for (i, part) in msg.attachments().enumerate() {
        ctx.check()?;
        if i as u64 >= ctx.budgets().max_entries {
            return Err(ExtractError::Budget("entries"));
        }
        let name = part
            .attachment_name()
            .map(str::to_owned)
            .unwrap_or_else(|| default_name(part, i));
        let encrypted = is_encrypted_part(part);
        let o = contained(ctx, &name, v, |ctx, name, v| {
            if encrypted {
                return Outcome::Error(ExtractError::Encrypted);
            }
            match &part.body {
                PartType::Message(m) => outcome(read_message(ctx, m, v)),
                PartType::Binary(b) | PartType::InlineBinary(b) => extract_slice(ctx, name, b, v),
                PartType::Text(t) => extract_slice(ctx, name, t.as_bytes(), v),
                PartType::Html(h) => extract_slice(ctx, name, h.as_bytes(), v),
                PartType::Multipart(_) => Outcome::Ok {
                    notes: text_notes(false),
                },
            }
        });
        if encrypted {
            encrypted_parts += 1;
        } else {
            other_parts += 1;
        }
        folded.add(&o)?;
    }
    // Body parts in the bodies lists are named parts too (HTML shown as
    // text); encrypted bodies are caught above as attachments.
    let pgp_body = msg
        .text_bodies()
        .any(|p| matches!(&p.body, PartType::Text(t) if t.contains("-----BEGIN PGP MESSAGE-----")));
    let readable_body = body_text && !pgp_body;
    if (encrypted_parts > 0 || pgp_body) && !readable_body && other_parts == 0 {
        return Err(ExtractError::Encrypted);
    }
    let mut notes = folded.finish()?;
    if !saw && !body_text && msg.attachments().next().is_none() {
        notes.push(NO_TEXT.into());
    }
    Ok(notes)
}

/// A name for an attachment that has none: `attachment-<n>.<ext>`.
fn default_name(part: &mail_parser::MessagePart<'_>, i: usize) -> String {
    let ext = match &part.body {
        PartType::Message(_) => "eml",
        PartType::Html(_) => "html",
        PartType::Text(_) => "txt",
        _ => "bin",
    };
    format!("attachment-{}.{ext}", i + 1)
}

/// Reads an mbox message by message, none larger than `max_member_size`.
pub(crate) fn mbox(ctx: &Ctx, r: &mut dyn Read, v: &mut dyn Visitor) -> Res<Vec<String>> {
    let limit = ctx.budgets().max_member_size as usize;
    let mut reader = BufReader::new(r);
    let mut folded = Members::new("message");
    let mut message: Vec<u8> = Vec::new();
    let mut oversize = false;
    let mut count = 0u64;
    let mut line = Vec::new();
    loop {
        line.clear();
        let got = reader
            .by_ref()
            .take(1 << 20)
            .read_until(b'\n', &mut line)
            .map_err(io_error)?;
        let boundary = got == 0 || line.starts_with(b"From ");
        if boundary && (!message.iter().all(u8::is_ascii_whitespace) || oversize) {
            ctx.check()?;
            count += 1;
            if count > ctx.budgets().max_entries {
                return Err(ExtractError::Budget("entries"));
            }
            let o = one_message(ctx, count, &message, oversize, v);
            folded.add(&o)?;
            message.clear();
            oversize = false;
        }
        if got == 0 {
            break;
        }
        if boundary {
            continue;
        }
        if message.len() + line.len() > limit {
            oversize = true;
            continue;
        }
        // mboxrd: ">From " lines had one '>' added.
        let unquoted = line
            .iter()
            .position(|&b| b != b'>')
            .is_some_and(|i| i > 0 && line[i..].starts_with(b"From "));
        message.extend_from_slice(if unquoted { &line[1..] } else { &line });
    }
    if count == 0 {
        return Ok(text_notes(false));
    }
    folded.finish()
}

fn one_message(ctx: &Ctx, n: u64, raw: &[u8], oversize: bool, v: &mut dyn Visitor) -> Outcome {
    let parsed = if oversize {
        None
    } else {
        MessageParser::default().parse(raw)
    };
    let subject: String = parsed
        .as_ref()
        .and_then(|m| m.subject())
        .unwrap_or("")
        .chars()
        .map(|c| if c == '/' || c == '\\' { '_' } else { c })
        .take(80)
        .collect();
    let name = if subject.trim().is_empty() {
        format!("{n}")
    } else {
        format!("{n}-{}", subject.trim())
    };
    contained(ctx, &name, v, |ctx, _, v| {
        if oversize {
            return Outcome::Error(ExtractError::Budget("member-size"));
        }
        match &parsed {
            Some(m) => outcome(read_message(ctx, m, v)),
            None => Outcome::Error(ExtractError::Corrupt("email: no message found".into())),
        }
    })
}
