//! [`BookManager`]: local L2 books maintained from the CLOB market channel. Pure and synchronous,
//! so the hot path can be tested and benchmarked without a socket.
//!
//! A book is *synced* only between a full `book` snapshot and the first sign of divergence.
//! Divergence is detected, not assumed away: every `price_change` entry carries the venue's best
//! bid and ask after the change, and a mismatch with the local book (or a crossed book, or a
//! level that cannot be represented exactly) marks the book desynced so the stream fetches a
//! fresh snapshot. Best bid/ask are computed from the levels, never read from the first element
//! of an array (the venue's ordering is worst-first, which fooled the SDK's midpoint helper).

use std::collections::HashMap;

use polybot_model::{
    BookSide, ConditionId, Level, OrderBook, Probability, TickSize, TokenId, Trade,
};
use polymarket_client_sdk_v2::clob::types::Side as SdkSide;
use polymarket_client_sdk_v2::clob::ws::{BookUpdate, PriceChange, WsMessage};
use polymarket_client_sdk_v2::types::Decimal;

use crate::convert;

/// Why a book stopped being trustworthy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DesyncReason {
    /// The venue's best bid/ask after a change disagrees with the local book.
    TopOfBookMismatch,
    /// The local book is crossed or locked.
    Crossed,
    /// A level's price or size could not be represented exactly.
    InvalidLevel,
    /// The tick size changed: the book is rebuilt from a fresh snapshot.
    TickSizeChanged,
    /// The connection dropped, stalled or lagged; every book on it is rebuilt.
    ConnectionReset,
}

impl DesyncReason {
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            DesyncReason::TopOfBookMismatch => "top_of_book_mismatch",
            DesyncReason::Crossed => "crossed_book",
            DesyncReason::InvalidLevel => "invalid_level",
            DesyncReason::TickSizeChanged => "tick_size_changed",
            DesyncReason::ConnectionReset => "connection_reset",
        }
    }
}

/// What the market stream tells its consumers.
#[derive(Debug, Clone, PartialEq)]
pub enum MarketEvent {
    /// A book changed (or was rebuilt from a snapshot, `snapshot: true`); here is its top.
    Top {
        token_id: TokenId,
        best_bid: Option<Level>,
        best_ask: Option<Level>,
        timestamp_ms: i64,
        snapshot: bool,
    },
    Trade(Trade),
    TickSize {
        token_id: TokenId,
        old: Option<TickSize>,
        new: TickSize,
    },
    /// The venue's own best bid/ask (custom feature stream); informational.
    BestBidAsk {
        token_id: TokenId,
        best_bid: Option<Probability>,
        best_ask: Option<Probability>,
        timestamp_ms: i64,
    },
    Resolved {
        condition_id: ConditionId,
        winning_token: TokenId,
    },
    /// A full book from a snapshot (published with [`Publish::Levels`]); bids and asks worst first.
    Book {
        token_id: TokenId,
        bids: Vec<Level>,
        asks: Vec<Level>,
        timestamp_ms: i64,
    },
    /// One level as it now stands (published with [`Publish::Levels`]); size zero removes it.
    Level {
        token_id: TokenId,
        side: BookSide,
        level: Level,
        timestamp_ms: i64,
    },
    /// The book can no longer be trusted until a fresh snapshot arrives.
    Desynced {
        token_id: TokenId,
        reason: DesyncReason,
    },
}

#[derive(Debug, Clone)]
struct Tracked {
    book: OrderBook,
    synced: bool,
}

/// Counters for diagnostics and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BookStats {
    pub snapshots: u64,
    pub level_updates: u64,
    pub trades: u64,
    pub desyncs: u64,
    pub ignored_while_unsynced: u64,
}

/// What the stream publishes besides tops, trades and state changes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Publish {
    /// The top of book after each change (a display, a quote monitor).
    #[default]
    Top,
    /// Also every snapshot and level change, so a consumer (the trading kernel) can keep its
    /// own full copy of each book: apply `Book` and `Level` in order, and distrust a book from
    /// `Desynced` until its next `Book`.
    Levels,
}

#[derive(Debug, Default)]
pub struct BookManager {
    books: HashMap<TokenId, Tracked>,
    stats: BookStats,
    publish: Publish,
}

impl BookManager {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    #[must_use]
    pub fn publishing(publish: Publish) -> Self {
        BookManager {
            publish,
            ..Self::default()
        }
    }

    /// Starts tracking a token; its book stays unsynced until a snapshot arrives.
    pub fn track(&mut self, token_id: TokenId, tick_size: TickSize) {
        self.books.entry(token_id).or_insert_with(|| Tracked {
            book: OrderBook::new(token_id, tick_size),
            synced: false,
        });
    }

    #[must_use]
    pub fn book(&self, token_id: TokenId) -> Option<&OrderBook> {
        self.books.get(&token_id).map(|t| &t.book)
    }

    #[must_use]
    pub fn is_synced(&self, token_id: TokenId) -> bool {
        self.books.get(&token_id).is_some_and(|t| t.synced)
    }

    #[must_use]
    pub fn stats(&self) -> BookStats {
        self.stats
    }

    /// Marks every given book unsynced (its connection was reset); they wait for snapshots.
    pub fn reset(&mut self, tokens: &[TokenId]) {
        for token in tokens {
            if let Some(t) = self.books.get_mut(token) {
                t.synced = false;
            }
        }
    }

    pub fn tokens(&self) -> impl Iterator<Item = TokenId> + '_ {
        self.books.keys().copied()
    }

    /// Applies one message, appending what happened to `out` (reused by the caller so the hot
    /// path does not allocate).
    pub fn apply(&mut self, message: &WsMessage, out: &mut Vec<MarketEvent>) {
        match message {
            WsMessage::Book(update) => self.apply_snapshot(update, out),
            WsMessage::PriceChange(change) => self.apply_price_change(change, out),
            WsMessage::TickSizeChange(change) => {
                let token = TokenId(change.asset_id);
                let Some(new) = convert::tick_size(&change.new_tick_size) else {
                    tracing::warn!(%token, tick = %change.new_tick_size, "ignoring tick_size_change to an unsupported tick");
                    return;
                };
                if let Some(t) = self.books.get_mut(&token) {
                    t.book.clear(new);
                    t.synced = false;
                    self.stats.desyncs += 1;
                    out.push(MarketEvent::TickSize {
                        token_id: token,
                        old: convert::tick_size(&change.old_tick_size),
                        new,
                    });
                    out.push(MarketEvent::Desynced {
                        token_id: token,
                        reason: DesyncReason::TickSizeChanged,
                    });
                }
            }
            WsMessage::LastTradePrice(trade) => {
                let token = TokenId(trade.asset_id);
                let (Some(price), Some(size)) = (
                    convert::price(&trade.price),
                    trade
                        .size
                        .as_ref()
                        .map_or(Some(polybot_model::Size::ZERO), convert::size),
                ) else {
                    tracing::warn!(%token, price = %trade.price, "ignoring last_trade_price with an invalid price or size");
                    return;
                };
                self.stats.trades += 1;
                out.push(MarketEvent::Trade(Trade {
                    token_id: token,
                    price,
                    size,
                    side: trade.side.and_then(side),
                    timestamp_ms: trade.timestamp,
                    fee_rate_bps: trade.fee_rate_bps.as_ref().and_then(|f| {
                        u32::try_from(convert::decimal_micros_rounded(f) / 1_000_000).ok()
                    }),
                }));
            }
            WsMessage::BestBidAsk(bba) => out.push(MarketEvent::BestBidAsk {
                token_id: TokenId(bba.asset_id),
                best_bid: quote(&bba.best_bid),
                best_ask: quote(&bba.best_ask),
                timestamp_ms: bba.timestamp,
            }),
            WsMessage::MarketResolved(resolved) => out.push(MarketEvent::Resolved {
                condition_id: ConditionId(resolved.market),
                winning_token: TokenId(resolved.winning_asset_id),
            }),
            _ => {}
        }
    }

    fn apply_snapshot(&mut self, update: &BookUpdate, out: &mut Vec<MarketEvent>) {
        let token = TokenId(update.asset_id);
        let Some(tracked) = self.books.get_mut(&token) else {
            return;
        };
        let bids = update
            .bids
            .iter()
            .map(|l| convert::level(&l.price, &l.size))
            .collect::<Result<Vec<_>, _>>();
        let asks = update
            .asks
            .iter()
            .map(|l| convert::level(&l.price, &l.size))
            .collect::<Result<Vec<_>, _>>();
        match (bids, asks) {
            (Ok(bids), Ok(asks)) => {
                tracked.book.apply_snapshot(bids, asks, update.timestamp);
                tracked.synced = !tracked.book.is_crossed();
                self.stats.snapshots += 1;
                if tracked.synced {
                    if self.publish == Publish::Levels {
                        out.push(MarketEvent::Book {
                            token_id: token,
                            bids: tracked.book.bids().to_vec(),
                            asks: tracked.book.asks().to_vec(),
                            timestamp_ms: update.timestamp,
                        });
                    }
                    out.push(top(&tracked.book, true));
                } else {
                    self.stats.desyncs += 1;
                    out.push(MarketEvent::Desynced {
                        token_id: token,
                        reason: DesyncReason::Crossed,
                    });
                }
            }
            (Err(reason), _) | (_, Err(reason)) => {
                tracing::warn!(%token, %reason, "book snapshot has an invalid level");
                self.desync(token, DesyncReason::InvalidLevel, out);
            }
        }
    }

    fn apply_price_change(&mut self, change: &PriceChange, out: &mut Vec<MarketEvent>) {
        let entries = &change.price_changes;
        for (i, entry) in entries.iter().enumerate() {
            let token = TokenId(entry.asset_id);
            let Some(tracked) = self.books.get_mut(&token) else {
                continue;
            };
            if !tracked.synced {
                self.stats.ignored_while_unsynced += 1;
                continue;
            }
            let side = match entry.side {
                SdkSide::Buy => BookSide::Bid,
                SdkSide::Sell => BookSide::Ask,
                _ => {
                    self.desync(token, DesyncReason::InvalidLevel, out);
                    continue;
                }
            };
            let size = entry
                .size
                .as_ref()
                .map_or(Some(polybot_model::Size::ZERO), convert::size);
            let (Some(price), Some(size)) = (convert::price(&entry.price), size) else {
                self.desync(token, DesyncReason::InvalidLevel, out);
                continue;
            };
            tracked.book.set_level(side, price, size);
            tracked.book.set_timestamp(change.timestamp);
            self.stats.level_updates += 1;
            if self.publish == Publish::Levels {
                out.push(MarketEvent::Level {
                    token_id: token,
                    side,
                    level: Level::new(price, size),
                    timestamp_ms: change.timestamp,
                });
            }
            // Check the top of book once per token per message: after its last entry.
            let last_for_token = entries[i + 1..]
                .iter()
                .all(|e| e.asset_id != entry.asset_id);
            if last_for_token {
                if let Some(reason) = check_top(
                    &tracked.book,
                    entry.best_bid.as_ref(),
                    entry.best_ask.as_ref(),
                ) {
                    self.desync(token, reason, out);
                } else {
                    out.push(top(&tracked.book, false));
                }
            }
        }
    }

    fn desync(&mut self, token: TokenId, reason: DesyncReason, out: &mut Vec<MarketEvent>) {
        if let Some(t) = self.books.get_mut(&token)
            && t.synced
        {
            t.synced = false;
            self.stats.desyncs += 1;
            out.push(MarketEvent::Desynced {
                token_id: token,
                reason,
            });
        }
    }
}

fn top(book: &OrderBook, snapshot: bool) -> MarketEvent {
    MarketEvent::Top {
        token_id: book.token_id(),
        best_bid: book.best_bid(),
        best_ask: book.best_ask(),
        timestamp_ms: book.timestamp_ms(),
        snapshot,
    }
}

/// Compares the local top of book with the venue's reported one (0 means "no level").
fn check_top(
    book: &OrderBook,
    best_bid: Option<&Decimal>,
    best_ask: Option<&Decimal>,
) -> Option<DesyncReason> {
    if book.is_crossed() {
        return Some(DesyncReason::Crossed);
    }
    let agrees = |reported: Option<&Decimal>, local: Option<Level>| match reported {
        None => true,
        Some(value) => match convert::decimal_micros(value) {
            Some(0) => local.is_none(),
            Some(micros) => local.is_some_and(|l| i128::from(l.price.micros()) == micros),
            None => false,
        },
    };
    if agrees(best_bid, book.best_bid()) && agrees(best_ask, book.best_ask()) {
        None
    } else {
        Some(DesyncReason::TopOfBookMismatch)
    }
}

fn quote(value: &Decimal) -> Option<Probability> {
    convert::probability(value).filter(|p| p.micros() > 0)
}

fn side(s: SdkSide) -> Option<polybot_model::Side> {
    match s {
        SdkSide::Buy => Some(polybot_model::Side::Buy),
        SdkSide::Sell => Some(polybot_model::Side::Sell),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str =
        "71321045679252212594626385532706912750332728571942532289631379312455583992563";
    const MARKET: &str = "0x5f65177b394277fd294cd75650044e32ba009a95022d88a0c1d565897d72f8f1";

    fn msg(json: &str) -> WsMessage {
        serde_json::from_str(json).expect("valid test message")
    }

    fn manager() -> (BookManager, TokenId) {
        let token = TokenId::parse(TOKEN).unwrap();
        let mut m = BookManager::new();
        m.track(token, TickSize::Hundredth);
        (m, token)
    }

    fn snapshot() -> String {
        format!(
            r#"{{"event_type":"book","asset_id":"{TOKEN}","market":"{MARKET}","timestamp":"1000",
            "bids":[{{"price":"0.48","size":"30"}},{{"price":"0.49","size":"20"}},{{"price":"0.50","size":"15"}}],
            "asks":[{{"price":"0.52","size":"25"}},{{"price":"0.53","size":"60"}}],"hash":"h"}}"#
        )
    }

    fn change(price: &str, size: &str, side: &str, best_bid: &str, best_ask: &str) -> String {
        format!(
            r#"{{"event_type":"price_change","market":"{MARKET}","timestamp":"2000","price_changes":[
            {{"asset_id":"{TOKEN}","price":"{price}","size":"{size}","side":"{side}","best_bid":"{best_bid}","best_ask":"{best_ask}"}}]}}"#
        )
    }

    #[test]
    fn snapshot_then_changes_keep_the_book() {
        let (mut m, token) = manager();
        let mut out = Vec::new();
        m.apply(&msg(&change("0.51", "5", "BUY", "0.51", "0.52")), &mut out);
        assert!(!m.is_synced(token), "changes before a snapshot are ignored");
        m.apply(&msg(&snapshot()), &mut out);
        assert!(m.is_synced(token));
        m.apply(&msg(&change("0.51", "5", "BUY", "0.51", "0.52")), &mut out);
        let book = m.book(token).unwrap();
        assert_eq!(book.best_bid().unwrap().price.to_string(), "0.51");
        assert_eq!(book.timestamp_ms(), 2000);
        m.apply(&msg(&change("0.52", "0", "SELL", "0.51", "0.53")), &mut out);
        assert_eq!(
            m.book(token).unwrap().best_ask().unwrap().price.to_string(),
            "0.53"
        );
        assert!(m.is_synced(token));
        assert!(matches!(
            out.last(),
            Some(MarketEvent::Top {
                snapshot: false,
                ..
            })
        ));
    }

    #[test]
    fn levels_are_published_only_when_asked() {
        let token = TokenId::parse(TOKEN).unwrap();
        let mut m = BookManager::publishing(Publish::Levels);
        m.track(token, TickSize::Hundredth);
        let mut out = Vec::new();
        m.apply(&msg(&snapshot()), &mut out);
        let Some(MarketEvent::Book { bids, asks, .. }) = out.first() else {
            panic!("{out:?}")
        };
        assert_eq!(
            (bids.as_slice(), asks.as_slice()),
            (m.book(token).unwrap().bids(), m.book(token).unwrap().asks())
        );
        out.clear();
        m.apply(&msg(&change("0.51", "5", "BUY", "0.51", "0.52")), &mut out);
        assert!(
            matches!(&out[0], MarketEvent::Level { side: BookSide::Bid, level, timestamp_ms: 2000, .. } if level.size.to_string() == "5")
        );
        let (mut plain, _) = manager();
        let mut out = Vec::new();
        plain.apply(&msg(&snapshot()), &mut out);
        plain.apply(&msg(&change("0.51", "5", "BUY", "0.51", "0.52")), &mut out);
        assert!(
            !out.iter()
                .any(|e| matches!(e, MarketEvent::Book { .. } | MarketEvent::Level { .. }))
        );
        let _ = token;
    }

    #[test]
    fn top_of_book_mismatch_desyncs_and_snapshot_recovers() {
        let (mut m, token) = manager();
        let mut out = Vec::new();
        m.apply(&msg(&snapshot()), &mut out);
        m.apply(&msg(&change("0.47", "5", "BUY", "0.49", "0.52")), &mut out);
        assert!(!m.is_synced(token));
        assert!(out.contains(&MarketEvent::Desynced {
            token_id: token,
            reason: DesyncReason::TopOfBookMismatch
        }));
        m.apply(&msg(&snapshot()), &mut out);
        assert!(m.is_synced(token));
    }

    #[test]
    fn tick_size_change_clears_and_waits_for_a_snapshot() {
        let (mut m, token) = manager();
        let mut out = Vec::new();
        m.apply(&msg(&snapshot()), &mut out);
        let tick = format!(
            r#"{{"event_type":"tick_size_change","asset_id":"{TOKEN}","market":"{MARKET}","old_tick_size":"0.01","new_tick_size":"0.001","timestamp":"3000"}}"#
        );
        m.apply(&msg(&tick), &mut out);
        assert!(!m.is_synced(token));
        assert!(m.book(token).unwrap().is_empty());
        assert_eq!(m.book(token).unwrap().tick_size(), TickSize::Thousandth);
        m.apply(&msg(&snapshot()), &mut out);
        assert!(m.is_synced(token));
    }

    #[test]
    fn invalid_levels_desync_instead_of_corrupting() {
        let (mut m, token) = manager();
        let mut out = Vec::new();
        m.apply(&msg(&snapshot()), &mut out);
        m.apply(&msg(&change("1.5", "5", "BUY", "0.50", "0.52")), &mut out);
        assert!(!m.is_synced(token));
        assert_eq!(m.stats().desyncs, 1);
    }
}
