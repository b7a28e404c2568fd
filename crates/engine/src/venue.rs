//! [`Venue`]: where orders go. The kernel is the same in backtest, paper and live; only the venue
//! (and the clock and data source) differ.

use crate::event::Event;
use crate::orders::{ClientOrderId, OrderRequest};
use crate::sim::{SimVenue, VenueReport};

pub trait Venue {
    /// Sends an order (already validated against the venue's rules).
    fn submit(&mut self, now_ms: i64, order: &OrderRequest);
    fn cancel(&mut self, now_ms: i64, client_id: ClientOrderId);
    /// Market data as the kernel sees it; a simulated venue matches against it.
    fn on_market(&mut self, now_ms: i64, event: &Event, out: &mut Vec<VenueReport>);
    /// Time passes: deliver what is due.
    fn poll(&mut self, now_ms: i64, out: &mut Vec<VenueReport>);
    /// The driver has durably stored everything the kernel decided so far. A venue that holds
    /// requests until then (the live venue) sends them now, so every order that reaches the
    /// exchange is one a restart will find in the store.
    fn release(&mut self) {}
}

impl Venue for SimVenue {
    fn submit(&mut self, now_ms: i64, order: &OrderRequest) {
        SimVenue::submit(self, now_ms, order.clone());
    }

    fn cancel(&mut self, now_ms: i64, client_id: ClientOrderId) {
        SimVenue::cancel(self, now_ms, client_id);
    }

    fn on_market(&mut self, now_ms: i64, event: &Event, out: &mut Vec<VenueReport>) {
        match event {
            Event::Book {
                token,
                bids,
                asks,
                ts,
            } => self.on_snapshot(*token, bids, asks, *ts),
            Event::Level {
                token,
                side,
                price,
                size,
                ..
            } => self.on_level(*token, *side, *price, *size),
            Event::Trade {
                token, price, size, ..
            } => self.on_trade(now_ms, *token, *price, *size, out),
            Event::Market { market, .. } => self.add_market(
                market.token,
                crate::sim::SimMarket {
                    rules: market.rules,
                    taker_fee_bps: market.taker_fee_bps,
                },
            ),
            _ => {}
        }
    }

    fn poll(&mut self, now_ms: i64, out: &mut Vec<VenueReport>) {
        self.advance(now_ms, out);
    }
}
