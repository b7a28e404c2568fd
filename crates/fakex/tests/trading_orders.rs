//! Trading through Polymarket's SDK against fakex: API keys, resting and crossing orders,
//! the venue's rejections, balances, fees and cancels.

mod trading_support;

use polybot_model::amounts::taker_fee;
use polybot_model::{BookSide, Price, Size};
use polymarket_client_sdk_v2::auth::{Credentials, Uuid};
use polymarket_client_sdk_v2::clob::types::request::{
    BalanceAllowanceRequest, OrdersRequest, TradesRequest,
};
use polymarket_client_sdk_v2::clob::types::{
    Amount, AssetType, OrderPayload, OrderStatusType, OrderType, Side,
};
use polymarket_client_sdk_v2::clob::{Client, Config};
use polymarket_client_sdk_v2::types::U256;
use trading_support::{dec, limit, start, trader, two_sided};

#[tokio::test]
async fn create_and_derive_give_the_same_keys_and_bad_hmac_is_401() {
    let fx = start().await;
    let t = trader(&fx).await;
    let derived = Client::new(
        &fx.clob_url(),
        Config::builder().use_server_time(true).build(),
    )
    .unwrap()
    .derive_api_key(&t.signer, None)
    .await
    .expect("derives");
    assert_eq!(derived.key().to_string(), t.key);
    let keys = t.client.api_keys().await.expect("lists keys");
    assert!(format!("{keys:?}").contains(&t.key));

    let wrong = Credentials::new(
        t.client.credentials().key(),
        format!("{}=", "A".repeat(43)),
        "nope".to_owned(),
    );
    let bad = Client::new(
        &fx.clob_url(),
        Config::builder().use_server_time(true).build(),
    )
    .unwrap()
    .authentication_builder(&t.signer)
    .credentials(wrong)
    .authenticate()
    .await
    .unwrap();
    let err = bad.api_keys().await.expect_err("wrong HMAC is refused");
    assert!(err.to_string().contains("401"), "{err}");
    let _ = Uuid::nil();
}

#[tokio::test]
async fn resting_order_is_listed_and_sits_in_the_book() {
    let fx = start().await;
    let t = trader(&fx).await;
    let (token, book) = two_sided(&fx);
    let bid = book.best_bid().unwrap();
    let r = limit(&t, token, Side::Buy, bid.price, "7", OrderType::GTC, false).await;
    assert!(r.success, "{r:?}");
    assert_eq!(r.status, OrderStatusType::Live);
    let after = fx.exchange().book(token).unwrap();
    assert_eq!(
        after.depth_at(BookSide::Bid, bid.price),
        bid.size.saturating_add(Size::shares(7))
    );
    let page = t
        .client
        .orders(&OrdersRequest::default(), None)
        .await
        .expect("lists orders");
    assert_eq!(page.data.len(), 1);
    assert_eq!(page.data[0].id, r.order_id);
    assert_eq!(page.data[0].original_size, dec("7"));
    let one = t.client.order(&r.order_id).await.expect("gets the order");
    assert_eq!(one.price, dec(bid.price));
    // Cash is reserved, not spent.
    let view = fx.exchange().account(&t.key);
    assert_eq!(view.cash, 10_000_000_000);
    assert_eq!(view.open_orders.len(), 1);

    let c = t.client.cancel_order(&r.order_id).await.expect("cancels");
    assert_eq!(c.canceled, vec![r.order_id.clone()]);
    assert_eq!(
        fx.exchange()
            .book(token)
            .unwrap()
            .depth_at(BookSide::Bid, bid.price),
        bid.size
    );
    let again = t.client.cancel_order(&r.order_id).await.expect("answers");
    assert!(again.not_canceled.contains_key(&r.order_id));
}

#[tokio::test]
async fn crossing_order_fills_with_exact_amounts_and_fee() {
    let fx = start().await;
    let t = trader(&fx).await;
    let (token, book) = two_sided(&fx);
    let ask = book.best_ask().unwrap();
    let shares = Size::from_micros(ask.size.micros().min(5_000_000));
    let r = limit(
        &t,
        token,
        Side::Buy,
        ask.price,
        &shares.to_string(),
        OrderType::GTC,
        false,
    )
    .await;
    assert!(r.success, "{r:?}");
    assert_eq!(r.status, OrderStatusType::Matched);
    let view = fx.exchange().account(&t.key);
    assert_eq!(view.trades.len(), 1);
    let trade = &view.trades[0];
    let value =
        i64::try_from(u128::from(shares.micros()) * u128::from(ask.price.micros()) / 1_000_000)
            .unwrap();
    let fee = taker_fee(shares, ask.price, trade.fee_bps).micros();
    assert_eq!(trade.fee, fee);
    assert_eq!(view.cash, 10_000_000_000 - value - fee);
    assert_eq!(
        view.positions.get(&token).copied(),
        Some(shares.micros() as i64)
    );
    assert_eq!(r.taking_amount, dec(shares));
    let bal = t
        .client
        .balance_allowance(
            BalanceAllowanceRequest::builder()
                .asset_type(AssetType::Conditional)
                .token_id(token.0)
                .build(),
        )
        .await
        .expect("balance");
    assert_eq!(bal.balance, dec(shares.micros()));
    let left = fx
        .exchange()
        .book(token)
        .unwrap()
        .depth_at(BookSide::Ask, ask.price);
    assert_eq!(left, ask.size.saturating_sub(shares));
}

#[tokio::test]
async fn venue_rejections() {
    let fx = start().await;
    let t = trader(&fx).await;
    let (token, book) = two_sided(&fx);
    let ask = book.best_ask().unwrap();
    // Post-only crossing.
    let r = limit(&t, token, Side::Buy, ask.price, "5", OrderType::GTC, true).await;
    assert!(!r.success);
    assert!(r.error_msg.unwrap_or_default().contains("post-only"));
    // Below the minimum resting size.
    let bid = book.best_bid().unwrap();
    let r = limit(&t, token, Side::Buy, bid.price, "2", OrderType::GTC, false).await;
    assert!(!r.success, "{r:?}");
    // Selling shares it does not have.
    let r = limit(&t, token, Side::Sell, ask.price, "5", OrderType::GTC, false).await;
    assert_eq!(
        r.error_msg.as_deref(),
        Some("not enough balance / allowance")
    );
    // Tampered after signing.
    let order = t
        .client
        .limit_order()
        .token_id(token.0)
        .side(Side::Buy)
        .price(dec(bid.price))
        .size(dec("6"))
        .build()
        .await
        .unwrap();
    let mut signed = t.client.sign(&t.signer, order).await.unwrap();
    if let OrderPayload::V2(p) = &mut signed.payload {
        p.order.makerAmount += U256::from(10_000);
    }
    let r = t.client.post_order(signed).await.expect("answers");
    assert!(!r.success);
    assert_eq!(r.error_msg.as_deref(), Some("invalid signature"));
    // FOK without the depth.
    let depth = book.depth_through(BookSide::Ask, ask.price);
    let usdc = depth.notional(ask.price).as_f64() + 5.0;
    let order = t
        .client
        .market_order()
        .token_id(token.0)
        .side(Side::Buy)
        .amount(Amount::usdc(dec(format!("{usdc:.2}"))).unwrap())
        .price(dec(ask.price))
        .order_type(OrderType::FOK)
        .build()
        .await
        .unwrap();
    let signed = t.client.sign(&t.signer, order).await.unwrap();
    let r = t.client.post_order(signed).await.expect("answers");
    assert!(!r.success);
    assert!(r.error_msg.unwrap_or_default().contains("FOK"));
    assert!(fx.exchange().account(&t.key).trades.is_empty());
}

#[tokio::test]
async fn cancel_all_and_trades_go_matched_to_confirmed() {
    let fx = start().await;
    let t = trader(&fx).await;
    let (token, book) = two_sided(&fx);
    let bid = book.best_bid().unwrap();
    for _ in 0..3 {
        let r = limit(&t, token, Side::Buy, bid.price, "5", OrderType::GTC, false).await;
        assert!(r.success);
    }
    let c = t.client.cancel_all_orders().await.expect("cancel all");
    assert_eq!(c.canceled.len(), 3);
    assert!(fx.exchange().open_orders(&t.key).is_empty());

    let ask = book.best_ask().unwrap();
    let r = limit(&t, token, Side::Buy, ask.price, "5", OrderType::FAK, false).await;
    assert!(r.success, "{r:?}");
    let id = r.trade_ids[0].clone();
    let req = TradesRequest::builder().id(id.clone()).build();
    let first = t.client.trades(&req, None).await.unwrap();
    assert_eq!(format!("{:?}", first.data[0].status), "Matched");
    trading_support::eventually(|| {
        fx.exchange()
            .account(&t.key)
            .trades
            .iter()
            .all(|tr| tr.status == polybot_fakex::TradeStatus::Confirmed)
    })
    .await;
    let later = t.client.trades(&req, None).await.unwrap();
    assert_eq!(format!("{:?}", later.data[0].status), "Confirmed");
    assert!(!later.data[0].transaction_hash.is_zero());
    let _ = Price::MIN;
}
