//! The live venue: the kernel's [`Venue`] for real orders on the Polymarket CLOB.
//!
//! The kernel is synchronous and single-threaded, while the venue is I/O. So [`LiveVenue`] only
//! queues commands for a background tokio task and returns at once; everything the venue says
//! comes back later, as [`Event::Venue`] on the channel given to [`LiveVenue::start`], and the
//! kernel handles it like any other event (so a live run journals and replays like a backtest).
//!
//! The task owns all I/O and all venue bookkeeping:
//! * orders are signed through [`OrderSigner`] and posted once, under a timeout. A timeout, a
//!   connection error, a 5xx or a 425 means the order *may* exist: it is reported
//!   [`VenueReport::OutcomeUnknown`] and never resent; reconciliation settles it later;
//! * fills and settlement come from the authenticated user channel (de-duplicated by trade id),
//!   so maker fills, taker fills and ghost fills (FAILED) all arrive the same way;
//! * reconciliation (start-up, after every user-channel reconnect, after an unknown outcome,
//!   after heartbeats recover, and on [`LiveVenue::reconcile_now`]) reads open orders and
//!   trades over REST and reports what the kernel has not heard yet;
//! * heartbeats keep the venue's dead-man switch from cancelling our orders.

mod convert;
mod reconcile;
mod worker;

use std::collections::HashMap;
use std::time::Duration;

use polybot_engine::orders::{ClientOrderId, OrderRequest, TrackedOrder};
use polybot_engine::sim::VenueReport;
use polybot_engine::{Event, FillStatus, Venue};
use polybot_model::{TickSize, TokenId};
use polymarket_client_sdk_v2::auth::Signer;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::signing::OrderSigner;

pub use convert::ConvertError;

/// What the live venue must know about a token to sign its orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenRules {
    pub tick: TickSize,
    /// Selects the neg-risk exchange contract; a wrong value gives an invalid signature.
    pub neg_risk: bool,
}

/// Tuning of the live venue. Timeouts are short because a slow answer is worth less than an
/// early `OutcomeUnknown`: reconciliation will tell what happened.
#[derive(Debug, Clone)]
pub struct LiveConfig {
    /// The CLOB WebSocket base (`wss://ws-subscriptions-clob.polymarket.com` or fakex's).
    pub ws_url: String,
    /// Tick and neg-risk per token; orders for other tokens are rejected locally.
    pub tokens: HashMap<TokenId, TokenRules>,
    /// Time allowed for one `POST /order` (not retried).
    pub order_timeout: Duration,
    /// Time allowed for a cancel, a heartbeat or one page of a reconciliation query.
    pub query_timeout: Duration,
    pub heartbeat_interval: Duration,
    /// Delay between an unknown outcome and the reconciliation that settles it (the venue
    /// needs a moment to show the order, and a 425 window to pass).
    pub reconcile_delay: Duration,
    /// How often the task checks the user channel's connection and due reconciliations.
    pub housekeeping_interval: Duration,
    /// How far back reconciliation reads trades.
    pub trades_lookback: Duration,
    /// How often trades are read over REST while some fill is unsettled (the user channel is
    /// the fast path, this the safety net).
    pub trade_poll_interval: Duration,
}

impl LiveConfig {
    /// Defaults for `ws_url` and the given tokens.
    #[must_use]
    pub fn new(ws_url: impl Into<String>, tokens: HashMap<TokenId, TokenRules>) -> Self {
        LiveConfig {
            ws_url: ws_url.into(),
            tokens,
            order_timeout: Duration::from_secs(10),
            query_timeout: Duration::from_secs(10),
            heartbeat_interval: Duration::from_secs(5),
            reconcile_delay: Duration::from_secs(2),
            housekeeping_interval: Duration::from_millis(250),
            trades_lookback: Duration::from_secs(24 * 3600),
            trade_poll_interval: Duration::from_secs(2),
        }
    }
}

/// Why the live venue could not start or a venue call failed.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error("SDK: {0}")]
    Sdk(#[from] polymarket_client_sdk_v2::error::Error),
    #[error("{op} timed out after {timeout_ms} ms")]
    Timeout { op: &'static str, timeout_ms: u64 },
    #[error("{op}: too many pages (cursor never ended)")]
    Paging { op: &'static str },
}

/// What the kernel side asks the task to do.
#[derive(Debug)]
enum Command {
    Submit(Box<OrderRequest>),
    Cancel(ClientOrderId),
    Reconcile,
    Rules(TokenId, TokenRules),
}

/// What a restarted engine knew before it stopped, so the task recognises its own orders and
/// fills instead of taking them for strangers (or reporting them twice).
#[derive(Debug, Default, Clone)]
pub struct Recovery {
    /// Every stored order with its state: open ones are watched (and, without a venue id,
    /// reconciled as unknown); closed ones only map their trades' settlement to us.
    pub orders: Vec<TrackedOrder>,
    /// Fill id → the settlement status the store has, so only progress is reported.
    pub fills: Vec<(String, FillStatus)>,
}

/// The live venue as the kernel holds it: a command queue to the I/O task. Orders and cancels
/// are held until [`Venue::release`] — the driver calls it once the kernel's decisions are in
/// the store — so nothing reaches the exchange that a restart would not know about.
#[derive(Debug)]
pub struct LiveVenue {
    commands: mpsc::UnboundedSender<Command>,
    held: Vec<Command>,
    task: JoinHandle<()>,
}

impl LiveVenue {
    /// Spawns the venue task on the current tokio runtime. Every outcome is sent on `reports`
    /// as [`Event::Venue`] stamped with the wall clock; the task stops when the `LiveVenue` is
    /// dropped (or `reports` is closed).
    pub fn start<S>(
        signer: OrderSigner<S>,
        config: LiveConfig,
        reports: mpsc::UnboundedSender<Event>,
    ) -> Result<Self, LiveError>
    where
        S: Signer + Send + Sync + 'static,
    {
        Self::start_recovered(signer, config, reports, Recovery::default())
    }

    /// [`LiveVenue::start`] after a restart: the task adopts `recovery` before its first
    /// reconciliation, which then settles the orders whose outcome was unknown.
    pub fn start_recovered<S>(
        signer: OrderSigner<S>,
        config: LiveConfig,
        reports: mpsc::UnboundedSender<Event>,
        recovery: Recovery,
    ) -> Result<Self, LiveError>
    where
        S: Signer + Send + Sync + 'static,
    {
        let (commands, rx) = mpsc::unbounded_channel();
        let mut worker = worker::Worker::new(signer, config, reports)?;
        worker.adopt(recovery);
        let task = tokio::spawn(worker.run(rx));
        Ok(LiveVenue {
            commands,
            held: Vec::new(),
            task,
        })
    }

    /// Reads open orders and trades now and reports what the kernel has not heard.
    pub fn reconcile_now(&self) {
        self.send(Command::Reconcile);
    }

    /// Sets a token's tick and neg-risk flag (a `tick_size_change`, a new market).
    pub fn set_rules(&self, token: TokenId, rules: TokenRules) {
        self.send(Command::Rules(token, rules));
    }

    /// Whether the background task has ended (it only ends when its channels close).
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    fn send(&self, command: Command) {
        if self.commands.send(command).is_err() {
            tracing::error!("live venue task is gone; command dropped");
        }
    }
}

impl Drop for LiveVenue {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Venue for LiveVenue {
    fn submit(&mut self, _now_ms: i64, order: &OrderRequest) {
        self.held.push(Command::Submit(Box::new(order.clone())));
    }

    fn cancel(&mut self, _now_ms: i64, client_id: ClientOrderId) {
        self.held.push(Command::Cancel(client_id));
    }

    fn release(&mut self) {
        for command in std::mem::take(&mut self.held) {
            self.send(command);
        }
    }

    /// Market data does not move a real venue.
    fn on_market(&mut self, _now_ms: i64, _event: &Event, _out: &mut Vec<VenueReport>) {}

    /// Reports arrive as events on the channel, not by polling.
    fn poll(&mut self, _now_ms: i64, _out: &mut Vec<VenueReport>) {}
}

/// Wall clock in milliseconds: the timestamp of live reports.
fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
