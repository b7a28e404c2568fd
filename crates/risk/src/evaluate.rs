//! [`evaluate`]: the risk gate. Runs every check on a candidate, collects every failure, and
//! sizes what passes.

use polybot_model::Usdc;
use polybot_model::amounts::taker_fee;

use crate::caps::{self, fee_bps, min_order_shares};
use crate::checks;
use crate::codes::Check;
use crate::config::RiskConfig;
use crate::decision::{ApprovedOrder, Rejection, RiskDecision};
use crate::drawdown::heat_level;
use crate::exposure::exposure;
use crate::input::{Candidate, PortfolioState};
use crate::money::lot_shares;
use crate::sizing::Sizing;

/// Decides on `candidate` against `state` at `now_ms`.
///
/// A buy runs every gate and every cap and is approved only if all pass; it is sized by
/// fractional Kelly inside the room every cap leaves, in whole lots. A sell (an exit, or any
/// order that reduces a position) is never stopped by halts, loss limits or entry checks: only
/// by the sanity checks (a crossed book, a malformed candidate) and by not holding the shares.
#[must_use]
pub fn evaluate(
    config: &RiskConfig,
    state: &PortfolioState,
    candidate: &Candidate,
    now_ms: i64,
) -> RiskDecision {
    let mut rejections = checks::sanity(candidate);
    if !candidate.opens_risk() {
        return evaluate_sell(config, state, candidate, rejections);
    }
    let heat = heat_level(config, state.equity, state.peak_equity());
    let e = exposure(state, candidate);
    rejections.extend(checks::gates(config, state, candidate, &e, &heat, now_ms));
    let (sizing, cap_rejections) = caps::size_buy(config, state, candidate, &e, &heat, now_ms);
    rejections.extend(cap_rejections);
    if rejections.is_empty() {
        rejections.extend(too_small(config, candidate, &sizing));
    }
    let order = ApprovedOrder {
        token: candidate.token,
        side: candidate.side,
        price: candidate.limit_price,
        size: sizing.shares,
        notional: sizing.notional,
        fee: sizing.fee,
    };
    RiskDecision::new(order, rejections, Some(sizing))
}

/// Whether a buy that passed everything else sized too small to send: below the strategy's
/// minimum bet (notional) or below the market's minimum order. Judged only then, because the
/// size of a refused buy means nothing.
fn too_small(config: &RiskConfig, candidate: &Candidate, sizing: &Sizing) -> Vec<Rejection> {
    let mut out = Vec::new();
    let min_bet = config.profile_for(&candidate.strategy).min_bet_usdc;
    if min_bet > Usdc::ZERO && sizing.notional < min_bet {
        out.push(Rejection::new(
            Check::BelowMinBet,
            format!(
                "sized to ${} ({} shares, bound by {:?}), below the minimum bet of ${min_bet}",
                sizing.notional, sizing.shares, sizing.bound_by
            ),
        ));
    }
    let min = min_order_shares(candidate);
    if sizing.shares < min {
        out.push(Rejection::new(
            Check::BelowMinSize,
            format!(
                "sized to {} shares (${} Kelly stake, bound by {:?}), below the minimum order of {min}",
                sizing.shares, sizing.kelly_stake, sizing.bound_by
            ),
        ));
    }
    out
}

fn evaluate_sell(
    config: &RiskConfig,
    state: &PortfolioState,
    candidate: &Candidate,
    mut rejections: Vec<Rejection>,
) -> RiskDecision {
    let held = state.shares_held(&candidate.token);
    let wanted = candidate.requested_size.unwrap_or(held);
    if config.preflight_balance_check && wanted > held {
        rejections.push(Rejection::new(
            Check::InsufficientBalance,
            format!("selling {wanted} shares but {held} are held"),
        ));
    }
    let shares = lot_shares(i128::from(wanted.micros()));
    if shares.is_zero() {
        rejections.push(Rejection::new(
            Check::BelowMinSize,
            format!("{wanted} shares is less than one 0.01-share lot"),
        ));
    }
    let price = candidate.limit_price;
    let fee = if shares.is_zero() {
        Usdc::ZERO
    } else {
        taker_fee(shares, price, fee_bps(candidate))
    };
    let order = ApprovedOrder {
        token: candidate.token,
        side: candidate.side,
        price,
        size: shares,
        notional: shares.notional(price),
        fee,
    };
    RiskDecision::new(order, rejections, None)
}
