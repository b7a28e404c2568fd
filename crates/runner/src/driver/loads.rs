//! Markets loaded off the engine loop: a leader trade on a token the engine does not follow yet
//! needs the venue's facts about its market (rules, fee, Gamma metadata: up to three HTTP calls,
//! a few hundred ms against the real venue). They are fetched on a task of their own while the
//! loop keeps handling every other market; the trade waits for the result and the first book.

use std::collections::BTreeSet;

use polybot_model::TokenId;
use polybot_polymarket::Polymarket;
use tokio::sync::mpsc;

use crate::markets::{self, MarketInfo};

/// A load's result: the market's facts, or why they could not be had.
pub(super) type Loaded = (TokenId, std::result::Result<MarketInfo, String>);

pub(super) struct MarketLoads {
    tx: mpsc::UnboundedSender<Loaded>,
    rx: mpsc::UnboundedReceiver<Loaded>,
    /// Tokens being loaded (one load per token, however many trades wait for it).
    pending: BTreeSet<TokenId>,
}

impl MarketLoads {
    pub(super) fn new() -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        MarketLoads {
            tx,
            rx,
            pending: BTreeSet::new(),
        }
    }

    /// Starts loading `token`'s market unless a load is already under way.
    pub(super) fn start(&mut self, connector: &Polymarket, token: TokenId) {
        if !self.pending.insert(token) {
            return;
        }
        let (tx, connector) = (self.tx.clone(), connector.clone());
        tokio::spawn(async move {
            let loaded = markets::fetch(&connector, token)
                .await
                .map_err(|e| format!("unknown_token: cannot load market rules for {token}: {e}"));
            // The engine stopping drops the receiver; nothing to deliver then.
            let _ = tx.send((token, loaded));
        });
    }

    /// The next finished load (never `None`: this holds a sender).
    pub(super) async fn recv(&mut self) -> Option<Loaded> {
        let loaded = self.rx.recv().await?;
        self.pending.remove(&loaded.0);
        Some(loaded)
    }
}
