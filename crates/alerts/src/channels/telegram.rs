//! [`TelegramNotifier`]: `POST {api_base}/bot{token}/sendMessage` of the Bot API, with the text
//! in HTML parse mode (see [`crate::format::telegram_html`]).

use std::fmt;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Value, json};

use super::http::{self, Target};
use crate::alert::{Alert, Severity};
use crate::error::{BuildError, NotifyError, redact_url};
use crate::format::telegram_html;
use crate::notifier::{Notifier, SendFuture};

pub const CHANNEL: &str = "telegram";
pub const DEFAULT_API_BASE: &str = "https://api.telegram.org";

pub struct TelegramNotifier {
    client: reqwest::Client,
    api_base: String,
    endpoint: String,
    token: SecretString,
    chat_id: Value,
    timeout: Duration,
}

/// The Bot API's envelope: `{"ok": true, "result": ...}` or `{"ok": false, "description": ...}`.
#[derive(Deserialize)]
struct Envelope {
    ok: bool,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    parameters: Option<Parameters>,
}

#[derive(Deserialize)]
struct Parameters {
    #[serde(default)]
    retry_after: Option<f64>,
}

impl TelegramNotifier {
    /// `chat_id` is a numeric id (`-1001234567890`) or a `@channelusername`.
    pub fn new(
        api_base: &str,
        token: SecretString,
        chat_id: &str,
        timeout: Duration,
    ) -> Result<Self, BuildError> {
        let chat_id = chat_id.trim();
        if chat_id.is_empty() {
            return Err(BuildError::Setting {
                field: "telegram.chat_id".into(),
                reason: "must not be empty".into(),
            });
        }
        if token.expose_secret().trim().is_empty() {
            return Err(BuildError::Setting {
                field: "telegram.bot_token".into(),
                reason: "must not be empty".into(),
            });
        }
        let chat_id = chat_id
            .parse::<i64>()
            .map_or_else(|_| json!(chat_id), |n| json!(n));
        Ok(TelegramNotifier {
            client: http::client(CHANNEL, timeout)?,
            api_base: api_base.trim_end_matches('/').to_owned(),
            endpoint: redact_url(api_base),
            token,
            chat_id,
            timeout,
        })
    }

    async fn deliver(&self, alert: &Alert) -> Result<(), NotifyError> {
        let token = self.token.expose_secret();
        let url = format!("{}/bot{token}/sendMessage", self.api_base);
        let secrets = [token];
        let target = Target {
            channel: CHANNEL,
            url: &url,
            endpoint: &self.endpoint,
            timeout: self.timeout,
            secrets: &secrets,
        };
        let body = json!({
            "chat_id": self.chat_id,
            "text": telegram_html(alert),
            "parse_mode": "HTML",
            "link_preview_options": { "is_disabled": true },
            "disable_notification": alert.severity < Severity::Warning,
        });
        let reply = http::post_json(&self.client, &target, &body).await?;
        let envelope = serde_json::from_str::<Envelope>(&reply.body).ok();
        match envelope {
            Some(e) if e.ok && reply.status.is_success() => Ok(()),
            Some(e) if reply.status.is_success() => Err(NotifyError::Rejected {
                channel: CHANNEL,
                endpoint: self.endpoint.clone(),
                detail: http::clean_detail(
                    e.description.as_deref().unwrap_or("ok: false"),
                    &secrets,
                ),
            }),
            Some(e) => {
                let retry = e
                    .parameters
                    .and_then(|p| p.retry_after)
                    .and_then(http::seconds);
                Err(http::failure(
                    &target,
                    &reply,
                    retry,
                    e.description.as_deref(),
                ))
            }
            None if reply.status.is_success() => Err(NotifyError::Rejected {
                channel: CHANNEL,
                endpoint: self.endpoint.clone(),
                detail: "the answer is not a Bot API response".into(),
            }),
            None => Err(http::failure(&target, &reply, None, None)),
        }
    }
}

impl fmt::Debug for TelegramNotifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TelegramNotifier")
            .field("endpoint", &self.endpoint)
            .field("chat_id", &self.chat_id)
            .finish_non_exhaustive()
    }
}

impl Notifier for TelegramNotifier {
    fn channel(&self) -> &'static str {
        CHANNEL
    }

    fn endpoint(&self) -> String {
        self.endpoint.clone()
    }

    fn send<'a>(&'a self, alert: &'a Alert) -> SendFuture<'a> {
        Box::pin(self.deliver(alert))
    }
}
