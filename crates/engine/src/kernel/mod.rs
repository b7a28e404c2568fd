//! [`Kernel`]: the single-threaded core. It owns books, orders and the ledger and changes them
//! only while handling one event at a time, so the same events always produce the same decisions
//! — the property that makes backtests honest and live incidents replayable.
//!
//! Per event: update the books, let the venue act (a simulated venue matches against the new
//! data and delivers what its latency held back), apply the venue's reports to orders and the
//! ledger, ask every strategy, check each intent against the venue's rules and the account's
//! funds, and send what passes. Every decision is recorded and folded into a [`Fingerprint`].

mod algo;
mod changes;
mod decision;
mod decision_meta;
mod execute;
mod open;
mod reports;
mod risk;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use open::OpenIndex;
pub use reports::ClosedOrder;

use polybot_model::{OrderBook, TokenId, Usdc};

use crate::event::Event;
use crate::fasthash::{FastHash, TokenMap};
use crate::fingerprint::Fingerprint;
use crate::ledger::{AccountId, Ledger, LedgerError, Resolution};
use crate::orders::{ClientOrderId, MarketRules, TrackedOrder};
use crate::sim::VenueReport;
use crate::strategy::{Intent, Strategy, View};
use crate::venue::Venue;

pub use algo::{AlgoState, RunningAlgo};
use changes::Pending;
pub use changes::{Changes, Restored};
pub use decision::Decision;
use decision::record;
pub use decision_meta::{Stage, UnknownStage};
use risk::RiskGate;
pub use risk::{
    Entry, Exit, MarketMeta, PositionMemo, RiskCommand, RiskMemory, RiskSetup, position_key,
};

pub struct Kernel<V: Venue> {
    venue: V,
    now_ms: i64,
    books: TokenMap<OrderBook>,
    rules: TokenMap<MarketRules>,
    ledger: Ledger,
    orders: BTreeMap<ClientOrderId, TrackedOrder>,
    /// Ids of the orders that may still trade: what funds checks and cancel-all look at, so
    /// their cost does not grow with the history of finished orders.
    open: BTreeSet<ClientOrderId>,
    /// The open orders per account (and token) and what they commit, for funds checks and
    /// cancel-all: their cost does not grow with the number of markets quoted either.
    open_index: OpenIndex,
    /// Orders handed to the driver by `prune_closed`: a venue may still confirm their end
    /// (a FOK/FAK's `Closed` after its last fill), which is then no surprise, or report a late
    /// fill, which must still reach the owner's books.
    pruned: HashMap<ClientOrderId, ClosedOrder, FastHash>,
    /// Execution algorithms being worked, by their id.
    algos: BTreeMap<ClientOrderId, RunningAlgo>,
    strategies: Vec<Box<dyn Strategy>>,
    next_id: u64,
    /// What changed since the driver last took it (to persist).
    changes: Pending,
    fingerprint: Fingerprint,
    decisions: Vec<Decision>,
    reports: Vec<VenueReport>,
    intents: Vec<Intent>,
    risk: RiskGate,
}

impl<V: Venue> Kernel<V> {
    pub fn new(venue: V) -> Self {
        Kernel {
            venue,
            now_ms: 0,
            books: TokenMap::default(),
            rules: TokenMap::default(),
            ledger: Ledger::new(),
            orders: BTreeMap::new(),
            open: BTreeSet::new(),
            open_index: OpenIndex::default(),
            pruned: HashMap::default(),
            algos: BTreeMap::new(),
            strategies: Vec::new(),
            next_id: 1,
            changes: Pending::default(),
            fingerprint: Fingerprint::default(),
            decisions: Vec::new(),
            reports: Vec::with_capacity(16),
            intents: Vec::with_capacity(16),
            risk: RiskGate::default(),
        }
    }

    pub fn add_market(&mut self, token: TokenId, rules: MarketRules) {
        self.rules.insert(token, rules);
        self.books
            .entry(token)
            .or_insert_with(|| OrderBook::new(token, rules.tick));
    }

    /// A market as a session header or an `Event::Market` describes it.
    pub fn add_session_market(&mut self, market: &crate::session::SessionMarket) {
        self.add_market(market.token, market.rules);
        if let Some(meta) = &market.meta {
            self.set_market_meta(market.token, MarketMeta::clone(meta));
        }
    }

    pub fn open_account(&mut self, id: AccountId, bankroll: Usdc) -> Result<(), LedgerError> {
        self.ledger.open_account(id, bankroll)
    }

    /// The risk engine's configuration and the memory a restart restored.
    pub fn set_risk(&mut self, setup: RiskSetup) {
        self.risk.config = setup.config;
        self.risk.memory = setup.memory;
    }

    /// What the risk engine knows about a token's market (exposure groups, type, end, fee).
    pub fn set_market_meta(&mut self, token: TokenId, meta: MarketMeta) {
        self.risk.meta.insert(token, meta);
    }

    #[must_use]
    pub fn risk_memory(&self) -> &RiskMemory {
        &self.risk.memory
    }

    #[must_use]
    pub fn risk_config(&self) -> &polybot_risk::RiskConfig {
        &self.risk.config
    }

    /// Why buys are refused right now, if they are: a halt (operator, kill switch, kill file)
    /// or the drawdown kill. Sells (exits) always pass.
    fn buys_halted(&self) -> Option<&'static str> {
        let memory = &self.risk.memory;
        if memory.halts.is_halted() {
            Some("kill_switch")
        } else if memory.drawdown.as_ref().is_some_and(|g| g.is_tripped()) {
            Some("max_drawdown")
        } else {
            None
        }
    }

    pub fn add_strategy(&mut self, strategy: Box<dyn Strategy>) {
        self.strategies.push(strategy);
    }

    #[must_use]
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    #[must_use]
    pub fn books(&self) -> &TokenMap<OrderBook> {
        &self.books
    }

    #[must_use]
    pub fn orders(&self) -> &BTreeMap<ClientOrderId, TrackedOrder> {
        &self.orders
    }

    #[must_use]
    pub fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }

    #[must_use]
    pub fn venue(&self) -> &V {
        &self.venue
    }

    pub fn venue_mut(&mut self) -> &mut V {
        &mut self.venue
    }

    #[must_use]
    pub fn now_ms(&self) -> i64 {
        self.now_ms
    }

    /// Removes and returns the orders that can no longer trade, so a long run keeps only live
    /// orders in memory. Orders whose change has not been taken yet, and the children of
    /// running algos (whose fills the algo still counts), stay.
    pub fn prune_closed(&mut self) -> Vec<TrackedOrder> {
        let keep: BTreeSet<ClientOrderId> = self
            .algos
            .values()
            .flat_map(|a| a.children.iter().copied())
            .chain(self.changes.orders.iter().copied())
            .collect();
        let closed: Vec<ClientOrderId> = self
            .orders
            .keys()
            .filter(|id| !self.open.contains(id) && !keep.contains(id))
            .copied()
            .collect();
        let mut pruned = Vec::with_capacity(closed.len());
        for id in closed {
            if let Some(order) = self.orders.remove(&id) {
                self.pruned.insert(id, ClosedOrder::of(&order));
                pruned.push(order);
            }
        }
        pruned
    }

    /// Decisions since the last call (for the decision log).
    pub fn take_decisions(&mut self) -> Vec<Decision> {
        std::mem::take(&mut self.decisions)
    }

    /// Handles one event completely.
    pub fn handle(&mut self, event: &Event) {
        self.now_ms = self.now_ms.max(event.ts());
        self.apply_market(event);
        let mut reports = std::mem::take(&mut self.reports);
        self.venue.on_market(self.now_ms, event, &mut reports);
        self.venue.poll(self.now_ms, &mut reports);
        if let Event::Venue { report, .. } = event {
            reports.push(report.clone());
        }
        let mut intents = std::mem::take(&mut self.intents);
        let mut strategies = std::mem::take(&mut self.strategies);
        for report in reports.drain(..) {
            let owner = self.apply_report(&report);
            if let Some(owner) = owner {
                let view = self.view();
                for s in strategies.iter_mut().filter(|s| s.account() == &owner) {
                    s.on_report(&view, &report, &mut intents);
                }
                self.execute(&owner, &mut intents);
            }
        }
        if let Event::Tick { .. } = event {
            self.risk_tick();
        }
        if let Event::Operator {
            command: crate::operator::OperatorCommand::Risk(command),
            ..
        } = event
        {
            self.risk_command(command);
        } else if let Event::Operator {
            account, command, ..
        } = event
        {
            match command.intent() {
                Ok(intent) => {
                    intents.push(intent);
                    self.execute(account, &mut intents);
                }
                Err(code) => self.decide(Decision::OperatorRefused {
                    account: account.clone(),
                    code: code.to_owned(),
                }),
            }
        }
        self.step_algos();
        for strategy in &mut strategies {
            strategy.on_event(&self.view(), event, &mut intents);
            if !intents.is_empty() {
                self.execute(strategy.account(), &mut intents);
            }
        }
        self.step_algos();
        self.strategies = strategies;
        self.intents = intents;
        self.reports = reports;
    }

    fn view(&self) -> View<'_> {
        View {
            now_ms: self.now_ms,
            books: &self.books,
            ledger: &self.ledger,
            orders: &self.orders,
            open: &self.open,
            risk: &self.risk.memory,
            risk_config: &self.risk.config,
            markets: &self.risk.meta,
        }
    }

    fn apply_market(&mut self, event: &Event) {
        match event {
            Event::Book {
                token,
                bids,
                asks,
                ts,
            } => {
                if let Some(book) = self.books.get_mut(token) {
                    book.apply_snapshot(bids.iter().copied(), asks.iter().copied(), *ts);
                }
            }
            Event::Level {
                token,
                side,
                price,
                size,
                ts,
            } => {
                if let Some(book) = self.books.get_mut(token) {
                    book.set_level(*side, *price, *size);
                    book.set_timestamp(*ts);
                }
            }
            Event::TickSize { token, tick, .. } => {
                if let Some(rules) = self.rules.get_mut(token) {
                    rules.tick = *tick;
                }
                if let Some(book) = self.books.get_mut(token) {
                    book.clear(*tick);
                }
            }
            Event::Resolved {
                condition,
                tokens,
                winner,
                ..
            } => {
                let resolution = Resolution {
                    condition: *condition,
                    tokens: tokens.clone(),
                    winner: *winner,
                };
                match self.ledger.resolve(&resolution) {
                    Ok(()) => self.changes.resolutions.push(resolution),
                    Err(e) => self.decide(Decision::Anomaly {
                        detail: e.to_string(),
                    }),
                }
            }
            Event::Redeemed { condition, .. } => match self.ledger.redeem(*condition) {
                Ok(()) => {
                    self.changes.redemptions.push(*condition);
                    self.decide(Decision::Redeemed {
                        condition: *condition,
                    });
                }
                Err(e) => self.decide(Decision::Anomaly {
                    detail: e.to_string(),
                }),
            },
            Event::Market { market, .. } => self.add_session_market(market),
            // Logged whether or not a strategy trades on it: the log explains every forecast.
            Event::Forecast { forecast, .. } => self.decide(Decision::forecast(forecast)),
            Event::Trade { .. }
            | Event::Venue { .. }
            | Event::Tick { .. }
            | Event::LeaderTrade { .. }
            | Event::Operator { .. } => {}
        }
    }

    fn decide(&mut self, decision: Decision) {
        record(&mut self.fingerprint, &decision);
        self.decisions.push(decision);
    }
}
