//! The Smart Money Index (seed 000): one 0–100 number for which way the whales lean.

use serde::{Deserialize, Serialize};

use super::conviction::ConvictionSignal;

/// Which way a holding leans. Polymarket lists binary outcomes `["Yes", "No"]`, so holding
/// outcome 0 is a bet that the event happens (bullish) and outcome 1 that it does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Direction {
    Bullish,
    Bearish,
    /// Outcome index ≥ 2: neither (left out of the index).
    Neutral,
}

impl Direction {
    #[must_use]
    pub fn of_outcome(outcome_index: u32) -> Self {
        match outcome_index {
            0 => Direction::Bullish,
            1 => Direction::Bearish,
            _ => Direction::Neutral,
        }
    }
}

/// The seed's interpretation bands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SmiReading {
    /// 0–30.
    VeryBearish,
    /// 30–40.
    Bearish,
    /// 40–60.
    Neutral,
    /// 60–70.
    Bullish,
    /// 70–100.
    VeryBullish,
}

impl SmiReading {
    /// Each band includes its lower bound: 30 is bearish, 40 neutral, 60 bullish, 70 very
    /// bullish.
    #[must_use]
    pub fn of(value: f64) -> Self {
        if value >= 70.0 {
            SmiReading::VeryBullish
        } else if value >= 60.0 {
            SmiReading::Bullish
        } else if value >= 40.0 {
            SmiReading::Neutral
        } else if value >= 30.0 {
            SmiReading::Bearish
        } else {
            SmiReading::VeryBearish
        }
    }

    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            SmiReading::VeryBearish => "VERY_BEARISH",
            SmiReading::Bearish => "BEARISH",
            SmiReading::Neutral => "NEUTRAL",
            SmiReading::Bullish => "BULLISH",
            SmiReading::VeryBullish => "VERY_BULLISH",
        }
    }
}

/// The index and what went into it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SmartMoneyIndex {
    /// In [0, 100]; 50 when there is nothing to weigh.
    pub value: f64,
    pub reading: SmiReading,
    /// Σ score × USD of the bullish and of the bearish signals.
    pub bullish_weight: f64,
    pub bearish_weight: f64,
    /// Signals that counted (bullish or bearish).
    pub signals: u32,
}

/// `SMI = 100 · Σ bullish (score × USD) / Σ all (score × USD)` over `signals` (seed 000);
/// neutral signals (outcome index ≥ 2) are left out. 50 when no signal has weight.
#[must_use]
pub fn smart_money_index(signals: &[ConvictionSignal]) -> SmartMoneyIndex {
    let (mut bullish, mut bearish, mut counted) = (0.0f64, 0.0f64, 0u32);
    for s in signals {
        let dollars = (s.total_usd.micros() as f64 / 1e6).max(0.0);
        let weight = if s.score.is_finite() {
            s.score.max(0.0) * dollars
        } else {
            0.0
        };
        match s.direction {
            Direction::Bullish => bullish += weight,
            Direction::Bearish => bearish += weight,
            Direction::Neutral => continue,
        }
        counted += 1;
    }
    let total = bullish + bearish;
    let value = if total > 0.0 && total.is_finite() {
        (100.0 * bullish / total).clamp(0.0, 100.0)
    } else {
        50.0
    };
    SmartMoneyIndex {
        value,
        reading: SmiReading::of(value),
        bullish_weight: bullish,
        bearish_weight: bearish,
        signals: counted,
    }
}
