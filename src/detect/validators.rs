//! Checks that a regex-shaped value is really what the rule claims: checksums
//! (Luhn, IBAN mod-97, ABA 3-7-1), allocation rules (SSN, ITIN, NINO), calendar
//! sanity for dates, Shannon entropy and placeholder detection for secrets.
//!
//! Every check is a pure function of the matched value, so a rule's TOML can
//! name it (`validator = "luhn"`) and the engine runs it after the regex has
//! confirmed the shape. A check that fails drops the candidate: numbers that
//! fail their checksum are not personal data.

use anyhow::{bail, Result};

/// A named check from a rule's `validator` field.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Validator {
    /// Luhn checksum over the digits.
    Luhn,
    /// Payment card: 13–19 digits, a known brand prefix, Luhn, not a
    /// published processor test number.
    Card,
    /// IBAN: known country, that country's length, mod-97 == 1.
    Iban,
    /// US Social Security Number allocation rules.
    Ssn,
    /// US Individual Taxpayer Identification Number ranges.
    Itin,
    /// ABA routing transit number: prefix ranges and 3-7-1 checksum.
    Aba,
    /// UK National Insurance number prefix/suffix rules.
    Nino,
    /// Shannon entropy of the value, in bits per character, at least this.
    Entropy(f32),
    /// Not a documentation placeholder (`changeme`, `<token>`, `${VAR}`, ...).
    NotPlaceholder,
    /// A plausible calendar date (day fits the month, year 1900–2099).
    Date,
    /// A plausible phone number: 7–15 digits, not one repeated digit.
    Phone,
    /// The value holds between `min` and `max` ASCII digits.
    DigitCount(usize, usize),
    /// At least two character classes of lower, upper, digit, symbol: a
    /// password rather than a plain word.
    Complex,
}

impl Validator {
    /// Parses a validator name as written in a rule file.
    pub fn parse(s: &str) -> Result<Validator> {
        let (name, arg) = match s.split_once(':') {
            Some((n, a)) => (n.trim(), Some(a.trim())),
            None => (s.trim(), None),
        };
        let v = match (name, arg) {
            ("luhn", None) => Validator::Luhn,
            ("card", None) => Validator::Card,
            ("iban", None) => Validator::Iban,
            ("ssn", None) => Validator::Ssn,
            ("itin", None) => Validator::Itin,
            ("aba", None) => Validator::Aba,
            ("nino", None) => Validator::Nino,
            ("not_placeholder", None) => Validator::NotPlaceholder,
            ("date", None) => Validator::Date,
            ("phone", None) => Validator::Phone,
            ("complex", None) => Validator::Complex,
            ("digits", Some(a)) => {
                let parsed = a
                    .split_once('-')
                    .and_then(|(lo, hi)| Some((lo.parse().ok()?, hi.parse().ok()?)));
                match parsed {
                    Some((lo, hi)) if lo <= hi => Validator::DigitCount(lo, hi),
                    _ => bail!("digits needs a range like digits:10-11, got {a:?}"),
                }
            }
            ("entropy", Some(a)) => {
                let min: f32 = a
                    .parse()
                    .map_err(|_| anyhow::anyhow!("entropy needs a number, got {a:?}"))?;
                Validator::Entropy(min)
            }
            _ => bail!(
                "unknown validator {s:?} (known: luhn, card, iban, ssn, itin, aba, nino, \
                 entropy:<bits>, digits:<min>-<max>, not_placeholder, date, phone, complex)"
            ),
        };
        Ok(v)
    }

    /// Whether `value` (the matched text) passes this check.
    pub fn check(self, value: &str) -> bool {
        match self {
            Validator::Luhn => luhn(&digits(value)),
            Validator::Card => card(&digits(value)),
            Validator::Iban => iban(value),
            Validator::Ssn => ssn(&digits(value)),
            Validator::Itin => itin(&digits(value)),
            Validator::Aba => aba(&digits(value)),
            Validator::Nino => nino(value),
            Validator::Entropy(min) => shannon_entropy(value) >= min,
            Validator::NotPlaceholder => !is_placeholder(value),
            Validator::Date => date(value),
            Validator::Phone => phone(&digits(value)),
            Validator::Complex => complex(value),
            Validator::DigitCount(lo, hi) => {
                (lo..=hi).contains(&value.bytes().filter(u8::is_ascii_digit).count())
            }
        }
    }
}

impl std::fmt::Display for Validator {
    /// The name as written in a rule file.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Validator::Luhn => f.write_str("luhn"),
            Validator::Card => f.write_str("card"),
            Validator::Iban => f.write_str("iban"),
            Validator::Ssn => f.write_str("ssn"),
            Validator::Itin => f.write_str("itin"),
            Validator::Aba => f.write_str("aba"),
            Validator::Nino => f.write_str("nino"),
            Validator::Entropy(min) => write!(f, "entropy:{min}"),
            Validator::NotPlaceholder => f.write_str("not_placeholder"),
            Validator::Date => f.write_str("date"),
            Validator::Phone => f.write_str("phone"),
            Validator::DigitCount(lo, hi) => write!(f, "digits:{lo}-{hi}"),
            Validator::Complex => f.write_str("complex"),
        }
    }
}

/// The ASCII digits of `s`, in order, as numeric values.
pub fn digits(s: &str) -> Vec<u8> {
    s.bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect()
}

/// Luhn (mod 10) checksum over digit values.
pub fn luhn(d: &[u8]) -> bool {
    if d.len() < 2 {
        return false;
    }
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &x)| {
            let x = u32::from(x);
            if i % 2 == 1 {
                let y = x * 2;
                if y > 9 {
                    y - 9
                } else {
                    y
                }
            } else {
                x
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn number(d: &[u8], n: usize) -> u32 {
    d.iter()
        .take(n)
        .fold(0u32, |acc, &x| acc * 10 + u32::from(x))
}

/// Card brands and their IIN ranges with allowed lengths (ISO/IEC 7812 as
/// published by the networks). Anything else is not a payment card.
fn card_brand_ok(d: &[u8]) -> bool {
    let len = d.len();
    let p2 = number(d, 2);
    let p3 = number(d, 3);
    let p4 = number(d, 4);
    let p6 = number(d, 6);
    let visa = d[0] == 4 && matches!(len, 13 | 16 | 19);
    let mastercard = ((51..=55).contains(&p2) || (2221..=2720).contains(&p4)) && len == 16;
    let amex = (p2 == 34 || p2 == 37) && len == 15;
    let discover =
        (p4 == 6011 || p2 == 65 || (644..=649).contains(&p3) || (622126..=622925).contains(&p6))
            && (16..=19).contains(&len);
    let jcb = (3528..=3589).contains(&p4) && (16..=19).contains(&len);
    let diners = ((300..=305).contains(&p3) || p2 == 36 || p2 == 38 || p2 == 39 || p4 == 3095)
        && (14..=19).contains(&len);
    let unionpay = p2 == 62 && (16..=19).contains(&len);
    let maestro = matches!(
        p4,
        5018 | 5020 | 5038 | 5893 | 6304 | 6759 | 6761 | 6762 | 6763
    ) && (12..=19).contains(&len);
    visa || mastercard || amex || discover || jcb || diners || unionpay || maestro
}

/// Card numbers that payment processors publish for testing (Stripe, Adyen,
/// Braintree, PayPal docs): they appear in developer wikis and are not
/// anyone's card.
const TEST_CARDS: &[&str] = &[
    "4242424242424242",
    "4000056655665556",
    "4111111111111111",
    "4012888888881881",
    "4222222222222",
    "4000000000000002",
    "4000000000009995",
    "4000000000000077",
    "4000000000003220",
    "4000002500003155",
    "4000000760000002",
    "4005519200000004",
    "4009348888881881",
    "4012000033330026",
    "4012000077777777",
    "4217651111111119",
    "4500600000000061",
    "4917610000000000",
    "4484070000000000",
    "4988438843884305",
    "4166676667666746",
    "4646464646464644",
    "4444333322221111",
    "4400000000000008",
    "4035501000000008",
    "4360000001000005",
    "5555555555554444",
    "5200828282828210",
    "5105105105105100",
    "5454545454545454",
    "5555341244441115",
    "5577000055770004",
    "5136333333333335",
    "5101180000000007",
    "2223003122003222",
    "2222400070000005",
    "2223000048400011",
    "2223520043560014",
    "378282246310005",
    "371449635398431",
    "378734493671000",
    "370000000000002",
    "370000000100018",
    "6011111111111117",
    "6011000990139424",
    "6011000400000000",
    "6011601160116611",
    "6445644564456445",
    "3056930009020004",
    "36227206271667",
    "30569309025904",
    "38520000023237",
    "36006666333344",
    "36700102000000",
    "3566002020360505",
    "3530111333300000",
    "3566111111111113",
    "3569990010095841",
    "6200000000000005",
    "6200000000000047",
    "6243030000000001",
    "6250941006528599",
    "6304000000000000",
    "6759649826438453",
    "6799990100000000019",
    "5018000000000009",
];

/// Whether `d` is a processor-published test card number.
pub fn is_test_card(d: &[u8]) -> bool {
    TEST_CARDS
        .iter()
        .any(|t| t.len() == d.len() && t.bytes().zip(d).all(|(a, &b)| a - b'0' == b))
}

/// A payment card number: length, brand prefix, Luhn, not a test number.
pub fn card(d: &[u8]) -> bool {
    (12..=19).contains(&d.len())
        && card_brand_ok(d)
        && luhn(d)
        && !is_test_card(d)
        && !d.iter().all(|&x| x == d[0])
}

/// IBAN lengths per country (SWIFT IBAN registry).
const IBAN_LENGTHS: &[(&str, usize)] = &[
    ("AD", 24),
    ("AE", 23),
    ("AL", 28),
    ("AT", 20),
    ("AZ", 28),
    ("BA", 20),
    ("BE", 16),
    ("BG", 22),
    ("BH", 22),
    ("BR", 29),
    ("BY", 28),
    ("CH", 21),
    ("CR", 22),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DK", 18),
    ("DO", 28),
    ("EE", 20),
    ("EG", 29),
    ("ES", 24),
    ("FI", 18),
    ("FO", 18),
    ("FR", 27),
    ("GB", 22),
    ("GE", 22),
    ("GI", 23),
    ("GL", 18),
    ("GR", 27),
    ("GT", 28),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IL", 23),
    ("IQ", 23),
    ("IS", 26),
    ("IT", 27),
    ("JO", 30),
    ("KW", 30),
    ("KZ", 20),
    ("LB", 28),
    ("LC", 32),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("MC", 27),
    ("MD", 24),
    ("ME", 22),
    ("MK", 19),
    ("MR", 27),
    ("MT", 31),
    ("MU", 30),
    ("NL", 18),
    ("NO", 15),
    ("PK", 24),
    ("PL", 28),
    ("PS", 29),
    ("PT", 25),
    ("QA", 29),
    ("RO", 24),
    ("RS", 22),
    ("SA", 24),
    ("SC", 31),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
    ("ST", 25),
    ("SV", 28),
    ("TL", 23),
    ("TN", 24),
    ("TR", 26),
    ("UA", 29),
    ("VA", 22),
    ("VG", 24),
    ("XK", 20),
];

/// IBAN: country length and ISO 7064 mod 97-10 over the rearranged string.
pub fn iban(value: &str) -> bool {
    let s: Vec<u8> = value
        .bytes()
        .filter(|b| b.is_ascii_alphanumeric())
        .map(|b| b.to_ascii_uppercase())
        .collect();
    if s.len() < 15 || !s[..2].iter().all(u8::is_ascii_uppercase) {
        return false;
    }
    let Some(&(_, len)) = IBAN_LENGTHS.iter().find(|(c, _)| c.as_bytes() == &s[..2]) else {
        return false;
    };
    if s.len() != len || !s[2..4].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let mut rem: u32 = 0;
    for &b in s[4..].iter().chain(&s[..4]) {
        if b.is_ascii_digit() {
            rem = (rem * 10 + u32::from(b - b'0')) % 97;
        } else {
            let v = u32::from(b - b'A') + 10;
            rem = (rem * 100 + v) % 97;
        }
    }
    rem == 1
}

/// SSNs that were published (Woolworth's wallet card, ads, documentation) and
/// are used as examples everywhere; never a real person's number today.
const PUBLISHED_SSNS: &[&str] = &["078051120", "219099999", "123456789", "457555462"];

/// US SSN allocation: area not 000/666/900–999, group not 00, serial not
/// 0000, not a single repeated digit, not a famous published number.
pub fn ssn(d: &[u8]) -> bool {
    if d.len() != 9 {
        return false;
    }
    let area = number(d, 3);
    let group = number(&d[3..], 2);
    let serial = number(&d[5..], 4);
    let published = PUBLISHED_SSNS
        .iter()
        .any(|p| p.bytes().zip(d).all(|(a, &b)| a - b'0' == b));
    area != 0
        && area != 666
        && area < 900
        && group != 0
        && serial != 0
        && !d.iter().all(|&x| x == d[0])
        && !published
}

/// US ITIN: starts with 9, group digits 50–65, 70–88, 90–92 or 94–99.
pub fn itin(d: &[u8]) -> bool {
    if d.len() != 9 || d[0] != 9 {
        return false;
    }
    let group = number(&d[3..], 2);
    matches!(group, 50..=65 | 70..=88 | 90..=92 | 94..=99)
}

/// ABA routing number: valid Federal Reserve prefix and 3-7-1 checksum.
pub fn aba(d: &[u8]) -> bool {
    if d.len() != 9 || d.iter().all(|&x| x == d[0]) {
        return false;
    }
    let prefix = number(d, 2);
    if !matches!(prefix, 0..=12 | 21..=32 | 61..=72 | 80) {
        return false;
    }
    let w = [3u32, 7, 1];
    let sum: u32 = d
        .iter()
        .enumerate()
        .map(|(i, &x)| u32::from(x) * w[i % 3])
        .sum();
    sum.is_multiple_of(10)
}

/// UK National Insurance number: two prefix letters (D, F, I, Q, U, V never;
/// O never second; BG, GB, KN, NK, NT, TN, ZZ unallocated), six digits, suffix
/// A–D.
pub fn nino(value: &str) -> bool {
    let s: Vec<u8> = value
        .bytes()
        .filter(|b| b.is_ascii_alphanumeric())
        .map(|b| b.to_ascii_uppercase())
        .collect();
    if s.len() != 9 {
        return false;
    }
    let (a, b) = (s[0], s[1]);
    let bad_first = b"DFIQUV".contains(&a);
    let bad_second = b"DFIOQUV".contains(&b);
    let unallocated = [b"BG", b"GB", b"KN", b"NK", b"NT", b"TN", b"ZZ"]
        .iter()
        .any(|p| p[..] == s[..2]);
    a.is_ascii_uppercase()
        && b.is_ascii_uppercase()
        && !bad_first
        && !bad_second
        && !unallocated
        && s[2..8].iter().all(u8::is_ascii_digit)
        && (b'A'..=b'D').contains(&s[8])
}

/// Shannon entropy of the value's bytes, in bits per byte.
pub fn shannon_entropy(s: &str) -> f32 {
    if s.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for b in s.bytes() {
        counts[usize::from(b)] += 1;
    }
    let n = s.len() as f32;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f32 / n;
            -p * p.log2()
        })
        .sum()
}

/// Words that mark a value as a stand-in rather than a real credential.
const PLACEHOLDER_WORDS: &[&str] = &[
    "changeme",
    "change_me",
    "change-me",
    "password",
    "passwd",
    "secret",
    "example",
    "sample",
    "dummy",
    "placeholder",
    "redacted",
    "your",
    "xxxx",
    "****",
    "....",
    "todo",
    "fixme",
    "insert",
    "replace",
    "<",
    ">",
    "${",
    "{{",
    "%(",
    "process.env",
    "os.environ",
    "getenv",
    "env(",
    "null",
    "none",
    "undefined",
    "true",
    "false",
    "abc123",
    "123456",
    "qwerty",
    "letmein",
    "foobar",
    "hunter2",
    "notasecret",
    "not-a-secret",
    "mysecret",
    "test123",
];

/// Whether a would-be secret is a documentation placeholder or a reference
/// to somewhere else (`${DB_PASSWORD}`, `<token>`, `your-api-key-here`,
/// `changeme`, `xxxx`, `$SECRET`, `%PASSWORD%`, `os.environ[...]`).
pub fn is_placeholder(value: &str) -> bool {
    let v = value.trim_matches(|c: char| c == '"' || c == '\'' || c == '`');
    if v.len() < 4 {
        return true;
    }
    let lower = v.to_ascii_lowercase();
    if PLACEHOLDER_WORDS.iter().any(|w| lower.contains(w)) {
        return true;
    }
    let b = v.as_bytes();
    // `$VAR`, `${VAR}`, `$(cmd)`, `%VAR%` references. A value that merely
    // starts with `$` (`$$` is a literal dollar in Compose files) is not one.
    let rest = &b[1..];
    let dollar_ref = b[0] == b'$'
        && (rest.first().is_some_and(|&c| c == b'{' || c == b'(')
            || (rest
                .first()
                .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
                && rest.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')));
    if dollar_ref || (b[0] == b'%' && b[b.len() - 1] == b'%') {
        return true;
    }
    // One repeated character (`aaaaaaaa`, `00000000`).
    if b.iter().all(|&c| c == b[0]) {
        return true;
    }
    false
}

fn month_number(name: &str) -> Option<u32> {
    const MONTHS: &[&[&str]] = &[
        &["jan", "januar", "janvier", "enero"],
        &["feb", "februar", "février", "fevrier", "febrero"],
        &["mar", "märz", "maerz", "mars", "marzo"],
        &["apr", "april", "avril", "abril"],
        &["may", "mai", "mayo"],
        &["jun", "juni", "juin", "junio"],
        &["jul", "juli", "juillet", "julio"],
        &["aug", "august", "août", "aout", "agosto"],
        &["sep", "sept", "september", "septembre", "septiembre"],
        &["oct", "okt", "oktober", "octobre", "octubre"],
        &["nov", "november", "novembre", "noviembre"],
        &[
            "dec",
            "dez",
            "dezember",
            "décembre",
            "decembre",
            "diciembre",
        ],
    ];
    let n = name.trim_end_matches('.').to_lowercase();
    MONTHS
        .iter()
        .position(|names| {
            names
                .iter()
                .any(|m| n == *m || (n.len() >= 3 && m.len() == 3 && n.starts_with(m)))
        })
        .map(|i| i as u32 + 1)
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        2 => 28,
        _ => 0,
    }
}

fn valid_ymd(y: u32, m: u32, d: u32) -> bool {
    (1900..=2099).contains(&y) && (1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m)
}

/// A plausible calendar date written as `1980-03-15`, `15/03/1980`,
/// `03/15/1980`, `15.03.1980`, `15 March 1980`, `March 15, 1980` or
/// `15. März 1980`. Day-first and month-first are both accepted when either
/// reading is a real date.
pub fn date(value: &str) -> bool {
    let tokens: Vec<&str> = value
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    if tokens.len() != 3 {
        return false;
    }
    let num = |t: &str| -> Option<u32> {
        if t.len() <= 4 && t.bytes().all(|b| b.is_ascii_digit()) {
            t.parse().ok()
        } else {
            None
        }
    };
    let year = |t: &str| -> Option<u32> {
        let n = num(t)?;
        match t.len() {
            4 => Some(n),
            2 => Some(if n <= 30 { 2000 + n } else { 1900 + n }),
            _ => None,
        }
    };
    // A day may carry an English ordinal suffix: 14th March 1991.
    let day = |t: &str| -> Option<u32> {
        num(t).or_else(|| {
            let l = t.to_ascii_lowercase();
            let d = ["st", "nd", "rd", "th"]
                .iter()
                .find_map(|s| l.strip_suffix(s))?;
            if d.len() <= 2 {
                num(d)
            } else {
                None
            }
        })
    };
    let (a, b, c) = (tokens[0], tokens[1], tokens[2]);
    // Year first: 1980-03-15.
    if a.len() == 4 && a.bytes().all(|b| b.is_ascii_digit()) {
        if let (Some(y), Some(m), Some(d)) = (num(a), num(b), num(c)) {
            return valid_ymd(y, m, d);
        }
        return false;
    }
    let Some(y) = year(c) else {
        return false;
    };
    match (num(a), num(b), month_number(a), month_number(b)) {
        (Some(x), Some(z), _, _) => valid_ymd(y, z, x) || valid_ymd(y, x, z),
        (_, None, _, Some(m)) => day(a).is_some_and(|d| valid_ymd(y, m, d)),
        (None, _, Some(m), _) => day(b).is_some_and(|d| valid_ymd(y, m, d)),
        _ => false,
    }
}

/// Whether `s` mixes at least two of: lowercase, uppercase, digits, symbols.
pub fn complex(s: &str) -> bool {
    let classes = [
        s.bytes().any(|b| b.is_ascii_lowercase()),
        s.bytes().any(|b| b.is_ascii_uppercase()),
        s.bytes().any(|b| b.is_ascii_digit()),
        s.bytes().any(|b| b.is_ascii_punctuation()),
    ];
    classes.iter().filter(|&&c| c).count() >= 2
}

/// A phone number's digits: 7–15 of them (E.164 maximum), not all the same.
pub fn phone(d: &[u8]) -> bool {
    (7..=15).contains(&d.len()) && !d.iter().all(|&x| x == d[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(v: Validator, s: &str) -> bool {
        v.check(s)
    }

    #[test]
    fn luhn_and_cards() {
        assert!(ok(Validator::Luhn, "79927398713"));
        assert!(!ok(Validator::Luhn, "79927398710"));
        // Valid brand + Luhn, not on test lists.
        assert!(ok(Validator::Card, "4556 7375 8689 9855"));
        assert!(ok(Validator::Card, "5425-2334-3010-9903"));
        assert!(ok(Validator::Card, "2221 0012 3412 3450"));
        // Test numbers are not personal data.
        for t in [
            "4242 4242 4242 4242",
            "4111111111111111",
            "5555555555554444",
            "378282246310005",
            "371449635398431",
            "6011111111111117",
        ] {
            assert!(!ok(Validator::Card, t), "{t}");
        }
        // Luhn-valid but no brand (starts with 1), Luhn failure, wrong length.
        assert!(!ok(Validator::Card, "1234567812345670"));
        assert!(!ok(Validator::Card, "4556737586899856"));
        assert!(!ok(Validator::Card, "45567375868"));
    }

    #[test]
    fn card_brands() {
        // Made-up Luhn-valid numbers, one per brand.
        for n in [
            "4716190207394368", // Visa
            "5191230101999911", // Mastercard 51-55
            "2720991234567894", // Mastercard 2-series upper bound
            "349876543210127",  // Amex 34
            "6011987654321019", // Discover
            "3589123456789018", // JCB
            "30012345678907",   // Diners
            "6212345678901265", // UnionPay
        ] {
            assert!(card(&digits(n)), "{n}");
        }
        // Luhn-valid but outside every brand's length/prefix.
        assert!(!card(&digits("2721001234123455")));
    }

    #[test]
    fn iban_checks() {
        assert!(iban("DE89 3704 0044 0532 0130 00"));
        assert!(iban("GB82WEST12345698765432"));
        assert!(iban("NL91 ABNA 0417 1643 00"));
        assert!(iban("FR14 2004 1010 0505 0001 3M02 606"));
        assert!(!iban("DE89 3704 0044 0532 0130 01")); // checksum
        assert!(!iban("DE89 3704 0044 0532 0130")); // length
        assert!(!iban("XX89 3704 0044 0532 0130 00")); // country
    }

    #[test]
    fn ssn_itin_rules() {
        assert!(ok(Validator::Ssn, "536-22-8765"));
        assert!(!ok(Validator::Ssn, "000-12-3456"));
        assert!(!ok(Validator::Ssn, "666-12-3456"));
        assert!(!ok(Validator::Ssn, "912-12-3456"));
        assert!(!ok(Validator::Ssn, "536-00-3456"));
        assert!(!ok(Validator::Ssn, "536-22-0000"));
        assert!(!ok(Validator::Ssn, "123-45-6789"));
        assert!(!ok(Validator::Ssn, "078-05-1120"));
        assert!(!ok(Validator::Ssn, "111-11-1111"));
        assert!(ok(Validator::Itin, "912-70-1234"));
        assert!(ok(Validator::Itin, "900-94-1234"));
        assert!(!ok(Validator::Itin, "912-45-1234"));
        assert!(!ok(Validator::Itin, "812-70-1234"));
    }

    #[test]
    fn aba_and_nino() {
        assert!(ok(Validator::Aba, "021000021"));
        assert!(ok(Validator::Aba, "011000015"));
        assert!(!ok(Validator::Aba, "021000022"));
        assert!(!ok(Validator::Aba, "131000028")); // prefix 13 is unused
        assert!(ok(Validator::Nino, "AB 12 34 56 C"));
        assert!(!ok(Validator::Nino, "QQ123456C"));
        assert!(!ok(Validator::Nino, "GB123456A"));
        assert!(!ok(Validator::Nino, "AB123456E"));
        assert!(!ok(Validator::Nino, "AO123456A"));
    }

    #[test]
    fn entropy_and_placeholders() {
        assert!(shannon_entropy("aaaaaaaa") < 0.01);
        assert!(shannon_entropy("Xk9#mQ2$vL7@") > 3.5);
        assert!(ok(Validator::Entropy(3.0), "p9Xk2LmQ7vRt"));
        assert!(!ok(Validator::Entropy(3.0), "aaaabbbb"));
        for p in [
            "changeme",
            "<token>",
            "${DB_PASSWORD}",
            "your-api-key-here",
            "xxxxxxxx",
            "$SECRET",
            "%PASSWORD%",
            "$(cat /run/secrets/db)",
            "{{ vault_pw }}",
            "REDACTED",
            "os.environ['X']",
            "abc",
        ] {
            assert!(is_placeholder(p), "{p}");
        }
        for s in [
            "Tr0ub4dor&3x",
            "p9Xk2LmQ7vRt",
            "s3cr3T-Wq81",
            "$$G9FaMSHo&G!Kj",
        ] {
            assert!(!is_placeholder(s), "{s}");
            assert!(complex(s), "{s}");
        }
        assert!(!complex("instructions"));
        assert!(!complex("12345678"));
    }

    #[test]
    fn dates() {
        for d in [
            "1980-03-15",
            "15/03/1980",
            "03/15/1980",
            "15.03.1980",
            "15 March 1980",
            "March 15, 1980",
            "15. März 1980",
            "2 janvier 1975",
            "29/02/2000",
            "14th March 1991",
            "March 15th, 1980",
            "04-Jun-1985",
        ] {
            assert!(date(d), "{d}");
        }
        for d in [
            "1980-13-15",
            "32/01/1980",
            "29/02/1900",
            "15 Foo 1980",
            "1.2.3",
            "15/03/1850",
            "14xx March 1991",
            "32nd March 1991",
        ] {
            assert!(!date(d), "{d}");
        }
    }

    #[test]
    fn phones() {
        assert!(ok(Validator::Phone, "+1 415 555 0132"));
        assert!(!ok(Validator::Phone, "12345"));
        assert!(!ok(Validator::Phone, "0000000000"));
        assert!(!ok(Validator::Phone, "+1234567890123456"));
    }

    #[test]
    fn parse_names() {
        assert_eq!(
            Validator::parse("entropy:3.5").unwrap(),
            Validator::Entropy(3.5)
        );
        assert!(Validator::parse("nope").is_err());
        assert!(Validator::parse("entropy:x").is_err());
        assert_eq!(
            Validator::parse("digits:10-11").unwrap(),
            Validator::DigitCount(10, 11)
        );
        assert!(Validator::parse("digits:11-10").is_err());
        assert!(Validator::DigitCount(10, 11).check("020 7946 0958"));
        for name in ["luhn", "entropy:3.5", "digits:10-11", "not_placeholder"] {
            assert_eq!(Validator::parse(name).unwrap().to_string(), name);
        }
        assert!(!Validator::DigitCount(10, 11).check("7946 0958"));
    }
}
