//! What to do with one leader trade: pure, over the leader's trade and the kernel's view.

use polybot_engine::AccountId;
use polybot_engine::event::LeaderTrade;
use polybot_engine::kernel::{Entry, Exit, position_key};
use polybot_engine::orders::TimeInForce;
use polybot_engine::strategy::View;
use polybot_model::{Price, Probability, Side};
use polybot_risk::Confidence;

use super::CopyConfig;

/// The strategy's answer to a leader trade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopyAction {
    Enter(Entry),
    Exit(Exit),
    /// Filtered out, with a reason code and the numbers behind it.
    Skip {
        code: &'static str,
        detail: String,
    },
    /// Nothing to do (a leader's sell of a token we do not hold from them).
    Ignore,
}

/// Filters a leader's buy and prices the copy, or mirrors a leader's sell.
#[must_use]
pub fn decide(
    config: &CopyConfig,
    account: &AccountId,
    view: &View<'_>,
    trade: &LeaderTrade,
) -> CopyAction {
    match trade.side {
        Side::Buy => enter(config, view, trade),
        Side::Sell => mirror(config, account, view, trade),
    }
}

fn skip(code: &'static str, detail: String) -> CopyAction {
    CopyAction::Skip { code, detail }
}

fn enter(config: &CopyConfig, view: &View<'_>, trade: &LeaderTrade) -> CopyAction {
    let age = view.now_ms.saturating_sub(trade.timestamp_ms);
    if age > i64::try_from(config.max_signal_age_ms).unwrap_or(i64::MAX) {
        return skip("stale_signal", format!("signal {age} ms old"));
    }
    if let Some(reason) = &trade.uncopyable {
        return skip("low_trader_score", format!("uncopyable: {reason}"));
    }
    let score = match trade.score {
        Some(s) => s.as_f64(),
        None if config.copy_unscored => 0.5,
        None => return skip("low_trader_score", "trader not scored yet".to_owned()),
    };
    if score < config.min_trader_score {
        return skip(
            "low_trader_score",
            format!("score {score:.3} < {}", config.min_trader_score),
        );
    }
    let Some(ask) = view.books.get(&trade.token).and_then(|b| b.best_ask()) else {
        return skip("thin_liquidity", "no ask to buy from".to_owned());
    };
    let leader = f64::from(trade.price.micros());
    let moved = f64::from(ask.price.micros()) / leader - 1.0;
    if moved > config.max_price_move {
        return skip(
            "price_moved",
            format!(
                "ask {} is {:.2}% above the leader's {}",
                ask.price,
                moved * 100.0,
                trade.price
            ),
        );
    }
    let edge = ((score - 0.5).max(0.0) * config.edge_per_score).min(config.max_edge);
    let probability = (f64::from(ask.price.micros()) / 1e6 + edge).min(0.99);
    let Ok(probability) = Probability::from_micros((probability * 1e6).round() as u32) else {
        return skip("invalid_signal", format!("probability {probability}"));
    };
    CopyAction::Enter(Entry {
        token: trade.token,
        limit_price: ask.price,
        probability,
        confidence: confidence(score),
        evidence_quality: None,
        leader: Some(trade.wallet.clone()),
        reference_price: Some(trade.price),
        max_size: None,
        time_in_force: TimeInForce::Fak,
        post_only: false,
        reason: "copy",
    })
}

/// HIGH from 0.7, MEDIUM from 0.55: the score bands seed 001 trusts.
fn confidence(score: f64) -> Confidence {
    if score >= 0.7 {
        Confidence::High
    } else if score >= 0.55 {
        Confidence::Medium
    } else {
        Confidence::Low
    }
}

fn mirror(
    config: &CopyConfig,
    account: &AccountId,
    view: &View<'_>,
    trade: &LeaderTrade,
) -> CopyAction {
    if !config.mirror_exits {
        return CopyAction::Ignore;
    }
    let key = position_key(&account.0, trade.token);
    let copied_from_leader = view
        .risk
        .positions
        .get(&key)
        .is_some_and(|m| m.leader.as_deref() == Some(trade.wallet.as_str()));
    let held = view
        .ledger
        .account(account)
        .and_then(|a| a.state().positions.get(&trade.token))
        .is_some_and(|p| !p.size.is_zero());
    if !(copied_from_leader && held) {
        return CopyAction::Ignore;
    }
    CopyAction::Exit(Exit {
        token: trade.token,
        limit_price: None::<Price>,
        size: None,
        reason: "mirror",
    })
}
