//! `kbscan gate`: one decision per path, from arguments or stdin.

use crate::catalog::Catalog;
use crate::cli::GateArgs;
use crate::gate;
use crate::label::{Label, Policy};
use anyhow::{Context, Result};
use serde_json::json;
use std::io::{BufRead, BufWriter, Write};

pub fn run(args: GateArgs) -> Result<i32> {
    let max: Label = match (&args.audience, args.max_label) {
        (_, Some(l)) => l,
        (Some(a), None) => Policy::for_rules_dir(args.rules.as_deref())?.audience_max(a)?,
        (None, None) => unreachable!("clap requires --audience or --max-label"),
    };
    let catalog = Catalog::open_ro(&args.catalog.catalog)?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut denied = false;
    let mut decide = |path: &str, out: &mut dyn Write| -> Result<()> {
        let d = gate::decide(&catalog, path, max)?;
        denied |= !d.allowed();
        let reason = d.deny.as_ref().map(|r| r.to_string());
        if args.json {
            let obj = json!({
                "path": path,
                "decision": if d.allowed() { "allow" } else { "deny" },
                "reason": reason,
                "label": d.label.map(|l| l.as_str()),
            });
            writeln!(out, "{obj}")?;
        } else if let Some(r) = reason {
            writeln!(out, "deny\t{path}\t{r}")?;
        } else {
            writeln!(out, "allow\t{path}")?;
        }
        Ok(())
    };
    let from_stdin = args.paths.is_empty() || args.paths.iter().any(|p| p == "-");
    for p in args.paths.iter().filter(|p| *p != "-") {
        decide(p, &mut out)?;
    }
    if from_stdin {
        for line in std::io::stdin().lock().lines() {
            let line = line.context("failed to read paths from stdin")?;
            let path = line.trim_end_matches('\r');
            if !path.is_empty() {
                decide(path, &mut out)?;
            }
        }
    }
    out.flush()?;
    Ok(i32::from(denied))
}
