//! Finds the files to scan. Never reads content.
//!
//! A thin layer over `ignore`'s parallel walker: it honours `.gitignore`,
//! `.ignore` and `.kbscanignore`, include/exclude globs, hidden files, the
//! symlink policy and the size limit, and turns everything it cannot enter
//! into a [`Entry::Problem`] so that no file disappears from the report.

use anyhow::{Context, Result};
use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use ignore::{WalkBuilder, WalkState};
use std::path::{Path, PathBuf};

/// The ignore file kbscan reads besides `.gitignore` and `.ignore`.
pub const IGNORE_FILE: &str = ".kbscanignore";

/// What to walk and how.
#[derive(Clone, Debug)]
pub struct WalkOptions {
    pub threads: usize,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub max_file_size: u64,
    pub hidden: bool,
    pub follow_symlinks: bool,
    pub no_ignore: bool,
}

/// A file to scan, with what an incremental scan compares.
#[derive(Clone, Debug)]
pub struct Candidate {
    pub path: PathBuf,
    pub size: u64,
    pub mtime_ns: i64,
    pub inode: u64,
    /// Larger than `max_file_size`: to be recorded as skipped, not read.
    pub too_large: bool,
}

/// One thing the walk found.
#[derive(Debug)]
pub enum Entry {
    File(Candidate),
    /// A path that could not be walked (unreadable folder, symlink loop,
    /// vanished file), with the OS's reason.
    Problem {
        path: PathBuf,
        reason: String,
    },
}

/// Compiled include/exclude globs. A glob without `/` matches a file name at
/// any depth (`*.md`); one with `/` matches the path below the root
/// (`tickets/**`), as in `.gitignore`.
struct Filters {
    include: Option<(GlobSet, GlobSet)>,
    exclude: (GlobSet, GlobSet),
}

impl Filters {
    fn new(opts: &WalkOptions) -> Result<Filters> {
        let include = if opts.include.is_empty() {
            None
        } else {
            Some(build_globs(&opts.include)?)
        };
        Ok(Filters {
            include,
            exclude: build_globs(&opts.exclude)?,
        })
    }

    fn excluded(&self, rel: &Path) -> bool {
        matches(&self.exclude, rel)
    }

    fn included(&self, rel: &Path) -> bool {
        self.include.as_ref().is_none_or(|g| matches(g, rel))
    }
}

fn build_globs(globs: &[String]) -> Result<(GlobSet, GlobSet)> {
    let mut names = GlobSetBuilder::new();
    let mut paths = GlobSetBuilder::new();
    for g in globs {
        let g = g.trim_start_matches("./");
        if g.contains('/') {
            let glob = GlobBuilder::new(g.trim_start_matches('/'))
                .literal_separator(true)
                .build()
                .with_context(|| format!("bad glob {g:?}"))?;
            paths.add(glob);
        } else {
            names.add(Glob::new(g).with_context(|| format!("bad glob {g:?}"))?);
        }
    }
    Ok((names.build()?, paths.build()?))
}

fn matches((names, paths): &(GlobSet, GlobSet), rel: &Path) -> bool {
    rel.file_name().is_some_and(|n| names.is_match(n)) || paths.is_match(rel)
}

/// Walks `roots` on `opts.threads` threads. `make_visitor` is called once per
/// thread, so each thread can own its scratch state; the visitor returns
/// `false` to stop the walk early (e.g. on Ctrl-C).
pub fn walk<F, V>(roots: &[PathBuf], opts: &WalkOptions, make_visitor: F) -> Result<()>
where
    F: Fn() -> V + Sync,
    V: FnMut(Entry) -> bool + Send,
{
    let filters = Filters::new(opts)?;
    for root in roots {
        if let Err(e) = std::fs::symlink_metadata(root) {
            let mut visit = make_visitor();
            visit(Entry::Problem {
                path: root.clone(),
                reason: e.to_string(),
            });
        }
    }
    let existing: Vec<&PathBuf> = roots.iter().filter(|r| r.exists()).collect();
    let Some((first, rest)) = existing.split_first() else {
        return Ok(());
    };
    let mut builder = WalkBuilder::new(first);
    for r in rest {
        builder.add(r);
    }
    let use_ignores = !opts.no_ignore;
    builder
        .threads(opts.threads.max(1))
        .hidden(!opts.hidden)
        .follow_links(opts.follow_symlinks)
        .git_ignore(use_ignores)
        .git_global(use_ignores)
        .git_exclude(use_ignores)
        .ignore(use_ignores)
        .parents(use_ignores)
        .require_git(false);
    if use_ignores {
        builder.add_custom_ignore_filename(IGNORE_FILE);
    }
    let roots_for_rel: Vec<PathBuf> = existing.iter().map(|r| (*r).clone()).collect();
    let filters = &filters;
    let roots_for_rel = &roots_for_rel;
    builder.build_parallel().run(|| {
        let mut visit = make_visitor();
        Box::new(move |result| {
            let entry = match result {
                Ok(entry) => entry,
                Err(err) => {
                    let (path, reason) = describe_walk_error(&err);
                    return keep_going(visit(Entry::Problem { path, reason }));
                }
            };
            let path = entry.path();
            let rel = relative_to_root(roots_for_rel, path);
            let Some(file_type) = entry.file_type() else {
                return WalkState::Continue;
            };
            if file_type.is_dir() {
                if entry.depth() > 0 && filters.excluded(rel) {
                    return WalkState::Skip;
                }
                return WalkState::Continue;
            }
            if file_type.is_symlink() {
                // Not followed (follow_links would have resolved it).
                return WalkState::Continue;
            }
            if !file_type.is_file() || filters.excluded(rel) || !filters.included(rel) {
                return WalkState::Continue;
            }
            let found = match entry.metadata() {
                Ok(meta) => Entry::File(Candidate {
                    path: path.to_path_buf(),
                    size: meta.len(),
                    mtime_ns: crate::gate::mtime_ns(&meta),
                    inode: inode(&meta),
                    too_large: meta.len() > opts.max_file_size,
                }),
                Err(err) => {
                    let (_, reason) = describe_walk_error(&err);
                    Entry::Problem {
                        path: path.to_path_buf(),
                        reason,
                    }
                }
            };
            keep_going(visit(found))
        })
    });
    Ok(())
}

fn keep_going(go_on: bool) -> WalkState {
    if go_on {
        WalkState::Continue
    } else {
        WalkState::Quit
    }
}

fn relative_to_root<'a>(roots: &[PathBuf], path: &'a Path) -> &'a Path {
    roots
        .iter()
        .filter_map(|r| path.strip_prefix(r).ok())
        .min_by_key(|rel| rel.as_os_str().len())
        .unwrap_or(path)
}

#[cfg(unix)]
fn inode(meta: &std::fs::Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt;
    meta.ino()
}

#[cfg(not(unix))]
fn inode(_: &std::fs::Metadata) -> u64 {
    0
}

/// The path an `ignore` error is about and a one-line reason.
fn describe_walk_error(err: &ignore::Error) -> (PathBuf, String) {
    match err {
        ignore::Error::WithPath { path, err } => (path.clone(), describe_walk_error(err).1),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            describe_walk_error(err)
        }
        ignore::Error::Loop { child, ancestor } => (
            child.clone(),
            format!("symlink loop back to {}", ancestor.display()),
        ),
        ignore::Error::Io(e) => (PathBuf::new(), e.to_string()),
        ignore::Error::Partial(errs) => errs
            .first()
            .map(describe_walk_error)
            .unwrap_or_else(|| (PathBuf::new(), err.to_string())),
        other => (PathBuf::new(), other.to_string()),
    }
}
