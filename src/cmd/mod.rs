//! One module per subcommand; each returns the process exit code.

pub mod diff;
pub mod explain;
pub mod export;
pub mod gate;
pub mod report;
pub mod review;
pub mod rules;
pub mod scan;

use crate::cli::{Cli, Command};
use anyhow::Result;

/// Runs a parsed command line; `Ok(code)` is 0 or 1 (policy outcome), errors
/// become exit code 2 in `main`.
pub fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Scan(args) => scan::run(args),
        Command::Export(args) => export::run(args),
        Command::Gate(args) => gate::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Rules(args) => rules::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Scans(args) => diff::scans(args),
        Command::Triage(args) => review::triage(args),
        Command::Label(args) => review::label(args),
        Command::Report(args) => report::run(args),
    }
}
