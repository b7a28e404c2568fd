//! The trading engine: one kernel for backtest, paper and live.
//!
//! [`Kernel`] owns all trading state and handles one [`Event`] at a time; what differs between
//! backtest, paper and live is only the [`Venue`] it is built with (the [`sim::SimVenue`] or the
//! live venue), where its events come from, and the [`clock::Clock`] that stamps them.

pub mod clock;
pub mod event;
pub mod fasthash;
pub mod fingerprint;
pub mod journal;
pub mod kernel;
pub mod ledger;
pub mod operator;
pub mod orders;
pub mod replay;
pub mod session;
pub mod sim;
pub mod strategy;
pub mod venue;

pub use event::Event;
pub use fingerprint::Fingerprint;
pub use kernel::{Changes, ClosedOrder, Decision, Kernel, Restored, RunningAlgo};
pub use kernel::{Stage, UnknownStage};
pub use ledger::{
    AccountId, Applied, EquitySnapshot, Fill, FillStatus, Ledger, LedgerError, Position,
    Resolution, TradeId,
};
pub use strategy::{Intent, Strategy, View};
pub use venue::Venue;
