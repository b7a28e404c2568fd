//! The structured answer every model must give, its strict validation, and the prompts.
//!
//! The model answers one JSON object:
//! `{"probability": 0.62, "confidence": "MEDIUM", "reasoning": "...",
//!   "invalidation_triggers": ["..."]}`.
//! [`parse_answer`] accepts it bare or inside a Markdown code fence and rejects, with a reason,
//! anything else: missing or extra fields, a probability that is not a finite number in [0, 1],
//! an unknown confidence, empty reasoning.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::request::ForecastRequest;

/// The model's self-reported confidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

/// A validated answer: `probability` is finite and in [0, 1].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecastAnswer {
    pub probability: f64,
    pub confidence: Confidence,
    pub reasoning: String,
    pub invalidation_triggers: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAnswer {
    probability: Option<Value>,
    confidence: Option<Value>,
    reasoning: Option<Value>,
    invalidation_triggers: Option<Value>,
}

/// Parses and validates a model's text. `Err` carries the reason, fit to show to the model.
pub fn parse_answer(text: &str) -> Result<ForecastAnswer, String> {
    let json = extract_json(text).ok_or("the answer contains no JSON object")?;
    let raw: RawAnswer = serde_json::from_str(json)
        .map_err(|e| format!("the answer is not the JSON object asked for: {e}"))?;
    let probability = match raw.probability {
        None | Some(Value::Null) => return Err("missing field `probability`".into()),
        Some(Value::Number(n)) => n.as_f64().ok_or("`probability` is not a number")?,
        Some(other) => return Err(format!("`probability` must be a number, got {other}")),
    };
    if !probability.is_finite() || !(0.0..=1.0).contains(&probability) {
        return Err(format!(
            "`probability` must be in [0, 1], got {probability}"
        ));
    }
    let confidence = match raw.confidence {
        Some(Value::String(s)) => match s.trim().to_ascii_uppercase().as_str() {
            "LOW" => Confidence::Low,
            "MEDIUM" => Confidence::Medium,
            "HIGH" => Confidence::High,
            _ => {
                return Err(format!(
                    "`confidence` must be LOW, MEDIUM or HIGH, got {s:?}"
                ));
            }
        },
        None | Some(Value::Null) => return Err("missing field `confidence`".into()),
        Some(other) => return Err(format!("`confidence` must be a string, got {other}")),
    };
    let reasoning = match raw.reasoning {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_owned(),
        Some(Value::String(_)) => return Err("`reasoning` is empty".into()),
        None | Some(Value::Null) => return Err("missing field `reasoning`".into()),
        Some(other) => return Err(format!("`reasoning` must be a string, got {other}")),
    };
    let invalidation_triggers = triggers(raw.invalidation_triggers)?;
    Ok(ForecastAnswer {
        probability,
        confidence,
        reasoning,
        invalidation_triggers,
    })
}

fn triggers(v: Option<Value>) -> Result<Vec<String>, String> {
    let items = match v {
        Some(Value::Array(items)) => items,
        None | Some(Value::Null) => return Err("missing field `invalidation_triggers`".into()),
        Some(other) => {
            return Err(format!(
                "`invalidation_triggers` must be an array of strings, got {other}"
            ));
        }
    };
    items
        .into_iter()
        .map(|item| match item {
            Value::String(s) => Ok(s),
            other => Err(format!(
                "`invalidation_triggers` must contain strings only, got {other}"
            )),
        })
        .collect()
}

/// The JSON object in `text`: the whole text, a fenced block, or the span from the first `{`
/// to the last `}`.
fn extract_json(text: &str) -> Option<&str> {
    let t = text.trim();
    let t = t
        .strip_prefix("```json")
        .or_else(|| t.strip_prefix("```"))
        .and_then(|s| s.trim_end().strip_suffix("```"))
        .map_or(t, str::trim);
    let start = t.find('{')?;
    let end = t.rfind('}')?;
    (start < end).then(|| &t[start..=end])
}

/// JSON Schema of the answer, sent where the provider supports schema-constrained output.
#[must_use]
pub fn answer_schema() -> Value {
    serde_json::json!({
        "type": "object",
        "properties": {
            "probability": {"type": "number", "minimum": 0, "maximum": 1},
            "confidence": {"type": "string", "enum": ["LOW", "MEDIUM", "HIGH"]},
            "reasoning": {"type": "string"},
            "invalidation_triggers": {"type": "array", "items": {"type": "string"}}
        },
        "required": ["probability", "confidence", "reasoning", "invalidation_triggers"],
        "additionalProperties": false
    })
}

/// The system prompt: the role and the exact output contract.
pub const SYSTEM_PROMPT: &str = "You are a careful, calibrated forecaster of binary prediction \
markets. Estimate the probability that the market resolves YES using only the evidence given \
and your background knowledge. Answer with ONE JSON object and nothing else: \
{\"probability\": <number in [0,1]>, \"confidence\": \"LOW\"|\"MEDIUM\"|\"HIGH\", \
\"reasoning\": \"<short reasoning>\", \"invalidation_triggers\": [\"<event that would change \
the forecast>\", ...]}";

/// The corrective message sent with the retry after a malformed answer.
#[must_use]
pub fn corrective_message(reason: &str) -> String {
    format!(
        "Your previous answer was rejected: {reason}. Reply again with ONLY the JSON object \
         {{\"probability\": <number in [0,1]>, \"confidence\": \"LOW\"|\"MEDIUM\"|\"HIGH\", \
         \"reasoning\": \"...\", \"invalidation_triggers\": [\"...\"]}} and no other text."
    )
}

/// The user prompt for `req`. The market price appears only when `show_market_price`.
#[must_use]
pub fn user_prompt(req: &ForecastRequest, show_market_price: bool) -> String {
    let mut s = format!(
        "Market question: {}\nMarket type: {}\n",
        req.question, req.category
    );
    if !req.description.is_empty() {
        s.push_str(&format!("Resolution details: {}\n", req.description));
    }
    if let Some(days) = req.days_to_resolution {
        s.push_str(&format!("Days to resolution: {days:.1}\n"));
    }
    if !req.evidence_summary.is_empty() {
        s.push_str(&format!("Evidence summary: {}\n", req.evidence_summary));
    }
    for (i, b) in req.evidence.iter().enumerate() {
        s.push_str(&format!("Evidence {}: {b}\n", i + 1));
    }
    for c in &req.contradictions {
        s.push_str(&format!("Contradiction: {c}\n"));
    }
    if show_market_price && let Some(p) = req.market_price {
        s.push_str(&format!("Current market-implied probability: {p:.3}\n"));
    }
    s.push_str("Give your forecast as the JSON object described.");
    s
}
