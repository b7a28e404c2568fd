//! One engine per data directory. Two processes writing one ledger would number orders twice;
//! an exclusive file lock (released by the OS when the process dies, even by `kill -9`) makes
//! the second one wait its turn or hand its work to the first (`polybot order place`).

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::{Result, RunError};

pub const LOCK_FILE: &str = "engine.lock";

/// Extra attempts (10 ms apart) at a busy lock before another engine is assumed to hold it.
const PROBE_RETRIES: u32 = 20;

#[derive(Debug)]
pub struct EngineLock {
    _file: File,
    path: PathBuf,
}

impl EngineLock {
    /// Takes the lock of `data_dir`; `Ok(None)` when another engine holds it. A probe by
    /// [`EngineLock::is_held`] holds the lock for an instant, so a busy lock is tried a few
    /// more times before the answer is "held".
    pub fn try_acquire(data_dir: &Path) -> Result<Option<EngineLock>> {
        for _ in 0..PROBE_RETRIES {
            if let Some(lock) = Self::try_acquire_once(data_dir)? {
                return Ok(Some(lock));
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        Self::try_acquire_once(data_dir)
    }

    fn try_acquire_once(data_dir: &Path) -> Result<Option<EngineLock>> {
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

    /// Whether an engine is running on `data_dir` right now. Probes with a shared lock and
    /// writes nothing, so the lock file keeps the running engine's pid.
    pub fn is_held(data_dir: &Path) -> Result<bool> {
        let path = data_dir.join(LOCK_FILE);
        let file = match File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => {
                return Err(RunError::Lock(format!(
                    "cannot open {}: {e}",
                    path.display()
                )));
            }
        };
        match file.try_lock_shared() {
            Ok(()) => Ok(false),
            Err(TryLockError::WouldBlock) => Ok(true),
            Err(TryLockError::Error(e)) => Err(RunError::Lock(format!(
                "cannot lock {}: {e}",
                path.display()
            ))),
        }
    }

    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }
}
