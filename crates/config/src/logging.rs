//! `[logging]`: how much to log, in which format, and whether to keep a log file.

use polybot_model::FieldError;
use serde::{Deserialize, Serialize};

/// Level names `tracing`'s `EnvFilter` understands on their own or after `target=`.
const LEVELS: [&str; 6] = ["trace", "debug", "info", "warn", "error", "off"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoggingConfig {
    /// A level (`info`) or an `EnvFilter` directive string (`info,polybot_scanner=debug`).
    pub level: String,
    pub format: LogFormat,
    /// Also write to `<data_dir>/logs/polybot.log`, for unattended runs.
    pub file: bool,
}

impl Default for LoggingConfig {
    fn default() -> Self {
        LoggingConfig {
            level: "info".into(),
            format: LogFormat::Text,
            file: false,
        }
    }
}

/// `text` for people at a terminal, `json` for log shippers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

impl LoggingConfig {
    /// Catches the mistakes `EnvFilter` would otherwise only report at start-up (or silently
    /// ignore): empty directives, whitespace and unknown level names after `=`.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        match check_directives(&self.level) {
            Ok(()) => Ok(()),
            Err(reason) => Err(vec![FieldError::new(
                "level",
                format!("{:?}", self.level),
                reason,
            )]),
        }
    }
}

fn check_directives(level: &str) -> Result<(), String> {
    if level.is_empty() {
        return Err("must not be empty (e.g. \"info\")".into());
    }
    if level.contains(char::is_whitespace) {
        return Err("must not contain whitespace (separate directives with commas)".into());
    }
    for directive in level.split(',') {
        if directive.is_empty() {
            return Err("has an empty directive (two commas in a row?)".into());
        }
        // Span filters (`target[span{field=x}]=level`) are left to EnvFilter itself.
        if directive.contains('[') {
            continue;
        }
        if let Some((target, lvl)) = directive.rsplit_once('=') {
            if target.is_empty() {
                return Err(format!("directive `{directive}` has no target before `=`"));
            }
            if !LEVELS.contains(&lvl.to_ascii_lowercase().as_str()) {
                return Err(format!(
                    "directive `{directive}`: unknown level `{lvl}`; expected one of {}",
                    LEVELS.join(", ")
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(l: &str) -> Result<(), Vec<FieldError>> {
        LoggingConfig {
            level: l.into(),
            ..LoggingConfig::default()
        }
        .validate()
    }

    #[test]
    fn accepts_levels_and_directives() {
        for ok in [
            "info",
            "DEBUG",
            "warn,polybot_scanner=debug",
            "polybot=trace",
            "polybot_polymarket",
            "info,polybot[order{id=1}]=trace",
        ] {
            assert!(level(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_bad_levels_naming_the_key() {
        for bad in ["", "info, debug", "info,,debug", "polybot=loud", "=debug"] {
            let e = level(bad).unwrap_err();
            assert_eq!(e[0].key, "level", "{bad}");
        }
    }
}
