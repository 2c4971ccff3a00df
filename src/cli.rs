//! Command-line types (clap derive). Only validation of what the user typed
//! lives here; building walkers, detectors and catalogs is `cmd`'s job.

use crate::label::Label;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Finds sensitive content in a knowledge base before an AI retrieval index
/// may ingest it, and gates what the indexer may take.
#[derive(Parser, Debug)]
#[command(name = "kbscan", version, about, long_about = None, after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

const EXAMPLES: &str = "Examples:
  kbscan scan ./wiki-export --fail-on confidential
  kbscan gate --audience public ./wiki-export/faq.md
  find ./wiki-export -type f | kbscan gate --audience staff -
  kbscan explain ./wiki-export/runbook.md

Exit codes: 0 done, nothing at or above a threshold; 1 a policy outcome (gate denied
something, or --fail-on hit); 2 an error.";

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Walk roots, read every document, detect, label and record in the catalog.
    #[command(
        after_help = "Example:\n  kbscan scan fixtures/kb --catalog kb.db --fail-on restricted --json"
    )]
    Scan(ScanArgs),
    /// Print the catalog, one record per document.
    #[command(after_help = "Example:\n  kbscan export --format jsonl > kb.jsonl")]
    Export(ExportArgs),
    /// Allow or deny documents for an audience (fails closed).
    #[command(
        after_help = "Examples:\n  kbscan gate --audience public docs/faq.md docs/runbook.md\n  \
        find docs -type f | kbscan gate --max-label internal --json -"
    )]
    Gate(GateArgs),
    /// Show why a document got its label: every finding, masked.
    #[command(after_help = "Example:\n  kbscan explain fixtures/kb/runbooks/db-failover.md")]
    Explain(ExplainArgs),
    /// List or test the rules.
    #[command(
        after_help = "Examples:\n  kbscan rules list\n  kbscan rules test --rules ./my-rules"
    )]
    Rules(RulesArgs),
}

/// Where the catalog lives (shared by every command).
#[derive(Args, Debug, Clone)]
pub struct CatalogArg {
    /// Catalog file (SQLite).
    #[arg(
        long,
        env = "KBSCAN_CATALOG",
        default_value = "kbscan.db",
        value_name = "FILE"
    )]
    pub catalog: PathBuf,
}

#[derive(Args, Debug)]
pub struct ScanArgs {
    /// Folders or files to scan.
    #[arg(required = true, value_name = "ROOT")]
    pub roots: Vec<PathBuf>,
    #[command(flatten)]
    pub catalog: CatalogArg,
    /// Rules directory replacing the built-in pack (*.toml, optional policy.toml).
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// Worker threads (default: number of cores).
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,
    /// Only scan files matching this glob (repeatable; `*.md`, `tickets/**`).
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,
    /// Skip files and folders matching this glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Files larger than this are recorded as skipped, not read (e.g. 100M, 2G).
    #[arg(long, default_value = "100M", value_name = "SIZE", value_parser = parse_size)]
    pub max_file_size: u64,
    /// Scan hidden files and folders too.
    #[arg(long)]
    pub hidden: bool,
    /// Follow symbolic links (loops are detected and recorded).
    #[arg(long)]
    pub follow_symlinks: bool,
    /// Ignore .gitignore, .ignore and .kbscanignore files.
    #[arg(long)]
    pub no_ignore: bool,
    /// Re-read every file, even those unchanged since the last scan.
    #[arg(long)]
    pub full: bool,
    /// Exit 1 when any document is labelled at or above LABEL.
    #[arg(long, value_name = "LABEL")]
    pub fail_on: Option<Label>,
    /// Override every rule's minimum confidence (0.0-1.0).
    #[arg(long, value_name = "X", value_parser = parse_confidence)]
    pub min_confidence: Option<f32>,
    #[command(flatten)]
    pub budgets: BudgetArgs,
    /// No progress bar and no summary on stderr.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Print the summary as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Safety budgets for archives, emails and hostile files.
#[derive(Args, Debug)]
pub struct BudgetArgs {
    /// Total bytes expanded from one file's archives and attachments.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_expanded: Option<u64>,
    /// Largest single archive member, attachment or XML part.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_member_size: Option<u64>,
    /// Highest compression ratio accepted for a member.
    #[arg(long, value_name = "N")]
    pub max_ratio: Option<u64>,
    /// Most entries read from one archive.
    #[arg(long, value_name = "N")]
    pub max_entries: Option<u64>,
    /// Deepest nesting of archives and attachments.
    #[arg(long, value_name = "N")]
    pub max_depth: Option<u32>,
    /// Longest time spent on one file, in seconds.
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<u64>,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    #[command(flatten)]
    pub catalog: CatalogArg,
    #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
    pub format: ExportFormat,
    /// `latest` (documents written by the last scan), `all`, or a scan id.
    #[arg(long, default_value = "all", value_name = "latest|all|ID")]
    pub scan: String,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Jsonl,
    Csv,
}

#[derive(Args, Debug)]
pub struct GateArgs {
    #[command(flatten)]
    pub catalog: CatalogArg,
    /// Audience from the policy (public, staff, analyst, admin, ...).
    #[arg(
        long,
        conflicts_with = "max_label",
        required_unless_present = "max_label"
    )]
    pub audience: Option<String>,
    /// Highest label allowed.
    #[arg(long, value_name = "LABEL")]
    pub max_label: Option<Label>,
    /// Rules directory whose policy.toml defines the audiences.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// Paths to decide; `-` or none reads one path per line from stdin.
    #[arg(value_name = "PATH")]
    pub paths: Vec<String>,
    /// Print one JSON object per path.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub catalog: CatalogArg,
    /// Document path as scanned (archive members as `outer.zip!/dir/f.md`).
    pub path: String,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct RulesArgs {
    #[command(subcommand)]
    pub action: RulesAction,
}

#[derive(Subcommand, Debug)]
pub enum RulesAction {
    /// Every rule: id, category, description and examples.
    List {
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Run every rule's examples and negative examples; exit 1 on any failure.
    Test {
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
    },
    /// One regex per rule (for `rg -f` comparisons).
    ExportPatterns {
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
    },
}

/// Parses `100M`, `2G`, `512k`, `1048576` (binary multiples).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (digits, mult) = match s.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        None => (s, 1u64),
        Some((i, _)) => {
            let mult = match s[i..]
                .to_ascii_lowercase()
                .trim_end_matches("ib")
                .trim_end_matches('b')
            {
                "" => 1,
                "k" => 1 << 10,
                "m" => 1 << 20,
                "g" => 1 << 30,
                "t" => 1 << 40,
                other => {
                    return Err(format!(
                        "unknown size unit {other:?} in {s:?} (use K, M, G or T)"
                    ))
                }
            };
            (&s[..i], mult)
        }
    };
    let n: u64 = digits.parse().map_err(|_| format!("not a size: {s:?}"))?;
    n.checked_mul(mult)
        .ok_or_else(|| format!("size too large: {s:?}"))
}

fn parse_confidence(s: &str) -> Result<f32, String> {
    match s.parse::<f32>() {
        Ok(x) if (0.0..=1.0).contains(&x) => Ok(x),
        _ => Err(format!("confidence must be between 0 and 1, got {s:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("100M"), Ok(100 << 20));
        assert_eq!(parse_size("2g"), Ok(2 << 30));
        assert_eq!(parse_size("512KiB"), Ok(512 << 10));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("12Q").is_err());
        assert!(parse_size("M").is_err());
    }

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }
}
