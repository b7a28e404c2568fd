//! The loading pipeline: defaults, then the file, then the environment, then validation.
//!
//! Everything is merged as a TOML tree first and deserialized once, so a value from the
//! environment goes through exactly the same type checks and validation as one from the file.

use std::collections::BTreeMap;
use std::path::Path;

use polybot_model::FieldError;
use toml::{Table, Value};

use crate::env::{self, Origins};
use crate::schema::{self, Schema};
use crate::{Config, ConfigError};

/// See [`Config::load`].
pub(crate) fn load(
    path: Option<&Path>,
    vars: &BTreeMap<String, String>,
    secret: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, ConfigError> {
    let schema = Schema::new();
    let mut table = match path {
        Some(p) => {
            let table = read_file(p)?;
            schema::check_no_secrets(&table, p)?;
            schema::check_known_keys(&table, p, &schema)?;
            table
        }
        None => Table::new(),
    };
    let overrides = env::overrides(vars, &schema)?;
    let origins = env::apply(&mut table, overrides)?;
    let mut config = deserialize(table, path, &origins)?;
    // Alert channels' tokens and webhook URLs are secrets: only the environment holds them.
    config.alerts.apply_secret_env(secret);
    config.forecast.apply_secret_env(secret);
    let errors = annotate(config.field_errors(), &origins);
    if errors.is_empty() {
        Ok(config)
    } else {
        Err(ConfigError::Invalid(errors))
    }
}

fn read_file(path: &Path) -> Result<Table, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    toml::from_str::<Table>(&text).map_err(|e| {
        if let Some(key) = schema::secret_key_in_text(&text) {
            return ConfigError::SecretInFile {
                path: path.to_owned(),
                key,
            };
        }
        let (line, column) = e
            .span()
            .map_or((1, 1), |span| line_and_column(&text, span.start));
        // `message()` rather than `Display`: the latter quotes the offending line, which could
        // hold a secret.
        ConfigError::Syntax {
            path: path.to_owned(),
            line,
            column,
            message: e.message().trim().to_owned(),
        }
    })
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

fn deserialize(
    table: Table,
    path: Option<&Path>,
    origins: &Origins,
) -> Result<Config, ConfigError> {
    serde_path_to_error::deserialize::<_, Config>(Value::Table(table)).map_err(|e| {
        let key = e.path().to_string();
        let origin = match (env::origin_of(origins, &key), path) {
            (Some(var), _) => format!("from environment variable {var}"),
            (None, Some(p)) => format!("in {}", p.display()),
            (None, None) => "in the configuration".to_owned(),
        };
        ConfigError::Type {
            message: e.inner().message().trim().to_owned(),
            key,
            origin,
        }
    })
}

/// Adds the environment variable to errors about keys it set, since the file is not where the
/// operator should look for those.
fn annotate(errors: Vec<FieldError>, origins: &Origins) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|mut e| {
            if let Some(var) = origins.get(&e.key) {
                e.reason = format!("{} (set by environment variable {var})", e.reason);
            }
            e
        })
        .collect()
}

/// The `POLYBOT_*` part of the process environment, as [`Config::load`] takes it.
pub(crate) fn process_env() -> Result<BTreeMap<String, String>, ConfigError> {
    let mut vars = BTreeMap::new();
    for (name, value) in std::env::vars_os() {
        let Some(name) = name.to_str() else { continue };
        // Secrets are not copied around: Secrets::load reads them itself.
        if !name.starts_with(env::ENV_PREFIX) || env::NOT_OVERRIDES.contains(&name) {
            continue;
        }
        let value = value
            .into_string()
            .map_err(|_| ConfigError::EnvNotUnicode {
                var: name.to_owned(),
            })?;
        vars.insert(name.to_owned(), value);
    }
    Ok(vars)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based() {
        let text = "a = 1\nbé = x\n";
        assert_eq!(line_and_column(text, 0), (1, 1));
        assert_eq!(line_and_column(text, 6), (2, 1));
        assert_eq!(line_and_column(text, 12), (2, 6));
        assert_eq!(line_and_column(text, 999), (3, 1));
    }
}
