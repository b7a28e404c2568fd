//! Orders that closed before a restart: the session header lists them, the kernel built from it
//! remembers them as if it had pruned them itself, so a fill the venue reports late is still
//! booked to its owner (and flagged), and a replay of the journal decides the same.

mod common;

use common::*;
use polybot_engine::journal::Record;
use polybot_engine::orders::ClientOrderId;
use polybot_engine::replay::replay;
use polybot_engine::session::SessionHeader;
use polybot_engine::sim::{CloseReason, Liquidity, VenueReport};
use polybot_engine::{ClosedOrder, Decision, Event, FillStatus};
use polybot_model::{Side, Size, TokenId, Usdc};

const OP: &str = "manual:ops";
const OTHER: &str = "other";

fn c(n: u64) -> ClientOrderId {
    ClientOrderId(n)
}

fn venue(report: VenueReport, ts: i64) -> Event {
    Event::Venue { report, ts }
}

fn late_fill(client_id: ClientOrderId, token: TokenId, ts: i64) -> Event {
    let report = VenueReport::Fill {
        client_id,
        trade_id: "late-1".to_owned(),
        token_id: token,
        side: Side::Buy,
        price: px("0.40"),
        size: sz("10"),
        fee: usdc("0.05"),
        liquidity: Liquidity::Maker,
        status: FillStatus::Matched,
        timestamp_ms: ts,
    };
    venue(report, ts)
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

/// A restarted session whose store remembered `c1`, a BUY of `t` by `OTHER` that was cancelled
/// before the restart.
fn restarted(t: TokenId) -> SessionHeader {
    SessionHeader {
        next_id: 2,
        closed_orders: vec![ClosedOrder {
            client_id: c(1),
            account: acct(OTHER),
            token: t,
            side: Side::Buy,
        }],
        ..header(&[t], &[(OP, 1_000), (OTHER, 1_000)])
    }
}

#[test]
fn a_late_fill_for_an_order_closed_before_the_restart_is_booked_and_flagged() {
    let t = tok(1);
    let mut k = paper_kernel(&restarted(t));
    assert!(k.orders().is_empty(), "closed orders are not tracked");

    let ch = drive(&mut k, &late_fill(c(1), t, T0 + 100));
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
    assert_eq!(position(&k, OTHER, t), sz("10"));
    assert_eq!(
        cash(&k, OTHER),
        Usdc::dollars(1_000).saturating_sub(usdc("4.05"))
    );
    assert_eq!(position(&k, OP, t), Size::ZERO, "other accounts untouched");

    // The venue confirming the close again is no news.
    let closed = VenueReport::Closed {
        client_id: c(1),
        reason: CloseReason::Cancelled,
    };
    assert!(drive(&mut k, &venue(closed, T0 + 200)).is_empty());
}

#[test]
fn without_the_closed_order_the_late_fill_is_only_flagged() {
    let t = tok(1);
    let header = SessionHeader {
        closed_orders: Vec::new(),
        ..restarted(t)
    };
    let mut k = paper_kernel(&header);
    let ch = drive(&mut k, &late_fill(c(1), t, T0 + 100));
    let flagged = anomalies(&ch.decisions);
    assert!(
        flagged.len() == 1 && flagged[0].contains("report for unknown order c1"),
        "{flagged:?}"
    );
    assert!(ch.fills.is_empty());
    assert_eq!(position(&k, OTHER, t), Size::ZERO);
}

#[test]
fn the_header_round_trips_and_a_replay_books_the_same_late_fill() {
    let t = tok(1);
    let header = restarted(t);
    let json = serde_json::to_string(&header).unwrap();
    assert!(json.contains("\"closed_orders\""), "{json}");
    let back: SessionHeader = serde_json::from_str(&json).unwrap();
    assert_eq!(back, header);

    // The run, journaled as a driver does; the replay must remember c1 too.
    let mut k = paper_kernel(&header);
    let event = late_fill(c(1), t, T0 + 100);
    drive(&mut k, &event);
    let records = vec![
        Record::Session(Box::new(back)),
        Record::Event(event),
        Record::Check {
            events: 1,
            fingerprint: k.fingerprint(),
        },
    ];
    let report = replay(&records).unwrap();
    assert_eq!(report.mismatch, None);
    assert_eq!(report.fingerprint, k.fingerprint());
}

#[test]
fn a_header_without_closed_orders_reads_and_writes_as_before() {
    let t = tok(1);
    // A header written before closed orders were recorded has no `closed_orders` key.
    let mut old = serde_json::to_value(restarted(t)).unwrap();
    old.as_object_mut().unwrap().remove("closed_orders");
    let read: SessionHeader = serde_json::from_value(old.clone()).unwrap();
    assert!(read.closed_orders.is_empty());
    // ... and a session without any still writes none, byte for byte the old header.
    assert_eq!(serde_json::to_value(&read).unwrap(), old);
}
