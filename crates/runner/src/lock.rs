//! One engine per data directory. Two processes writing one ledger would number orders twice;
//! an exclusive file lock (released by the OS when the process dies, even by `kill -9`) makes
//! the second one wait its turn or hand its work to the first (`polybot order place`).

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::{Result, RunError};

pub const LOCK_FILE: &str = "engine.lock";

#[derive(Debug)]
pub struct EngineLock {
    _file: File,
    path: PathBuf,
}

impl EngineLock {
    /// Takes the lock of `data_dir`; `Ok(None)` when another engine holds it.
    pub fn try_acquire(data_dir: &Path) -> Result<Option<EngineLock>> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| RunError::Lock(format!("cannot create {}: {e}", data_dir.display())))?;
        let path = data_dir.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| RunError::Lock(format!("cannot open {}: {e}", path.display())))?;
        match file.try_lock() {
            Ok(()) => {
                let _ = file.set_len(0);
                let _ = writeln!(file, "{}", std::process::id());
                Ok(Some(EngineLock { _file: file, path }))
            }
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(e)) => Err(RunError::Lock(format!(
                "cannot lock {}: {e}",
                path.display()
            ))),
        }
    }

    /// Whether an engine is running on `data_dir` right now.
    pub fn is_held(data_dir: &Path) -> Result<bool> {
        Ok(Self::try_acquire(data_dir)?.is_none())
    }

    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }
}
