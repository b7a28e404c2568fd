//! LLM providers behind [`LlmProvider`]: one chat request in, the text and token usage out.
//! Each speaks its service's real wire protocol over HTTP with reqwest; base URLs come from
//! configuration so tests (and local servers) can point them at 127.0.0.1.

pub mod anthropic;
pub mod compatible;
pub mod gemini;
mod http;
pub mod openai;
mod retry;

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use serde_json::Value;

use crate::config::{ProviderConfig, ProviderKind};
use crate::cost::Usage;
use crate::error::ForecastError;

pub use http::HttpTarget;
pub use retry::{MAX_BACKOFF, RetryPolicy};

/// Who said a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    User,
    Assistant,
}

/// One turn of the conversation (the system prompt is separate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatMessage {
    pub role: Role,
    pub content: String,
}

impl ChatMessage {
    #[must_use]
    pub fn user(content: impl Into<String>) -> Self {
        ChatMessage {
            role: Role::User,
            content: content.into(),
        }
    }

    #[must_use]
    pub fn assistant(content: impl Into<String>) -> Self {
        ChatMessage {
            role: Role::Assistant,
            content: content.into(),
        }
    }
}

/// A request for one JSON answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatRequest {
    pub system: String,
    pub messages: Vec<ChatMessage>,
    /// JSON Schema of the answer (sent where the protocol supports it).
    pub schema: Value,
}

/// The model's text and the tokens the provider reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatReply {
    pub text: String,
    pub usage: Usage,
}

/// One LLM endpoint.
pub trait LlmProvider: Send + Sync {
    /// The configured provider name (keys the ledger and weights).
    fn name(&self) -> &str;
    fn model(&self) -> &str;
    /// Sends `req`; the timeout is the provider's own.
    fn complete<'a>(
        &'a self,
        req: &'a ChatRequest,
    ) -> BoxFuture<'a, Result<ChatReply, ForecastError>>;
}

/// Builds the provider for `cfg`. A keyed kind without a key is [`ForecastError::MissingKey`].
pub fn build_provider(cfg: &ProviderConfig) -> Result<Arc<dyn LlmProvider>, ForecastError> {
    let key = match (cfg.kind, &cfg.api_key) {
        (ProviderKind::OpenaiCompatible, key) => key.clone(),
        (_, Some(key)) => Some(key.clone()),
        (_, None) => {
            return Err(ForecastError::MissingKey {
                provider: cfg.name.clone(),
                env: cfg.effective_key_env().unwrap_or_default(),
            });
        }
    };
    let target = HttpTarget::new(
        &cfg.name,
        &cfg.effective_base_url(),
        key,
        Duration::from_millis(cfg.timeout_ms),
    )?
    .with_retry(RetryPolicy {
        max_retries: cfg.max_retries,
        backoff: Duration::from_millis(cfg.retry_backoff_ms),
    });
    let model = cfg.model.clone();
    let (max_tokens, temperature) = (cfg.max_tokens, cfg.temperature);
    Ok(match cfg.kind {
        ProviderKind::Openai => {
            Arc::new(openai::OpenAi::new(target, model, max_tokens, temperature))
        }
        ProviderKind::OpenaiCompatible => Arc::new(compatible::compatible(
            target,
            model,
            max_tokens,
            temperature,
        )),
        ProviderKind::Anthropic => Arc::new(anthropic::Anthropic::new(
            target,
            model,
            max_tokens,
            temperature,
        )),
        ProviderKind::Gemini => {
            Arc::new(gemini::Gemini::new(target, model, max_tokens, temperature))
        }
    })
}

/// Reads a non-negative integer at `path` of `v` (missing → 0).
pub(crate) fn tokens_at(v: &Value, path: &[&str]) -> u64 {
    path.iter()
        .try_fold(v, |v, k| v.get(k))
        .and_then(Value::as_u64)
        .unwrap_or(0)
}
