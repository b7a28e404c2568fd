//! [`WalletsConfig`]: the `[wallets]` configuration section — what to watch, how to poll and
//! stream, leaderboard discovery and the scorer's thresholds. Flat keys (prefixed by
//! concern) so every key can be overridden from the environment like the other sections.

use std::str::FromStr;

use alloy_primitives::Address;
use polybot_model::FieldError;
use serde::{Deserialize, Serialize};

use crate::scorer::ScoreThresholds;

/// A wallet to track, with an operator's label for logs and reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WatchedWallet {
    /// The proxy wallet address (`0x` + 40 hex digits, any case).
    pub address: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

impl WatchedWallet {
    /// The parsed address (`None` if invalid; `validate` reports it).
    #[must_use]
    pub fn parsed(&self) -> Option<Address> {
        parse_address(&self.address)
    }
}

pub(crate) fn parse_address(text: &str) -> Option<Address> {
    let t = text.trim();
    let hex = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X"))?;
    (hex.len() == 40 && hex.chars().all(|c| c.is_ascii_hexdigit()))
        .then(|| Address::from_str(t).ok())
        .flatten()
}

/// Leaderboard categories the Data API accepts.
pub const CATEGORIES: [&str; 10] = [
    "OVERALL",
    "POLITICS",
    "SPORTS",
    "CRYPTO",
    "CULTURE",
    "MENTIONS",
    "WEATHER",
    "ECONOMICS",
    "TECH",
    "FINANCE",
];
/// Leaderboard periods.
pub const TIME_PERIODS: [&str; 4] = ["DAY", "WEEK", "MONTH", "ALL"];
/// Leaderboard orderings.
pub const ORDER_BY: [&str; 2] = ["PNL", "VOL"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WalletsConfig {
    /// Wallets whose trades are tracked (copy trading's leaders).
    pub watch: Vec<WatchedWallet>,
    /// Poll the Data API (`/trades?user=…&takerOnly=false`) for each watched wallet.
    pub poll_enabled: bool,
    /// Poll period per wallet, ms (seed 001: "the tracker polls every ~2s").
    pub poll_interval_ms: u64,
    /// Every poll re-fetches this many seconds back from now, so a fill the Data API indexes
    /// late is still found; it must cover at least two poll periods.
    pub overlap_secs: u64,
    /// Trades per Data API page.
    pub page_limit: u32,
    /// Pages per poll at most (the API caps the offset at 10 000).
    pub max_pages: u32,
    /// On start, also emit fills up to this many seconds old (0: only what happens after the
    /// first poll of each wallet; older fills are remembered as seen).
    pub backfill_secs: u64,
    /// RTDS base URL (`wss://ws-live-data.polymarket.com`) to also stream `activity`/`trades`;
    /// absent: polling only.
    pub rtds_url: Option<String>,
    /// A stream that delivers nothing for this long (ms) is replaced (RTDS is known to go
    /// silent after 20-30 minutes without closing).
    pub stream_stall_timeout_ms: u64,
    /// PING period on the stream, ms (the venue expects one about every 5 s).
    pub stream_ping_interval_ms: u64,
    /// First delay before replacing a failed stream, ms; doubles per failure, with jitter.
    pub stream_reconnect_initial_ms: u64,
    pub stream_reconnect_max_ms: u64,
    /// Detected trades buffered for the consumer.
    pub channel_capacity: usize,
    /// Leaderboard discovery: category (OVERALL, POLITICS, SPORTS, CRYPTO, …).
    pub discovery_category: String,
    /// DAY, WEEK, MONTH or ALL.
    pub discovery_time_period: String,
    /// PNL or VOL.
    pub discovery_order_by: String,
    /// Candidates to fetch (seed 000 tracks the top 15).
    pub discovery_limit: u32,
    /// Candidates below this leaderboard PnL (USD) are dropped.
    pub discovery_min_pnl_usd: f64,
    /// Candidates below this leaderboard volume (USD) are dropped.
    pub discovery_min_volume_usd: f64,
    /// Fewer trades than this: the trader is not copyable yet (`insufficient_history`).
    pub score_min_trades: u32,
    /// Pseudo-trades of a neutral (0.5) score mixed in: a score needs evidence to move away
    /// from neutral (seed 000 asks 30-50 samples for full confidence).
    pub score_prior_trades: u32,
    /// Recency: the score's recency part halves every this many days without a trade.
    pub score_recency_half_life_days: f64,
    /// Activity: this many trades in the scored history count as fully active.
    pub score_activity_target_trades: u32,
    /// More trades per active day than this: a scalper/bot, uncopyable (`high_frequency`).
    pub scalper_max_trades_per_day: f64,
    /// Round trips held shorter than this on average: uncopyable (`short_holding`) …
    pub scalper_min_avg_hold_secs: f64,
    /// … once there are at least this many round trips.
    pub scalper_min_round_trips: u32,
    /// Median trade below this cash value (USD): uncopyable (`tiny_trades`).
    pub scalper_min_median_trade_usd: f64,
}

impl Default for WalletsConfig {
    fn default() -> Self {
        WalletsConfig {
            watch: Vec::new(),
            poll_enabled: true,
            poll_interval_ms: 2_000,
            overlap_secs: 60,
            page_limit: 100,
            max_pages: 10,
            backfill_secs: 0,
            rtds_url: None,
            stream_stall_timeout_ms: 60_000,
            stream_ping_interval_ms: 5_000,
            stream_reconnect_initial_ms: 500,
            stream_reconnect_max_ms: 30_000,
            channel_capacity: 4_096,
            discovery_category: "OVERALL".into(),
            discovery_time_period: "MONTH".into(),
            discovery_order_by: "PNL".into(),
            discovery_limit: 15,
            discovery_min_pnl_usd: 0.0,
            discovery_min_volume_usd: 0.0,
            score_min_trades: 10,
            score_prior_trades: 30,
            score_recency_half_life_days: 7.0,
            score_activity_target_trades: 50,
            scalper_max_trades_per_day: 150.0,
            scalper_min_avg_hold_secs: 600.0,
            scalper_min_round_trips: 10,
            scalper_min_median_trade_usd: 5.0,
        }
    }
}

impl WalletsConfig {
    /// The scorer's part of the section.
    #[must_use]
    pub fn thresholds(&self) -> ScoreThresholds {
        ScoreThresholds {
            min_trades: self.score_min_trades,
            prior_trades: self.score_prior_trades,
            recency_half_life_days: self.score_recency_half_life_days,
            activity_target_trades: self.score_activity_target_trades,
            max_trades_per_day: self.scalper_max_trades_per_day,
            min_avg_hold_secs: self.scalper_min_avg_hold_secs,
            min_round_trips: self.scalper_min_round_trips,
            min_median_trade_usd: self.scalper_min_median_trade_usd,
        }
    }

    /// Checks every field; keys are relative to the section.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        self.validate_watch(&mut errors);
        self.validate_tracking(&mut errors);
        self.validate_discovery(&mut errors);
        self.validate_scoring(&mut errors);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    fn validate_watch(&self, errors: &mut Vec<FieldError>) {
        let mut seen = Vec::new();
        for (i, w) in self.watch.iter().enumerate() {
            match w.parsed() {
                None => errors.push(FieldError::new(
                    format!("watch[{i}].address"),
                    &w.address,
                    "must be 0x followed by 40 hex digits",
                )),
                Some(a) if seen.contains(&a) => errors.push(FieldError::new(
                    format!("watch[{i}].address"),
                    &w.address,
                    "is listed twice",
                )),
                Some(a) => seen.push(a),
            }
        }
    }

    fn validate_tracking(&self, errors: &mut Vec<FieldError>) {
        let mut check = |ok: bool, key: &str, value: String, reason: &str| {
            if !ok {
                errors.push(FieldError::new(key, value, reason));
            }
        };
        let p = self.poll_interval_ms;
        check(
            (100..=600_000).contains(&p),
            "poll_interval_ms",
            p.to_string(),
            "must be in [100, 600000]",
        );
        let o = self.overlap_secs;
        check(
            (1..=86_400).contains(&o) && o.saturating_mul(1000) >= p.saturating_mul(2),
            "overlap_secs",
            o.to_string(),
            "must be in [1, 86400] and cover at least two poll intervals",
        );
        check(
            (1..=10_000).contains(&self.page_limit),
            "page_limit",
            self.page_limit.to_string(),
            "must be in [1, 10000]",
        );
        let max_offset = u64::from(self.max_pages.saturating_sub(1)) * u64::from(self.page_limit);
        check(
            self.max_pages >= 1 && max_offset <= 10_000,
            "max_pages",
            self.max_pages.to_string(),
            "must be ≥ 1 with (max_pages - 1) × page_limit ≤ 10000 (the API's offset cap)",
        );
        check(
            self.backfill_secs <= 86_400,
            "backfill_secs",
            self.backfill_secs.to_string(),
            "must be at most 86400",
        );
        let url_ok = self.rtds_url.as_deref().is_none_or(|u| {
            ["ws://", "wss://"].iter().any(|s| {
                u.strip_prefix(s)
                    .is_some_and(|r| !r.is_empty() && !r.contains(char::is_whitespace))
            })
        });
        check(
            url_ok,
            "rtds_url",
            format!("{:?}", self.rtds_url),
            "must be a ws:// or wss:// URL",
        );
        check(
            self.poll_enabled || self.rtds_url.is_some() || self.watch.is_empty(),
            "poll_enabled",
            self.poll_enabled.to_string(),
            "watched wallets need polling or an rtds_url",
        );
        check(
            self.stream_stall_timeout_ms >= 1_000,
            "stream_stall_timeout_ms",
            self.stream_stall_timeout_ms.to_string(),
            "must be at least 1000",
        );
        check(
            self.stream_ping_interval_ms >= 100,
            "stream_ping_interval_ms",
            self.stream_ping_interval_ms.to_string(),
            "must be at least 100",
        );
        check(
            self.stream_reconnect_initial_ms >= 1,
            "stream_reconnect_initial_ms",
            self.stream_reconnect_initial_ms.to_string(),
            "must be at least 1",
        );
        check(
            self.stream_reconnect_max_ms >= self.stream_reconnect_initial_ms,
            "stream_reconnect_max_ms",
            self.stream_reconnect_max_ms.to_string(),
            "must be >= stream_reconnect_initial_ms",
        );
        check(
            (1..=1 << 20).contains(&self.channel_capacity),
            "channel_capacity",
            self.channel_capacity.to_string(),
            "must be in [1, 1048576]",
        );
    }

    fn validate_discovery(&self, errors: &mut Vec<FieldError>) {
        for (key, value, allowed) in [
            (
                "discovery_category",
                &self.discovery_category,
                &CATEGORIES[..],
            ),
            (
                "discovery_time_period",
                &self.discovery_time_period,
                &TIME_PERIODS[..],
            ),
            (
                "discovery_order_by",
                &self.discovery_order_by,
                &ORDER_BY[..],
            ),
        ] {
            if !allowed.contains(&value.to_ascii_uppercase().as_str()) {
                errors.push(FieldError::new(
                    key,
                    value,
                    format!("must be one of {}", allowed.join(", ")),
                ));
            }
        }
        if !(1..=1_000).contains(&self.discovery_limit) {
            errors.push(FieldError::new(
                "discovery_limit",
                self.discovery_limit,
                "must be in [1, 1000]",
            ));
        }
        for (key, v) in [
            ("discovery_min_pnl_usd", self.discovery_min_pnl_usd),
            ("discovery_min_volume_usd", self.discovery_min_volume_usd),
        ] {
            if !v.is_finite() {
                errors.push(FieldError::new(key, v, "must be a finite number"));
            }
        }
    }

    fn validate_scoring(&self, errors: &mut Vec<FieldError>) {
        let mut positive = |key: &str, v: f64| {
            if !(v.is_finite() && v > 0.0) {
                errors.push(FieldError::new(key, v, "must be a finite number > 0"));
            }
        };
        positive(
            "score_recency_half_life_days",
            self.score_recency_half_life_days,
        );
        positive(
            "scalper_max_trades_per_day",
            self.scalper_max_trades_per_day,
        );
        positive("scalper_min_avg_hold_secs", self.scalper_min_avg_hold_secs);
        positive(
            "scalper_min_median_trade_usd",
            self.scalper_min_median_trade_usd,
        );
        if self.score_activity_target_trades == 0 {
            errors.push(FieldError::new(
                "score_activity_target_trades",
                0,
                "must be at least 1",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_round_trip_through_toml_like_json() {
        let c = WalletsConfig::default();
        assert!(c.validate().is_ok());
        let text = serde_json::to_string(&c).unwrap();
        let back: WalletsConfig = serde_json::from_str(&text).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let err = serde_json::from_str::<WalletsConfig>(r#"{"poll_interval":1}"#).unwrap_err();
        assert!(err.to_string().contains("poll_interval"), "{err}");
        let err =
            serde_json::from_str::<WalletsConfig>(r#"{"watch":[{"address":"0x1","lable":"x"}]}"#)
                .unwrap_err();
        assert!(err.to_string().contains("lable"), "{err}");
    }

    #[test]
    fn bad_values_name_their_key() {
        let keys = |c: WalletsConfig| -> Vec<String> {
            c.validate()
                .unwrap_err()
                .into_iter()
                .map(|e| e.key)
                .collect()
        };
        let good = "0x00000000000000000000000000000000000000aa".to_owned();
        let c = WalletsConfig {
            watch: vec![
                WatchedWallet {
                    address: "0x12".into(),
                    label: None,
                },
                WatchedWallet {
                    address: good.clone(),
                    label: Some("a".into()),
                },
                WatchedWallet {
                    address: good.to_uppercase().replace("0X", "0x"),
                    label: None,
                },
            ],
            ..WalletsConfig::default()
        };
        assert_eq!(keys(c), ["watch[0].address", "watch[2].address"]);
        let c = WalletsConfig {
            overlap_secs: 3,
            poll_interval_ms: 2_000,
            ..WalletsConfig::default()
        };
        assert_eq!(keys(c), ["overlap_secs"]);
        let c = WalletsConfig {
            rtds_url: Some("http://x".into()),
            ..WalletsConfig::default()
        };
        assert_eq!(keys(c), ["rtds_url"]);
        let c = WalletsConfig {
            poll_enabled: false,
            watch: vec![WatchedWallet {
                address: good,
                label: None,
            }],
            ..WalletsConfig::default()
        };
        assert_eq!(keys(c), ["poll_enabled"]);
        let c = WalletsConfig {
            discovery_time_period: "YEAR".into(),
            ..WalletsConfig::default()
        };
        assert_eq!(keys(c), ["discovery_time_period"]);
        let c = WalletsConfig {
            page_limit: 1_000,
            max_pages: 20,
            ..WalletsConfig::default()
        };
        assert_eq!(keys(c), ["max_pages"]);
        let c = WalletsConfig {
            scalper_min_avg_hold_secs: f64::NAN,
            ..WalletsConfig::default()
        };
        assert_eq!(keys(c), ["scalper_min_avg_hold_secs"]);
    }
}
