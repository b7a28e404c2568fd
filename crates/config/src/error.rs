//! [`ConfigError`]: everything that can go wrong while building a [`Config`](crate::Config).
//!
//! Every variant names what the operator has to fix (the file, the dotted key, the environment
//! variable) so a bad configuration never needs a debugger. No variant ever carries the value of
//! a secret: keys that look like secrets are reported by name only.

use std::fmt;
use std::path::PathBuf;

use polybot_model::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file was named explicitly, so failing to read it must not fall back to defaults.
    #[error("cannot read config file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// Reported with line and column but without the offending line, which could hold a secret.
    #[error("{}:{line}:{column}: TOML syntax error: {message}", path.display())]
    Syntax {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },

    /// A value of the wrong type; `origin` says whether it came from the file or the environment.
    #[error("{key}: {message} ({origin})")]
    Type {
        key: String,
        message: String,
        origin: String,
    },

    /// A misspelt key would otherwise be silently ignored and its default used.
    #[error("unknown key `{key}` in {}; {expected}", path.display())]
    UnknownKey {
        key: String,
        path: PathBuf,
        expected: String,
    },

    /// Every value that failed validation, all at once so one edit fixes them all.
    #[error("invalid configuration:\n{}", Lines(.0))]
    Invalid(Vec<FieldError>),

    /// A `POLYBOT_*` variable that maps to no key is almost always a typo.
    #[error("environment variable {var}: {reason}")]
    UnknownEnvVar { var: String, reason: String },

    /// An override whose text cannot become the key's type.
    #[error("environment variable {var} (sets {key}): {reason}")]
    EnvValue {
        var: String,
        key: String,
        reason: String,
    },

    /// Two variables set the same key; picking one silently would hide a mistake.
    #[error("environment variables {first} and {second} both set {key}; unset one of them")]
    EnvConflict {
        first: String,
        second: String,
        key: String,
    },

    #[error("environment variable {var} is not valid UTF-8")]
    EnvNotUnicode { var: String },

    /// Secrets belong in the environment or the keystore, never in a file that gets copied,
    /// committed and shared.
    #[error(
        "{}: key `{key}` looks like a secret; config files must not hold secrets. \
         Remove it and use the environment instead (POLYBOT_PRIVATE_KEY or \
         secrets.keystore_path + POLYBOT_KEYSTORE_PASSWORD, POLYBOT_CLOB_API_KEY / \
         POLYBOT_CLOB_API_SECRET / POLYBOT_CLOB_API_PASSPHRASE)",
        path.display()
    )]
    SecretInFile { path: PathBuf, key: String },
}

/// Formats field errors one per line, indented under the header.
struct Lines<'a>(&'a [FieldError]);

impl fmt::Display for Lines<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "  {e}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_lists_one_error_per_line() {
        let e = ConfigError::Invalid(vec![
            FieldError::new("http.timeout_ms", 0, "must be in [1, 300000]"),
            FieldError::new("scanning.max_spread", 1.5, "must be in [0, 1]"),
        ]);
        assert_eq!(
            e.to_string(),
            "invalid configuration:\n  http.timeout_ms = 0: must be in [1, 300000]\n  \
             scanning.max_spread = 1.5: must be in [0, 1]"
        );
    }
}
