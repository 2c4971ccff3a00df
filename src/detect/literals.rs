//! One pass over a text for the literals the rules name: anchor keywords
//! and context words; or a look at a few words of it
//! ([`Literals::scan_words`]) for context words wanted only there.
//!
//! An Aho-Corasick DFA over the ~2,000 lowercase literals of the built-in
//! rules ran at 160 MB/s here (its transition table is 2 MB, far outside L1,
//! and so many patterns turn its SIMD prefilter off). Literals in rules are
//! words, word prefixes and short phrases, so this index works on words.
//! Word boundaries and camel-case humps come 64 bytes at a time as bit masks
//! (SSE2 on x86_64, a byte loop elsewhere). Each word start then takes two
//! bit tests on one 8-byte load of its head: its first four bytes and length
//! against those of the literals' words, its first two bytes against the
//! short word prefixes (most words in prose are common words no literal
//! has, and leave there). The rest are looked up exactly:
//! - literals whose first word is exact (`customer:`, `ship to`, a whole
//!   context word) by the whole word: its bytes when it has at most eight,
//!   else a hash of its 8-byte chunks;
//! - literals meant as word prefixes (`passw`, `delinquen`) by their first
//!   four bytes, and the few shorter ones by their first one or two bytes.
//!
//! A key's candidates are checked with a compare of the eight bytes after
//! the key and of the lead; whole literals are compared only past those.
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
//! `SHORT_TEXT` (table cells) compare them where their first two bytes
//! are, found 16 bytes at a time, instead of paying the searchers' set-up.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Input, MatchKind};
use memchr::memmem;

/// Word bytes: ASCII letters and digits and every byte of a non-ASCII
/// character. `_` and `-` separate words, so `client_secret` holds the word
/// `secret`.
pub(crate) const fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b >= 0x80
}

/// Texts shorter than this look for anywhere-literals byte by byte.
const SHORT_TEXT: usize = 256;

/// Up to this many distinct first two bytes of anywhere-literals are
/// compared 16 bytes at a time in short texts; more, byte by byte.
const MAX_ANYWHERE_HEADS: usize = 8;

/// Word-prefix literals at least this long are keyed by this many bytes.
const PREFIX_HEAD: usize = 4;

/// Bytes `0..len` of a little-endian `u64`.
#[inline(always)]
const fn low_bytes(len: usize) -> u64 {
    if len == 0 {
        0
    } else {
        u64::MAX >> (8 * (8 - if len < 8 { len } else { 8 }))
    }
}

/// Up to eight bytes as a little-endian `u64`, zero-padded.
fn le_padded(bytes: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    let n = bytes.len().min(8);
    b[..n].copy_from_slice(&bytes[..n]);
    u64::from_le_bytes(b)
}

/// The key of a whole word whose first (up to) eight bytes are `head`:
/// `head` itself for words of at most eight bytes (word bytes are never
/// zero, so it is exact), else a hash of all 8-byte chunks and the length.
#[inline]
fn word_key(word: &[u8], head: u64) -> u64 {
    if word.len() <= 8 {
        return head;
    }
    let h = word.chunks(8).fold(word.len() as u64, |h, c| {
        (h ^ le_padded(c))
            .wrapping_mul(0x51_7C_C1_B7_27_22_0A_95)
            .rotate_left(29)
    });
    // Keep clear of the keys of short words (whose top byte is a word byte
    // or zero) only for tidiness: entries also compare lengths and bytes.
    h | 1 << 63
}

/// Words this long or longer share a length in [`head_key`].
const HEAD_CLASSES: usize = 8;

/// The first test for a word of `len` bytes whose first (up to) eight
/// bytes are `head`: its first [`PREFIX_HEAD`] bytes and its length (all
/// lengths from [`HEAD_CLASSES`] on counting as one).
#[inline(always)]
fn head_key(head: u64, len: usize) -> u64 {
    head & low_bytes(PREFIX_HEAD) | (len.min(HEAD_CLASSES) as u64) << 32
}

/// Spreads a key over the top bits, which pick its bitmap bit and slot.
#[inline(always)]
const fn mix(key: u64) -> u64 {
    key.wrapping_mul(0x9E_37_79_B9_7F_4A_7C_15)
}

/// A literal as found through a word key.
#[derive(Clone, Copy, Debug)]
struct Entry {
    key: u64,
    /// Up to eight bytes the text must have after the key (a prefix: after
    /// the word's start; an exact first word: after the word) and the mask
    /// of those that count, so most candidates fail on one compare instead
    /// of a `memcmp` call (`customer` keys a dozen phrases such as
    /// `customer name` and `customer:`).
    next: u64,
    next_mask: u64,
    /// The (up to eight) last bytes of the lead, as the top bytes of a
    /// little-endian `u64`, and their mask.
    lead_bytes: u64,
    lead_mask: u64,
    id: u32,
    /// Where its bytes start in [`Literals::bytes`].
    offset: u32,
    len: u32,
    /// Non-word bytes before its first word byte.
    lead: u32,
    /// The length of its first word (of a word-prefix literal: the prefix).
    word_len: u32,
    /// It must also end a word.
    whole: bool,
    /// Passing the compares of `next` and `lead_bytes` proves the literal
    /// is there: no `memcmp` needed.
    exact: bool,
}

/// A bitmap of `64 * N` bits for a set of keys: one bit test says a key is
/// surely not in the set. Its fixed size lets the compiler drop the bounds
/// check.
struct Bloom<const N: usize>(Box<[u64; N]>);

impl<const N: usize> Bloom<N> {
    /// Takes the top bits of a mixed key as the bit.
    const SHIFT: u32 = 64 - (N * 64).trailing_zeros();

    fn new(keys: impl Iterator<Item = u64>) -> Bloom<N> {
        let mut bits = Box::new([0u64; N]);
        for key in keys {
            let bit = (mix(key) >> Self::SHIFT) as usize;
            bits[bit / 64] |= 1 << (bit % 64);
        }
        Bloom(bits)
    }

    #[inline(always)]
    fn may_have(&self, key: u64) -> bool {
        let bit = (mix(key) >> Self::SHIFT) as usize;
        self.0[bit / 64] & (1 << (bit % 64)) != 0
    }
}

/// Entries by key: a [`Bloom`] of the keys present, then an open-addressing
/// index from each key to its run of entries, in the order hits are
/// reported.
struct KeyTable<const N: usize> {
    bloom: Bloom<N>,
    /// `(key, start, end)` per key, at its mixed key's slot or after it;
    /// empty slots have an empty range. Length: a power of two.
    index: Vec<(u64, u32, u32)>,
    /// Sorted by key, then `(word_len, id)`.
    entries: Vec<Entry>,
}

impl<const N: usize> KeyTable<N> {
    /// Indexes `entries`; those with equal keys keep the order of
    /// `(word_len, id)`.
    fn build(mut entries: Vec<Entry>) -> KeyTable<N> {
        entries.sort_unstable_by_key(|e| (e.key, e.word_len, e.id));
        let bloom = Bloom::new(entries.iter().map(|e| e.key));
        let mut runs: Vec<(u64, u32, u32)> = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            match runs.last_mut() {
                Some(run) if run.0 == e.key => run.2 = i as u32 + 1,
                _ => runs.push((e.key, i as u32, i as u32 + 1)),
            }
        }
        let mut index = vec![(0, 0, 0); (runs.len() * 2).next_power_of_two()];
        let mask = index.len() - 1;
        for run in runs {
            let mut slot = (mix(run.0) >> 32) as usize & mask;
            while index[slot].1 < index[slot].2 {
                slot = (slot + 1) & mask;
            }
            index[slot] = run;
        }
        KeyTable {
            bloom,
            index,
            entries,
        }
    }

    /// Whether some entry may have this key: one bit test.
    #[inline(always)]
    fn may_have(&self, key: u64) -> bool {
        self.bloom.may_have(key)
    }

    /// The entries with this key, in `(word_len, id)` order.
    #[inline]
    fn get(&self, key: u64) -> &[Entry] {
        let mask = self.index.len() - 1;
        let mut slot = (mix(key) >> 32) as usize & mask;
        loop {
            let (k, start, end) = self.index[slot];
            if start == end {
                return &[];
            }
            if k == key {
                return &self.entries[start as usize..end as usize];
            }
            slot = (slot + 1) & mask;
        }
    }
}

/// Compiled literals; ids are indices into the list given to [`Literals::new`].
pub(crate) struct Literals {
    /// Each literal, lowercase.
    literals: Vec<Box<[u8]>>,
    /// The bytes of the word-keyed literals, back to back.
    bytes: Vec<u8>,
    /// Literals whose first word is exact, by [`word_key`].
    words: KeyTable<1024>,
    /// The longest first word in `words`: longer words skip that lookup.
    max_word: usize,
    /// The first [`PREFIX_HEAD`] bytes of the words in `words` and
    /// `prefixes4` (all of shorter words): the first test for each word.
    heads: Bloom<1024>,
    /// Word-prefix literals shorter than [`PREFIX_HEAD`], by their first
    /// two bytes (one-byte ones under each possible second byte, zero for
    /// a word's end).
    prefixes2: KeyTable<128>,
    /// Longer word-prefix literals, by their first [`PREFIX_HEAD`] bytes.
    prefixes4: KeyTable<128>,
    /// Literals found wherever they occur, and their ids.
    anywhere: Option<(AhoCorasick, Vec<u32>)>,
    /// Short literals found wherever they occur.
    short_anywhere: Vec<(u32, memmem::Finder<'static>)>,
    /// Both kinds by first byte, for texts too short to pay for the
    /// searchers' set-up (table cells).
    anywhere_by_first: Vec<Vec<u32>>,
    /// The bytes `anywhere_by_first` has literals for, as a bit set.
    anywhere_first: [u64; 4],
    /// The distinct first two bytes of those literals (a one-byte literal:
    /// its byte and `None`), when few enough to compare a block at a time.
    anywhere_heads: Option<Vec<(u8, Option<u8>)>>,
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

/// Bit masks over 64 bytes of a text.
#[derive(Clone, Copy)]
struct Block {
    /// Word bytes (of the lowercase text).
    word: u64,
    /// Whether the byte before each is a word byte.
    word_prev: u64,
    /// Camel-case humps: word bytes that are uppercase in the original text
    /// right after a lowercase word byte.
    hump: u64,
}

/// `(word, upper, lowercase)` masks of 64 bytes: word bytes of `lower`,
/// ASCII upper- and lowercase letters of `text`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn masks(lower: &[u8; 64], text: &[u8; 64]) -> (u64, u64, u64) {
    // SAFETY: SSE2 is part of the x86_64 baseline.
    unsafe { sse2::masks(lower, text) }
}

/// The positions `i` of `bytes` (17 of them) where a pair in `heads`
/// starts: `bytes[i]` is its first byte and, unless it has none,
/// `bytes[i + 1]` its second.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn pairs_mask(bytes: &[u8; 17], heads: &[(u8, Option<u8>)]) -> u16 {
    // SAFETY: SSE2 is part of the x86_64 baseline.
    unsafe { sse2::pairs_mask(bytes, heads) }
}

#[cfg(any(test, not(target_arch = "x86_64")))]
fn pairs_mask_scalar(bytes: &[u8; 17], heads: &[(u8, Option<u8>)]) -> u16 {
    (0..16).fold(0, |m, i| {
        let at = heads
            .iter()
            .any(|&(b0, b1)| bytes[i] == b0 && b1.is_none_or(|b1| bytes[i + 1] == b1));
        m | u16::from(at) << i
    })
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn pairs_mask(bytes: &[u8; 17], heads: &[(u8, Option<u8>)]) -> u16 {
    pairs_mask_scalar(bytes, heads)
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::{
        __m128i, _mm_add_epi8, _mm_and_si128, _mm_cmpeq_epi8, _mm_cmplt_epi8, _mm_loadu_si128,
        _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };

    /// See [`super::pairs_mask`].
    #[inline]
    #[target_feature(enable = "sse2")]
    pub(super) fn pairs_mask(bytes: &[u8; 17], heads: &[(u8, Option<u8>)]) -> u16 {
        // SAFETY: the array holds 17 bytes; the loads are unaligned.
        let (first, second) = unsafe {
            (
                _mm_loadu_si128(bytes.as_ptr().cast()),
                _mm_loadu_si128(bytes.as_ptr().add(1).cast()),
            )
        };
        let mut at = _mm_set1_epi8(0);
        for &(b0, b1) in heads {
            let mut m = _mm_cmpeq_epi8(first, _mm_set1_epi8(b0 as i8));
            if let Some(b1) = b1 {
                m = _mm_and_si128(m, _mm_cmpeq_epi8(second, _mm_set1_epi8(b1 as i8)));
            }
            at = _mm_or_si128(at, m);
        }
        _mm_movemask_epi8(at) as u16
    }

    /// Bytes in `lo..lo + len` (unsigned), as a byte mask.
    #[inline]
    #[target_feature(enable = "sse2")]
    fn in_range(v: __m128i, lo: u8, len: u8) -> __m128i {
        let shifted = _mm_add_epi8(v, _mm_set1_epi8(0x80u8.wrapping_sub(lo) as i8));
        _mm_cmplt_epi8(shifted, _mm_set1_epi8(0x80u8.wrapping_add(len) as i8))
    }

    /// See [`super::masks`].
    #[inline]
    #[target_feature(enable = "sse2")]
    pub(super) fn masks(lower: &[u8; 64], text: &[u8; 64]) -> (u64, u64, u64) {
        let (mut word, mut upper, mut lowercase) = (0u64, 0u64, 0u64);
        for i in 0..4 {
            // SAFETY: both arrays hold 64 bytes; the loads are unaligned.
            let (l, t) = unsafe {
                (
                    _mm_loadu_si128(lower.as_ptr().add(16 * i).cast()),
                    _mm_loadu_si128(text.as_ptr().add(16 * i).cast()),
                )
            };
            let alnum = _mm_or_si128(
                in_range(_mm_or_si128(l, _mm_set1_epi8(0x20)), b'a', 26),
                in_range(l, b'0', 10),
            );
            // Bytes >= 0x80 have their top bit set: movemask takes them as is.
            let w = (_mm_movemask_epi8(alnum) | _mm_movemask_epi8(l)) as u16;
            word |= u64::from(w) << (16 * i);
            let u = _mm_movemask_epi8(in_range(t, b'A', 26)) as u16;
            upper |= u64::from(u) << (16 * i);
            let c = _mm_movemask_epi8(in_range(t, b'a', 26)) as u16;
            lowercase |= u64::from(c) << (16 * i);
        }
        (word, upper, lowercase)
    }
}

#[cfg(any(test, not(target_arch = "x86_64")))]
fn masks_scalar(lower: &[u8; 64], text: &[u8; 64]) -> (u64, u64, u64) {
    let (mut word, mut upper, mut lowercase) = (0u64, 0u64, 0u64);
    for i in 0..64 {
        word |= u64::from(is_word(lower[i])) << i;
        upper |= u64::from(text[i].is_ascii_uppercase()) << i;
        lowercase |= u64::from(text[i].is_ascii_lowercase()) << i;
    }
    (word, upper, lowercase)
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn masks(lower: &[u8; 64], text: &[u8; 64]) -> (u64, u64, u64) {
    masks_scalar(lower, text)
}

/// The masks of `lower[base..base + 64]` (and `text`), counting only bytes
/// before `n`.
#[inline(always)]
fn block(lower: &[u8], text: &[u8], n: usize, base: usize) -> Block {
    let (word, upper, lowercase) = match (
        lower[base..n].first_chunk::<64>(),
        text[base..n].first_chunk::<64>(),
    ) {
        (Some(l), Some(t)) => masks(l, t),
        _ => {
            // The last, partial block: zero bytes are neither word bytes nor
            // letters.
            let (mut l, mut t) = ([0u8; 64], [0u8; 64]);
            l[..n - base].copy_from_slice(&lower[base..n]);
            t[..n - base].copy_from_slice(&text[base..n]);
            masks(&l, &t)
        }
    };
    let (word_before, lowercase_before) = match base.checked_sub(1) {
        Some(p) => (
            u64::from(is_word(lower[p])),
            u64::from(text[p].is_ascii_lowercase()),
        ),
        None => (0, 0),
    };
    let word_prev = word << 1 | word_before;
    Block {
        word,
        word_prev,
        hump: upper & (lowercase << 1 | lowercase_before) & word & word_prev,
    }
}

/// Bits `0..k` of a `u64`.
#[inline(always)]
const fn low_bits(k: u32) -> u64 {
    if k >= 64 {
        u64::MAX
    } else {
        (1 << k) - 1
    }
}

impl Literals {
    /// Indexes `literals`. Empty literals never match.
    pub(crate) fn new(literals: &[Literal]) -> Result<Literals, aho_corasick::BuildError> {
        let mut bytes = Vec::new();
        let (mut words, mut prefixes2, mut prefixes4) = (Vec::new(), Vec::new(), Vec::new());
        let mut max_word = 0;
        let mut heads = Vec::new();
        let mut anywhere = (Vec::new(), Vec::new());
        let mut short_anywhere = Vec::new();
        let mut anywhere_by_first = vec![Vec::new(); 256];
        let mut anywhere_first = [0u64; 4];
        for (id, literal) in literals.iter().enumerate() {
            let text = literal.text.as_bytes();
            let lead = text.iter().take_while(|&&b| !is_word(b)).count();
            let rest = &text[lead..];
            if literal.inside_words || rest.is_empty() {
                if let Some(&b) = text.first() {
                    anywhere_by_first[usize::from(b)].push(id as u32);
                    anywhere_first[usize::from(b / 64)] |= 1 << (b % 64);
                }
                if text.len() >= 4 {
                    anywhere.0.push(text);
                    anywhere.1.push(id as u32);
                } else if !text.is_empty() {
                    short_anywhere.push((id as u32, memmem::Finder::new(text).into_owned()));
                }
                continue;
            }
            let word_len = rest.iter().take_while(|&&b| is_word(b)).count();
            let word = &rest[..word_len];
            let lead_tail = &text[lead - lead.min(8)..lead];
            let lead_shift = 8 * (8 - lead_tail.len() as u32);
            let mut entry = Entry {
                key: 0,
                next: 0,
                next_mask: 0,
                lead_bytes: le_padded(lead_tail).checked_shl(lead_shift).unwrap_or(0),
                lead_mask: u64::MAX.checked_shl(lead_shift).unwrap_or(0),
                id: id as u32,
                offset: bytes.len() as u32,
                len: text.len() as u32,
                lead: lead as u32,
                word_len: word_len as u32,
                whole: literal.whole_word,
                exact: false,
            };
            bytes.extend_from_slice(text);
            // The compares before `verify` cover the lead, the word and
            // what follows it when each fits in eight bytes (the key of a
            // longer word is a hash); a NUL byte could match the zero
            // padding of a text's edge.
            entry.exact =
                lead <= 8 && word_len <= 8 && rest.len() - word_len <= 8 && !text.contains(&0);
            let head = le_padded(word);
            if word_len < rest.len() || literal.whole_word {
                heads.push(head_key(head, word_len));
            } else if word_len >= PREFIX_HEAD {
                // Any word at least as long.
                heads.extend(
                    (word_len.min(HEAD_CLASSES)..=HEAD_CLASSES).map(|len| head_key(head, len)),
                );
            }
            if word_len < rest.len() || literal.whole_word {
                entry.key = word_key(word, head);
                entry.next = le_padded(&rest[word_len..]);
                entry.next_mask = low_bytes(rest.len() - word_len);
                max_word = max_word.max(word_len);
                words.push(entry);
            } else if word_len >= PREFIX_HEAD {
                (entry.next, entry.next_mask) = (head, low_bytes(word_len));
                entry.key = head & low_bytes(PREFIX_HEAD);
                prefixes4.push(entry);
            } else {
                (entry.next, entry.next_mask) = (head, low_bytes(word_len));
                if word_len >= 2 {
                    entry.key = head & low_bytes(2);
                    prefixes2.push(entry);
                } else {
                    // A one-byte prefix under every key its byte can head.
                    for second in 0..=255u64 {
                        entry.key = head | second << 8;
                        prefixes2.push(entry);
                    }
                }
            }
        }
        let mut anywhere_heads: Vec<(u8, Option<u8>)> = literals
            .iter()
            .filter(|l| l.inside_words || l.text.bytes().all(|b| !is_word(b)))
            .filter_map(|l| {
                let b = l.text.as_bytes();
                Some((*b.first()?, b.get(1).copied()))
            })
            .collect();
        anywhere_heads.sort_unstable();
        anywhere_heads.dedup();
        let anywhere_heads = (anywhere_heads.len() <= MAX_ANYWHERE_HEADS).then_some(anywhere_heads);
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
            bytes,
            words: KeyTable::build(words),
            max_word,
            heads: Bloom::new(heads.into_iter()),
            prefixes2: KeyTable::build(prefixes2),
            prefixes4: KeyTable::build(prefixes4),
            anywhere,
            short_anywhere,
            anywhere_by_first,
            anywhere_first,
            anywhere_heads,
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
        self.find_words(
            text,
            lower,
            0,
            lower.len().min(text.len()),
            out,
            &mut sorted,
        );
        if lower.len() < SHORT_TEXT {
            match &self.anywhere_heads {
                Some(heads) => self.find_anywhere_short(lower, heads, out, &mut sorted),
                None => {
                    for (i, &b) in lower.iter().enumerate() {
                        if self.anywhere_first[usize::from(b / 64)] & (1 << (b % 64)) != 0 {
                            self.anywhere_at(lower, i, out, &mut sorted);
                        }
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

    /// Appends the literals whose word part starts at a word start (or
    /// camel-case hump) in `lower[from..to]`, unordered: the hits
    /// [`Literals::scan`] reports there, for looking a few words up around
    /// one spot instead of reporting them all over the text. Boundaries are
    /// judged on the whole text (the byte before `from` decides whether a
    /// word starts at `from`; a word running past `to` ends where it ends),
    /// so a hit may start before `from` (its lead) or end after `to`; the
    /// humps of such a word past `to` are reported too. Literals that may
    /// start inside a word or hold no word byte are not looked for.
    pub(crate) fn scan_words(
        &self,
        text: &[u8],
        lower: &[u8],
        from: usize,
        to: usize,
        out: &mut Vec<Hit>,
    ) {
        let to = to.min(lower.len()).min(text.len());
        self.find_words(text, lower, from, to, out, &mut false);
    }

    /// Literals that match where words start in `lower[from..to]`: each
    /// word, a block of 64 bytes at a time, then its camel-case humps.
    fn find_words(
        &self,
        text: &[u8],
        lower: &[u8],
        mut from: usize,
        to: usize,
        out: &mut Vec<Hit>,
        sorted: &mut bool,
    ) {
        let n = lower.len().min(text.len());
        if from >= to {
            return;
        }
        if from > 0 && is_word(lower[from - 1]) && is_word(lower[from]) {
            // `from` is inside a word that started earlier: only its humps
            // from `from` on start words in the range.
            let mut e = from;
            while e < n && is_word(lower[e]) {
                e += 1;
            }
            for h in from..e.min(to) {
                if text[h].is_ascii_uppercase() && text[h - 1].is_ascii_lowercase() {
                    self.word(lower, h, e, out, sorted);
                }
            }
            from = e;
        }
        // A word running on from an earlier block: its start, and whether
        // the blocks it ran through had humps.
        let mut open: Option<(usize, bool)> = None;
        let mut base = from & !63;
        while base < n && (base < to || open.is_some()) {
            let b = block(lower, text, n, base);
            // Only words starting in `from..to` (and their ends).
            let (mut starts, mut ends) = (b.word & !b.word_prev, !b.word & b.word_prev);
            if base <= from {
                starts &= !low_bits((from - base) as u32);
                ends &= !low_bits((from - base + 1) as u32);
            }
            starts &= low_bits(to.saturating_sub(base).min(64) as u32);
            if let Some((s, humps_before)) = open {
                if ends == 0 {
                    open = Some((s, humps_before || b.hump != 0));
                    base += 64;
                    continue;
                }
                let end = ends.trailing_zeros();
                ends &= ends - 1;
                let e = base + end as usize;
                self.word(lower, s, e, out, sorted);
                if humps_before {
                    self.humps_since(lower, text, s, base, e, out, sorted);
                }
                self.humps(lower, base, b.hump & low_bits(end), e, out, sorted);
                open = None;
            }
            while starts != 0 {
                let start = starts.trailing_zeros();
                starts &= starts - 1;
                let s = base + start as usize;
                if ends == 0 {
                    open = Some((s, b.hump & !low_bits(start) != 0));
                    break;
                }
                let end = ends.trailing_zeros();
                ends &= ends - 1;
                let e = base + end as usize;
                self.word(lower, s, e, out, sorted);
                let humps = b.hump & low_bits(end) & !low_bits(start);
                self.humps(lower, base, humps, e, out, sorted);
            }
            base += 64;
        }
        if let Some((s, humps_before)) = open {
            self.word(lower, s, n, out, sorted);
            if humps_before {
                self.humps_since(lower, text, s, n, n, out, sorted);
            }
        }
    }

    /// The humps of a word that started at `s`, in its blocks before
    /// `upto`, as words ending at `e`. Rare: only for a word that ran over
    /// blocks with humps, whose humps are found again.
    #[cold]
    #[inline(never)]
    #[expect(
        clippy::too_many_arguments,
        reason = "the word walk's state, on its cold path"
    )]
    fn humps_since(
        &self,
        lower: &[u8],
        text: &[u8],
        s: usize,
        upto: usize,
        e: usize,
        out: &mut Vec<Hit>,
        sorted: &mut bool,
    ) {
        let n = lower.len().min(text.len());
        for earlier in (s & !63..upto).step_by(64) {
            let mut humps = block(lower, text, n, earlier).hump;
            humps &= !low_bits((s + 1).saturating_sub(earlier).min(64) as u32);
            self.humps(lower, earlier, humps, e, out, sorted);
        }
    }

    /// The words that start at the humps `humps` of the block at `base`
    /// (`clientSecret` also holds the word `secret`) and end at `e`.
    #[inline(always)]
    fn humps(
        &self,
        lower: &[u8],
        base: usize,
        mut humps: u64,
        e: usize,
        out: &mut Vec<Hit>,
        sorted: &mut bool,
    ) {
        while humps != 0 {
            let h = base + humps.trailing_zeros() as usize;
            humps &= humps - 1;
            self.word(lower, h, e, out, sorted);
        }
    }

    /// Reports the literals whose word part starts at `s` in the word
    /// `lower[s..e]`. Most words leave after three bit tests.
    #[inline(always)]
    fn word(&self, lower: &[u8], s: usize, e: usize, out: &mut Vec<Hit>, sorted: &mut bool) {
        let len = e - s;
        let raw = match lower[s..].first_chunk::<8>() {
            Some(b) => u64::from_le_bytes(*b),
            None => le_padded(&lower[s..]),
        };
        let head = raw & low_bytes(len);
        if self.heads.may_have(head_key(head, len)) | self.prefixes2.may_have(head & low_bytes(2)) {
            self.word_candidates(lower, s, e, raw, out, sorted);
        }
    }

    /// [`Literals::word`] past the bit tests: word prefixes shortest first,
    /// then whole first words, each in id order.
    #[inline(never)]
    fn word_candidates(
        &self,
        lower: &[u8],
        s: usize,
        e: usize,
        raw: u64,
        out: &mut Vec<Hit>,
        sorted: &mut bool,
    ) {
        let len = e - s;
        let head = raw & low_bytes(len);
        let before = match s.checked_sub(8) {
            Some(b) => lower[b..]
                .first_chunk::<8>()
                .map_or(0, |b| u64::from_le_bytes(*b)),
            None => le_padded(&lower[..s]) << (8 * (8 - s)),
        };
        let mut check = |entry: &Entry, next: u64| {
            if next & entry.next_mask == entry.next && before & entry.lead_mask == entry.lead_bytes
            {
                self.verify(lower, s, entry, out, sorted);
            }
        };
        if self.prefixes2.may_have(head & low_bytes(2)) {
            for entry in self.prefixes2.get(head & low_bytes(2)) {
                if entry.word_len as usize <= len {
                    check(entry, raw);
                }
            }
        }
        if len >= PREFIX_HEAD && self.prefixes4.may_have(head & low_bytes(PREFIX_HEAD)) {
            for entry in self.prefixes4.get(head & low_bytes(PREFIX_HEAD)) {
                if entry.word_len as usize <= len {
                    check(entry, raw);
                }
            }
        }
        let key = if len <= 8 {
            head
        } else if len <= self.max_word {
            word_key(&lower[s..e], head)
        } else {
            return;
        };
        if self.words.may_have(key) {
            let next = match lower.get(e..).and_then(|t| t.first_chunk::<8>()) {
                Some(b) => u64::from_le_bytes(*b),
                None => le_padded(lower.get(e..).unwrap_or_default()),
            };
            for entry in self.words.get(key) {
                if entry.word_len as usize == len {
                    check(entry, next);
                }
            }
        }
    }

    /// Reports `entry` if it occurs with its word part at `p`.
    #[inline]
    fn verify(&self, lower: &[u8], p: usize, entry: &Entry, out: &mut Vec<Hit>, sorted: &mut bool) {
        let Some(start) = p.checked_sub(entry.lead as usize) else {
            return;
        };
        let end = start + entry.len as usize;
        let offset = entry.offset as usize;
        if (entry.exact
            || lower.get(start..end) == Some(&self.bytes[offset..offset + entry.len as usize]))
            && (!entry.whole || ends_word(lower, end))
        {
            *sorted &= out.last().is_none_or(|h| h.start <= start);
            out.push(Hit {
                literal: entry.id,
                start,
                end,
            });
        }
    }

    /// Literals that may start anywhere, in a text shorter than
    /// [`SHORT_TEXT`]: positions whose two bytes start one of them, 16 at a
    /// time, then each literal there.
    fn find_anywhere_short(
        &self,
        lower: &[u8],
        heads: &[(u8, Option<u8>)],
        out: &mut Vec<Hit>,
        sorted: &mut bool,
    ) {
        if heads.is_empty() {
            return;
        }
        for base in (0..lower.len()).step_by(16) {
            let mut at = match lower[base..].first_chunk::<17>() {
                Some(bytes) => pairs_mask(bytes, heads),
                None => {
                    // The end: zero padding.
                    let mut bytes = [0u8; 17];
                    bytes[..lower.len() - base].copy_from_slice(&lower[base..]);
                    pairs_mask(&bytes, heads) & low_bits((lower.len() - base) as u32) as u16
                }
            };
            while at != 0 {
                let i = base + at.trailing_zeros() as usize;
                at &= at - 1;
                self.anywhere_at(lower, i, out, sorted);
            }
        }
    }

    /// Reports the anywhere-literals at `i`, in id order.
    #[inline]
    fn anywhere_at(&self, lower: &[u8], i: usize, out: &mut Vec<Hit>, sorted: &mut bool) {
        for &id in &self.anywhere_by_first[usize::from(lower[i])] {
            let lit = &self.literals[id as usize];
            if lower[i..].starts_with(lit) {
                out.push(Hit {
                    literal: id,
                    start: i,
                    end: i + lit.len(),
                });
                *sorted = false;
            }
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

    /// Today's semantics, written the slow, obvious way: every literal at
    /// every word start and camel-case hump, then the anywhere-literals
    /// with the searchers' semantics (long texts: the longest match of the
    /// four-plus-byte ones at each position, non-overlapping occurrences of
    /// the shorter ones; short texts: every occurrence).
    fn reference(literals: &[Literal], text: &[u8], lower: &[u8]) -> Vec<Hit> {
        let n = lower.len().min(text.len());
        fn parts(l: &Literal) -> (&[u8], usize, usize) {
            let b = l.text.as_bytes();
            let lead = b.iter().take_while(|&&c| !is_word(c)).count();
            let word = b[lead..].iter().take_while(|&&c| is_word(c)).count();
            (b, lead, word)
        }
        let anywhere = |l: &Literal| l.inside_words || parts(l).1 == l.text.len();
        let mut out = Vec::new();
        let mut starts = Vec::new();
        let mut p = 0;
        while p < n {
            if !is_word(lower[p]) {
                p += 1;
                continue;
            }
            let mut e = p;
            while e < n && is_word(lower[e]) {
                e += 1;
            }
            starts.push((p, e));
            for h in p + 1..e {
                if text[h].is_ascii_uppercase() && text[h - 1].is_ascii_lowercase() {
                    starts.push((h, e));
                }
            }
            p = e;
        }
        // The literals with a word part, by the first byte of that part.
        let mut by_first: Vec<Vec<usize>> = vec![Vec::new(); 256];
        for (id, l) in literals.iter().enumerate() {
            let (b, lead, _) = parts(l);
            if !anywhere(l) {
                by_first[usize::from(b[lead])].push(id);
            }
        }
        for (s, e) in starts {
            let candidates = &by_first[usize::from(lower[s])];
            let mut found = |id: usize, l: &Literal| {
                let (b, lead, _) = parts(l);
                let Some(start) = s.checked_sub(lead) else {
                    return;
                };
                let end = start + b.len();
                if lower.get(start..end) == Some(b) && (!l.whole_word || ends_word(lower, end)) {
                    out.push(Hit {
                        literal: id as u32,
                        start,
                        end,
                    });
                }
            };
            // Prefixes shortest first, then exact first words, by id.
            let mut prefixes: Vec<(usize, usize)> = Vec::new();
            for &id in candidates {
                let (b, lead, word) = parts(&literals[id]);
                if lead + word == b.len() && !literals[id].whole_word && word <= e - s {
                    prefixes.push((word, id));
                }
            }
            prefixes.sort();
            for (_, id) in prefixes {
                found(id, &literals[id]);
            }
            for &id in candidates {
                let l = &literals[id];
                let (b, lead, word) = parts(l);
                if (lead + word < b.len() || l.whole_word) && word == e - s {
                    found(id, l);
                }
            }
        }
        let any: Vec<(usize, &[u8])> = literals
            .iter()
            .enumerate()
            .filter(|&(_, l)| anywhere(l) && !l.text.is_empty())
            .map(|(id, l)| (id, l.text.as_bytes()))
            .collect();
        let at = |i: usize, b: &[u8]| lower[i..].starts_with(b);
        if lower.len() < SHORT_TEXT {
            for i in 0..lower.len() {
                for &(id, b) in &any {
                    if at(i, b) {
                        out.push(Hit {
                            literal: id as u32,
                            start: i,
                            end: i + b.len(),
                        });
                    }
                }
            }
        } else {
            for i in 0..lower.len() {
                // Longest, then first listed.
                let best = any
                    .iter()
                    .filter(|(_, b)| b.len() >= 4 && at(i, b))
                    .min_by_key(|(id, b)| (std::cmp::Reverse(b.len()), *id));
                if let Some(&(id, b)) = best {
                    out.push(Hit {
                        literal: id as u32,
                        start: i,
                        end: i + b.len(),
                    });
                }
            }
            for &(id, b) in any.iter().filter(|(_, b)| b.len() < 4) {
                let mut i = 0;
                while i < lower.len() {
                    if at(i, b) {
                        out.push(Hit {
                            literal: id as u32,
                            start: i,
                            end: i + b.len(),
                        });
                        i += b.len();
                    } else {
                        i += 1;
                    }
                }
            }
        }
        out.sort_by_key(|h| h.start);
        out
    }

    /// The literal list `Detector::new` builds from the built-in rules.
    fn builtin_literals() -> Vec<Literal> {
        use crate::detect::rules::{Anchor, RuleSet, INSIDE_WORDS};
        let mut list: Vec<(Literal, bool)> = Vec::new();
        let mut add = |text: &str, inside: bool, counts_as_prefix: bool| {
            let i = match list
                .iter()
                .position(|(l, _)| l.text == text && l.inside_words == inside)
            {
                Some(i) => i,
                None => {
                    let literal = Literal {
                        text: text.to_string(),
                        inside_words: inside,
                        whole_word: true,
                    };
                    list.push((literal, false));
                    list.len() - 1
                }
            };
            list[i].1 |= counts_as_prefix;
        };
        for r in RuleSet::builtin().unwrap().rules {
            if r.anchor == Anchor::Keywords {
                for k in &r.keywords {
                    match k.strip_prefix(INSIDE_WORDS) {
                        Some(inside) => add(inside, true, true),
                        None => add(k, false, true),
                    }
                }
            }
            for words in [&r.context, &r.negative_context] {
                for (word, prefix) in words.iter().flat_map(|h| &h.words) {
                    add(word, false, *prefix);
                }
            }
        }
        list.into_iter()
            .map(|(mut l, prefix)| {
                l.whole_word = !prefix;
                l
            })
            .collect()
    }

    /// xorshift64*: reproducible without a dependency.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n
        }
    }

    /// A text of literals (as they are, capitalized, camel-cased, cut
    /// short or run on), common words, separators and non-ASCII bytes.
    fn random_text(rng: &mut Rng, literals: &[Literal], len: usize) -> Vec<u8> {
        const FILLER: &[&str] = &[
            " ", " ", "  ", ", ", ": ", "\n", "\r\n", "\t", "-", "_", ".", "|", "=", "\"", "*",
            "/", "@", "the", "on", "in", "a", "customer", "Client", "é", "ß", "\u{2019}", "12",
            "x9",
        ];
        let mut out = Vec::new();
        while out.len() < len {
            match rng.below(8) {
                0..=3 => {
                    let lit = literals[rng.below(literals.len())].text.as_bytes();
                    let piece: Vec<u8> = match rng.below(6) {
                        0 => lit.to_ascii_uppercase(),
                        1 => {
                            let mut v = lit.to_vec();
                            if let Some(c) = v.iter_mut().find(|c| c.is_ascii_lowercase()) {
                                *c = c.to_ascii_uppercase();
                            }
                            v
                        }
                        2 => lit[..rng.below(lit.len().max(1))].to_vec(),
                        3 => {
                            let mut v = lit.to_vec();
                            v.push(b"sxyZ1"[rng.below(5)]);
                            v
                        }
                        _ => lit.to_vec(),
                    };
                    out.extend_from_slice(&piece);
                }
                4..=6 => out.extend_from_slice(FILLER[rng.below(FILLER.len())].as_bytes()),
                _ => out.push(rng.below(256) as u8),
            }
        }
        out.truncate(len);
        out
    }

    fn assert_same(set: &Literals, literals: &[Literal], text: &[u8]) {
        let lower = text.to_ascii_lowercase();
        let mut got = vec![Hit {
            literal: 0,
            start: 0,
            end: 0,
        }];
        set.scan(text, &lower, &mut got);
        assert_eq!(
            got[1..],
            reference(literals, text, &lower),
            "in {:?}",
            String::from_utf8_lossy(text)
        );
    }

    #[test]
    fn block_masks_match_the_byte_loop() {
        let mut rng = Rng(7);
        for _ in 0..1000 {
            let mut lower = [0u8; 64];
            let mut text = [0u8; 64];
            for i in 0..64 {
                text[i] = rng.below(256) as u8;
                lower[i] = text[i].to_ascii_lowercase();
            }
            assert_eq!(masks(&lower, &text), masks_scalar(&lower, &text));
            let bytes: [u8; 17] = std::array::from_fn(|i| text[i]);
            let heads = [
                (text[rng.below(17)], Some(text[rng.below(17)])),
                (text[3], None),
            ];
            assert_eq!(
                pairs_mask(&bytes, &heads),
                pairs_mask_scalar(&bytes, &heads)
            );
        }
    }

    #[test]
    fn same_hits_as_the_reference_on_unit_texts() {
        let literals: Vec<Literal> = [
            "miss",
            "secret",
            "passw",
            " st,",
            "sort code",
            "s",
            ", l",
            "#",
            "://",
            "https",
            "*q~",
            "*passw",
            "m$",
            "inc$",
            "st,$",
            "meet",
            "né",
            "geb",
            "x",
            "long literal",
        ]
        .iter()
        .map(|s| Literal {
            text: s.trim_start_matches('*').trim_end_matches('$').to_string(),
            inside_words: s.starts_with('*'),
            whole_word: s.ends_with('$'),
        })
        .collect();
        let set = Literals::new(&literals).unwrap();
        for text in [
            "permission: Miss clientSecret client_secret DBPASSWORD",
            "Password",
            "12 Oak St, Leeds; first st nothing, sort code: 1",
            "a #1 b",
            &format!("{}#", " ".repeat(300)),
            "see https://x and ftp://y",
            "x8Q~abc dbpassword=1 mysecret",
            "m: 1 meeting incident Inc. st,x",
            "née le 1; geb.: x",
            "long",
        ] {
            assert_same(&set, &literals, text.as_bytes());
        }
    }

    #[test]
    fn same_hits_as_the_reference_on_random_texts() {
        let literals = builtin_literals();
        let set = Literals::new(&literals).unwrap();
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        // Short texts (table cells), both sides of `SHORT_TEXT` and of the
        // 64-byte blocks, and a few long ones.
        let lengths = (0..200)
            .chain(250..262)
            .chain([63, 64, 65, 127, 128, 129, 191, 192, 193, 1000, 4096, 20_000]);
        for len in lengths {
            for _ in 0..3 {
                let text = random_text(&mut rng, &literals, len);
                assert_same(&set, &literals, &text);
            }
        }
    }

    #[test]
    fn ranges_find_what_the_whole_text_scan_finds_there() {
        // Only literals that match at word starts.
        let literals: Vec<Literal> = builtin_literals()
            .into_iter()
            .map(|mut l| {
                if l.inside_words || l.text.bytes().all(|b| !is_word(b)) {
                    l.text.clear();
                }
                l
            })
            .collect();
        let set = Literals::new(&literals).unwrap();
        let mut rng = Rng(42);
        for len in [1, 10, 63, 64, 65, 200, 1000, 5000] {
            for _ in 0..20 {
                let text = random_text(&mut rng, &literals, len);
                let lower = text.to_ascii_lowercase();
                let all = reference(&literals, &text, &lower);
                for _ in 0..10 {
                    let from = rng.below(len + 1);
                    let to = from + rng.below(len + 1 - from + 1);
                    let lead = |h: &Hit| {
                        let b = literals[h.literal as usize].text.as_bytes();
                        b.iter().take_while(|&&c| !is_word(c)).count()
                    };
                    let want: Vec<Hit> = all
                        .iter()
                        .filter(|h| (from..to).contains(&(h.start + lead(h))))
                        .copied()
                        .collect();
                    let mut got = Vec::new();
                    set.scan_words(&text, &lower, from, to, &mut got);
                    // Humps past `to` of a word starting before it.
                    got.retain(|h| h.start < to);
                    got.sort_by_key(|h| (h.start, h.literal));
                    let mut want = want;
                    want.sort_by_key(|h| (h.start, h.literal));
                    assert_eq!(
                        got,
                        want,
                        "{from}..{to} in {:?}",
                        String::from_utf8_lossy(&text)
                    );
                }
            }
        }
    }

    #[test]
    fn many_anywhere_literals_in_short_texts() {
        // More distinct first byte pairs than the block compare takes.
        let literals: Vec<Literal> = ["q~", "://", "#", "ab", "bc", "cd", "de", "ef", "fg", "gh!"]
            .iter()
            .map(|s| Literal {
                text: s.to_string(),
                inside_words: true,
                whole_word: false,
            })
            .collect();
        let set = Literals::new(&literals).unwrap();
        assert!(set.anywhere_heads.is_none());
        for text in ["abcdefgh! x8Q~ https://#", "", "#", &"fgh!".repeat(70)] {
            assert_same(&set, &literals, text.as_bytes());
        }
    }

    #[test]
    fn same_hits_as_the_reference_on_fixtures() {
        let literals = builtin_literals();
        let set = Literals::new(&literals).unwrap();
        let mut dirs = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures"
        ))];
        while let Some(dir) = dirs.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for path in entries.flatten().map(|e| e.path()) {
                if path.is_dir() {
                    dirs.push(path);
                } else if let Ok(bytes) = std::fs::read(&path) {
                    // Whole files (up to 64 KB), and their lines as short
                    // texts.
                    assert_same(&set, &literals, &bytes[..bytes.len().min(1 << 16)]);
                    for line in bytes.split(|&b| b == b'\n').take(200) {
                        assert_same(&set, &literals, line);
                    }
                }
            }
        }
    }
}
