//! The kernel with a venue that runs outside it (the live case): reports arrive as events. A
//! ghost fill (MATCHED, then FAILED) is taken back and the strategy does not buy twice.

use alloy_primitives::U256;
use polybot_engine::orders::{
    ClientOrderId, MarketRules, OrderRequest, Quantity, TimeInForce, VenueOrderId,
};
use polybot_engine::sim::{Liquidity, VenueReport};
use polybot_engine::{AccountId, Event, FillStatus, Intent, Kernel, Strategy, Venue, View};
use polybot_model::{Level, Price, Side, Size, TickSize, TokenId, Usdc};

fn token() -> TokenId {
    TokenId(U256::from(3u8))
}

/// Records what the kernel sends; the test plays the venue's answers back as events.
#[derive(Default)]
struct Outbox {
    submitted: Vec<OrderRequest>,
}

impl Venue for Outbox {
    fn submit(&mut self, _now_ms: i64, order: &OrderRequest) {
        self.submitted.push(order.clone());
    }
    fn cancel(&mut self, _now_ms: i64, _client_id: ClientOrderId) {}
    fn on_market(&mut self, _now_ms: i64, _event: &Event, _out: &mut Vec<VenueReport>) {}
    fn poll(&mut self, _now_ms: i64, _out: &mut Vec<VenueReport>) {}
}

/// Buys 10 shares whenever it holds none and has no open order — the naive logic a ghost fill
/// would trick into buying twice if the ledger did not know the first fill was provisional.
struct BuyOnce(AccountId);

impl Strategy for BuyOnce {
    fn name(&self) -> &str {
        "buy-once"
    }
    fn account(&self) -> &AccountId {
        &self.0
    }
    fn on_event(&mut self, view: &View<'_>, _event: &Event, intents: &mut Vec<Intent>) {
        let holds = view
            .ledger
            .account(&self.0)
            .is_some_and(|a| a.state().positions.contains_key(&token()));
        if !holds && view.open_orders(&self.0).next().is_none() {
            intents.push(Intent::Place {
                token: token(),
                side: Side::Buy,
                price: Price::parse("0.50").unwrap(),
                quantity: Quantity::Shares(Size::shares(10)),
                time_in_force: TimeInForce::Fok,
                post_only: false,
                reason: "entry",
            });
        }
    }
}

#[test]
fn a_ghost_fill_is_reverted_and_the_decision_is_not_repeated_blindly() {
    let account = AccountId::new("strategy:buy-once");
    let mut k = Kernel::new(Outbox::default());
    k.add_market(token(), MarketRules::polymarket(TickSize::Hundredth));
    k.open_account(account.clone(), Usdc::dollars(100)).unwrap();
    k.add_strategy(Box::new(BuyOnce(account.clone())));
    let book = Event::Book {
        token: token(),
        bids: vec![Level::new(Price::parse("0.49").unwrap(), Size::shares(50))],
        asks: vec![Level::new(Price::parse("0.50").unwrap(), Size::shares(50))],
        ts: 1_000,
    };
    k.handle(&book);
    assert_eq!(k.venue().submitted.len(), 1);
    let id = k.venue().submitted[0].client_id;
    let report = |report, ts| Event::Venue { report, ts };
    k.handle(&report(
        VenueReport::Acknowledged {
            client_id: id,
            venue_id: VenueOrderId("0x1".into()),
        },
        1_010,
    ));
    let fill = VenueReport::Fill {
        client_id: id,
        trade_id: "trade-1".into(),
        token_id: token(),
        side: Side::Buy,
        price: Price::parse("0.50").unwrap(),
        size: Size::shares(10),
        fee: Usdc::ZERO,
        liquidity: Liquidity::Taker,
        status: FillStatus::Matched,
        timestamp_ms: 1_020,
    };
    k.handle(&report(fill, 1_020));
    k.handle(&report(
        VenueReport::Closed {
            client_id: id,
            reason: polybot_engine::sim::CloseReason::Filled,
        },
        1_021,
    ));
    let state = k.ledger().account(&account).unwrap().state().clone();
    assert_eq!(state.positions[&token()].size, Size::shares(10));
    assert_eq!(
        state.positions[&token()].confirmed,
        Size::ZERO,
        "MATCHED is provisional"
    );
    assert_eq!(
        k.venue().submitted.len(),
        1,
        "holding a provisional position: no second buy"
    );

    k.handle(&report(
        VenueReport::TradeStatus {
            trade_id: "trade-1".into(),
            status: FillStatus::Failed,
        },
        1_030,
    ));
    let state = k.ledger().account(&account).unwrap().state().clone();
    assert!(state.positions.is_empty(), "the ghost fill is taken back");
    assert_eq!(state.cash, Usdc::dollars(100));
    // With the position gone the strategy may decide again — a fresh, deliberate order, not a resend.
    assert_eq!(k.venue().submitted.len(), 2);
    assert_ne!(k.venue().submitted[1].client_id, id);
}
