//! OpenAI chat completions: `POST {base}/v1/chat/completions`, `Authorization: Bearer`,
//! answer in `choices[0].message.content`, tokens in `usage.prompt_tokens/completion_tokens`.

use futures::future::BoxFuture;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

use super::{ChatReply, ChatRequest, HttpTarget, LlmProvider, Role, tokens_at};
use crate::cost::Usage;
use crate::error::ForecastError;

/// OpenAI, or (with `compatible`) any server speaking its chat-completions protocol.
#[derive(Debug)]
pub struct OpenAi {
    target: HttpTarget,
    model: String,
    max_tokens: u32,
    temperature: f64,
    /// Local servers: `max_tokens` instead of `max_completion_tokens`, non-strict schema.
    compatible: bool,
}

impl OpenAi {
    #[must_use]
    pub fn new(target: HttpTarget, model: String, max_tokens: u32, temperature: f64) -> Self {
        OpenAi {
            target,
            model,
            max_tokens,
            temperature,
            compatible: false,
        }
    }

    #[must_use]
    pub(crate) fn into_compatible(mut self) -> Self {
        self.compatible = true;
        self
    }

    fn body(&self, req: &ChatRequest) -> Value {
        let mut messages = vec![json!({"role": "system", "content": req.system})];
        messages.extend(req.messages.iter().map(|m| {
            let role = match m.role {
                Role::User => "user",
                Role::Assistant => "assistant",
            };
            json!({"role": role, "content": m.content})
        }));
        let limit_key = if self.compatible {
            "max_tokens"
        } else {
            "max_completion_tokens"
        };
        json!({
            "model": self.model,
            "messages": messages,
            "temperature": self.temperature,
            limit_key: self.max_tokens,
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "forecast", "schema": req.schema, "strict": !self.compatible}
            }
        })
    }

    async fn call(&self, req: &ChatRequest) -> Result<ChatReply, ForecastError> {
        let mut headers = HeaderMap::new();
        if let Some((k, v)) = self.target.key_header("authorization", "Bearer ")? {
            headers.insert(k, v);
        }
        let v = self
            .target
            .post_json("/v1/chat/completions", headers, &self.body(req))
            .await?;
        let message = v.pointer("/choices/0/message");
        let text = match message
            .and_then(|m| m.get("content"))
            .and_then(Value::as_str)
        {
            Some(t) => t.to_owned(),
            None => {
                let refusal = message
                    .and_then(|m| m.get("refusal"))
                    .and_then(Value::as_str);
                return Err(self.target.protocol(match refusal {
                    Some(r) => format!("the model refused: {r}"),
                    None => "no choices[0].message.content".to_owned(),
                }));
            }
        };
        let usage = Usage {
            prompt_tokens: tokens_at(&v, &["usage", "prompt_tokens"]),
            completion_tokens: tokens_at(&v, &["usage", "completion_tokens"]),
        };
        Ok(ChatReply { text, usage })
    }
}

impl LlmProvider for OpenAi {
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
