//! `kbscan triage` and `kbscan label`: people's decisions, applied at once
//! and kept across re-scans.

use crate::catalog::{Catalog, LabelUpdate, ReviewState};
use crate::cli::{LabelArgs, TriageArgs};
use crate::gate::MEMBER_SEPARATOR;
use crate::label::{self, Label, Policy};
use anyhow::{bail, Result};
use std::io::Write;

/// Who made a decision: the login name, as cron and CI set it.
fn who() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into())
}

pub fn triage(args: TriageArgs) -> Result<i32> {
    let catalog = Catalog::open_rw(&args.catalog.catalog)?;
    let mut out = std::io::stdout().lock();
    if args.report_unused {
        let unused = catalog.unused_decisions()?;
        for u in &unused {
            writeln!(
                out,
                "unused\t{}\t{}\t{}\t{}\t{}",
                u.fingerprint, u.decision, u.path, u.rule_id, u.note
            )?;
        }
        return Ok(i32::from(!unused.is_empty()));
    }
    let target = args.target.as_deref().unwrap_or_default();
    let targets = catalog.triage_targets(target, args.rule.as_deref())?;
    if targets.is_empty() {
        bail!("no finding matches {target:?} (give a fingerprint from `kbscan export`, or a scanned path)");
    }
    let decision = if args.reject { "reject" } else { "accept" };
    let who = who();
    let mut outers = std::collections::BTreeSet::new();
    for t in &targets {
        catalog.record_decision(t, decision, &args.note, &who)?;
        outers.insert(outer_path(&t.path).to_string());
        writeln!(
            out,
            "{decision}\t{}\t{}\t{}",
            t.fingerprint, t.path, t.rule_id
        )?;
    }
    let policy = Policy::for_rules_dir(args.rules.as_deref())?;
    let review = catalog.review_state()?;
    let mut changed = 0;
    for outer in &outers {
        changed += relabel(
            &catalog,
            &policy,
            &review,
            outer,
            &format!("triage: {decision}"),
        )?;
    }
    writeln!(
        out,
        "{} findings marked {decision}; {changed} labels changed",
        targets.len()
    )?;
    Ok(0)
}

pub fn label(args: LabelArgs) -> Result<i32> {
    let catalog = Catalog::open_rw(&args.catalog.catalog)?;
    let policy = Policy::for_rules_dir(args.rules.as_deref())?;
    let Some(doc) = catalog.document(&args.path)? else {
        bail!("{} is not in the catalog (scan it first)", args.path);
    };
    // What the findings alone give, without any earlier override.
    let family = catalog.family_open_categories(outer_path(&doc.path))?;
    let computed = label::family_labels(&policy, &family, |_| None)
        .into_iter()
        .find(|(p, _, _)| *p == doc.path)
        .map_or(Label::Public, |(_, l, _)| l);
    if args.set < computed && !args.allow_downgrade {
        bail!(
            "{} holds findings that make it {computed}; setting {} would hide them. \
             Pass --allow-downgrade to do it anyway (recorded with your reason)",
            args.path,
            args.set
        );
    }
    catalog.set_override(
        &doc.path,
        args.set.as_str(),
        args.allow_downgrade,
        &args.reason,
        &who(),
    )?;
    let review = catalog.review_state()?;
    relabel(
        &catalog,
        &policy,
        &review,
        outer_path(&doc.path),
        &format!("manual: {}", args.reason),
    )?;
    let now = catalog
        .document(&doc.path)?
        .map(|d| d.label)
        .unwrap_or_default();
    println!("{}\t{} -> {now}", doc.path, doc.label);
    Ok(0)
}

fn outer_path(path: &str) -> &str {
    path.split_once(MEMBER_SEPARATOR).map_or(path, |(o, _)| o)
}

/// Recomputes a file's and its members' labels from their open findings and
/// overrides; returns how many labels changed.
fn relabel(
    catalog: &Catalog,
    policy: &Policy,
    review: &ReviewState,
    outer: &str,
    reason: &str,
) -> Result<usize> {
    let family = catalog.family_open_categories(outer)?;
    let updates: Vec<LabelUpdate> = label::family_labels(policy, &family, |p| {
        let (l, down) = review.overrides.get(p)?;
        Some((l.parse().ok()?, *down))
    })
    .into_iter()
    .zip(&family)
    .map(|((path, label, decided), (_, categories))| LabelUpdate {
        path: path.to_string(),
        label,
        decided_by: decided.map(str::to_string),
        categories: Some(categories.clone()),
        reason: reason.to_string(),
    })
    .collect();
    catalog.apply_label_updates(&updates)
}
