use alloy_primitives::U256;
use polybot_model::{TickSize, Usdc};

use super::*;
use crate::ledger::AccountId;
use crate::orders::{Quantity, TimeInForce};

const T: i64 = 1_800_000_000_000;

fn token() -> TokenId {
    TokenId(U256::from(42u8))
}
fn px(s: &str) -> Price {
    Price::parse(s).unwrap()
}
fn sz(s: &str) -> Size {
    Size::parse(s).unwrap()
}
fn lvl(p: &str, s: &str) -> Level {
    Level::new(px(p), sz(s))
}

/// A venue with bids 0.48×100, 0.49×50 and asks 0.51×40, 0.52×100, a 4% taker fee, 10 ms latency.
fn venue() -> SimVenue {
    let mut v = SimVenue::new(SimConfig { latency_ms: 10 });
    v.add_market(
        token(),
        SimMarket {
            rules: MarketRules::polymarket(TickSize::Hundredth),
            taker_fee_bps: 400,
        },
    );
    v.on_snapshot(
        token(),
        &[lvl("0.48", "100"), lvl("0.49", "50")],
        &[lvl("0.52", "100"), lvl("0.51", "40")],
        T,
    );
    v
}

fn order(id: u64, side: Side, price: &str, quantity: Quantity, tif: TimeInForce) -> OrderRequest {
    OrderRequest {
        client_id: ClientOrderId(id),
        account: AccountId::new("a"),
        token_id: token(),
        side,
        price: px(price),
        quantity,
        time_in_force: tif,
        post_only: false,
    }
}
fn shares(s: &str) -> Quantity {
    Quantity::Shares(sz(s))
}

fn run(v: &mut SimVenue, o: OrderRequest) -> Vec<VenueReport> {
    let mut out = Vec::new();
    v.submit(T, o);
    v.advance(T + 5, &mut out);
    assert!(out.is_empty(), "acted before the latency elapsed: {out:?}");
    v.advance(T + 10, &mut out);
    out
}

fn fills(out: &[VenueReport]) -> Vec<(Price, Size, Usdc, Liquidity)> {
    out.iter()
        .filter_map(|r| match r {
            VenueReport::Fill {
                price,
                size,
                fee,
                liquidity,
                ..
            } => Some((*price, *size, *fee, *liquidity)),
            _ => None,
        })
        .collect()
}

fn closed(out: &[VenueReport]) -> Option<CloseReason> {
    out.iter().find_map(|r| match r {
        VenueReport::Closed { reason, .. } => Some(*reason),
        _ => None,
    })
}

#[test]
fn a_marketable_buy_sweeps_levels_and_pays_the_taker_fee() {
    let mut v = venue();
    let out = run(
        &mut v,
        order(1, Side::Buy, "0.52", shares("60"), TimeInForce::Fak),
    );
    // A marketable BUY spends its USDC amount (60 × 0.52 = 31.20), as the venue does: 40 @ 0.51
    // (20.40), then the remaining 10.80 buys 20.76 @ 0.52. Fee = size · 0.04 · p(1−p).
    assert_eq!(
        fills(&out),
        vec![
            (
                px("0.51"),
                sz("40"),
                Usdc::parse("0.39984").unwrap(),
                Liquidity::Taker
            ),
            (
                px("0.52"),
                sz("20.76"),
                Usdc::parse("0.20727").unwrap(),
                Liquidity::Taker
            ),
        ]
    );
    assert_eq!(closed(&out), Some(CloseReason::Filled));
    assert_eq!(
        v.book(token()).unwrap().best_ask().unwrap(),
        lvl("0.52", "79.24"),
        "taken liquidity leaves the book"
    );
}

#[test]
fn fok_kills_when_depth_is_short_and_fak_keeps_what_filled() {
    let mut v = venue();
    let out = run(
        &mut v,
        order(1, Side::Buy, "0.51", shares("50"), TimeInForce::Fok),
    );
    assert!(fills(&out).is_empty());
    assert_eq!(closed(&out), Some(CloseReason::Killed));
    let out = run(
        &mut v,
        order(2, Side::Buy, "0.51", shares("50"), TimeInForce::Fak),
    );
    assert_eq!(
        fills(&out).iter().map(|f| f.1).collect::<Vec<_>>(),
        vec![sz("40")]
    );
    assert_eq!(closed(&out), Some(CloseReason::Killed));
}

#[test]
fn a_market_buy_in_usdc_spends_its_amount() {
    let mut v = venue();
    let out = run(
        &mut v,
        order(
            1,
            Side::Buy,
            "0.52",
            Quantity::Usdc(Usdc::dollars(30)),
            TimeInForce::Fok,
        ),
    );
    let f = fills(&out);
    // $20.40 buys 40 at 0.51; the remaining $9.60 buys 18.46 at 0.52.
    assert_eq!(
        f.iter().map(|x| x.1).collect::<Vec<_>>(),
        vec![sz("40"), sz("18.46")]
    );
    assert_eq!(closed(&out), Some(CloseReason::Filled));
}

#[test]
fn a_resting_order_waits_behind_the_queue_and_fills_on_trades() {
    let mut v = venue();
    let out = run(
        &mut v,
        order(1, Side::Buy, "0.49", shares("20"), TimeInForce::Gtc),
    );
    assert!(matches!(out[0], VenueReport::Acknowledged { .. }));
    assert!(fills(&out).is_empty() && closed(&out).is_none());
    let mut out = Vec::new();
    v.on_trade(T + 20, token(), px("0.49"), sz("30"), &mut out);
    assert!(out.is_empty(), "30 of the 50 ahead of us traded");
    v.on_trade(T + 30, token(), px("0.49"), sz("30"), &mut out);
    assert_eq!(
        fills(&out),
        vec![(px("0.49"), sz("10"), Usdc::ZERO, Liquidity::Maker)],
        "20 more ahead, then 10 for us"
    );
    out.clear();
    v.on_trade(T + 40, token(), px("0.47"), sz("100"), &mut out);
    assert_eq!(
        fills(&out),
        vec![(px("0.49"), sz("10"), Usdc::ZERO, Liquidity::Maker)],
        "a trade through our price fills the rest"
    );
    assert_eq!(closed(&out), Some(CloseReason::Filled));
    assert_eq!(v.resting().count(), 0);
}

#[test]
fn cancellations_ahead_shrink_the_queue() {
    let mut v = venue();
    run(
        &mut v,
        order(1, Side::Buy, "0.49", shares("20"), TimeInForce::Gtc),
    );
    v.on_level(token(), BookSide::Bid, px("0.49"), sz("5"));
    let mut out = Vec::new();
    v.on_trade(T + 20, token(), px("0.49"), sz("10"), &mut out);
    assert_eq!(
        fills(&out).iter().map(|f| f.1).collect::<Vec<_>>(),
        vec![sz("5")]
    );
}

#[test]
fn rules_post_only_cancel_and_expiry() {
    let mut v = venue();
    let out = run(
        &mut v,
        order(1, Side::Buy, "0.495", shares("20"), TimeInForce::Gtc),
    );
    assert!(matches!(&out[0], VenueReport::Rejected { reason, .. } if reason == "off_tick"));
    let out = run(
        &mut v,
        order(2, Side::Buy, "0.49", shares("2"), TimeInForce::Gtc),
    );
    assert!(matches!(&out[0], VenueReport::Rejected { reason, .. } if reason == "below_min_size"));
    let mut crossing = order(3, Side::Buy, "0.51", shares("10"), TimeInForce::Gtc);
    crossing.post_only = true;
    let out = run(&mut v, crossing);
    assert!(
        matches!(&out[0], VenueReport::Rejected { reason, .. } if reason == "post_only_would_cross")
    );

    run(
        &mut v,
        order(4, Side::Sell, "0.60", shares("10"), TimeInForce::Gtc),
    );
    let mut out = Vec::new();
    v.cancel(T + 100, ClientOrderId(4));
    v.advance(T + 110, &mut out);
    assert_eq!(closed(&out), Some(CloseReason::Cancelled));

    let gtd = TimeInForce::Gtd {
        expires_at_secs: T / 1000 + 120,
    };
    run(&mut v, order(5, Side::Sell, "0.60", shares("10"), gtd));
    let mut out = Vec::new();
    v.advance(T + 119_000, &mut out);
    assert!(out.is_empty());
    v.advance(T + 120_000, &mut out);
    assert_eq!(closed(&out), Some(CloseReason::Expired));
}

/// Expiries and fills of several resting orders are reported in client id order (whatever the
/// expiry times or prices), and only the event's token's orders are touched.
#[test]
fn reports_about_several_resting_orders_come_in_client_id_order() {
    let other = TokenId(U256::from(43u8));
    let mut v = venue();
    v.add_market(
        other,
        SimMarket {
            rules: MarketRules::polymarket(TickSize::Hundredth),
            taker_fee_bps: 400,
        },
    );
    let gtd = |secs| TimeInForce::Gtd {
        expires_at_secs: T / 1000 + secs,
    };
    let on_other = |mut o: OrderRequest| {
        o.token_id = other;
        o
    };
    run(&mut v, order(1, Side::Buy, "0.47", shares("10"), gtd(300)));
    run(&mut v, order(2, Side::Buy, "0.49", shares("10"), gtd(200)));
    run(
        &mut v,
        on_other(order(3, Side::Buy, "0.48", shares("10"), gtd(200))),
    );
    run(&mut v, order(4, Side::Buy, "0.46", shares("10"), gtd(400)));
    let mut out = Vec::new();
    v.advance(T + 199_999, &mut out);
    assert!(out.is_empty());
    v.advance(T + 300_000, &mut out);
    let expired: Vec<_> = out
        .iter()
        .map(|r| match r {
            VenueReport::Closed {
                client_id,
                reason: CloseReason::Expired,
            } => client_id.0,
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(expired, [1, 2, 3]);
    assert_eq!(
        v.resting().map(|(id, _)| id.0).collect::<Vec<_>>(),
        [4],
        "order 4 expires later"
    );

    run(
        &mut v,
        order(5, Side::Buy, "0.47", shares("10"), TimeInForce::Gtc),
    );
    run(
        &mut v,
        order(6, Side::Buy, "0.49", shares("10"), TimeInForce::Gtc),
    );
    run(
        &mut v,
        on_other(order(7, Side::Buy, "0.48", shares("10"), TimeInForce::Gtc)),
    );
    let mut out = Vec::new();
    v.on_trade(T + 300_100, token(), px("0.45"), sz("1000"), &mut out);
    let filled: Vec<_> = out
        .iter()
        .filter_map(|r| match r {
            VenueReport::Fill { client_id, .. } => Some(client_id.0),
            _ => None,
        })
        .collect();
    assert_eq!(filled, [4, 5, 6]);
    assert_eq!(v.resting().map(|(id, _)| id.0).collect::<Vec<_>>(), [7]);
    v.check_indexes();
}
