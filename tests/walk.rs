//! The crawl: ignore files, globs, hidden files, size limit, symlinks and
//! unreadable paths — nothing silently dropped.

use crate::util::Kb;
use std::collections::BTreeMap;

fn statuses(kb: &Kb) -> BTreeMap<String, (String, Option<String>)> {
    kb.export()
        .into_iter()
        .map(|(p, v)| {
            (
                p,
                (
                    v["status"].as_str().unwrap().to_string(),
                    v["error"].as_str().map(str::to_string),
                ),
            )
        })
        .collect()
}

fn paths(kb: &Kb) -> Vec<String> {
    statuses(kb).into_keys().collect()
}

#[test]
fn honours_gitignore_ignore_and_kbscanignore_unless_no_ignore() {
    let kb = Kb::new();
    kb.file(".gitignore", "build/\n");
    kb.file(".ignore", "*.tmp\n");
    kb.file(".kbscanignore", "drafts/\n");
    kb.file("a.md", "keep\n");
    kb.file("build/out.md", "ignored by .gitignore\n");
    kb.file("x.tmp", "ignored by .ignore\n");
    kb.file("drafts/d.md", "ignored by .kbscanignore\n");
    kb.scan();
    assert_eq!(paths(&kb), ["kb/a.md"]);
    let kb2 = Kb::new();
    kb2.file(".kbscanignore", "drafts/\n");
    kb2.file("drafts/d.md", "x\n");
    assert_eq!(
        kb2.run(&["scan", "kb", "--quiet", "--no-ignore", "--hidden"])
            .code(),
        0
    );
    assert_eq!(paths(&kb2), ["kb/.kbscanignore", "kb/drafts/d.md"]);
}

#[test]
fn include_and_exclude_globs() {
    let kb = Kb::new();
    kb.file("a.md", "x\n");
    kb.file("t/b.md", "x\n");
    kb.file("t/c.txt", "x\n");
    kb.file("archive/old.md", "x\n");
    let r = kb.run(&[
        "scan",
        "kb",
        "--quiet",
        "--include",
        "*.md",
        "--exclude",
        "archive",
    ]);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    assert_eq!(paths(&kb), ["kb/a.md", "kb/t/b.md"]);
    let kb2 = Kb::new();
    kb2.file("tickets/2024/a.md", "x\n");
    kb2.file("wiki/b.md", "x\n");
    assert_eq!(
        kb2.run(&["scan", "kb", "--quiet", "--include", "tickets/**"])
            .code(),
        0
    );
    assert_eq!(paths(&kb2), ["kb/tickets/2024/a.md"]);
}

#[test]
fn hidden_files_only_with_hidden() {
    let kb = Kb::new();
    kb.file(".env", "DB_PASSWORD=x\n");
    kb.file("a.md", "x\n");
    kb.scan();
    assert_eq!(paths(&kb), ["kb/a.md"]);
    assert_eq!(kb.run(&["scan", "kb", "--quiet", "--hidden"]).code(), 0);
    assert_eq!(paths(&kb), ["kb/.env", "kb/a.md"]);
}

#[test]
fn files_over_the_size_limit_are_recorded_as_skipped() {
    let kb = Kb::new();
    kb.file("big.log", "x".repeat(5000));
    kb.file("small.md", "x\n");
    let r = kb.run(&["scan", "kb", "--quiet", "--max-file-size", "4K"]);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    let s = statuses(&kb);
    assert_eq!(s["kb/big.log"].0, "skipped");
    assert!(
        s["kb/big.log"]
            .1
            .as_deref()
            .unwrap()
            .starts_with("too-large"),
        "{s:?}"
    );
    assert_eq!(s["kb/small.md"].0, "ok");
    let gate = kb.run(&["gate", "--audience", "admin", "kb/big.log"]);
    assert!(
        gate.stdout()
            .starts_with("deny\tkb/big.log\tskipped:too-large"),
        "{}",
        gate.stdout()
    );
}

#[cfg(unix)]
#[test]
fn symlinks_are_not_followed_by_default_and_loops_are_recorded() {
    let kb = Kb::new();
    kb.file("real/a.md", "x\n");
    std::os::unix::fs::symlink(kb.root().join("real"), kb.root().join("link")).unwrap();
    std::os::unix::fs::symlink(kb.root(), kb.root().join("real/loop")).unwrap();
    kb.scan();
    assert_eq!(paths(&kb), ["kb/real/a.md"]);
    assert_eq!(
        kb.run(&["scan", "kb", "--quiet", "--follow-symlinks"])
            .code(),
        0
    );
    let s = statuses(&kb);
    assert_eq!(s["kb/link/a.md"].0, "ok", "{s:?}");
    let loops: Vec<_> = s
        .iter()
        .filter(|(_, (st, e))| st == "error" && e.as_deref().is_some_and(|e| e.contains("loop")))
        .collect();
    assert!(!loops.is_empty(), "a symlink loop is recorded: {s:?}");
}

/// Runs the scan as an unprivileged user when the tests run as root (root
/// reads everything), so permission errors are real.
#[cfg(unix)]
#[test]
fn unreadable_files_and_folders_are_recorded_with_the_os_reason() {
    use std::os::unix::fs::PermissionsExt;
    let kb = Kb::new();
    let secret = kb.file("locked.md", "x\n");
    kb.file("closed/inner.md", "x\n");
    kb.file("open.md", "x\n");
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    std::fs::set_permissions(
        kb.root().join("closed"),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    let is_root = unsafe { libc::geteuid() } == 0;
    let r = if is_root {
        for p in [kb.dir.path().to_path_buf(), kb.root()] {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o777)).unwrap();
        }
        std::fs::set_permissions(
            kb.root().join("open.md"),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        let mut c = std::process::Command::new("setpriv");
        c.args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            env!("CARGO_BIN_EXE_kbscan"),
        ])
        .args(["scan", "kb", "--quiet"])
        .env("KBSCAN_CATALOG", kb.catalog())
        .current_dir(kb.dir.path());
        match c.output() {
            Ok(out) => crate::util::Run(out),
            Err(_) => {
                eprintln!("skipped: running as root without setpriv");
                return;
            }
        }
    } else {
        kb.run(&["scan", "kb", "--quiet"])
    };
    assert_eq!(r.code(), 0, "{}", r.stderr());
    let s = statuses(&kb);
    assert_eq!(s["kb/open.md"].0, "ok");
    assert_eq!(s["kb/locked.md"].0, "error");
    assert!(
        s["kb/locked.md"]
            .1
            .as_deref()
            .unwrap()
            .contains("ermission denied"),
        "{s:?}"
    );
    assert_eq!(s["kb/closed"].0, "error", "{s:?}");
    assert!(
        s["kb/closed"]
            .1
            .as_deref()
            .unwrap()
            .contains("ermission denied"),
        "{s:?}"
    );
    let gate = kb.run(&["gate", "--audience", "admin", "kb/locked.md"]);
    assert!(
        gate.stdout().starts_with("deny\tkb/locked.md\terror:"),
        "{}",
        gate.stdout()
    );
}

#[test]
fn the_catalog_is_never_scanned_when_it_sits_inside_a_root() {
    let kb = Kb::new();
    kb.file("a.md", "x\n");
    let r = kb.run(&["scan", "kb", "--quiet", "--catalog", "kb/k.db"]);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    assert_eq!(
        kb.run(&["scan", "kb", "--quiet", "--catalog", "kb/k.db"])
            .code(),
        0
    );
    let out = kb.run(&["export", "--catalog", "kb/k.db"]);
    let paths: Vec<String> = out
        .stdout()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["path"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(paths, ["kb/a.md"]);
}
