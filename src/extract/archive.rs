//! Archives: zip (deflate/stored), tar, gzip (`.gz`, `.tar.gz`, `.tgz`).
//!
//! Each file member is a contained document, recursed through the
//! dispatcher, so nested archives, office files and mails inside exports are
//! read too. Before a zip member is inflated its declared sizes are checked
//! (ratio, running total; the zip crate refuses data longer than declared),
//! and every inflated byte is charged as it streams (`Metered`). Members that
//! are text stream in bounded chunks whatever their size; other members are
//! read into memory up to `max_member_size`. The declared sizes of all
//! members of an archive are checked together first, so a bomb of many
//! small members fails before anything is inflated.
//!
//! A zip is first classified by its members: OOXML (`word/`, `ppt/`, `xl/`)
//! and ODF (`mimetype`) packages go to their readers, anything else is an
//! archive. Encrypted members end as `Error(Encrypted)`; compression methods
//! other than stored/deflate as `Error(Unsupported)`. A `.gz` payload is the
//! same document (no `enter`), one nesting level deeper. Objects embedded
//! in OOXML packages (`word/embeddings/...`) are contained documents too.

use super::dispatch::{
    contained, extract_reader, io_error, outcome, Counting, Ctx, Members, Metered, Res,
};
use super::sheet::{self, Book};
use super::worker::guard;
use super::{office, ExtractError, Outcome, Visitor, NO_TEXT};
use std::cell::Cell;
use std::io::{BufReader, Cursor, Read, Seek};
use std::path::Path;
use std::rc::Rc;
use zip::result::ZipError;
use zip::{CompressionMethod, ZipArchive};

/// Largest `mimetype` member of an ODF package that is looked at.
const MAX_MIMETYPE: u64 = 256;

fn zip_error(e: ZipError) -> ExtractError {
    match e {
        ZipError::UnsupportedArchive(ZipError::PASSWORD_REQUIRED) | ZipError::InvalidPassword => {
            ExtractError::Encrypted
        }
        ZipError::Io(io) => io_error(io),
        ZipError::CompressionMethodNotSupported(m) => {
            ExtractError::Unsupported(format!("zip compression method {m}"))
        }
        ZipError::UnsupportedArchive(what) => ExtractError::Unsupported(format!("zip: {what}")),
        other => ExtractError::Corrupt(format!("zip: {other}")),
    }
}

fn open<R: Read + Seek>(r: R) -> Res<ZipArchive<R>> {
    guard(|| ZipArchive::new(r))?.map_err(zip_error)
}

/// A zip container in memory: office package or plain archive.
pub(crate) fn zip_family(ctx: &Ctx, _name: &str, bytes: &[u8], v: &mut dyn Visitor) -> Outcome {
    let mut zip = match open(Cursor::new(bytes)) {
        Ok(z) => z,
        Err(e) => return Outcome::Error(e),
    };
    let has = |zip: &ZipArchive<_>, n: &str| zip.index_for_name(n).is_some();
    if has(&zip, "word/document.xml") {
        let main = office::docx(ctx, &mut zip, v);
        return with_embeddings(ctx, &mut zip, "word/embeddings/", main, v);
    }
    if has(&zip, "ppt/presentation.xml") {
        let main = office::pptx(ctx, &mut zip, v);
        return with_embeddings(ctx, &mut zip, "ppt/embeddings/", main, v);
    }
    if has(&zip, "xl/workbook.xml") || has(&zip, "xl/workbook.bin") {
        let book = if has(&zip, "xl/workbook.bin") {
            Book::Xlsb
        } else {
            Book::Xlsx
        };
        let main = precheck(ctx, &mut zip)
            .and_then(|()| sheet::extract(ctx, book, bytes, v))
            .and_then(|mut notes| {
                if office::xlsx_comments(ctx, &mut zip, v)? {
                    notes.retain(|n| n != NO_TEXT);
                }
                Ok(notes)
            });
        return with_embeddings(ctx, &mut zip, "xl/embeddings/", main, v);
    }
    let mimetype = odf_mimetype(ctx, &mut zip).or_else(|| {
        // Some writers omit `mimetype`; the manifest plus content.xml is ODF.
        (has(&zip, "content.xml") && has(&zip, "META-INF/manifest.xml"))
            .then(|| "application/vnd.oasis.opendocument.unknown".to_owned())
    });
    if let Some(mime) = mimetype {
        if office::odf_encrypted(ctx, &mut zip) {
            return Outcome::Error(ExtractError::Encrypted);
        }
        if mime.ends_with(".spreadsheet") || mime.ends_with(".spreadsheet-template") {
            return outcome(
                precheck(ctx, &mut zip).and_then(|()| sheet::extract(ctx, Book::Ods, bytes, v)),
            );
        }
        if mime.starts_with("application/vnd.oasis.opendocument.") {
            return outcome(office::odf(ctx, &mut zip, v));
        }
    }
    outcome(members(ctx, &mut zip, v))
}

/// A zip archive too large for memory, read from disk.
pub(crate) fn zip_path(ctx: &Ctx, path: &Path, v: &mut dyn Visitor) -> Outcome {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return Outcome::Error(ExtractError::Io(e.to_string())),
    };
    match open(BufReader::new(file)) {
        Ok(mut zip) => outcome(members(ctx, &mut zip, v)),
        Err(e) => Outcome::Error(e),
    }
}

fn odf_mimetype<R: Read + Seek>(ctx: &Ctx, zip: &mut ZipArchive<R>) -> Option<String> {
    let i = zip.index_for_name("mimetype")?;
    let file = zip.by_index(i).ok()?;
    if file.size() > MAX_MIMETYPE {
        return None;
    }
    let (size, csize) = (file.size(), file.compressed_size());
    let bytes = ctx.read_member(&mut { file }, size, csize).ok()?;
    Some(String::from_utf8_lossy(&bytes).trim().to_owned())
}

/// Checks the declared sizes of every part a spreadsheet parser inflates
/// itself (not media or embedded objects, which it never opens) against
/// the budgets, and charges them.
fn precheck<R: Read + Seek>(ctx: &Ctx, zip: &mut ZipArchive<R>) -> Res<()> {
    if zip.len() as u64 > ctx.budgets().max_entries {
        return Err(ExtractError::Budget("entries"));
    }
    for i in 0..zip.len() {
        let file = zip.by_index_raw(i).map_err(zip_error)?;
        let name = String::from_utf8_lossy(file.name_raw());
        if ["media/", "embeddings/", "Pictures/", "Thumbnails/"]
            .iter()
            .any(|p| name.contains(p))
        {
            continue;
        }
        if file.encrypted() {
            return Err(ExtractError::Encrypted);
        }
        ctx.check_declared(file.size(), file.compressed_size())?;
        if file.size() > ctx.budgets().max_member_size {
            return Err(ExtractError::Budget("member-size"));
        }
        ctx.charge(file.size())?;
    }
    Ok(())
}

/// Objects embedded in an OOXML package (a spreadsheet inside a report)
/// are contained documents: `report.docx!/word/embeddings/Sheet1.xlsx`.
fn with_embeddings<R: Read + Seek>(
    ctx: &Ctx,
    zip: &mut ZipArchive<R>,
    prefix: &str,
    main: Res<Vec<String>>,
    v: &mut dyn Visitor,
) -> Outcome {
    let mut notes = match main {
        Ok(n) => n,
        Err(e) => return Outcome::Error(e),
    };
    let embedded: Vec<(usize, String)> = (0..zip.len())
        .filter_map(|i| {
            let name = zip.name_for_index(i)?.ok()?;
            (name.starts_with(prefix) && !name.ends_with('/')).then(|| (i, name.into_owned()))
        })
        .collect();
    if embedded.is_empty() {
        return Outcome::Ok { notes };
    }
    let mut folded = Members::new("embedded object");
    for (i, name) in embedded {
        let o = contained(ctx, &name, v, |ctx, name, v| {
            read_entry(ctx, zip, i, name, v)
        });
        if let Err(e) = folded.add(&o) {
            return Outcome::Error(e);
        }
    }
    match folded.finish() {
        Ok(more) => {
            notes.retain(|n| n != NO_TEXT);
            notes.extend(more);
            Outcome::Ok { notes }
        }
        Err(e) => Outcome::Error(e),
    }
}

/// Reads entry `i` of a zip as a contained document named `name`.
fn read_entry<R: Read + Seek>(
    ctx: &Ctx,
    zip: &mut ZipArchive<R>,
    i: usize,
    name: &str,
    v: &mut dyn Visitor,
) -> Outcome {
    let meta = zip.by_index_raw(i).map(|f| {
        (
            f.encrypted(),
            f.size(),
            f.compressed_size(),
            f.compression(),
        )
    });
    let (encrypted, size, csize, method) = match meta {
        Ok(m) => m,
        Err(e) => return Outcome::Error(zip_error(e)),
    };
    if encrypted {
        return Outcome::Error(ExtractError::Encrypted);
    }
    if !matches!(
        method,
        CompressionMethod::Stored | CompressionMethod::Deflated
    ) {
        return Outcome::Error(ExtractError::Unsupported(format!(
            "zip compression method {method}"
        )));
    }
    if let Err(e) = ctx.check_declared(size, csize) {
        return Outcome::Error(e);
    }
    match zip.by_index(i) {
        Ok(file) => extract_reader(ctx, name, &mut Metered::new(file, ctx), v),
        Err(e) => Outcome::Error(zip_error(e)),
    }
}

/// Every file member of a plain zip archive, as contained documents.
fn members<R: Read + Seek>(
    ctx: &Ctx,
    zip: &mut ZipArchive<R>,
    v: &mut dyn Visitor,
) -> Res<Vec<String>> {
    if zip.len() as u64 > ctx.budgets().max_entries {
        return Err(ExtractError::Budget("entries"));
    }
    check_declared_total(ctx, zip)?;
    let mut folded = Members::new("member");
    for i in 0..zip.len() {
        ctx.check()?;
        let meta = zip.by_index_raw(i).map(|f| {
            let name = match f.name() {
                Ok(n) => n.into_owned(),
                Err(_) => String::from_utf8_lossy(f.name_raw()).into_owned(),
            };
            (name, f.is_dir())
        });
        let (name, is_dir) = match meta {
            Ok(m) => m,
            Err(e) => {
                let e = zip_error(e);
                let o = contained(ctx, &format!("entry-{}", i + 1), v, |_, _, _| {
                    Outcome::Error(e)
                });
                folded.add(&o)?;
                continue;
            }
        };
        if is_dir {
            continue;
        }
        let o = contained(ctx, &name, v, |ctx, name, v| {
            read_entry(ctx, zip, i, name, v)
        });
        folded.add(&o)?;
    }
    folded.finish()
}

/// Checks the sizes the central directory declares for all members
/// together, before any member is inflated. Each member under the ratio
/// floor passes its own check, so 2,000 members of 900 KiB would otherwise
/// be inflated and scanned up to the expanded-bytes budget before it trips.
/// The total is held to that budget first (the kind streaming would reach),
/// then to the ratio. Members that fail their own check are left out here:
/// they are refused one by one, as contained documents. Declared sizes can
/// lie; `Metered` still charges every inflated byte.
fn check_declared_total<R: Read + Seek>(ctx: &Ctx, zip: &mut ZipArchive<R>) -> Res<()> {
    let (mut size, mut compressed) = (0u64, 0u64);
    for i in 0..zip.len() {
        // An unreadable entry is reported when its turn comes.
        let Ok(f) = zip.by_index_raw(i) else { continue };
        if f.is_dir() || f.encrypted() || ctx.check_declared(f.size(), f.compressed_size()).is_err()
        {
            continue;
        }
        size = size.saturating_add(f.size());
        compressed = compressed.saturating_add(f.compressed_size());
    }
    // Ratio 1: the budget alone.
    ctx.check_declared(size, size)?;
    ctx.check_declared(size, compressed)
}

/// A gzip stream: its payload is read as this same document.
pub(crate) fn gzip(ctx: &Ctx, name: &str, r: &mut dyn Read, v: &mut dyn Visitor) -> Outcome {
    let count = Rc::new(Cell::new(0u64));
    let decoder = flate2::read::MultiGzDecoder::new(Counting {
        inner: r,
        count: count.clone(),
    });
    let mut payload = Metered::new(decoder, ctx).with_input_counter(count);
    let lower = name.to_ascii_lowercase();
    let inner = if lower.ends_with(".tgz") {
        format!("{}.tar", &name[..name.len() - 4])
    } else if lower.ends_with(".gz") {
        name[..name.len() - 3].to_owned()
    } else {
        name.to_owned()
    };
    ctx.deeper(|| extract_reader(ctx, &inner, &mut payload, v))
}

/// Every regular file of a tar stream, as contained documents.
pub(crate) fn tar(ctx: &Ctx, r: &mut dyn Read, v: &mut dyn Visitor) -> Res<Vec<String>> {
    let mut archive = tar::Archive::new(r);
    let entries = archive.entries().map_err(io_error)?;
    let mut folded = Members::new("member");
    let mut count = 0u64;
    for entry in entries {
        ctx.check()?;
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) if count == 0 => return Err(io_error(e)),
            Err(e) => {
                // The rest of a damaged tar cannot be found again.
                folded.add(&Outcome::Error(io_error(e)))?;
                break;
            }
        };
        count += 1;
        if count > ctx.budgets().max_entries {
            return Err(ExtractError::Budget("entries"));
        }
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let o = contained(ctx, &name, v, |ctx, name, v| {
            extract_reader(ctx, name, &mut entry, v)
        });
        folded.add(&o)?;
    }
    folded.finish()
}

#[cfg(test)]
mod tests {
    use super::super::tests::Collect;
    use super::super::{extract_bytes, ExtractConfig, ExtractError, Outcome};
    use std::io::Write;
    use zip::write::SimpleFileOptions;

    /// A zip of `n` members of `size` zero bytes, deflated.
    fn zeros_zip(n: usize, size: usize) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = SimpleFileOptions::default();
        for i in 0..n {
            w.start_file(format!("m/{i}.txt"), opts).unwrap();
            w.write_all(&vec![0u8; size]).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    fn extract(bytes: &[u8], cfg: &ExtractConfig) -> (Outcome, Collect) {
        let mut c = Collect::default();
        let o = extract_bytes("a.zip", bytes, cfg, &mut c);
        (o, c)
    }

    /// Members that each pass their own checks, refused together from the
    /// central directory before a single one is opened.
    #[test]
    fn declared_totals_fail_before_inflating() {
        let small = zeros_zip(3, 600 << 10);
        let (o, c) = extract(&small, &ExtractConfig::default());
        assert_eq!(o, Outcome::Error(ExtractError::Budget("ratio")));
        assert!(c.left.is_empty(), "no member opened: {:?}", c.left);

        let mut cfg = ExtractConfig::default();
        cfg.budgets.max_ratio = u64::MAX;
        cfg.budgets.max_expanded_bytes = 1 << 20;
        let (o, c) = extract(&small, &cfg);
        assert_eq!(o, Outcome::Error(ExtractError::Budget("expanded-bytes")));
        assert!(c.left.is_empty(), "no member opened: {:?}", c.left);

        // Under every budget together: read as usual.
        let (o, c) = extract(&zeros_zip(3, 1000), &ExtractConfig::default());
        assert!(matches!(o, Outcome::Ok { .. }), "{o:?}");
        assert_eq!(c.left.len(), 3);
    }
}
