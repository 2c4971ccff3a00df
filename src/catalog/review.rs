//! People's decisions: finding triage, label overrides, and the label
//! changes they cause. Written outside a scan, so each call is its own
//! transaction (WAL and the busy timeout let it interleave with a scan).

use super::{Catalog, LabelUpdate};
use anyhow::{bail, Result};
use rusqlite::{params, OptionalExtension};

/// A finding as triage sees it.
#[derive(Clone, Debug)]
pub struct TriageTarget {
    pub fingerprint: String,
    pub path: String,
    pub rule_id: String,
}

/// A decision whose finding is gone (the value was removed or the file
/// deleted): candidates for clean-up.
#[derive(Clone, Debug)]
pub struct UnusedDecision {
    pub fingerprint: String,
    pub decision: String,
    pub path: String,
    pub rule_id: String,
    pub note: String,
}

impl Catalog {
    /// Findings named by a fingerprint, or every finding of a document
    /// (optionally of one rule).
    pub fn triage_targets(&self, target: &str, rule: Option<&str>) -> Result<Vec<TriageTarget>> {
        let mut stmt = self.conn().prepare(
            "SELECT DISTINCT f.fingerprint, d.path, f.rule_id FROM findings f \
             JOIN documents d ON d.id = f.document_id \
             WHERE (f.fingerprint = ?1 OR d.path = ?1) AND (?2 IS NULL OR f.rule_id = ?2)",
        )?;
        let rows = stmt.query_map(params![target, rule], |r| {
            Ok(TriageTarget {
                fingerprint: r.get(0)?,
                path: r.get(1)?,
                rule_id: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Records (or replaces) a decision and marks the stored findings.
    pub fn record_decision(
        &self,
        t: &TriageTarget,
        decision: &str,
        note: &str,
        who: &str,
    ) -> Result<()> {
        let tx = self.conn().unchecked_transaction()?;
        tx.execute(
            "INSERT INTO decisions(fingerprint, decision, path, rule_id, note, decided_by, decided_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) \
             ON CONFLICT(fingerprint) DO UPDATE SET decision = excluded.decision, note = excluded.note, \
                decided_by = excluded.decided_by, decided_at = excluded.decided_at",
            params![t.fingerprint, decision, t.path, t.rule_id, note, who],
        )?;
        tx.execute(
            "UPDATE findings SET decision = ?2 WHERE fingerprint = ?1",
            params![t.fingerprint, decision],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Decisions whose fingerprint no longer matches any stored finding.
    pub fn unused_decisions(&self) -> Result<Vec<UnusedDecision>> {
        let mut stmt = self.conn().prepare(
            "SELECT fingerprint, decision, path, rule_id, note FROM decisions \
             WHERE fingerprint NOT IN (SELECT fingerprint FROM findings) ORDER BY path",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(UnusedDecision {
                fingerprint: r.get(0)?,
                decision: r.get(1)?,
                path: r.get(2)?,
                rule_id: r.get(3)?,
                note: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Records a person's label for a document.
    pub fn set_override(
        &self,
        path: &str,
        label: &str,
        allow_downgrade: bool,
        reason: &str,
        who: &str,
    ) -> Result<()> {
        if self.document(path)?.is_none() {
            bail!("{path} is not in the catalog (scan it first)");
        }
        self.conn().execute(
            "INSERT INTO label_overrides(path, label, allow_downgrade, reason, set_by, set_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) \
             ON CONFLICT(path) DO UPDATE SET label = excluded.label, allow_downgrade = excluded.allow_downgrade, \
                reason = excluded.reason, set_by = excluded.set_by, set_at = excluded.set_at",
            params![path, label, allow_downgrade, reason, who],
        )?;
        Ok(())
    }

    /// A file and its members with the categories of their findings that
    /// no person rejected: (path, categories), outermost first. Categories
    /// with no stored finding (beyond the per-document cap) are kept.
    pub fn family_open_categories(&self, outer: &str) -> Result<Vec<(String, Vec<String>)>> {
        let mut family = self.family_categories(outer)?;
        let mut stmt = self.conn().prepare_cached(
            "SELECT f.category, sum(coalesce(f.decision, '') != 'reject') FROM findings f \
             JOIN documents d ON d.id = f.document_id WHERE d.path = ?1 GROUP BY f.category",
        )?;
        for (path, categories) in &mut family {
            let counts: Vec<(String, i64)> = stmt
                .query_map([&*path], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            categories.retain(|c| {
                counts
                    .iter()
                    .find(|(cat, _)| cat == c)
                    .is_none_or(|(_, open)| *open > 0)
            });
            for (cat, open) in counts {
                if open > 0 && !categories.contains(&cat) {
                    categories.push(cat);
                }
            }
            categories.sort();
        }
        Ok(family)
    }

    /// Applies labels decided outside a scan, with history rows attributed
    /// to the latest scan.
    pub fn apply_label_updates(&self, updates: &[LabelUpdate]) -> Result<usize> {
        let scan_id: Option<i64> = self
            .conn()
            .query_row("SELECT max(id) FROM scans", [], |r| r.get(0))
            .optional()?
            .flatten();
        let Some(scan_id) = scan_id else { return Ok(0) };
        let tx = self.conn().unchecked_transaction()?;
        let mut changed = 0;
        for u in updates {
            let old: Option<(String, String)> = tx
                .query_row(
                    "SELECT label, status FROM documents WHERE path = ?1",
                    [&u.path],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let Some((old_label, status)) = old else {
                continue;
            };
            tx.execute(
                "UPDATE documents SET label = ?2, label_rank = ?3, decided_by = ?4, \
                    categories = coalesce(?5, categories) WHERE path = ?1",
                params![
                    u.path,
                    u.label.as_str(),
                    u.label.rank(),
                    u.decided_by,
                    u.categories
                        .as_ref()
                        .map(|c| serde_json::to_string(c).unwrap_or_default())
                ],
            )?;
            if old_label != u.label.as_str() {
                changed += 1;
                tx.execute(
                    "INSERT INTO label_history(path, scan_id, old_label, new_label, old_status, new_status, \
                        changed_at, reason) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?5, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?6)",
                    params![u.path, scan_id, old_label, u.label.as_str(), status, u.reason],
                )?;
            }
        }
        tx.commit()?;
        Ok(changed)
    }
}
