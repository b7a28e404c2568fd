//! What the HTTP channels share: the client, a JSON POST with a bounded response read, and the
//! mapping of failure statuses to [`NotifyError`].

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap, RETRY_AFTER};

use crate::error::{BuildError, NotifyError, from_reqwest, scrub};
use crate::format::truncate;

/// A service's answer is only ever read this far: enough for any error description.
const MAX_BODY: usize = 64 * 1024;

/// A client with an overall request timeout, no redirects (a webhook that redirects would carry
/// its credential to another host) and a recognisable user agent.
pub(crate) fn client(
    channel: &'static str,
    timeout: Duration,
) -> Result<reqwest::Client, BuildError> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("polybot-alerts/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| BuildError::HttpClient {
            channel,
            reason: e.without_url().to_string(),
        })
}

/// A response reduced to what the channels look at.
pub(crate) struct Reply {
    pub status: StatusCode,
    pub retry_after: Option<Duration>,
    /// At most [`MAX_BODY`] bytes, lossily decoded.
    pub body: String,
}

/// Where a request goes and what must never appear in its errors.
pub(crate) struct Target<'a> {
    pub channel: &'static str,
    /// The full URL, credential included.
    pub url: &'a str,
    /// [`crate::redact_url`] of it.
    pub endpoint: &'a str,
    pub timeout: Duration,
    pub secrets: &'a [&'a str],
}

pub(crate) async fn post_json(
    client: &reqwest::Client,
    target: &Target<'_>,
    body: &serde_json::Value,
) -> Result<Reply, NotifyError> {
    let fail = |e| {
        from_reqwest(
            target.channel,
            target.endpoint,
            e,
            target.timeout,
            target.secrets,
        )
    };
    let payload = body.to_string();
    let mut resp = client
        .post(target.url)
        .header(CONTENT_TYPE, "application/json")
        .body(payload)
        .send()
        .await
        .map_err(fail)?;
    let status = resp.status();
    let retry_after = retry_after_header(resp.headers());
    let mut bytes = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(fail)? {
        let room = MAX_BODY - bytes.len();
        bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if bytes.len() >= MAX_BODY {
            break;
        }
    }
    Ok(Reply {
        status,
        retry_after,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    })
}

/// `Retry-After` in seconds (the HTTP-date form is not used by these services).
fn retry_after_header(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?;
    seconds(text.trim().parse::<f64>().ok()?)
}

/// A non-negative, finite number of seconds, capped at an hour.
pub(crate) fn seconds(s: f64) -> Option<Duration> {
    (s.is_finite() && s >= 0.0).then(|| Duration::from_secs_f64(s.min(3600.0)))
}

/// A failure status as an error: 429 as [`NotifyError::RateLimited`], anything else as
/// [`NotifyError::Http`] with `detail` (or the body) shortened and scrubbed.
pub(crate) fn failure(
    target: &Target<'_>,
    reply: &Reply,
    retry_after: Option<Duration>,
    detail: Option<&str>,
) -> NotifyError {
    if reply.status == StatusCode::TOO_MANY_REQUESTS {
        return NotifyError::RateLimited {
            channel: target.channel,
            endpoint: target.endpoint.to_owned(),
            retry_after: retry_after.or(reply.retry_after),
        };
    }
    NotifyError::Http {
        channel: target.channel,
        endpoint: target.endpoint.to_owned(),
        status: reply.status.as_u16(),
        detail: clean_detail(detail.unwrap_or(&reply.body), target.secrets),
    }
}

/// Server text fit for an error message: one line, short, secrets scrubbed.
pub(crate) fn clean_detail(text: &str, secrets: &[&str]) -> String {
    let text = text.trim();
    if text.is_empty() {
        return "(empty body)".to_owned();
    }
    truncate(&crate::format::one_line(&scrub(text, secrets)), 300)
}

/// A webhook whose URL is its credential (Discord, Slack): the client, the secret URL and its
/// redacted form, and the POST that keeps every part of the URL out of errors.
pub(crate) struct Webhook {
    channel: &'static str,
    client: reqwest::Client,
    url: secrecy::SecretString,
    /// [`crate::redact_url`] of the URL.
    pub endpoint: String,
    timeout: Duration,
}

impl Webhook {
    /// `field` names the setting in errors (`slack.webhook_url`); the URL is never quoted.
    pub(crate) fn new(
        channel: &'static str,
        field: &str,
        url: secrecy::SecretString,
        timeout: Duration,
    ) -> Result<Self, BuildError> {
        Ok(Webhook {
            endpoint: super::webhook_endpoint(field, &url)?,
            client: client(channel, timeout)?,
            channel,
            url,
            timeout,
        })
    }

    /// POSTs `body` and hands the reply to `judge` with the request's [`Target`], so that the
    /// channel's own reading of the answer can build errors with the URL's secrets scrubbed.
    pub(crate) async fn post(
        &self,
        body: &serde_json::Value,
        judge: impl FnOnce(&Target<'_>, Reply) -> Result<(), NotifyError>,
    ) -> Result<(), NotifyError> {
        use secrecy::ExposeSecret as _;
        let url = self.url.expose_secret();
        let secrets = super::url_secrets(url);
        let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
        let target = Target {
            channel: self.channel,
            url,
            endpoint: &self.endpoint,
            timeout: self.timeout,
            secrets: &secrets,
        };
        let reply = post_json(&self.client, &target, body).await?;
        judge(&target, reply)
    }
}
