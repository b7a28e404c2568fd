//! [`DiscordNotifier`]: `POST` of one embed to a Discord webhook URL. The webhook answers
//! `204 No Content`; a `429` carries `retry_after` (seconds) in its JSON body, which the
//! dispatcher honours before its next attempt.

use std::fmt;
use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;

use super::http::{self, Webhook};
use crate::alert::Alert;
use crate::error::{BuildError, NotifyError};
use crate::format::discord_payload;
use crate::notifier::{Notifier, SendFuture};

pub const CHANNEL: &str = "discord";

pub struct DiscordNotifier {
    webhook: Webhook,
    username: Option<String>,
}

/// Discord's error body: `{"message": "...", "code": 0}`, or for 429 `{"retry_after": 0.5, ...}`.
#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    retry_after: Option<f64>,
}

impl DiscordNotifier {
    /// `username` overrides the webhook's display name when set.
    pub fn new(
        webhook_url: SecretString,
        username: Option<String>,
        timeout: Duration,
    ) -> Result<Self, BuildError> {
        Ok(DiscordNotifier {
            webhook: Webhook::new(CHANNEL, "discord.webhook_url", webhook_url, timeout)?,
            username,
        })
    }

    async fn deliver(&self, alert: &Alert) -> Result<(), NotifyError> {
        let body = discord_payload(alert, self.username.as_deref());
        self.webhook
            .post(&body, |target, reply| {
                if reply.status.is_success() {
                    return Ok(());
                }
                let parsed = serde_json::from_str::<ErrorBody>(&reply.body).ok();
                let retry = parsed
                    .as_ref()
                    .and_then(|b| b.retry_after)
                    .and_then(http::seconds);
                let message = parsed.as_ref().and_then(|b| b.message.as_deref());
                Err(http::failure(target, &reply, retry, message))
            })
            .await
    }
}

impl fmt::Debug for DiscordNotifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DiscordNotifier")
            .field("endpoint", &self.webhook.endpoint)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

impl Notifier for DiscordNotifier {
    fn channel(&self) -> &'static str {
        CHANNEL
    }

    fn endpoint(&self) -> String {
        self.webhook.endpoint.clone()
    }

    fn send<'a>(&'a self, alert: &'a Alert) -> SendFuture<'a> {
        Box::pin(self.deliver(alert))
    }
}
