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
}

impl SeenIds {
    /// Room for ids `1..=max_id` (the largest id when the scan began; rows
    /// created later were written by the scan itself).
    pub fn new(max_id: i64) -> SeenIds {
        let bits = u64::try_from(max_id).unwrap_or(0).min(MAX_BITS) + 1;
        SeenIds {
            words: (0..bits.div_ceil(64)).map(|_| AtomicU64::new(0)).collect(),
        }
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
    }
}
