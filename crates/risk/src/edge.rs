//! The edge stage: which side of a binary market a probability says to buy, and by how much.
//!
//! The seed compares the model with the mid and subtracts a flat cost (`|p − implied| − cost`).
//! Here each side is priced where it can actually be bought — its best ask, plus the venue's
//! taker fee at that price and `extra_costs` — because that is what a taker pays, and the
//! spread alone can eat a mid-based edge. The raw (mid-based) edge is still reported.

use polybot_model::Price;
use serde::{Deserialize, Serialize};

use crate::sizing::{effective_cost, expected_value_per_dollar, net_edge};

/// Which token to buy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    #[serde(rename = "BUY_YES")]
    BuyYes,
    #[serde(rename = "BUY_NO")]
    BuyNo,
}

impl Direction {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Direction::BuyYes => "BUY_YES",
            Direction::BuyNo => "BUY_NO",
        }
    }
}

/// Buying one side at its ask.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SideEdge {
    /// The best ask.
    pub price: Price,
    /// Our probability that this side pays out.
    pub probability: f64,
    /// Price + taker fee + extra costs, per share.
    pub effective_cost: f64,
    /// `probability − effective_cost`.
    pub net_edge: f64,
    /// `probability / effective_cost − 1`.
    pub ev_per_dollar: f64,
}

/// Both sides and the choice.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EdgeAssessment {
    pub probability_yes: f64,
    /// The market-implied YES probability (the mid), if known.
    pub implied_yes: Option<f64>,
    /// `probability_yes − implied_yes`: the seed's raw edge, before costs and the spread.
    pub raw_edge: Option<f64>,
    pub yes: Option<SideEdge>,
    pub no: Option<SideEdge>,
    /// The side with the larger positive net edge; `None` when neither has one.
    pub direction: Option<Direction>,
    pub fee_rate_bps: u32,
    pub extra_costs: f64,
}

impl EdgeAssessment {
    /// The chosen side's numbers.
    #[must_use]
    pub fn chosen(&self) -> Option<&SideEdge> {
        match self.direction? {
            Direction::BuyYes => self.yes.as_ref(),
            Direction::BuyNo => self.no.as_ref(),
        }
    }

    /// The best net edge on offer (the chosen side's, or the less negative one), for reports.
    #[must_use]
    pub fn best_net_edge(&self) -> Option<f64> {
        [self.yes, self.no]
            .iter()
            .flatten()
            .map(|s| s.net_edge)
            .reduce(f64::max)
    }
}

/// Assesses buying YES at `yes_ask` or NO at `no_ask` with `probability_yes` (clamped into
/// [0, 1]; NaN counts as no information and gives no direction).
#[must_use]
pub fn assess_edge(
    probability_yes: f64,
    yes_ask: Option<Price>,
    no_ask: Option<Price>,
    implied_yes: Option<f64>,
    fee_rate_bps: u32,
    extra_costs: f64,
) -> EdgeAssessment {
    let known = probability_yes.is_finite();
    let p = if known {
        probability_yes.clamp(0.0, 1.0)
    } else {
        0.5
    };
    let side = |price: Price, probability: f64| SideEdge {
        price,
        probability,
        effective_cost: effective_cost(price, fee_rate_bps, extra_costs),
        net_edge: net_edge(probability, price, fee_rate_bps, extra_costs),
        ev_per_dollar: expected_value_per_dollar(probability, price, fee_rate_bps, extra_costs),
    };
    let yes = yes_ask.map(|a| side(a, p));
    let no = no_ask.map(|a| side(a, 1.0 - p));
    let implied_yes = implied_yes.filter(|m| m.is_finite());
    let positive = |s: Option<SideEdge>| s.map(|s| s.net_edge).filter(|e| *e > 0.0);
    let direction = match (known, positive(yes), positive(no)) {
        (false, _, _) | (true, None, None) => None,
        (true, Some(_), None) => Some(Direction::BuyYes),
        (true, None, Some(_)) => Some(Direction::BuyNo),
        (true, Some(y), Some(n)) => Some(if y >= n {
            Direction::BuyYes
        } else {
            Direction::BuyNo
        }),
    };
    EdgeAssessment {
        probability_yes: p,
        implied_yes,
        raw_edge: implied_yes.map(|m| p - m),
        yes,
        no,
        direction,
        fee_rate_bps,
        extra_costs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn price(s: &str) -> Price {
        Price::parse(s).unwrap()
    }

    #[test]
    fn buys_yes_when_the_forecast_is_above_the_yes_ask_after_the_fee() {
        let e = assess_edge(
            0.70,
            Some(price("0.60")),
            Some(price("0.42")),
            Some(0.59),
            200,
            0.0,
        );
        assert_eq!(e.direction, Some(Direction::BuyYes));
        let yes = e.chosen().unwrap();
        // fee = 0.02 · 0.6 · 0.4 = 0.0048
        assert!((yes.effective_cost - 0.6048).abs() < 1e-12);
        assert!((yes.net_edge - 0.0952).abs() < 1e-12);
        assert!((yes.ev_per_dollar - (0.70 / 0.6048 - 1.0)).abs() < 1e-12);
        assert!((e.raw_edge.unwrap() - 0.11).abs() < 1e-12);
    }

    #[test]
    fn buys_no_when_the_forecast_is_below_and_nothing_when_the_spread_eats_the_edge() {
        let e = assess_edge(
            0.30,
            Some(price("0.52")),
            Some(price("0.50")),
            Some(0.51),
            0,
            0.0,
        );
        assert_eq!(e.direction, Some(Direction::BuyNo));
        assert!((e.chosen().unwrap().net_edge - 0.20).abs() < 1e-12);

        // Mid 0.5 and a forecast of 0.52: the raw edge is positive, but the ask is 0.55.
        let e = assess_edge(
            0.52,
            Some(price("0.55")),
            Some(price("0.55")),
            Some(0.5),
            0,
            0.0,
        );
        assert_eq!(e.direction, None);
        assert!(e.raw_edge.unwrap() > 0.0);
        assert!(e.best_net_edge().unwrap() < 0.0);
    }

    #[test]
    fn nan_and_missing_books_give_no_direction_and_no_nan() {
        let e = assess_edge(
            f64::NAN,
            Some(price("0.40")),
            None,
            Some(f64::NAN),
            200,
            0.01,
        );
        assert_eq!(e.direction, None);
        assert_eq!(e.implied_yes, None);
        assert!(e.yes.unwrap().net_edge.is_finite());
        let e = assess_edge(0.9, None, None, None, 0, 0.0);
        assert_eq!((e.direction, e.best_net_edge()), (None, None));
    }
}
