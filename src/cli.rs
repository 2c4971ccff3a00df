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
    #[command(after_help = "Example:\n  kbscan explain fixtures/kb/ops/runbook-payments.md")]
    Explain(ExplainArgs),
    /// List or test the rules.
    #[command(
        after_help = "Examples:\n  kbscan rules list\n  kbscan rules test --rules ./my-rules"
    )]
    Rules(RulesArgs),
    /// What changed since an earlier scan: more or less sensitive, new, gone, failing.
    #[command(
        after_help = "Examples:\n  kbscan diff                 # what the last scan changed\n  kbscan diff --since 12\n  kbscan diff --since 2026-11-01 --json"
    )]
    Diff(DiffArgs),
    /// List scans with their counts.
    #[command(after_help = "Example:\n  kbscan scans --json")]
    Scans(ScansArgs),
    /// Record a review decision on findings (by fingerprint, or all of a document's).
    #[command(
        after_help = "Examples:\n  kbscan triage 3f9a0c17d2...e1 --reject --note \"test data, not a real card\"\n  kbscan triage wiki/faq.md --rule pii.phone.us --reject --note \"support hotline\"\n  kbscan triage --report-unused"
    )]
    Triage(TriageArgs),
    /// Set a document's label by hand (raises only, unless --allow-downgrade).
    #[command(
        after_help = "Example:\n  kbscan label hr/salaries.md --set restricted --reason \"HR data\""
    )]
    Label(LabelArgs),
    /// A self-contained HTML report for a data owner.
    #[command(after_help = "Example:\n  kbscan report --format html > report.html")]
    Report(ReportArgs),
}

#[derive(Args, Debug)]
pub struct DiffArgs {
    #[command(flatten)]
    pub catalog: CatalogArg,
    /// A scan id (changes made after it) or a date `YYYY-MM-DD[THH:MM:SS]`
    /// (changes made at or after it). Default: changes made by the last scan.
    #[arg(long, value_name = "SCAN|DATE")]
    pub since: Option<String>,
    /// Print one JSON object per change.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct ScansArgs {
    #[command(flatten)]
    pub catalog: CatalogArg,
    /// Print one JSON object per scan.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("verdict").args(["accept", "reject", "report_unused"]).required(true)))]
pub struct TriageArgs {
    #[command(flatten)]
    pub catalog: CatalogArg,
    /// A finding's fingerprint (from `export`/`explain --json`) or a document path.
    #[arg(required_unless_present = "report_unused")]
    pub target: Option<String>,
    /// Only findings of this rule (with a document path).
    #[arg(long, value_name = "RULE_ID")]
    pub rule: Option<String>,
    /// The finding is real: keep it.
    #[arg(long)]
    pub accept: bool,
    /// False positive: it no longer raises labels.
    #[arg(long)]
    pub reject: bool,
    /// Why (kept with who and when).
    #[arg(long, default_value = "")]
    pub note: String,
    /// List decisions whose finding no longer exists (exit 1 when there are some).
    #[arg(long)]
    pub report_unused: bool,
    /// Rules directory whose policy.toml is in force.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct LabelArgs {
    #[command(flatten)]
    pub catalog: CatalogArg,
    /// Document path as scanned.
    pub path: String,
    /// The label to set.
    #[arg(long, value_name = "LABEL")]
    pub set: Label,
    /// Why (kept with who and when).
    #[arg(long)]
    pub reason: String,
    /// Allow setting a label below what the findings give.
    #[arg(long)]
    pub allow_downgrade: bool,
    /// Rules directory whose policy.toml is in force.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    #[command(flatten)]
    pub catalog: CatalogArg,
    #[arg(long, value_enum, default_value_t = ReportFormat::Html)]
    pub format: ReportFormat,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    Html,
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
    /// Rules directory, for rule descriptions in SARIF.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Jsonl,
    Csv,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
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
