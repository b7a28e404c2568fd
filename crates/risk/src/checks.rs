//! The gate and sanity checks: conditions that block a candidate outright, each independent of
//! the others and each reporting its own [`Check`]. (The caps, which also bound the size, are in
//! `caps`.)

use polybot_model::{Side, Usdc};

use crate::caps::fee_bps;
use crate::codes::Check;
use crate::config::{EffectiveLimits, RiskConfig};
use crate::decision::Rejection;
use crate::drawdown::Heat;
use crate::exposure::Exposure;
use crate::input::{Candidate, PortfolioState};
use crate::money::loss_fraction;
use crate::sizing::{effective_cost, kelly, net_edge};
use crate::trader::CutoffReason;

const HOUR_MS: f64 = 3_600_000.0;

/// Today's loss: the larger of the losses realized today and the fall in equity since the day
/// started (so unrealized losses count too); never negative.
#[must_use]
pub fn daily_loss(state: &PortfolioState) -> Usdc {
    let marked = state.day_start_equity.saturating_sub(state.equity);
    state.realized_loss_today.max(marked).max(Usdc::ZERO)
}

/// This week's loss: the fall in equity since the week started; never negative.
#[must_use]
pub fn weekly_loss(state: &PortfolioState) -> Usdc {
    state
        .week_start_equity
        .saturating_sub(state.equity)
        .max(Usdc::ZERO)
}

/// Checks that apply to every candidate, exits included.
pub(crate) fn sanity(candidate: &Candidate) -> Vec<Rejection> {
    let mut out: Vec<Rejection> = candidate
        .problems()
        .into_iter()
        .map(|p| Rejection::new(Check::InvalidCandidate, p))
        .collect();
    if let (Some(bid), Some(ask)) = (candidate.best_bid, candidate.best_ask)
        && bid.micros() > 0
        && ask.micros() > 0
        && bid >= ask
    {
        out.push(Rejection::new(
            Check::CrossedQuote,
            format!("best bid {bid} >= best ask {ask}"),
        ));
    }
    out
}

/// Every gate on a buy.
pub(crate) fn gates(
    config: &RiskConfig,
    state: &PortfolioState,
    candidate: &Candidate,
    exposure: &Exposure,
    heat: &Heat,
    now_ms: i64,
) -> Vec<Rejection> {
    let mut out = Vec::new();
    let limits = config.profile_for(&candidate.strategy);
    halt_gates(config, state, heat, &mut out);
    loss_gates(config, state, &mut out);
    position_gates(config, state, candidate, exposure, now_ms, &mut out);
    entries_gate(&limits, state, candidate, &mut out);
    forecast_gates(config, &limits, candidate, &mut out);
    market_gates(config, candidate, &mut out);
    price_and_time_gates(config, candidate, now_ms, &mut out);
    out
}

fn push(out: &mut Vec<Rejection>, failed: bool, check: Check, detail: impl FnOnce() -> String) {
    if failed {
        out.push(Rejection::new(check, detail()));
    }
}

fn halt_gates(config: &RiskConfig, state: &PortfolioState, heat: &Heat, out: &mut Vec<Rejection>) {
    push(out, state.halts.is_halted(), Check::KillSwitch, || {
        let sources: Vec<String> = state
            .halts
            .iter()
            .map(|h| format!("{:?}: {}", h.source, h.reason))
            .collect();
        sources.join("; ")
    });
    let tripped = state.drawdown.is_tripped() || heat.drawdown >= config.max_drawdown_pct;
    push(out, tripped, Check::MaxDrawdown, || {
        format!(
            "drawdown {:.4} (guard tripped: {})",
            heat.drawdown,
            state.drawdown.is_tripped()
        )
    });
    push(out, heat.level >= 3, Check::DrawdownHeat3, || {
        format!("drawdown {:.4} is heat level 3", heat.drawdown)
    });
}

fn loss_gates(config: &RiskConfig, state: &PortfolioState, out: &mut Vec<Rejection>) {
    let day = daily_loss(state);
    push(
        out,
        day > Usdc::ZERO && day >= config.max_daily_loss,
        Check::DailyLoss,
        || format!("loss today ${day} >= ${}", config.max_daily_loss),
    );
    let day_fraction = loss_fraction(day, state.day_start_equity);
    push(
        out,
        day_fraction >= config.daily_soft_stop_pct,
        Check::DailySoftStop,
        || {
            format!(
                "loss today {day_fraction:.4} of the day's start >= {}",
                config.daily_soft_stop_pct
            )
        },
    );
    let week_fraction = loss_fraction(weekly_loss(state), state.week_start_equity);
    push(
        out,
        week_fraction >= config.weekly_halt_pct,
        Check::WeeklyHalt,
        || {
            format!(
                "loss this week {week_fraction:.4} of the week's start >= {}",
                config.weekly_halt_pct
            )
        },
    );
}

fn position_gates(
    config: &RiskConfig,
    state: &PortfolioState,
    c: &Candidate,
    e: &Exposure,
    now_ms: i64,
    out: &mut Vec<Rejection>,
) {
    let new_position = !e.holds_token;
    let full = new_position && e.open_positions >= config.max_open_positions;
    push(out, full, Check::MaxOpenPositions, || {
        format!(
            "{} open positions, limit {}",
            e.open_positions, config.max_open_positions
        )
    });
    let correlated =
        new_position && e.correlated.saturating_add(1) > config.max_correlated_positions;
    push(out, correlated, Check::CorrelatedPositions, || {
        format!(
            "{} correlated positions + this one > {}",
            e.correlated, config.max_correlated_positions
        )
    });
    if let Some(record) = c.leader.as_ref().and_then(|w| state.traders.get(w)) {
        let mut reasons = record.breaches(config);
        reasons.extend(record.cutoff.map(|cut| cut.reason));
        let streak = reasons.contains(&CutoffReason::LossStreak);
        let cut = reasons.iter().any(|r| *r != CutoffReason::LossStreak);
        push(out, cut, Check::TraderCutoff, || {
            format!(
                "leader drawdown {:.4}, cutoff {:?}",
                record.drawdown(),
                record.cutoff
            )
        });
        push(out, streak, Check::TraderLossStreak, || {
            format!("{} losing copies in a row", record.consecutive_losses)
        });
    }
    if let Some(breaker) = state.breakers.get(&c.key.market) {
        push(out, breaker.is_open(now_ms), Check::CircuitBreaker, || {
            format!("open until {:?}", breaker.open_until_ms)
        });
    }
}

/// The strategy's entries today against its daily allowance (its profile's, or the section's).
fn entries_gate(
    limits: &EffectiveLimits,
    state: &PortfolioState,
    c: &Candidate,
    out: &mut Vec<Rejection>,
) {
    let max = limits.max_entries_per_day;
    let today = state.entries_today(&c.strategy);
    push(
        out,
        max > 0 && today >= max,
        Check::MaxEntriesPerDay,
        || format!("{today} entries today for {}, limit {max}", c.strategy),
    );
}

/// Edge, Kelly, evidence and confidence; the minimums and the Kelly fraction are the
/// strategy's (`limits`).
fn forecast_gates(
    config: &RiskConfig,
    limits: &EffectiveLimits,
    c: &Candidate,
    out: &mut Vec<Rejection>,
) {
    let p = c.probability.as_f64();
    let edge = net_edge(p, c.limit_price, fee_bps(c), config.extra_costs);
    push(out, edge < limits.min_edge, Check::MinEdge, || {
        format!("net edge {edge:.4} < {}", limits.min_edge)
    });
    push(out, edge <= 0.0, Check::NegativeEdge, || {
        format!("net edge {edge:.4} is not positive")
    });
    let fractional = kelly(
        p,
        effective_cost(c.limit_price, fee_bps(c), config.extra_costs),
    ) * limits.kelly_fraction;
    push(
        out,
        fractional < config.min_kelly_fraction,
        Check::MinKelly,
        || {
            format!(
                "fractional Kelly {fractional:.4} < {}",
                config.min_kelly_fraction
            )
        },
    );
    if let Some(q) = c.evidence_quality {
        push(
            out,
            q < config.min_evidence_quality,
            Check::LowEvidenceQuality,
            || format!("evidence quality {q} < {}", config.min_evidence_quality),
        );
    }
    push(
        out,
        c.confidence < limits.min_confidence,
        Check::LowConfidence,
        || {
            format!(
                "confidence {:?} < {:?}",
                c.confidence, limits.min_confidence
            )
        },
    );
}

fn market_gates(config: &RiskConfig, c: &Candidate, out: &mut Vec<Rejection>) {
    push(
        out,
        c.liquidity < config.min_liquidity,
        Check::ThinLiquidity,
        || format!("liquidity ${} < ${}", c.liquidity, config.min_liquidity),
    );
    match (c.best_bid, c.best_ask) {
        (Some(bid), Some(ask)) if bid.micros() > 0 && ask.micros() > 0 => {
            let spread = ask.as_f64() - bid.as_f64();
            push(out, spread > config.max_spread, Check::WideSpread, || {
                format!("spread {spread:.4} > {}", config.max_spread)
            });
        }
        _ => out.push(Rejection::new(Check::WideSpread, "no two-sided quote")),
    }
    let price = c.limit_price.as_f64();
    let implied = price.min(1.0 - price);
    push(
        out,
        implied < config.implied_probability_floor,
        Check::ProbabilityFloor,
        || {
            format!(
                "implied probability {implied:.4} < {}",
                config.implied_probability_floor
            )
        },
    );
    push(
        out,
        !config.market_type_allowed(&c.market_type),
        Check::MarketTypeNotAllowed,
        || {
            format!(
                "market type {:?} not in {:?}",
                c.market_type, config.allowed_market_types
            )
        },
    );
}

fn price_and_time_gates(config: &RiskConfig, c: &Candidate, now_ms: i64, out: &mut Vec<Rejection>) {
    if let Some(reference) = c.reference_price
        && c.side == Side::Buy
    {
        let price = c.limit_price.as_f64();
        let slip = (price - reference.as_f64()) / reference.as_f64();
        push(out, slip > config.max_slippage, Check::MaxSlippage, || {
            format!(
                "limit {} is {slip:.4} above reference {reference}",
                c.limit_price
            )
        });
    }
    let age = now_ms.saturating_sub(c.book_ts_ms).max(0);
    let stale = config.max_book_age_ms > 0 && age as u64 > config.max_book_age_ms;
    push(out, stale, Check::StaleMarket, || {
        format!("book is {age} ms old > {}", config.max_book_age_ms)
    });
    push(
        out,
        c.limit_price < config.min_entry_price,
        Check::MinEntryPrice,
        || format!("price {} < {}", c.limit_price, config.min_entry_price),
    );
    if let Some(end) = c.end_time_ms {
        let hours = end.saturating_sub(now_ms) as f64 / HOUR_MS;
        push(
            out,
            hours < config.min_hours_to_resolution,
            Check::NearResolution,
            || {
                format!(
                    "{hours:.2} h to the end date < {}",
                    config.min_hours_to_resolution
                )
            },
        );
    }
}
