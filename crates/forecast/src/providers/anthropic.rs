//! Anthropic messages: `POST {base}/v1/messages` with `x-api-key` and `anthropic-version`;
//! answer in the first `content` block of type `text`, tokens in
//! `usage.input_tokens/output_tokens`. The JSON contract is in the system prompt and the
//! answer is validated (the retry corrects a malformed one).

use futures::future::BoxFuture;
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{Value, json};

use super::{ChatReply, ChatRequest, HttpTarget, LlmProvider, Role, tokens_at};
use crate::cost::Usage;
use crate::error::ForecastError;

/// The `anthropic-version` header value sent.
pub const ANTHROPIC_VERSION: &str = "2023-06-01";

#[derive(Debug)]
pub struct Anthropic {
    target: HttpTarget,
    model: String,
    max_tokens: u32,
    temperature: f64,
}

impl Anthropic {
    #[must_use]
    pub fn new(target: HttpTarget, model: String, max_tokens: u32, temperature: f64) -> Self {
        Anthropic {
            target,
            model,
            max_tokens,
            temperature,
        }
    }

    fn body(&self, req: &ChatRequest) -> Value {
        let messages: Vec<Value> = req
            .messages
            .iter()
            .map(|m| {
                let role = match m.role {
                    Role::User => "user",
                    Role::Assistant => "assistant",
                };
                json!({"role": role, "content": m.content})
            })
            .collect();
        json!({
            "model": self.model,
            "system": req.system,
            "messages": messages,
            "max_tokens": self.max_tokens,
            "temperature": self.temperature.min(1.0),
        })
    }

    async fn call(&self, req: &ChatRequest) -> Result<ChatReply, ForecastError> {
        let mut headers = HeaderMap::new();
        if let Some((k, v)) = self.target.key_header("x-api-key", "")? {
            headers.insert(k, v);
        }
        headers.insert(
            "anthropic-version",
            HeaderValue::from_static(ANTHROPIC_VERSION),
        );
        let v = self
            .target
            .post_json("/v1/messages", headers, &self.body(req))
            .await?;
        let text = v
            .get("content")
            .and_then(Value::as_array)
            .and_then(|blocks| {
                blocks
                    .iter()
                    .find(|b| b.get("type").and_then(Value::as_str) == Some("text"))
            })
            .and_then(|b| b.get("text"))
            .and_then(Value::as_str)
            .ok_or_else(|| self.target.protocol("no text block in content"))?
            .to_owned();
        let usage = Usage {
            prompt_tokens: tokens_at(&v, &["usage", "input_tokens"]),
            completion_tokens: tokens_at(&v, &["usage", "output_tokens"]),
        };
        Ok(ChatReply { text, usage })
    }
}

impl LlmProvider for Anthropic {
    fn name(&self) -> &str {
        &self.target.provider
    }

    fn model(&self) -> &str {
        &self.model
    }

    fn complete<'a>(
        &'a self,
        req: &'a ChatRequest,
    ) -> BoxFuture<'a, Result<ChatReply, ForecastError>> {
        Box::pin(self.call(req))
    }
}
