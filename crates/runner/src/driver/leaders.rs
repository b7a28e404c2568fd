//! Leader trades into the kernel: a trade on a market the engine does not follow yet waits while
//! the market is loaded off the loop (see `loads`) and for its first book (the copy is priced on
//! it), at most `BOOK_WAIT_MS`.

use polybot_engine::Venue;

use polybot_wallets::DetectedTrade;

use super::loads::Loaded;
use super::{BOOK_WAIT_MS, LiveRules, Runner, now_ms};
use crate::Result;

impl<V: Venue + LiveRules> Runner<V> {
    pub(super) async fn on_leader_trade(&mut self, detected: DetectedTrade) -> Result<()> {
        let now = now_ms();
        let token = detected.trade.token;
        if self.ready.contains(&token) {
            return self.send_leader_trade(&detected, now).await;
        }
        if !self.tokens.contains_key(&token) {
            self.loads.start(&self.engine.connector, token);
        }
        self.waiting_leaders.push((detected, now + BOOK_WAIT_MS));
        Ok(())
    }

    /// A market loaded off the loop: follow it (its first book then releases the trades waiting
    /// for it), or drop those trades when it could not be loaded.
    pub(super) async fn on_market_loaded(&mut self, loaded: Loaded) -> Result<()> {
        let (token, result) = loaded;
        match result {
            Ok(info) if !self.tokens.contains_key(&token) => self.follow(info, now_ms()).await,
            Ok(_) => Ok(()),
            Err(reason) => {
                let before = self.waiting_leaders.len();
                self.waiting_leaders.retain(|(d, _)| d.trade.token != token);
                tracing::warn!(
                    %token,
                    %reason,
                    dropped = before - self.waiting_leaders.len(),
                    "cannot follow a leader's market; its signals are dropped"
                );
                Ok(())
            }
        }
    }

    /// Sends the waiting trades whose book arrived, or whose wait is over.
    pub(super) async fn release_waiting_leaders(&mut self, now: i64) -> Result<()> {
        let waiting = std::mem::take(&mut self.waiting_leaders);
        for (detected, deadline) in waiting {
            if self.ready.contains(&detected.trade.token) || now >= deadline {
                self.send_leader_trade(&detected, now).await?;
            } else {
                self.waiting_leaders.push((detected, deadline));
            }
        }
        Ok(())
    }

    async fn send_leader_trade(&mut self, detected: &DetectedTrade, now: i64) -> Result<()> {
        let Some(feed) = &self.leaders else {
            return Ok(());
        };
        tracing::info!(
            wallet = %detected.trade.wallet,
            token = %detected.trade.token,
            side = ?detected.trade.side,
            price = %detected.trade.price,
            latency_ms = detected.latency_ms,
            "leader trade"
        );
        let event = feed.event(detected, now);
        self.process(event, None).await
    }
}
