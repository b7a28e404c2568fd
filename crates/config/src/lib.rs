//! polybot's configuration: one TOML file, `POLYBOT_*` environment overrides, validation that
//! names the key and the bad value, and secrets that never get printed.
//!
//! Each section's struct is owned by the crate that reads it (`[scanning]` by the scanner,
//! `[polymarket]`/`[http]`/`[websocket]` by the connector); this crate only assembles them, so a
//! crate's settings and their validation live next to the code that uses them.
//!
//! Precedence, lowest first: defaults, the file, the environment. Loading fails on the first
//! structural problem (unreadable file, syntax, unknown key, wrong type, unknown `POLYBOT_*`
//! variable, secret in the file) and otherwise reports every invalid value at once.

mod env;
mod error;
mod execution;
mod load;
mod logging;
mod schema;
pub mod secrets;
mod storage;

use std::collections::BTreeMap;
use std::path::Path;

use polybot_alerts::AlertsConfig;
use polybot_forecast::ForecastConfig;
use polybot_model::FieldError;
use polybot_polymarket::{Endpoints, HttpConfig, WsConfig};
use polybot_risk::{RiskConfig, SafetyConfig};
use polybot_scanner::ScanFilters;
use polybot_strategies::{CopyConfig, ForecastTradingConfig};
use polybot_wallets::WalletsConfig;
use serde::{Deserialize, Serialize};

pub use env::{ENV_DATA_DIR, ENV_PREFIX, NOT_OVERRIDES};
pub use error::ConfigError;
pub use execution::{ExecutionConfig, WALLETS};
pub use logging::{LogFormat, LoggingConfig};
pub use schema::{OPTIONAL_KEYS, SECTIONS, is_secret_like};
pub use secrets::{ClobCredentials, Secrets, SecretsConfig, SecretsError};
pub use storage::{DATABASE_FILE, LOG_FILE, StorageConfig};

/// The whole configuration. Contains no secrets, so it is safe to print.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub storage: StorageConfig,
    pub polymarket: Endpoints,
    pub http: HttpConfig,
    pub websocket: WsConfig,
    pub scanning: ScanFilters,
    pub execution: ExecutionConfig,
    pub logging: LoggingConfig,
    pub secrets: SecretsConfig,
    pub risk: RiskConfig,
    pub safety: SafetyConfig,
    pub wallets: WalletsConfig,
    pub copy: CopyConfig,
    pub forecast: ForecastConfig,
    /// Trading on forecasts; `[forecast]` is how they are made.
    pub forecasting: ForecastTradingConfig,
    pub alerts: AlertsConfig,
}

impl Config {
    /// Builds the configuration from defaults, the file at `path` (if any) and the `POLYBOT_*`
    /// entries of `env`, then validates it.
    ///
    /// `env` is a map rather than the process environment so tests never race on global state.
    /// `POLYBOT_CONFIG` is not consulted here: the CLI resolves it into `path`.
    pub fn load(
        path: Option<&Path>,
        env: &BTreeMap<String, String>,
    ) -> Result<Config, ConfigError> {
        load::load(path, env, &|name| env.get(name).cloned())
    }

    /// [`Config::load`] with the process environment.
    pub fn load_from_process_env(path: Option<&Path>) -> Result<Config, ConfigError> {
        // Secrets never travel in the override map: the alert channels read theirs directly.
        load::load(path, &load::process_env()?, &|name| {
            std::env::var(name).ok()
        })
    }

    /// Every invalid value, keyed `section.key`.
    #[must_use]
    pub fn field_errors(&self) -> Vec<FieldError> {
        let results = [
            ("storage", self.storage.validate()),
            ("polymarket", self.polymarket.validate()),
            ("http", self.http.validate()),
            ("websocket", self.websocket.validate()),
            ("scanning", self.scanning.validate()),
            ("execution", self.execution.validate()),
            ("logging", self.logging.validate()),
            ("secrets", self.secrets.validate()),
            ("risk", self.risk.validate()),
            ("safety", self.safety.validate()),
            ("wallets", self.wallets.validate()),
            ("copy", self.copy.validate()),
            ("forecast", as_result(self.forecast.validate())),
            ("forecasting", as_result(self.forecasting_errors())),
            ("alerts", self.alerts.validate()),
        ];
        results
            .into_iter()
            .flat_map(|(section, result)| {
                result
                    .err()
                    .unwrap_or_default()
                    .into_iter()
                    .map(move |e| e.in_section(section))
            })
            .collect()
    }

    /// `[forecasting]`'s own checks, and that its sub-ledger is not copy trading's: two
    /// strategies on one account would size from and report one bankroll as if it were two.
    fn forecasting_errors(&self) -> Vec<FieldError> {
        let mut errors = self.forecasting.validate();
        if self.forecasting.enabled
            && self.copy.enabled
            && self.forecasting.account == self.copy.account
        {
            errors.push(FieldError::new(
                "account",
                format!("{:?}", self.forecasting.account),
                "must differ from copy.account",
            ));
        }
        errors
    }

    /// For configurations built in code; [`Config::load`] already validates.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let errors = self.field_errors();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ConfigError::Invalid(errors))
        }
    }
}

fn as_result(errors: Vec<FieldError>) -> Result<(), Vec<FieldError>> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        assert!(Config::default().validate().is_ok());
    }

    #[test]
    fn all_errors_are_reported_with_their_section() {
        let mut c = Config::default();
        c.http.timeout_ms = 0;
        c.scanning.max_spread = 1.5;
        c.logging.level = String::new();
        let keys: Vec<String> = c.field_errors().into_iter().map(|e| e.key).collect();
        assert_eq!(
            keys,
            ["http.timeout_ms", "scanning.max_spread", "logging.level"]
        );
    }

    #[test]
    fn forecasting_errors_name_their_key() {
        let mut c = Config::default();
        c.forecasting.max_forecast_age_minutes = 0;
        c.forecasting.min_edge = 2.0;
        let keys: Vec<String> = c.field_errors().into_iter().map(|e| e.key).collect();
        assert_eq!(
            keys,
            [
                "forecasting.max_forecast_age_minutes",
                "forecasting.min_edge"
            ]
        );
        let mut shared = Config::default();
        shared.copy.enabled = true;
        shared.forecasting.enabled = true;
        shared.forecasting.account = shared.copy.account.clone();
        let keys: Vec<String> = shared.field_errors().into_iter().map(|e| e.key).collect();
        assert_eq!(keys, ["forecasting.account"]);
        let env = BTreeMap::from([(
            "POLYBOT_FORECASTING_TRADE_OFFLINE".to_owned(),
            "true".to_owned(),
        )]);
        assert!(Config::load(None, &env).unwrap().forecasting.trade_offline);
    }
}
