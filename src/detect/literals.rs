//! One pass over a text for every literal the rules name: anchor keywords
//! and context words alike.
//!
//! An Aho-Corasick DFA over the ~2,000 lowercase literals of the built-in
//! rules ran at 160 MB/s here (its transition table is 2 MB, far outside L1,
//! and so many patterns turn its SIMD prefilter off). Literals in rules are
//! words, word prefixes and short phrases, so this index works on words:
//! it walks each word once, hashing it, and looks the whole word up among
//! the literals whose first word is exact (`customer:`, `ship to`, a whole
//! context word); literals meant as word prefixes (`passw`, `delinquen`) are
//! looked up by the hash of the word so far at each of its bytes. Each
//! lookup is a bit test in an 8 KB bitmap first; whole literals are compared
//! only on a hit.
//!
//! A literal matches where its first word byte starts a token (after a
//! non-word byte, at the text's start, or at a camel-case hump such as the
//! `S` of `clientSecret`) and any non-word bytes it begins with (`" st,"`,
//! `"-----begin"`) come right before. Literals that may start inside a word
//! (`q~` in an Azure secret, `passw` in `dbpassword`) or hold no word byte
//! at all (`://`) are few: an Aho-Corasick automaton small enough for its
//! SIMD prefilter finds those of four bytes or more, and `memmem` (which
//! looks for their rarest byte) the shorter ones, whose two-byte SIMD
//! fingerprints would fire on every other English word; texts shorter than
//! `SHORT_TEXT` (table cells) compare them byte by byte instead of paying
//! the searchers' set-up.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Input, MatchKind};
use memchr::memmem;

/// Word bytes: ASCII letters and digits and every byte of a non-ASCII
/// character. `_` and `-` separate words, so `client_secret` holds the word
/// `secret`.
pub(crate) const fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b >= 0x80
}

const WORD: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = is_word(b as u8);
        b += 1;
    }
    t
};

/// Literals keyed by a word: their whole first word (`customer` for
/// `customer:`), or for word-prefix literals (`passw`) the literal itself.
struct WordTable {
    /// A bit per word hash (top 16 bits) that some literal has: the
    /// per-byte test, in 8 KB.
    bloom: Vec<u64>,
    /// Per slot (top 12 bits of the hash), where its entries start.
    starts: Vec<u32>,
    /// `(hash of the word, literal)`, grouped by slot.
    entries: Vec<(u64, u32)>,
}

const WORD_BLOOM_BITS: u32 = 16;
const WORD_SLOT_BITS: u32 = 12;

/// Texts shorter than this look for anywhere-literals byte by byte.
const SHORT_TEXT: usize = 256;

/// FxHash-style word hash, fed one byte at a time as the word is walked.
#[inline]
fn hash_step(h: u64, b: u8) -> u64 {
    (h.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7C_C1_B7_27_22_0A_95)
}

fn hash_word(word: &[u8]) -> u64 {
    word.iter().fold(0, |h, &b| hash_step(h, b))
}

impl WordTable {
    fn build(mut entries: Vec<(u64, u32)>) -> WordTable {
        entries.sort_unstable();
        let mut bloom = vec![0u64; (1 << WORD_BLOOM_BITS) / 64];
        let mut starts = vec![0u32; (1 << WORD_SLOT_BITS) + 1];
        for &(h, _) in &entries {
            let bit = (h >> (64 - WORD_BLOOM_BITS)) as usize;
            bloom[bit / 64] |= 1 << (bit % 64);
            starts[(h >> (64 - WORD_SLOT_BITS)) as usize + 1] += 1;
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        WordTable {
            bloom,
            starts,
            entries,
        }
    }

    /// Whether some literal may have this hash: one bit test, inlined into
    /// the per-byte loop.
    #[inline(always)]
    fn may_have(&self, hash: u64) -> bool {
        let bit = (hash >> (64 - WORD_BLOOM_BITS)) as usize;
        self.bloom[bit / 64] & (1 << (bit % 64)) != 0
    }

    /// The literals with this hash (compare lengths and bytes).
    #[inline]
    fn candidates(&self, hash: u64) -> impl Iterator<Item = u32> + '_ {
        let slot = (hash >> (64 - WORD_SLOT_BITS)) as usize;
        self.entries[self.starts[slot] as usize..self.starts[slot + 1] as usize]
            .iter()
            .filter(move |&&(h, _)| h == hash)
            .map(|&(_, id)| id)
    }
}

/// Compiled literals; ids are indices into the list given to [`Literals::new`].
pub(crate) struct Literals {
    /// Each literal, lowercase.
    literals: Vec<Box<[u8]>>,
    /// Per literal: how many non-word bytes precede its first word byte.
    lead: Vec<usize>,
    /// Per literal: the first (up to) eight bytes after the lead, little
    /// endian, and the mask of the bytes that count, so most comparisons
    /// are one load and one compare instead of a `memcmp` call.
    head: Vec<(u64, u64)>,
    /// Per literal: whether it must also end a word (`m` as in "m: 0170...",
    /// not the start of "meeting").
    whole: Vec<bool>,
    /// Per literal: the length of its first word.
    word_len: Vec<usize>,
    /// Literals whose first word is exact, looked up when a word ends.
    words: WordTable,
    /// Word-prefix literals, looked up at every byte of a word by the hash
    /// of the word so far.
    prefixes: WordTable,
    /// Literals found wherever they occur, and their ids.
    anywhere: Option<(AhoCorasick, Vec<u32>)>,
    /// Short literals found wherever they occur.
    short_anywhere: Vec<(u32, memmem::Finder<'static>)>,
    /// Both kinds by first byte, for texts too short to pay for the
    /// searchers' set-up (table cells).
    anywhere_by_first: Vec<Vec<u32>>,
}

/// A literal to look for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Literal {
    /// Lowercase.
    pub text: String,
    /// May start inside a word, not only where one starts.
    pub inside_words: bool,
    /// Counts only where it also ends a word.
    pub whole_word: bool,
}

/// Whether a literal ending at `end` ends a word there: the text ends, or
/// the next byte or the literal's last byte is not a word byte.
pub(crate) fn ends_word(lower: &[u8], end: usize) -> bool {
    end >= lower.len() || end == 0 || !is_word(lower[end]) || !is_word(lower[end - 1])
}

/// One literal found in a text.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Hit {
    pub literal: u32,
    pub start: usize,
    pub end: usize,
}

impl Literals {
    /// Indexes `literals`. Empty literals never match.
    pub(crate) fn new(literals: &[Literal]) -> Result<Literals, aho_corasick::BuildError> {
        let mut prefixes = Vec::new();
        let mut words = Vec::new();
        let mut word_len = Vec::with_capacity(literals.len());
        let mut lead = Vec::with_capacity(literals.len());
        let mut anywhere = (Vec::new(), Vec::new());
        let mut short_anywhere = Vec::new();
        let mut anywhere_by_first = vec![Vec::new(); 256];
        let mut head = Vec::with_capacity(literals.len());
        for (id, literal) in literals.iter().enumerate() {
            let bytes = literal.text.as_bytes();
            let skip = bytes.iter().take_while(|&&b| !is_word(b)).count();
            lead.push(skip);
            let rest = &bytes[skip..];
            let first_word = rest.iter().take_while(|&&b| is_word(b)).count();
            word_len.push(first_word);
            let n = rest.len().min(8);
            let mut word = [0u8; 8];
            word[..n].copy_from_slice(&rest[..n]);
            let mask = if n == 8 {
                u64::MAX
            } else {
                (1u64 << (8 * n)) - 1
            };
            head.push((u64::from_le_bytes(word), mask));
            if literal.inside_words || rest.is_empty() {
                if let Some(&b) = bytes.first() {
                    anywhere_by_first[usize::from(b)].push(id as u32);
                }
                if bytes.len() >= 4 {
                    anywhere.0.push(bytes);
                    anywhere.1.push(id as u32);
                } else if !bytes.is_empty() {
                    short_anywhere.push((id as u32, memmem::Finder::new(bytes).into_owned()));
                }
                continue;
            }
            let hash = (hash_word(&rest[..first_word]), id as u32);
            if first_word < rest.len() || literal.whole_word {
                words.push(hash);
            } else {
                prefixes.push(hash);
            }
        }
        let anywhere = if anywhere.0.is_empty() {
            None
        } else {
            let ac = AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostLongest)
                .build(&anywhere.0)?;
            Some((ac, anywhere.1))
        };
        Ok(Literals {
            literals: literals
                .iter()
                .map(|l| l.text.as_bytes().to_vec().into_boxed_slice())
                .collect(),
            lead,
            whole: literals.iter().map(|l| l.whole_word).collect(),
            head,
            word_len,
            words: WordTable::build(words),
            prefixes: WordTable::build(prefixes),
            anywhere,
            short_anywhere,
            anywhere_by_first,
        })
    }

    /// Appends every literal occurrence in `lower` (the text
    /// ASCII-lowercased; `text` is the original, for camel-case humps) to
    /// `out`, ordered by start.
    pub(crate) fn scan(&self, text: &[u8], lower: &[u8], out: &mut Vec<Hit>) {
        let first = out.len();
        // A literal with a lead starts before the word it was found at, so
        // it can start before the previous hit.
        let mut sorted = true;
        let n = lower.len().min(text.len());
        let mut p = 0;
        while p < n {
            while p < n && !WORD[lower[p] as usize] {
                p += 1;
            }
            if p == n {
                break;
            }
            let start = p;
            let (end, humps) = self.walk_word(text, lower, start, out, &mut sorted);
            if humps {
                // `clientSecret` also holds the word `secret`.
                for h in start + 1..end {
                    if text[h].is_ascii_uppercase() && text[h - 1].is_ascii_lowercase() {
                        self.walk_word(text, lower, h, out, &mut sorted);
                    }
                }
            }
            p = end;
        }
        if lower.len() < SHORT_TEXT {
            for (i, &b) in lower.iter().enumerate() {
                for &id in &self.anywhere_by_first[usize::from(b)] {
                    let lit = &self.literals[id as usize];
                    if (lit.len() < 2 || lower.get(i + 1) == lit.get(1))
                        && lower[i..].starts_with(lit)
                    {
                        out.push(Hit {
                            literal: id,
                            start: i,
                            end: i + lit.len(),
                        });
                        sorted = false;
                    }
                }
            }
        } else {
            self.find_anywhere(lower, out, &mut sorted);
        }
        if !sorted {
            // Two sorted runs, mostly: a stable sort merges them in one pass.
            out[first..].sort_by_key(|h| h.start);
        }
    }

    /// Literals that may start anywhere, with the SIMD searchers.
    fn find_anywhere(&self, lower: &[u8], out: &mut Vec<Hit>, sorted: &mut bool) {
        if let Some((ac, ids)) = &self.anywhere {
            // Leftmost-longest keeps the prefilter usable (overlapping
            // search does not); restarting one byte after each hit still
            // finds literals that overlap it.
            let mut at = 0;
            while let Some(m) = ac.find(Input::new(lower).span(at..lower.len())) {
                out.push(Hit {
                    literal: ids[m.pattern().as_usize()],
                    start: m.start(),
                    end: m.end(),
                });
                *sorted = false;
                at = m.start() + 1;
            }
        }
        for (id, finder) in &self.short_anywhere {
            let len = self.literals[*id as usize].len();
            for start in finder.find_iter(lower) {
                out.push(Hit {
                    literal: *id,
                    start,
                    end: start + len,
                });
                *sorted = false;
            }
        }
    }

    /// Walks the word starting at `p`, reporting the literals whose word
    /// part starts there; returns where the word ends and whether it has
    /// camel-case humps.
    #[inline]
    fn walk_word(
        &self,
        text: &[u8],
        lower: &[u8],
        p: usize,
        out: &mut Vec<Hit>,
        sorted: &mut bool,
    ) -> (usize, bool) {
        let n = lower.len().min(text.len());
        let mut q = p;
        let mut hash = 0;
        let mut humps = false;
        while q < n && WORD[lower[q] as usize] {
            humps |= q > p && text[q].is_ascii_uppercase() && text[q - 1].is_ascii_lowercase();
            hash = hash_step(hash, lower[q]);
            q += 1;
            if self.prefixes.may_have(hash) {
                for id in self.prefixes.candidates(hash) {
                    if self.word_len[id as usize] == q - p {
                        self.verify(lower, p, id, out, sorted);
                    }
                }
            }
        }
        if self.words.may_have(hash) {
            let candidates = self.words.candidates(hash);
            let eight = lower
                .get(p..p + 8)
                .map(|b| u64::from_le_bytes(b.try_into().unwrap_or_default()));
            for id in candidates {
                let (head, mask) = self.head[id as usize];
                if self.word_len[id as usize] == q - p && eight.is_none_or(|e| e & mask == head) {
                    self.verify(lower, p, id, out, sorted);
                }
            }
        }
        (q, humps)
    }

    /// Reports literal `id` if it occurs with its word part at `p`.
    #[inline]
    fn verify(&self, lower: &[u8], p: usize, id: u32, out: &mut Vec<Hit>, sorted: &mut bool) {
        let lit = &self.literals[id as usize];
        let lead = self.lead[id as usize];
        if p < lead {
            return;
        }
        let start = p - lead;
        let end = start + lit.len();
        if lower[p..].starts_with(&lit[lead..])
            && lower[start..p] == lit[..lead]
            && (!self.whole[id as usize] || ends_word(lower, end))
        {
            *sorted &= out.last().is_none_or(|h| h.start <= start);
            out.push(Hit {
                literal: id,
                start,
                end,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(lits: &[&str], text: &str) -> Vec<(String, usize)> {
        let owned: Vec<Literal> = lits
            .iter()
            .map(|s| {
                let (text, whole_word) = match s.strip_suffix('$') {
                    Some(t) => (t, true),
                    None => (*s, false),
                };
                let (text, inside_words) = match text.strip_prefix('*') {
                    Some(t) => (t, true),
                    None => (text, false),
                };
                Literal {
                    text: text.to_string(),
                    inside_words,
                    whole_word,
                }
            })
            .collect();
        let set = Literals::new(&owned).unwrap();
        let lower = text.to_ascii_lowercase();
        let mut found = Vec::new();
        set.scan(text.as_bytes(), lower.as_bytes(), &mut found);
        assert!(
            found.windows(2).all(|w| w[0].start <= w[1].start),
            "ordered"
        );
        let mut out: Vec<(String, usize)> = found
            .iter()
            .map(|h| (owned[h.literal as usize].text.clone(), h.start))
            .collect();
        out.sort();
        out
    }

    fn expect(lits: &[&str], text: &str, want: &[(&str, usize)]) {
        let mut want: Vec<(String, usize)> =
            want.iter().map(|&(l, p)| (l.to_string(), p)).collect();
        want.sort();
        assert_eq!(hits(lits, text), want, "in {text:?}");
    }

    #[test]
    fn literals_match_at_word_starts_only() {
        expect(
            &["miss", "secret", "passw"],
            "permission: Miss clientSecret client_secret DBPASSWORD",
            &[("miss", 12), ("secret", 23), ("secret", 37)],
        );
        expect(&["passw"], "Password", &[("passw", 0)]);
    }

    #[test]
    fn leads_and_tails_are_compared_whole() {
        expect(
            &[" st,", "sort code", "s", ", l"],
            "12 Oak St, Leeds; first st nothing, sort code: 1",
            &[
                (", l", 9),
                (" st,", 6),
                ("s", 7),
                ("s", 24),
                ("s", 36),
                ("sort code", 36),
            ],
        );
    }

    #[test]
    fn one_byte_literals_without_word_bytes_match_in_short_and_long_texts() {
        expect(&["#"], "a #1 b", &[("#", 2)]);
        let long = format!("{}#", " ".repeat(300));
        expect(&["#"], &long, &[("#", 300)]);
    }

    #[test]
    fn literals_without_word_bytes_match_anywhere() {
        expect(
            &["://", "https"],
            "see https://x and ftp://y",
            &[("://", 9), ("://", 21), ("https", 4)],
        );
    }

    #[test]
    fn marked_literals_match_inside_words() {
        expect(
            &["*q~", "*passw", "secret"],
            "x8Q~abc dbpassword=1 mysecret",
            &[("q~", 2), ("passw", 10)],
        );
    }

    #[test]
    fn whole_word_literals_must_end_a_word() {
        expect(
            &["m$", "inc$", "st,$", "meet"],
            "m: 1 meeting incident Inc. st,x",
            &[("m", 0), ("meet", 5), ("inc", 22), ("st,", 27)],
        );
    }

    #[test]
    fn non_ascii_literals_and_text_edges() {
        expect(
            &["né", "geb", "x"],
            "née le 1; geb.: x",
            &[("geb", 11), ("né", 0), ("x", 17)],
        );
        expect(&["long literal"], "long", &[]);
    }
}
