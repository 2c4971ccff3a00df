//! One scan per catalog at a time.
//!
//! SQLite would serialise two writers anyway, but two scans interleaving
//! their batches would mark each other's files deleted and split one scan's
//! history across two ids. An advisory `flock` on `<catalog>.lock` (a separate
//! file: closing any descriptor of the database itself would drop SQLite's
//! own POSIX locks) is released by the kernel even when the scan is killed.

use anyhow::{bail, Context, Result};
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

/// Held for the duration of a scan.
pub struct ScanLock {
    _file: File,
}

impl ScanLock {
    /// Takes the lock, or fails at once with a clear message when another
    /// scan holds it.
    pub fn acquire(catalog: &Path) -> Result<ScanLock> {
        let path = lock_path(catalog);
        let mut opts = OpenOptions::new();
        opts.create(true).truncate(false).write(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let file = opts
            .open(&path)
            .with_context(|| format!("failed to open lock file {}", path.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::io::AsRawFd;
            // SAFETY: flock on a descriptor we own; no memory is involved.
            let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
            if rc != 0 {
                let err = std::io::Error::last_os_error();
                if err.raw_os_error() == Some(libc::EWOULDBLOCK) {
                    bail!(
                        "another kbscan scan is writing to {} (lock {} is held); wait for it to finish",
                        catalog.display(),
                        path.display()
                    );
                }
                return Err(err).with_context(|| format!("failed to lock {}", path.display()));
            }
        }
        Ok(ScanLock { _file: file })
    }
}

fn lock_path(catalog: &Path) -> PathBuf {
    let mut name = catalog.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_scan_is_refused_until_the_first_ends() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("k.db");
        let first = ScanLock::acquire(&db).unwrap();
        let err = ScanLock::acquire(&db).err().unwrap();
        assert!(err.to_string().contains("another kbscan scan"), "{err}");
        drop(first);
        assert!(ScanLock::acquire(&db).is_ok());
    }
}
