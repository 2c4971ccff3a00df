//! Test helpers: a temp directory per test and the real `kbscan` binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The start of a PNG file: binary by its magic number and its NULs.
pub const PNG_BYTES: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x06\0\0\0\x1f\xf3\xffa";

/// A scratch knowledge base and catalog for one test.
pub struct Kb {
    pub dir: tempfile::TempDir,
}

impl Kb {
    pub fn new() -> Kb {
        Kb {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// The knowledge base root (`<tmp>/kb`).
    pub fn root(&self) -> PathBuf {
        self.dir.path().join("kb")
    }

    pub fn catalog(&self) -> PathBuf {
        self.dir.path().join("catalog.db")
    }

    /// Writes `contents` to `kb/<rel>`, creating folders.
    pub fn file(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.root().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, contents).unwrap();
        p
    }

    /// `kbscan <args> --catalog <catalog>` run in the temp dir.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_kbscan"));
        c.args(args)
            .env("KBSCAN_CATALOG", self.catalog())
            .current_dir(self.dir.path());
        c
    }

    pub fn run(&self, args: &[&str]) -> Run {
        Run(self.cmd(args).output().expect("run kbscan"))
    }

    /// Runs with `input` on stdin.
    pub fn run_stdin(&self, args: &[&str], input: &str) -> Run {
        use std::io::Write;
        let mut child = self
            .cmd(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn kbscan");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        Run(child.wait_with_output().unwrap())
    }

    /// Scans `kb/` quietly and asserts success (exit 0 or 1).
    pub fn scan(&self) -> Run {
        let r = self.run(&["scan", "kb", "--quiet"]);
        assert!(r.code() <= 1, "scan failed: {}", r.stderr());
        r
    }

    /// Every exported record, keyed by path.
    pub fn export(&self) -> std::collections::BTreeMap<String, serde_json::Value> {
        let r = self.run(&["export", "--format", "jsonl"]);
        assert_eq!(r.code(), 0, "export failed: {}", r.stderr());
        r.stdout()
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                (v["path"].as_str().unwrap().to_string(), v)
            })
            .collect()
    }
}

/// A finished command.
pub struct Run(pub Output);

impl Run {
    pub fn code(&self) -> i32 {
        self.0.status.code().unwrap_or(-1)
    }
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }
}

/// The crate root (for fixtures).
pub fn crate_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}
