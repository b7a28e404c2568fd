//! Google Gemini: `POST {base}/v1beta/models/{model}:generateContent` with the key in the
//! `x-goog-api-key` header (never in the URL); answer in
//! `candidates[0].content.parts[0].text`, tokens in
//! `usageMetadata.promptTokenCount/candidatesTokenCount`.

use futures::future::BoxFuture;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

use super::{ChatReply, ChatRequest, HttpTarget, LlmProvider, Role, tokens_at};
use crate::cost::Usage;
use crate::error::ForecastError;

#[derive(Debug)]
pub struct Gemini {
    target: HttpTarget,
    model: String,
    max_tokens: u32,
    temperature: f64,
}

impl Gemini {
    #[must_use]
    pub fn new(target: HttpTarget, model: String, max_tokens: u32, temperature: f64) -> Self {
        Gemini {
            target,
            model,
            max_tokens,
            temperature,
        }
    }

    fn body(&self, req: &ChatRequest) -> Value {
        let contents: Vec<Value> = req
            .messages
            .iter()
            .map(|m| {
                let role = match m.role {
                    Role::User => "user",
                    Role::Assistant => "model",
                };
                json!({"role": role, "parts": [{"text": m.content}]})
            })
            .collect();
        json!({
            "systemInstruction": {"parts": [{"text": req.system}]},
            "contents": contents,
            "generationConfig": {
                "temperature": self.temperature,
                "maxOutputTokens": self.max_tokens,
                "responseMimeType": "application/json",
                "responseJsonSchema": req.schema,
            }
        })
    }

    async fn call(&self, req: &ChatRequest) -> Result<ChatReply, ForecastError> {
        let mut headers = HeaderMap::new();
        if let Some((k, v)) = self.target.key_header("x-goog-api-key", "")? {
            headers.insert(k, v);
        }
        let path = format!("/v1beta/models/{}:generateContent", self.model);
        let v = self
            .target
            .post_json(&path, headers, &self.body(req))
            .await?;
        let Some(text) = v
            .pointer("/candidates/0/content/parts/0/text")
            .and_then(Value::as_str)
        else {
            let reason = v
                .pointer("/promptFeedback/blockReason")
                .or_else(|| v.pointer("/candidates/0/finishReason"))
                .and_then(Value::as_str)
                .map_or("no candidates[0].content.parts[0].text".to_owned(), |r| {
                    format!("no text (reason {r})")
                });
            return Err(self.target.protocol(reason));
        };
        let usage = Usage {
            prompt_tokens: tokens_at(&v, &["usageMetadata", "promptTokenCount"]),
            completion_tokens: tokens_at(&v, &["usageMetadata", "candidatesTokenCount"]),
        };
        Ok(ChatReply {
            text: text.to_owned(),
            usage,
        })
    }
}

impl LlmProvider for Gemini {
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
