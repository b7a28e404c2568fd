//! polybot's risk engine: every check a trade must pass, fractional-Kelly sizing under every
//! cap, drawdown heat and the drawdown kill switch, halts, exits, per-trader cutoffs and
//! per-market circuit breakers.
//!
//! Everything is a pure function over plain data: no I/O, no clock (time comes in as `now_ms`),
//! no randomness, so the same inputs give the same decision in a backtest, in paper trading and
//! live, and every rule is unit- and property-tested without a runtime. Money is exact
//! ([`Usdc`](polybot_model::Usdc), [`Price`](polybot_model::Price),
//! [`Size`](polybot_model::Size)); `f64` carries only probabilities and ratios, and no input
//! makes the engine panic or produce NaN.
//!
//! # How it is used
//!
//! The kernel assembles a [`Candidate`] (the order a strategy wants) and the [`PortfolioState`]
//! and calls [`evaluate`]. The [`RiskDecision`] holds the approved order (possibly smaller than
//! asked) or every failing check with its stable reason code, plus the numbers behind the size
//! ([`Sizing`]: Kelly, each multiplier, the room under each cap and which one bound it) for the
//! decision log. Between decisions the engine feeds the small state machines that live in the
//! portfolio state: [`DrawdownGuard::update`] with equity, [`TraderRecord::record_close`] with
//! closed copies, [`MarketBreaker::record_fill`] with fills, [`Halts`] with operator commands and
//! the kill file. [`exit_signal`] tells it when to close a position.
//!
//! A **buy** opens or adds risk: it must pass every gate and every cap. A **sell** reduces risk
//! (Polymarket has no shorting): halts, kill switches, loss limits and entry checks never block
//! it; only the sanity checks and holding the shares do.
//!
//! # Checks
//!
//! Every check runs on every buy; the trade passes only if all pass. *Gates* block outright.
//! *Caps* bound the size: sizing stays inside the room each one leaves, and the cap rejects only
//! when its room cannot hold the market's minimum order. *Sanity* checks apply to sells too.
//! Percentages of equity are of the portfolio's equity; percentages of the bankroll are of the
//! strategy's own bankroll (`independent_bankrolls`), and exposure is measured at cost basis.
//!
//! | Code | Kind | `[risk]` key | Default | Rule | Seed |
//! |---|---|---|---|---|---|
//! | `kill_switch` | gate | `safety.kill_switch` | `false` | config switch, kill file (`safety.kill_switch_file`, default none) or operator halt | 000, 001 |
//! | `max_drawdown` | gate | `max_drawdown_pct` | 0.20 | drawdown from peak ≥ limit, or the drawdown guard is tripped | 000, 002 |
//! | `drawdown_heat_3` | gate | `heat_thresholds` | [0.10, 0.15, 0.20] | heat level 3 | 000 |
//! | `daily_loss` | gate | `max_daily_loss` | $500 | loss today (realized, or equity since the day's start) ≥ limit | 000 |
//! | `daily_soft_stop` | gate | `daily_soft_stop_pct` | 0.10 | loss today ≥ fraction of the day's starting equity | 001 |
//! | `weekly_halt` | gate | `weekly_halt_pct` | 0.30 | loss this week ≥ fraction of the week's starting equity | 001 |
//! | `max_open_positions` | gate | `max_open_positions` | 25 | a new position while this many tokens are held | 000 |
//! | `max_entries_per_day` | gate | `max_entries_per_day` | 0 (unlimited) | the strategy already opened this many entries today (UTC) | 003 |
//! | `trader_cutoff` | gate | `trader_max_drawdown_pct` | 0.20 | copied leader's copies drew down ≥ limit, or operator cutoff | 001 |
//! | `trader_loss_streak` | gate | `trader_max_consecutive_losses` | 5 | copied leader's copies lost this many times in a row | 001 |
//! | `circuit_breaker` | gate | `breaker_adverse_fills` | 3 (cooldown `breaker_cooldown_secs` 1800) | the market's breaker is open | 002 |
//! | `correlated_positions` | gate | `max_correlated_positions` | 4 | more correlated positions (same event, or same category and a shared tag), the new one included | 000 |
//! | `min_edge` | gate | `min_edge` | 0.04 | net edge (after the taker fee and `extra_costs`, default 0) < minimum | 000 |
//! | `negative_edge` | gate | `extra_costs` | 0 | net edge ≤ 0 | 000 |
//! | `thin_liquidity` | gate | `min_liquidity` | $2,000 | book liquidity below | 000 |
//! | `wide_spread` | gate | `max_spread` | 0.06 | ask − bid above, or no two-sided quote | 000 |
//! | `low_evidence_quality` | gate | `min_evidence_quality` | 0.55 | evidence quality below (skipped for candidates without evidence) | 000 |
//! | `low_confidence` | gate | `min_confidence` | `MEDIUM` | forecast confidence below | 000 |
//! | `probability_floor` | gate | `implied_probability_floor` | 0.05 | min(price, 1 − price) below | 000 |
//! | `market_type_not_allowed` | gate | `allowed_market_types` | MACRO, ELECTION, CORPORATE, WEATHER, SPORTS, CRYPTO | market type not listed | 000 |
//! | `max_slippage` | gate | `max_slippage` | 0.015 | limit above the reference price by more than this fraction | 001 |
//! | `stale_market` | gate | `max_book_age_ms` | 30000 | book older than this (0 disables) | 002 |
//! | `min_kelly` | gate | `min_kelly_fraction` | 0.02 | full Kelly × `kelly_fraction` < minimum | 003 |
//! | `min_entry_price` | gate | `min_entry_price` | 0.15 | limit price below | 003 |
//! | `near_resolution` | gate | `min_hours_to_resolution` | 1 | end date sooner than this | 000 (timeline) |
//! | `below_min_bet` | gate | `min_bet_usdc` | $0 (off) | nothing else failed, yet the buy sized below this notional | 003 |
//! | `reduce_only` | cap | `inventory_limit_shares` | 500 shares | net inventory in the market (YES − NO, in the buy's direction) at the limit (0 disables) | 002 |
//! | `max_stake_per_market` | cap | `max_stake_per_market` | $50 | cost in the market | 000 |
//! | `max_per_market` | cap | `max_market_exposure_pct` | 0.08 | cost in the market / equity | 001 |
//! | `category_exposure` | cap | `max_category_exposure_pct` | 0.35 | cost in the category / equity (categories without their own limit) | 000 |
//! | `category_limit` | cap | `category_limits` | MACRO 0.40, ELECTION 0.35, CORPORATE 0.30 | cost in the category / equity | 000 |
//! | `event_exposure` | cap | `max_event_exposure_pct` | 0.25 | cost in the event / equity | 000 |
//! | `global_exposure` | cap | `max_global_exposure_pct` | 0.60 | total cost / equity | 001 |
//! | `neg_risk_worst_case` | cap | `max_neg_risk_loss_pct` | 0.20 | worst-case loss of the neg-risk group / equity | — |
//! | `strategy_bankroll` | cap | `independent_bankrolls` | `true` | the strategy's cost ≤ its own bankroll | 003 |
//! | `bankroll_fraction` | cap | `max_bankroll_fraction` | 0.05 | one trade / bankroll | 000 |
//! | `max_per_copy` | cap | `max_copy_fraction` | 0.03 | one copy / bankroll | 001 |
//! | `liquidity_share` | cap | `max_liquidity_fraction` | 0.05 | one trade / book liquidity | 000 |
//! | `capital_reserve` | cap | `capital_reserve_pct` | 0.10 | cash after the trade (fee included) ≥ fraction of the starting bankroll (skipped at 0) | 001 |
//! | `insufficient_balance` | cap | `preflight_balance_check` | `true` | cash for a buy (fee included), shares for a sell | 002 |
//! | `crossed_quote` | sanity | – | always | best bid ≥ best ask | 002 |
//! | `invalid_candidate` | sanity | – | always | a buy marked as an exit, a ratio outside its range | – |
//! | `below_min_size` | sanity | – | always | nothing else failed, yet the size is below the market's minimum order | venue |
//!
//! Six keys can differ by strategy ([Profiles](#profiles)): `min_edge`, `min_confidence`,
//! `max_entries_per_day`, `min_bet_usdc`, `max_stake_per_market`, and `kelly_fraction` (which
//! `min_kelly` also reads).
//!
//! The drawdown guard (seed 002's kill switch with auto-recovery) also reads
//! `drawdown_recover_pct` (0.15: hysteresis), `drawdown_cooldown_secs` (3600) and
//! `max_recoveries_per_day` (0: only an operator reset recovers, as in seed 000).
//!
//! # Sizing
//!
//! `f* = (p·b − q)/b` for a share bought at `c`, with `b = (1 − c')/c'` and
//! `c' = c + rate·c·(1−c) + extra_costs` (the taker fee; post-only orders pay none). The stake is
//! `bankroll × max(f*, 0) ×` the multipliers below, then the smallest of that, the requested
//! size and every cap's room, rounded down to the venue's 0.01-share lot. [`net_edge`] and
//! [`expected_value_per_dollar`] give the fee-adjusted edge and EV.
//!
//! | Multiplier | `[risk]` key | Default | Seed |
//! |---|---|---|---|
//! | Kelly fraction (per profile) | `kelly_fraction` | 0.25 | 000, 001, 003 |
//! | confidence LOW / MEDIUM / HIGH | `confidence_multipliers` | 0.5 / 0.75 / 1 | 000 |
//! | drawdown heat 0 / 1 / 2 / 3 | `heat_multipliers` | 1 / 0.5 / 0.25 / 0 | 000 |
//! | timeline (terminal risk scaling) | `terminal_window_hours`, `terminal_min_multiplier` | 48 h, 0.25 | 003 |
//! | volatility | the candidate's `volatility_multiplier` | 1 | 000 |
//! | regime | `regime_multipliers` | HIGH_VOLATILITY 0.5, LOW_ACTIVITY 0.75 | 000 |
//! | category | `category_multipliers` | MACRO 1, CORPORATE 0.75, ELECTION 0.5 | 000 |
//!
//! # Profiles
//!
//! `[risk.profiles.<strategy>]` tables ([`RiskProfile`]) override `kelly_fraction`, `min_edge`,
//! `min_confidence`, `max_entries_per_day`, `min_bet_usdc` and `max_stake_per_market` for the
//! entries of one strategy, named by its account (`copy`, `forecast`, …, ignoring case),
//! as seed 003 runs an aggressive, a balanced and a conservative strategy side by side. Each key
//! is optional; the section's value applies where a profile is silent, and to strategies without
//! one, so a configuration without profiles decides exactly as before. Every check reads its
//! strategy's values through [`RiskConfig::profile_for`]. The limits that protect the whole book
//! (drawdown, loss stops, percentage caps, halts) are not per strategy. The entry count
//! `max_entries_per_day` reads is [`PortfolioState::entries_today`], which the kernel keeps.
//!
//! # Exits
//!
//! [`exit_signal`] returns the most urgent rule that applies ([`exit_signals`] lists all); gains
//! and losses are measured on what selling at the bid would bring after the taker fee.
//!
//! | Code | `[risk]` key | Default | Rule | Seed |
//! |---|---|---|---|---|
//! | `resolution` | – | always | the market resolved, or the bid reached 0.999 | 000 |
//! | `stop_loss` | `stop_loss_pct` | 0.20 | loss on cost ≥ this (0 disables) | 000 |
//! | `mirror` | `mirror_leader_exits` | `true` | the copied leader sold | 001 |
//! | `edge_reversal` | `edge_reversal_threshold` | 0 | selling now beats our probability by more than this | 002, 003 |
//! | `take_profit` | `take_profit_pct` | 0.30 | gain on cost ≥ this (0 disables) | 000 |
//! | `exit_before_resolution` | `exit_before_resolution_hours` | 0 (hold to resolution) | end date within this many hours | 000, 003 |
//! | `max_holding` | `max_holding_hours` | 240 | held this long (0 disables) | 000 |

pub mod breaker;
mod caps;
pub mod checks;
pub mod codes;
pub mod config;
pub mod decision;
pub mod drawdown;
pub mod edge;
mod evaluate;
pub mod exits;
pub mod exposure;
pub mod halt;
pub mod input;
mod money;
pub mod sizing;
pub mod trader;

pub use breaker::{BreakerOpened, MarketBreaker};
pub use checks::{daily_loss, weekly_loss};
pub use codes::{Check, CheckKind, config_key};
pub use config::{EffectiveLimits, RiskConfig, RiskProfile};
pub use decision::{ApprovedOrder, Rejection, RiskDecision};
pub use drawdown::{DrawdownGuard, GuardTransition, Heat, Trip, drawdown_fraction, heat_level};
pub use edge::{Direction, EdgeAssessment, SideEdge, assess_edge};
pub use evaluate::evaluate;
pub use exits::{ExitReason, MarketView, exit_signal, exit_signals};
pub use exposure::{Exposure, Scenario, exposure, scenarios, worst_case};
pub use halt::{Halt, HaltSource, Halts, SafetyConfig};
pub use input::{
    Candidate, Confidence, MarketKey, NegRiskGroup, OpenPosition, OutcomeSide, PortfolioState,
};
pub use sizing::{
    Bound, CapRoom, Multipliers, Sizing, effective_cost, expected_value_per_dollar, fee_per_share,
    kelly, net_edge, timeline_multiplier,
};
pub use trader::{Cutoff, CutoffReason, TraderRecord};
