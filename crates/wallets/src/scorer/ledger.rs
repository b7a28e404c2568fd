//! Replays one trader's fills per token into holding episodes: an episode opens when the
//! holding goes from zero to positive and closes when it returns to zero (a round trip) or
//! when the market resolves. Cash is exact (micro-USDC, `i128`); only the ratios built on it
//! later are floats.

use std::collections::HashMap;

use polybot_model::{ConditionId, Probability, Side, TokenId};

use crate::trade::WalletTrade;

/// A holding below this many micro-shares (0.01 share) counts as closed: the venue's
/// minimum tick of size is 0.01, so anything smaller is rounding dust.
const DUST_MICROS: u64 = 10_000;
const SCALE: i128 = 1_000_000;

/// How a market ended: the winning outcome index pays 1, the others 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolution {
    pub condition_id: ConditionId,
    pub winner_index: u32,
    pub resolved_at_ms: i64,
}

/// A closed holding episode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Episode {
    pub pnl_micros: i128,
    pub hold_ms: i64,
    /// Closed by selling (a round trip) rather than by resolution.
    pub round_trip: bool,
}

#[derive(Debug, Clone, Copy, Default)]
struct Holding {
    size: u64,
    cost: i128,
    opened_ms: i64,
    /// Realised PnL of the current episode so far.
    pnl: i128,
    condition: Option<ConditionId>,
    outcome_index: u32,
}

/// What a trader's fills add up to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ledger {
    pub episodes: Vec<Episode>,
    /// Realised plus resolved plus marked-to-market PnL, micro-USDC.
    pub pnl_micros: i128,
    /// Cash spent on buys, micro-USDC (ROI's denominator).
    pub bought_micros: i128,
    /// Sells of shares the replay never saw bought (acquired before the history or by a
    /// split); their PnL is unknown and left out.
    pub unmatched_sells: u32,
}

/// Replays `trades` (any order; sorted here by time) against resolutions and current marks.
#[must_use]
pub fn replay(
    trades: &[WalletTrade],
    resolutions: &HashMap<ConditionId, Resolution>,
    marks: &HashMap<TokenId, Probability>,
) -> Ledger {
    let mut sorted: Vec<&WalletTrade> = trades.iter().collect();
    sorted.sort_by_key(|t| t.timestamp_ms);
    let mut holdings: HashMap<TokenId, Holding> = HashMap::new();
    let mut ledger = Ledger::default();
    for t in sorted {
        let h = holdings.entry(t.token).or_default();
        h.condition = Some(t.condition_id);
        h.outcome_index = t.outcome_index;
        let cash = i128::from(t.usdc.micros());
        match t.side {
            Side::Buy => buy(h, t, cash, &mut ledger),
            Side::Sell => sell(h, t, cash, &mut ledger),
        }
    }
    for (token, h) in holdings {
        close_open(&h, token, resolutions, marks, &mut ledger);
    }
    ledger
}

fn buy(h: &mut Holding, t: &WalletTrade, cash: i128, ledger: &mut Ledger) {
    if h.size < DUST_MICROS {
        *h = Holding {
            opened_ms: t.timestamp_ms,
            condition: h.condition,
            outcome_index: h.outcome_index,
            ..Holding::default()
        };
    }
    h.size += t.size.micros();
    h.cost += cash;
    ledger.bought_micros += cash;
}

fn sell(h: &mut Holding, t: &WalletTrade, cash: i128, ledger: &mut Ledger) {
    let wanted = t.size.micros();
    let q = wanted.min(h.size);
    if q == 0 {
        ledger.unmatched_sells += 1;
        return;
    }
    if q < wanted {
        ledger.unmatched_sells += 1;
    }
    let proceeds = cash * i128::from(q) / i128::from(wanted);
    let cost = h.cost * i128::from(q) / i128::from(h.size);
    let pnl = proceeds - cost;
    h.pnl += pnl;
    ledger.pnl_micros += pnl;
    h.cost -= cost;
    h.size -= q;
    if h.size < DUST_MICROS {
        ledger.episodes.push(Episode {
            pnl_micros: h.pnl,
            hold_ms: (t.timestamp_ms - h.opened_ms).max(0),
            round_trip: true,
        });
        h.size = 0;
        h.cost = 0;
        h.pnl = 0;
    }
}

/// A holding still open at the end: settled at the resolution if its market resolved (a
/// closed episode), else valued at the mark (PnL only), else at cost.
fn close_open(
    h: &Holding,
    token: TokenId,
    resolutions: &HashMap<ConditionId, Resolution>,
    marks: &HashMap<TokenId, Probability>,
    ledger: &mut Ledger,
) {
    if h.size < DUST_MICROS {
        return;
    }
    let size = i128::from(h.size);
    let resolution = h.condition.and_then(|c| resolutions.get(&c));
    if let Some(r) = resolution {
        let payout = if r.winner_index == h.outcome_index {
            size
        } else {
            0
        };
        let pnl = payout - h.cost;
        ledger.pnl_micros += pnl;
        ledger.episodes.push(Episode {
            pnl_micros: h.pnl + pnl,
            hold_ms: (r.resolved_at_ms - h.opened_ms).max(0),
            round_trip: false,
        });
    } else if let Some(mark) = marks.get(&token) {
        ledger.pnl_micros += size * i128::from(mark.micros()) / SCALE - h.cost;
    }
}
