//! The HTTP call every provider shares: POST JSON, bounded by the provider's timeout, errors
//! named by provider and never carrying the key or the URL's query.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use crate::error::{ForecastError, snippet};

/// Where and how one provider is called.
pub struct HttpTarget {
    pub(crate) provider: String,
    pub(crate) base_url: String,
    pub(crate) key: Option<SecretString>,
    pub(crate) timeout: Duration,
    client: reqwest::Client,
}

impl std::fmt::Debug for HttpTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpTarget")
            .field("provider", &self.provider)
            .field("base_url", &self.base_url)
            .field("key", &self.key.as_ref().map(|_| "[REDACTED]"))
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl HttpTarget {
    pub fn new(
        provider: &str,
        base_url: &str,
        key: Option<SecretString>,
        timeout: Duration,
    ) -> Result<Self, ForecastError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("polybot-forecast/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ForecastError::Transport {
                provider: provider.to_owned(),
                reason: e.without_url().to_string(),
            })?;
        Ok(HttpTarget {
            provider: provider.to_owned(),
            base_url: base_url.trim_end_matches('/').to_owned(),
            key,
            timeout,
            client,
        })
    }

    /// A header carrying the key (marked sensitive), or `None` without a key.
    pub(crate) fn key_header(
        &self,
        name: &'static str,
        prefix: &str,
    ) -> Result<Option<(HeaderName, HeaderValue)>, ForecastError> {
        let Some(key) = &self.key else {
            return Ok(None);
        };
        let mut value = HeaderValue::from_str(&format!("{prefix}{}", key.expose_secret()))
            .map_err(|_| ForecastError::Transport {
                provider: self.provider.clone(),
                reason: "the API key contains characters not allowed in an HTTP header".into(),
            })?;
        value.set_sensitive(true);
        Ok(Some((HeaderName::from_static(name), value)))
    }

    /// POSTs `body` to `{base_url}{path}` and returns the parsed JSON of a 2xx answer.
    pub(crate) async fn post_json(
        &self,
        path: &str,
        headers: HeaderMap,
        body: &Value,
    ) -> Result<Value, ForecastError> {
        let url = format!("{}{path}", self.base_url);
        let bytes = serde_json::to_vec(body).map_err(|e| self.protocol(e.to_string()))?;
        let send = self
            .client
            .post(url)
            .headers(headers)
            .header("content-type", "application/json")
            .body(bytes)
            .send();
        let call = async {
            let resp = send.await.map_err(|e| self.transport(e))?;
            let status = resp.status();
            let text = resp.text().await.map_err(|e| self.transport(e))?;
            Ok::<_, ForecastError>((status, text))
        };
        let (status, text) = tokio::time::timeout(self.timeout, call)
            .await
            .map_err(|_| self.timed_out())??;
        if !status.is_success() {
            return Err(ForecastError::Status {
                provider: self.provider.clone(),
                status: status.as_u16(),
                body: snippet(&text, 300),
            });
        }
        serde_json::from_str(&text)
            .map_err(|e| self.protocol(format!("body is not JSON ({e}): {}", snippet(&text, 200))))
    }

    fn transport(&self, e: reqwest::Error) -> ForecastError {
        if e.is_timeout() {
            return self.timed_out();
        }
        ForecastError::Transport {
            provider: self.provider.clone(),
            reason: e.without_url().to_string(),
        }
    }

    fn timed_out(&self) -> ForecastError {
        ForecastError::Timeout {
            provider: self.provider.clone(),
            timeout_ms: u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX),
        }
    }

    pub(crate) fn protocol(&self, reason: impl Into<String>) -> ForecastError {
        ForecastError::Protocol {
            provider: self.provider.clone(),
            reason: reason.into(),
        }
    }
}
