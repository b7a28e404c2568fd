//! [`Event`]: everything the kernel reacts to. Events are plain serializable data so that a run
//! can be journaled and replayed to the same decisions.

use polybot_model::{
    BookSide, ConditionId, Level, Price, Probability, Side, Size, TickSize, TokenId,
};
use polybot_risk::Confidence;
use serde::{Deserialize, Serialize};

use crate::ledger::AccountId;
use crate::operator::OperatorCommand;
use crate::session::SessionMarket;
use crate::sim::VenueReport;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// A full book (a snapshot after (re)subscription).
    Book {
        token: TokenId,
        bids: Vec<Level>,
        asks: Vec<Level>,
        ts: i64,
    },
    /// One level changed (a `price_change` entry); size zero removes it.
    Level {
        token: TokenId,
        side: BookSide,
        price: Price,
        size: Size,
        ts: i64,
    },
    /// A trade printed on the venue's tape.
    Trade {
        token: TokenId,
        price: Price,
        size: Size,
        side: Option<Side>,
        ts: i64,
    },
    TickSize {
        token: TokenId,
        tick: TickSize,
        ts: i64,
    },
    /// A market resolved: `tokens[winner]` pays 1.
    Resolved {
        condition: ConditionId,
        tokens: Vec<TokenId>,
        winner: usize,
        ts: i64,
    },
    /// An operator's command (manual trading), with the id the store queued it under.
    Operator {
        command_id: i64,
        account: AccountId,
        command: OperatorCommand,
        ts: i64,
    },
    /// A resolved market's winning shares were redeemed for cash.
    Redeemed { condition: ConditionId, ts: i64 },
    /// The engine starts trading a market mid-session (a manual order on a new token).
    Market { market: SessionMarket, ts: i64 },
    /// A report from a venue that runs outside the kernel (the live venue).
    Venue { report: VenueReport, ts: i64 },
    /// Time passes (timers, expiries, TWAP slices).
    Tick { ts: i64 },
    /// A tracked wallet traded (copy trading's signal), as the wallet tracker detected it.
    /// Boxed: market events stay small on the hot path.
    LeaderTrade { trade: Box<LeaderTrade>, ts: i64 },
    /// A market was forecast (the forecasting strategy's signal), as the forecasting pipeline
    /// produced it. Boxed like [`Event::LeaderTrade`].
    Forecast {
        forecast: Box<ForecastSignal>,
        ts: i64,
    },
}

/// A trade by a tracked wallet, with what the tracker knows about the trader at that moment
/// (so a replay sees the same score the run saw).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaderTrade {
    pub wallet: String,
    pub label: Option<String>,
    /// The outcome token traded (YES or NO; the tracker resolved the outcome index).
    pub token: TokenId,
    pub side: Side,
    pub price: Price,
    pub size: Size,
    /// When the trade happened at the venue (the signal's age is measured from it).
    pub timestamp_ms: i64,
    pub tx_hash: String,
    /// The trader's composite score in [0, 1], when scored.
    pub score: Option<polybot_model::Probability>,
    /// Why the trader cannot be copied (high frequency, scalping, ...), if so.
    pub uncopyable: Option<String>,
}

/// A forecast of a binary market, with everything that went into it that a trade or a later
/// review needs: the journal keeps it, so a replay decides on exactly the forecast the run saw,
/// whatever the models would answer today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForecastSignal {
    pub condition: ConditionId,
    /// Gamma's market id.
    pub market_id: String,
    /// The question, shortened: for the decision log, not for deciding.
    pub question: String,
    /// The scanner's classification (`MACRO`, `SPORTS`, ...).
    pub category: String,
    pub yes_token: TokenId,
    pub no_token: TokenId,
    /// The final forecast that YES wins: calibrated and combined with the market price.
    pub probability_yes: Probability,
    /// The models' ensemble before calibration and the market, kept to judge both steps later.
    pub raw_probability_yes: Probability,
    pub confidence: Confidence,
    /// The research's evidence quality in [0, 1], when there was research to grade.
    pub evidence_quality: Option<Probability>,
    /// The market's implied YES probability when the forecast was made (the mid, or the last
    /// price), so the log shows what the forecast disagreed with.
    pub market_probability_yes: Option<Probability>,
    /// Who forecast: [`ForecastSignal::LLM`] or [`ForecastSignal::OFFLINE`].
    pub source: String,
    /// The store's row of this forecast, to join outcomes to it once the market resolves.
    pub forecast_id: Option<i64>,
    /// When the forecast was made (its age is measured from it).
    pub made_ms: i64,
}

impl ForecastSignal {
    /// The LLM ensemble's forecasts.
    pub const LLM: &'static str = "llm";
    /// The offline forecaster's: a placeholder that keeps the pipeline runnable without model
    /// keys and has no skill, so it is not traded unless the operator asks.
    pub const OFFLINE: &'static str = "offline";

    #[must_use]
    pub fn is_offline(&self) -> bool {
        self.source == Self::OFFLINE
    }

    /// The probability that `token` pays out, if it is one of this market's two tokens.
    #[must_use]
    pub fn probability_of(&self, token: TokenId) -> Option<Probability> {
        if token == self.yes_token {
            Some(self.probability_yes)
        } else if token == self.no_token {
            Probability::from_micros(Probability::ONE.micros() - self.probability_yes.micros()).ok()
        } else {
            None
        }
    }
}

impl Event {
    /// When the event happened, in venue milliseconds.
    #[must_use]
    pub fn ts(&self) -> i64 {
        match self {
            Event::Book { ts, .. }
            | Event::Level { ts, .. }
            | Event::Trade { ts, .. }
            | Event::TickSize { ts, .. }
            | Event::Resolved { ts, .. }
            | Event::Venue { ts, .. }
            | Event::Operator { ts, .. }
            | Event::Redeemed { ts, .. }
            | Event::Market { ts, .. }
            | Event::Tick { ts }
            | Event::LeaderTrade { ts, .. }
            | Event::Forecast { ts, .. } => *ts,
        }
    }

    /// The token a market-data event is about.
    #[must_use]
    pub fn token(&self) -> Option<TokenId> {
        match self {
            Event::Book { token, .. }
            | Event::Level { token, .. }
            | Event::Trade { token, .. }
            | Event::TickSize { token, .. } => Some(*token),
            _ => None,
        }
    }
}
