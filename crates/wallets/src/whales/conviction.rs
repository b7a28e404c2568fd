//! Conviction signals (seed 000, phase 4): market outcomes that 2+ tracked wallets hold.

use std::collections::{BTreeMap, BTreeSet};

use alloy_primitives::Address;
use polybot_model::{ConditionId, TokenId, Usdc};
use serde::{Deserialize, Serialize};

use super::smi::Direction;
use super::snapshot::{HeldPosition, PositionSnapshot};

/// Fewest wallets holding the same outcome for a signal.
pub const MIN_WALLETS: usize = 2;
/// From this many wallets a signal is a high-consensus alert.
pub const HIGH_CONSENSUS_WALLETS: usize = 3;
/// Whale count: 25 points per wallet.
pub const POINTS_PER_WALLET: f64 = 25.0;
/// Capital size: `log10(USD) × 8`.
pub const POINTS_PER_LOG10_USD: f64 = 8.0;
/// Profit factor: up to 15 points.
pub const MAX_PROFIT_POINTS: f64 = 15.0;
/// Scores are clamped to [0, 100].
pub const MAX_SCORE: f64 = 100.0;

/// The seed's strength classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SignalStrength {
    /// Below 45 ("low confidence"; the seed's WEAK band is 30–44, and nothing is lower
    /// with 2+ wallets, whose count alone gives 50).
    Weak,
    /// 45–69: worth monitoring.
    Moderate,
    /// ≥ 70: the highest-confidence signals.
    Strong,
}

impl SignalStrength {
    #[must_use]
    pub fn of(score: f64) -> Self {
        if score >= 70.0 {
            SignalStrength::Strong
        } else if score >= 45.0 {
            SignalStrength::Moderate
        } else {
            SignalStrength::Weak
        }
    }

    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            SignalStrength::Weak => "WEAK",
            SignalStrength::Moderate => "MODERATE",
            SignalStrength::Strong => "STRONG",
        }
    }
}

/// The three parts of a conviction score, before the clamp.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ScoreParts {
    /// 25 × wallets.
    pub wallets: f64,
    /// 8 × log10(total USD), 0 below $1.
    pub capital: f64,
    /// 15 × (wallets in profit / wallets).
    pub profit: f64,
}

/// The score of `wallets` wallets holding `total` dollars, `in_profit` of them in profit:
/// `min(100, 25·wallets + 8·log10(max(total, $1)) + 15·in_profit/wallets)`.
#[must_use]
pub fn conviction_score(wallets: usize, total: Usdc, in_profit: usize) -> (f64, ScoreParts) {
    let dollars = total.micros() as f64 / 1e6;
    let parts = ScoreParts {
        wallets: POINTS_PER_WALLET * wallets as f64,
        capital: if dollars > 1.0 {
            POINTS_PER_LOG10_USD * dollars.log10()
        } else {
            0.0
        },
        profit: if wallets == 0 {
            0.0
        } else {
            MAX_PROFIT_POINTS * in_profit.min(wallets) as f64 / wallets as f64
        },
    };
    let score = (parts.wallets + parts.capital + parts.profit).clamp(0.0, MAX_SCORE);
    (score, parts)
}

/// 2+ wallets holding the same outcome of a market.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConvictionSignal {
    pub condition_id: ConditionId,
    pub token: TokenId,
    pub outcome_index: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The wallets holding it, sorted.
    pub wallets: Vec<Address>,
    /// Their positions' total value at the current mark.
    pub total_usd: Usdc,
    /// How many of them are in profit (entry below the current price).
    pub in_profit: u32,
    /// In [0, 100].
    pub score: f64,
    pub parts: ScoreParts,
    pub strength: SignalStrength,
    /// 3+ wallets.
    pub high_consensus: bool,
    /// Bullish for YES (outcome 0), bearish for NO (outcome 1).
    pub direction: Direction,
}

/// Signals from the current snapshots: each outcome token held by at least [`MIN_WALLETS`]
/// distinct wallets, strongest first (ties by more dollars, then by token). A wallet listed
/// twice counts once (its latest snapshot in `snapshots` wins).
#[must_use]
pub fn conviction_signals(snapshots: &[PositionSnapshot]) -> Vec<ConvictionSignal> {
    let mut latest: BTreeMap<Address, &PositionSnapshot> = BTreeMap::new();
    for s in snapshots {
        latest
            .entry(s.wallet)
            .and_modify(|held| {
                if s.taken_at_ms >= held.taken_at_ms {
                    *held = s;
                }
            })
            .or_insert(s);
    }
    let mut holders: BTreeMap<TokenId, Vec<(Address, &HeldPosition)>> = BTreeMap::new();
    for (wallet, snapshot) in &latest {
        for p in snapshot.by_token().into_values() {
            holders.entry(p.token).or_default().push((*wallet, p));
        }
    }
    let mut out: Vec<ConvictionSignal> = holders
        .into_values()
        .filter_map(|group| signal(&group))
        .collect();
    out.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(b.total_usd.cmp(&a.total_usd))
            .then(a.token.cmp(&b.token))
    });
    out
}

fn signal(group: &[(Address, &HeldPosition)]) -> Option<ConvictionSignal> {
    let wallets: BTreeSet<Address> = group.iter().map(|(w, _)| *w).collect();
    if wallets.len() < MIN_WALLETS {
        return None;
    }
    let (_, first) = group.first()?;
    let total_usd = group
        .iter()
        .fold(Usdc::ZERO, |acc, (_, p)| acc.saturating_add(p.value()));
    let in_profit = group.iter().filter(|(_, p)| p.in_profit()).count();
    let (score, parts) = conviction_score(wallets.len(), total_usd, in_profit);
    Some(ConvictionSignal {
        condition_id: first.condition_id,
        token: first.token,
        outcome_index: first.outcome_index,
        outcome: first.outcome.clone(),
        title: first.title.clone(),
        high_consensus: wallets.len() >= HIGH_CONSENSUS_WALLETS,
        wallets: wallets.into_iter().collect(),
        total_usd,
        in_profit: u32::try_from(in_profit).unwrap_or(u32::MAX),
        score,
        parts,
        strength: SignalStrength::of(score),
        direction: Direction::of_outcome(first.outcome_index),
    })
}
