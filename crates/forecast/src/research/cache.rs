//! The research cache: search answers and fetched pages reused for a TTL, so re-researching a
//! market within the hour neither spends search credits nor hits the publishers again.
//!
//! Entries live in memory and, when a directory is given, on disk as one JSON file per entry,
//! named by the SHA-256 of the key (keys hold query text and URLs, which are neither safe nor
//! short file names). A file holds its key too, so a hash collision reads as a miss. Corrupt or
//! expired entries are misses and get overwritten; no cache problem ever fails a research run.
//! Files are small (a page is stored as its extracted text), so they are read and written
//! synchronously.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::config::ResearchConfig;
use super::error::ResearchError;

/// Milliseconds since the epoch; injectable so tests can expire entries without sleeping.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// The wall clock.
#[must_use]
pub fn system_clock() -> Clock {
    Arc::new(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    })
}

/// One stored value, as written to disk.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    key: String,
    stored_ms: i64,
    value: Value,
}

/// A cached value and when it was stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Cached<T> {
    pub value: T,
    pub stored_ms: i64,
}

/// Search answers and pages, each reused until its TTL passes.
pub struct ResearchCache {
    dir: Option<PathBuf>,
    memory: Mutex<HashMap<String, Entry>>,
    clock: Clock,
    /// Makes temporary file names unique within the process.
    writes: AtomicU64,
}

impl std::fmt::Debug for ResearchCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResearchCache")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl ResearchCache {
    /// A cache that lives as long as the process.
    #[must_use]
    pub fn in_memory() -> Self {
        ResearchCache {
            dir: None,
            memory: Mutex::new(HashMap::new()),
            clock: system_clock(),
            writes: AtomicU64::new(0),
        }
    }

    /// A cache persisted under `dir` (created if missing).
    pub fn on_disk(dir: impl Into<PathBuf>) -> Result<Self, ResearchError> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)
            .map_err(|e| ResearchError::Cache(format!("create {}: {e}", dir.display())))?;
        Ok(ResearchCache {
            dir: Some(dir),
            ..ResearchCache::in_memory()
        })
    }

    /// The cache `cfg` asks for: `cache_dir`, or `<data_dir>/cache/research` when it is empty.
    pub fn for_config(cfg: &ResearchConfig, data_dir: &Path) -> Result<Self, ResearchError> {
        let dir = if cfg.cache_dir.trim().is_empty() {
            data_dir.join("cache").join("research")
        } else {
            PathBuf::from(cfg.cache_dir.trim())
        };
        ResearchCache::on_disk(dir)
    }

    /// The same cache reading time from `clock`.
    #[must_use]
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    #[must_use]
    pub fn now_ms(&self) -> i64 {
        (self.clock)()
    }

    /// The value stored under `key` less than `ttl_secs` ago, if any.
    pub fn get<T: DeserializeOwned>(&self, key: &str, ttl_secs: u64) -> Option<Cached<T>> {
        let entry = self.memory_entry(key).or_else(|| self.disk_entry(key))?;
        let ttl_ms = i64::try_from(ttl_secs.saturating_mul(1_000)).unwrap_or(i64::MAX);
        if self.now_ms().saturating_sub(entry.stored_ms) >= ttl_ms {
            return None;
        }
        match serde_json::from_value(entry.value) {
            Ok(value) => Some(Cached {
                value,
                stored_ms: entry.stored_ms,
            }),
            Err(e) => {
                tracing::warn!(key, error = %e, "research cache entry of the wrong shape; ignored");
                None
            }
        }
    }

    /// Stores `value` under `key` as of now, replacing any older entry. A disk failure is
    /// returned but the memory copy is kept, so the value is still reused in this process.
    pub fn put<T: Serialize>(&self, key: &str, value: &T) -> Result<(), ResearchError> {
        self.put_at(key, value, self.now_ms())
    }

    /// [`put`](Self::put) with an explicit store time (a page keeps its download time).
    pub fn put_at<T: Serialize>(
        &self,
        key: &str,
        value: &T,
        stored_ms: i64,
    ) -> Result<(), ResearchError> {
        let value = serde_json::to_value(value)
            .map_err(|e| ResearchError::Cache(format!("serialize {key}: {e}")))?;
        let entry = Entry {
            key: key.to_owned(),
            stored_ms,
            value,
        };
        if let Ok(mut memory) = self.memory.lock() {
            memory.insert(key.to_owned(), entry.clone());
        }
        match &self.dir {
            Some(dir) => self.write_file(dir, &entry),
            None => Ok(()),
        }
    }

    /// The file an entry for `key` lives in, when the cache is on disk.
    #[must_use]
    pub fn path_of(&self, key: &str) -> Option<PathBuf> {
        self.dir
            .as_ref()
            .map(|d| d.join(format!("{}.json", hash_hex(key))))
    }

    fn memory_entry(&self, key: &str) -> Option<Entry> {
        self.memory.lock().ok()?.get(key).cloned()
    }

    fn disk_entry(&self, key: &str) -> Option<Entry> {
        let path = self.path_of(key)?;
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "research cache unreadable; ignored");
                return None;
            }
        };
        match serde_json::from_slice::<Entry>(&bytes) {
            Ok(entry) if entry.key == key => Some(entry),
            Ok(_) => None,
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "research cache file corrupt; ignored");
                None
            }
        }
    }

    /// Writes to a temporary file and renames it, so a reader never sees half an entry.
    fn write_file(&self, dir: &Path, entry: &Entry) -> Result<(), ResearchError> {
        let name = hash_hex(&entry.key);
        let n = self.writes.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!("{name}.json.{}-{n}.tmp", std::process::id()));
        let path = dir.join(format!("{name}.json"));
        let bytes = serde_json::to_vec(entry)
            .map_err(|e| ResearchError::Cache(format!("serialize {}: {e}", entry.key)))?;
        let result = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, &path));
        result.map_err(|e| {
            // Best effort: the temporary file may not exist if the write itself failed.
            let _ = std::fs::remove_file(&tmp);
            ResearchError::Cache(format!("write {}: {e}", path.display()))
        })
    }
}

/// The key of a search answer: provider, result count and the query text.
#[must_use]
pub fn search_key(provider: &str, query_text: &str, max_results: usize) -> String {
    format!("search\n{provider}\n{max_results}\n{query_text}")
}

/// The key of a fetched page: its URL as found (before any mirror rewrite).
#[must_use]
pub fn page_key(url: &str) -> String {
    format!("page\n{url}")
}

fn hash_hex(key: &str) -> String {
    Sha256::digest(key.as_bytes())
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicI64;

    fn clocked(dir: &Path) -> (ResearchCache, Arc<AtomicI64>) {
        let now = Arc::new(AtomicI64::new(1_000_000));
        let t = Arc::clone(&now);
        let cache = ResearchCache::on_disk(dir)
            .unwrap()
            .with_clock(Arc::new(move || t.load(Ordering::SeqCst)));
        (cache, now)
    }

    #[test]
    fn entries_expire_and_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let (cache, now) = clocked(dir.path());
        cache.put("k", &vec![1, 2, 3]).unwrap();
        let hit: Cached<Vec<i32>> = cache.get("k", 10).unwrap();
        assert_eq!((hit.value, hit.stored_ms), (vec![1, 2, 3], 1_000_000));
        let (reopened, now2) = clocked(dir.path());
        now2.store(1_009_999, Ordering::SeqCst);
        assert!(reopened.get::<Vec<i32>>("k", 10).is_some());
        now.store(1_010_000, Ordering::SeqCst);
        assert!(cache.get::<Vec<i32>>("k", 10).is_none());
        assert!(cache.get::<Vec<i32>>("other", 10).is_none());
    }

    #[test]
    fn corrupt_or_foreign_files_are_misses() {
        let dir = tempfile::tempdir().unwrap();
        let (cache, _) = clocked(dir.path());
        let path = cache.path_of("k").unwrap();
        std::fs::write(&path, b"{not json").unwrap();
        assert!(cache.get::<i32>("k", 60).is_none());
        let foreign = r#"{"key":"other","stored_ms":1000000,"value":5}"#;
        std::fs::write(&path, foreign).unwrap();
        assert!(cache.get::<i32>("k", 60).is_none());
        cache.put("k", &7).unwrap();
        assert_eq!(cache.get::<i32>("k", 60).unwrap().value, 7);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }
}
