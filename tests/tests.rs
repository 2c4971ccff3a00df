//! Integration tests: each builds a temp knowledge base and runs the real
//! binary. Split by theme, as in ripgrep.

mod util;

// The command-line contract: exit codes, help, export shape.
mod cli;
// The gate's fail-closed cases.
mod gate;
// The catalog over time: incremental scans, history, review decisions.
mod history;
// Crash safety and concurrency.
mod crash;
// The indexer's side: README snippet and examples/.
mod examples;
// The crawl: ignore files, globs, hidden, size limit, symlinks, permissions.
mod walk;
// No raw value in the catalog or any output.
mod leak;
// Detection quality on the labelled evaluation corpus.
mod eval;
// End to end on the shipped knowledge base and its truth file.
mod kb;
// Tables read a batch of rows at a time find what cell-by-cell reading finds.
mod rows;
