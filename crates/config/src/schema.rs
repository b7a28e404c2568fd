//! The set of known sections and keys, derived from [`Config::default`] so it can never drift
//! from the structs, plus the checks that run on the raw TOML tree before deserializing: no
//! secrets in the file, no unknown keys.

use std::collections::BTreeMap;
use std::path::Path;

use toml::{Table, Value};

use crate::{Config, ConfigError};

/// The configuration sections, in file order. Section names contain no `_`, which is what makes
/// `POLYBOT_<SECTION>_<KEY>` unambiguous.
pub const SECTIONS: [&str; 15] = [
    "storage",
    "polymarket",
    "http",
    "websocket",
    "scanning",
    "execution",
    "logging",
    "secrets",
    "risk",
    "safety",
    "wallets",
    "copy",
    "forecast",
    "forecasting",
    "alerts",
];

/// Keys whose default is `None`, which TOML cannot represent, so the serialized defaults lack
/// them. Each is a path, so it is text.
pub const OPTIONAL_KEYS: [(&str, &str); 2] =
    [("secrets", "keystore_path"), ("wallets", "rtds_url")];

/// How an environment override's text becomes a TOML value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyKind {
    /// Taken verbatim: a URL or a path must never be reinterpreted as a number.
    Text,
    /// Must be written as a TOML array (`["A","B"]`).
    Array,
    /// Numbers and booleans: parsed as TOML when possible.
    Scalar,
}

/// Known keys per section.
pub(crate) struct Schema {
    sections: BTreeMap<&'static str, BTreeMap<String, KeyKind>>,
}

impl Schema {
    pub(crate) fn new() -> Self {
        let defaults = defaults_table();
        let mut sections = BTreeMap::new();
        for name in SECTIONS {
            let mut keys = BTreeMap::new();
            if let Some(Value::Table(t)) = defaults.get(name) {
                for (key, value) in t {
                    keys.insert(key.clone(), kind_of(value));
                }
            }
            for (section, key) in OPTIONAL_KEYS {
                if section == name {
                    keys.insert(key.to_owned(), KeyKind::Text);
                }
            }
            sections.insert(name, keys);
        }
        Schema { sections }
    }

    /// The canonical `&'static` section name, if `name` is one.
    pub(crate) fn section(&self, name: &str) -> Option<&'static str> {
        self.sections.keys().copied().find(|s| *s == name)
    }

    pub(crate) fn key_kind(&self, section: &str, key: &str) -> Option<KeyKind> {
        self.sections.get(section)?.get(key).copied()
    }

    pub(crate) fn keys(&self, section: &str) -> Vec<&str> {
        self.sections
            .get(section)
            .map(|k| k.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }
}

fn kind_of(value: &Value) -> KeyKind {
    match value {
        Value::String(_) => KeyKind::Text,
        Value::Array(_) => KeyKind::Array,
        _ => KeyKind::Scalar,
    }
}

/// `Config::default()` as a TOML tree. Serializing plain structs of numbers, strings and lists
/// cannot fail; if it ever did, every key would be reported unknown and the tests would catch it.
pub(crate) fn defaults_table() -> Table {
    match Value::try_from(Config::default()) {
        Ok(Value::Table(t)) => t,
        _ => Table::new(),
    }
}

/// Whether a key name looks like it holds a secret. Deliberately broad: a false positive costs
/// a rename, a false negative leaks a key into a file that gets shared.
#[must_use]
pub fn is_secret_like(key: &str) -> bool {
    let k = key.trim().to_ascii_lowercase().replace('-', "_");
    // `api_key_env` names the variable that holds a key; it is not a key.
    if k.ends_with("_env") {
        return false;
    }
    const FRAGMENTS: [&str; 11] = [
        "private_key",
        "privatekey",
        "passphrase",
        "password",
        "mnemonic",
        "seed_phrase",
        "api_secret",
        "apisecret",
        "api_key",
        "bot_token",
        "webhook_url",
    ];
    FRAGMENTS.iter().any(|f| k.contains(f))
        || k == "secret"
        || k.ends_with("_secret")
        || k == "apikey"
}

/// Rejects the first secret-looking key anywhere in the tree, by dotted name only.
pub(crate) fn check_no_secrets(table: &Table, path: &Path) -> Result<(), ConfigError> {
    match find_secret_key(table, "") {
        Some(key) => Err(ConfigError::SecretInFile {
            path: path.to_owned(),
            key,
        }),
        None => Ok(()),
    }
}

fn find_secret_key(table: &Table, prefix: &str) -> Option<String> {
    for (key, value) in table {
        let dotted = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        if is_secret_like(key) {
            return Some(dotted);
        }
        let found = match value {
            Value::Table(t) => find_secret_key(t, &dotted),
            Value::Array(items) => items.iter().find_map(|v| match v {
                Value::Table(t) => find_secret_key(t, &dotted),
                _ => None,
            }),
            _ => None,
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

/// A file that does not parse can still hold a secret; this finds secret-looking key names line
/// by line so the syntax error is not the only (and less urgent) thing the operator hears about.
pub(crate) fn secret_key_in_text(text: &str) -> Option<String> {
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let name = if let Some(header) = line.strip_prefix('[') {
            header.split(']').next().unwrap_or("")
        } else if let Some((lhs, _)) = line.split_once('=') {
            lhs
        } else {
            continue;
        };
        let name = name.trim_matches(|c: char| c == '[' || c.is_whitespace());
        let cleaned: String = name.chars().filter(|c| *c != '"' && *c != '\'').collect();
        if cleaned.split('.').any(is_secret_like) {
            return Some(cleaned.trim().to_owned());
        }
    }
    None
}

/// Names the first unknown section or key, with the keys that would have been accepted.
pub(crate) fn check_known_keys(
    table: &Table,
    path: &Path,
    schema: &Schema,
) -> Result<(), ConfigError> {
    for (name, value) in table {
        let Some(section) = schema.section(name) else {
            return Err(ConfigError::UnknownKey {
                key: name.clone(),
                path: path.to_owned(),
                expected: format!("sections are: {}", SECTIONS.join(", ")),
            });
        };
        // A section that is not a table is a type error, reported by deserialization.
        let Value::Table(keys) = value else { continue };
        if let Some(key) = keys.keys().find(|k| schema.key_kind(section, k).is_none()) {
            return Err(ConfigError::UnknownKey {
                key: format!("{section}.{key}"),
                path: path.to_owned(),
                expected: format!("[{section}] accepts: {}", schema.keys(section).join(", ")),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_section_has_keys() {
        let schema = Schema::new();
        for s in SECTIONS {
            assert!(!schema.keys(s).is_empty(), "{s}");
            assert!(!s.contains('_'), "{s}");
        }
        assert_eq!(
            schema.key_kind("polymarket", "clob_url"),
            Some(KeyKind::Text)
        );
        assert_eq!(
            schema.key_kind("scanning", "include_categories"),
            Some(KeyKind::Array)
        );
        assert_eq!(
            schema.key_kind("scanning", "max_spread"),
            Some(KeyKind::Scalar)
        );
        assert_eq!(
            schema.key_kind("secrets", "keystore_path"),
            Some(KeyKind::Text)
        );
    }

    #[test]
    fn defaults_cover_exactly_the_sections() {
        let keys: Vec<String> = defaults_table().keys().cloned().collect();
        let mut expected: Vec<String> = SECTIONS.iter().map(|s| (*s).to_owned()).collect();
        expected.sort();
        assert_eq!(keys, expected);
    }

    #[test]
    fn no_real_key_looks_like_a_secret() {
        let schema = Schema::new();
        for section in SECTIONS {
            assert!(!is_secret_like(section), "{section}");
            for key in schema.keys(section) {
                assert!(!is_secret_like(key), "{section}.{key}");
            }
        }
    }

    #[test]
    fn secret_like_names() {
        for k in [
            "private_key",
            "PRIVATE-KEY",
            "wallet_private_key",
            "api_secret",
            "clob_api_secret",
            "passphrase",
            "api_passphrase",
            "secret",
            "password",
            "api_key",
        ] {
            assert!(is_secret_like(k), "{k}");
        }
        for k in [
            "secrets",
            "keystore_path",
            "data_dir",
            "max_spread",
            "clob_url",
        ] {
            assert!(!is_secret_like(k), "{k}");
        }
    }

    #[test]
    fn secret_keys_found_in_unparseable_text() {
        let text = "[secrets]\nprivate_key = 0xdeadbeef\n";
        assert_eq!(secret_key_in_text(text).as_deref(), Some("private_key"));
        let text = "[polymarket.\"api_secret\"]\n";
        assert_eq!(
            secret_key_in_text(text).as_deref(),
            Some("polymarket.api_secret")
        );
        assert_eq!(secret_key_in_text("# private_key = x\nfoo = ["), None);
    }
}
