//! What an input is: magic bytes first, the name's extension second, the
//! text's shape last. A `.docx` that is really a PDF is read as a PDF and a
//! `.txt` that is really a zip is opened as one; zip and OLE containers are
//! told apart further by their members/streams (`archive::zip_family`,
//! `ole::extract`).

/// The reader an input goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Empty,
    Binary,
    Text,
    Csv,
    Tsv,
    Html,
    Xml,
    Pdf,
    /// Zip container: plain archive, OOXML, ODF (decided by its members).
    Zip,
    /// OLE compound file: .msg, .doc, .ppt, .xls, encrypted OOXML.
    Ole,
    Gzip,
    Tar,
    Eml,
    Mbox,
    Rtf,
}

impl Kind {
    /// Kinds read as a stream in bounded memory, whatever their size.
    pub fn streams(self) -> bool {
        matches!(
            self,
            Kind::Text | Kind::Csv | Kind::Tsv | Kind::Xml | Kind::Gzip | Kind::Tar | Kind::Mbox
        )
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Empty => "empty",
            Kind::Binary => "binary",
            Kind::Text => "text",
            Kind::Csv => "csv",
            Kind::Tsv => "tsv",
            Kind::Html => "html",
            Kind::Xml => "xml",
            Kind::Pdf => "pdf",
            Kind::Zip => "zip",
            Kind::Ole => "ole",
            Kind::Gzip => "gzip",
            Kind::Tar => "tar",
            Kind::Eml => "email",
            Kind::Mbox => "mbox",
            Kind::Rtf => "rtf",
        }
    }
}

const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Formats with no text worth reading (images, media, executables, other
/// compressors) by their leading bytes.
const BINARY_MAGIC: &[&[u8]] = &[
    b"\x89PNG\r\n\x1a\n",
    b"\xFF\xD8\xFF",
    b"GIF87a",
    b"GIF89a",
    b"II*\x00",
    b"MM\x00*",
    b"\x7FELF",
    b"\xCA\xFE\xBA\xBE",
    b"\xCF\xFA\xED\xFE",
    b"7z\xBC\xAF\x27\x1C",
    b"Rar!\x1A\x07",
    b"\xFD7zXZ\x00",
    b"\x28\xB5\x2F\xFD",
    b"BZh91AY&SY",
    b"OggS",
    b"fLaC",
    b"ID3",
    b"\x00asm",
    b"SQLite format 3\x00",
    b"wOFF",
    b"wOF2",
    b"\x00\x01\x00\x00\x00",
    b"OTTO",
];

const TEXT_EXT: &[&str] = &[
    "txt",
    "text",
    "md",
    "markdown",
    "rst",
    "adoc",
    "log",
    "json",
    "jsonl",
    "ndjson",
    "yaml",
    "yml",
    "ini",
    "cfg",
    "conf",
    "env",
    "toml",
    "properties",
    "sql",
    "sh",
    "py",
    "js",
    "ts",
    "java",
    "c",
    "h",
    "cpp",
    "rs",
    "go",
    "rb",
    "php",
    "ps1",
    "bat",
];

fn extension(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    match base.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => ext.to_ascii_lowercase(),
        _ => String::new(),
    }
}

/// Sniffs `head` (the first bytes of an input named `name`).
pub(crate) fn sniff(name: &str, head: &[u8]) -> Kind {
    if head.is_empty() {
        return Kind::Empty;
    }
    let ext = extension(name);
    if let Some(kind) = by_magic(head) {
        return kind;
    }
    // PDF readers accept the header anywhere in the first KiB; outside a
    // `.pdf` that would turn text *about* PDFs into broken PDFs.
    if ext == "pdf" && memchr::memmem::find(&head[..head.len().min(1024)], b"%PDF-").is_some() {
        return Kind::Pdf;
    }
    match ext.as_str() {
        "csv" => return Kind::Csv,
        "tsv" | "tab" => return Kind::Tsv,
        "html" | "htm" | "xhtml" | "shtml" => return Kind::Html,
        "xml" | "xsd" | "xsl" | "xslt" | "svg" | "rss" | "atom" | "xlf" | "xliff" | "resx" => {
            return Kind::Xml
        }
        "eml" | "mht" | "mhtml" => return Kind::Eml,
        "mbox" | "mbx" => return Kind::Mbox,
        e if TEXT_EXT.contains(&e) => return Kind::Text,
        _ => {}
    }
    by_shape(head)
}

fn by_magic(head: &[u8]) -> Option<Kind> {
    if head.starts_with(b"PK\x03\x04")
        || head.starts_with(b"PK\x05\x06")
        || head.starts_with(b"PK\x07\x08")
    {
        return Some(Kind::Zip);
    }
    if head.starts_with(OLE_MAGIC) {
        return Some(Kind::Ole);
    }
    if head.starts_with(b"\x1F\x8B") {
        return Some(Kind::Gzip);
    }
    if head.len() >= 262 && &head[257..262] == b"ustar" {
        return Some(Kind::Tar);
    }
    if head.starts_with(b"{\\rtf") {
        return Some(Kind::Rtf);
    }
    if head.starts_with(b"%PDF-") {
        return Some(Kind::Pdf);
    }
    if BINARY_MAGIC.iter().any(|m| head.starts_with(m)) {
        return Some(Kind::Binary);
    }
    // RIFF (wav, avi, webp) and ISO media (mp4, mov, heic).
    if head.starts_with(b"RIFF") || (head.len() >= 8 && &head[4..8] == b"ftyp") {
        return Some(Kind::Binary);
    }
    None
}

/// Text with no telling extension: look at what it starts with.
fn by_shape(head: &[u8]) -> Kind {
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(head.len());
    let lead = &head[start..head.len().min(start + 512)];
    let lower: Vec<u8> = lead.iter().map(u8::to_ascii_lowercase).collect();
    if lower.starts_with(b"<!doctype html") || lower.starts_with(b"<html") {
        return Kind::Html;
    }
    if lower.starts_with(b"<?xml") {
        return Kind::Xml;
    }
    if head.starts_with(b"From ")
        && looks_like_headers(head.splitn(2, |&b| b == b'\n').nth(1).unwrap_or(b""))
    {
        return Kind::Mbox;
    }
    if looks_like_headers(head) {
        return Kind::Eml;
    }
    Kind::Text
}

/// An RFC 5322 header block: starts with `Name: value` lines, at least two
/// of them well-known mail headers.
fn looks_like_headers(text: &[u8]) -> bool {
    const KNOWN: &[&str] = &[
        "from",
        "to",
        "cc",
        "subject",
        "date",
        "received",
        "message-id",
        "mime-version",
        "return-path",
        "delivered-to",
        "content-type",
        "reply-to",
        "x-mailer",
    ];
    let mut known = 0;
    for (i, line) in text.split(|&b| b == b'\n').take(40).enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break;
        }
        if line[0] == b' ' || line[0] == b'\t' {
            continue; // folded header
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            return false;
        };
        let field = &line[..colon];
        if field.is_empty()
            || !field
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        {
            return false;
        }
        let field = String::from_utf8_lossy(field).to_ascii_lowercase();
        if KNOWN.contains(&field.as_str()) {
            known += 1;
        }
        if i == 0 && !KNOWN.contains(&field.as_str()) && !field.starts_with("x-") {
            return false;
        }
    }
    known >= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_beats_extension() {
        assert_eq!(sniff("report.docx", b"%PDF-1.7\n..."), Kind::Pdf);
        assert_eq!(sniff("notes.txt", b"PK\x03\x04rest"), Kind::Zip);
        assert_eq!(sniff("a.csv", b"name,ssn\n"), Kind::Csv);
        assert_eq!(sniff("pic.txt", b"\x89PNG\r\n\x1a\n...."), Kind::Binary);
        assert_eq!(sniff("x", b""), Kind::Empty);
        assert_eq!(sniff("scan.pdf", b"\r\n%PDF-1.4\n"), Kind::Pdf);
        assert_eq!(
            sniff("notes.md", b"# Notes\nThe header is %PDF-1.7\n"),
            Kind::Text
        );
    }

    #[test]
    fn shape_without_extension() {
        assert_eq!(sniff("page", b"  <!DOCTYPE html><p>x"), Kind::Html);
        assert_eq!(
            sniff("mail", b"From: a@b.c\nTo: d@e.f\nSubject: hi\n\nbody"),
            Kind::Eml
        );
        assert_eq!(
            sniff(
                "box",
                b"From a@b Mon Jan 1 00:00:00 2024\nFrom: a@b.c\nSubject: x\n\nb"
            ),
            Kind::Mbox
        );
        assert_eq!(
            sniff("notes", b"Subject to change: see below\nplain text"),
            Kind::Text
        );
        assert_eq!(sniff("notes.md", b"From: a\nTo: b\n"), Kind::Text);
    }
}
