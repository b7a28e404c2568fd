//! Test hooks around the Data API's wallet view: read a wallet's tape, inject a fill for a
//! wallet at a chosen time, see which wallets trade in a recognisable style, and the RTDS
//! connection bookkeeping.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use polybot_model::{Side, TokenId};
use tokio::sync::{broadcast, watch};

use super::Exchange;
use super::state::ActivityFrame;
use crate::tape::TapeTrade;
use crate::util::lower;

/// A fill to put on the tape for a wallet (see [`Exchange::inject_wallet_trade`]).
#[derive(Debug, Clone, PartialEq)]
pub struct InjectedTrade {
    /// The wallet's address (any case); unknown wallets are added (outside the simulator's pool).
    pub wallet: String,
    pub token: TokenId,
    pub side: Side,
    pub size: f64,
    pub price: f64,
    /// The trade's venue time, unix seconds: may lie in the past (a late-indexed fill).
    pub timestamp_s: i64,
    /// `false` makes it a maker fill, which `/trades` shows only with `takerOnly=false`.
    pub taker: bool,
}

/// One trade on fakex's tape, as a test compares it with what a client saw.
#[derive(Debug, Clone, PartialEq)]
pub struct TapeRecord {
    /// Lowercase address.
    pub wallet: String,
    pub tx_hash: String,
    pub token: TokenId,
    pub condition_id: String,
    pub outcome: String,
    pub outcome_index: i32,
    pub side: Side,
    pub size: f64,
    pub price: f64,
    pub timestamp_s: i64,
    /// The venue time in ms (the Data API shows only seconds).
    pub timestamp_ms: i64,
    pub taker: bool,
}

/// The simulator's styled wallets (lowercase addresses); see the crate docs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WalletStyles {
    /// Trade on the simulator's fair value where it pays for the spread (as takers or
    /// makers), so their fills earn at the mid on average; they start with a simulated,
    /// profitable history of backdated round trips.
    pub skilled: Vec<String>,
    /// Many tiny (under $5), short round trips.
    pub scalpers: Vec<String>,
}

/// What an RTDS connection needs to run.
pub(crate) struct RtdsConn {
    pub id: u64,
    pub rx: broadcast::Receiver<Arc<ActivityFrame>>,
    pub disconnect: watch::Receiver<u64>,
}

impl Exchange {
    /// Every tape trade of `address` (any case), oldest first.
    #[must_use]
    pub fn wallet_trades(&self, address: &str) -> Vec<TapeRecord> {
        let st = self.lock();
        let Some(&w) = st.tape.wallet_index.get(&lower(address)) else {
            return Vec::new();
        };
        st.tape
            .trades
            .iter()
            .filter(|t| t.wallet == w)
            .map(|t| record(&st.tape.wallet(w).address, t))
            .collect()
    }

    /// Puts a fill on the tape for a wallet (a test hook), in timestamp order like the venue's
    /// index, and pushes it to RTDS activity subscribers now. Returns its transaction hash, or
    /// `None` for an unknown token, a non-finite or out-of-range price, or a size ≤ 0.
    pub fn inject_wallet_trade(&self, trade: &InjectedTrade) -> Option<String> {
        let valid = trade.price.is_finite()
            && trade.price > 0.0
            && trade.price < 1.0
            && trade.size.is_finite()
            && trade.size > 0.0;
        if !valid {
            return None;
        }
        let mut st = self.lock();
        let meta = st.tape.metas.get(&trade.token).cloned()?;
        let wallet = st.tape.wallet_for(&lower(&trade.wallet));
        let at = st.tape.insert_injected(TapeTrade {
            wallet,
            token: trade.token,
            meta,
            side: trade.side,
            size: trade.size,
            price: trade.price,
            ts: trade.timestamp_s,
            ts_ms: trade.timestamp_s.saturating_mul(1000),
            taker: trade.taker,
            tx: Box::default(),
        });
        st.publish_activity(at);
        st.tape.trades.get(at).map(|t| t.tx.to_string())
    }

    /// The simulator's styled wallets.
    #[must_use]
    pub fn wallet_styles(&self) -> WalletStyles {
        let st = self.lock();
        let addresses = |group: &[u32]| {
            group
                .iter()
                .map(|w| st.tape.wallet(*w).address.clone())
                .collect()
        };
        WalletStyles {
            skilled: addresses(&st.tape.styles.skilled),
            scalpers: addresses(&st.tape.styles.scalpers),
        }
    }

    /// Open RTDS connections.
    #[must_use]
    pub fn rtds_connection_count(&self) -> usize {
        self.rtds_connections.load(Ordering::SeqCst)
    }

    /// RTDS connections subscribed to `activity`/`trades` (a test waits for this before
    /// expecting streamed trades).
    #[must_use]
    pub fn activity_subscription_count(&self) -> usize {
        self.activity_subscriptions.load(Ordering::SeqCst)
    }

    pub(crate) fn rtds_open(&self) -> RtdsConn {
        self.rtds_connections.fetch_add(1, Ordering::SeqCst);
        self.counters
            .ws_connections_accepted
            .fetch_add(1, Ordering::Relaxed);
        RtdsConn {
            id: self.next_conn.fetch_add(1, Ordering::SeqCst),
            rx: self.activity.subscribe(),
            disconnect: self.disconnect.subscribe(),
        }
    }

    /// Unregisters an RTDS connection (and its activity subscription, if it had one).
    pub(crate) fn rtds_close(&self, subscribed: bool) {
        if subscribed {
            self.activity_subscriptions.fetch_sub(1, Ordering::SeqCst);
        }
        self.rtds_connections.fetch_sub(1, Ordering::SeqCst);
    }

    /// A connection subscribed to (`true`) or unsubscribed from activity trades.
    pub(crate) fn activity_subscribed(&self, on: bool) {
        if on {
            self.activity_subscriptions.fetch_add(1, Ordering::SeqCst);
        } else {
            self.activity_subscriptions.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

fn record(address: &str, t: &TapeTrade) -> TapeRecord {
    TapeRecord {
        wallet: address.to_owned(),
        tx_hash: t.tx.to_string(),
        token: t.token,
        condition_id: t.meta.condition.clone(),
        outcome: t.meta.outcome.clone(),
        outcome_index: t.meta.outcome_index,
        side: t.side,
        size: t.size,
        price: t.price,
        timestamp_s: t.ts,
        timestamp_ms: t.ts_ms,
        taker: t.taker,
    }
}
