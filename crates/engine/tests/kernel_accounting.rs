//! The kernel's books against the venue's: a fill the venue reports for an order the kernel
//! already closed and pruned still lands in the owner's ledger, and a SELL is covered by the
//! position in its own token only, whatever rests on the account's other tokens.

mod common;

use common::*;
use polybot_engine::operator::OperatorCommand;
use polybot_engine::orders::{ClientOrderId, Quantity, TimeInForce};
use polybot_engine::sim::{CloseReason, Liquidity, SimVenue, VenueReport};
use polybot_engine::{Decision, Event, FillStatus, Kernel};
use polybot_model::{Side, Size, TokenId, Usdc};

const OP: &str = "manual:ops";
const OTHER: &str = "other";

fn c(n: u64) -> ClientOrderId {
    ClientOrderId(n)
}

fn venue(report: VenueReport, ts: i64) -> Event {
    Event::Venue { report, ts }
}

fn late_fill(client_id: ClientOrderId, trade_id: &str, token: TokenId, ts: i64) -> VenueReport {
    VenueReport::Fill {
        client_id,
        trade_id: trade_id.to_owned(),
        token_id: token,
        side: Side::Buy,
        price: px("0.40"),
        size: sz("10"),
        fee: usdc("0.05"),
        liquidity: Liquidity::Maker,
        status: FillStatus::Matched,
        timestamp_ms: ts,
    }
}

fn anomalies(decisions: &[Decision]) -> Vec<&str> {
    decisions
        .iter()
        .filter_map(|d| match d {
            Decision::Anomaly { detail } => Some(detail.as_str()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_fill_for_a_pruned_order_is_booked_to_its_account_and_flagged() {
    let t = tok(1);
    let mut k = paper_kernel(&header(&[t], &[(OP, 1_000), (OTHER, 1_000)]));
    drive(&mut k, &standard_book(t, T0));
    let bid = place(t, Side::Buy, "0.40", shares("10"), TimeInForce::Gtc);
    drive(&mut k, &op(OTHER, bid, T0 + 1)); // c1
    drive(&mut k, &tick(T0 + 100));
    let cancel = OperatorCommand::Cancel { client_id: c(1) };
    drive(&mut k, &op(OTHER, cancel, T0 + 200));
    let ch = drive(&mut k, &tick(T0 + 300));
    assert!(ch.decisions.contains(&Decision::Closed {
        client_id: c(1),
        reason: CloseReason::Cancelled
    }));
    assert!(k.orders().is_empty(), "the cancelled order was pruned");

    // The venue reports a trade for the order we saw cancelled.
    let ch = drive(
        &mut k,
        &venue(late_fill(c(1), "late-1", t, T0 + 400), T0 + 400),
    );
    let flagged = anomalies(&ch.decisions);
    assert_eq!(flagged.len(), 1, "{:#?}", ch.decisions);
    assert!(
        flagged[0].contains("closed order c1") && flagged[0].contains(OTHER),
        "{flagged:?}"
    );
    assert_eq!(filled_size(&ch.decisions, c(1)), sz("10"));
    let [(fill, FillStatus::Matched)] = ch.fills.as_slice() else {
        panic!("{:#?}", ch.fills)
    };
    assert_eq!(fill.account, acct(OTHER), "persisted for the owner");
    assert_eq!(
        (fill.token_id, fill.side, fill.size),
        (t, Side::Buy, sz("10"))
    );

    let state = k.ledger().account(&acct(OTHER)).unwrap().state().clone();
    assert_eq!(state.positions[&t].size, sz("10"));
    assert_eq!(state.fees, usdc("0.05"));
    assert_eq!(
        state.cash,
        Usdc::dollars(1_000).saturating_sub(usdc("4.05"))
    );
    assert_eq!(
        cash(&k, OP),
        Usdc::dollars(1_000),
        "other accounts untouched"
    );
    assert_eq!(position(&k, OP, t), Size::ZERO);

    // Its settlement moves on like any trade's, and a late close is no news.
    let confirmed = VenueReport::TradeStatus {
        trade_id: "late-1".to_owned(),
        status: FillStatus::Confirmed,
    };
    let ch = drive(&mut k, &venue(confirmed, T0 + 500));
    no_anomalies(&ch.decisions);
    assert_eq!(ch.statuses.len(), 1);
    let state = k.ledger().account(&acct(OTHER)).unwrap().state().clone();
    assert_eq!(state.positions[&t].confirmed, sz("10"));
    let closed = VenueReport::Closed {
        client_id: c(1),
        reason: CloseReason::Filled,
    };
    assert!(drive(&mut k, &venue(closed, T0 + 600)).is_empty());

    // A fill for an order the kernel never had is flagged and books nothing.
    let ch = drive(
        &mut k,
        &venue(late_fill(c(77), "stray-1", t, T0 + 700), T0 + 700),
    );
    assert_eq!(anomalies(&ch.decisions).len(), 1, "{:#?}", ch.decisions);
    assert!(ch.fills.is_empty());
    assert_eq!(position(&k, OTHER, t), sz("10"));
    assert_eq!(position(&k, OP, t), Size::ZERO);
}

fn sell(token: TokenId, size: &str) -> OperatorCommand {
    place(token, Side::Sell, "0.60", shares(size), TimeInForce::Gtc)
}

fn outcome(decisions: &[Decision]) -> Result<ClientOrderId, String> {
    match decisions {
        [Decision::Placed { order, .. }] => Ok(order.client_id),
        [Decision::Refused { code, .. }] => Err(code.clone()),
        other => panic!("{other:#?}"),
    }
}

#[test]
fn a_sell_is_covered_by_its_own_tokens_position_only() {
    let (a, b) = (tok(1), tok(2));
    let mut k = paper_kernel(&header(&[a, b], &[(OP, 1_000)]));
    // Buy 20 of each token as a maker: resting bids filled by trades through them.
    for (i, t) in [a, b].into_iter().enumerate() {
        let ts = T0 + 1_000 * i as i64;
        step(&mut k, &standard_book(t, ts));
        let bid = place(t, Side::Buy, "0.45", shares("20"), TimeInForce::Gtc);
        step(&mut k, &op(OP, bid, ts + 1));
        step(&mut k, &tick(ts + 100));
        step(&mut k, &trade(t, "0.44", "100", ts + 200));
        assert_eq!(position(&k, OP, t), sz("20"));
    }
    let mut ts = T0 + 5_000;
    let mut sell_now = |k: &mut Kernel<SimVenue>, token, size| {
        ts += 1;
        outcome(&step(k, &op(OP, sell(token, size), ts)))
    };

    // All of A offered: A's position is committed, B's is not.
    let resting_a = sell_now(&mut k, a, "20").expect("A's position covers it");
    assert_eq!(
        sell_now(&mut k, a, "5"),
        Err("insufficient_position".to_owned())
    );
    assert_eq!(
        sell_now(&mut k, b, "20.01"),
        Err("insufficient_position".to_owned()),
        "no more than B's position"
    );
    let first_b = sell_now(&mut k, b, "15").expect("B's position covers it");
    assert_eq!(
        sell_now(&mut k, b, "6"),
        Err("insufficient_position".to_owned()),
        "B's own open sell counts"
    );
    let second_b = sell_now(&mut k, b, "5").expect("up to B's position");
    assert_eq!(
        sell_now(&mut k, b, "5"),
        Err("insufficient_position".to_owned())
    );

    // Cancelling A's sell frees A only.
    step(&mut k, &tick(T0 + 6_000));
    let cancel = OperatorCommand::Cancel {
        client_id: resting_a,
    };
    step(&mut k, &op(OP, cancel, T0 + 6_100));
    step(&mut k, &tick(T0 + 6_200));
    let sell_now = |k: &mut Kernel<SimVenue>, token, size| {
        outcome(&step(k, &op(OP, sell(token, size), T0 + 6_300)))
    };
    assert_eq!(
        sell_now(&mut k, b, "5"),
        Err("insufficient_position".to_owned())
    );
    assert!(sell_now(&mut k, a, "20").is_ok());
    let open = open_ids(&k, OP);
    assert!(
        open.contains(&first_b) && open.contains(&second_b),
        "{open:?}"
    );
    let committed: Size = k
        .orders()
        .values()
        .filter(|o| o.state.is_open() && o.request.token_id == b)
        .map(|o| match o.request.quantity {
            Quantity::Shares(s) => s,
            Quantity::Usdc(_) => Size::ZERO,
        })
        .fold(Size::ZERO, Size::saturating_add);
    assert_eq!(committed, sz("20"));
}
