//! [`SlackNotifier`]: `POST` of `{text, blocks}` to a Slack incoming webhook, which answers
//! `200` with the body `ok`, or an error code as text (`invalid_payload`, `no_service`, ...).

use std::fmt;
use std::time::Duration;

use secrecy::SecretString;

use super::http::{self, Webhook};
use crate::alert::Alert;
use crate::error::{BuildError, NotifyError};
use crate::format::slack_payload;
use crate::notifier::{Notifier, SendFuture};

pub const CHANNEL: &str = "slack";

pub struct SlackNotifier {
    webhook: Webhook,
}

impl SlackNotifier {
    pub fn new(webhook_url: SecretString, timeout: Duration) -> Result<Self, BuildError> {
        Ok(SlackNotifier {
            webhook: Webhook::new(CHANNEL, "slack.webhook_url", webhook_url, timeout)?,
        })
    }

    async fn deliver(&self, alert: &Alert) -> Result<(), NotifyError> {
        self.webhook
            .post(&slack_payload(alert), |target, reply| {
                if !reply.status.is_success() {
                    return Err(http::failure(target, &reply, None, None));
                }
                if reply.body.trim() == "ok" {
                    Ok(())
                } else {
                    Err(NotifyError::Rejected {
                        channel: CHANNEL,
                        endpoint: target.endpoint.to_owned(),
                        detail: http::clean_detail(&reply.body, target.secrets),
                    })
                }
            })
            .await
    }
}

impl fmt::Debug for SlackNotifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SlackNotifier")
            .field("endpoint", &self.webhook.endpoint)
            .finish_non_exhaustive()
    }
}

impl Notifier for SlackNotifier {
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
