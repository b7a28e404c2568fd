//! [`FieldError`]: a configuration value that failed validation, named by its key.
//!
//! Each crate owns the configuration section it reads and validates it; the section reports
//! the field by its name inside the section, and the configuration loader prefixes the section,
//! so the operator reads `scanning.max_spread = 1.5: must be in [0, 1]`.

use core::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Dotted key, e.g. `max_spread` inside a section or `scanning.max_spread` once prefixed.
    pub key: String,
    /// The offending value as the operator wrote it (never a secret).
    pub value: String,
    pub reason: String,
}

impl FieldError {
    pub fn new(
        key: impl Into<String>,
        value: impl fmt::Display,
        reason: impl Into<String>,
    ) -> Self {
        FieldError {
            key: key.into(),
            value: value.to_string(),
            reason: reason.into(),
        }
    }

    /// The same error with `section.` put in front of its key.
    #[must_use]
    pub fn in_section(mut self, section: &str) -> Self {
        self.key = format!("{section}.{}", self.key);
        self
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} = {}: {}", self.key, self.value, self.reason)
    }
}

impl std::error::Error for FieldError {}
