//! The demo's live summary: what the engine decided since it started, read from the store's
//! decision log while the engine writes it (SQLite in WAL mode lets both proceed). Copy trading
//! and AI forecasting are counted apart, by the sub-ledger (account) each decision names.

use std::collections::{BTreeMap, HashSet};

use polybot_config::Config;
use polybot_engine::Decision;
use polybot_store::Store;

/// Running counts over the decision log.
#[derive(Debug, Default)]
pub struct Tally {
    pub after_seq: i64,
    pub signals: u64,
    pub copies: u64,
    pub exits: u64,
    pub fills: u64,
    pub skipped: BTreeMap<String, u64>,
    pub rejected: BTreeMap<String, u64>,
    pub forecast: ForecastTally,
    copy_account: String,
}

/// The forecast strategy's side of the log: forecasts that arrived, and what became of them.
#[derive(Debug, Default)]
pub struct ForecastTally {
    account: String,
    /// Forecasts that reached the engine (`FORECAST` records).
    pub made: u64,
    /// Entries the risk engine sized and the kernel placed.
    pub traded: u64,
    pub fills: u64,
    pub exits: u64,
    pub skipped: BTreeMap<String, u64>,
    /// Entries the risk engine turned down, and every failing check's code.
    pub rejections: u64,
    pub rejected: BTreeMap<String, u64>,
    /// Client ids of the forecast account's orders, to tell its fills from copy trading's.
    orders: HashSet<u64>,
}

/// Exit rules and mirror exits place sells with their rule's code as the reason.
const EXIT_REASONS: [&str; 8] = [
    "mirror",
    "take_profit",
    "stop_loss",
    "max_holding",
    "exit_before_resolution",
    "edge_reversal",
    "resolution",
    "test_exit",
];

impl Tally {
    /// Counts for `config`'s copy and forecast accounts.
    #[must_use]
    pub fn new(config: &Config) -> Self {
        Tally {
            copy_account: config.copy.account.clone(),
            forecast: ForecastTally {
                account: config.forecasting.account.clone(),
                ..ForecastTally::default()
            },
            ..Tally::default()
        }
    }

    pub fn add(&mut self, decision: &Decision) {
        if self.forecast.add(decision) {
            return;
        }
        match decision {
            Decision::Skipped { account, code, .. } if account.0 == self.copy_account => {
                self.signals += 1;
                *self.skipped.entry(code.clone()).or_default() += 1;
            }
            Decision::Sized { account, .. } if account.0 == self.copy_account => {
                self.signals += 1;
            }
            Decision::RiskRejected { codes, .. } => {
                for code in codes {
                    *self.rejected.entry(code.clone()).or_default() += 1;
                }
            }
            Decision::Placed { reason, .. } if reason == "copy" => self.copies += 1,
            Decision::Placed { reason, .. } if EXIT_REASONS.contains(&reason.as_str()) => {
                self.exits += 1;
            }
            Decision::Filled { .. } => self.fills += 1,
            _ => {}
        }
    }

    /// Reads the decisions logged since the last call.
    pub async fn update(&mut self, store: &Store) {
        loop {
            let Ok(records) = store.decisions(self.after_seq, 1_000).await else {
                return;
            };
            let Some(last) = records.last() else { return };
            self.after_seq = last.seq;
            for record in &records {
                self.add(&record.decision);
            }
        }
    }

    #[must_use]
    pub fn line(&self, elapsed_secs: u64) -> String {
        format!(
            "t+{elapsed_secs:>3}s  leader signals {} · copied {} · skipped {} ({}) · risk-rejected ({}) · exits {} · fills {}",
            self.signals,
            self.copies,
            self.skipped.values().sum::<u64>(),
            top(&self.skipped),
            top(&self.rejected),
            self.exits,
            self.fills,
        )
    }
}

impl ForecastTally {
    /// Counts `decision` when it is the forecast strategy's; false otherwise.
    fn add(&mut self, decision: &Decision) -> bool {
        match decision {
            Decision::Forecast { .. } => self.made += 1,
            Decision::Skipped { account, code, .. } if account.0 == self.account => {
                *self.skipped.entry(code.clone()).or_default() += 1;
            }
            Decision::RiskRejected { account, codes, .. } if account.0 == self.account => {
                self.rejections += 1;
                for code in codes {
                    *self.rejected.entry(code.clone()).or_default() += 1;
                }
            }
            Decision::Placed { order, reason } if order.account.0 == self.account => {
                self.orders.insert(order.client_id.0);
                if reason == "forecast" {
                    self.traded += 1;
                } else {
                    self.exits += 1;
                }
            }
            Decision::Filled { client_id, .. } if self.orders.contains(&client_id.0) => {
                self.fills += 1;
            }
            Decision::Sized { account, .. } => return account.0 == self.account,
            _ => return false,
        }
        true
    }

    /// `simulated LLM (fakex): forecasts 6 · traded 2 · skipped 3 (edge_below_min 3) · …`
    #[must_use]
    pub fn line(&self) -> String {
        format!(
            "        simulated LLM (fakex): forecasts {} · traded {} · skipped {} · risk-rejected {} · exits {} · fills {}",
            self.made,
            self.traded,
            counted(self.skipped.values().sum::<u64>(), &self.skipped),
            counted(self.rejections, &self.rejected),
            self.exits,
            self.fills,
        )
    }
}

/// `n`, followed by the most frequent codes when there are any.
fn counted(n: u64, codes: &BTreeMap<String, u64>) -> String {
    if codes.is_empty() {
        n.to_string()
    } else {
        format!("{n} ({})", top(codes))
    }
}

/// The four most frequent codes, most frequent first.
fn top(counts: &BTreeMap<String, u64>) -> String {
    let mut v: Vec<_> = counts.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    v.iter()
        .take(4)
        .map(|(code, n)| format!("{code} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "1152";

    /// A decision as the log writes it.
    fn decision(json: &str) -> Decision {
        serde_json::from_str(json).expect("a logged decision")
    }

    fn placed(client_id: u64, account: &str, reason: &str) -> Decision {
        decision(&format!(
            r#"{{"Placed":{{"order":{{"client_id":{client_id},"account":"{account}","token_id":"{TOKEN}","side":"BUY","price":"0.5","quantity":{{"Shares":"10"}},"time_in_force":"Fak","post_only":false}},"reason":"{reason}"}}}}"#
        ))
    }

    fn filled(client_id: u64) -> Decision {
        decision(&format!(
            r#"{{"Filled":{{"client_id":{client_id},"trade_id":"t{client_id}","side":"BUY","price":"0.5","size":"10","fee":"0"}}}}"#
        ))
    }

    fn skipped(account: &str, code: &str) -> Decision {
        decision(&format!(
            r#"{{"Skipped":{{"account":"{account}","token":"{TOKEN}","code":"{code}","detail":""}}}}"#
        ))
    }

    #[test]
    fn forecast_and_copy_decisions_are_counted_apart() {
        let mut tally = Tally::new(&Config::default());
        let rejected = r#"{"RiskRejected":{"account":"forecast","token":"1152","side":"BUY","codes":["min_kelly","thin_liquidity"],"detail":"","reason":"forecast"}}"#;
        for d in [
            skipped("forecast", "edge_below_min"),
            skipped("copy", "price_moved"),
            decision(rejected),
            placed(1, "forecast", "forecast"),
            placed(2, "copy", "copy"),
            placed(3, "forecast", "stop_loss"),
            filled(1),
            filled(2),
            filled(3),
        ] {
            tally.add(&d);
        }
        let f = &tally.forecast;
        assert_eq!((f.traded, f.exits, f.fills, f.rejections), (1, 1, 2, 1));
        assert_eq!(f.skipped.get("edge_below_min"), Some(&1));
        assert_eq!(f.rejected.len(), 2);
        assert_eq!((tally.signals, tally.copies, tally.fills), (1, 1, 1));
        assert_eq!(tally.skipped.get("price_moved"), Some(&1));
        assert!(tally.rejected.is_empty());
        assert!(
            f.line()
                .contains("simulated LLM (fakex): forecasts 0 · traded 1")
        );
    }
}
