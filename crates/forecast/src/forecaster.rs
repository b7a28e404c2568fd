//! The [`Forecaster`] port and its LLM implementation: prompt → provider → strict validation,
//! one corrective retry on a malformed answer, then a clear rejection. Every request's tokens
//! are priced and recorded in the shared [`CostLedger`] (retries included).

use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::cost::{CostLedger, PriceTable, Usage};
use crate::error::ForecastError;
use crate::providers::{ChatMessage, ChatRequest, LlmProvider};
use crate::request::ForecastRequest;
use crate::structured::{
    ForecastAnswer, SYSTEM_PROMPT, answer_schema, corrective_message, parse_answer, user_prompt,
};

/// The ledger every forecaster of a process records into.
pub type SharedLedger = Arc<Mutex<CostLedger>>;

/// Where a forecast came from. `Offline` is a placeholder, not a forecast of skill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Llm,
    Offline,
}

/// One model's validated forecast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelForecast {
    pub source: Source,
    /// Provider name from the config (`"offline"` for the offline forecaster).
    pub provider: String,
    pub model: String,
    #[serde(flatten)]
    pub answer: ForecastAnswer,
    /// Tokens over every attempt.
    pub usage: Usage,
    /// USD over every attempt.
    pub cost_usd: Decimal,
    /// 1, or 2 when the first answer was malformed.
    pub attempts: u32,
}

/// Anything that turns a request into one forecast.
pub trait Forecaster: Send + Sync {
    fn name(&self) -> &str;
    fn forecast<'a>(
        &'a self,
        req: &'a ForecastRequest,
    ) -> BoxFuture<'a, Result<ModelForecast, ForecastError>>;
}

/// An LLM provider made into a forecaster.
pub struct LlmForecaster {
    provider: Arc<dyn LlmProvider>,
    prices: PriceTable,
    show_market_price: bool,
    ledger: SharedLedger,
}

impl LlmForecaster {
    #[must_use]
    pub fn new(
        provider: Arc<dyn LlmProvider>,
        prices: PriceTable,
        show_market_price: bool,
        ledger: SharedLedger,
    ) -> Self {
        LlmForecaster {
            provider,
            prices,
            show_market_price,
            ledger,
        }
    }

    fn record(&self, usage: Usage) -> Decimal {
        let mut ledger = self.ledger.lock().unwrap_or_else(|p| p.into_inner());
        ledger.record(self.provider.name(), usage, &self.prices)
    }

    async fn run(&self, req: &ForecastRequest) -> Result<ModelForecast, ForecastError> {
        let mut chat = ChatRequest {
            system: SYSTEM_PROMPT.to_owned(),
            messages: vec![ChatMessage::user(user_prompt(req, self.show_market_price))],
            schema: answer_schema(),
        };
        let (mut usage, mut cost) = (Usage::default(), Decimal::ZERO);
        for attempt in 1..=2u32 {
            let reply = self.provider.complete(&chat).await?;
            usage = usage.plus(reply.usage);
            cost = cost.saturating_add(self.record(reply.usage));
            match parse_answer(&reply.text) {
                Ok(answer) => {
                    return Ok(ModelForecast {
                        source: Source::Llm,
                        provider: self.provider.name().to_owned(),
                        model: self.provider.model().to_owned(),
                        answer,
                        usage,
                        cost_usd: cost,
                        attempts: attempt,
                    });
                }
                Err(reason) if attempt == 1 => {
                    tracing::warn!(provider = self.provider.name(), %reason, "malformed answer; retrying");
                    chat.messages.push(ChatMessage::assistant(reply.text));
                    chat.messages
                        .push(ChatMessage::user(corrective_message(&reason)));
                }
                Err(reason) => {
                    return Err(ForecastError::Rejected {
                        provider: self.provider.name().to_owned(),
                        reason,
                    });
                }
            }
        }
        unreachable!("the loop returns on its second attempt")
    }
}

impl Forecaster for LlmForecaster {
    fn name(&self) -> &str {
        self.provider.name()
    }

    fn forecast<'a>(
        &'a self,
        req: &'a ForecastRequest,
    ) -> BoxFuture<'a, Result<ModelForecast, ForecastError>> {
        Box::pin(self.run(req))
    }
}
