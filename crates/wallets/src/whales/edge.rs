//! Edge integration (seed 000): whale conviction nudges the forecaster's edge.
//!
//! | scenario | adjustment | default |
//! |---|---|---|
//! | whales agree with the model | edge boost | +8 % ([`EDGE_BOOST`]) |
//! | whales disagree with the model | edge penalty | −2 % ([`EDGE_PENALTY`]) |
//! | whale + model convergence | lower `min_edge` | down to 2 % ([`CONVERGENCE_MIN_EDGE`]) |
//!
//! "The whales" are the conviction signals on the market scoring at least
//! [`MIN_CONVICTION_SCORE`]. They agree when their strongest signal is on the outcome the
//! model wants to buy, and disagree when it is on another outcome of the same market; a tie
//! between the two sides is no opinion. The adjustment is flat (the seed's defaults), so it is
//! bounded by `[-penalty, +boost]`.

use polybot_model::ConditionId;
use serde::{Deserialize, Serialize};

use super::conviction::ConvictionSignal;

/// Added to the edge when the whales agree (seed 000: +8 %).
pub const EDGE_BOOST: f64 = 0.08;
/// Taken from the edge when they disagree (seed 000: −2 %).
pub const EDGE_PENALTY: f64 = 0.02;
/// The minimum edge on convergence (seed 000: "down to 2 %").
pub const CONVERGENCE_MIN_EDGE: f64 = 0.02;
/// Signals below this score are ignored: the seed's MODERATE band starts at 45 ("worth
/// monitoring"); WEAK signals do not move the edge. (The seed names the key,
/// `min_conviction_score`, without a default.)
pub const MIN_CONVICTION_SCORE: f64 = 45.0;

/// The knobs, the seed's values by default.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EdgeParams {
    pub boost: f64,
    pub penalty: f64,
    pub convergence_min_edge: f64,
    pub min_conviction_score: f64,
}

impl Default for EdgeParams {
    fn default() -> Self {
        EdgeParams {
            boost: EDGE_BOOST,
            penalty: EDGE_PENALTY,
            convergence_min_edge: CONVERGENCE_MIN_EDGE,
            min_conviction_score: MIN_CONVICTION_SCORE,
        }
    }
}

/// Where the whales stand relative to the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WhaleStance {
    Agree,
    Disagree,
    /// No qualifying signal on the market, or as strong a one on each side.
    NoView,
}

/// What the whales do to one forecast's edge.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EdgeAdjustment {
    pub stance: WhaleStance,
    /// Add to the edge (probability points): `+boost`, `-penalty` or 0.
    pub edge_delta: f64,
    /// On agreement, the minimum edge to use instead of the configured one (the smaller of
    /// the two applies).
    pub min_edge: Option<f64>,
    /// The score of the deciding signal.
    pub score: Option<f64>,
}

/// A knob as a probability share: finite and in [0, 1], else 0.
fn share(v: f64) -> f64 {
    if v.is_finite() {
        v.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

impl EdgeParams {
    /// The adjustment for a model that wants to buy outcome `outcome_index` of `market`.
    #[must_use]
    pub fn assess(
        &self,
        market: ConditionId,
        outcome_index: u32,
        signals: &[ConvictionSignal],
    ) -> EdgeAdjustment {
        let (mut agree, mut disagree): (Option<f64>, Option<f64>) = (None, None);
        for s in signals {
            if s.condition_id != market
                || !s.score.is_finite()
                || s.score < self.min_conviction_score
            {
                continue;
            }
            let side = if s.outcome_index == outcome_index {
                &mut agree
            } else {
                &mut disagree
            };
            *side = Some(side.map_or(s.score, |best: f64| best.max(s.score)));
        }
        let none = EdgeAdjustment {
            stance: WhaleStance::NoView,
            edge_delta: 0.0,
            min_edge: None,
            score: None,
        };
        match (agree, disagree) {
            (Some(a), d) if d.is_none_or(|d| a > d) => EdgeAdjustment {
                stance: WhaleStance::Agree,
                edge_delta: share(self.boost),
                min_edge: Some(share(self.convergence_min_edge)),
                score: Some(a),
            },
            (a, Some(d)) if a.is_none_or(|a| d > a) => EdgeAdjustment {
                stance: WhaleStance::Disagree,
                edge_delta: -share(self.penalty),
                min_edge: None,
                score: Some(d),
            },
            _ => none,
        }
    }
}

/// The edge boost (+0.08) or penalty (−0.02) the whales give a model that wants to buy
/// outcome `outcome_index` of `market`, with the seed's defaults; 0 without a view.
#[must_use]
pub fn edge_adjustment(
    market: ConditionId,
    outcome_index: u32,
    signals: &[ConvictionSignal],
) -> f64 {
    EdgeParams::default()
        .assess(market, outcome_index, signals)
        .edge_delta
}
