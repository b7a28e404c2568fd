//! Net whale flow (seed 000): capital entering minus capital leaving whale positions.

use std::collections::BTreeMap;

use polybot_model::{ConditionId, Usdc};
use serde::{Deserialize, Serialize};

use super::delta::PositionDelta;

/// Dollars in, out and the difference.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flow {
    /// Σ USD of `NEW_ENTRY` and `SIZE_INCREASE`.
    pub flow_in: Usdc,
    /// Σ USD of `EXIT` and `SIZE_DECREASE`.
    pub flow_out: Usdc,
    /// in − out: positive is accumulation, negative distribution.
    pub net: Usdc,
}

impl Flow {
    fn add(&mut self, d: &PositionDelta) {
        if d.kind.is_inflow() {
            self.flow_in = self.flow_in.saturating_add(d.usd);
        } else {
            self.flow_out = self.flow_out.saturating_add(d.usd);
        }
        self.net = self.flow_in.saturating_sub(self.flow_out);
    }
}

/// The flow of one market.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketFlow {
    pub condition_id: ConditionId,
    #[serde(flatten)]
    pub flow: Flow,
}

/// Flow in total and per market.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetFlow {
    pub total: Flow,
    /// Largest |net| first (then by market id).
    pub by_market: Vec<MarketFlow>,
}

/// Sums `deltas` into flows, in total and per market.
#[must_use]
pub fn net_flow(deltas: &[PositionDelta]) -> NetFlow {
    let mut total = Flow::default();
    let mut markets: BTreeMap<ConditionId, Flow> = BTreeMap::new();
    for d in deltas {
        total.add(d);
        markets.entry(d.condition_id).or_default().add(d);
    }
    let mut by_market: Vec<MarketFlow> = markets
        .into_iter()
        .map(|(condition_id, flow)| MarketFlow { condition_id, flow })
        .collect();
    by_market.sort_by(|a, b| {
        b.flow
            .net
            .micros()
            .unsigned_abs()
            .cmp(&a.flow.net.micros().unsigned_abs())
            .then(a.condition_id.cmp(&b.condition_id))
    });
    NetFlow { total, by_market }
}
