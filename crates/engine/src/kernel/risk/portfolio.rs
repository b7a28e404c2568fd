//! Assembling the risk engine's inputs from the kernel's books and ledger, and acting on its
//! verdict: an approved entry or exit becomes an ordinary order through `place`.

use alloy_primitives::B256;
use polybot_model::{ConditionId, OrderBook, Price, Probability, Side, Size, TokenId, Usdc};
use polybot_risk::{
    Candidate, Confidence, DrawdownGuard, MarketKey, OpenPosition, OutcomeSide, PortfolioState,
    RiskDecision, evaluate,
};

use super::{Entry, Exit, MarketMeta, position_key};
use crate::kernel::Kernel;
use crate::kernel::decision::Decision;
use crate::kernel::execute::NewOrder;
use crate::ledger::AccountId;
use crate::orders::{Quantity, TimeInForce};
use crate::venue::Venue;

/// The mid of a two-sided book: what positions are marked at.
pub(crate) fn mid(book: &OrderBook) -> Option<Probability> {
    let (bid, ask) = (book.best_bid()?, book.best_ask()?);
    Probability::from_micros((bid.price.micros() + ask.price.micros()) / 2).ok()
}

/// Where a market without metadata sits: alone, in category `UNKNOWN` (which
/// `risk.allowed_market_types` does not allow by default, so nothing new is entered there).
pub(crate) fn unknown_key(token: TokenId) -> MarketKey {
    MarketKey {
        market: ConditionId(B256::from(token.0.to_be_bytes::<32>())),
        event_id: None,
        neg_risk: None,
        category: "UNKNOWN".to_owned(),
        tags: Vec::new(),
    }
}

/// Total notional resting in the book, both sides: the liquidity the size may take a share of.
fn book_liquidity(book: &OrderBook) -> Usdc {
    book.bids()
        .iter()
        .chain(book.asks())
        .fold(Usdc::ZERO, |acc, l| {
            acc.saturating_add(l.size.notional(l.price))
        })
}

impl<V: Venue> Kernel<V> {
    /// The mark of `token`: its book's mid, when the book is two-sided. What the risk engine,
    /// equity snapshots and reports value positions at.
    #[must_use]
    pub fn mark(&self, token: TokenId) -> Option<Probability> {
        self.books.get(&token).and_then(mid)
    }

    /// The whole portfolio as the risk engine sees it, marked to mid.
    pub(crate) fn portfolio_state(&self) -> PortfolioState {
        let total = self.ledger.total(self.now_ms, |t| self.mark(t));
        let memory = &self.risk.memory;
        let mut state = PortfolioState::new(Usdc::ZERO, "");
        state.strategy_bankrolls.clear();
        state.equity = total.equity;
        state.cash = total.cash;
        state.day_start_equity = memory.day_start_equity;
        state.week_start_equity = memory.week_start_equity;
        state.realized_loss_today = memory
            .day_start_realized
            .saturating_sub(total.realized)
            .max(Usdc::ZERO);
        state.drawdown = memory
            .drawdown
            .unwrap_or_else(|| DrawdownGuard::new(total.equity));
        state.halts = memory.halts.clone();
        state.traders = memory.traders.clone();
        state.breakers = memory.breakers.clone();
        state.entries_today = memory.entries_today.clone();
        for (id, account) in self.ledger.accounts() {
            state.starting_bankroll = state.starting_bankroll.saturating_add(account.bankroll());
            if let Some(v) = self.ledger.snapshot(id, self.now_ms, |t| self.mark(t)) {
                state.strategy_bankrolls.insert(id.0.clone(), v.equity);
            }
            for (token, position) in &account.state().positions {
                if position.size.is_zero() {
                    continue;
                }
                let memo = memory.positions.get(&position_key(&id.0, *token));
                let meta = self.risk.meta.get(token);
                state.positions.push(OpenPosition {
                    strategy: id.0.clone(),
                    leader: memo.and_then(|m| m.leader.clone()),
                    key: meta.map_or_else(|| unknown_key(*token), |m| m.key.clone()),
                    token: *token,
                    outcome: meta.map_or(OutcomeSide::Yes, |m| m.outcome),
                    size: position.size,
                    cost: position.cost,
                    opened_ms: memo.map_or(self.now_ms, |m| m.opened_ms),
                });
            }
        }
        if state.day_start_equity == Usdc::ZERO {
            state.day_start_equity = total.equity;
        }
        if state.week_start_equity == Usdc::ZERO {
            state.week_start_equity = total.equity;
        }
        state
    }

    /// The candidate for `token` with everything the book and the market's metadata say.
    fn candidate(
        &self,
        account: &AccountId,
        token: TokenId,
        side: Side,
        price: Price,
    ) -> Candidate {
        let meta = self.risk.meta.get(&token);
        let book = self.books.get(&token);
        let best = |level: Option<polybot_model::Level>| level.map(|l| Probability::from(l.price));
        Candidate {
            strategy: account.0.clone(),
            leader: None,
            key: meta.map_or_else(|| unknown_key(token), |m| m.key.clone()),
            market_type: meta.map_or_else(|| "UNKNOWN".to_owned(), |m| m.market_type.clone()),
            token,
            outcome: meta.map_or(OutcomeSide::Yes, |m| m.outcome),
            side,
            is_exit: side == Side::Sell,
            limit_price: price,
            requested_size: None,
            post_only: false,
            fee_rate_bps: meta.map_or(0, |m: &MarketMeta| m.fee_rate_bps),
            min_order_size: self
                .rules
                .get(&token)
                .map_or(Size::ZERO, |r| r.min_resting_size),
            probability: Probability::from(price),
            confidence: Confidence::High,
            evidence_quality: None,
            liquidity: book.map_or(Usdc::ZERO, book_liquidity),
            best_bid: book.and_then(|b| best(b.best_bid())),
            best_ask: book.and_then(|b| best(b.best_ask())),
            book_ts_ms: book.map_or(0, OrderBook::timestamp_ms),
            end_time_ms: meta.and_then(|m| m.end_time_ms),
            reference_price: None,
            volatility_multiplier: 1.0,
            regime: None,
        }
    }

    /// Checks and sizes an entry; places it when approved.
    pub(crate) fn enter(&mut self, account: &AccountId, entry: &Entry) {
        self.roll_periods();
        let mut c = self.candidate(account, entry.token, Side::Buy, entry.limit_price);
        c.leader.clone_from(&entry.leader);
        c.requested_size = entry.max_size;
        c.post_only = entry.post_only;
        c.probability = entry.probability;
        c.confidence = entry.confidence;
        c.evidence_quality = entry.evidence_quality.map(Probability::as_f64);
        c.reference_price = entry.reference_price;
        let verdict = evaluate(&self.risk.config, &self.portfolio_state(), &c, self.now_ms);
        let Some(order) = self.record_verdict(account, &c, &verdict, entry.reason) else {
            return;
        };
        let placed = self.place(&NewOrder {
            account,
            token: entry.token,
            side: Side::Buy,
            price: order.0,
            quantity: Quantity::Shares(order.1),
            time_in_force: entry.time_in_force,
            post_only: entry.post_only,
            reason: entry.reason,
        });
        if placed.is_some() {
            let key = position_key(&account.0, entry.token);
            let memo = self
                .risk
                .memory
                .positions
                .entry(key)
                .or_insert(super::PositionMemo {
                    opened_ms: self.now_ms,
                    leader: None,
                    probability: None,
                    exit_attempt_ms: None,
                });
            memo.leader.clone_from(&entry.leader);
            memo.probability = Some(entry.probability);
            // An entry is counted once its order is placed: a refused or unplaceable one used
            // none of the strategy's daily allowance.
            let count = self
                .risk
                .memory
                .entries_today
                .entry(account.0.clone())
                .or_default();
            *count = count.saturating_add(1);
            self.risk.changed = true;
        }
    }

    /// Sells a held position (never blocked by halts); the bid less the slippage tolerance
    /// when no price is given.
    pub(crate) fn exit(&mut self, account: &AccountId, exit: &Exit) {
        let held = self
            .ledger
            .account(account)
            .and_then(|a| a.state().positions.get(&exit.token))
            .map_or(Size::ZERO, |p| p.size);
        let committed =
            Size::from_micros(self.open_index.committed(account, exit.token).sell_micros);
        let free = held.saturating_sub(committed);
        if free.is_zero() {
            return;
        }
        let Some(price) = exit.limit_price.or_else(|| self.exit_price(exit.token)) else {
            self.decide(Decision::Refused {
                account: account.clone(),
                token: exit.token,
                code: "no_bid".to_owned(),
            });
            return;
        };
        let mut c = self.candidate(account, exit.token, Side::Sell, price);
        c.requested_size = Some(exit.size.map_or(free, |s| s.min(free)));
        let verdict = evaluate(&self.risk.config, &self.portfolio_state(), &c, self.now_ms);
        let Some((price, size)) = self.record_verdict(account, &c, &verdict, exit.reason) else {
            return;
        };
        self.place(&NewOrder {
            account,
            token: exit.token,
            side: Side::Sell,
            price,
            quantity: Quantity::Shares(size),
            time_in_force: TimeInForce::Fak,
            post_only: false,
            reason: exit.reason,
        });
    }

    /// The best bid less `risk.max_slippage`, down to the tick and at least one tick.
    fn exit_price(&self, token: TokenId) -> Option<Price> {
        let bid = self.books.get(&token)?.best_bid()?.price;
        let tick = self.rules.get(&token)?.tick.micros();
        let slip = (f64::from(bid.micros()) * self.risk.config.max_slippage.clamp(0.0, 1.0)) as u32;
        let raw = bid.micros().saturating_sub(slip);
        Price::from_micros((raw / tick * tick).max(tick)).ok()
    }

    /// Records the risk engine's verdict as decisions; the approved price and size, if any.
    fn record_verdict(
        &mut self,
        account: &AccountId,
        candidate: &Candidate,
        verdict: &RiskDecision,
        reason: &str,
    ) -> Option<(Price, Size)> {
        if let Some(sizing) = &verdict.sizing {
            self.decide(Decision::Sized {
                account: account.clone(),
                token: candidate.token,
                shares: sizing.shares,
                notional: sizing.notional,
                net_edge_bp: (sizing.net_edge * 10_000.0).round() as i64,
                kelly_bp: (sizing.fraction * 10_000.0).round() as i64,
                bound_by: match sizing.bound_by {
                    polybot_risk::Bound::Kelly => "kelly".to_owned(),
                    polybot_risk::Bound::Requested => "requested".to_owned(),
                    polybot_risk::Bound::Cap(check) => check.code().to_owned(),
                },
            });
        }
        match &verdict.approved {
            Some(order) => Some((order.price, order.size)),
            None => {
                self.decide(Decision::RiskRejected {
                    account: account.clone(),
                    token: candidate.token,
                    side: candidate.side,
                    codes: verdict.codes().iter().map(|c| (*c).to_owned()).collect(),
                    detail: verdict
                        .rejections
                        .iter()
                        .map(|r| format!("{}: {}", r.check.code(), r.detail))
                        .collect::<Vec<_>>()
                        .join("; "),
                    reason: reason.to_owned(),
                });
                None
            }
        }
    }
}
