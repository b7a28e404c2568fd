//! What a forecaster is asked.

use serde::{Deserialize, Serialize};

/// One market to forecast, with the evidence gathered for it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ForecastRequest {
    pub market_id: String,
    pub question: String,
    /// Resolution criteria, if known.
    pub description: String,
    /// MACRO, ELECTION, CORPORATE, WEATHER, SPORTS, CRYPTO, ... (keys the adaptive weights).
    pub category: String,
    pub evidence_summary: String,
    /// Evidence bullets, most important first.
    pub evidence: Vec<String>,
    pub contradictions: Vec<String>,
    /// Evidence quality in [0, 1], computed independently of the LLM.
    pub evidence_quality: Option<f64>,
    /// Market-implied YES probability. Sent to models only when `show_market_price`.
    pub market_price: Option<f64>,
    pub days_to_resolution: Option<f64>,
}
