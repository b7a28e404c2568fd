//! What the risk gate does between entries: rolls the day and week the loss limits and the daily
//! entry counts count from, moves the drawdown guard with equity, follows fills (when a position
//! opened, a copied leader's record, a market's run of adverse fills), takes halts and cutoffs
//! from operators, and raises exits (take-profit, stop-loss, holding time, approaching
//! resolution, edge reversal) on every tick.

use polybot_model::{Side, TokenId, Usdc};
use polybot_risk::{
    DrawdownGuard, GuardTransition, HaltSource, MarketView, OpenPosition, exit_signal,
};

use super::{Exit, PositionMemo, position_key};
use crate::kernel::Kernel;
use crate::kernel::decision::Decision;
use crate::ledger::AccountId;
use crate::venue::Venue;

const DAY_MS: i64 = 86_400_000;
/// Days since the epoch start on a Thursday; weeks start on Monday.
const WEEK_OFFSET_DAYS: i64 = 3;
/// A failed exit (no bid, nothing filled) is tried again after this long, not on every tick.
const EXIT_RETRY_MS: i64 = 5_000;
/// How long after a fill the mid is compared with the mid at the fill, for the breaker.
const ADVERSE_AFTER_MS: i64 = 30_000;

/// A fill waiting to be judged adverse or not by the market's circuit breaker.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FillToJudge {
    pub market: polybot_model::ConditionId,
    pub token: TokenId,
    pub side: Side,
    pub mid_at_fill: polybot_model::Probability,
    pub due_ms: i64,
}

/// A risk command from an operator (`polybot halt|resume|cutoff|uncutoff`) or the runner
/// (mirroring `safety.kill_switch` and the kill file).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RiskCommand {
    Halt {
        reason: String,
    },
    Resume,
    /// Mirror a switch (the config's `kill_switch`, the kill file) into a halt of its source.
    Switch {
        source: HaltSource,
        on: bool,
        reason: String,
    },
    Cutoff {
        wallet: String,
        reason: String,
    },
    Uncutoff {
        wallet: String,
    },
}

impl<V: Venue> Kernel<V> {
    /// Starts a new day or week for the loss limits, and a new day of entry counts, when the
    /// clock crossed one (UTC).
    pub(crate) fn roll_periods(&mut self) {
        let day = self.now_ms.div_euclid(DAY_MS);
        let week = (day + WEEK_OFFSET_DAYS).div_euclid(7);
        let memory = &self.risk.memory;
        if day == memory.day && week == memory.week && memory.day_start_equity != Usdc::ZERO {
            return;
        }
        let total = self.ledger.total(self.now_ms, |t| self.mark(t));
        let memory = &mut self.risk.memory;
        if day != memory.day {
            memory.entries_today.clear();
        }
        if day != memory.day || memory.day_start_equity == Usdc::ZERO {
            memory.day = day;
            memory.day_start_equity = total.equity;
            memory.day_start_realized = total.realized;
        }
        if week != memory.week || memory.week_start_equity == Usdc::ZERO {
            memory.week = week;
            memory.week_start_equity = total.equity;
        }
        self.risk.changed = true;
    }

    /// Per tick: periods, the drawdown guard, and the exit rules for every position a strategy
    /// entered through the risk gate.
    pub(crate) fn risk_tick(&mut self) {
        self.roll_periods();
        let equity = self.ledger.total(self.now_ms, |t| self.mark(t)).equity;
        let mut guard = self
            .risk
            .memory
            .drawdown
            .take()
            .unwrap_or_else(|| DrawdownGuard::new(equity));
        let peak = guard.peak;
        let transition = guard.update(&self.risk.config, equity, self.now_ms);
        self.risk.changed |= guard.peak != peak || transition.is_some();
        self.risk.memory.drawdown = Some(guard);
        match transition {
            Some(GuardTransition::Tripped { drawdown }) => self.decide(Decision::RiskState {
                event: "drawdown_kill".to_owned(),
                detail: format!("drawdown {drawdown:.4} from peak {peak}"),
            }),
            Some(GuardTransition::Recovered { drawdown, .. }) => {
                self.decide(Decision::RiskState {
                    event: "drawdown_recovered".to_owned(),
                    detail: format!("drawdown {drawdown:.4}"),
                });
            }
            None => {}
        }
        self.judge_fills();
        self.raise_exits();
    }

    fn raise_exits(&mut self) {
        let mut due: Vec<(AccountId, TokenId, &'static str)> = Vec::new();
        for (id, account) in self.ledger.accounts() {
            for (token, position) in &account.state().positions {
                // Only positions a strategy entered through the risk gate (which records the
                // probability it entered on) are exited by rule; manual ones are the operator's.
                let Some(memo) = self
                    .risk
                    .memory
                    .positions
                    .get(&position_key(&id.0, *token))
                    .filter(|m| m.probability.is_some())
                else {
                    continue;
                };
                if position.size.is_zero()
                    || memo
                        .exit_attempt_ms
                        .is_some_and(|t| self.now_ms - t < EXIT_RETRY_MS)
                {
                    continue;
                }
                let meta = self.risk.meta.get(token);
                let open = OpenPosition {
                    strategy: id.0.clone(),
                    leader: memo.leader.clone(),
                    key: meta
                        .map_or_else(|| super::portfolio::unknown_key(*token), |m| m.key.clone()),
                    token: *token,
                    outcome: meta.map_or(polybot_risk::OutcomeSide::Yes, |m| m.outcome),
                    size: position.size,
                    cost: position.cost,
                    opened_ms: memo.opened_ms,
                };
                let view = MarketView {
                    bid: self
                        .books
                        .get(token)
                        .and_then(|b| b.best_bid())
                        .map(|l| l.price.into()),
                    resolved: false,
                    end_time_ms: meta.and_then(|m| m.end_time_ms),
                    probability: memo.probability,
                    fee_rate_bps: meta.map_or(0, |m| m.fee_rate_bps),
                    leader_sold: false,
                };
                if let Some(reason) = exit_signal(&self.risk.config, &open, &view, self.now_ms) {
                    due.push((id.clone(), *token, reason.code()));
                }
            }
        }
        for (account, token, reason) in due {
            if let Some(memo) = self
                .risk
                .memory
                .positions
                .get_mut(&position_key(&account.0, token))
            {
                memo.exit_attempt_ms = Some(self.now_ms);
                self.risk.changed = true;
            }
            self.decide(Decision::ExitSignal {
                account: account.clone(),
                token,
                reason: reason.to_owned(),
            });
            self.exit(
                &account,
                &Exit {
                    token,
                    limit_price: None,
                    size: None,
                    reason,
                },
            );
        }
    }

    /// Takes a strategy's new probability for a position it holds, so the edge-reversal rule
    /// compares the bid with the current view. Positions the risk gate did not open (no
    /// probability recorded) stay out of the exit rules.
    pub(crate) fn reassess(
        &mut self,
        account: &AccountId,
        token: TokenId,
        probability: polybot_model::Probability,
    ) {
        let key = position_key(&account.0, token);
        let Some(memo) = self
            .risk
            .memory
            .positions
            .get_mut(&key)
            .filter(|m| m.probability.is_some())
        else {
            return;
        };
        if memo.probability != Some(probability) {
            memo.probability = Some(probability);
            self.risk.changed = true;
        }
    }

    /// Follows a booked fill: when a position opened or closed, the copied leader's record on a
    /// close, and the market's circuit breaker (a fill the mid then moved against).
    pub(crate) fn risk_on_fill(
        &mut self,
        account: &AccountId,
        token: TokenId,
        side: Side,
        realized: Usdc,
    ) {
        let key = position_key(&account.0, token);
        let held = self
            .ledger
            .account(account)
            .and_then(|a| a.state().positions.get(&token))
            .map(|p| p.size);
        let now = self.now_ms;
        // A leader's copies are measured against the copying account's bankroll: a 20 %
        // drawdown means losing a fifth of it on that leader.
        let base = self
            .ledger
            .account(account)
            .map_or(Usdc::ZERO, |a| a.bankroll());
        let memory = &mut self.risk.memory;
        match (side, held) {
            (Side::Buy, Some(size)) if !size.is_zero() => {
                memory.positions.entry(key).or_insert(PositionMemo {
                    opened_ms: now,
                    leader: None,
                    probability: None,
                    exit_attempt_ms: None,
                });
            }
            (Side::Sell, held) if held.is_none_or(|s| s.is_zero()) => {
                if realized > Usdc::ZERO {
                    memory.closes_won += 1;
                } else if realized < Usdc::ZERO {
                    memory.closes_lost += 1;
                }
                if let Some(memo) = memory.positions.remove(&key)
                    && let Some(leader) = memo.leader
                {
                    let record = memory
                        .traders
                        .entry(leader.clone())
                        .or_insert_with(|| polybot_risk::TraderRecord::new(base));
                    if record
                        .record_close(&self.risk.config, realized, now)
                        .is_some()
                    {
                        self.decisions_pending_cutoff(leader);
                    }
                }
            }
            _ => {}
        }
        self.risk.changed = true;
        // Whether the fill was adverse is known only later: the mid moved against it.
        if let (Some(meta), Some(mid)) = (self.risk.meta.get(&token), self.mark(token)) {
            self.risk.memory.fills_to_judge.push(FillToJudge {
                market: meta.key.market,
                token,
                side,
                mid_at_fill: mid,
                due_ms: now + ADVERSE_AFTER_MS,
            });
        }
    }

    /// Judges the fills whose wait is over: adverse when the mid has since moved against them
    /// (down after a buy, up after a sell). A taker pays the spread either way; what the breaker
    /// watches is being picked off, as seed 002's market maker is.
    fn judge_fills(&mut self) {
        let now = self.now_ms;
        if !self
            .risk
            .memory
            .fills_to_judge
            .iter()
            .any(|f| f.due_ms <= now)
        {
            return;
        }
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.risk.memory.fills_to_judge)
            .into_iter()
            .partition(|f| f.due_ms <= now);
        self.risk.memory.fills_to_judge = later;
        self.risk.changed = true;
        for fill in due {
            let Some(mid) = self.mark(fill.token) else {
                continue;
            };
            let adverse = match fill.side {
                Side::Buy => mid < fill.mid_at_fill,
                Side::Sell => mid > fill.mid_at_fill,
            };
            let breaker = self.risk.memory.breakers.entry(fill.market).or_default();
            if let Some(opened) = breaker.record_fill(&self.risk.config, adverse, now) {
                self.decide(Decision::RiskState {
                    event: "circuit_breaker".to_owned(),
                    detail: format!(
                        "{} adverse fills on {}: market blocked until {}",
                        opened.adverse_fills, fill.token, opened.until_ms
                    ),
                });
            }
        }
    }

    fn decisions_pending_cutoff(&mut self, leader: String) {
        self.decide(Decision::RiskState {
            event: "trader_cutoff".to_owned(),
            detail: leader,
        });
    }

    /// Applies an operator's or the runner's risk command.
    pub(crate) fn risk_command(&mut self, command: &RiskCommand) {
        let now = self.now_ms;
        // A leader cut off by hand before any copy closed gets a record on the largest bankroll
        // (the copying account's, in practice), so a later uncutoff starts from a clean slate.
        let base = self
            .ledger
            .accounts()
            .map(|(_, a)| a.bankroll())
            .max()
            .unwrap_or(Usdc::ZERO);
        let memory = &mut self.risk.memory;
        let (event, detail) = match command {
            RiskCommand::Halt { reason } => {
                memory.halts.halt(HaltSource::Operator, reason.clone(), now);
                ("halted", reason.clone())
            }
            RiskCommand::Resume => {
                let lifted = memory.halts.resume(HaltSource::Operator);
                memory.halts.resume(HaltSource::Automatic);
                if let Some(guard) = memory.drawdown.as_mut().filter(|g| g.is_tripped()) {
                    let equity = self
                        .ledger
                        .total(now, |t| self.books.get(&t).and_then(super::portfolio::mid));
                    guard.reset(equity.equity);
                }
                ("resumed", lifted.map_or_else(String::new, |h| h.reason))
            }
            RiskCommand::Switch { source, on, reason } => {
                if !memory.halts.sync(*source, *on, reason, now) {
                    return;
                }
                (
                    if *on { "halted" } else { "resumed" },
                    format!("{source:?}: {reason}"),
                )
            }
            RiskCommand::Cutoff { wallet, reason } => {
                memory
                    .traders
                    .entry(wallet.clone())
                    .or_insert_with(|| polybot_risk::TraderRecord::new(base))
                    .cut_off(now);
                ("trader_cutoff", format!("{wallet}: {reason}"))
            }
            RiskCommand::Uncutoff { wallet } => {
                if let Some(record) = memory.traders.get_mut(wallet) {
                    record.restore();
                    if record.equity <= Usdc::ZERO {
                        *record = polybot_risk::TraderRecord::new(base);
                    }
                }
                ("trader_restored", wallet.clone())
            }
        };
        self.risk.changed = true;
        self.decide(Decision::RiskState {
            event: event.to_owned(),
            detail,
        });
    }
}
