//! The SQLite catalog: the only module that knows SQL.
//!
//! One file per knowledge base, created `0600` (findings are masked, but paths
//! and labels are still a map of where the sensitive data lives). WAL mode so
//! that the gate, exports and an indexer's own connection read while a scan
//! writes; a single writer thread ([`writer`]) does all writes.

mod lock;
mod queries;
mod review;
mod seen;
mod writer;

pub use lock::ScanLock;
pub use queries::{DocumentRow, FindingRow, HistoryChange, ScanRow};
pub use queries::{Previous, ReviewState};
pub use review::{TriageTarget, UnusedDecision};
pub use seen::SeenIds;
pub use writer::{
    Batcher, DocRecord, FileCounts, FindingRecord, LabelUpdate, NewScan, ScanCounts, WriteOp,
    Writer, QUEUE_PER_THREAD,
};

use anyhow::{bail, Context, Result};
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The schema this build writes. Bump it together with a new entry in
/// [`MIGRATIONS`].
pub const SCHEMA_VERSION: i32 = 2;

/// `MIGRATIONS[n]` takes a catalog from `user_version` n to n + 1.
const MIGRATIONS: &[&str] = &[include_str!("schema.sql"), include_str!("migrate_002.sql")];

/// Document status, as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Ok,
    Error,
    Skipped,
    Deleted,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Error => "error",
            Status::Skipped => "skipped",
            Status::Deleted => "deleted",
        }
    }
}

/// An open catalog.
pub struct Catalog {
    conn: Connection,
    path: PathBuf,
}

impl Catalog {
    /// Opens (creating and migrating when needed) the catalog for writing.
    pub fn open_rw(path: &Path) -> Result<Catalog> {
        if !path.exists() {
            create_private_file(path)?;
        }
        let conn = Connection::open(path)
            .with_context(|| format!("failed to open catalog {}", path.display()))?;
        configure(&conn)?;
        conn.pragma_update(None, "journal_mode", "wal")?;
        migrate(&conn).with_context(|| format!("catalog {}", path.display()))?;
        ensure_fingerprint_key(&conn)?;
        Ok(Catalog {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Opens an existing catalog for reading (gate, export, explain).
    pub fn open_ro(path: &Path) -> Result<Catalog> {
        if !path.exists() {
            bail!(
                "no catalog at {} (run `kbscan scan` first, or pass --catalog)",
                path.display()
            );
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .with_context(|| format!("failed to open catalog {}", path.display()))?;
        configure(&conn)?;
        let version: i32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            bail!(
                "catalog {} has schema version {version}, newer than this kbscan understands ({SCHEMA_VERSION}); upgrade kbscan",
                path.display()
            );
        }
        if version < SCHEMA_VERSION {
            bail!(
                "catalog {} has schema version {version}; run `kbscan scan` once to migrate it to {SCHEMA_VERSION}",
                path.display()
            );
        }
        Ok(Catalog {
            conn,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The per-catalog secret that keys finding fingerprints, so a
    /// fingerprint cannot be brute-forced back into a card number without the
    /// catalog itself.
    pub fn fingerprint_key(&self) -> Result<[u8; 32]> {
        let hex: String = self.conn.query_row(
            "SELECT value FROM meta WHERE key = 'fingerprint_key'",
            [],
            |r| r.get(0),
        )?;
        decode_key(&hex)
    }
}

fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(Duration::from_secs(30))?;
    conn.pragma_update(None, "foreign_keys", "on")?;
    Ok(())
}

fn create_private_file(path: &Path) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("failed to create directory {}", dir.display()))?;
    }
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    match opts.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e).with_context(|| format!("failed to create catalog {}", path.display())),
    }
}

fn migrate(conn: &Connection) -> Result<()> {
    let version: i32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        bail!(
            "schema version {version} is newer than this kbscan understands ({SCHEMA_VERSION}); upgrade kbscan"
        );
    }
    for (from, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(sql)
            .with_context(|| format!("migration {from} → {} failed", from + 1))?;
        tx.pragma_update(None, "user_version", from as i32 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

fn ensure_fingerprint_key(conn: &Connection) -> Result<()> {
    let existing: Option<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'fingerprint_key'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if existing.is_none() {
        let key: [u8; 32] = rand::random();
        conn.execute(
            "INSERT OR IGNORE INTO meta(key, value) VALUES ('fingerprint_key', ?1), \
             ('created_at', strftime('%Y-%m-%dT%H:%M:%SZ', 'now')), ('created_by', ?2)",
            (
                blake3::Hash::from_bytes(key).to_hex().to_string(),
                concat!("kbscan ", env!("CARGO_PKG_VERSION")),
            ),
        )?;
    }
    Ok(())
}

fn decode_key(hex: &str) -> Result<[u8; 32]> {
    Ok(*blake3::Hash::from_hex(hex)
        .context("corrupt fingerprint key in catalog")?
        .as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_private_migrated_catalog() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/k.db");
        let cat = Catalog::open_rw(&path).unwrap();
        let v: i32 = cat
            .conn()
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let key = cat.fingerprint_key().unwrap();
        drop(cat);
        // Re-opening keeps the key.
        assert_eq!(
            Catalog::open_rw(&path).unwrap().fingerprint_key().unwrap(),
            key
        );
        assert!(Catalog::open_ro(&path).is_ok());
    }

    #[test]
    fn refuses_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.db");
        drop(Catalog::open_rw(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        drop(conn);
        let err = Catalog::open_rw(&path).err().unwrap();
        assert!(
            format!("{err:#}").contains("newer than this kbscan"),
            "{err:#}"
        );
        assert!(Catalog::open_ro(&path).is_err());
    }

    #[test]
    fn migrates_a_version_1_catalog_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.db");
        {
            // A catalog as kbscan with schema 1 left it.
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            conn.execute_batch(
                "INSERT INTO scans(id, started_at, status, roots, rules_version, policy_version, tool_version) \
                    VALUES (7, '2026-01-01T00:00:00Z', 'complete', '[\"kb\"]', 'r', 'p', '0.0.1'); \
                 INSERT INTO documents(path, size, mtime_ns, status, label, label_rank, scan_id, rules_version, \
                    policy_version, scanned_at) \
                    VALUES ('kb/a.md', 3, 1, 'ok', 'internal', 1, 7, 'r', 'p', '2026-01-01T00:00:00Z');",
            )
            .unwrap();
        }
        let cat = Catalog::open_rw(&path).unwrap();
        let (version, seen, label): (i32, i64, String) = (
            cat.conn()
                .pragma_query_value(None, "user_version", |r| r.get(0))
                .unwrap(),
            cat.conn()
                .query_row(
                    "SELECT seen_scan FROM documents WHERE path = 'kb/a.md'",
                    [],
                    |r| r.get(0),
                )
                .unwrap(),
            cat.conn()
                .query_row(
                    "SELECT label FROM gate_documents WHERE path = 'kb/a.md'",
                    [],
                    |r| r.get(0),
                )
                .unwrap(),
        );
        assert_eq!(
            (version, seen, label.as_str()),
            (SCHEMA_VERSION, 7, "internal")
        );
        assert!(cat.review_state().unwrap().decisions.is_empty());
    }

    /// A catalog holding `paths` (members get their container as parent),
    /// all written by scan 1.
    fn catalog_with(dir: &Path, paths: &[&str]) -> Catalog {
        let cat = Catalog::open_rw(&dir.join("k.db")).unwrap();
        cat.conn()
            .execute_batch(
                "INSERT INTO scans(id, started_at, status, roots, rules_version, policy_version, tool_version) \
                    VALUES (1, 't', 'complete', '[]', 'r', 'p', 'v')",
            )
            .unwrap();
        for p in paths {
            let parent = p.rsplit_once("!/").map(|(outer, _)| outer.to_string());
            cat.conn()
                .execute(
                    "INSERT INTO documents(path, parent_path, size, status, label, label_rank, scan_id, \
                        rules_version, policy_version, scanned_at, seen_scan) \
                     VALUES (?1, ?2, 1, 'ok', 'public', 0, 1, 'r', 'p', 't', 1)",
                    (p, parent),
                )
                .unwrap();
        }
        cat
    }

    #[test]
    fn previous_in_dir_lists_the_files_directly_in_a_directory() {
        let dir = tempfile::tempdir().unwrap();
        let cat = catalog_with(
            dir.path(),
            &[
                "kb/a.md",
                "kb/sub/c.md",
                "kb/sub/deep/d.md",
                "kb/z.zip",
                "kb/z.zip!/m.txt",
                "kb/z.zip!/dir/n.txt",
                "kb/zz.md",
                "kb!.md",
                "kb0",
                "kbx/e.md",
            ],
        );
        let names = |d: &str| {
            let mut n: Vec<String> = cat
                .previous_in_dir(d, 100)
                .unwrap()
                .unwrap()
                .into_keys()
                .collect();
            n.sort();
            n
        };
        assert_eq!(names("kb"), ["a.md", "z.zip", "zz.md"]);
        assert_eq!(names("kb/sub"), ["c.md"]);
        assert_eq!(names("kb/sub/deep"), ["d.md"]);
        assert!(names("kb/none").is_empty());
        assert!(cat.previous_in_dir("kb", 2).unwrap().is_none());
        let a = &cat.previous_in_dir("kb", 3).unwrap().unwrap()["a.md"];
        assert_eq!(Some(a.id), cat.previous("kb/a.md").unwrap().map(|p| p.id));
    }

    #[test]
    fn unseen_files_agree_whichever_way_they_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let cat = catalog_with(
            dir.path(),
            &[
                "kb/a.md",
                "kb/b.md",
                "kb/c.zip",
                "kb/c.zip!/m.txt",
                "kb/d.md",
                "other/e.md",
            ],
        );
        let roots = ["kb/".to_string()];
        let seen = SeenIds::new(cat.max_document_id().unwrap());
        // Nothing marked: every file under the root, read by path.
        let mut all = cat.unseen_files(&roots, 2, &seen).unwrap();
        all.sort();
        assert_eq!(all, ["kb/a.md", "kb/b.md", "kb/c.zip", "kb/d.md"]);
        // Most marked: the rest (a member is not a file), read by id.
        for id in [1, 3, 5, 6] {
            seen.mark(id);
        }
        assert_eq!(cat.unseen_files(&roots, 2, &seen).unwrap(), ["kb/b.md"]);
        // Rows the scan wrote itself are never unseen.
        cat.conn()
            .execute(
                "UPDATE documents SET seen_scan = 2 WHERE path = 'kb/b.md'",
                [],
            )
            .unwrap();
        assert!(cat.unseen_files(&roots, 2, &seen).unwrap().is_empty());
    }

    #[test]
    fn read_only_open_of_missing_catalog_says_what_to_do() {
        let err = Catalog::open_ro(Path::new("/nonexistent/k.db"))
            .err()
            .unwrap();
        assert!(err.to_string().contains("run `kbscan scan` first"));
    }
}
