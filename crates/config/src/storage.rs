//! `[storage]`: where polybot keeps its state.
//!
//! Everything the bot writes (database, journal, logs) lives under one `data_dir`, so backing up,
//! moving or wiping a bot's state is one directory operation.

use std::path::PathBuf;

use polybot_model::FieldError;
use serde::{Deserialize, Serialize};

/// File name of the default SQLite database inside `data_dir`.
pub const DATABASE_FILE: &str = "polybot.db";
/// File name of the log file inside [`StorageConfig::logs_dir`].
pub const LOG_FILE: &str = "polybot.log";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageConfig {
    /// Root of all state; relative paths are relative to the working directory.
    pub data_dir: PathBuf,
    /// Empty means the SQLite file `<data_dir>/polybot.db`; a `sqlite:` URL overrides it.
    pub database_url: String,
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            data_dir: PathBuf::from("./polybot-data"),
            database_url: String::new(),
        }
    }
}

impl StorageConfig {
    /// Checks every field; keys are relative to the section.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.data_dir.as_os_str().is_empty() {
            errors.push(FieldError::new("data_dir", "\"\"", "must not be empty"));
        }
        if let Err(reason) = check_database_url(&self.database_url) {
            errors.push(FieldError::new(
                "database_url",
                redact_url_credentials(&self.database_url),
                reason,
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The SQLite database file, or `None` for an in-memory database (`sqlite::memory:`).
    #[must_use]
    pub fn database_path(&self) -> Option<PathBuf> {
        if self.database_url.is_empty() {
            return Some(self.data_dir.join(DATABASE_FILE));
        }
        let rest = sqlite_rest(&self.database_url)?;
        if rest == ":memory:" {
            return None;
        }
        let path = rest.split('?').next().unwrap_or(rest);
        Some(PathBuf::from(path))
    }

    /// The URL to hand to the SQLite driver. Open options such as `?mode=rwc` are left to the
    /// store so they stay in one place.
    #[must_use]
    pub fn sqlite_url(&self) -> String {
        if self.database_url.is_empty() {
            format!(
                "sqlite://{}",
                self.data_dir.join(DATABASE_FILE).to_string_lossy()
            )
        } else {
            self.database_url.clone()
        }
    }

    #[must_use]
    pub fn logs_dir(&self) -> PathBuf {
        self.data_dir.join("logs")
    }

    /// Where `[logging] file = true` writes.
    #[must_use]
    pub fn log_file(&self) -> PathBuf {
        self.logs_dir().join(LOG_FILE)
    }

    #[must_use]
    pub fn journal_dir(&self) -> PathBuf {
        self.data_dir.join("journal")
    }
}

/// What follows the `sqlite:` scheme (with or without `//`), if the URL is a SQLite URL.
fn sqlite_rest(url: &str) -> Option<&str> {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
}

fn check_database_url(url: &str) -> Result<(), String> {
    if url.is_empty() {
        return Ok(());
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Err(
            "PostgreSQL support is not built yet; leave database_url empty \
                    (SQLite under data_dir) or use a sqlite:// URL"
                .into(),
        );
    }
    match sqlite_rest(url) {
        Some(rest) if !rest.is_empty() && !rest.starts_with('?') => Ok(()),
        Some(_) => Err("a sqlite:// URL needs a file path (or :memory:)".into()),
        None => Err("must be empty (SQLite file under data_dir) or a sqlite:// URL".into()),
    }
}

/// Hides `user:password@` so a rejected database URL can be shown without leaking a password.
fn redact_url_credentials(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://[redacted]@{}", &rest[at + 1..]),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_url(url: &str) -> StorageConfig {
        StorageConfig {
            database_url: url.into(),
            ..StorageConfig::default()
        }
    }

    #[test]
    fn default_database_lives_under_data_dir() {
        let s = StorageConfig::default();
        assert!(s.validate().is_ok());
        assert_eq!(
            s.database_path(),
            Some(PathBuf::from("./polybot-data/polybot.db"))
        );
        assert_eq!(s.sqlite_url(), "sqlite://./polybot-data/polybot.db");
        assert_eq!(s.logs_dir(), PathBuf::from("./polybot-data/logs"));
        assert_eq!(
            s.log_file(),
            PathBuf::from("./polybot-data/logs/polybot.log")
        );
        assert_eq!(s.journal_dir(), PathBuf::from("./polybot-data/journal"));
    }

    #[test]
    fn sqlite_urls_are_accepted() {
        let s = with_url("sqlite:///var/lib/polybot/x.db?mode=rwc");
        assert!(s.validate().is_ok());
        assert_eq!(
            s.database_path(),
            Some(PathBuf::from("/var/lib/polybot/x.db"))
        );
        assert_eq!(s.sqlite_url(), "sqlite:///var/lib/polybot/x.db?mode=rwc");
        let m = with_url("sqlite::memory:");
        assert!(m.validate().is_ok());
        assert_eq!(m.database_path(), None);
    }

    #[test]
    fn postgres_is_rejected_without_echoing_the_password() {
        let e = with_url("postgres://bot:hunter2@db:5432/polybot")
            .validate()
            .unwrap_err();
        assert_eq!(e[0].key, "database_url");
        assert!(e[0].reason.contains("PostgreSQL support is not built yet"));
        assert!(!e[0].to_string().contains("hunter2"));
        assert_eq!(e[0].value, "postgres://[redacted]@db:5432/polybot");
    }

    #[test]
    fn other_values_are_rejected() {
        for url in ["mysql://x/y", "sqlite://", "polybot.db"] {
            let e = with_url(url).validate().unwrap_err();
            assert_eq!(e[0].key, "database_url", "{url}");
        }
        let e = StorageConfig {
            data_dir: PathBuf::new(),
            ..StorageConfig::default()
        }
        .validate()
        .unwrap_err();
        assert_eq!(e[0].key, "data_dir");
    }
}
