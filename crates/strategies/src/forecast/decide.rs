//! What to do with one forecast: pure, over the forecast and the kernel's view.

use polybot_engine::AccountId;
use polybot_engine::event::ForecastSignal;
use polybot_engine::kernel::{Entry, Exit};
use polybot_engine::orders::TimeInForce;
use polybot_engine::strategy::{Intent, View};
use polybot_model::{Price, Probability, TokenId};
use polybot_risk::net_edge;

use super::ForecastTradingConfig;

/// The strategy's answer to a forecast: at most one order-level action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForecastAction {
    Enter(Entry),
    /// Sell the held outcome: the forecast now gives the other one the edge.
    Exit(Exit),
    /// Let go, with a reason code and the numbers behind it.
    Skip {
        token: TokenId,
        code: &'static str,
        detail: String,
    },
}

/// The action, and the new probabilities of the outcomes the account holds (for the kernel's
/// edge-reversal rule).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForecastDecision {
    pub reassess: Vec<(TokenId, Probability)>,
    pub action: ForecastAction,
}

impl ForecastDecision {
    /// The intents, reassessments first so an exit is judged on the new view.
    pub fn push_intents(self, intents: &mut Vec<Intent>) {
        intents.extend(
            self.reassess
                .into_iter()
                .map(|(token, probability)| Intent::Reassess { token, probability }),
        );
        intents.push(match self.action {
            ForecastAction::Enter(entry) => Intent::Enter(entry),
            ForecastAction::Exit(exit) => Intent::Exit(exit),
            ForecastAction::Skip {
                token,
                code,
                detail,
            } => Intent::Skip {
                token,
                code,
                detail,
            },
        });
    }
}

/// One outcome as buyable now.
#[derive(Debug, Clone, Copy)]
struct Quote {
    token: TokenId,
    /// Our probability that this outcome wins.
    probability: Probability,
    ask: Price,
    fee_rate_bps: u32,
    /// Net of the fee and `risk.extra_costs`, at the ask.
    edge: f64,
}

/// Filters a forecast, picks the outcome with the larger net edge and prices its entry; or exits
/// a held outcome the forecast turned against.
///
/// A market the account already holds (or has an order open in) is not added to: forecasts of
/// it repeat every research cooldown on largely the same evidence, and the risk engine sizes
/// each entry as a fresh Kelly stake, so adding on every re-forecast would stake the same view
/// again and again. Re-forecasts instead update the held outcome's probability (which the
/// kernel's edge-reversal rule exits on) and, on a decisive reversal, exit.
#[must_use]
pub fn decide(
    config: &ForecastTradingConfig,
    account: &AccountId,
    view: &View<'_>,
    signal: &ForecastSignal,
) -> ForecastDecision {
    let skip = |token, code, detail| ForecastDecision {
        reassess: Vec::new(),
        action: ForecastAction::Skip {
            token,
            code,
            detail,
        },
    };
    let age = view.now_ms.saturating_sub(signal.made_ms);
    if age > config.max_forecast_age_ms() {
        return skip(
            signal.yes_token,
            "stale_forecast",
            format!(
                "forecast {} min old > {} min",
                age / 60_000,
                config.max_forecast_age_minutes
            ),
        );
    }
    if signal.is_offline() && !config.trade_offline {
        return skip(
            signal.yes_token,
            "offline_forecast",
            "the offline forecaster is a placeholder without skill (forecasting.trade_offline)"
                .to_owned(),
        );
    }
    let outcomes = [signal.yes_token, signal.no_token];
    let held: Vec<TokenId> = outcomes
        .into_iter()
        .filter(|t| holds(account, view, *t))
        .collect();
    let reassess = held
        .iter()
        .filter_map(|t| signal.probability_of(*t).map(|p| (*t, p)))
        .collect();
    let action = choose(config, account, view, signal, &held);
    ForecastDecision { reassess, action }
}

/// The action once the forecast is fresh and tradable.
fn choose(
    config: &ForecastTradingConfig,
    account: &AccountId,
    view: &View<'_>,
    signal: &ForecastSignal,
    held: &[TokenId],
) -> ForecastAction {
    let skip = |token, code, detail| ForecastAction::Skip {
        token,
        code,
        detail,
    };
    let yes = quote(view, signal, signal.yes_token);
    let no = quote(view, signal, signal.no_token);
    let Some(best) = [yes, no]
        .into_iter()
        .flatten()
        .max_by(|a, b| a.edge.total_cmp(&b.edge))
    else {
        return skip(
            signal.yes_token,
            "no_book",
            "no ask on either outcome".to_owned(),
        );
    };
    let min_edge = min_edge(config, account, view);
    let summary = || {
        format!(
            "p_yes {}; YES edge {}, NO edge {}; min {min_edge}",
            signal.probability_yes,
            edge_text(yes),
            edge_text(no)
        )
    };
    if let Some(&token) = held.first() {
        return on_held(config, token, &best, min_edge, summary());
    }
    if let Some(token) = outcome_with_open_order(account, view, signal) {
        return skip(
            token,
            "already_holding",
            format!("an order is open; {}", summary()),
        );
    }
    if best.edge < min_edge {
        return skip(best.token, "edge_below_min", summary());
    }
    ForecastAction::Enter(Entry {
        token: best.token,
        limit_price: limit_price(config, view, &best, min_edge),
        probability: best.probability,
        confidence: signal.confidence,
        evidence_quality: signal.evidence_quality,
        leader: None,
        reference_price: Some(best.ask),
        max_size: None,
        time_in_force: TimeInForce::Fak,
        post_only: false,
        reason: "forecast",
    })
}

/// A re-forecast of a market the account holds `held` of. Only a reversal the gate would trade
/// on is acted on here; a smaller one is left to the kernel's edge-reversal rule, which now
/// compares the bid with the new probability.
fn on_held(
    config: &ForecastTradingConfig,
    held: TokenId,
    best: &Quote,
    min_edge: f64,
    summary: String,
) -> ForecastAction {
    if held != best.token && best.edge >= min_edge && config.exit_on_reversal {
        ForecastAction::Exit(Exit {
            token: held,
            limit_price: None,
            size: None,
            reason: "edge_reversal",
        })
    } else {
        ForecastAction::Skip {
            token: held,
            code: "already_holding",
            detail: summary,
        }
    }
}

fn edge_text(quote: Option<Quote>) -> String {
    quote.map_or_else(
        || "- (no ask)".to_owned(),
        |q| format!("{:.4} at ask {}", q.edge, q.ask),
    )
}

/// The strategy's minimum edge: its own when set, else the gate's for this account (its
/// `[risk.profiles.<account>]` minimum, or the section's), so it does not pass up trades the
/// gate would take nor send ones the gate refuses.
fn min_edge(config: &ForecastTradingConfig, account: &AccountId, view: &View<'_>) -> f64 {
    if config.min_edge > 0.0 {
        config.min_edge
    } else {
        view.risk_config.profile_for(&account.0).min_edge
    }
}

fn quote(view: &View<'_>, signal: &ForecastSignal, token: TokenId) -> Option<Quote> {
    let probability = signal.probability_of(token)?;
    let ask = view.books.get(&token)?.best_ask()?.price;
    let fee_rate_bps = view.markets.get(&token).map_or(0, |m| m.fee_rate_bps);
    let edge = net_edge(
        probability.as_f64(),
        ask,
        fee_rate_bps,
        view.risk_config.extra_costs,
    );
    Some(Quote {
        token,
        probability,
        ask,
        fee_rate_bps,
        edge,
    })
}

fn holds(account: &AccountId, view: &View<'_>, token: TokenId) -> bool {
    view.ledger
        .account(account)
        .and_then(|a| a.state().positions.get(&token))
        .is_some_and(|p| !p.size.is_zero())
}

/// An outcome of the market this account has an order open on (an entry not yet filled).
fn outcome_with_open_order(
    account: &AccountId,
    view: &View<'_>,
    signal: &ForecastSignal,
) -> Option<TokenId> {
    view.open_orders(account)
        .map(|o| o.request.token_id)
        .find(|t| *t == signal.yes_token || *t == signal.no_token)
}

/// The ask plus `max_entry_slippage`, on the tick and below 1, then lowered (never below the
/// ask) until the risk gate's slippage check against the ask and its minimum edge at the limit
/// (which is where it sizes) both pass: a limit the gate would refuse helps no one.
fn limit_price(
    config: &ForecastTradingConfig,
    view: &View<'_>,
    best: &Quote,
    min_edge: f64,
) -> Price {
    let Some(tick) = view.books.get(&best.token).map(|b| b.tick_size().micros()) else {
        return best.ask;
    };
    let ask = best.ask.micros();
    let slippage = (config.max_entry_slippage.clamp(0.0, 1.0) * 1e6).round() as u32;
    let ceiling = 1_000_000u32.saturating_sub(tick);
    let mut limit = ask.saturating_add(slippage).min(ceiling) / tick * tick;
    let risk = view.risk_config;
    let acceptable = |micros: u32| {
        let Ok(price) = Price::from_micros(micros) else {
            return false;
        };
        let slip = (price.as_f64() - best.ask.as_f64()) / best.ask.as_f64();
        let edge = net_edge(
            best.probability.as_f64(),
            price,
            best.fee_rate_bps,
            risk.extra_costs,
        );
        slip <= risk.max_slippage && edge >= min_edge
    };
    while limit > ask && !acceptable(limit) {
        limit = limit.saturating_sub(tick);
    }
    Price::from_micros(limit.max(ask)).unwrap_or(best.ask)
}
