//! Crash safety and concurrency: SIGKILL at random points, SIGINT, readers
//! during a scan, and two scans on one catalog.

use crate::util::Kb;
use rusqlite::Connection;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// A tree of `n` files, each with exactly one email address, so that any
/// document recorded `ok` must show exactly one finding.
fn email_tree(kb: &Kb, n: usize) {
    for i in 0..n {
        kb.file(
            &format!("d{}/f{i}.md", i % 50),
            format!(
                "Ticket {i}\nCustomer wrote from user{i}.name@acme-widgets.io about billing.\n"
            ),
        );
    }
}

fn spawn_scan(kb: &Kb) -> Child {
    kb.cmd(&["scan", "kb", "--quiet", "--threads", "2"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn scan")
}

fn check_catalog(kb: &Kb) -> (usize, usize) {
    let conn = Connection::open(kb.catalog()).unwrap();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    let mut stmt = conn
        .prepare(
            "SELECT d.path, d.label, (SELECT count(*) FROM findings f WHERE f.document_id = d.id) \
             FROM documents d WHERE d.status = 'ok'",
        )
        .unwrap();
    let rows: Vec<(String, String, i64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for (path, label, findings) in &rows {
        assert_eq!(*findings, 1, "{path} is ok but half-recorded");
        assert_eq!(label, "confidential", "{path}");
    }
    let total: i64 = conn
        .query_row("SELECT count(*) FROM documents", [], |r| r.get(0))
        .unwrap();
    (rows.len(), total as usize)
}

#[test]
fn sigkill_at_any_point_leaves_a_sound_catalog_and_the_next_scan_completes() {
    let kb = Kb::new();
    let n = 1500;
    email_tree(&kb, n);
    // Deterministic "random" kill points, from process start to mid-scan.
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..6 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let delay = Duration::from_millis(seed % 400);
        let mut child = spawn_scan(&kb);
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        if kb.catalog().exists() {
            check_catalog(&kb);
        }
    }
    let r = kb.run(&["scan", "kb", "--quiet"]);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    assert_eq!(check_catalog(&kb), (n, n));
    // Killed scans are closed as partial by the next one.
    let scans = kb.run(&["scans", "--json"]);
    assert!(
        !scans.stdout().contains("\"running\""),
        "{}",
        scans.stdout()
    );
}

#[test]
fn sigint_finishes_the_current_batch_and_marks_the_scan_partial() {
    let kb = Kb::new();
    email_tree(&kb, 6000);
    let child = spawn_scan(&kb);
    // Interrupt once the scan has written something (the rule pack takes a
    // moment to compile in a debug build).
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        let written =
            Connection::open_with_flags(kb.catalog(), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .and_then(|c| {
                    c.query_row("SELECT count(*) FROM documents", [], |r| r.get::<_, i64>(0))
                })
                .unwrap_or(0);
        if written > 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    // SAFETY: sending a signal to our own child process.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() == Some(0) {
        eprintln!("scan finished before SIGINT arrived; nothing to check");
        return;
    }
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    let (ok, _) = check_catalog(&kb);
    assert!(ok < 6000);
    let scans = kb.run(&["scans", "--json"]);
    let latest: serde_json::Value =
        serde_json::from_str(scans.stdout().lines().next().unwrap()).unwrap();
    assert_eq!(latest["status"], "partial");
    // The next scan completes the work.
    assert_eq!(kb.run(&["scan", "kb", "--quiet"]).code(), 0);
    assert_eq!(check_catalog(&kb).0, 6000);
}

#[test]
fn readers_work_while_a_scan_writes() {
    let kb = Kb::new();
    email_tree(&kb, 300);
    kb.scan();
    email_tree_more(&kb, 6000);
    let mut child = spawn_scan(&kb);
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut reads = 0;
    while child.try_wait().unwrap().is_none() && Instant::now() < deadline {
        let gate = kb.run(&["gate", "--audience", "analyst", "kb/d0/f0.md"]);
        assert_eq!(gate.code(), 0, "gate during scan: {}", gate.stderr());
        let export = kb.run(&["export", "--format", "csv"]);
        assert_eq!(export.code(), 0, "export during scan: {}", export.stderr());
        // An indexer's own connection, read-only, with no busy timeout.
        let conn =
            Connection::open_with_flags(kb.catalog(), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .unwrap();
        let n: i64 = conn
            .query_row(
                "SELECT count(*) FROM gate_documents WHERE label_rank <= 2",
                [],
                |r| r.get(0),
            )
            .expect("indexer read during scan");
        assert!(n >= 300);
        reads += 1;
    }
    let status = child.wait().unwrap();
    assert!(status.success());
    assert!(
        reads > 0,
        "the scan ended before any read; make the tree bigger"
    );
}

fn email_tree_more(kb: &Kb, n: usize) {
    for i in 0..n {
        kb.file(
            &format!("more{}/g{i}.md", i % 40),
            format!("Reply from user{i}.x@acme-widgets.io\n"),
        );
    }
}

#[test]
fn a_second_scan_on_the_same_catalog_is_refused() {
    let kb = Kb::new();
    kb.file("a.md", "Public.\n");
    kb.scan();
    // Hold the scan lock from another process, as a running scan would.
    let lock = format!("{}.lock", kb.catalog().display());
    let mut holder = std::process::Command::new("python3")
        .args([
            "-c",
            "import fcntl,sys,time\nf=open(sys.argv[1],'a')\nfcntl.flock(f,fcntl.LOCK_EX)\nprint('locked',flush=True)\ntime.sleep(30)",
            &lock,
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(holder.stdout.as_mut().unwrap()),
        &mut line,
    )
    .unwrap();
    assert_eq!(line.trim(), "locked");
    let r = kb.run(&["scan", "kb", "--quiet"]);
    let _ = holder.kill();
    let _ = holder.wait();
    assert_eq!(r.code(), 2);
    assert!(r.stderr().contains("another kbscan scan"), "{}", r.stderr());
    // Readers are not blocked by the lock.
    assert_eq!(
        kb.run(&["gate", "--audience", "public", "kb/a.md"]).code(),
        0
    );
}
