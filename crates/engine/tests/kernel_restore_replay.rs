//! Crash safety and replay: a kernel rebuilt from what the driver persisted (its `Changes`)
//! resumes with the same ledger, ids, orders and algos, and the simulated venue takes the open
//! orders over; a journal (session header, events, checkpoints) replays to the same decision
//! fingerprint, and an altered event is caught at its checkpoint.

mod common;

use std::collections::BTreeMap;

use common::*;
use polybot_engine::journal::{JournalWriter, Record, read_records};
use polybot_engine::operator::OperatorCommand;
use polybot_engine::orders::algos::AlgoSpec;
use polybot_engine::orders::{
    ClientOrderId, OrderEvent, OrderRequest, OrderState, TimeInForce, TrackedOrder, VenueOrderId,
};
use polybot_engine::replay::{ReplayError, replay};
use polybot_engine::session::{FORMAT, Mode, SessionHeader, SimSetup};
use polybot_engine::sim::{CloseReason, Liquidity, SimConfig, VenueReport};
use polybot_engine::{
    Changes, Decision, Event, Fill, FillStatus, Kernel, RunningAlgo, TradeId, Venue,
};
use polybot_model::{BookSide, Side, Size, TokenId, Usdc};

const OP: &str = "manual:ops";

fn c(n: u64) -> ClientOrderId {
    ClientOrderId(n)
}

/// What a store keeps from the kernel's changes: the fills in order (with their latest status),
/// every order's latest state, the running algos, and the highest id seen.
#[derive(Default)]
struct Store {
    fills: Vec<(Fill, FillStatus)>,
    orders: BTreeMap<ClientOrderId, TrackedOrder>,
    algos: Vec<RunningAlgo>,
    max_id: u64,
}

impl Store {
    fn persist(&mut self, changes: &Changes) {
        self.fills.extend(changes.fills.iter().cloned());
        for (trade, status) in &changes.statuses {
            for (fill, s) in &mut self.fills {
                if &fill.trade_id == trade {
                    *s = *status;
                }
            }
        }
        for order in &changes.orders {
            self.max_id = self.max_id.max(order.request.client_id.0);
            self.orders.insert(order.request.client_id, order.clone());
        }
        if let Some(algos) = &changes.algos {
            for a in algos {
                self.max_id = self.max_id.max(a.id.0);
            }
            self.algos = algos.clone();
        }
    }

    /// The header a restarted paper session starts with.
    fn header(&self, first: &SessionHeader, started_ms: i64, trade_prefix: u64) -> SessionHeader {
        SessionHeader {
            started_ms,
            sim: Some(SimSetup {
                config: SimConfig {
                    latency_ms: LATENCY_MS,
                },
                trade_prefix,
            }),
            fills: self.fills.clone(),
            orders: self
                .orders
                .values()
                .filter(|o| o.state.is_open())
                .cloned()
                .collect(),
            algos: self.algos.clone(),
            next_id: self.max_id + 1,
            ..first.clone()
        }
    }
}

/// Runs events the way a paper driver does, persisting every change.
fn run(k: &mut Kernel<impl Venue>, store: &mut Store, events: &[Event]) -> Vec<Decision> {
    let mut decisions = Vec::new();
    for e in events {
        let changes = drive(k, e);
        store.persist(&changes);
        decisions.extend(changes.decisions);
    }
    decisions
}

/// An acknowledged FAK whose fills and close the crash swallowed (hand-made: the simulated venue
/// acknowledges and finishes a FAK in one step).
fn acked_fak(id: u64, token: TokenId) -> TrackedOrder {
    let mut o = TrackedOrder::new(OrderRequest {
        client_id: c(id),
        account: acct(OP),
        token_id: token,
        side: Side::Buy,
        price: px("0.52"),
        quantity: shares("10"),
        time_in_force: TimeInForce::Fak,
        post_only: false,
    });
    o.apply(OrderEvent::Sent).unwrap();
    o.apply(OrderEvent::Acknowledged {
        venue_id: VenueOrderId(format!("sim-{id}")),
    })
    .unwrap();
    o
}

#[test]
fn a_restarted_paper_session_resumes_from_the_persisted_state() {
    let t = tok(1);
    let first = header(&[t], &[(OP, 1_000), ("other", 50)]);
    let mut a = paper_kernel(&first);
    let mut store = Store::default();
    let d = run(
        &mut a,
        &mut store,
        &[
            standard_book(t, T0),
            // c1: a FAK that fills 20.39 at 0.51.
            op(
                OP,
                place(t, Side::Buy, "0.52", shares("20"), TimeInForce::Fak),
                T0 + 10,
            ),
            // c2: a bid resting behind the 30 at 0.45.
            op(
                OP,
                place(t, Side::Buy, "0.45", shares("10"), TimeInForce::Gtc),
                T0 + 11,
            ),
            tick(T0 + 100),
            // c3: an iceberg for 20 at 0.44 showing 10 (child c4).
            op(
                OP,
                place_algo(
                    t,
                    Side::Buy,
                    "0.44",
                    "20",
                    TimeInForce::Gtc,
                    AlgoSpec::Iceberg { display: sz("10") },
                ),
                T0 + 110,
            ),
            // c5: an offer of part of the position.
            op(
                OP,
                place(t, Side::Sell, "0.60", shares("5"), TimeInForce::Gtc),
                T0 + 120,
            ),
            tick(T0 + 200),
            // c6: a bid the venue has not acknowledged when the process dies; c5's cancel is
            // sent but not confirmed.
            op(
                OP,
                place(t, Side::Buy, "0.40", shares("10"), TimeInForce::Gtc),
                T0 + 300,
            ),
            op(OP, OperatorCommand::Cancel { client_id: c(5) }, T0 + 301),
        ],
    );
    no_anomalies(&d);
    assert_eq!(position(&a, OP, t), sz("20.39"));
    assert_eq!(state_of(&a, c(2)), OrderState::Live);
    assert_eq!(state_of(&a, c(4)), OrderState::Live);
    assert_eq!(state_of(&a, c(5)), OrderState::CancelPending);
    assert_eq!(state_of(&a, c(6)), OrderState::Submitted { unknown: false });
    assert_eq!(a.next_id(), 7);

    // The crash. The restarted session starts from the store, with a new trade-id prefix.
    let mut restart = store.header(&first, T0 + 1_000, 2);
    assert_eq!(restart.next_id, 7);
    let acked: Vec<_> = restart.orders.iter().map(|o| o.request.client_id).collect();
    assert_eq!(acked, vec![c(2), c(4), c(5), c(6)]);
    restart.orders.push(acked_fak(7, t));
    // Orders up to c11 were sent and finished before the crash (they are no longer open).
    restart.next_id = 12;
    // The header survives the journal's encoding.
    let json = serde_json::to_string(&Record::Session(Box::new(restart.clone()))).unwrap();
    assert_eq!(
        serde_json::from_str::<Record>(&json).unwrap(),
        Record::Session(Box::new(restart.clone()))
    );

    let mut b = paper_kernel(&restart);
    assert_eq!(b.ledger(), a.ledger(), "the ledger is rebuilt exactly");
    assert_eq!(b.next_id(), 12);
    assert_eq!(
        b.algos().cloned().collect::<Vec<_>>(),
        a.algos().cloned().collect::<Vec<_>>()
    );
    for id in [2, 4, 5, 6] {
        assert_eq!(b.orders()[&c(id)], a.orders()[&c(id)], "c{id}");
    }
    let mut resting: Vec<_> = b.venue().resting().collect();
    resting.sort();
    assert_eq!(
        resting,
        vec![(c(2), sz("10")), (c(4), sz("10")), (c(5), sz("5"))],
        "acknowledged resting orders rest again"
    );

    let d = step(&mut b, &standard_book(t, T0 + 1_000));
    no_anomalies(&d);
    assert!(d.contains(&Decision::Closed {
        client_id: c(5),
        reason: CloseReason::Cancelled
    }));
    assert!(d.contains(&Decision::Closed {
        client_id: c(7),
        reason: CloseReason::Killed
    }));
    assert_eq!(state_of(&b, c(5)), OrderState::Cancelled);
    assert_eq!(state_of(&b, c(7)), OrderState::Cancelled);
    assert!(
        matches!(state_of(&b, c(6)), OrderState::Rejected { .. }),
        "never acknowledged: not found at the venue, {:?}",
        state_of(&b, c(6))
    );
    assert_eq!(state_of(&b, c(2)), OrderState::Live);

    // New ids continue past everything used before the crash.
    let d = step(
        &mut b,
        &op(
            OP,
            place(t, Side::Buy, "0.30", shares("10"), TimeInForce::Gtc),
            T0 + 1_010,
        ),
    );
    assert_eq!(placed(&d), vec![(c(12), sz("10"), "manual".to_owned())]);

    // The restored bid is at the back of the queue at 0.45: the 30 ahead trade first.
    let d = step(&mut b, &trade(t, "0.45", "30", T0 + 1_100));
    assert!(filled_size(&d, c(2)).is_zero(), "{d:#?}");
    let d = step(&mut b, &trade(t, "0.45", "10", T0 + 1_200));
    assert_eq!(filled_size(&d, c(2)), sz("10"));
    assert_eq!(state_of(&b, c(2)), OrderState::Filled);
    assert_eq!(
        position(&b, OP, t),
        sz("30.39"),
        "a new trade id, not a duplicate"
    );

    // The restored iceberg refills after its restored child fills, with a fresh id.
    let d = step(&mut b, &trade(t, "0.43", "10", T0 + 1_300));
    assert_eq!(filled_size(&d, c(4)), sz("10"));
    assert_eq!(placed(&d), vec![(c(13), sz("10"), "manual".to_owned())]);
    step(&mut b, &tick(T0 + 1_400));
    let d = step(&mut b, &trade(t, "0.43", "10", T0 + 1_500));
    assert_eq!(filled_size(&d, c(13)), sz("10"));
    assert!(d.contains(&Decision::AlgoDone {
        id: c(3),
        code: "completed".to_owned()
    }));
    assert_eq!(position(&b, OP, t), sz("50.39"));
    let trades: Vec<_> = d
        .iter()
        .filter_map(|d| match d {
            Decision::Filled { trade_id, .. } => Some(trade_id.clone()),
            _ => None,
        })
        .collect();
    assert!(
        trades.iter().all(|t| t.starts_with("simtrade-2-")),
        "{trades:?}"
    );
}

#[test]
fn a_restored_twap_keeps_its_schedule_and_does_not_resend_slices() {
    let t = tok(1);
    let first = header(&[t], &[(OP, 1_000)]);
    let mut a = paper_kernel(&first);
    let mut store = Store::default();
    let start = T0 + 1_000;
    run(
        &mut a,
        &mut store,
        &[
            standard_book(t, T0),
            // 20 shares in 4 resting slices of 5 at 0.45, due at +0, +1000, +2000, +3000.
            op(
                OP,
                place_algo(
                    t,
                    Side::Buy,
                    "0.45",
                    "20",
                    TimeInForce::Gtc,
                    AlgoSpec::Twap {
                        slices: 4,
                        duration_ms: 4_000,
                    },
                ),
                start,
            ),
            tick(start + 1_000),
            tick(start + 1_100),
        ],
    );
    assert_eq!(open_ids(&a, OP), vec![c(2), c(3)]);

    let restart = store.header(&first, start + 1_500, 2);
    let mut b = paper_kernel(&restart);
    assert_eq!(b.next_id(), 4);
    let mut sent = Vec::new();
    let mut now = start + 1_500;
    while now < start + 5_000 {
        now += 100;
        let d = step(&mut b, &tick(now));
        no_anomalies(&d);
        for (id, size, _) in placed(&d) {
            sent.push((now - start, id, size));
        }
    }
    assert_eq!(
        sent,
        vec![(2_000, c(4), sz("5")), (3_000, c(5), sz("5"))],
        "the two remaining slices, on time"
    );
    let d = step(
        &mut b,
        &op(
            OP,
            OperatorCommand::Cancel { client_id: c(1) },
            start + 5_100,
        ),
    );
    assert_eq!(d.len(), 4, "all four children are cancelled: {d:#?}");
    let d = step(&mut b, &tick(start + 5_200));
    assert!(d.contains(&Decision::AlgoDone {
        id: c(1),
        code: "cancelled".to_owned()
    }));
}

/// Writes a journal the way a driver does: the header, then every event, with a checkpoint
/// after each event that produced decisions. Returns the final fingerprint.
fn write_journal<V: Venue>(
    path: &std::path::Path,
    header: &SessionHeader,
    k: &mut Kernel<V>,
    events: &[Event],
) -> polybot_engine::Fingerprint {
    let mut journal = JournalWriter::open(path).unwrap();
    journal.session(header).unwrap();
    for (n, e) in events.iter().enumerate() {
        journal.append(e).unwrap();
        let changes = drive(k, e);
        no_anomalies(&changes.decisions);
        if !changes.decisions.is_empty() {
            journal.check(n as u64 + 1, k.fingerprint()).unwrap();
        }
    }
    journal.flush().unwrap();
    k.fingerprint()
}

/// A paper session's events: takers, resting bids, a TWAP and an iceberg, cancels.
fn paper_events(t: TokenId) -> Vec<Event> {
    vec![
        standard_book(t, T0),
        op(
            OP,
            place(t, Side::Buy, "0.52", shares("20"), TimeInForce::Fak),
            T0 + 10,
        ),
        op(
            OP,
            place(t, Side::Buy, "0.45", shares("10"), TimeInForce::Gtc),
            T0 + 20,
        ),
        tick(T0 + 100), // 4: the FAK fills
        op(
            OP,
            place_algo(
                t,
                Side::Buy,
                "0.44",
                "25",
                TimeInForce::Gtc,
                AlgoSpec::Iceberg { display: sz("10") },
            ),
            T0 + 110,
        ),
        op(
            OP,
            place_algo(
                t,
                Side::Buy,
                "0.51",
                "6",
                TimeInForce::Gtc,
                AlgoSpec::Twap {
                    slices: 3,
                    duration_ms: 600,
                },
            ),
            T0 + 120,
        ),
        tick(T0 + 200),
        trade(t, "0.45", "25", T0 + 300),
        level(t, BookSide::Bid, "0.45", "2", T0 + 310),
        trade(t, "0.45", "9", T0 + 400), // 10: fills 7 of the 0.45 bid
        tick(T0 + 520),
        trade(t, "0.43", "100", T0 + 600), // 12: fills the 0.45 bid and an iceberg child
        tick(T0 + 720),
        trade(t, "0.43", "100", T0 + 800),
        op(OP, OperatorCommand::Cancel { client_id: c(3) }, T0 + 810),
        op(OP, OperatorCommand::Cancel { client_id: c(99) }, T0 + 811),
        tick(T0 + 900),
        tick(T0 + 2_000),
    ]
}

#[test]
fn a_paper_journal_replays_to_the_same_fingerprint_and_an_altered_event_is_caught() {
    let t = tok(1);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal/session.jsonl");
    let header = header(&[t], &[(OP, 1_000)]);
    let mut k = paper_kernel(&header);
    let events = paper_events(t);
    let fingerprint = write_journal(&path, &header, &mut k, &events);
    assert!(fingerprint.decisions > 20, "{fingerprint}");
    assert_eq!(k.algos().count(), 0);

    let records = read_records(&path).unwrap();
    assert_eq!(records[0], Record::Session(Box::new(header.clone())));
    let checkpoints = records
        .iter()
        .filter(|r| matches!(r, Record::Check { .. }))
        .count() as u64;
    let report = replay(&records).unwrap();
    assert_eq!(report.mismatch, None);
    assert_eq!(report.mode, Mode::Paper);
    assert_eq!(report.events, events.len() as u64);
    assert_eq!(report.checkpoints, checkpoints);
    assert_eq!(report.fingerprint, fingerprint);
    assert_eq!(report.recorded, Some(fingerprint));

    // The trade that fills the 0.45 bid and the iceberg's child prints above both instead.
    let altered_trade = alter(&records, 12, |e| {
        if let Event::Trade { price, .. } = e {
            *price = px("0.46");
        }
    });
    let mismatch = replay(&altered_trade).unwrap().mismatch.expect("caught");
    assert_eq!(mismatch.after_events, 12);
    assert_ne!(mismatch.recorded, mismatch.replayed);

    // A smaller trade at 0.45: still no fill of ours behind the queue, but after the level
    // shrank the next trade fills less.
    let altered_size = alter(&records, 10, |e| {
        if let Event::Trade { size, .. } = e {
            *size = sz("8");
        }
    });
    let mismatch = replay(&altered_size).unwrap().mismatch.expect("caught");
    assert_eq!(mismatch.after_events, 10);

    // A thinner offer at 0.51 in the first book: the FAK fills differently when it arrives.
    let altered_book = alter(&records, 1, |e| {
        if let Event::Book { asks, .. } = e {
            asks[0].size = sz("5");
        }
    });
    let report = replay(&altered_book).unwrap();
    let mismatch = report.mismatch.expect("caught");
    assert_eq!(mismatch.after_events, 4, "the tick that delivers the FAK");
    assert_ne!(report.fingerprint, fingerprint);

    // No header, or a header of another format.
    assert!(matches!(replay(&records[1..]), Err(ReplayError::NoHeader)));
    assert!(matches!(replay(&[]), Err(ReplayError::NoHeader)));
    let mut future = records.clone();
    if let Record::Session(h) = &mut future[0] {
        h.format = FORMAT + 1;
    }
    assert!(matches!(
        replay(&future),
        Err(ReplayError::Format { found }) if found == FORMAT + 1
    ));
}

/// The records with the `n`-th event (1-based) changed.
fn alter(records: &[Record], n: usize, change: impl Fn(&mut Event)) -> Vec<Record> {
    let mut records = records.to_vec();
    let record = records
        .iter_mut()
        .filter(|r| matches!(r, Record::Event(_)))
        .nth(n - 1)
        .unwrap();
    if let Record::Event(e) = record {
        let before = e.clone();
        change(e);
        assert_ne!(*e, before, "event {n} was not altered");
    }
    records
}

#[test]
fn a_restarted_sessions_journal_replays_from_its_header() {
    let t = tok(1);
    let first = header(&[t], &[(OP, 1_000)]);
    let mut a = paper_kernel(&first);
    let mut store = Store::default();
    let events = paper_events(t);
    run(&mut a, &mut store, &events[..8]);
    assert!(a.algos().count() > 0 && !open_ids(&a, OP).is_empty());

    let restart = store.header(&first, T0 + 250, 2);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("restart.jsonl");
    let mut b = paper_kernel(&restart);
    let fingerprint = write_journal(&path, &restart, &mut b, &events[8..]);
    assert!(fingerprint.decisions > 5);
    let report = replay(&read_records(&path).unwrap()).unwrap();
    assert_eq!(report.mismatch, None);
    assert_eq!(report.fingerprint, fingerprint);
}

/// A live venue stand-in: records what is sent; the answers come back as `Event::Venue`.
#[derive(Default)]
struct Outbox {
    submitted: Vec<OrderRequest>,
    cancelled: Vec<ClientOrderId>,
}

impl Venue for Outbox {
    fn submit(&mut self, _now_ms: i64, order: &OrderRequest) {
        self.submitted.push(order.clone());
    }
    fn cancel(&mut self, _now_ms: i64, client_id: ClientOrderId) {
        self.cancelled.push(client_id);
    }
    fn on_market(&mut self, _now_ms: i64, _event: &Event, _out: &mut Vec<VenueReport>) {}
    fn poll(&mut self, _now_ms: i64, _out: &mut Vec<VenueReport>) {}
}

fn venue(report: VenueReport, ts: i64) -> Event {
    Event::Venue { report, ts }
}

fn ack(id: u64, ts: i64) -> Event {
    venue(
        VenueReport::Acknowledged {
            client_id: c(id),
            venue_id: VenueOrderId(format!("0x{id}")),
        },
        ts,
    )
}

fn fill(id: u64, trade: &str, size: &str, ts: i64) -> Event {
    fill_at(id, trade, Side::Buy, "0.51", size, ts)
}

fn fill_at(id: u64, trade: &str, side: Side, price: &str, size: &str, ts: i64) -> Event {
    venue(
        VenueReport::Fill {
            client_id: c(id),
            trade_id: trade.to_owned(),
            token_id: tok(1),
            side,
            price: px(price),
            size: sz(size),
            fee: Usdc::parse("0.01").unwrap(),
            liquidity: Liquidity::Taker,
            status: FillStatus::Matched,
            timestamp_ms: ts,
        },
        ts,
    )
}

fn closed(id: u64, reason: CloseReason, ts: i64) -> Event {
    venue(
        VenueReport::Closed {
            client_id: c(id),
            reason,
        },
        ts,
    )
}

#[test]
fn a_live_journal_replays_with_the_recorded_venue_reports() {
    let t = tok(1);
    let mut header = header(&[t], &[(OP, 1_000)]);
    header.mode = Mode::Live;
    header.sim = None;
    let events = vec![
        standard_book(t, T0),
        op(
            OP,
            place(t, Side::Buy, "0.52", shares("10"), TimeInForce::Fak),
            T0 + 10,
        ),
        ack(1, T0 + 60),
        fill(1, "trade-1", "10", T0 + 61), // 4
        closed(1, CloseReason::Filled, T0 + 62),
        venue(
            VenueReport::TradeStatus {
                trade_id: "trade-1".into(),
                status: FillStatus::Confirmed,
            },
            T0 + 5_000,
        ),
        op(
            OP,
            place(t, Side::Buy, "0.40", shares("10"), TimeInForce::Gtc),
            T0 + 5_010,
        ),
        ack(2, T0 + 5_060),
        op(OP, OperatorCommand::Cancel { client_id: c(2) }, T0 + 5_100),
        closed(2, CloseReason::Cancelled, T0 + 5_150),
        // A TWAP of FAK slices: 6 shares in 2 slices, 1 s apart (algo c3, children c4, c5).
        op(
            OP,
            place_algo(
                t,
                Side::Buy,
                "0.52",
                "6",
                TimeInForce::Fak,
                AlgoSpec::Twap {
                    slices: 2,
                    duration_ms: 1_000,
                },
            ),
            T0 + 6_000,
        ),
        ack(4, T0 + 6_050),
        fill(4, "trade-2", "3", T0 + 6_051),
        closed(4, CloseReason::Filled, T0 + 6_052),
        Event::Tick { ts: T0 + 7_000 },
        ack(5, T0 + 7_050),
        fill(5, "trade-3", "3", T0 + 7_051),
        closed(5, CloseReason::Filled, T0 + 7_052),
        // A FAK SELL of shares is done with its last fill; the venue's close comes after the
        // driver pruned it and decides nothing (a replay must prune the same way).
        op(
            OP,
            place(t, Side::Sell, "0.45", shares("5"), TimeInForce::Fak),
            T0 + 8_000,
        ),
        ack(6, T0 + 8_050),
        fill_at(6, "trade-4", Side::Sell, "0.45", "5", T0 + 8_051),
        closed(6, CloseReason::Filled, T0 + 8_052),
    ];
    let mut k = header.build_kernel(Outbox::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.jsonl");
    let (last, before_last) = events.split_last().unwrap();
    write_journal(&path, &header, &mut k, before_last);
    let before = k.fingerprint();
    assert!(!k.orders().contains_key(&c(6)), "pruned once filled");
    let mut journal = JournalWriter::open(&path).unwrap();
    journal.append(last).unwrap();
    journal.flush().unwrap();
    let changes = drive(&mut k, last);
    assert!(changes.is_empty(), "{changes:#?}");
    let fingerprint = k.fingerprint();
    assert_eq!(fingerprint, before);
    let sent: Vec<_> = k.venue().submitted.iter().map(|o| o.client_id).collect();
    assert_eq!(sent, vec![c(1), c(2), c(4), c(5), c(6)]);
    assert_eq!(k.venue().cancelled, vec![c(2)]);
    assert_eq!(position(&k, OP, t), sz("11"));
    assert_eq!(k.algos().count(), 0);

    let records = read_records(&path).unwrap();
    let report = replay(&records).unwrap();
    assert_eq!(report.mode, Mode::Live);
    assert_eq!(report.mismatch, None);
    assert_eq!(report.fingerprint, fingerprint);
    assert_eq!(report.events, events.len() as u64);

    // A venue report that says something else is caught where it was recorded.
    let altered = alter(&records, 4, |e| {
        if let Event::Venue {
            report: VenueReport::Fill { size, .. },
            ..
        } = e
        {
            *size = sz("9");
        }
    });
    let mismatch = replay(&altered).unwrap().mismatch.expect("caught");
    assert_eq!(mismatch.after_events, 4);

    // The same journal replayed as a paper session would also match its simulated venue's
    // fills against the book and diverge: the mode decides the venue.
    let mut as_paper = records.clone();
    if let Record::Session(h) = &mut as_paper[0] {
        h.mode = Mode::Paper;
    }
    assert!(replay(&as_paper).unwrap().mismatch.is_some());
}

#[test]
fn a_ledger_with_confirmed_history_is_rebuilt_from_the_header() {
    // The header's fills carry their latest status; the ledger it builds equals the one that
    // saw MATCHED then CONFIRMED.
    let t = tok(1);
    let mut header = header(&[t], &[(OP, 1_000)]);
    header.mode = Mode::Live;
    header.sim = None;
    let mut k = header.build_kernel(Outbox::default()).unwrap();
    let mut store = Store::default();
    run(
        &mut k,
        &mut store,
        &[
            standard_book(t, T0),
            op(
                OP,
                place(t, Side::Buy, "0.52", shares("10"), TimeInForce::Fak),
                T0 + 10,
            ),
            ack(1, T0 + 60),
            fill(1, "trade-1", "10", T0 + 61),
            closed(1, CloseReason::Filled, T0 + 62),
            venue(
                VenueReport::TradeStatus {
                    trade_id: "trade-1".into(),
                    status: FillStatus::Confirmed,
                },
                T0 + 5_000,
            ),
        ],
    );
    assert_eq!(store.fills.len(), 1);
    assert_eq!(store.fills[0].1, FillStatus::Confirmed);
    assert_eq!(store.fills[0].0.trade_id, TradeId("trade-1".into()));
    let restart = store.header(&header, T0 + 6_000, 0);
    let restored = restart.ledger().unwrap();
    let (before, after) = (
        k.ledger().account(&acct(OP)).unwrap().state(),
        restored.account(&acct(OP)).unwrap().state(),
    );
    assert_eq!(before, after);
    assert_eq!(after.positions[&t].confirmed, Size::shares(10));
}

#[test]
fn a_cancel_asked_before_the_acknowledgement_survives_a_restart() {
    let t = tok(1);
    let mut header = header(&[t], &[(OP, 1_000)]);
    header.mode = Mode::Live;
    header.sim = None;
    let mut store = Store::default();
    let mut k = header.build_kernel(Outbox::default()).unwrap();
    run(
        &mut k,
        &mut store,
        &[
            standard_book(t, T0),
            op(
                OP,
                place(t, Side::Buy, "0.40", shares("10"), TimeInForce::Gtc),
                T0 + 10,
            ),
            op(OP, OperatorCommand::Cancel { client_id: c(1) }, T0 + 20),
        ],
    );
    assert!(k.venue().cancelled.is_empty(), "not at the venue yet");
    assert!(
        store.orders[&c(1)].cancel_requested,
        "the request is stored"
    );

    // The process dies here; the restarted kernel learns from reconciliation that the order is
    // live at the venue, and keeps the promise.
    let restarted = SessionHeader {
        orders: store.orders.values().cloned().collect(),
        next_id: store.max_id + 1,
        ..header.clone()
    };
    let mut k = restarted.build_kernel(Outbox::default()).unwrap();
    let decisions = run(
        &mut k,
        &mut store,
        &[standard_book(t, T0 + 1_000), ack(1, T0 + 1_010)],
    );
    assert_eq!(decisions, vec![Decision::CancelSent { client_id: c(1) }]);
    assert_eq!(k.venue().cancelled, vec![c(1)]);
    assert!(!store.orders[&c(1)].cancel_requested, "done once");
}
