//! The demo's live summary: what the engine decided since it started, read from the store's
//! decision log while the engine writes it (SQLite in WAL mode lets both proceed).

use std::collections::BTreeMap;

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
    pub fn add(&mut self, decision: &Decision) {
        match decision {
            Decision::Skipped { code, .. } => {
                self.signals += 1;
                *self.skipped.entry(code.clone()).or_default() += 1;
            }
            Decision::Sized { .. } => self.signals += 1,
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
        let top = |counts: &BTreeMap<String, u64>| {
            let mut v: Vec<_> = counts.iter().collect();
            v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            v.iter()
                .take(4)
                .map(|(code, n)| format!("{code} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
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
