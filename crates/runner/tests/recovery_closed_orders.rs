//! Start-up remembers the orders that closed recently: recovery reads them from the store into
//! the session header, and the kernel built from it books a fill the venue reports late for one
//! of them to its owner, as the kernel that pruned the order would have.

use polybot_engine::orders::{
    ClientOrderId, OrderEvent, OrderRequest, Quantity, TimeInForce, TrackedOrder, VenueOrderId,
};
use polybot_engine::session::{Mode, SessionHeader, SimSetup};
use polybot_engine::sim::{Liquidity, SimConfig, VenueReport};
use polybot_engine::{AccountId, ClosedOrder, Decision, Event, FillStatus};
use polybot_model::{Price, Side, Size, TokenId, Usdc};
use polybot_runner::recovery::{self, CLOSED_ORDER_MEMORY_MS, SessionStart};
use polybot_store::Store;

const OWNER: &str = "copy:main";

fn order(id: u64, token: TokenId) -> TrackedOrder {
    TrackedOrder::new(OrderRequest {
        client_id: ClientOrderId(id),
        account: AccountId::new(OWNER),
        token_id: token,
        side: Side::Buy,
        price: Price::parse("0.40").unwrap(),
        quantity: Quantity::Shares(Size::shares(10)),
        time_in_force: TimeInForce::Gtc,
        post_only: false,
    })
}

/// Order 1 was cancelled (just now, as far as the store's clock goes); order 2 is still live.
async fn store_with_orders(token: TokenId) -> Store {
    let store = Store::open("sqlite::memory:").await.unwrap();
    let mut cancelled = order(1, token);
    let mut live = order(2, token);
    for (o, n) in [(&mut cancelled, 1), (&mut live, 2)] {
        o.apply(OrderEvent::Sent).unwrap();
        let venue_id = VenueOrderId(format!("0x{n:064x}"));
        o.apply(OrderEvent::Acknowledged { venue_id }).unwrap();
    }
    cancelled.apply(OrderEvent::Cancelled).unwrap();
    store.upsert_orders(&[cancelled, live]).await.unwrap();
    store
}

async fn header(store: &Store, started_ms: i64) -> SessionHeader {
    let accounts = [(AccountId::new(OWNER), Usdc::dollars(1_000))];
    let risk = polybot_risk::RiskConfig::default();
    let start = SessionStart {
        mode: Mode::Paper,
        started_ms,
        markets: Vec::new(),
        sim: Some(SimSetup {
            config: SimConfig::default(),
            trade_prefix: 1,
        }),
        accounts: &accounts,
        risk: &risk,
        strategies: Vec::new(),
    };
    recovery::recover(store, start).await.unwrap().header
}

fn late_fill(token: TokenId, ts: i64) -> Event {
    let report = VenueReport::Fill {
        client_id: ClientOrderId(1),
        trade_id: "late-1".to_owned(),
        token_id: token,
        side: Side::Buy,
        price: Price::parse("0.40").unwrap(),
        size: Size::shares(10),
        fee: Usdc::ZERO,
        liquidity: Liquidity::Maker,
        status: FillStatus::Matched,
        timestamp_ms: ts,
    };
    Event::Venue { report, ts }
}

#[tokio::test]
async fn recovery_remembers_recent_closed_orders_and_the_kernel_books_their_late_fills() {
    let token = TokenId::parse("7").unwrap();
    let store = store_with_orders(token).await;
    let now = chrono::Utc::now().timestamp_millis();
    let header = header(&store, now).await;
    assert_eq!(
        header.closed_orders,
        [ClosedOrder {
            client_id: ClientOrderId(1),
            account: AccountId::new(OWNER),
            token,
            side: Side::Buy,
        }]
    );
    let open: Vec<_> = header.orders.iter().map(|o| o.request.client_id).collect();
    assert_eq!(
        open,
        [ClientOrderId(2)],
        "the live order is restored, not remembered"
    );

    // The restarted kernel books the venue's late report of a trade for the cancelled order.
    let mut kernel = header.build_kernel(header.sim_venue()).unwrap();
    kernel.handle(&late_fill(token, now + 1_000));
    let changes = kernel.take_changes();
    assert!(
        changes.decisions.iter().any(|d| matches!(d,
            Decision::Anomaly { detail } if detail.contains("closed order c1"))),
        "flagged: {:#?}",
        changes.decisions
    );
    let [(fill, FillStatus::Matched)] = changes.fills.as_slice() else {
        panic!("{:#?}", changes.fills)
    };
    assert_eq!(fill.account, AccountId::new(OWNER));
    let account = kernel.ledger().account(&AccountId::new(OWNER)).unwrap();
    assert_eq!(account.state().positions[&token].size, Size::shares(10));

    // The header, as the journal writes it, carries them.
    let json = serde_json::to_string(&header).unwrap();
    let back: SessionHeader = serde_json::from_str(&json).unwrap();
    assert_eq!(back.closed_orders, header.closed_orders);
}

#[tokio::test]
async fn orders_closed_before_the_window_are_forgotten() {
    let token = TokenId::parse("7").unwrap();
    let store = store_with_orders(token).await;
    // A start more than the window after the cancel no longer remembers it.
    let later = chrono::Utc::now().timestamp_millis() + CLOSED_ORDER_MEMORY_MS + 60_000;
    let header = header(&store, later).await;
    assert!(
        header.closed_orders.is_empty(),
        "{:?}",
        header.closed_orders
    );
    assert!(
        !serde_json::to_string(&header)
            .unwrap()
            .contains("closed_orders")
    );
}
