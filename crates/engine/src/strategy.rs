//! The strategy contract: read the world, answer with intents. A strategy never talks to a venue,
//! never sizes past what it asks for, and never bypasses the kernel's checks.

use std::collections::{BTreeMap, BTreeSet};

use polybot_model::{OrderBook, Price, Probability, Side, Size, TokenId};

use crate::event::Event;
use crate::fasthash::TokenMap;
use crate::ledger::{AccountId, Ledger};
use crate::orders::algos::AlgoSpec;
use crate::orders::{ClientOrderId, Quantity, TimeInForce, TrackedOrder};
use crate::sim::VenueReport;

/// What a strategy may look at while handling an event.
pub struct View<'a> {
    pub now_ms: i64,
    pub books: &'a TokenMap<OrderBook>,
    pub ledger: &'a Ledger,
    pub orders: &'a BTreeMap<ClientOrderId, TrackedOrder>,
    /// Ids of the orders that may still trade.
    pub open: &'a BTreeSet<ClientOrderId>,
    /// The risk engine's memory: halts, copied leaders per position, trader cutoffs.
    pub risk: &'a crate::kernel::RiskMemory,
    /// The risk engine's configuration, so a strategy's own pre-filters (minimum edge, the
    /// slippage its limit may take) agree with the gate its entries must pass.
    pub risk_config: &'a polybot_risk::RiskConfig,
    /// What the risk engine knows about each token's market (fee, outcome, end), so a strategy
    /// prices an entry with the fee the gate will charge it.
    pub markets: &'a TokenMap<crate::kernel::MarketMeta>,
}

impl View<'_> {
    /// This account's open orders, in client id order.
    pub fn open_orders<'s>(
        &'s self,
        account: &'s AccountId,
    ) -> impl Iterator<Item = &'s TrackedOrder> + 's {
        // `open` holds exactly the open orders' ids: no walk through finished orders.
        self.open
            .iter()
            .filter_map(|id| self.orders.get(id))
            .filter(move |o| &o.request.account == account && o.state.is_open())
    }
}

/// What a strategy wants done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intent {
    Place {
        token: TokenId,
        side: Side,
        price: Price,
        quantity: Quantity,
        time_in_force: TimeInForce,
        post_only: bool,
        reason: &'static str,
    },
    /// A parent order worked by an execution algorithm (TWAP, iceberg); each child goes
    /// through the same checks as a `Place`.
    Algo {
        token: TokenId,
        side: Side,
        price: Price,
        total: Size,
        time_in_force: TimeInForce,
        post_only: bool,
        algo: AlgoSpec,
        reason: &'static str,
    },
    /// Cancel an order, or stop an algo and cancel its children.
    Cancel { client_id: ClientOrderId },
    /// Cancel this account's open orders, on one token or all.
    CancelAll { token: Option<TokenId> },
    /// A buy the risk engine checks against the whole portfolio and sizes (fractional Kelly
    /// under every cap): how strategies with a view on probability trade.
    Enter(crate::kernel::Entry),
    /// Sell a held position; exits pass every halt.
    Exit(crate::kernel::Exit),
    /// The strategy's current probability that a token it holds pays out. The kernel's
    /// edge-reversal exit rule compares the bid with the probability a position was entered on;
    /// a strategy that re-forecasts states what it believes now, so the rule judges the position
    /// by today's view rather than the one it was bought on. Ignored for positions the risk gate
    /// did not open.
    Reassess {
        token: TokenId,
        probability: Probability,
    },
    /// A signal the strategy looked at and let go, with the reason code (`price_moved`,
    /// `stale_signal`, ...), so every skipped signal leaves a record.
    Skip {
        token: TokenId,
        code: &'static str,
        detail: String,
    },
}

pub trait Strategy {
    fn name(&self) -> &str;
    /// The sub-ledger this strategy trades for.
    fn account(&self) -> &AccountId;
    /// Called for every event, after the kernel has updated books, orders and the ledger.
    fn on_event(&mut self, view: &View<'_>, event: &Event, intents: &mut Vec<Intent>);
    /// Called for each report about this strategy's orders.
    fn on_report(&mut self, _view: &View<'_>, _report: &VenueReport, _intents: &mut Vec<Intent>) {}
}
