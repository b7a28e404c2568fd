//! Building an [`AlertDispatcher`] from an [`AlertsConfig`].

use std::sync::Arc;
use std::time::Duration;

use crate::channels::{
    ConsoleNotifier, DiscordNotifier, EmailNotifier, EmailSettings, SlackNotifier, TelegramNotifier,
};
use crate::config::{
    AlertsConfig, ChannelCommon, ENV_DISCORD_WEBHOOK_URL, ENV_SLACK_WEBHOOK_URL,
    ENV_TELEGRAM_BOT_TOKEN, EmailConfig,
};
use crate::dispatcher::{AlertDispatcher, ChannelOptions, RetryPolicy};
use crate::error::BuildError;
use crate::notifier::Notifier;

impl AlertsConfig {
    #[must_use]
    pub fn send_timeout(&self) -> Duration {
        Duration::from_millis(self.send_timeout_ms)
    }

    /// What to pass to [`AlertDispatcher::shutdown`].
    #[must_use]
    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_millis(self.shutdown_grace_ms)
    }

    /// The dispatcher options of a channel with these common keys.
    #[must_use]
    pub fn channel_options(&self, common: ChannelCommon<'_>) -> ChannelOptions {
        ChannelOptions {
            filter: common.filter(self.min_severity),
            queue_capacity: self.queue_capacity as usize,
            send_timeout: self.send_timeout(),
            retry: RetryPolicy {
                max_retries: self.max_retries,
                initial_backoff: Duration::from_millis(self.retry_initial_ms),
                max_backoff: Duration::from_millis(self.retry_max_ms),
            },
            dedup_window: Duration::from_secs(self.dedup_window_secs),
            max_per_minute: self.max_per_minute,
        }
    }
}

fn required<T: Clone>(value: &Option<T>, field: &str, env: &str) -> Result<T, BuildError> {
    value.clone().ok_or_else(|| BuildError::Setting {
        field: field.to_owned(),
        reason: format!("required; set {env}"),
    })
}

/// A channel to start: its name, notifier and common keys.
type Entry<'a> = (&'static str, Arc<dyn Notifier>, ChannelCommon<'a>);

impl AlertDispatcher {
    /// Validates `cfg` and starts a task for each enabled channel, the console writing to
    /// stderr. Must run inside a Tokio runtime. With `enabled = false`, no channels.
    pub fn from_config(cfg: &AlertsConfig) -> Result<Self, BuildError> {
        AlertDispatcher::from_config_with_console(cfg, ConsoleNotifier::stderr())
    }

    /// [`AlertDispatcher::from_config`] with the console channel writing through `console`.
    pub fn from_config_with_console(
        cfg: &AlertsConfig,
        console: ConsoleNotifier,
    ) -> Result<Self, BuildError> {
        cfg.validate().map_err(|errors| {
            BuildError::Invalid(errors.into_iter().map(|e| e.in_section("alerts")).collect())
        })?;
        if !cfg.enabled {
            return Ok(AlertDispatcher::disabled());
        }
        let mut entries: Vec<Entry<'_>> = Vec::new();
        if cfg.console.enabled {
            entries.push(("console", Arc::new(console), cfg.console.common()));
        }
        entries.extend(chat_channels(cfg)?);
        if cfg.email.enabled {
            let n = email_notifier(&cfg.email, cfg.send_timeout())?;
            entries.push(("email", Arc::new(n), cfg.email.common()));
        }
        entries
            .into_iter()
            .fold(AlertDispatcher::builder(), |b, (name, n, common)| {
                b.channel(name, n, cfg.channel_options(common))
            })
            .build()
    }
}

/// The enabled Telegram, Discord and Slack channels.
fn chat_channels(cfg: &AlertsConfig) -> Result<Vec<Entry<'_>>, BuildError> {
    let timeout = cfg.send_timeout();
    let mut entries: Vec<Entry<'_>> = Vec::new();
    let t = &cfg.telegram;
    if t.enabled {
        let token = required(&t.bot_token, "telegram.bot_token", ENV_TELEGRAM_BOT_TOKEN)?;
        let n = TelegramNotifier::new(&t.api_base, token, &t.chat_id, timeout)?;
        entries.push(("telegram", Arc::new(n), t.common()));
    }
    let d = &cfg.discord;
    if d.enabled {
        let url = required(
            &d.webhook_url,
            "discord.webhook_url",
            ENV_DISCORD_WEBHOOK_URL,
        )?;
        let username = Some(d.username.clone()).filter(|u| !u.is_empty());
        let n = DiscordNotifier::new(url, username, timeout)?;
        entries.push(("discord", Arc::new(n), d.common()));
    }
    let s = &cfg.slack;
    if s.enabled {
        let url = required(&s.webhook_url, "slack.webhook_url", ENV_SLACK_WEBHOOK_URL)?;
        let n = SlackNotifier::new(url, timeout)?;
        entries.push(("slack", Arc::new(n), s.common()));
    }
    Ok(entries)
}

fn email_notifier(e: &EmailConfig, timeout: Duration) -> Result<EmailNotifier, BuildError> {
    EmailNotifier::new(EmailSettings {
        host: e.host.clone(),
        port: e.port,
        tls: e.tls,
        username: Some(e.username.clone()).filter(|u| !u.trim().is_empty()),
        password: e.password.clone(),
        from: e.from.clone(),
        to: e.to.clone(),
        timeout,
    })
}
