//! [`WhaleScanner`]: remembers each wallet's last snapshot and turns a new round of snapshots
//! into deltas, signals, the Smart Money Index and net flow.

use alloy_primitives::Address;
use serde::{Deserialize, Serialize};

use super::conviction::{ConvictionSignal, conviction_signals};
use super::delta::{PositionDelta, diff};
use super::flow::{NetFlow, net_flow};
use super::smi::{SmartMoneyIndex, smart_money_index};
use super::snapshot::PositionSnapshot;

/// The previous snapshot of every wallet seen. Serializable, so a caller can persist it and
/// show deltas across runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "Stored", into = "Stored")]
pub struct WhaleScanner {
    /// Sorted by wallet, one per wallet.
    snapshots: Vec<PositionSnapshot>,
}

/// The serialized form; read back sorted and with one (the newest) snapshot per wallet, so a
/// hand-edited value cannot break the scanner's order.
#[derive(Serialize, Deserialize)]
struct Stored {
    snapshots: Vec<PositionSnapshot>,
}

impl From<Stored> for WhaleScanner {
    fn from(stored: Stored) -> Self {
        let mut snapshots = stored.snapshots;
        snapshots.sort_by(|a, b| {
            a.wallet
                .cmp(&b.wallet)
                .then(b.taken_at_ms.cmp(&a.taken_at_ms))
        });
        snapshots.dedup_by_key(|s| s.wallet);
        WhaleScanner { snapshots }
    }
}

impl From<WhaleScanner> for Stored {
    fn from(scanner: WhaleScanner) -> Self {
        Stored {
            snapshots: scanner.snapshots,
        }
    }
}

/// What one scan found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanReport {
    /// Changes since each wallet's previous snapshot, by wallet then token.
    pub deltas: Vec<PositionDelta>,
    /// Over this scan's snapshots only (a wallet not scanned this time does not vote).
    pub signals: Vec<ConvictionSignal>,
    pub smi: SmartMoneyIndex,
    pub flow: NetFlow,
    /// Wallets seen for the first time: their positions are the baseline, not deltas.
    pub baseline: Vec<Address>,
}

impl WhaleScanner {
    #[must_use]
    pub fn new() -> Self {
        WhaleScanner::default()
    }

    /// The remembered snapshot of `wallet`.
    #[must_use]
    pub fn previous(&self, wallet: Address) -> Option<&PositionSnapshot> {
        self.snapshots
            .binary_search_by(|s| s.wallet.cmp(&wallet))
            .ok()
            .map(|i| &self.snapshots[i])
    }

    /// Every remembered snapshot, by wallet.
    #[must_use]
    pub fn snapshots(&self) -> &[PositionSnapshot] {
        &self.snapshots
    }

    /// Diffs `current` against the remembered snapshots, computes signals, SMI and flow, and
    /// remembers `current` (wallets absent from `current`, e.g. because their fetch failed,
    /// keep their previous snapshot). A snapshot older than the remembered one is ignored
    /// for deltas and not remembered.
    pub fn scan(&mut self, current: Vec<PositionSnapshot>) -> ScanReport {
        let mut deltas = Vec::new();
        let mut baseline = Vec::new();
        let signals = conviction_signals(&current);
        for snapshot in current {
            match self
                .snapshots
                .binary_search_by(|s| s.wallet.cmp(&snapshot.wallet))
            {
                Ok(i) => {
                    if snapshot.taken_at_ms < self.snapshots[i].taken_at_ms {
                        continue;
                    }
                    deltas.extend(diff(&self.snapshots[i], &snapshot));
                    self.snapshots[i] = snapshot;
                }
                Err(i) => {
                    baseline.push(snapshot.wallet);
                    self.snapshots.insert(i, snapshot);
                }
            }
        }
        deltas.sort_by(|a, b| {
            a.wallet
                .cmp(&b.wallet)
                .then(a.token.cmp(&b.token))
                .then(a.kind.cmp(&b.kind))
        });
        baseline.sort();
        baseline.dedup();
        ScanReport {
            smi: smart_money_index(&signals),
            flow: net_flow(&deltas),
            signals,
            deltas,
            baseline,
        }
    }
}
