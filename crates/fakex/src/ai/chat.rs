//! `POST /v1/chat/completions` in OpenAI's wire format: the request's messages in, one
//! `chat.completion` out with the answer in `choices[0].message.content` and the tokens in
//! `usage`. Which answer is given depends on what is asked (see [`Kind`]).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{Ai, openai_error, parse_body};
use crate::util::{fnv64, hex_digest};

/// What a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// polybot's forecast contract: `{"probability", "confidence", "reasoning", …}`.
    Forecast,
    /// polybot's evidence contract: `{"bullets", "summary", "contradictions"}`.
    Evidence,
}

/// The parts of a chat request the simulated model reads.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Chat {
    pub model: String,
    pub system: String,
    /// The first user message: the prompt (later ones are corrective retries).
    pub prompt: String,
    /// Every message's text, for the token count.
    pub total_chars: usize,
}

pub(super) async fn completions(
    State(ai): State<Arc<Ai>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(auth) = headers.get(header::AUTHORIZATION)
        && super::bearer(&headers).is_none()
    {
        let shown = if auth.is_empty() {
            "empty"
        } else {
            "not a bearer token"
        };
        return openai_error(
            StatusCode::UNAUTHORIZED,
            "invalid_request_error",
            format!("Authorization header is {shown}; send `Authorization: Bearer <any key>`"),
        );
    }
    let request = match parse_body(&body) {
        Ok(v) => v,
        Err(e) => return openai_error(StatusCode::BAD_REQUEST, "invalid_request_error", e),
    };
    let (chat, kind) = match read_chat(&request) {
        Ok(parsed) => parsed,
        Err(e) => return openai_error(StatusCode::BAD_REQUEST, "invalid_request_error", e),
    };
    let content = match kind {
        Kind::Forecast => super::forecast::answer(&ai, &chat),
        Kind::Evidence => super::evidence::answer(&ai, &chat),
    };
    Json(completion(&ai, &chat, &content)).into_response()
}

/// The model, the system prompt, the first user prompt and what is asked; `Err` names what
/// is missing or malformed.
fn read_chat(request: &Value) -> Result<(Chat, Kind), String> {
    let model = match request.get("model") {
        Some(Value::String(m)) if !m.trim().is_empty() => m.trim().to_owned(),
        None | Some(Value::Null) => return Err("you must provide a model parameter".into()),
        Some(_) => return Err("`model` must be a non-empty string".into()),
    };
    let Some(Value::Array(messages)) = request.get("messages") else {
        return Err("`messages` must be an array of {role, content} objects".into());
    };
    let mut system = String::new();
    let mut prompt = None;
    let mut total_chars = 0;
    for (i, m) in messages.iter().enumerate() {
        let role = m.get("role").and_then(Value::as_str);
        let Some(content) = m.get("content").and_then(Value::as_str) else {
            return Err(format!("messages[{i}].content must be a string"));
        };
        total_chars += content.chars().count();
        match role {
            Some("system" | "developer") if system.is_empty() => content.clone_into(&mut system),
            Some("user") if prompt.is_none() => prompt = Some(content.to_owned()),
            Some("system" | "developer" | "user" | "assistant") => {}
            _ => {
                return Err(format!(
                    "messages[{i}].role must be system, user or assistant"
                ));
            }
        }
    }
    let prompt = prompt.ok_or("`messages` holds no user message")?;
    let kind = kind_of(request, &system).ok_or(
        "fakex's simulated model answers only polybot's forecast and evidence-extraction \
         requests (a response_format schema with `probability` or `bullets`)",
    )?;
    Ok((
        Chat {
            model,
            system,
            prompt,
            total_chars,
        },
        kind,
    ))
}

/// The contract asked for: the JSON schema's properties, else the system prompt's wording.
fn kind_of(request: &Value, system: &str) -> Option<Kind> {
    let properties = request.pointer("/response_format/json_schema/schema/properties");
    if let Some(Value::Object(p)) = properties {
        if p.contains_key("bullets") {
            return Some(Kind::Evidence);
        }
        if p.contains_key("probability") {
            return Some(Kind::Forecast);
        }
    }
    if system.contains("\"bullets\"") || system.contains("extract evidence") {
        Some(Kind::Evidence)
    } else if system.contains("\"probability\"") || system.contains("forecaster") {
        Some(Kind::Forecast)
    } else {
        None
    }
}

/// The `chat.completion` object, with tokens counted as OpenAI's tokenizer roughly would
/// (four characters each), so cost tracking has realistic numbers to price.
fn completion(ai: &Ai, chat: &Chat, content: &str) -> Value {
    let prompt_tokens = chat.total_chars.div_ceil(4) as u64;
    let completion_tokens = content.chars().count().div_ceil(4) as u64;
    let n = ai.next_id();
    let id = format!(
        "chatcmpl-fakex{}",
        hex_digest(fnv64(chat.prompt.as_bytes()) ^ n, 12)
    );
    json!({
        "id": id,
        "object": "chat.completion",
        "created": chrono::Utc::now().timestamp(),
        "model": chat.model,
        "system_fingerprint": "fakex-simulated",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content, "refusal": null},
            "logprobs": null,
            "finish_reason": "stop"
        }],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(schema_keys: &[&str], system: &str) -> Value {
        let props: serde_json::Map<String, Value> = schema_keys
            .iter()
            .map(|k| ((*k).to_owned(), json!({})))
            .collect();
        json!({
            "model": "sim-a",
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": "Market question: Q?"},
                {"role": "assistant", "content": "bad"},
                {"role": "user", "content": "again"}
            ],
            "response_format": {"type": "json_schema", "json_schema": {"name": "forecast", "schema": {"properties": props}}}
        })
    }

    #[test]
    fn the_schema_tells_forecasts_from_extractions() {
        let (chat, kind) = read_chat(&request(&["probability"], "")).unwrap();
        assert_eq!(kind, Kind::Forecast);
        assert_eq!(chat.prompt, "Market question: Q?");
        assert_eq!(chat.model, "sim-a");
        assert_eq!(
            read_chat(&request(&["bullets"], "")).unwrap().1,
            Kind::Evidence
        );
        let by_prompt = read_chat(&request(&[], "You extract evidence ...")).unwrap();
        assert_eq!(by_prompt.1, Kind::Evidence);
        assert!(read_chat(&request(&[], "Write a poem")).is_err());
    }

    #[test]
    fn malformed_requests_name_the_problem() {
        assert!(
            read_chat(&json!({"messages": []}))
                .unwrap_err()
                .contains("model")
        );
        assert!(
            read_chat(&json!({"model": "m"}))
                .unwrap_err()
                .contains("messages")
        );
        let no_user =
            json!({"model": "m", "messages": [{"role": "system", "content": "forecaster"}]});
        assert!(read_chat(&no_user).unwrap_err().contains("no user message"));
        let bad = json!({"model": "m", "messages": [{"role": "user", "content": 3}]});
        assert!(read_chat(&bad).unwrap_err().contains("content"));
    }
}
