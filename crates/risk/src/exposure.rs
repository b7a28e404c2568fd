//! Exposure of the portfolio around a candidate: cost per market, event, category, strategy and
//! in total; position counts; net inventory; and the worst case of a neg-risk group.
//!
//! Exposure is measured at cost basis, the money at risk in a binary share bought outright.

use std::collections::BTreeSet;

use polybot_model::{ConditionId, Size, Usdc};
use serde::{Deserialize, Serialize};

use crate::input::{Candidate, MarketKey, OpenPosition, OutcomeSide, PortfolioState};

/// Exposure sums relevant to one candidate, in micro-dollars (and micro-shares for inventory).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exposure {
    pub market: i128,
    pub event: i128,
    pub category: i128,
    pub strategy: i128,
    pub total: i128,
    /// Distinct tokens held.
    pub open_positions: u32,
    /// Distinct held tokens correlated with the candidate's market.
    pub correlated: u32,
    /// Whether the candidate's token is already held (adding to it opens no new position).
    pub holds_token: bool,
    /// Net shares in the candidate's market in the candidate's direction: YES − NO for a YES
    /// candidate, NO − YES for a NO candidate.
    pub directional_inventory: i128,
}

/// Sums the portfolio's exposure around `candidate`.
#[must_use]
pub fn exposure(state: &PortfolioState, candidate: &Candidate) -> Exposure {
    let key = &candidate.key;
    let mut e = Exposure::default();
    let mut tokens = BTreeSet::new();
    let mut correlated = BTreeSet::new();
    for p in &state.positions {
        let cost = i128::from(p.cost.micros());
        e.total += cost;
        if p.key.market == key.market {
            e.market += cost;
            let shares = i128::from(p.size.micros());
            e.directional_inventory += if p.outcome == candidate.outcome {
                shares
            } else {
                -shares
            };
        }
        if key.event_id.is_some() && p.key.event_id == key.event_id {
            e.event += cost;
        }
        if p.key.category.eq_ignore_ascii_case(&key.category) {
            e.category += cost;
        }
        if p.strategy == candidate.strategy {
            e.strategy += cost;
        }
        if p.token == candidate.token {
            e.holds_token = true;
        } else if p.key.correlated_with(key) {
            correlated.insert(p.token);
        }
        tokens.insert(p.token);
    }
    e.open_positions = u32::try_from(tokens.len()).unwrap_or(u32::MAX);
    e.correlated = u32::try_from(correlated.len()).unwrap_or(u32::MAX);
    e
}

/// One way a neg-risk group can resolve and what the group's positions make in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scenario {
    /// The winning market; `None` when the winner is a market of the group we hold nothing in.
    pub winner: Option<ConditionId>,
    /// Payouts minus cost of every position in the group, in micro-dollars.
    pub pnl: i128,
}

fn in_group<'a>(
    positions: &'a [OpenPosition],
    group: &'a str,
) -> impl Iterator<Item = &'a OpenPosition> {
    positions
        .iter()
        .filter(move |p| p.key.neg_risk_id() == Some(group))
}

/// What `shares` of `outcome` on `market` pay if `winner` wins.
fn payout(
    market: &ConditionId,
    outcome: OutcomeSide,
    shares: Size,
    winner: Option<&ConditionId>,
) -> i128 {
    let wins = match outcome {
        OutcomeSide::Yes => winner == Some(market),
        OutcomeSide::No => winner != Some(market),
    };
    if wins { i128::from(shares.micros()) } else { 0 }
}

/// Every way the neg-risk group `group` can resolve, with the PnL of the group's positions.
///
/// The winners considered are the group's markets we hold (plus `extra`, a market about to be
/// traded) and, unless we hold every market of the group, "another market wins". At most one
/// market wins, so a YES pays only in its own scenario and a NO in every other.
#[must_use]
pub fn scenarios(
    positions: &[OpenPosition],
    group: &str,
    outcomes: u32,
    extra: Option<&MarketKey>,
) -> Vec<Scenario> {
    let mut markets: BTreeSet<ConditionId> =
        in_group(positions, group).map(|p| p.key.market).collect();
    markets.extend(extra.map(|k| k.market));
    let outcomes = in_group(positions, group)
        .filter_map(|p| p.key.neg_risk.as_ref().map(|g| g.outcomes))
        .chain(std::iter::once(outcomes))
        .max()
        .unwrap_or(0);
    let mut winners: Vec<Option<ConditionId>> = markets.into_iter().map(Some).collect();
    if outcomes == 0 || winners.len() < outcomes as usize {
        winners.push(None);
    }
    let cost: i128 = in_group(positions, group)
        .map(|p| i128::from(p.cost.micros()))
        .sum();
    winners
        .into_iter()
        .map(|winner| {
            let paid: i128 = in_group(positions, group)
                .map(|p| payout(&p.key.market, p.outcome, p.size, winner.as_ref()))
                .sum();
            Scenario {
                winner,
                pnl: paid - cost,
            }
        })
        .collect()
}

/// The worst PnL of the group's positions over every way it can resolve (zero without any).
#[must_use]
pub fn worst_case(positions: &[OpenPosition], group: &str, outcomes: u32) -> Usdc {
    let worst = scenarios(positions, group, outcomes, None)
        .iter()
        .map(|s| s.pnl)
        .min()
        .unwrap_or(0)
        .min(0);
    crate::money::usdc(worst)
}

/// The most notional the candidate may add before the group's worst case falls below `-cap`:
/// the smallest `pnl + cap` over the scenarios in which the candidate does not pay. In the others
/// it adds more than it costs, so they only improve; a group already past its limit in one of
/// those is caught by the exact check of the final order ([`worst_case_after`]). `None` when the
/// candidate is not in a neg-risk group.
#[must_use]
pub fn neg_risk_room(state: &PortfolioState, candidate: &Candidate, cap: i128) -> Option<i128> {
    let group = candidate.key.neg_risk.as_ref()?;
    let room = scenarios(
        &state.positions,
        &group.id,
        group.outcomes,
        Some(&candidate.key),
    )
    .into_iter()
    .filter(|s| {
        payout(
            &candidate.key.market,
            candidate.outcome,
            Size::from_micros(1),
            s.winner.as_ref(),
        ) == 0
    })
    .map(|s| s.pnl + cap)
    .min()
    .unwrap_or(cap);
    Some(room)
}

/// The group's worst-case PnL once the candidate holds `shares` bought for `notional`.
#[must_use]
pub fn worst_case_after(
    state: &PortfolioState,
    candidate: &Candidate,
    shares: Size,
    notional: Usdc,
) -> Option<i128> {
    let group = candidate.key.neg_risk.as_ref()?;
    let mut positions = state.positions.clone();
    positions.push(OpenPosition {
        strategy: candidate.strategy.clone(),
        leader: candidate.leader.clone(),
        key: candidate.key.clone(),
        token: candidate.token,
        outcome: candidate.outcome,
        size: shares,
        cost: notional,
        opened_ms: 0,
    });
    scenarios(&positions, &group.id, group.outcomes, None)
        .iter()
        .map(|s| s.pnl)
        .min()
}

#[cfg(test)]
mod tests {
    use polybot_model::TokenId;

    use super::*;
    use crate::input::NegRiskGroup;

    fn market(n: u64) -> ConditionId {
        ConditionId::parse(&format!("0x{n:064x}")).unwrap()
    }

    fn pos(m: u64, outcome: OutcomeSide, shares: u64, cost: i64, outcomes: u32) -> OpenPosition {
        OpenPosition {
            strategy: "arb".into(),
            leader: None,
            key: MarketKey {
                market: market(m),
                event_id: Some("e".into()),
                neg_risk: Some(NegRiskGroup {
                    id: "g".into(),
                    outcomes,
                }),
                category: "ELECTION".into(),
                tags: vec![],
            },
            token: TokenId::parse(&(m * 10 + outcome as u64).to_string()).unwrap(),
            outcome,
            size: Size::shares(shares),
            cost: Usdc::dollars(cost),
            opened_ms: 0,
        }
    }

    #[test]
    fn yes_positions_lose_everything_but_the_winner() {
        use OutcomeSide::Yes;
        // YES on A (100 shares for $30) and B (50 shares for $20); the group has more markets.
        let positions = [pos(1, Yes, 100, 30, 0), pos(2, Yes, 50, 20, 0)];
        let s = scenarios(&positions, "g", 0, None);
        let pnl: Vec<i128> = s.iter().map(|s| s.pnl / 1_000_000).collect();
        assert_eq!(pnl, [50, 0, -50]);
        assert_eq!(worst_case(&positions, "g", 0), Usdc::dollars(-50));
        // If those are the only two markets, one of them wins: the worst case is 0.
        assert_eq!(worst_case(&positions, "g", 2), Usdc::ZERO);
    }

    #[test]
    fn no_positions_pay_unless_their_market_wins() {
        use OutcomeSide::{No, Yes};
        // NO on A (100 shares for $80), YES on B (10 shares for $5); group of three.
        let positions = [pos(1, No, 100, 80, 3), pos(2, Yes, 10, 5, 3)];
        let s = scenarios(&positions, "g", 0, None);
        let pnl: Vec<i128> = s.iter().map(|s| s.pnl / 1_000_000).collect();
        // A wins: −85; B wins: 100 + 10 − 85 = 25; C wins: 100 − 85 = 15.
        assert_eq!(pnl, [-85, 25, 15]);
        assert_eq!(worst_case(&positions, "g", 3), Usdc::dollars(-85));
        assert_eq!(worst_case(&positions, "other", 3), Usdc::ZERO);
    }
}
