//! The daily summary alert: once a day at `alerts.daily_summary_hour` (UTC), the day's PnL per
//! account, fills and open positions.

use std::collections::BTreeMap;

use polybot_alerts::templates::DailySummary;
use polybot_engine::Venue;
use polybot_model::{TokenId, Usdc};

use super::{LiveRules, Runner};

const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;

/// What the summary counts from one summary to the next.
#[derive(Debug, Default)]
pub(super) struct DailyTally {
    /// The UTC day whose summary was last sent (or, at start, the day the engine started).
    day: Option<i64>,
    /// Each account's equity when the period began.
    start_equity: BTreeMap<String, Usdc>,
    /// The kernel's count of positions closed at a gain and at a loss when the period began.
    start_closes: (u64, u64),
    pub fills: u32,
}

/// What the summary clock says at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// The engine just started: the current period began on this day's summary hour.
    Start(i64),
    /// A new day's summary hour has come: send, and start the next period.
    Send(i64),
    Wait,
}

fn step(last: Option<i64>, now: i64, due_hour: i64) -> Step {
    let day = now.div_euclid(DAY_MS);
    let past_hour = now.rem_euclid(DAY_MS) / HOUR_MS >= due_hour;
    match last {
        None => Step::Start(if past_hour { day } else { day - 1 }),
        Some(sent) if sent != day && past_hour => Step::Send(day),
        Some(_) => Step::Wait,
    }
}

impl<V: Venue + LiveRules> Runner<V> {
    /// Sends the summary when the configured hour of a new day is reached.
    pub(super) fn maybe_daily_summary(&mut self, now: i64) {
        let due_hour = i64::from(self.engine.config.alerts.daily_summary_hour);
        let day = match step(self.daily.day, now, due_hour) {
            Step::Wait => return,
            Step::Start(day) => {
                self.daily.day = Some(day);
                self.daily.start_equity = self.account_equities();
                self.daily.start_closes = self.closes();
                return;
            }
            Step::Send(day) => day,
        };
        let equities = self.account_equities();
        let closes = self.closes();
        let tally = &mut self.daily;
        let by_strategy: Vec<(String, Usdc)> = equities
            .iter()
            .map(|(account, equity)| {
                let start = tally.start_equity.get(account).copied().unwrap_or(*equity);
                (account.clone(), equity.saturating_sub(start))
            })
            .collect();
        let ledger = self.kernel.ledger();
        let bankrolls = ledger
            .accounts()
            .fold(Usdc::ZERO, |acc, (_, a)| acc.saturating_add(a.bankroll()));
        let equity = equities
            .values()
            .fold(Usdc::ZERO, |acc, e| acc.saturating_add(*e));
        let open_positions = ledger
            .accounts()
            .flat_map(|(_, a)| a.state().positions.values())
            .filter(|p| !p.size.is_zero())
            .count();
        let summary = DailySummary {
            date: chrono::DateTime::from_timestamp_millis(now)
                .map_or_else(chrono::NaiveDate::default, |t| t.date_naive()),
            equity,
            pnl_day: by_strategy
                .iter()
                .fold(Usdc::ZERO, |acc, (_, pnl)| acc.saturating_add(*pnl)),
            pnl_total: equity.saturating_sub(bankrolls),
            trades: tally.fills,
            wins: u32::try_from(closes.0.saturating_sub(tally.start_closes.0)).unwrap_or(u32::MAX),
            losses: u32::try_from(closes.1.saturating_sub(tally.start_closes.1))
                .unwrap_or(u32::MAX),
            open_positions: u32::try_from(open_positions).unwrap_or(u32::MAX),
            by_strategy,
            timestamp_ms: now,
        };
        self.alerts.dispatch(summary.to_alert());
        let tally = &mut self.daily;
        tally.day = Some(day);
        tally.start_equity = equities;
        tally.start_closes = closes;
        tally.fills = 0;
    }

    fn closes(&self) -> (u64, u64) {
        let memory = self.kernel.risk_memory();
        (memory.closes_won, memory.closes_lost)
    }

    fn account_equities(&self) -> BTreeMap<String, Usdc> {
        let kernel = &self.kernel;
        let mark = |t: TokenId| kernel.mark(t);
        let ledger = self.kernel.ledger();
        ledger
            .accounts()
            .filter_map(|(id, _)| {
                ledger
                    .snapshot(id, 0, mark)
                    .map(|s| (id.0.clone(), s.equity))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_summary_per_day_at_the_hour() {
        let day = 20_000 * DAY_MS;
        // Started at 10:00 with the summary at 18:00: the period began yesterday at 18:00.
        assert_eq!(step(None, day + 10 * HOUR_MS, 18), Step::Start(19_999));
        assert_eq!(step(Some(19_999), day + 17 * HOUR_MS, 18), Step::Wait);
        assert_eq!(
            step(Some(19_999), day + 18 * HOUR_MS, 18),
            Step::Send(20_000)
        );
        assert_eq!(step(Some(20_000), day + 23 * HOUR_MS, 18), Step::Wait);
        assert_eq!(
            step(Some(20_000), day + DAY_MS + 18 * HOUR_MS, 18),
            Step::Send(20_001)
        );
        // Started after the hour: the first summary is tomorrow's.
        assert_eq!(step(None, day + 19 * HOUR_MS, 18), Step::Start(20_000));
    }
}
