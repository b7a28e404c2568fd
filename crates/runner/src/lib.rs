//! The engine as it runs for real: paper and live trading around the one kernel.
//!
//! Start-up is the recovery path ("crash-only"): take the data directory's lock, load the ledger,
//! open orders and running algos from the store, write them as the journal's session header,
//! reconcile with the venue, then run. Each event is journaled, handled by the kernel, and what
//! changed is written to the store in one transaction *before* the venue may send anything — so
//! after `kill -9` at any moment every order at the exchange is one the store knows, and none
//! is sent twice.
//!
//! What differs between paper and live is only the venue: the simulated one matching against
//! the live books, or signed orders to the CLOB behind the three gates of [`gates`].

pub mod alerting;
pub mod copy;
pub mod decision_log;
pub mod driver;
pub mod forecasting;
pub mod gates;
pub mod lock;
pub mod manual;
pub mod markets;
pub mod persist;
pub mod recovery;
pub mod signer;

pub use decision_log::DecisionLog;
pub use driver::{Engine, EngineOptions, RunSummary};
pub use gates::{Gates, LiveDecision};
pub use lock::EngineLock;
pub use manual::{OperatorRequest, OrderSpec, Script};

/// What can stop the engine from starting or running.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("store: {0}")]
    Store(#[from] polybot_store::StoreError),
    #[error("journal: {0}")]
    Journal(#[from] polybot_engine::journal::JournalError),
    #[error("the stored ledger is inconsistent: {0}")]
    Ledger(#[from] polybot_engine::LedgerError),
    #[error("Polymarket: {0}")]
    Connector(#[from] polybot_polymarket::ConnectorError),
    #[error("live venue: {0}")]
    Live(#[from] polybot_polymarket::live::LiveError),
    #[error("{0}")]
    Lock(String),
    #[error("{0}")]
    Setup(String),
}

pub type Result<T, E = RunError> = std::result::Result<T, E>;

/// Wall clock in unix milliseconds: what paper and live drivers stamp events with.
#[must_use]
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A configured dollar amount as exact USDC, the error naming its key.
pub(crate) fn dollars(key: &str, value: f64) -> Result<polybot_model::Usdc> {
    polybot_model::Usdc::parse_rounded(&format!("{value:.6}"))
        .map_err(|e| RunError::Setup(format!("{key}: {e}")))
}
