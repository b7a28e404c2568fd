//! The live venue against fakex: orders are signed, verified and matched by fakex, and every
//! outcome comes back as `Event::Venue` reports. Random test keys only; loopback only.

use std::collections::HashMap;
use std::time::Duration;

use alloy::signers::Signer as _;
use alloy::signers::local::PrivateKeySigner;
use polybot_engine::orders::{ClientOrderId, OrderRequest, Quantity, TimeInForce};
use polybot_engine::sim::{CloseReason, Liquidity, VenueReport};
use polybot_engine::{AccountId, Event, FillStatus, Venue};
use polybot_fakex::{FakexConfig, FakexHandle};
use polybot_model::{OrderBook, Price, Side, Size, TokenId};
use polybot_polymarket::live::{LiveConfig, LiveVenue, TokenRules};
use polybot_polymarket::signing::{OrderSigner, Wallet};
use polymarket_client_sdk_v2::POLYGON;
use polymarket_client_sdk_v2::clob::{Client, Config};
use tokio::sync::mpsc::UnboundedReceiver;

const START_CASH: i64 = 10_000_000_000;

struct Harness {
    fx: FakexHandle,
    venue: LiveVenue,
    rx: UnboundedReceiver<Event>,
    key: String,
    token: TokenId,
    book: OrderBook,
    /// Every report received so far, in order.
    log: Vec<VenueReport>,
}

async fn fakex() -> FakexHandle {
    polybot_fakex::start(FakexConfig {
        base_port: 0,
        sim_interval_ms: 0,
        seed_dir: None,
        generated_markets: 20,
        trade_mined_ms: 150,
        trade_confirmed_ms: 300,
        heartbeat_timeout_ms: 600,
        ..FakexConfig::default()
    })
    .await
    .expect("fakex starts")
}

async fn harness() -> Harness {
    harness_with(Duration::from_millis(200)).await
}

/// `trade_poll` is the REST safety net's period; a long one leaves fills to the user channel.
async fn harness_with(trade_poll: Duration) -> Harness {
    let fx = fakex().await;
    let signer = PrivateKeySigner::random().with_chain_id(Some(POLYGON));
    let client = Client::new(&fx.clob_url(), Config::default())
        .expect("client")
        .authentication_builder(&signer)
        .authenticate()
        .await
        .expect("API key from fakex");
    let credentials = client.credentials().clone();
    let key = credentials.key().to_string();
    let ex = fx.exchange();
    let (token, book) = ex
        .token_ids()
        .into_iter()
        .filter_map(|t| ex.book(t).map(|b| (t, b)))
        .find(|(_, b)| b.best_bid().is_some() && b.best_ask().is_some())
        .expect("a two-sided book");
    let neg_risk = client.neg_risk(token.0).await.expect("neg risk").neg_risk;
    let order_signer = OrderSigner::new(&fx.clob_url(), signer, Wallet::Eoa, credentials)
        .await
        .expect("order signer");
    let rules = TokenRules {
        tick: book.tick_size(),
        neg_risk,
    };
    let mut config = LiveConfig::new(fx.ws_url(), HashMap::from([(token, rules)]));
    config.heartbeat_interval = Duration::from_millis(100);
    config.reconcile_delay = Duration::from_millis(100);
    config.query_timeout = Duration::from_secs(3);
    config.order_timeout = Duration::from_secs(3);
    config.trade_poll_interval = trade_poll;
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let venue = LiveVenue::start(order_signer, config, tx).expect("venue starts");
    Harness {
        fx,
        venue,
        rx,
        key,
        token,
        book,
        log: Vec::new(),
    }
}

impl Harness {
    fn order(
        &self,
        id: u64,
        side: Side,
        price: Price,
        shares: u64,
        tif: TimeInForce,
    ) -> OrderRequest {
        OrderRequest {
            client_id: ClientOrderId(id),
            account: AccountId::new("live"),
            token_id: self.token,
            side,
            price,
            quantity: Quantity::Shares(Size::shares(shares)),
            time_in_force: tif,
            post_only: false,
        }
    }

    /// Waits for the first new report matching `want` (everything received is logged).
    async fn expect(&mut self, what: &str, want: impl Fn(&VenueReport) -> bool) -> VenueReport {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            let event = tokio::time::timeout_at(deadline, self.rx.recv())
                .await
                .unwrap_or_else(|_| panic!("no {what}; got {:#?}", self.log))
                .expect("venue alive");
            let Event::Venue { report, ts } = event else {
                panic!("not a venue event: {event:?}")
            };
            assert!(ts > 0);
            self.log.push(report.clone());
            if want(&report) {
                return report;
            }
        }
    }

    /// fakex's cash and position must equal what the reported fills imply.
    fn assert_account_matches_fills(&self) {
        let failed: Vec<&String> = self
            .log
            .iter()
            .filter_map(|r| match r {
                VenueReport::TradeStatus {
                    trade_id,
                    status: FillStatus::Failed,
                } => Some(trade_id),
                _ => None,
            })
            .collect();
        let (mut cash, mut position) = (START_CASH, 0i64);
        for r in &self.log {
            if let VenueReport::Fill {
                trade_id,
                side,
                price,
                size,
                fee,
                ..
            } = r
                && !failed.contains(&trade_id)
            {
                let value = size.notional(*price).micros();
                let shares = i64::try_from(size.micros()).unwrap();
                match side {
                    Side::Buy => {
                        (cash, position) = (cash - value - fee.micros(), position + shares)
                    }
                    Side::Sell => {
                        (cash, position) = (cash + value - fee.micros(), position - shares)
                    }
                }
            }
        }
        let account = self.fx.exchange().account(&self.key);
        assert_eq!(account.cash, cash, "{:#?}", self.log);
        assert_eq!(
            account.positions.get(&self.token).copied().unwrap_or(0),
            position
        );
    }
}

fn ack(id: u64) -> impl Fn(&VenueReport) -> bool {
    move |r| matches!(r, VenueReport::Acknowledged { client_id, .. } if client_id.0 == id)
}

#[tokio::test]
async fn orders_fill_settle_cancel_and_match_the_account() {
    let mut h = harness().await;
    let bid = h.book.best_bid().unwrap().price;
    let ask = h.book.best_ask().unwrap().price;
    let resting = h.order(1, Side::Buy, bid, 5, TimeInForce::Gtc);
    h.venue.submit(0, &resting);
    h.venue.release();
    h.expect("ack of the resting order", ack(1)).await;
    assert_eq!(h.fx.exchange().open_orders(&h.key).len(), 1);

    let taker = h.order(2, Side::Buy, ask, 5, TimeInForce::Fak);
    h.venue.submit(0, &taker);
    h.venue.release();
    h.expect("ack of the taker", ack(2)).await;
    let fill = h
        .expect("taker fill", |r| matches!(r, VenueReport::Fill { .. }))
        .await;
    let VenueReport::Fill {
        client_id,
        trade_id,
        size,
        status,
        liquidity,
        fee,
        ..
    } = fill
    else {
        unreachable!()
    };
    assert_eq!(
        (client_id, size, status, liquidity),
        (
            ClientOrderId(2),
            Size::shares(5),
            FillStatus::Matched,
            Liquidity::Taker
        )
    );
    assert!(fee.micros() >= 0);
    h.expect("FAK closed as filled", |r| {
        matches!(
            r,
            VenueReport::Closed {
                client_id: ClientOrderId(2),
                reason: CloseReason::Filled
            }
        )
    })
    .await;
    h.expect("confirmed", |r| {
        matches!(r, VenueReport::TradeStatus { trade_id: t, status: FillStatus::Confirmed } if *t == trade_id)
    })
    .await;

    // Heartbeats keep the resting order alive past fakex's dead-man timeout.
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert_eq!(h.fx.exchange().open_orders(&h.key).len(), 1);

    h.venue.cancel(0, ClientOrderId(1));
    h.venue.release();
    h.expect("cancelled", |r| {
        matches!(
            r,
            VenueReport::Closed {
                client_id: ClientOrderId(1),
                reason: CloseReason::Cancelled
            }
        )
    })
    .await;
    assert!(h.fx.exchange().open_orders(&h.key).is_empty());
    h.assert_account_matches_fills();
}

#[tokio::test]
async fn a_425_is_unknown_and_reconciliation_finds_nothing() {
    let mut h = harness().await;
    let bid = h.book.best_bid().unwrap().price;
    h.fx.exchange()
        .set_restart_window(Duration::from_millis(300));
    h.venue
        .submit(0, &h.order(7, Side::Buy, bid, 5, TimeInForce::Gtc));
    h.venue.release();
    h.expect("unknown outcome", |r| {
        matches!(
            r,
            VenueReport::OutcomeUnknown {
                client_id: ClientOrderId(7)
            }
        )
    })
    .await;
    h.expect("not found", |r| {
        matches!(
            r,
            VenueReport::NotFound {
                client_id: ClientOrderId(7)
            }
        )
    })
    .await;
    assert!(h.fx.exchange().open_orders(&h.key).is_empty());
    assert!(
        !h.log
            .iter()
            .any(|r| matches!(r, VenueReport::Acknowledged { .. })),
        "never resent: {:#?}",
        h.log
    );
}

#[tokio::test]
async fn fills_and_settlement_arrive_on_the_user_channel() {
    // The REST trade poll is effectively off: only the user channel can deliver these.
    let mut h = harness_with(Duration::from_secs(3_600)).await;
    let ask = h.book.best_ask().unwrap().price;
    h.venue
        .submit(0, &h.order(5, Side::Buy, ask, 5, TimeInForce::Fak));
    h.venue.release();
    h.expect("ack", ack(5)).await;
    let VenueReport::Fill {
        trade_id, status, ..
    } = h
        .expect("fill", |r| matches!(r, VenueReport::Fill { .. }))
        .await
    else {
        unreachable!()
    };
    assert_eq!(status, FillStatus::Matched);
    h.expect("confirmed", |r| {
        matches!(r, VenueReport::TradeStatus { trade_id: t, status: FillStatus::Confirmed } if *t == trade_id)
    })
    .await;
    h.assert_account_matches_fills();
}

#[tokio::test]
async fn a_ghost_fill_is_reported_then_failed() {
    let mut h = harness().await;
    let ask = h.book.best_ask().unwrap().price;
    h.fx.exchange().inject_ghost_fill_next(&h.key);
    h.venue
        .submit(0, &h.order(3, Side::Buy, ask, 5, TimeInForce::Fak));
    h.venue.release();
    h.expect("ack", ack(3)).await;
    let VenueReport::Fill { trade_id, .. } = h
        .expect("fill", |r| matches!(r, VenueReport::Fill { .. }))
        .await
    else {
        unreachable!()
    };
    h.expect("failed", |r| {
        matches!(r, VenueReport::TradeStatus { trade_id: t, status: FillStatus::Failed } if *t == trade_id)
    })
    .await;
    h.assert_account_matches_fills();
    assert_eq!(h.fx.exchange().account(&h.key).cash, START_CASH);
}

#[tokio::test]
async fn unknown_tokens_and_bad_orders_are_rejected_locally() {
    let mut h = harness().await;
    let mut other = h.order(
        9,
        Side::Buy,
        Price::parse("0.5").unwrap(),
        5,
        TimeInForce::Gtc,
    );
    other.token_id = TokenId(alloy_primitives::U256::from(1u8));
    h.venue.submit(0, &other);
    h.venue.release();
    h.expect("rejected", |r| {
        matches!(
            r,
            VenueReport::Rejected {
                client_id: ClientOrderId(9),
                ..
            }
        )
    })
    .await;
    let mut usdc_sell = h.order(
        10,
        Side::Sell,
        Price::parse("0.5").unwrap(),
        5,
        TimeInForce::Fok,
    );
    usdc_sell.quantity = Quantity::Usdc(polybot_model::Usdc::dollars(5));
    let refreshes = h.fx.exchange().stats().balance_updates;
    h.venue.submit(0, &usdc_sell);
    h.venue.release();
    h.expect("rejected", |r| {
        matches!(
            r,
            VenueReport::Rejected {
                client_id: ClientOrderId(10),
                ..
            }
        )
    })
    .await;
    assert_eq!(
        h.fx.exchange().stats().balance_updates,
        refreshes + 1,
        "a SELL refreshes the venue's balance and allowance first"
    );
}
