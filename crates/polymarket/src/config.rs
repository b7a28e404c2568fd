//! The connector's configuration sections: `[polymarket]` endpoints, `[http]` resilience and
//! `[websocket]` streaming. Defaults point at the real Polymarket; `config/fake.toml` points them
//! at a local `polybot fakex`.

use polybot_model::FieldError;
use serde::{Deserialize, Serialize};

/// `[polymarket]`: where each Polymarket service lives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Endpoints {
    /// CLOB REST base URL.
    pub clob_url: String,
    /// CLOB WebSocket base URL (`/ws/market` and `/ws/user` are appended).
    pub ws_url: String,
    /// Gamma (market discovery) base URL.
    pub gamma_url: String,
    /// Data API (wallets, trades, positions) base URL.
    pub data_url: String,
    /// Polygon mainnet 137, Amoy testnet 80002.
    pub chain_id: u64,
}

impl Default for Endpoints {
    fn default() -> Self {
        Endpoints {
            clob_url: "https://clob-v2.polymarket.com".into(),
            ws_url: "wss://ws-subscriptions-clob.polymarket.com".into(),
            gamma_url: "https://gamma-api.polymarket.com".into(),
            data_url: "https://data-api.polymarket.com".into(),
            chain_id: 137,
        }
    }
}

impl Endpoints {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        for (key, url, schemes) in [
            ("clob_url", &self.clob_url, ["http://", "https://"]),
            ("gamma_url", &self.gamma_url, ["http://", "https://"]),
            ("data_url", &self.data_url, ["http://", "https://"]),
            ("ws_url", &self.ws_url, ["ws://", "wss://"]),
        ] {
            let host_part = schemes.iter().find_map(|s| url.strip_prefix(s));
            match host_part {
                Some(rest) if !rest.is_empty() && !rest.contains(char::is_whitespace) => {}
                _ => errors.push(FieldError::new(
                    key,
                    url,
                    format!(
                        "must be a URL starting with {} or {}",
                        schemes[0], schemes[1]
                    ),
                )),
            }
        }
        if self.chain_id != 137 && self.chain_id != 80002 {
            errors.push(FieldError::new(
                "chain_id",
                self.chain_id,
                "must be 137 (Polygon) or 80002 (Amoy)",
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// True when every endpoint is on the loopback interface (a local fake exchange).
    #[must_use]
    pub fn all_loopback(&self) -> bool {
        [
            &self.clob_url,
            &self.ws_url,
            &self.gamma_url,
            &self.data_url,
        ]
        .iter()
        .all(|u| is_loopback_url(u))
    }
}

/// Whether `url`'s host is 127.0.0.0/8, `localhost` or `[::1]`.
#[must_use]
pub fn is_loopback_url(url: &str) -> bool {
    let Some((_, rest)) = url.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        authority.rsplit_once(':').map_or(authority, |(h, _)| h)
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `[http]`: every REST call has a timeout, transient failures are retried with jittered
/// exponential backoff, and each endpoint family is rate limited below Polymarket's limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpConfig {
    /// Per-attempt timeout, milliseconds.
    pub timeout_ms: u64,
    /// Retries after the first attempt for 429, 425, 5xx and timeouts.
    pub max_retries: u32,
    /// First backoff delay, milliseconds (doubles each retry, with full jitter).
    pub backoff_initial_ms: u64,
    /// Longest backoff delay, milliseconds (a longer Retry-After is honoured up to 60 s).
    pub backoff_max_ms: u64,
    /// Fraction of Polymarket's published per-endpoint rate limits to run at, in (0, 1].
    pub rate_limit_fraction: f64,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            timeout_ms: 10_000,
            max_retries: 4,
            backoff_initial_ms: 250,
            backoff_max_ms: 10_000,
            rate_limit_fraction: 0.5,
        }
    }
}

impl HttpConfig {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if !(1..=300_000).contains(&self.timeout_ms) {
            errors.push(FieldError::new(
                "timeout_ms",
                self.timeout_ms,
                "must be in [1, 300000]",
            ));
        }
        if self.max_retries > 20 {
            errors.push(FieldError::new(
                "max_retries",
                self.max_retries,
                "must be at most 20",
            ));
        }
        if self.backoff_initial_ms == 0 {
            errors.push(FieldError::new(
                "backoff_initial_ms",
                self.backoff_initial_ms,
                "must be at least 1",
            ));
        }
        if self.backoff_max_ms < self.backoff_initial_ms {
            errors.push(FieldError::new(
                "backoff_max_ms",
                self.backoff_max_ms,
                "must be >= backoff_initial_ms",
            ));
        }
        if !(self.rate_limit_fraction.is_finite()
            && self.rate_limit_fraction > 0.0
            && self.rate_limit_fraction <= 1.0)
        {
            errors.push(FieldError::new(
                "rate_limit_fraction",
                self.rate_limit_fraction,
                "must be in (0, 1]",
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// `[websocket]`: the CLOB market stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WsConfig {
    /// Tokens per connection; more are sharded over several connections.
    pub max_assets_per_connection: usize,
    /// A connection that delivers nothing for this long (ms) is treated as dead and replaced.
    pub stall_timeout_ms: u64,
    /// PING interval (ms); the venue answers PONG.
    pub ping_interval_ms: u64,
    /// First reconnect delay (ms), doubled per failed attempt with jitter.
    pub reconnect_initial_ms: u64,
    /// Longest reconnect delay (ms).
    pub reconnect_max_ms: u64,
}

impl Default for WsConfig {
    fn default() -> Self {
        WsConfig {
            max_assets_per_connection: 200,
            stall_timeout_ms: 30_000,
            ping_interval_ms: 5_000,
            reconnect_initial_ms: 500,
            reconnect_max_ms: 30_000,
        }
    }
}

impl WsConfig {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if !(1..=500).contains(&self.max_assets_per_connection) {
            errors.push(FieldError::new(
                "max_assets_per_connection",
                self.max_assets_per_connection,
                "must be in [1, 500] (past 500 the venue sends no snapshots)",
            ));
        }
        if self.stall_timeout_ms < 100 {
            errors.push(FieldError::new(
                "stall_timeout_ms",
                self.stall_timeout_ms,
                "must be at least 100",
            ));
        }
        if self.ping_interval_ms < 100 {
            errors.push(FieldError::new(
                "ping_interval_ms",
                self.ping_interval_ms,
                "must be at least 100",
            ));
        }
        if self.reconnect_initial_ms == 0 {
            errors.push(FieldError::new(
                "reconnect_initial_ms",
                self.reconnect_initial_ms,
                "must be at least 1",
            ));
        }
        if self.reconnect_max_ms < self.reconnect_initial_ms {
            errors.push(FieldError::new(
                "reconnect_max_ms",
                self.reconnect_max_ms,
                "must be >= reconnect_initial_ms",
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        assert!(Endpoints::default().validate().is_ok());
        assert!(HttpConfig::default().validate().is_ok());
        assert!(WsConfig::default().validate().is_ok());
        assert!(!Endpoints::default().all_loopback());
    }

    #[test]
    fn loopback_detection() {
        assert!(is_loopback_url("http://127.0.0.1:18080"));
        assert!(is_loopback_url("ws://localhost:18080/ws"));
        assert!(is_loopback_url("http://[::1]:9/x"));
        assert!(!is_loopback_url("https://clob-v2.polymarket.com"));
        assert!(!is_loopback_url("http://127.0.0.1.evil.com"));
    }

    #[test]
    fn bad_values_name_their_key() {
        let e = Endpoints {
            ws_url: "http://x".into(),
            ..Endpoints::default()
        }
        .validate()
        .unwrap_err();
        assert_eq!(e[0].key, "ws_url");
        let e = HttpConfig {
            rate_limit_fraction: 0.0,
            ..HttpConfig::default()
        }
        .validate()
        .unwrap_err();
        assert_eq!(e[0].key, "rate_limit_fraction");
    }
}
