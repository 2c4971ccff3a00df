//! Masked forms of detected values, safe to store in the catalog and print.
//!
//! A mask keeps just enough to recognise a value (`j***@e***.com`,
//! `**** **** **** 9855`, `AKIA************MPLE`) and never more than about
//! four characters of anything secret. Phrase rules (credit notes, internal
//! annotations) are not secrets themselves, so their snippet shows the phrase
//! with a few words around it, but every digit-heavy, address-like or
//! secret-looking token in that text is masked too.

use anyhow::{bail, Result};
use regex::Regex;
use std::sync::LazyLock;

/// How a rule's matched value is masked for display.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Mask {
    /// `j***@e***.com`.
    Email,
    /// Every letter and digit becomes `*` except the last few (4 for values
    /// of 9+ characters, 2 for 6–8, none below); separators stay.
    Digits,
    /// Country code and the last two characters stay: `DE** **** ... 00`.
    Iban,
    /// A public prefix (`ghp_`, `sk_live_`, or the first N characters for
    /// `token:N`) and, for long values, the last four characters.
    Token(Option<usize>),
    /// Only the `-----BEGIN ... -----` line of a key block.
    Pem,
    /// A URL or connection string with its password and key values starred.
    Url,
    /// Initials only: `J*** D**`.
    Name,
    /// Letters and digits starred, punctuation kept: `**/**/****`.
    Shape,
    /// The matched phrase with a few words of context, risky tokens masked.
    Phrase,
}

impl Mask {
    /// Parses a mask name as written in a rule file.
    pub fn parse(s: &str) -> Result<Mask> {
        Ok(match s.trim() {
            "email" => Mask::Email,
            "digits" => Mask::Digits,
            "iban" => Mask::Iban,
            "token" => Mask::Token(None),
            "pem" => Mask::Pem,
            "url" => Mask::Url,
            "name" => Mask::Name,
            "shape" => Mask::Shape,
            "phrase" => Mask::Phrase,
            other => match other.strip_prefix("token:").map(str::parse::<usize>) {
                Some(Ok(n)) if n <= 12 => Mask::Token(Some(n)),
                _ => bail!(
                    "unknown mask {other:?} (known: email, digits, iban, token, token:N (N <= 12), \
                     pem, url, name, shape, phrase)"
                ),
            },
        })
    }

    /// The masked form of `value`. For [`Mask::Phrase`] use [`phrase`]
    /// instead, which needs the surrounding text; here it masks risky tokens.
    pub fn apply(self, value: &str) -> String {
        match self {
            Mask::Email => email(value),
            Mask::Digits => keep_tail(value, tail_len(value)),
            Mask::Iban => iban(value),
            Mask::Token(prefix) => token(value, prefix),
            Mask::Pem => pem(value),
            Mask::Url => url(value),
            Mask::Name => name(value),
            Mask::Shape => keep_tail(value, 0),
            Mask::Phrase => mask_tokens(value),
        }
    }
}

const STARS_MAX: usize = 24;

fn stars(n: usize) -> String {
    if n > STARS_MAX {
        format!("{}…", "*".repeat(STARS_MAX))
    } else {
        "*".repeat(n)
    }
}

fn tail_len(value: &str) -> usize {
    match value.chars().filter(|c| c.is_alphanumeric()).count() {
        n if n >= 9 => 4,
        n if n >= 6 => 2,
        _ => 0,
    }
}

/// Stars every alphanumeric character except the last `keep`; other
/// characters (spaces, dashes, slashes) stay so the shape is recognisable.
fn keep_tail(value: &str, keep: usize) -> String {
    let total = value.chars().filter(|c| c.is_alphanumeric()).count();
    let mut seen = 0;
    value
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                seen += 1;
                if seen > total.saturating_sub(keep) {
                    c
                } else {
                    '*'
                }
            } else if c.is_whitespace() {
                ' '
            } else {
                c
            }
        })
        .collect()
}

fn first_char_stars(s: &str) -> String {
    match s.chars().next() {
        Some(c) => format!("{c}***"),
        None => String::new(),
    }
}

fn email(value: &str) -> String {
    let Some((local, domain)) = value.rsplit_once('@') else {
        return keep_tail(value, 0);
    };
    let (host, tld) = match domain.rsplit_once('.') {
        Some((h, t)) => (h, t),
        None => (domain, ""),
    };
    let host_first = host.rsplit('.').next().unwrap_or(host);
    format!("{}@{}.{}", first_char_stars(local), first_char_stars(host_first), tld)
}

fn iban(value: &str) -> String {
    let total = value.chars().filter(|c| c.is_alphanumeric()).count();
    let mut seen = 0;
    value
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                seen += 1;
                if seen <= 2 || seen > total.saturating_sub(2) {
                    c
                } else {
                    '*'
                }
            } else {
                c
            }
        })
        .collect()
}

/// The public part of a token: the vendor prefix up to its last `_`/`-`
/// within the first 14 characters (`ghp_`, `sk_live_`, `xoxb-`, `glpat-`).
fn auto_prefix(value: &str) -> usize {
    let b = value.as_bytes();
    let mut end = 0;
    for (i, &c) in b.iter().enumerate().take(14) {
        if c == b'_' || c == b'-' {
            end = i + 1;
        } else if !c.is_ascii_alphanumeric() {
            break;
        }
    }
    // A prefix is letters (and digits after the first letter) only, so a
    // random secret that happens to contain `-` early keeps it hidden.
    if end > 0 && b[..end - 1].iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_' || *c == b'-')
        && b[0].is_ascii_alphabetic()
        && end <= value.len() / 2
    {
        end
    } else {
        0
    }
}

fn token(value: &str, prefix: Option<usize>) -> String {
    let value = value.trim();
    let p = prefix.unwrap_or_else(|| auto_prefix(value)).min(value.len());
    let p = (0..=p).rev().find(|&i| value.is_char_boundary(i)).unwrap_or(0);
    let (head, rest) = value.split_at(p);
    let n = rest.chars().count();
    if n >= 16 {
        let tail: String = rest.chars().skip(n - 4).collect();
        format!("{head}{}{tail}", stars(n - 4))
    } else {
        format!("{head}{}", "*".repeat(8))
    }
}

fn pem(value: &str) -> String {
    let first = value.lines().next().unwrap_or("").trim();
    let header: String = first.chars().take(64).collect();
    // The header names the key type; anything after it on the line is key.
    let header = match header.find("-----").and_then(|i| {
        header[i + 5..].find("-----").map(|j| i + 5 + j + 5)
    }) {
        Some(end) => header[..end].to_string(),
        None => header.split(':').next().unwrap_or("").to_string() + ":",
    };
    format!("{header}****")
}

static URL_PASSWORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(://[^:/@\s]*:)([^@\s]+)(@)").expect("static regex"));
static KEY_VALUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)((?:password|passwd|pwd|pass|secret|token|apikey|api_key|accountkey|sharedaccesskey|sharedaccesssignature|sig|key)\s*=\s*)([^;&\s]+)",
    )
    .expect("static regex")
});

fn url(value: &str) -> String {
    let masked = URL_PASSWORD.replace_all(value, "${1}****${3}");
    KEY_VALUE.replace_all(&masked, "${1}****").into_owned()
}

fn name(value: &str) -> String {
    value
        .split_whitespace()
        .map(|w| {
            let mut cs = w.chars();
            match cs.next() {
                Some(c) => format!("{c}{}", "*".repeat(cs.count().max(2))),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether a whitespace-separated token could identify a person or grant
/// access: four or more digits, an `@`, or a long mixed letter/digit run.
fn risky(tok: &str) -> bool {
    let digits = tok.bytes().filter(u8::is_ascii_digit).count();
    let alpha = tok.bytes().filter(u8::is_ascii_alphabetic).count();
    digits >= 4
        || tok.contains('@')
        || (tok.len() >= 12 && digits > 0 && alpha > 0)
        || (tok.len() >= 20 && !tok.bytes().all(|b| b.is_ascii_alphabetic()))
}

/// Masks every risky token of free text, keeping ordinary words.
pub fn mask_tokens(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, tok) in text.split_whitespace().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if tok.contains('@') && tok.contains('.') {
            let core = tok.trim_matches(|c: char| !c.is_alphanumeric());
            out.push_str(&email(core));
        } else if risky(tok) {
            out.push_str(&keep_tail(tok, 0));
        } else {
            out.push_str(tok);
        }
    }
    out
}

/// Words of context shown on each side of a phrase match.
const PHRASE_CONTEXT_BYTES: usize = 40;

/// The snippet of a phrase rule: the matched phrase `text[start..end]` with
/// up to ~40 bytes (whole words) either side, on one line, risky tokens
/// masked, `…` where text was cut.
pub fn phrase(text: &str, start: usize, end: usize) -> String {
    let floor = |mut i: usize| {
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let mut s = floor(start.saturating_sub(PHRASE_CONTEXT_BYTES));
    let mut e = floor((end + PHRASE_CONTEXT_BYTES).min(text.len()));
    // Cut at whole words.
    if s > 0 {
        if let Some(i) = text[s..start].find(char::is_whitespace) {
            s += i;
        } else {
            s = start;
        }
    }
    if e < text.len() {
        if let Some(i) = text[end..e].rfind(char::is_whitespace) {
            e = end + i;
        } else {
            e = end;
        }
    }
    let mut out = String::new();
    if s > 0 {
        out.push('…');
    }
    out.push_str(&mask_tokens(&text[s..e]));
    if e < text.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No more than `max` characters of `secret` (outside `public`) appear
    /// in order in `masked`.
    fn revealed(masked: &str, secret: &str) -> usize {
        masked
            .chars()
            .filter(|c| c.is_alphanumeric())
            .filter(|c| secret.contains(*c))
            .count()
    }

    #[test]
    fn documented_shapes() {
        assert_eq!(Mask::Email.apply("jane.doe@example.com"), "j***@e***.com");
        assert_eq!(Mask::Digits.apply("4556 7375 8689 9855"), "**** **** **** 9855");
        assert_eq!(Mask::Token(Some(4)).apply("AKIAIOSFODNN7EXAMPLE"), "AKIA************MPLE");
        assert_eq!(Mask::Digits.apply("536-22-6789"), "***-**-6789");
        assert_eq!(Mask::Iban.apply("DE89 3704 0044 0532 0130 00"), "DE** **** **** **** **** 00");
        assert_eq!(Mask::Shape.apply("15/03/1980"), "**/**/****");
        assert_eq!(Mask::Name.apply("Jane Doe"), "J*** D**");
    }

    #[test]
    fn tokens_keep_only_public_prefix_and_four() {
        let t = "ghp_R8x2Lq9VmZk4Tb7Yw1Nc5Hd3Jf6Gs0Pa2Ue8";
        let m = Mask::Token(None).apply(t);
        assert!(m.starts_with("ghp_"), "{m}");
        assert!(m.ends_with("2Ue8"), "{m}");
        assert!(revealed(&m[4..], &t[4..]) <= 4, "{m}");
        // Short secrets show nothing and not even their length.
        assert_eq!(Mask::Token(None).apply("Tr0ub4dor&3"), "********");
        // A random secret with an early dash is not mistaken for a prefix.
        let m = Mask::Token(None).apply("aB3-xY9qLm2Pz8Rt5Wv1");
        assert!(!m.starts_with("aB3-"), "{m}");
    }

    #[test]
    fn pem_and_urls() {
        let key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA1x2y3z\n-----END RSA PRIVATE KEY-----";
        assert_eq!(Mask::Pem.apply(key), "-----BEGIN RSA PRIVATE KEY-----****");
        let m = Mask::Url.apply("postgres://app:S3cretPw9@db.internal:5432/crm");
        assert_eq!(m, "postgres://app:****@db.internal:5432/crm");
        let m = Mask::Url.apply("Server=tcp:x.database.windows.net;User ID=sa;Password=Pa55w0rd!x;");
        assert!(!m.contains("Pa55w0rd"), "{m}");
        let m = Mask::Url.apply("DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=abcDEF123+/=;");
        assert!(!m.contains("abcDEF123"), "{m}");
    }

    #[test]
    fn numbers_never_shown_whole() {
        for n in ["4556737586899855", "123456789012", "DE89370400440532013000", "+44 20 7946 0958"] {
            let m = Mask::Digits.apply(n);
            assert!(revealed(&m, n) <= 4, "{m}");
            assert_ne!(m, n);
        }
    }

    #[test]
    fn phrase_snippets_mask_risky_tokens() {
        let text = "Ticket 88812345: Internal note - customer jane@corp.de owes 12500 EUR, card 4556737586899855. Next step tomorrow.";
        let start = text.find("Internal note").unwrap();
        let snip = phrase(text, start, start + "Internal note".len());
        assert!(snip.contains("Internal note"), "{snip}");
        assert!(!snip.contains("jane@"), "{snip}");
        assert!(!snip.contains("12500"), "{snip}");
        assert!(!snip.contains("88812345"), "{snip}");
        assert!(!snip.contains('\n'));
    }

    #[test]
    fn parse_names() {
        assert_eq!(Mask::parse("token:4").unwrap(), Mask::Token(Some(4)));
        assert!(Mask::parse("token:40").is_err());
        assert!(Mask::parse("plain").is_err());
    }
}
