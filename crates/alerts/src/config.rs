//! [`AlertsConfig`]: the `[alerts]` configuration section and its validation.
//!
//! ```toml
//! [alerts]
//! enabled = true            # master switch
//! min_severity = "info"     # floor for every channel
//!
//! [alerts.telegram]
//! enabled = true
//! chat_id = "-1001234567890"
//! min_severity = "warning"
//! min_severity_by_kind = { trade = "info" }
//! exclude_kinds = ["daily_summary"]
//! ```
//!
//! Secrets are never serialized and should come from the environment (see the `ENV_*`
//! constants and [`AlertsConfig::apply_secret_env`]); `Debug` prints them as `[REDACTED]`, and
//! validation errors show a webhook URL as scheme and host only.

use std::collections::{BTreeMap, BTreeSet};

use polybot_model::FieldError;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::alert::{AlertKind, Severity};
use crate::channels::email::SmtpTls;
use crate::channels::telegram::DEFAULT_API_BASE;
use crate::filter::ChannelFilter;

/// Telegram bot token (`123456:ABC...`) → `telegram.bot_token`.
pub const ENV_TELEGRAM_BOT_TOKEN: &str = "POLYBOT_TELEGRAM_BOT_TOKEN";
/// Discord webhook URL (the URL is the credential) → `discord.webhook_url`.
pub const ENV_DISCORD_WEBHOOK_URL: &str = "POLYBOT_DISCORD_WEBHOOK_URL";
/// Slack incoming-webhook URL → `slack.webhook_url`.
pub const ENV_SLACK_WEBHOOK_URL: &str = "POLYBOT_SLACK_WEBHOOK_URL";
/// SMTP password → `email.password`.
pub const ENV_SMTP_PASSWORD: &str = "POLYBOT_SMTP_PASSWORD";
/// Every secret variable, for the config loader's list of non-override `POLYBOT_*` names.
pub const SECRET_ENV_VARS: [&str; 4] = [
    ENV_TELEGRAM_BOT_TOKEN,
    ENV_DISCORD_WEBHOOK_URL,
    ENV_SLACK_WEBHOOK_URL,
    ENV_SMTP_PASSWORD,
];

/// `[alerts]`. Every channel but the console is off by default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertsConfig {
    /// Master switch: when false no channel is built and `dispatch` does nothing.
    pub enabled: bool,
    /// No channel sends anything below this.
    pub min_severity: Severity,
    /// Alerts waiting per channel before new ones are dropped (and counted).
    pub queue_capacity: u32,
    /// Bound of one delivery attempt (ms).
    pub send_timeout_ms: u64,
    /// Attempts after the first for a failed delivery (timeouts, 429, 5xx only).
    pub max_retries: u32,
    /// First retry wait (ms), doubled per retry.
    pub retry_initial_ms: u64,
    /// Longest retry wait (ms), also the cap on a service's `retry_after`.
    pub retry_max_ms: u64,
    /// Alerts with the kind and title of one sent less than this ago are collapsed (s; 0 = off).
    pub dedup_window_secs: u64,
    /// Per channel and rolling minute; critical alerts are exempt (0 = no limit).
    pub max_per_minute: u32,
    /// How long shutdown waits for queues to drain (ms).
    pub shutdown_grace_ms: u64,
    /// UTC hour (0-23) at which the runner sends the daily summary.
    pub daily_summary_hour: u8,
    pub console: ConsoleConfig,
    pub telegram: TelegramConfig,
    pub discord: DiscordConfig,
    pub slack: SlackConfig,
    pub email: EmailConfig,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        AlertsConfig {
            enabled: true,
            min_severity: Severity::Info,
            queue_capacity: 256,
            send_timeout_ms: 10_000,
            max_retries: 3,
            retry_initial_ms: 500,
            retry_max_ms: 30_000,
            dedup_window_secs: 300,
            max_per_minute: 20,
            shutdown_grace_ms: 5_000,
            daily_summary_hour: 18,
            console: ConsoleConfig::default(),
            telegram: TelegramConfig::default(),
            discord: DiscordConfig::default(),
            slack: SlackConfig::default(),
            email: EmailConfig::default(),
        }
    }
}

/// What every channel section has besides its own settings.
#[derive(Debug, Clone, Copy)]
pub struct ChannelCommon<'a> {
    pub enabled: bool,
    pub min_severity: Severity,
    pub min_severity_by_kind: &'a BTreeMap<AlertKind, Severity>,
    pub exclude_kinds: &'a [AlertKind],
}

impl ChannelCommon<'_> {
    /// The channel's filter under the section-wide floor `floor`. A per-kind minimum still
    /// cannot go below the floor.
    #[must_use]
    pub fn filter(&self, floor: Severity) -> ChannelFilter {
        ChannelFilter {
            min_severity: self.min_severity.max(floor),
            by_kind: self
                .min_severity_by_kind
                .iter()
                .map(|(k, s)| (*k, (*s).max(floor)))
                .collect(),
            exclude: self.exclude_kinds.iter().copied().collect::<BTreeSet<_>>(),
        }
    }
}

/// Declares a channel section's struct with the common keys (`enabled`, `min_severity`,
/// `min_severity_by_kind`, `exclude_kinds`) followed by its own.
macro_rules! channel_section {
    ($(#[$m:meta])* $name:ident { $($(#[$fm:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Serialize, Deserialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct $name {
            pub enabled: bool,
            /// This channel's minimum severity (never below `alerts.min_severity`).
            pub min_severity: Severity,
            /// Per-kind minimum replacing `min_severity` for that kind.
            pub min_severity_by_kind: BTreeMap<AlertKind, Severity>,
            /// Kinds this channel never sends.
            pub exclude_kinds: Vec<AlertKind>,
            $($(#[$fm])* pub $field: $ty,)*
        }

        impl $name {
            #[must_use]
            pub fn common(&self) -> ChannelCommon<'_> {
                ChannelCommon {
                    enabled: self.enabled,
                    min_severity: self.min_severity,
                    min_severity_by_kind: &self.min_severity_by_kind,
                    exclude_kinds: &self.exclude_kinds,
                }
            }
        }
    };
}

channel_section!(
    /// `[alerts.console]`: plain text on stderr.
    ConsoleConfig {}
);

channel_section!(
    /// `[alerts.telegram]`: Bot API `sendMessage`.
    TelegramConfig {
        /// Bot API base URL; a local fake in tests.
        api_base: String,
        /// Numeric chat id or `@channel`.
        chat_id: String,
        /// From `POLYBOT_TELEGRAM_BOT_TOKEN`; never serialized.
        #[serde(skip_serializing)]
        bot_token: Option<SecretString>,
    }
);

channel_section!(
    /// `[alerts.discord]`: an incoming webhook.
    DiscordConfig {
        /// Display name for the messages (empty: the webhook's own).
        username: String,
        /// From `POLYBOT_DISCORD_WEBHOOK_URL`; never serialized.
        #[serde(skip_serializing)]
        webhook_url: Option<SecretString>,
    }
);

channel_section!(
    /// `[alerts.slack]`: an incoming webhook.
    SlackConfig {
        /// From `POLYBOT_SLACK_WEBHOOK_URL`; never serialized.
        #[serde(skip_serializing)]
        webhook_url: Option<SecretString>,
    }
);

channel_section!(
    /// `[alerts.email]`: SMTP.
    EmailConfig {
        host: String,
        port: u16,
        /// `none`, `starttls` (required) or `tls` (implicit).
        tls: SmtpTls,
        /// Empty: no authentication.
        username: String,
        /// From `POLYBOT_SMTP_PASSWORD`; never serialized.
        #[serde(skip_serializing)]
        password: Option<SecretString>,
        from: String,
        to: Vec<String>,
    }
);

impl Default for ConsoleConfig {
    fn default() -> Self {
        ConsoleConfig {
            enabled: true,
            min_severity: Severity::Info,
            min_severity_by_kind: BTreeMap::new(),
            exclude_kinds: Vec::new(),
        }
    }
}

/// The common keys of a channel that is off until configured.
macro_rules! off_by_default {
    ($name:ident { $($field:ident : $value:expr),* $(,)? }) => {
        impl Default for $name {
            fn default() -> Self {
                $name {
                    enabled: false,
                    min_severity: Severity::Info,
                    min_severity_by_kind: BTreeMap::new(),
                    exclude_kinds: Vec::new(),
                    $($field: $value,)*
                }
            }
        }
    };
}

off_by_default!(TelegramConfig {
    api_base: DEFAULT_API_BASE.to_owned(),
    chat_id: String::new(),
    bot_token: None,
});
off_by_default!(DiscordConfig {
    username: "polybot".to_owned(),
    webhook_url: None,
});
off_by_default!(SlackConfig { webhook_url: None });
off_by_default!(EmailConfig {
    host: String::new(),
    port: 587,
    tls: SmtpTls::Starttls,
    username: String::new(),
    password: None,
    from: String::new(),
    to: Vec::new(),
});

/// Secrets compare by value, so a config read twice compares equal.
fn same_secret(a: &Option<SecretString>, b: &Option<SecretString>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.expose_secret() == b.expose_secret(),
        (None, None) => true,
        _ => false,
    }
}

macro_rules! partial_eq {
    ($name:ident, [$($plain:ident),*], [$($secret:ident),*]) => {
        impl PartialEq for $name {
            fn eq(&self, o: &Self) -> bool {
                self.enabled == o.enabled
                    && self.min_severity == o.min_severity
                    && self.min_severity_by_kind == o.min_severity_by_kind
                    && self.exclude_kinds == o.exclude_kinds
                    $(&& self.$plain == o.$plain)*
                    $(&& same_secret(&self.$secret, &o.$secret))*
            }
        }
    };
}

partial_eq!(ConsoleConfig, [], []);
partial_eq!(TelegramConfig, [api_base, chat_id], [bot_token]);
partial_eq!(DiscordConfig, [username], [webhook_url]);
partial_eq!(SlackConfig, [], [webhook_url]);
partial_eq!(
    EmailConfig,
    [host, port, tls, username, from, to],
    [password]
);

impl AlertsConfig {
    /// Fills the secret fields from `get(name)` for each `ENV_*` variable that is set and not
    /// empty (`|k| std::env::var(k).ok()` for the process environment).
    pub fn apply_secret_env(&mut self, get: impl Fn(&str) -> Option<String>) {
        let secret = |name: &str| {
            get(name)
                .filter(|v| !v.trim().is_empty())
                .map(|v| SecretString::from(v.trim().to_owned()))
        };
        if let Some(s) = secret(ENV_TELEGRAM_BOT_TOKEN) {
            self.telegram.bot_token = Some(s);
        }
        if let Some(s) = secret(ENV_DISCORD_WEBHOOK_URL) {
            self.discord.webhook_url = Some(s);
        }
        if let Some(s) = secret(ENV_SLACK_WEBHOOK_URL) {
            self.slack.webhook_url = Some(s);
        }
        if let Some(s) = secret(ENV_SMTP_PASSWORD) {
            self.email.password = Some(s);
        }
    }

    /// Checks every field; keys are relative to the section (`telegram.chat_id`). Channels
    /// that are off are checked only for malformed values, not for missing ones.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        self.validate_numbers(&mut errors);
        crate::validate::telegram(&self.telegram, &mut errors);
        crate::validate::webhook(
            "discord",
            self.discord.enabled,
            &self.discord.webhook_url,
            ENV_DISCORD_WEBHOOK_URL,
            &mut errors,
        );
        if self.discord.username.chars().count() > 80 {
            errors.push(FieldError::new(
                "discord.username",
                &self.discord.username,
                "must be at most 80 characters",
            ));
        }
        crate::validate::webhook(
            "slack",
            self.slack.enabled,
            &self.slack.webhook_url,
            ENV_SLACK_WEBHOOK_URL,
            &mut errors,
        );
        crate::validate::email(&self.email, &mut errors);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    fn validate_numbers(&self, errors: &mut Vec<FieldError>) {
        let mut range = |key: &str, v: u64, lo: u64, hi: u64| {
            if !(lo..=hi).contains(&v) {
                errors.push(FieldError::new(key, v, format!("must be in [{lo}, {hi}]")));
            }
        };
        range("queue_capacity", self.queue_capacity.into(), 1, 100_000);
        range("send_timeout_ms", self.send_timeout_ms, 100, 300_000);
        range("max_retries", self.max_retries.into(), 0, 10);
        range("retry_initial_ms", self.retry_initial_ms, 1, 600_000);
        range(
            "retry_max_ms",
            self.retry_max_ms,
            self.retry_initial_ms.max(1),
            3_600_000,
        );
        range("dedup_window_secs", self.dedup_window_secs, 0, 86_400);
        range("max_per_minute", self.max_per_minute.into(), 0, 10_000);
        range("shutdown_grace_ms", self.shutdown_grace_ms, 0, 300_000);
        range("daily_summary_hour", self.daily_summary_hour.into(), 0, 23);
    }
}
