//! Which catalog rows a scan found unchanged on disk: a bitmap over row ids.
//!
//! An incremental scan used to mark every unchanged file seen with an
//! `UPDATE` of its row, which rewrote the whole `documents` table (and
//! pushed it through the WAL) on every no-change re-scan. A row id is a
//! small dense integer, so one bit per row, set by the scan threads, says
//! the same thing in memory: 125 KB per million documents, capped so that a
//! catalog with sparse huge ids cannot make it large (rows above the cap
//! are simply treated as not seen, and checked on disk).

use std::sync::atomic::{AtomicU64, Ordering};

/// Most rows tracked: 2^28 bits, 32 MiB.
const MAX_BITS: u64 = 1 << 28;

/// Row ids marked seen by a scan; shared by its threads.
pub struct SeenIds {
    words: Vec<AtomicU64>,
    /// The largest id when the scan began (may exceed the bitmap).
    max_id: i64,
}

impl SeenIds {
    /// Room for ids `1..=max_id` (the largest id when the scan began; rows
    /// created later were written by the scan itself).
    pub fn new(max_id: i64) -> SeenIds {
        let bits = u64::try_from(max_id).unwrap_or(0).min(MAX_BITS) + 1;
        SeenIds {
            words: (0..bits.div_ceil(64)).map(|_| AtomicU64::new(0)).collect(),
            max_id: max_id.max(0),
        }
    }

    /// How many ids in `1..=max_id` were marked.
    pub fn marked(&self) -> u64 {
        self.words
            .iter()
            .map(|w| u64::from(w.load(Ordering::Relaxed).count_ones()))
            .sum()
    }

    /// How many ids in `1..=max_id` are not marked.
    pub fn unmarked(&self) -> u64 {
        u64::try_from(self.max_id).unwrap_or(0) - self.marked()
    }

    /// The ids in `1..=max_id` not marked, as inclusive ranges, in order.
    pub fn unmarked_ranges(&self) -> impl Iterator<Item = (i64, i64)> + '_ {
        // Ids above the bitmap are one unmarked range, never walked id by id.
        let tracked = (self.words.len() as i64 * 64 - 1).min(self.max_id);
        let mut next = 1;
        std::iter::from_fn(move || {
            while next <= tracked && self.contains(next) {
                next += 1;
            }
            if next > self.max_id {
                return None;
            }
            let first = next;
            if next > tracked {
                next = self.max_id + 1;
                return Some((first, self.max_id));
            }
            while next <= tracked && !self.contains(next) {
                next += 1;
            }
            if next > tracked {
                next = self.max_id + 1;
                return Some((first, self.max_id));
            }
            Some((first, next - 1))
        })
    }

    /// Marks row `id` seen (ids beyond the bitmap are ignored: not seen).
    pub fn mark(&self, id: i64) {
        if let Some((word, bit)) = self.slot(id) {
            word.fetch_or(bit, Ordering::Relaxed);
        }
    }

    /// Whether row `id` was marked seen.
    pub fn contains(&self, id: i64) -> bool {
        self.slot(id)
            .is_some_and(|(word, bit)| word.load(Ordering::Relaxed) & bit != 0)
    }

    fn slot(&self, id: i64) -> Option<(&AtomicU64, u64)> {
        let id = u64::try_from(id).ok()?;
        let word = self.words.get(usize::try_from(id / 64).ok()?)?;
        Some((word, 1 << (id % 64)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_ids_within_range_only() {
        let seen = SeenIds::new(130);
        for id in [1, 63, 64, 130] {
            assert!(!seen.contains(id));
            seen.mark(id);
            assert!(seen.contains(id));
        }
        assert!(!seen.contains(2) && !seen.contains(129));
        // Outside the bitmap: never seen, never a panic.
        seen.mark(1 << 40);
        seen.mark(-5);
        assert!(!seen.contains(1 << 40) && !seen.contains(-5));
        assert!(!SeenIds::new(0).contains(1));
        assert_eq!(seen.marked(), 4);
        assert_eq!(seen.unmarked(), 126);
        assert_eq!(
            seen.unmarked_ranges().collect::<Vec<_>>(),
            vec![(2, 62), (65, 129)],
            "ids 1, 63, 64 and 130 are marked"
        );
        assert_eq!(SeenIds::new(0).unmarked_ranges().count(), 0);
        // Ids above the bitmap's cap are never marked.
        let huge = SeenIds::new(1 << 40);
        huge.mark(1 << 40);
        assert!(!huge.contains(1 << 40));
        huge.mark(1);
        assert_eq!(
            huge.unmarked_ranges().collect::<Vec<_>>(),
            vec![(2, 1 << 40)]
        );
    }
}
