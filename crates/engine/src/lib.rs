//! The trading engine: one kernel for backtest, paper and live. This crate holds the pure core
//! the kernel is built on; the event loop, order management and venues build on it.

pub mod ledger;
pub mod orders;
pub mod sim;

pub use ledger::{
    AccountId, Applied, EquitySnapshot, Fill, FillStatus, Ledger, LedgerError, Position,
    Resolution, TradeId,
};
