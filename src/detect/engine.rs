//! The scanning engine: prefilter, confirm, validate, score, deduplicate.
//!
//! Candidates come from cheap anchors instead of running every regex over
//! every byte (`research/performance.md`):
//! - one literal pass (`literals.rs`) over an ASCII-lowercased copy of the
//!   text finds every rule keyword, and the context words of rules that
//!   cannot match without them: those are asked about around most digit
//!   runs, so they are kept (sorted) and each "is a hotword near?" is a
//!   binary search. Other context words (most of them, and the commonest
//!   words: `server`, `customer`, `order`) matter only around a confirmed
//!   match, a few per thousand words of prose: they are looked up there, in
//!   the bytes around it, instead of being reported all over the text;
//! - `memchr` for `@` (email addresses);
//! - a hand-written digit-run tokenizer for numeric PII;
//! - the caller's column header, for column rules.
//!
//! Each hit opens a window (the rule's `window` bytes before and after);
//! nearby windows of one rule merge, and the rule's ASCII-only byte regex runs
//! on the merged window only. Context words are looked up only around
//! confirmed matches, or once per window for rules that cannot match without
//! them.
//!
//! Tables ([`Detector::scan_cells`]) are scanned many cells at a time: the
//! literal pass runs once over all of them, then each cell is confirmed as a
//! text of its own under its column's header, whose work is done once per
//! table.

use super::literals::{ends_word, is_word, Hit, Literal, Literals};
use super::mask::{self, Mask};
use super::rules::{Anchor, Hotwords, Rule, RuleSet, INSIDE_WORDS};
use anyhow::{Context, Result};
use rayon::prelude::*;
use regex_automata::dfa::{dense, regex::Regex as DfaRegex};
use regex_automata::nfa::thompson;
use regex_automata::util::syntax;
use regex_automata::{meta, Input};
use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

/// One sensitive value found in a text.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Detection {
    /// Index into [`Detector::rules`].
    pub rule: usize,
    /// Byte offset of the value's first byte (a char boundary).
    pub start: usize,
    /// Byte offset one past the value (a char boundary).
    pub end: usize,
    /// Base confidence adjusted by context, in `0..=1`.
    pub confidence: f32,
}

/// A rule whose examples do not behave as declared.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleTestFailure {
    /// The rule's id.
    pub rule: String,
    /// What went wrong, naming the example by index with a masked preview.
    pub problem: String,
}

impl fmt::Display for RuleTestFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.rule, self.problem)
    }
}

/// Per-thread working memory, reused across `scan` calls so scanning does not
/// allocate per text.
#[derive(Default)]
pub struct Scratch {
    /// The text, ASCII-lowercased (same byte offsets).
    lower: Vec<u8>,
    /// Per rule: the candidate window being accumulated (all `None` between
    /// scans).
    pending: Vec<Option<(usize, usize)>>,
    /// Rules with a pending window, so a short text does not visit every
    /// rule.
    touched: Vec<usize>,
    /// Literals found in the text, ordered by start.
    hits: Vec<Hit>,
    /// Per 64-byte block of the text: which hotword lists (by
    /// [`list_bit`]) have a word starting there.
    list_blocks: Vec<u64>,
    state: State,
}

/// The parts of [`Scratch`] that confirmation writes to.
#[derive(Default)]
struct State {
    /// The [`Detector::id`] the per-rule parts below were made for.
    detector: Option<u64>,
    /// The caller's context (column header) of the current text, if any.
    /// Boxed, so that a table's cells can swap their column's in cheaply.
    header: Option<Box<Header>>,
    /// Other recent headers: the cells of a table row come column by column,
    /// so each column's work is kept, not redone per cell.
    #[expect(clippy::vec_box, reason = "headers move to and from `header`")]
    columns: Vec<Box<Header>>,
    found: Vec<Detection>,
    /// Context words looked up around a match.
    context_hits: Vec<Hit>,
    /// Per rule: this thread's regex cache, made on first use.
    caches: Vec<Option<meta::Cache>>,
}

/// A caller context (column header) and what is known about it.
struct Header {
    /// The context as given.
    source: String,
    /// Normalised, padded with spaces.
    text: Vec<u8>,
    /// Literals found in `text`.
    hits: Vec<Hit>,
    /// Per rule: whether the header holds a hotword (0 unknown, 1 no, 2 yes),
    /// then the same for negative hotwords.
    hot: Vec<u8>,
    cold: Vec<u8>,
}

/// Most column headers kept in [`State::columns`].
const MAX_COLUMNS: usize = 64;

impl Scratch {
    /// Empty scratch space; it grows to fit the largest text scanned.
    pub fn new() -> Scratch {
        Scratch::default()
    }
}

/// The compiled detector: built once, shared by all threads.
pub struct Detector {
    /// Unique in the process: tells a [`Scratch`] whether it was last
    /// prepared for this detector.
    id: u64,
    rules: Vec<Rule>,
    version: String,
    thresholds: Vec<f32>,
    /// Dense category id per rule, for deduplication.
    category_of: Vec<u32>,
    /// The literals found in one pass over each text: keywords, the
    /// context words of [`eager_list`]s, and context words without a word
    /// byte (found anywhere, in a pass whose results depend on the text's
    /// length and on the other such literals).
    literals: Literals,
    /// The other context words, looked up around matches (ids as in
    /// `literals`).
    context_words: Literals,
    /// Per hotword list: whether some of its words are in `context_words`.
    lazy_lists: Vec<bool>,
    /// Per literal: the rules it anchors.
    literal_rules: Vec<Vec<usize>>,
    /// Per literal: the hotword lists it is in (see [`hotword_list`]) and
    /// whether it counts as a word prefix there.
    literal_lists: Vec<Vec<(usize, bool)>>,
    /// Per literal: the [`list_bit`]s of its lists.
    literal_list_bits: Vec<u64>,
    at_rules: Vec<usize>,
    /// `(rule, min_digits)`.
    digit_rules: Vec<(usize, usize)>,
    /// Rules that run only under a matching column header.
    context_rules: Vec<usize>,
    /// Per rule: its regex as a full DFA, for rules confirmed in many tiny
    /// windows (digit runs, table cells) whose DFA is small (see
    /// [`small_dfa`]).
    dfas: Vec<Option<DfaRegex>>,
}

/// Largest full DFA (forward plus reverse) built for a rule.
const SMALL_DFA_BYTES: usize = 64 << 10;

/// `pattern` as a full DFA if it stays under [`SMALL_DFA_BYTES`]. A digit
/// rule is confirmed on a window of a few dozen bytes once per digit run;
/// the general regex engine spends ~150 ns setting up each such search
/// (cache, prefilter, start state), a precompiled DFA ~45 ns. Both find the
/// same leftmost-first match.
fn small_dfa(pattern: &str) -> Option<DfaRegex> {
    let limit = Some(SMALL_DFA_BYTES);
    DfaRegex::builder()
        .syntax(syntax::Config::new().unicode(false).utf8(false))
        .thompson(thompson::Config::new().utf8(false))
        .dense(
            dense::Config::new()
                .dfa_size_limit(limit)
                .determinize_size_limit(limit),
        )
        .build(pattern)
        .ok()
}

/// Windows of one rule closer than this merge: one regex call over a few
/// extra bytes is cheaper than a second call.
const MERGE_GAP: usize = 64;

/// Separators allowed inside a run of digits (`4556 7375`, `555-0132`,
/// `15.03.1980`, `(030) 1234`).
fn is_digit_sep(b: u8) -> bool {
    matches!(b, b' ' | b'-' | b'.' | b'/' | b'(' | b')')
}

impl Detector {
    /// Builds the prefilter over `rules`. `min_confidence` overrides every
    /// rule's own threshold (the CLI's `--min-confidence`).
    pub fn new(rules: RuleSet, min_confidence: Option<f32>) -> Result<Detector> {
        let version = rules.version();
        let rules = rules.rules;
        let mut literal_ids: HashMap<(String, bool), usize> = HashMap::new();
        let mut literal_list: Vec<Literal> = Vec::new();
        let mut literal_rules: Vec<Vec<usize>> = Vec::new();
        let mut literal_lists: Vec<Vec<(usize, bool)>> = Vec::new();
        let mut literal = |text: &str, inside: bool| {
            *literal_ids
                .entry((text.to_string(), inside))
                .or_insert_with(|| {
                    literal_list.push(Literal {
                        text: text.to_string(),
                        inside_words: inside,
                        whole_word: false,
                    });
                    literal_rules.push(Vec::new());
                    literal_lists.push(Vec::new());
                    literal_list.len() - 1
                })
        };
        let mut anchored = Vec::new();
        let mut listed = Vec::new();
        let mut at_rules = Vec::new();
        let mut digit_rules = Vec::new();
        let mut context_rules = Vec::new();
        let mut categories: HashMap<&str, u32> = HashMap::new();
        let mut category_of = Vec::with_capacity(rules.len());
        for (i, r) in rules.iter().enumerate() {
            let next = categories.len() as u32;
            category_of.push(*categories.entry(r.category.as_str()).or_insert(next));
            match r.anchor {
                Anchor::Keywords => {
                    for k in &r.keywords {
                        let id = match k.strip_prefix(INSIDE_WORDS) {
                            Some(inside) => literal(inside, true),
                            None => literal(k, false),
                        };
                        anchored.push((id, i));
                    }
                }
                Anchor::At => at_rules.push(i),
                Anchor::Digits(n) => digit_rules.push((i, n)),
                Anchor::Context => context_rules.push(i),
            }
            for (positive, words) in [(true, &r.context), (false, &r.negative_context)] {
                for (word, prefix) in words.iter().flat_map(|h| &h.words) {
                    listed.push((literal(word, false), hotword_list(i, positive), *prefix));
                }
            }
        }
        for (id, rule) in anchored {
            if !literal_rules[id].contains(&rule) {
                literal_rules[id].push(rule);
            }
        }
        for (id, list, prefix) in listed {
            literal_lists[id].push((list, prefix));
        }
        // A literal that is only ever a whole context word need not be
        // reported where it merely starts a longer word.
        for (id, lit) in literal_list.iter_mut().enumerate() {
            lit.whole_word = literal_rules[id].is_empty()
                && literal_lists[id].iter().all(|&(_, prefix)| !prefix);
        }
        let lazy: Vec<bool> = literal_list
            .iter()
            .enumerate()
            .map(|(id, lit)| {
                literal_rules[id].is_empty()
                    && !literal_lists[id]
                        .iter()
                        .any(|&(l, _)| eager_list(&rules, l))
                    && lit.text.bytes().any(is_word)
            })
            .collect();
        let mut lazy_lists = vec![false; rules.len() * 2];
        for (id, lists) in literal_lists.iter().enumerate() {
            for &(l, _) in lists {
                lazy_lists[l] |= lazy[id];
            }
        }
        // Each set keeps every id; the other set's literals are left empty
        // (empty literals never match).
        let only = |keep: bool| -> Vec<Literal> {
            let mut list = literal_list.clone();
            for (lit, _) in list.iter_mut().zip(&lazy).filter(|(_, &l)| l != keep) {
                lit.text.clear();
            }
            list
        };
        let literals =
            Literals::new(&only(false)).context("Failed to build the keyword automaton")?;
        let context_words =
            Literals::new(&only(true)).context("Failed to build the context word index")?;
        let literal_list_bits = literal_lists
            .iter()
            .map(|lists| lists.iter().fold(0, |bits, &(l, _)| bits | list_bit(l)))
            .collect();
        let thresholds = rules
            .iter()
            .map(|r| min_confidence.unwrap_or(r.min_confidence))
            .collect();
        // Built on all cores: ~20 ms of start-up alone.
        let dfas = rules
            .par_iter()
            .map(|r| match r.anchor {
                Anchor::Digits(_) | Anchor::Context => small_dfa(&r.pattern),
                Anchor::Keywords | Anchor::At => None,
            })
            .collect();
        static NEXT_ID: AtomicU64 = AtomicU64::new(0);
        Ok(Detector {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            rules,
            version,
            thresholds,
            category_of,
            literals,
            context_words,
            lazy_lists,
            literal_rules,
            literal_lists,
            literal_list_bits,
            at_rules,
            digit_rules,
            context_rules,
            dfas,
        })
    }

    /// The rules, indexed by [`Detection::rule`].
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The version of the rule set this detector was built from.
    pub fn rules_version(&self) -> &str {
        &self.version
    }

    /// Appends the detections in `text` to `out`, ordered by start offset.
    ///
    /// `context`: text that describes `text` but is not part of it (a
    /// CSV/XLSX column header such as "ssn", "credit_score", "DOB"): it
    /// counts as hotword context for every match in `text`.
    pub fn scan(
        &self,
        text: &str,
        context: Option<&str>,
        scratch: &mut Scratch,
        out: &mut Vec<Detection>,
    ) {
        self.scan_raw(text, context, scratch);
        self.keep_best(&mut scratch.state.found, out);
    }

    /// Moves `found` to `out`, keeping the most confident of overlapping
    /// detections of one category, ordered by start offset.
    fn keep_best(&self, found: &mut [Detection], out: &mut Vec<Detection>) {
        // Same category, overlapping spans: keep the most confident.
        found.sort_by(|a, b| {
            (self.category_of[a.rule], a.start, b.end).cmp(&(
                self.category_of[b.rule],
                b.start,
                a.end,
            ))
        });
        let first = out.len();
        let mut i = 0;
        while i < found.len() {
            let cat = self.category_of[found[i].rule];
            let mut best = found[i];
            let mut end = best.end;
            let mut j = i + 1;
            while j < found.len() && self.category_of[found[j].rule] == cat && found[j].start < end
            {
                end = end.max(found[j].end);
                if found[j].confidence > best.confidence {
                    best = found[j];
                }
                j += 1;
            }
            out.push(best);
            i = j;
        }
        out[first..].sort_by_key(|d| (d.start, d.end, d.rule));
    }

    /// All detections before deduplication, into `scratch.state.found`.
    fn scan_raw(&self, text: &str, context: Option<&str>, scratch: &mut Scratch) {
        let Scratch {
            lower,
            pending,
            touched,
            hits,
            list_blocks,
            state,
        } = scratch;
        lower.clear();
        lower.extend(text.bytes().map(|b| b.to_ascii_lowercase()));
        let lower = &lower[..];
        state.found.clear();
        self.prepare(pending, state);
        self.set_header(context, state);
        touched.clear();
        hits.clear();
        self.literals.scan(text.as_bytes(), lower, hits);
        let hits = &hits[..];
        summarize_lists(hits, lower.len(), &self.literal_list_bits, list_blocks);
        let text = Text {
            text,
            lower,
            hits,
            list_blocks,
        };
        self.open_windows(text, pending, touched, state);
        for &r in &self.context_rules {
            if self.header_has(r, state, true) {
                self.confirm(r, &text, state, 0, text.text.len());
            }
        }
    }

    /// Opens windows at every anchor in `text` (keywords, `@`, digit runs)
    /// and confirms them; detections go to `state.found`. `touched` must be
    /// empty and `pending` all `None` (it is left so).
    fn open_windows(
        &self,
        text: Text,
        pending: &mut [Option<(usize, usize)>],
        touched: &mut Vec<usize>,
        state: &mut State,
    ) {
        let hits = text.hits;
        let mut push = |rule: usize, s: usize, e: usize| {
            let [before, after] = self.rules[rule].window;
            let (ws, we) = (s.saturating_sub(before), (e + after).min(text.text.len()));
            match &mut pending[rule] {
                Some((ps, pe)) if ws <= *pe + MERGE_GAP => {
                    *ps = (*ps).min(ws);
                    *pe = (*pe).max(we);
                }
                slot => match slot.replace((ws, we)) {
                    Some((ps, pe)) => self.confirm(rule, &text, state, ps, pe),
                    None => touched.push(rule),
                },
            }
        };

        for h in hits {
            for &r in &self.literal_rules[h.literal as usize] {
                push(r, h.start, h.end);
            }
        }
        if !self.at_rules.is_empty() {
            for at in memchr::memchr_iter(b'@', text.text.as_bytes()) {
                for &r in &self.at_rules {
                    push(r, at, at + 1);
                }
            }
        }
        if !self.digit_rules.is_empty() {
            let min = self.digit_rules.iter().map(|&(_, d)| d).min().unwrap_or(1);
            for (s, e, count) in digit_runs(text.text.as_bytes()) {
                if count < min {
                    continue;
                }
                for &(r, need) in &self.digit_rules {
                    if count >= need {
                        push(r, s, e);
                    }
                }
            }
        }
        for &rule in touched.iter() {
            if let Some((s, e)) = pending[rule].take() {
                self.confirm(rule, &text, state, s, e);
            }
        }
    }

    /// Makes a scratch space ready for this detector's rules. One that
    /// served another detector before keeps nothing of it: regex caches and
    /// column-header verdicts belong to the rules of one detector.
    fn prepare(&self, pending: &mut Vec<Option<(usize, usize)>>, state: &mut State) {
        if state.detector == Some(self.id) {
            return;
        }
        state.detector = Some(self.id);
        let n = self.rules.len();
        pending.clear();
        pending.resize(n, None);
        state.caches.clear();
        state.caches.resize_with(n, || None);
        state.header = None;
        state.columns.clear();
    }

    /// Prepares `state` for the caller's context, reusing the work done for
    /// it in earlier cells of the same column.
    fn set_header(&self, context: Option<&str>, state: &mut State) {
        if state.header.as_ref().map(|h| h.source.as_str()) == context {
            return;
        }
        if let Some(previous) = state.header.take() {
            if state.columns.len() >= MAX_COLUMNS {
                state.columns.clear();
            }
            state.columns.push(previous);
        }
        let Some(c) = context else {
            return;
        };
        if let Some(i) = state.columns.iter().position(|h| h.source == c) {
            state.header = Some(state.columns.swap_remove(i));
            return;
        }
        state.header = Some(Box::new(self.header(c)));
    }

    /// Whether a word of rule `r`'s context (`positive`) or negative
    /// context occurs in `lower[from..to]`, or in the caller's context.
    fn near(
        &self,
        r: usize,
        positive: bool,
        t: &Text,
        state: &mut State,
        from: usize,
        to: usize,
    ) -> bool {
        if self.header_has(r, state, positive) {
            return true;
        }
        let list = hotword_list(r, positive);
        // Most windows have none of the list's words: the block summary
        // says so without visiting the hits.
        let eager = t.list_blocks[from / LIST_BLOCK..=(to.max(from + 1) - 1) / LIST_BLOCK]
            .iter()
            .any(|&b| b & list_bit(list) != 0)
            && self.listed_in(list, t.hits, t.lower, from, to);
        eager || self.lazy_lists[list] && self.looked_up(list, t, state, from, to)
    }

    /// Whether a word of hotword list `list` that the literal pass left
    /// out occurs in `lower[from..to]`: the few words there are looked up.
    fn looked_up(&self, list: usize, t: &Text, state: &mut State, from: usize, to: usize) -> bool {
        let hits = &mut state.context_hits;
        hits.clear();
        self.context_words
            .scan_words(t.text.as_bytes(), t.lower, from, to, hits);
        hits.iter()
            .any(|h| h.start >= from && self.counts(list, h, t.lower, to))
    }

    /// Whether a word of hotword list `list` is among `hits` (ordered by
    /// start) within `lower[from..to]`.
    fn listed_in(&self, list: usize, hits: &[Hit], lower: &[u8], from: usize, to: usize) -> bool {
        let first = hits.partition_point(|h| h.start < from);
        hits[first..]
            .iter()
            .take_while(|h| h.start < to)
            .any(|h| self.counts(list, h, lower, to))
    }

    /// Whether `h`, found at or after the start of a range ending at `to`,
    /// is a word of hotword list `list` there.
    fn counts(&self, list: usize, h: &Hit, lower: &[u8], to: usize) -> bool {
        h.end <= to
            && self.literal_lists[h.literal as usize]
                .iter()
                .any(|&(l, prefix)| l == list && (prefix || ends_word(lower, h.end)))
    }

    /// Runs rule `r`'s regex over `text[ws..we]` and records what passes.
    fn confirm(&self, r: usize, t: &Text, state: &mut State, ws: usize, we: usize) {
        let rule = &self.rules[r];
        let text = t.text;
        let window = |h: &Hotwords, s: usize, e: usize| {
            (s.saturating_sub(h.window), (e + h.window).min(text.len()))
        };
        // A rule that needs a hotword skips windows without one before
        // paying for its regex.
        if rule.requires_context {
            if let Some(h) = &rule.context {
                let (from, to) = window(h, ws, we);
                if !self.near(r, true, t, state, from, to) {
                    return;
                }
            }
        }
        let bytes = text.as_bytes();
        let mut pos = ws;
        while pos <= we {
            let mut hay = &bytes[..we];
            let Some(mut m) = self.find(r, &mut state.caches, hay, pos) else {
                break;
            };
            // The window may have cut the match short: retry on the full text.
            if m.1 == we && we < bytes.len() {
                hay = bytes;
                match self.find(r, &mut state.caches, hay, m.0) {
                    Some(m2) => m = m2,
                    None => break,
                }
            }
            pos = if m.1 > m.0 { m.1 } else { m.1 + 1 };
            let (mut vs, mut ve) = m;
            let mut checked = None;
            if rule.value_group.is_some() || rule.secret_group.is_some() {
                let mut caps = rule.regex.create_captures();
                rule.regex.search_captures_with(
                    cache(&mut state.caches, r, &rule.regex),
                    &Input::new(hay).span(m.0..hay.len()),
                    &mut caps,
                );
                // A group that did not take part (one branch of an
                // alternation) leaves the whole match as the value.
                if !caps.is_match() {
                    continue;
                }
                if let Some(v) = rule.value_group.and_then(|g| caps.get_group(g)) {
                    (vs, ve) = (v.start, v.end);
                }
                if let Some(v) = rule.secret_group.and_then(|g| caps.get_group(g)) {
                    checked = Some((v.start, v.end));
                }
            }
            (vs, ve) = snap(text, vs, ve);
            if vs == ve {
                continue;
            }
            let (cs, ce) = match checked {
                Some((s, e)) => snap(text, s, e),
                None => (vs, ve),
            };
            let value = &text[cs..ce];
            if rule.allowed(value) || !rule.validators.iter().all(|v| v.check(value)) {
                continue;
            }
            let (ms, me) = m;
            let hot = rule.context.as_ref().is_some_and(|h| {
                let (from, to) = window(h, ms, me);
                self.near(r, true, t, state, from, to)
            });
            if rule.requires_context && !hot {
                continue;
            }
            let cold = rule.negative_context.as_ref().is_some_and(|h| {
                let (from, to) = window(h, ms, me);
                self.near(r, false, t, state, from, to)
            });
            let mut confidence = rule.confidence;
            if hot {
                confidence += rule.context.as_ref().map_or(0.0, |h| h.weight);
            }
            if cold {
                confidence -= rule.negative_context.as_ref().map_or(0.0, |h| h.weight);
            }
            let confidence = confidence.clamp(0.0, 1.0);
            if confidence + 1e-6 < self.thresholds[r] {
                continue;
            }
            state.found.push(Detection {
                rule: r,
                start: vs,
                end: ve,
                confidence,
            });
        }
    }

    /// The leftmost-first match of rule `r` in `hay` starting at or after
    /// `at`, as `(start, end)`.
    fn find(
        &self,
        r: usize,
        caches: &mut [Option<meta::Cache>],
        hay: &[u8],
        at: usize,
    ) -> Option<(usize, usize)> {
        let input = Input::new(hay).span(at..hay.len());
        if let Some(dfa) = &self.dfas[r] {
            // A DFA search fails only on bytes it was told to give up on
            // (none here); the regex engine is the fallback all the same.
            if let Ok(m) = dfa.try_search(&input) {
                return m.map(|m| (m.start(), m.end()));
            }
        }
        let regex = &self.rules[r].regex;
        regex
            .search_with(cache(caches, r, regex), &input)
            .map(|m| (m.start(), m.end()))
    }

    /// Whether the caller's context (column header) holds one of rule `r`'s
    /// hotwords (`positive`) or negative hotwords; computed once per header.
    fn header_has(&self, r: usize, state: &mut State, positive: bool) -> bool {
        state
            .header
            .as_deref_mut()
            .is_some_and(|h| self.header_verdict(r, h, positive))
    }

    /// Whether header `h` holds one of rule `r`'s hotwords (`positive`) or
    /// negative hotwords; looked up once, then remembered in `h`.
    fn header_verdict(&self, r: usize, h: &mut Header, positive: bool) -> bool {
        let known = if positive { h.hot[r] } else { h.cold[r] };
        if known != 0 {
            return known == 2;
        }
        let hit = self.listed_in(hotword_list(r, positive), &h.hits, &h.text, 0, h.text.len());
        let known = if hit { 2 } else { 1 };
        if positive {
            h.hot[r] = known;
        } else {
            h.cold[r] = known;
        }
        hit
    }

    /// The masked form of a detection, safe to store and print.
    pub fn snippet(&self, d: &Detection, text: &str) -> String {
        let Some(rule) = self.rules.get(d.rule) else {
            return String::new();
        };
        let (s, e) = (d.start.min(text.len()), d.end.min(text.len()));
        if !text.is_char_boundary(s) || !text.is_char_boundary(e) || s >= e {
            return String::new();
        }
        match rule.mask {
            Mask::Phrase => mask::phrase(text, s, e),
            m => m.apply(&text[s..e]),
        }
    }

    /// Runs every rule's examples and negative examples; an empty result
    /// means every rule behaves as documented.
    pub fn self_test(&self) -> Vec<RuleTestFailure> {
        let mut failures = Vec::new();
        let mut scratch = Scratch::new();
        let preview = |t: &str| {
            let p: String = mask::mask_tokens(t).chars().take(60).collect();
            format!("{p:?}")
        };
        for (i, rule) in self.rules.iter().enumerate() {
            let fail = |problem: String| RuleTestFailure {
                rule: rule.id.clone(),
                problem,
            };
            if rule.examples.is_empty() {
                failures.push(fail("has no examples".into()));
            }
            if rule.negative_examples.is_empty() {
                failures.push(fail("has no negative examples".into()));
            }
            // Column rules write their examples as `header<TAB>cell`.
            let split = |ex: &'_ str| -> (Option<String>, String) {
                match (rule.anchor, ex.split_once('\t')) {
                    (Anchor::Context, Some((h, t))) => (Some(h.to_string()), t.to_string()),
                    _ => (None, ex.to_string()),
                }
            };
            for (n, ex) in rule.examples.iter().enumerate() {
                let (header, ex) = split(ex);
                self.scan_raw(&ex, header.as_deref(), &mut scratch);
                if !scratch.state.found.iter().any(|d| d.rule == i) {
                    failures.push(fail(format!(
                        "examples[{n}] {} is not detected",
                        preview(&ex)
                    )));
                }
            }
            for (n, ex) in rule.negative_examples.iter().enumerate() {
                let (header, ex) = split(ex);
                self.scan_raw(&ex, header.as_deref(), &mut scratch);
                if scratch.state.found.iter().any(|d| d.rule == i) {
                    failures.push(fail(format!(
                        "negative_examples[{n}] {} is detected",
                        preview(&ex)
                    )));
                }
            }
        }
        failures
    }

    /// One regex per rule approximating what it matches, for comparisons
    /// with plain regex tools (`rg -f patterns.txt`).
    pub fn export_patterns(&self) -> Vec<(String, String)> {
        self.rules
            .iter()
            .map(|r| (r.id.clone(), r.pattern().to_string()))
            .collect()
    }
}

// ---------------------------------------------------------------------------
// Tables: many cells in one pass
// ---------------------------------------------------------------------------

/// The column headers of one table, prepared for [`Detector::scan_cells`]:
/// each header is normalised and searched for context words once, on its
/// column's first cell, and every rule's verdict on it is kept by column
/// index for all of the table's cells.
pub struct Columns {
    names: Vec<String>,
    /// Per column, built on its first cell.
    columns: Vec<Option<Column>>,
    /// What cells of columns without a header see.
    none: Column,
}

/// One prepared column of [`Columns`].
struct Column {
    header: Option<Box<Header>>,
    /// The column rules its header calls for.
    rules: Vec<usize>,
}

impl Columns {
    /// The prepared `column`.
    fn column(&mut self, detector: &Detector, column: usize) -> &mut Column {
        let Some(name) = self.names.get(column) else {
            return &mut self.none;
        };
        self.columns[column].get_or_insert_with(|| {
            let mut header = detector.header(name);
            let rules = detector
                .context_rules
                .iter()
                .copied()
                .filter(|&r| detector.header_verdict(r, &mut header, true))
                .collect();
            Column {
                header: Some(Box::new(header)),
                rules,
            }
        })
    }
}

impl Detector {
    /// Prepares a table's column headers (by column index) for
    /// [`Detector::scan_cells`]; columns past the end have no header.
    pub fn columns<S: AsRef<str>>(&self, names: &[S]) -> Columns {
        Columns {
            names: names.iter().map(|n| n.as_ref().to_owned()).collect(),
            columns: names.iter().map(|_| None).collect(),
            none: Column {
                header: None,
                rules: Vec::new(),
            },
        }
    }

    /// Appends the detections in many table cells to `out`: exactly those
    /// [`Detector::scan`] finds in each cell on its own with its column's
    /// header as context, but the literal pass runs once over `text` and
    /// each header's work is done once per table (a table of short cells
    /// is otherwise mostly per-call overhead).
    ///
    /// `cells`: each cell's byte range in `text` and its column in
    /// `columns`, in order and at least one byte apart; the bytes between
    /// cells are ignored. Nothing found spans two cells: each candidate is
    /// confirmed within its cell (windows, regex retries, context words),
    /// so anchors such as `^` and `$` see the cell's edges. A cell that
    /// breaks the order or is not a `text` range on char boundaries is
    /// skipped. Detections are spans of `text`, ordered by start.
    pub fn scan_cells<I>(
        &self,
        text: &str,
        cells: I,
        columns: &mut Columns,
        scratch: &mut Scratch,
        out: &mut Vec<Detection>,
    ) where
        I: IntoIterator<Item = (Range<usize>, usize)>,
        I::IntoIter: Clone,
    {
        let cells = cells.into_iter();
        let Scratch {
            lower,
            pending,
            touched,
            hits,
            list_blocks,
            state,
        } = scratch;
        // The cells lowercased, NUL between them: no word and no literal
        // runs from one cell into the next.
        lower.clear();
        lower.extend_from_slice(text.as_bytes());
        lower.make_ascii_lowercase();
        let mut gap_from = 0;
        for range in valid_cells(text, cells.clone()).map(|(r, _)| r) {
            lower[gap_from..range.start].fill(0);
            gap_from = range.end;
        }
        lower[gap_from..].fill(0);
        self.prepare(pending, state);
        hits.clear();
        self.literals.scan(text.as_bytes(), lower, hits);
        // Each cell's hits, made relative to the cell, are compacted in
        // place: `kept` trails `next`.
        let (mut next, mut kept) = (0, 0);
        for (range, column) in valid_cells(text, cells) {
            let first_hit = kept;
            while let Some(&h) = hits.get(next) {
                if h.start >= range.end {
                    break;
                }
                next += 1;
                if h.start >= range.start && h.end <= range.end {
                    hits[kept] = Hit {
                        start: h.start - range.start,
                        end: h.end - range.start,
                        ..h
                    };
                    kept += 1;
                }
            }
            let cell_hits = &hits[first_hit..kept];
            summarize_lists(cell_hits, range.len(), &self.literal_list_bits, list_blocks);
            let cell = Text {
                text: &text[range.clone()],
                lower: &lower[range.clone()],
                hits: cell_hits,
                list_blocks,
            };
            let column = columns.column(self, column);
            std::mem::swap(&mut state.header, &mut column.header);
            state.found.clear();
            touched.clear();
            self.open_windows(cell, pending, touched, state);
            for &r in &column.rules {
                self.confirm(r, &cell, state, 0, cell.text.len());
            }
            std::mem::swap(&mut state.header, &mut column.header);
            let first = out.len();
            self.keep_best(&mut state.found, out);
            for d in &mut out[first..] {
                d.start += range.start;
                d.end += range.start;
            }
        }
    }

    /// A header prepared for context lookups: `customer_SSN` is searched
    /// as ` customer ssn `.
    fn header(&self, c: &str) -> Header {
        let mut text = Vec::with_capacity(c.len() + 2);
        text.push(b' ');
        text.extend(c.bytes().map(|b| match b.to_ascii_lowercase() {
            b'_' | b'-' | b'.' => b' ',
            b => b,
        }));
        text.push(b' ');
        let mut hits = Vec::new();
        self.literals.scan(&text, &text, &mut hits);
        self.context_words.scan(&text, &text, &mut hits);
        hits.sort_by_key(|h| h.start);
        let n = self.rules.len();
        Header {
            source: c.to_string(),
            text,
            hits,
            hot: vec![0; n],
            cold: vec![0; n],
        }
    }
}

/// The cells of [`Detector::scan_cells`] that keep its contract: ranges of
/// `text` on char boundaries, in order, at least one byte apart.
fn valid_cells<'t, I>(text: &'t str, cells: I) -> impl Iterator<Item = (Range<usize>, usize)> + 't
where
    I: Iterator<Item = (Range<usize>, usize)> + 't,
{
    let mut min_start = 0;
    cells.filter(move |(range, _)| {
        let ok = range.start >= min_start && text.get(range.clone()).is_some();
        debug_assert!(ok, "cell {range:?} out of order or not in the text");
        if ok {
            min_start = range.end + 1;
        }
        ok
    })
}

/// A text being scanned, with what the literal pass found in it.
#[derive(Clone, Copy)]
struct Text<'a> {
    text: &'a str,
    /// `text`, ASCII-lowercased.
    lower: &'a [u8],
    hits: &'a [Hit],
    /// See [`Scratch::list_blocks`].
    list_blocks: &'a [u64],
}

/// Fills `blocks` with the summary of `hits` over a text of `len` bytes
/// (see [`Scratch::list_blocks`]).
fn summarize_lists(hits: &[Hit], len: usize, bits: &[u64], blocks: &mut Vec<u64>) {
    blocks.clear();
    blocks.resize(len / LIST_BLOCK + 1, 0);
    for h in hits {
        blocks[h.start / LIST_BLOCK] |= bits[h.literal as usize];
    }
}

/// Bytes per [`Scratch::list_blocks`] entry.
const LIST_BLOCK: usize = 64;

/// Hotword list `list`'s bit in a 64-bit summary (lists share bits: a set
/// bit means "maybe").
fn list_bit(list: usize) -> u64 {
    1 << (list % 64)
}

/// Whether hotword list `list` is asked about before a regex runs (the
/// context words of a rule that cannot match without them): around every
/// anchor of the rule, so its words are found in the literal pass.
fn eager_list(rules: &[Rule], list: usize) -> bool {
    let rule = list / 2;
    list == hotword_list(rule, true) && rules[rule].requires_context
}

/// The id of rule `rule`'s context word list (`positive`) or negative one.
fn hotword_list(rule: usize, positive: bool) -> usize {
    rule * 2 + usize::from(!positive)
}

/// Rule `r`'s regex cache in `caches`, made on first use.
fn cache<'c>(
    caches: &'c mut [Option<meta::Cache>],
    r: usize,
    regex: &meta::Regex,
) -> &'c mut meta::Cache {
    caches[r].get_or_insert_with(|| regex.create_cache())
}

/// Shrinks `start..end` to the nearest enclosing char boundaries (byte
/// regexes may stop inside a multi-byte character).
fn snap(text: &str, mut start: usize, mut end: usize) -> (usize, usize) {
    while start < end && !text.is_char_boundary(start) {
        start += 1;
    }
    while end > start && !text.is_char_boundary(end) {
        end -= 1;
    }
    (start, end)
}

/// The first ASCII digit at or after `from`, or `b.len()`. Prose has long
/// stretches without digits: 16 bytes are tested at once (the loop
/// vectorizes), then the digit is found byte by byte.
fn next_digit(b: &[u8], from: usize) -> usize {
    let mut i = from;
    while let Some(block) = b.get(i..i + 16) {
        if block.iter().fold(false, |any, &x| any | x.is_ascii_digit()) {
            break;
        }
        i += 16;
    }
    while i < b.len() && !b[i].is_ascii_digit() {
        i += 1;
    }
    i.min(b.len())
}

/// Runs of digits joined by at most two separator bytes: `(start, end,
/// digit count)`. `4556 7375 8689 9855`, `(030) 1234-567` and `1980-03-15`
/// are one run each.
fn digit_runs(b: &[u8]) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        i = next_digit(b, i);
        if i >= b.len() {
            return None;
        }
        let start = i;
        let mut count = 0;
        loop {
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
                count += 1;
            }
            let end = i;
            let mut j = i;
            while j < b.len() && j - end < 2 && is_digit_sep(b[j]) {
                j += 1;
            }
            if j > end && j < b.len() && b[j].is_ascii_digit() {
                i = j;
            } else {
                return Some((start, end, count));
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detector(toml: &str) -> Detector {
        let set = RuleSet::from_sources(vec![("t.toml".into(), toml.into())]).unwrap();
        Detector::new(set, None).unwrap()
    }

    fn scan(d: &Detector, text: &str, ctx: Option<&str>) -> Vec<Detection> {
        let mut out = Vec::new();
        d.scan(text, ctx, &mut Scratch::new(), &mut out);
        out
    }

    /// Context words count where they start and end a word (`lic` is not in
    /// "public policy"); a `*` word counts as a prefix (`delinquen*`).
    #[test]
    fn context_words_are_word_bounded() {
        let d = detector(
            r#"
[[rule]]
id = "credit.ref"
name = "Ref"
category = "credit.note"
description = "ref"
anchor = "digits"
min_digits = 6
pattern = '\b\d{6}\b'
requires_context = true
context = { words = ["lic", "delinquen*"], window = 30 }
examples = ["lic 123456"]
negative_examples = ["public policy 123456"]
"#,
        );
        assert!(scan(&d, "public policy 123456", None).is_empty());
        assert_eq!(scan(&d, "a lic number 123456", None).len(), 1);
        assert_eq!(scan(&d, "account delinquency 123456", None).len(), 1);
    }

    const CARD: &str = r#"
[[rule]]
id = "pii.card"
name = "Card"
category = "pii.payment_card"
description = "card"
anchor = "digits"
min_digits = 13
pattern = '\b(?:\d[ -]?){12,18}\d\b'
validator = "card"
confidence = 0.4
min_confidence = 0.5
context = { words = ["card", "visa"], window = 40, boost = 0.3 }
negative_context = { words = ["order", "invoice"], window = 30, penalty = 0.3 }
allow = ["4556 7375 8689 9855"]
examples = ["card 4916 1234 5678 9010"]
negative_examples = ["order 4916 1234 5678 9010"]

[[rule]]
id = "pii.ssn.bare"
name = "SSN"
category = "pii.national_id"
description = "ssn"
anchor = "digits"
min_digits = 9
pattern = '\b\d{9}\b'
validator = "ssn"
requires_context = true
context = { words = ["ssn", "social security"] }
examples = ["SSN 536228765"]
negative_examples = ["ref 536228765"]
"#;

    #[test]
    fn context_boost_and_negative_context() {
        let d = detector(CARD);
        // 0.4 alone is under the 0.5 threshold; "card" lifts it to 0.7.
        assert!(scan(&d, "num 4916 1234 5678 9010 here", None).is_empty());
        let text = "Visa card: 4916 1234 5678 9010";
        let hits = scan(&d, text, None);
        assert_eq!(hits.len(), 1);
        assert!((hits[0].confidence - 0.7).abs() < 1e-6);
        assert_eq!(&text[hits[0].start..hits[0].end], "4916 1234 5678 9010");
        // "order" nearby costs 0.3: 0.7 - 0.3 = 0.4 < 0.5.
        assert!(scan(&d, "order card 4916 1234 5678 9010", None).is_empty());
    }

    #[test]
    fn min_confidence_overrides_every_rule() {
        let set = |toml: &str| RuleSet::from_sources(vec![("t.toml".into(), toml.into())]).unwrap();
        let text = "num 4916 1234 5678 9010 here"; // 0.4: below the rule's 0.5
        let mut out = Vec::new();
        let lenient = Detector::new(set(CARD), Some(0.3)).unwrap();
        lenient.scan(text, None, &mut Scratch::new(), &mut out);
        assert_eq!(out.len(), 1);
        out.clear();
        let strict = Detector::new(set(CARD), Some(0.95)).unwrap();
        strict.scan(
            "Visa card: 4916 1234 5678 9010",
            None,
            &mut Scratch::new(),
            &mut out,
        );
        assert!(out.is_empty());
    }

    #[test]
    fn allow_list_and_validators() {
        let d = detector(CARD);
        assert!(scan(&d, "card 4556737586899855", None).is_empty()); // allowed
        assert!(scan(&d, "card 4242 4242 4242 4242", None).is_empty()); // test card
        assert!(scan(&d, "card 4916 1234 5678 9011", None).is_empty()); // Luhn
    }

    #[test]
    fn column_header_is_context() {
        let d = detector(CARD);
        assert!(scan(&d, "536228765", None).is_empty());
        let hits = scan(&d, "536228765", Some("SSN"));
        assert_eq!(hits.len(), 1);
        assert_eq!(d.rules()[hits[0].rule].id, "pii.ssn.bare");
        assert_eq!(scan(&d, "536228765", Some("customer_ssn")).len(), 1);
        assert!(scan(&d, "536228765", Some("lessons")).is_empty());
        // The header also boosts: a bare card under a "card_number" column.
        assert_eq!(scan(&d, "4916123456789010", Some("card_number")).len(), 1);
    }

    #[test]
    fn column_rules_need_their_header() {
        let d = detector(
            r#"
[[rule]]
id = "credit.score.column"
name = "Score column"
category = "credit.score"
description = "score under a credit score header"
anchor = "context"
pattern = '^\s*(?P<value>[3-8]\d{2})\s*$'
confidence = 0.5
context = { words = ["credit score", "fico"] }
examples = ["credit_score\t712"]
negative_examples = ["credit_score\tn/a", "order_total\t712"]
"#,
        );
        assert!(scan(&d, "712", None).is_empty());
        assert!(scan(&d, "712", Some("qty")).is_empty());
        let hits = scan(&d, "712", Some("Credit_Score"));
        assert_eq!(hits.len(), 1);
        assert!((hits[0].confidence - 0.7).abs() < 1e-6);
        assert!(d.self_test().is_empty(), "{:?}", d.self_test());
    }

    #[test]
    fn many_candidates_in_one_chunk() {
        let d = detector(CARD);
        let mut text = String::new();
        for i in 0..2000 {
            text.push_str(&format!(
                "row {i}, 2024-01-{:02}, qty 12 34 56, ",
                i % 28 + 1
            ));
            if i % 100 == 0 {
                text.push_str("card 4916 1234 5678 9010; ");
            }
        }
        let hits = scan(&d, &text, None);
        assert_eq!(hits.len(), 20);
        assert!(hits.windows(2).all(|w| w[0].start < w[1].start));
        for h in &hits {
            assert_eq!(&text[h.start..h.end], "4916 1234 5678 9010");
        }
    }

    #[test]
    fn same_category_overlaps_are_deduplicated() {
        let toml = format!(
            "{CARD}\n{}",
            r#"
[[rule]]
id = "pii.card.labelled"
name = "Card labelled"
category = "pii.payment_card"
description = "card"
keywords = ["card"]
pattern = 'card (?P<value>[\d ]{13,23}\d)'
validator = "card"
confidence = 0.9
examples = ["card 4916 1234 5678 9010"]
negative_examples = ["card 4916 1234 5678 9011"]
"#
        );
        let d = detector(&toml);
        let hits = scan(&d, "card 4916 1234 5678 9010", None);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(d.rules()[hits[0].rule].id, "pii.card.labelled");
        // Both rules still pass their own examples (self-test sees all).
        assert!(d.self_test().is_empty(), "{:?}", d.self_test());
    }

    #[test]
    fn self_test_requires_negative_examples() {
        let d = detector(&CARD.replace("negative_examples = [\"order 4916 1234 5678 9010\"]", ""));
        let failures = d.self_test();
        assert_eq!(failures.len(), 1, "{failures:?}");
        assert_eq!(failures[0].rule, "pii.card");
        assert!(failures[0].to_string().contains("no negative examples"));
    }

    #[test]
    fn self_test_reports_misbehaving_examples() {
        let d = detector(&CARD.replace("ref 536228765", "SSN 536-22-8765 / SSN 536228765"));
        let failures = d.self_test();
        assert_eq!(failures.len(), 1, "{failures:?}");
        assert!(failures[0].problem.starts_with("negative_examples[0]"));
        // The preview masks the number.
        assert!(!failures[0].problem.contains("536228765"));
    }

    #[test]
    fn spans_stay_on_char_boundaries() {
        let toml = r#"
[[rule]]
id = "secret.password.assign"
name = "pw"
category = "secret.password"
description = "pw"
keywords = ["password"]
pattern = 'password=(?P<value>[^\s]{1,9})'
examples = ["password=abcdefgh"]
negative_examples = ["pass=abcdefgh"]
"#;
        let d = detector(toml);
        let text = "password=ééééé";
        for h in scan(&d, text, None) {
            assert!(text.is_char_boundary(h.start) && text.is_char_boundary(h.end));
        }
    }

    #[test]
    fn digit_runs_group_separators() {
        let runs: Vec<_> = digit_runs(b"a 4556 7375-8689 x (030) 1234 and 1.2.3 v 7").collect();
        assert_eq!(runs, [(2, 16, 12), (20, 29, 7), (34, 39, 3), (42, 43, 1)]);
    }

    #[test]
    fn scratch_is_reusable_and_detector_is_shareable() {
        fn assert_sync<T: Send + Sync>() {}
        assert_sync::<Detector>();
        let d = detector(CARD);
        let mut scratch = Scratch::new();
        let mut out = Vec::new();
        d.scan("card 4916 1234 5678 9010", None, &mut scratch, &mut out);
        d.scan("nothing here", None, &mut scratch, &mut out);
        d.scan("visa 4916 1234 5678 9010", None, &mut scratch, &mut out);
        assert_eq!(out.len(), 2);
    }

    /// A scratch space passed from one detector to another (same number of
    /// rules, other regexes and context words) keeps nothing of the first:
    /// regex caches and column-header verdicts are per rule of a detector.
    #[test]
    fn scratch_moves_between_detectors() {
        let rule = |word: &str, value: &str, hot: &str| {
            format!(
                r#"
[[rule]]
id = "t.{word}"
name = "{word}"
category = "secret.generic"
description = "d"
keywords = ["{word}"]
pattern = '{word}=(?P<value>{value})'
confidence = 0.4
min_confidence = 0.5
context = {{ words = ["{hot}"], window = 40, boost = 0.3 }}
examples = ["{hot} {word}=x"]
negative_examples = ["{word}"]
"#
            )
        };
        let a = detector(&rule("alpha", "[0-9]+", "notes"));
        let b = detector(&rule("beta", "[a-z]+", "remarks"));
        let mut scratch = Scratch::new();
        for (d, text, header) in [
            (&a, "alpha=12 beta=xy", "notes"),
            (&b, "alpha=12 beta=xy", "notes"),
            (&b, "remarks: beta=xy alpha=12", "remarks"),
            (&a, "remarks: beta=xy alpha=12", "remarks"),
            (&a, "alpha=12 beta=xy", "notes"),
        ] {
            let mut reused = Vec::new();
            d.scan(text, Some(header), &mut scratch, &mut reused);
            assert_eq!(reused, scan(d, text, Some(header)), "{text} under {header}");
        }
    }
}
