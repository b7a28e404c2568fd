//! [`SlackNotifier`]: `POST` of `{text, blocks}` to a Slack incoming webhook, which answers
//! `200` with the body `ok`, or an error code as text (`invalid_payload`, `no_service`, ...).

use std::fmt;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use super::http::{self, Target};
use crate::alert::Alert;
use crate::error::{BuildError, NotifyError};
use crate::format::slack_payload;
use crate::notifier::{Notifier, SendFuture};

pub const CHANNEL: &str = "slack";

pub struct SlackNotifier {
    client: reqwest::Client,
    webhook_url: SecretString,
    endpoint: String,
    timeout: Duration,
}

impl SlackNotifier {
    pub fn new(webhook_url: SecretString, timeout: Duration) -> Result<Self, BuildError> {
        let endpoint = super::webhook_endpoint("slack.webhook_url", &webhook_url)?;
        Ok(SlackNotifier {
            client: http::client(CHANNEL, timeout)?,
            webhook_url,
            endpoint,
            timeout,
        })
    }

    async fn deliver(&self, alert: &Alert) -> Result<(), NotifyError> {
        let url = self.webhook_url.expose_secret();
        let secrets = super::url_secrets(url);
        let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
        let target = Target {
            channel: CHANNEL,
            url,
            endpoint: &self.endpoint,
            timeout: self.timeout,
            secrets: &secrets,
        };
        let reply = http::post_json(&self.client, &target, &slack_payload(alert)).await?;
        if !reply.status.is_success() {
            return Err(http::failure(&target, &reply, None, None));
        }
        if reply.body.trim() == "ok" {
            Ok(())
        } else {
            Err(NotifyError::Rejected {
                channel: CHANNEL,
                endpoint: self.endpoint.clone(),
                detail: http::clean_detail(&reply.body, &secrets),
            })
        }
    }
}

impl fmt::Debug for SlackNotifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SlackNotifier")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl Notifier for SlackNotifier {
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
