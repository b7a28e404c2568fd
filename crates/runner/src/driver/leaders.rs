//! Leader trades into the kernel: a trade on a market the engine does not follow yet waits for
//! that market's first book (the copy is priced on it), at most `BOOK_WAIT_MS`.

use polybot_engine::Venue;

use polybot_wallets::DetectedTrade;

use super::{BOOK_WAIT_MS, LiveRules, Runner, now_ms};
use crate::Result;

impl<V: Venue + LiveRules> Runner<V> {
    pub(super) async fn on_leader_trade(&mut self, detected: DetectedTrade) -> Result<()> {
        let now = now_ms();
        let token = detected.trade.token;
        if self.ready.contains(&token) {
            return self.send_leader_trade(&detected, now).await;
        }
        if !self.tokens.contains_key(&token)
            && let Err(reason) = self.add_market(token, now).await
        {
            tracing::warn!(%token, %reason, "cannot follow a leader's market; the signal is dropped");
            return Ok(());
        }
        self.waiting_leaders.push((detected, now + BOOK_WAIT_MS));
        Ok(())
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
