//! Market data into the kernel: stream events become kernel events, resolutions are settled,
//! and markets the engine starts to follow mid-session are loaded and subscribed.

#[allow(
    clippy::wildcard_imports,
    reason = "a part of the driver, split out for size"
)]
use super::*;

/// Connections opened for tokens added mid-session before the stream is restarted with every
/// token packed `max_assets_per_connection` to a connection.
const MAX_EXTRA_CONNECTIONS: usize = 16;

/// The kernel's view of a market-stream event, stamped with the wall clock (the kernel's time
/// must only move forward, and venue timestamps come from another clock).
fn market_event(event: MarketEvent, now: i64) -> Option<Event> {
    Some(match event {
        MarketEvent::Book {
            token_id,
            bids,
            asks,
            ..
        } => Event::Book {
            token: token_id,
            bids,
            asks,
            ts: now,
        },
        MarketEvent::Level {
            token_id,
            side,
            level,
            ..
        } => Event::Level {
            token: token_id,
            side,
            price: level.price,
            size: level.size,
            ts: now,
        },
        MarketEvent::Trade(trade) => Event::Trade {
            token: trade.token_id,
            price: trade.price,
            size: trade.size,
            side: trade.side,
            ts: now,
        },
        MarketEvent::TickSize { token_id, new, .. } => Event::TickSize {
            token: token_id,
            tick: new,
            ts: now,
        },
        // A book that cannot be trusted is, for trading, an empty one until its next snapshot.
        MarketEvent::Desynced { token_id, .. } => Event::Book {
            token: token_id,
            bids: Vec::new(),
            asks: Vec::new(),
            ts: now,
        },
        MarketEvent::Top { .. } | MarketEvent::BestBidAsk { .. } | MarketEvent::Resolved { .. } => {
            return None;
        }
    })
}

impl<V: Venue + LiveRules> Runner<V> {
    pub(super) async fn on_market(&mut self, message: Option<Market>) -> Result<()> {
        let now = now_ms();
        match message {
            None => Ok(()),
            Some(Market::Lagged) => {
                // Events were lost: skip what is left of the backlog (it is older than what
                // the stream's books now hold) and take fresh snapshots instead.
                if let Some(rx) = self.market_rx.as_mut() {
                    while rx.try_recv().is_ok() {}
                }
                tracing::warn!("engine fell behind the market stream; resynchronising books");
                let tokens: Vec<TokenId> = self.tokens.keys().copied().collect();
                for token in tokens {
                    let snapshot = self.stream.as_ref().and_then(|s| s.book(token));
                    let (bids, asks) = match snapshot {
                        Some((book, true)) => (book.bids().to_vec(), book.asks().to_vec()),
                        _ => (Vec::new(), Vec::new()),
                    };
                    self.process(
                        Event::Book {
                            token,
                            bids,
                            asks,
                            ts: now,
                        },
                        None,
                    )
                    .await?;
                }
                Ok(())
            }
            Some(Market::Event(MarketEvent::Resolved {
                condition_id,
                winning_token,
            })) => self.on_resolved(condition_id, winning_token, now).await,
            Some(Market::Event(event)) => match market_event(event, now) {
                Some(event @ Event::Book { token, .. }) => {
                    if matches!(&event, Event::Book { bids, asks, .. } if bids.is_empty() && asks.is_empty())
                    {
                        self.ready.remove(&token);
                    } else {
                        self.ready.insert(token);
                    }
                    self.process(event, None).await?;
                    // A leader trade or forecast waiting for this book goes now, not at the
                    // next tick.
                    if self.ready.contains(&token) {
                        if self
                            .waiting_leaders
                            .iter()
                            .any(|(d, _)| d.trade.token == token)
                        {
                            self.release_waiting_leaders(now).await?;
                        }
                        if self
                            .waiting_forecasts
                            .iter()
                            .any(|(f, _)| f.market.outcomes.iter().any(|o| o.token_id == token))
                        {
                            self.release_waiting_forecasts(now).await?;
                        }
                    }
                    Ok(())
                }
                Some(event) => self.process(event, None).await,
                None => Ok(()),
            },
        }
    }

    async fn on_resolved(
        &mut self,
        condition: polybot_model::ConditionId,
        winner: TokenId,
        now: i64,
    ) -> Result<()> {
        let known = self
            .tokens
            .values()
            .find(|m| m.condition == condition)
            .map(|m| m.tokens.clone());
        let tokens = match known {
            Some(tokens) => tokens,
            None => match markets::fetch(&self.engine.connector, winner).await {
                Ok(info) => info.tokens,
                Err(e) => {
                    tracing::warn!(%condition, error = %e, "resolution of an unknown market; not applied");
                    return Ok(());
                }
            },
        };
        let Some(index) = tokens.iter().position(|t| *t == winner) else {
            tracing::warn!(%condition, "the winning token is not among the market's outcomes");
            return Ok(());
        };
        self.process(
            Event::Resolved {
                condition,
                tokens,
                winner: index,
                ts: now,
            },
            None,
        )
        .await?;
        if self.mode == Mode::Paper {
            // The simulated venue redeems at once.
            self.process(Event::Redeemed { condition, ts: now }, None)
                .await?;
        }
        Ok(())
    }

    /// Starts following a new token mid-session (a journaled event, so replays see it).
    pub(super) async fn add_market(
        &mut self,
        token: TokenId,
        now: i64,
    ) -> std::result::Result<(), String> {
        let info = markets::fetch(&self.engine.connector, token)
            .await
            .map_err(|e| format!("unknown_token: cannot load market rules for {token}: {e}"))?;
        self.follow(info, now).await.map_err(|e| e.to_string())
    }

    /// Follows a token whose market facts are already loaded: the kernel learns its rules and
    /// metadata, and its book is streamed on a connection of its own, leaving the books already
    /// streaming untouched.
    pub(super) async fn follow(&mut self, info: MarketInfo, now: i64) -> Result<()> {
        let token = info.session.token;
        let tick = info.session.rules.tick;
        self.kernel.venue_mut().set_rules(&info);
        let session = info.session.clone();
        self.tokens.insert(token, info);
        self.process(
            Event::Market {
                market: session,
                ts: now,
            },
            None,
        )
        .await?;
        let per_connection = self
            .engine
            .config
            .websocket
            .max_assets_per_connection
            .max(1);
        let packed = self.tokens.len().div_ceil(per_connection);
        match self.stream.as_mut() {
            // Each addition costs a connection; past a few extra, one restart packs them again.
            Some(stream) if stream.shards() < packed + MAX_EXTRA_CONNECTIONS => {
                stream.add_tokens(&[(token, tick)]);
            }
            _ => self.restart_stream(),
        }
        Ok(())
    }

    pub(super) fn restart_stream(&mut self) {
        let tokens: Vec<_> = self
            .tokens
            .values()
            .map(|m| (m.session.token, m.session.rules.tick))
            .collect();
        if tokens.is_empty() {
            self.stream = None;
            self.market_rx = None;
            return;
        }
        let config = &self.engine.config;
        let (stream, receiver) = MarketStream::start_subscribed(
            &config.polymarket.ws_url,
            &config.websocket,
            &tokens,
            Publish::Levels,
        );
        self.market_rx = Some(receiver);
        self.stream = Some(stream);
    }
}
