//! The caps a buy is sized under: the room left under each, the size that fits all of them, and
//! an exact re-check of the final order against every one.
//!
//! A cap fails (and rejects the buy) when its room cannot hold the market's minimum order; caps
//! with room just bound the size. Rooms are exact integers; the cash caps include the fee, which
//! is bounded from above before rounding and then checked exactly.

use polybot_model::amounts::{LOT_MICROS, taker_fee};
use polybot_model::{Size, Usdc};

use crate::codes::Check;
use crate::config::RiskConfig;
use crate::decision::Rejection;
use crate::drawdown::Heat;
use crate::exposure::{Exposure, neg_risk_room, worst_case_after};
use crate::input::{Candidate, PortfolioState};
use crate::money::{fraction_of, lot_shares, shares_for, usdc};
use crate::sizing::{
    Bound, CapRoom, Multipliers, Sizing, bankroll, effective_cost, expected_value_per_dollar,
    kelly, kelly_stake, net_edge,
};

/// What a cap's room is measured in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    /// Notional (`shares × price`): exposure at cost basis.
    Notional,
    /// Cash out of the account: notional plus fee.
    Outlay,
    /// Shares.
    Shares,
}

#[derive(Debug, Clone, Copy)]
struct Limit {
    check: Check,
    room: i128,
    unit: Unit,
}

/// The fee rate an order is charged: none for a post-only (maker) order, and never more than
/// 100% (a larger rate is rejected as `invalid_candidate`; clamping keeps the fee maths in range).
pub(crate) fn fee_bps(candidate: &Candidate) -> u32 {
    if candidate.post_only {
        0
    } else {
        candidate.fee_rate_bps.min(MAX_FEE_BPS)
    }
}

/// A fee rate of 100%, far above any the venue charges.
pub(crate) const MAX_FEE_BPS: u32 = 10_000;

fn limits(config: &RiskConfig, state: &PortfolioState, c: &Candidate, e: &Exposure) -> Vec<Limit> {
    let equity = state.equity;
    let bank = bankroll(config, state, &c.strategy);
    let mut out = Vec::new();
    let mut push = |check, room, unit| out.push(Limit { check, room, unit });
    // The strategy's own stake limit (its profile's, or the section's).
    let stake_limit = config.profile_for(&c.strategy).max_stake_per_market;
    let max_stake = i128::from(stake_limit.micros());
    push(
        Check::MaxStakePerMarket,
        max_stake - e.market,
        Unit::Notional,
    );
    let market_cap = fraction_of(equity, config.max_market_exposure_pct);
    push(Check::MaxPerMarket, market_cap - e.market, Unit::Notional);
    let (pct, check) = config.category_limit(&c.key.category);
    push(check, fraction_of(equity, pct) - e.category, Unit::Notional);
    if c.key.event_id.is_some() {
        let cap = fraction_of(equity, config.max_event_exposure_pct);
        push(Check::EventExposure, cap - e.event, Unit::Notional);
    }
    let global = fraction_of(equity, config.max_global_exposure_pct);
    push(Check::GlobalExposure, global - e.total, Unit::Notional);
    let worst = fraction_of(equity, config.max_neg_risk_loss_pct);
    if let Some(room) = neg_risk_room(state, c, worst) {
        push(Check::NegRiskWorstCase, room, Unit::Notional);
    }
    if config.independent_bankrolls {
        let room = i128::from(bank.micros()) - e.strategy;
        push(Check::StrategyBankroll, room, Unit::Notional);
    }
    let per_trade = fraction_of(bank, config.max_bankroll_fraction);
    push(Check::BankrollFraction, per_trade, Unit::Notional);
    if c.leader.is_some() {
        push(
            Check::MaxPerCopy,
            fraction_of(bank, config.max_copy_fraction),
            Unit::Notional,
        );
    }
    let liquidity = fraction_of(c.liquidity, config.max_liquidity_fraction);
    push(Check::LiquidityShare, liquidity, Unit::Notional);
    let cash = i128::from(state.cash.micros());
    let reserve = fraction_of(state.starting_bankroll, config.capital_reserve_pct);
    if reserve > 0 {
        // Without a reserve this is the balance check, which reports itself.
        push(Check::CapitalReserve, cash - reserve, Unit::Outlay);
    }
    if config.preflight_balance_check {
        push(Check::InsufficientBalance, cash, Unit::Outlay);
    }
    let inventory = i128::from(config.inventory_limit_shares.micros());
    if inventory > 0 {
        push(
            Check::ReduceOnly,
            inventory - e.directional_inventory,
            Unit::Shares,
        );
    }
    out
}

/// The most shares that fit in `limit` at the candidate's price.
fn max_shares(limit: &Limit, c: &Candidate) -> Size {
    let price = c.limit_price;
    match limit.unit {
        Unit::Notional => shares_for(limit.room, price),
        Unit::Shares => lot_shares(limit.room),
        Unit::Outlay => {
            // fee ≤ notional · rate · (1 − p) + 10 µ$ (half-up rounding to 10 µ$, and the
            // 10 µ$ minimum), so notional ≤ (room − 10) / (1 + rate · (1 − p)).
            let rate = i128::from(fee_bps(c)) * (1_000_000 - i128::from(price.micros()));
            let scale = 10_000_000_000i128;
            let notional = (limit.room - 10).max(0).saturating_mul(scale) / (scale + rate);
            shares_for(notional, price)
        }
    }
}

/// Whether the order (`shares` for `notional` plus `fee`) fits `limit` exactly.
fn fits(limit: &Limit, shares: Size, notional: Usdc, fee: Usdc) -> bool {
    let amount = match limit.unit {
        Unit::Notional => i128::from(notional.micros()),
        Unit::Outlay => i128::from(notional.micros()) + i128::from(fee.micros()),
        Unit::Shares => i128::from(shares.micros()),
    };
    amount <= limit.room
}

/// Sizes a buy: Kelly under every cap. Returns the sizing and the caps that reject it.
pub(crate) fn size_buy(
    config: &RiskConfig,
    state: &PortfolioState,
    c: &Candidate,
    e: &Exposure,
    heat: &Heat,
    now_ms: i64,
) -> (Sizing, Vec<Rejection>) {
    let price = c.limit_price;
    let cost = effective_cost(price, fee_bps(c), config.extra_costs);
    let p = c.probability.as_f64();
    let kelly_full = kelly(p, cost);
    let multipliers = Multipliers::for_candidate(config, c, heat, now_ms);
    let bank = bankroll(config, state, &c.strategy);
    let (fraction, stake) = kelly_stake(bank, kelly_full, &multipliers);
    let limits = limits(config, state, c, e);
    let mut shares = shares_for(i128::from(stake.micros()), price);
    let mut bound_by = Bound::Kelly;
    if let Some(requested) = c.requested_size.map(|s| lot_shares(i128::from(s.micros())))
        && requested < shares
    {
        (shares, bound_by) = (requested, Bound::Requested);
    }
    let (caps, mut rejections) = apply_caps(&limits, c, &mut shares, &mut bound_by);
    let notional = shares.notional(price);
    let fee = if shares.is_zero() {
        Usdc::ZERO
    } else {
        taker_fee(shares, price, fee_bps(c))
    };
    if rejections.is_empty() && !shares.is_zero() {
        rejections.extend(recheck(config, state, c, &limits, shares, notional, fee));
    }
    let sizing = Sizing {
        bankroll: bank,
        effective_cost: cost,
        net_edge: net_edge(p, price, fee_bps(c), config.extra_costs),
        ev_per_dollar: expected_value_per_dollar(p, price, fee_bps(c), config.extra_costs),
        kelly_full,
        multipliers,
        fraction,
        kelly_stake: stake,
        caps,
        bound_by,
        shares,
        notional,
        fee,
    };
    (sizing, rejections)
}

/// Lowers `shares` to fit every limit (recording which one bound it), reports each limit's room
/// and rejects for those that cannot hold the minimum order.
fn apply_caps(
    limits: &[Limit],
    c: &Candidate,
    shares: &mut Size,
    bound_by: &mut Bound,
) -> (Vec<CapRoom>, Vec<Rejection>) {
    let min_shares = min_order_shares(c);
    let mut caps = Vec::with_capacity(limits.len());
    let mut rejections = Vec::new();
    for limit in limits {
        let fit = max_shares(limit, c);
        if fit < min_shares {
            rejections.push(cap_rejection(limit, fit, min_shares));
        }
        if fit < *shares {
            (*shares, *bound_by) = (fit, Bound::Cap(limit.check));
        }
        let room = if limit.unit == Unit::Shares {
            fit.notional(c.limit_price)
        } else {
            usdc(limit.room)
        };
        caps.push(CapRoom {
            check: limit.check,
            room,
            max_shares: fit,
        });
    }
    (caps, rejections)
}

/// The smallest order the market takes, and at least one lot.
pub(crate) fn min_order_shares(c: &Candidate) -> Size {
    c.min_order_size.max(Size::from_micros(LOT_MICROS))
}

fn cap_rejection(limit: &Limit, fit: Size, min: Size) -> Rejection {
    let room = match limit.unit {
        Unit::Shares => format!("{} shares", lot_shares(limit.room.max(0))),
        Unit::Notional | Unit::Outlay => format!("${}", usdc(limit.room)),
    };
    Rejection::new(
        limit.check,
        format!("room {room} fits {fit} shares, below the minimum order of {min}"),
    )
}

/// The final order against every cap, exactly (rounding must never break one), and the
/// neg-risk group's worst case with the order in it (which also covers scenarios the room does
/// not: those where the order pays but the group is already past its limit).
fn recheck(
    config: &RiskConfig,
    state: &PortfolioState,
    c: &Candidate,
    limits: &[Limit],
    shares: Size,
    notional: Usdc,
    fee: Usdc,
) -> Vec<Rejection> {
    let mut out: Vec<Rejection> = limits
        .iter()
        .filter(|l| !fits(l, shares, notional, fee))
        .map(|l| {
            Rejection::new(
                l.check,
                format!("{shares} shares for ${notional} + ${fee} fee break the cap"),
            )
        })
        .collect();
    let cap = fraction_of(state.equity, config.max_neg_risk_loss_pct);
    if let Some(worst) = worst_case_after(state, c, shares, notional)
        && worst < -cap
    {
        out.push(Rejection::new(
            Check::NegRiskWorstCase,
            format!(
                "worst case ${} would exceed the limit ${}",
                usdc(-worst),
                usdc(cap)
            ),
        ));
    }
    out
}
