//! Fetched text → the seed's structured evidence bullets.
//!
//! An LLM reads the sources and answers one JSON object
//! `{"bullets": [{"text", "metric_name", "metric_value", "metric_unit", "metric_date",
//! "confidence", "source_url"}], "summary": "...", "contradictions": ["..."]}`.
//! The answer is validated strictly, with one corrective retry like the forecasters. What the
//! model cannot be trusted with is never taken from it: a bullet must cite one of the URLs it
//! was given (anything else is dropped and counted — a model that invents a source may invent
//! the number too), and the citation's publisher and authority are computed from the cited
//! source's domain.
//!
//! [`extract_offline`] keeps the pipeline running without an LLM key: it picks sentences that
//! state a number with a unit, or a full date, and says in its summary that it read nothing
//! for meaning.

use std::sync::Arc;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::domains::{authority_score, publisher_of};
use super::quality::parse_iso_date;
use super::{Citation, EvidenceBullet, ResearchConfig, ResearchError, Source};
use crate::cost::{PriceTable, Usage};
use crate::forecaster::SharedLedger;
use crate::providers::{ChatMessage, ChatRequest, LlmProvider};

mod offline;

pub use offline::extract_offline;

/// Characters of source text sent per extraction, over all sources: about 15k tokens, which
/// leaves room for the answer in every supported model's context and bounds the cost.
pub const DEFAULT_PROMPT_BUDGET: usize = 60_000;
/// How [`extract_offline`]'s summary starts, so no reader mistakes it for a model's reading.
pub const OFFLINE_SUMMARY: &str = "offline extraction (no LLM configured)";
/// Confidence of an offline bullet: the sentence is quoted, not understood.
pub const OFFLINE_CONFIDENCE: f64 = 0.5;
/// Offline bullets per source, so one long table does not crowd out every other source.
pub const OFFLINE_PER_SOURCE: usize = 5;

/// What extraction produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Extraction {
    /// Highest authority first, then highest confidence; at most `max_bullets`.
    pub bullets: Vec<EvidenceBullet>,
    pub summary: String,
    /// Conflicts the model noticed, in its words (the graded ones come from `quality`).
    pub contradictions: Vec<String>,
    /// Bullets dropped for citing a URL that was not among the sources.
    pub dropped: usize,
    /// Tokens over every attempt (zero offline).
    pub usage: Usage,
    pub cost_usd: Decimal,
    /// LLM requests made: 0 (offline or no sources), 1, or 2 after a malformed answer.
    pub attempts: u32,
    /// The provider's configured name, or `"offline"`.
    pub provider: String,
    pub model: String,
}

/// An LLM provider made into an evidence extractor.
pub struct EvidenceExtractor {
    provider: Arc<dyn LlmProvider>,
    prices: PriceTable,
    ledger: SharedLedger,
    max_bullets: usize,
    prompt_budget: usize,
}

impl EvidenceExtractor {
    #[must_use]
    pub fn new(
        provider: Arc<dyn LlmProvider>,
        prices: PriceTable,
        ledger: SharedLedger,
        cfg: &ResearchConfig,
    ) -> Self {
        EvidenceExtractor {
            provider,
            prices,
            ledger,
            max_bullets: cfg.max_bullets,
            prompt_budget: DEFAULT_PROMPT_BUDGET,
        }
    }

    /// Replaces [`DEFAULT_PROMPT_BUDGET`] (smaller models, or tests).
    #[must_use]
    pub fn with_prompt_budget(mut self, chars: usize) -> Self {
        self.prompt_budget = chars;
        self
    }

    #[must_use]
    pub fn provider_name(&self) -> &str {
        self.provider.name()
    }

    fn record(&self, usage: Usage) -> Decimal {
        let mut ledger = self.ledger.lock().unwrap_or_else(|p| p.into_inner());
        ledger.record(self.provider.name(), usage, &self.prices)
    }

    fn failure(&self, reason: impl Into<String>) -> ResearchError {
        ResearchError::Extraction {
            provider: self.provider.name().to_owned(),
            reason: reason.into(),
        }
    }

    /// Bullets for `question` from `sources`. No sources: an empty extraction, no request.
    pub async fn extract(
        &self,
        question: &str,
        sources: &[Source],
    ) -> Result<Extraction, ResearchError> {
        let mut out = Extraction {
            bullets: Vec::new(),
            summary: String::new(),
            contradictions: Vec::new(),
            dropped: 0,
            usage: Usage::default(),
            cost_usd: Decimal::ZERO,
            attempts: 0,
            provider: self.provider.name().to_owned(),
            model: self.provider.model().to_owned(),
        };
        if sources.is_empty() {
            out.summary = "no sources were fetched; nothing to extract".into();
            return Ok(out);
        }
        let mut chat = ChatRequest {
            system: SYSTEM_PROMPT.to_owned(),
            messages: vec![ChatMessage::user(user_prompt(
                question,
                sources,
                self.max_bullets,
                self.prompt_budget,
            ))],
            schema: extraction_schema(sources),
        };
        for attempt in 1..=2u32 {
            let reply = self
                .provider
                .complete(&chat)
                .await
                .map_err(|e| self.failure(e.to_string()))?;
            out.attempts = attempt;
            out.usage = out.usage.plus(reply.usage);
            out.cost_usd = out.cost_usd.saturating_add(self.record(reply.usage));
            match parse_extraction(&reply.text, sources) {
                Ok(parsed) => {
                    out.bullets = rank(parsed.bullets, self.max_bullets);
                    out.summary = parsed.summary;
                    out.contradictions = parsed.contradictions;
                    out.dropped = parsed.dropped;
                    return Ok(out);
                }
                Err(reason) if attempt == 1 => {
                    tracing::warn!(provider = self.provider.name(), %reason, "malformed evidence; retrying");
                    chat.messages.push(ChatMessage::assistant(reply.text));
                    chat.messages
                        .push(ChatMessage::user(corrective_message(&reason)));
                }
                Err(reason) => return Err(self.failure(reason)),
            }
        }
        Err(self.failure("no answer after the corrective retry"))
    }
}

/// Highest authority first, then highest confidence; ties keep the model's order.
fn rank(mut bullets: Vec<EvidenceBullet>, max: usize) -> Vec<EvidenceBullet> {
    bullets.sort_by(|a, b| {
        b.citation
            .authority_score
            .total_cmp(&a.citation.authority_score)
            .then(b.confidence.total_cmp(&a.confidence))
    });
    bullets.truncate(max);
    bullets
}

/// A validated answer, before ranking.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedExtraction {
    pub bullets: Vec<EvidenceBullet>,
    pub summary: String,
    pub contradictions: Vec<String>,
    /// Bullets citing a URL not among `sources`.
    pub dropped: usize,
}

/// Parses and validates a model's text against the `sources` it was shown. `Err` carries the
/// reason, fit to show to the model. Keys the schema does not ask for (an echoed `citation`
/// or `authority_score`) are ignored, never used.
pub fn parse_extraction(text: &str, sources: &[Source]) -> Result<ParsedExtraction, String> {
    let json = json_object(text).ok_or("the answer contains no JSON object")?;
    let root: Map<String, Value> = serde_json::from_str(json)
        .map_err(|e| format!("the answer is not the JSON object asked for: {e}"))?;
    let items = match root.get("bullets") {
        Some(Value::Array(items)) => items,
        None | Some(Value::Null) => return Err("missing field `bullets`".into()),
        Some(other) => return Err(format!("`bullets` must be an array, got {other}")),
    };
    let summary = match root.get("summary") {
        Some(Value::String(s)) => s.trim().to_owned(),
        None | Some(Value::Null) => return Err("missing field `summary`".into()),
        Some(other) => return Err(format!("`summary` must be a string, got {other}")),
    };
    let contradictions = string_list(root.get("contradictions"), "contradictions")?;
    let mut bullets = Vec::with_capacity(items.len());
    let mut dropped = 0;
    for (i, item) in items.iter().enumerate() {
        match parse_bullet(item, sources).map_err(|e| format!("bullet {}: {e}", i + 1))? {
            Some(b) => bullets.push(b),
            None => dropped += 1,
        }
    }
    Ok(ParsedExtraction {
        bullets,
        summary,
        contradictions,
        dropped,
    })
}

/// `Ok(None)`: the bullet cites an unknown URL and is dropped.
fn parse_bullet(item: &Value, sources: &[Source]) -> Result<Option<EvidenceBullet>, String> {
    let obj = item.as_object().ok_or("must be an object")?;
    let url = match obj.get("source_url") {
        Some(Value::String(s)) => s.trim(),
        None | Some(Value::Null) => return Err("missing field `source_url`".into()),
        Some(other) => return Err(format!("`source_url` must be a string, got {other}")),
    };
    let Some(source) = sources.iter().find(|s| same_url(&s.url, url)) else {
        return Ok(None);
    };
    let text = match obj.get("text") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_owned(),
        Some(Value::String(_)) => return Err("`text` is empty".into()),
        None | Some(Value::Null) => return Err("missing field `text`".into()),
        Some(other) => return Err(format!("`text` must be a string, got {other}")),
    };
    let confidence = match obj.get("confidence") {
        Some(Value::Number(n)) => n.as_f64().ok_or("`confidence` is not a number")?,
        None | Some(Value::Null) => return Err("missing field `confidence`".into()),
        Some(other) => return Err(format!("`confidence` must be a number, got {other}")),
    };
    if !confidence.is_finite() || !(0.0..=1.0).contains(&confidence) {
        return Err(format!("`confidence` must be in [0, 1], got {confidence}"));
    }
    let metric_date = optional_string(obj.get("metric_date"), "metric_date")?;
    if let Some(d) = &metric_date
        && parse_iso_date(d).is_none()
    {
        return Err(format!(
            "`metric_date` must be an ISO date (YYYY-MM-DD, YYYY-MM, YYYY-Qn or YYYY) or null, got {d:?}"
        ));
    }
    Ok(Some(EvidenceBullet {
        text,
        metric_name: optional_string(obj.get("metric_name"), "metric_name")?,
        metric_value: optional_string(obj.get("metric_value"), "metric_value")?,
        metric_unit: optional_string(obj.get("metric_unit"), "metric_unit")?,
        metric_date,
        confidence,
        citation: citation_for(source),
    }))
}

/// Publisher and authority of the source's own domain: never the model's claim.
fn citation_for(source: &Source) -> Citation {
    Citation {
        url: source.url.clone(),
        publisher: publisher_of(&source.domain),
        authority_score: authority_score(&source.domain),
    }
}

/// Equal, or equal but for a trailing slash (models often add or drop one).
fn same_url(known: &str, cited: &str) -> bool {
    known == cited || known.trim_end_matches('/') == cited.trim_end_matches('/')
}

/// A string, a number (kept as written), or null/absent/blank (`None`).
fn optional_string(v: Option<&Value>, field: &str) -> Result<Option<String>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_owned()).filter(|s| !s.is_empty())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(other) => Err(format!("`{field}` must be a string or null, got {other}")),
    }
}

fn string_list(v: Option<&Value>, field: &str) -> Result<Vec<String>, String> {
    let items = match v {
        Some(Value::Array(items)) => items,
        None | Some(Value::Null) => return Err(format!("missing field `{field}`")),
        Some(other) => {
            return Err(format!(
                "`{field}` must be an array of strings, got {other}"
            ));
        }
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Value::String(s) if !s.trim().is_empty() => out.push(s.trim().to_owned()),
            Value::String(_) => {}
            other => return Err(format!("`{field}` must contain strings only, got {other}")),
        }
    }
    Ok(out)
}

/// The JSON object in `text`: the whole text, a fenced block, or the span from the first `{`
/// to the last `}`.
fn json_object(text: &str) -> Option<&str> {
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

/// JSON Schema of the answer, in the form OpenAI's strict mode accepts (every property
/// required, nullables as `["string", "null"]`); `source_url` is limited to the sources' URLs.
#[must_use]
pub fn extraction_schema(sources: &[Source]) -> Value {
    let urls: Vec<&str> = sources.iter().map(|s| s.url.as_str()).collect();
    let nullable = json!({"type": ["string", "null"]});
    json!({
        "type": "object",
        "properties": {
            "bullets": {"type": "array", "items": {
                "type": "object",
                "properties": {
                    "text": {"type": "string"},
                    "metric_name": nullable,
                    "metric_value": nullable,
                    "metric_unit": nullable,
                    "metric_date": nullable,
                    "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                    "source_url": {"type": "string", "enum": urls}
                },
                "required": ["text", "metric_name", "metric_value", "metric_unit", "metric_date",
                             "confidence", "source_url"],
                "additionalProperties": false
            }},
            "summary": {"type": "string"},
            "contradictions": {"type": "array", "items": {"type": "string"}}
        },
        "required": ["bullets", "summary", "contradictions"],
        "additionalProperties": false
    })
}

/// The role and the output contract.
pub const SYSTEM_PROMPT: &str = "You extract evidence for a prediction market from the \
sources given, and only from them. Report facts the sources state — figures with their unit \
and the date or period they refer to, scheduled release dates, official results — not \
opinions or your own knowledge. Cite each fact with the exact URL of the source that states \
it. Answer with ONE JSON object and nothing else: {\"bullets\": [{\"text\": \"<the fact, one \
sentence>\", \"metric_name\": \"<e.g. CPI-U YoY>\"|null, \"metric_value\": \"<number as \
written, e.g. 3.1>\"|null, \"metric_unit\": \"<e.g. percent, USD>\"|null, \"metric_date\": \
\"<YYYY-MM-DD, YYYY-MM, YYYY-Qn or YYYY the value refers to>\"|null, \"confidence\": <number \
in [0,1] that the source states exactly this>, \"source_url\": \"<one of the source URLs>\"}], \
\"summary\": \"<two or three sentences on what the evidence says about the question>\", \
\"contradictions\": [\"<where sources disagree>\", ...]}";

/// The corrective message sent with the retry after a malformed answer.
#[must_use]
pub fn corrective_message(reason: &str) -> String {
    format!(
        "Your previous answer was rejected: {reason}. Reply again with ONLY the JSON object \
         {{\"bullets\": [{{\"text\", \"metric_name\", \"metric_value\", \"metric_unit\", \
         \"metric_date\", \"confidence\", \"source_url\"}}], \"summary\": \"...\", \
         \"contradictions\": [\"...\"]}}, citing only the source URLs given, and no other text."
    )
}

/// The user prompt: the question, then each source with its text cut to its share of
/// `budget` characters.
#[must_use]
pub fn user_prompt(
    question: &str,
    sources: &[Source],
    max_bullets: usize,
    budget: usize,
) -> String {
    let lengths: Vec<usize> = sources.iter().map(|s| s.text.chars().count()).collect();
    let shares = allot(&lengths, budget);
    let mut s = format!("Market question: {question}\n\nSources:\n");
    for (i, (source, share)) in sources.iter().zip(shares).enumerate() {
        s.push_str(&format!(
            "\n[{}] URL: {}\nPublisher domain: {}\nTitle: {}\nPublished: {}\nText:\n{}\n",
            i + 1,
            source.url,
            source.domain,
            source.title,
            source.published.as_deref().unwrap_or("unknown"),
            cut(&source.text, share),
        ));
    }
    s.push_str(&format!(
        "\nExtract at most {max_bullets} bullets relevant to the question, most important \
         first, as the JSON object described."
    ));
    s
}

/// Splits `budget` characters over texts of `lengths`: equal shares, with what a short text
/// does not use passed on to the longer ones.
fn allot(lengths: &[usize], budget: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..lengths.len()).collect();
    order.sort_by_key(|&i| lengths[i]);
    let mut shares = vec![0; lengths.len()];
    let mut left = budget;
    for (k, &i) in order.iter().enumerate() {
        let share = (left / (lengths.len() - k)).min(lengths[i]);
        shares[i] = share;
        left -= share;
    }
    shares
}

/// The first `chars` characters of `text`, marked when cut.
fn cut(text: &str, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        None => text.to_owned(),
        Some((at, _)) => format!("{} [...]", &text[..at]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_is_shared_and_unused_shares_pass_on() {
        assert_eq!(allot(&[100, 10_000, 50], 3_000), vec![100, 2_850, 50]);
        assert_eq!(allot(&[5_000, 5_000], 3_000), vec![1_500, 1_500]);
        assert_eq!(allot(&[], 3_000), Vec::<usize>::new());
        assert_eq!(cut("héllo wörld", 5), "héllo [...]");
        assert_eq!(cut("short", 50), "short");
    }
}
