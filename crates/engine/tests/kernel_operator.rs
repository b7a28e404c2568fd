//! Manual trading through the kernel: operator commands become orders (or algos) under the same
//! rules and funds checks as a strategy's intents, cancels are scoped to the operator's account,
//! and the kernel-hosted TWAP and iceberg work a parent order through child orders.

mod common;

use common::*;
use polybot_engine::operator::OperatorCommand;
use polybot_engine::orders::algos::AlgoSpec;
use polybot_engine::orders::{ClientOrderId, OrderState, Quantity, TimeInForce};
use polybot_engine::sim::CloseReason;
use polybot_engine::{Decision, FillStatus};
use polybot_model::amounts::taker_fee;
use polybot_model::{BookSide, Side, Size, Usdc};

const OP: &str = "manual:ops";

fn c(n: u64) -> ClientOrderId {
    ClientOrderId(n)
}

#[test]
fn manual_orders_are_placed_checked_and_filled_into_the_ledger() {
    let t = tok(1);
    let mut k = paper_kernel(&header(&[t], &[(OP, 1_000), ("other", 100)]));
    assert!(step(&mut k, &standard_book(t, T0)).is_empty());

    // A resting GTC bid below the ask.
    let d = step(
        &mut k,
        &op(
            OP,
            place(t, Side::Buy, "0.40", shares("10"), TimeInForce::Gtc),
            T0 + 10,
        ),
    );
    let [Decision::Placed { order, reason }] = d.as_slice() else {
        panic!("{d:#?}")
    };
    assert_eq!(reason, "manual");
    assert_eq!(order.client_id, c(1));
    assert_eq!(order.account, acct(OP));
    assert_eq!(
        (order.token_id, order.side, order.price, order.quantity),
        (t, Side::Buy, px("0.40"), shares("10"))
    );
    assert_eq!(order.time_in_force, TimeInForce::Gtc);
    assert_eq!(state_of(&k, c(1)), OrderState::Submitted { unknown: false });

    // A marketable FAK BUY, and a market BUY sized in USDC.
    let d = step(
        &mut k,
        &op(
            OP,
            place(t, Side::Buy, "0.52", shares("20"), TimeInForce::Fak),
            T0 + 11,
        ),
    );
    assert_eq!(placed(&d), vec![(c(2), sz("20"), "manual".to_owned())]);
    let d = step(
        &mut k,
        &op(
            OP,
            place(
                t,
                Side::Buy,
                "0.52",
                Quantity::Usdc(Usdc::dollars(5)),
                TimeInForce::Fak,
            ),
            T0 + 12,
        ),
    );
    assert!(
        matches!(d.as_slice(), [Decision::Placed { order, reason }]
            if order.client_id == c(3) && order.quantity == Quantity::Usdc(Usdc::dollars(5)) && reason == "manual"),
        "{d:#?}"
    );

    // Commands that break the venue's rules or the account's funds are refused with a code and
    // use no order id.
    let refusals: Vec<(OperatorCommand, &str)> = vec![
        (
            place(t, Side::Buy, "0.405", shares("10"), TimeInForce::Gtc),
            "off_tick",
        ),
        (
            place(t, Side::Buy, "0.40", shares("4"), TimeInForce::Gtc),
            "below_min_size",
        ),
        (
            place(t, Side::Buy, "0.52", shares("1"), TimeInForce::Fak),
            "below_min_notional",
        ),
        (
            place(t, Side::Buy, "0.40", shares("3000"), TimeInForce::Gtc),
            "insufficient_cash",
        ),
        (
            place(t, Side::Sell, "0.60", shares("10"), TimeInForce::Gtc),
            "insufficient_position",
        ),
    ];
    for (i, (command, code)) in refusals.into_iter().enumerate() {
        let d = step(&mut k, &op(OP, command, T0 + 20 + i as i64));
        assert_eq!(
            d,
            vec![Decision::Refused {
                account: acct(OP),
                token: t,
                code: code.to_owned()
            }],
            "{code}"
        );
    }
    // An algo needs a share quantity.
    let mut usdc_twap = place_algo(
        t,
        Side::Buy,
        "0.52",
        "10",
        TimeInForce::Fak,
        AlgoSpec::Twap {
            slices: 2,
            duration_ms: 1_000,
        },
    );
    if let OperatorCommand::Place(o) = &mut usdc_twap {
        o.quantity = Quantity::Usdc(Usdc::dollars(10));
    }
    let d = step(&mut k, &op(OP, usdc_twap, T0 + 30));
    assert_eq!(
        d,
        vec![Decision::OperatorRefused {
            account: acct(OP),
            code: "algo_needs_shares".to_owned()
        }]
    );
    assert_eq!(k.next_id(), 4, "refused commands use no id");
    assert_eq!(k.orders().len(), 3);

    // After the venue's latency: the bid rests, both takers fill against the 0.51 ask.
    let d = step(&mut k, &tick(T0 + 100));
    no_anomalies(&d);
    assert_eq!(state_of(&k, c(1)), OrderState::Live);
    // 20 shares at 0.52 is $10.40, which buys 20.39 shares at 0.51 (the venue spends the amount).
    assert_eq!(filled_size(&d, c(2)), sz("20.39"));
    assert_eq!(state_of(&k, c(2)), OrderState::Filled);
    // $5 buys 9.80 shares at 0.51.
    assert_eq!(filled_size(&d, c(3)), sz("9.80"));
    assert_eq!(state_of(&k, c(3)), OrderState::Filled);
    for id in [c(2), c(3)] {
        assert!(
            d.contains(&Decision::Closed {
                client_id: id,
                reason: CloseReason::Filled
            }),
            "{d:#?}"
        );
    }

    // A trade through 0.40 fills the resting bid (as maker, no fee).
    let d = step(&mut k, &trade(t, "0.39", "50", T0 + 200));
    assert_eq!(filled_size(&d, c(1)), sz("10"));
    assert_eq!(state_of(&k, c(1)), OrderState::Filled);
    assert!(k.venue().resting().next().is_none());

    // The ledger holds exactly what the fills say.
    assert_eq!(position(&k, OP, t), sz("40.19"));
    let taker = |size: &str| {
        sz(size)
            .notional(px("0.51"))
            .saturating_add(taker_fee(sz(size), px("0.51"), FEE_BPS))
    };
    let spent = taker("20.39")
        .saturating_add(taker("9.80"))
        .saturating_add(sz("10").notional(px("0.40")));
    assert_eq!(cash(&k, OP), Usdc::dollars(1_000).saturating_sub(spent));
    let state = k.ledger().account(&acct(OP)).unwrap().state();
    assert_eq!(
        state.fees,
        taker_fee(sz("20.39"), px("0.51"), FEE_BPS).saturating_add(taker_fee(
            sz("9.80"),
            px("0.51"),
            FEE_BPS
        ))
    );
    assert!(state.fees > Usdc::ZERO);
    assert_eq!(
        cash(&k, "other"),
        Usdc::dollars(100),
        "other accounts untouched"
    );
}

#[test]
fn cancels_are_scoped_to_the_operators_account_and_unknown_ids_are_refused() {
    let t = tok(1);
    let mut k = paper_kernel(&header(&[t], &[(OP, 1_000), ("other", 1_000)]));
    step(&mut k, &standard_book(t, T0));
    step(
        &mut k,
        &op(
            OP,
            place(t, Side::Buy, "0.40", shares("10"), TimeInForce::Gtc),
            T0 + 1,
        ),
    );
    step(&mut k, &tick(T0 + 100));
    assert_eq!(state_of(&k, c(1)), OrderState::Live);

    let d = step(
        &mut k,
        &op(OP, OperatorCommand::Cancel { client_id: c(999) }, T0 + 200),
    );
    assert_eq!(
        d,
        vec![Decision::CancelRefused {
            client_id: c(999),
            code: "unknown_order".to_owned()
        }]
    );
    // Another account cannot cancel this operator's order: it is unknown to that account.
    let d = step(
        &mut k,
        &op(
            "other",
            OperatorCommand::Cancel { client_id: c(1) },
            T0 + 201,
        ),
    );
    assert!(
        matches!(d.as_slice(), [Decision::CancelRefused { client_id, .. }] if *client_id == c(1)),
        "{d:#?}"
    );
    step(&mut k, &tick(T0 + 300));
    assert_eq!(state_of(&k, c(1)), OrderState::Live);
    assert_eq!(k.venue().resting().count(), 1);

    let d = step(
        &mut k,
        &op(OP, OperatorCommand::Cancel { client_id: c(1) }, T0 + 400),
    );
    assert_eq!(d, vec![Decision::CancelSent { client_id: c(1) }]);
    assert_eq!(state_of(&k, c(1)), OrderState::CancelPending);
    let d = step(&mut k, &tick(T0 + 500));
    assert_eq!(
        d,
        vec![Decision::Closed {
            client_id: c(1),
            reason: CloseReason::Cancelled
        }]
    );
    assert_eq!(state_of(&k, c(1)), OrderState::Cancelled);
    assert!(k.venue().resting().next().is_none());
}

#[test]
fn cancel_all_touches_only_that_accounts_orders_and_algos_on_that_token() {
    let (t1, t2) = (tok(1), tok(2));
    let mut k = paper_kernel(&header(&[t1, t2], &[(OP, 1_000), ("other", 1_000)]));
    step(&mut k, &standard_book(t1, T0));
    step(&mut k, &standard_book(t2, T0));
    let bid = |t| place(t, Side::Buy, "0.40", shares("10"), TimeInForce::Gtc);
    let iceberg = |t| {
        place_algo(
            t,
            Side::Buy,
            "0.41",
            "30",
            TimeInForce::Gtc,
            AlgoSpec::Iceberg { display: sz("10") },
        )
    };
    step(&mut k, &op(OP, bid(t1), T0 + 1)); // c1
    step(&mut k, &op(OP, bid(t2), T0 + 2)); // c2
    step(&mut k, &op("other", bid(t1), T0 + 3)); // c3
    let d = step(&mut k, &op(OP, iceberg(t1), T0 + 4)); // algo c4, child c5
    assert!(
        d.contains(&Decision::AlgoStarted {
            id: c(4),
            account: acct(OP),
            token: t1,
            side: Side::Buy,
            price: px("0.41"),
            kind: "iceberg".to_owned()
        }),
        "{d:#?}"
    );
    assert_eq!(placed(&d), vec![(c(5), sz("10"), "manual".to_owned())]);
    step(&mut k, &op(OP, iceberg(t2), T0 + 5)); // algo c6, child c7
    step(&mut k, &tick(T0 + 100));
    for id in [1, 2, 3, 5, 7] {
        assert_eq!(state_of(&k, c(id)), OrderState::Live, "c{id}");
    }

    let d = step(
        &mut k,
        &op(OP, OperatorCommand::CancelAll { token: Some(t1) }, T0 + 200),
    );
    let mut sent: Vec<_> = d
        .iter()
        .filter_map(|d| match d {
            Decision::CancelSent { client_id } => Some(*client_id),
            _ => None,
        })
        .collect();
    sent.sort();
    assert_eq!(sent, vec![c(1), c(5)], "{d:#?}");
    assert!(
        !d.iter()
            .any(|d| matches!(d, Decision::CancelRefused { .. })),
        "{d:#?}"
    );
    let d = step(&mut k, &tick(T0 + 300));
    assert!(
        d.contains(&Decision::AlgoDone {
            id: c(4),
            code: "cancelled".to_owned()
        }),
        "{d:#?}"
    );
    assert!(placed(&d).is_empty(), "a stopped iceberg does not refill");
    assert_eq!(state_of(&k, c(1)), OrderState::Cancelled);
    assert_eq!(state_of(&k, c(5)), OrderState::Cancelled);
    for id in [2, 3, 7] {
        assert_eq!(state_of(&k, c(id)), OrderState::Live, "c{id}");
    }
    assert_eq!(k.algos().map(|a| a.id).collect::<Vec<_>>(), vec![c(6)]);
    let mut resting: Vec<_> = k.venue().resting().map(|(id, _)| id).collect();
    resting.sort();
    assert_eq!(resting, vec![c(2), c(3), c(7)]);

    // The other account's cancel-all on every token leaves this operator's orders alone.
    let d = step(
        &mut k,
        &op(
            "other",
            OperatorCommand::CancelAll { token: None },
            T0 + 400,
        ),
    );
    assert_eq!(d, vec![Decision::CancelSent { client_id: c(3) }]);
}

/// The TWAP's child orders from a list of decisions.
fn twap_children(decisions: &[Decision]) -> Vec<(ClientOrderId, Size)> {
    placed(decisions)
        .into_iter()
        .map(|(id, size, _)| (id, size))
        .collect()
}

#[test]
fn an_operator_twap_sends_each_slice_when_due_and_completes_when_all_children_close() {
    let t = tok(1);
    let mut k = paper_kernel(&header(&[t], &[(OP, 1_000)]));
    step(&mut k, &standard_book(t, T0));
    // 10.01 shares in 4 slices over 3 s: 2.50 at +0, +750, +1500, and 2.51 at +2250. The
    // children are marketable GTC bids at 0.51 that take from the 40 offered there.
    let start = T0 + 1_000;
    let d = step(
        &mut k,
        &op(
            OP,
            place_algo(
                t,
                Side::Buy,
                "0.51",
                "10.01",
                TimeInForce::Gtc,
                AlgoSpec::Twap {
                    slices: 4,
                    duration_ms: 3_000,
                },
            ),
            start,
        ),
    );
    assert!(
        matches!(d.first(), Some(Decision::AlgoStarted { id, kind, .. }) if *id == c(1) && kind == "twap"),
        "{d:#?}"
    );
    assert_eq!(twap_children(&d), vec![(c(2), sz("2.50"))]);
    for d in &d {
        if let Decision::Placed { order, reason } = d {
            assert_eq!(reason, "manual");
            assert_eq!(order.price, px("0.51"));
            assert_eq!(order.time_in_force, TimeInForce::Gtc);
            assert_eq!(order.account, acct(OP));
        }
    }

    let mut children = twap_children(&d);
    let mut all = d;
    let schedule = [(750, "2.50"), (1_500, "2.50"), (2_250, "2.51")];
    let mut now = start;
    for (offset, size) in schedule {
        // Not a millisecond early, even with the earlier child filling in between.
        while now < start + offset - 1 {
            now = (now + 100).min(start + offset - 1);
            let d = step(&mut k, &tick(now));
            assert!(twap_children(&d).is_empty(), "early slice at {now}: {d:#?}");
            assert!(
                !d.iter().any(|d| matches!(d, Decision::AlgoDone { .. })),
                "{d:#?}"
            );
            all.extend(d);
        }
        now = start + offset;
        let d = step(&mut k, &tick(now));
        let sent = twap_children(&d);
        assert_eq!(sent.len(), 1, "slice at +{offset}: {d:#?}");
        assert_eq!(sent[0].1, sz(size));
        children.extend(sent);
        all.extend(d);
    }
    assert_eq!(k.algos().count(), 1, "the last child is still in flight");
    let d = step(&mut k, &tick(now + 100));
    assert!(
        d.contains(&Decision::AlgoDone {
            id: c(1),
            code: "completed".to_owned()
        }),
        "{d:#?}"
    );
    all.extend(d);
    no_anomalies(&all);
    assert_eq!(k.algos().count(), 0);

    let total = children
        .iter()
        .fold(Size::ZERO, |acc, (_, s)| acc.saturating_add(*s));
    assert_eq!(
        total,
        sz("10.01"),
        "the slices add up to the parent exactly"
    );
    let ids: Vec<_> = children.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, vec![c(2), c(3), c(4), c(5)]);
    for (id, size) in &children {
        assert_eq!(state_of(&k, *id), OrderState::Filled);
        assert_eq!(filled_size(&all, *id), *size);
    }
    assert_eq!(position(&k, OP, t), sz("10.01"));
    // Nothing more after completion.
    let d = step(&mut k, &tick(now + 10_000));
    assert!(d.is_empty(), "{d:#?}");
}

#[test]
fn cancelling_a_twap_stops_its_slices_and_cancels_its_children() {
    let t = tok(1);
    let mut k = paper_kernel(&header(&[t], &[(OP, 1_000)]));
    step(&mut k, &standard_book(t, T0));
    // 20 shares in 4 resting slices of 5 at 0.45 over 4 s.
    let start = T0 + 1_000;
    let d = step(
        &mut k,
        &op(
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
    );
    assert_eq!(twap_children(&d), vec![(c(2), sz("5"))]);
    step(&mut k, &tick(start + 500));
    let d = step(&mut k, &tick(start + 1_000));
    assert_eq!(twap_children(&d), vec![(c(3), sz("5"))]);
    // Cancel while the second child is still unacknowledged: the acknowledged one is
    // cancelled at once, the other as soon as the venue acknowledges it.
    let d = step(
        &mut k,
        &op(
            OP,
            OperatorCommand::Cancel { client_id: c(1) },
            start + 1_005,
        ),
    );
    assert_eq!(d, vec![Decision::CancelSent { client_id: c(2) }]);
    assert_eq!(k.algos().count(), 1, "done only when no child is open");

    let mut all = Vec::new();
    let mut now = start + 1_005;
    while now < start + 6_000 {
        now += 50;
        let d = step(&mut k, &tick(now));
        assert!(twap_children(&d).is_empty(), "slice after cancel: {d:#?}");
        all.extend(d);
    }
    no_anomalies(&all);
    assert!(all.contains(&Decision::CancelSent { client_id: c(3) }));
    for id in [c(2), c(3)] {
        assert!(all.contains(&Decision::Closed {
            client_id: id,
            reason: CloseReason::Cancelled
        }));
        assert_eq!(state_of(&k, id), OrderState::Cancelled);
    }
    let done: Vec<_> = all
        .iter()
        .filter(|d| matches!(d, Decision::AlgoDone { .. }))
        .collect();
    assert_eq!(
        done,
        vec![&Decision::AlgoDone {
            id: c(1),
            code: "cancelled".to_owned()
        }]
    );
    assert_eq!(k.algos().count(), 0);
    assert!(k.venue().resting().next().is_none());
    assert_eq!(position(&k, OP, t), Size::ZERO);
    assert_eq!(cash(&k, OP), Usdc::dollars(1_000));
}

#[test]
fn an_iceberg_shows_one_child_at_a_time_and_refills_until_the_total_fills() {
    let t = tok(1);
    let mut k = paper_kernel(&header(&[t], &[(OP, 1_000)]));
    step(&mut k, &standard_book(t, T0));
    let d = step(
        &mut k,
        &op(
            OP,
            place_algo(
                t,
                Side::Buy,
                "0.45",
                "25",
                TimeInForce::Gtc,
                AlgoSpec::Iceberg { display: sz("10") },
            ),
            T0 + 10,
        ),
    );
    assert!(
        matches!(d.first(), Some(Decision::AlgoStarted { id, kind, .. }) if *id == c(1) && kind == "iceberg"),
        "{d:#?}"
    );
    let mut children = twap_children(&d);
    assert_eq!(children, vec![(c(2), sz("10"))]);

    // Market data that works through the queue at 0.45 and then through our child.
    let mut events = vec![
        tick(T0 + 100),                                 // child 1 acknowledged, 30 ahead of it
        trade(t, "0.45", "20", T0 + 200),               // 10 ahead left
        level(t, BookSide::Bid, "0.45", "4", T0 + 300), // cancellations ahead: 4 left
        trade(t, "0.45", "7", T0 + 400),                // 4 ahead, then 3 of ours
        trade(t, "0.44", "100", T0 + 500),              // through our price: the other 7 of ours
        tick(T0 + 600),                                 // child 2 (10) acknowledged behind the 4
        trade(t, "0.45", "4", T0 + 700),                // the queue ahead, nothing of ours
        trade(t, "0.45", "100", T0 + 800),              // child 2 fills at its price
        tick(T0 + 900),                                 // child 3 (the 5 left) acknowledged
        trade(t, "0.43", "2", T0 + 1_000),              // 2 of 5
        trade(t, "0.43", "2", T0 + 1_100),              // 4 of 5
        trade(t, "0.43", "50", T0 + 1_200),             // done
        tick(T0 + 1_300),
    ];
    let mut all = d;
    for e in events.drain(..) {
        let d = step(&mut k, &e);
        children.extend(twap_children(&d));
        all.extend(d);
        let open: Vec<_> = children
            .iter()
            .filter(|(id, _)| state_of(&k, *id).is_open())
            .collect();
        assert!(open.len() <= 1, "two children open after {e:?}: {open:?}");
        if k.algos().count() == 1 {
            assert_eq!(open.len(), 1, "a running iceberg always shows a child");
        }
    }
    no_anomalies(&all);
    assert_eq!(
        children,
        vec![(c(2), sz("10")), (c(3), sz("10")), (c(4), sz("5"))]
    );
    // Partial fills do not refill: the second child was sent only after the first filled.
    assert_eq!(
        all.iter()
            .filter(|d| matches!(d, Decision::Filled { client_id, .. } if *client_id == c(2)))
            .count(),
        2
    );
    for (id, size) in &children {
        assert_eq!(state_of(&k, *id), OrderState::Filled);
        assert_eq!(filled_size(&all, *id), *size);
    }
    assert!(all.contains(&Decision::AlgoDone {
        id: c(1),
        code: "completed".to_owned()
    }));
    assert_eq!(k.algos().count(), 0);
    assert_eq!(position(&k, OP, t), sz("25"));
    assert_eq!(
        cash(&k, OP),
        Usdc::dollars(1_000).saturating_sub(sz("25").notional(px("0.45"))),
        "makers pay no fee"
    );
}

#[test]
fn an_iceberg_child_cancelled_outside_the_algo_ends_it() {
    let t = tok(1);
    let mut k = paper_kernel(&header(&[t], &[(OP, 1_000)]));
    step(&mut k, &standard_book(t, T0));
    step(
        &mut k,
        &op(
            OP,
            place_algo(
                t,
                Side::Buy,
                "0.45",
                "25",
                TimeInForce::Gtc,
                AlgoSpec::Iceberg { display: sz("10") },
            ),
            T0 + 10,
        ),
    );
    step(&mut k, &tick(T0 + 100));
    step(
        &mut k,
        &op(OP, OperatorCommand::Cancel { client_id: c(2) }, T0 + 200),
    );
    let d = step(&mut k, &tick(T0 + 300));
    assert!(
        d.contains(&Decision::AlgoDone {
            id: c(1),
            code: "child_cancelled".to_owned()
        }),
        "{d:#?}"
    );
    assert!(placed(&d).is_empty());
    assert_eq!(k.algos().count(), 0);
}

#[test]
fn take_changes_hands_over_each_change_once() {
    let t = tok(1);
    let mut k = paper_kernel(&header(&[t], &[(OP, 1_000)]));
    k.handle(&standard_book(t, T0));
    assert!(k.take_changes().is_empty());

    k.handle(&op(
        OP,
        place(t, Side::Buy, "0.45", shares("10"), TimeInForce::Gtc),
        T0 + 10,
    ));
    let ch = k.take_changes();
    assert_eq!(ch.orders.len(), 1);
    assert_eq!(ch.orders[0].state, OrderState::Submitted { unknown: false });
    assert!(ch.fills.is_empty() && ch.algos.is_none());
    assert!(matches!(ch.decisions.as_slice(), [Decision::Placed { .. }]));
    assert!(k.take_changes().is_empty());

    k.handle(&tick(T0 + 100));
    let ch = k.take_changes();
    assert_eq!(ch.orders.len(), 1);
    assert_eq!(ch.orders[0].state, OrderState::Live);
    assert!(ch.orders[0].venue_id.is_some());
    assert!(
        ch.decisions.is_empty(),
        "an acknowledgement decides nothing"
    );
    assert!(!ch.is_empty());

    // A fill: the order's new state and the fill, but the finished order stays in the kernel
    // until it has been taken, even if the driver prunes first.
    k.handle(&trade(t, "0.44", "50", T0 + 200));
    assert!(k.prune_closed().is_empty(), "the change was not taken yet");
    let ch = k.take_changes();
    assert_eq!(ch.orders.len(), 1);
    let order = &ch.orders[0];
    assert_eq!(order.request.client_id, c(1));
    assert_eq!(order.state, OrderState::Filled);
    assert_eq!(order.filled, sz("10"));
    assert_eq!(ch.fills.len(), 1);
    let (fill, status) = &ch.fills[0];
    assert_eq!(*status, FillStatus::Confirmed);
    assert_eq!(
        (fill.account.clone(), fill.token_id, fill.side),
        (acct(OP), t, Side::Buy)
    );
    assert_eq!(
        (fill.price, fill.size, fill.fee),
        (px("0.45"), sz("10"), Usdc::ZERO)
    );
    assert!(ch.decisions.iter().any(|d| matches!(d,
        Decision::Filled { client_id, trade_id, .. } if *client_id == c(1) && *trade_id == fill.trade_id.0)));
    assert!(k.take_changes().is_empty());
    assert!(k.take_changes().is_empty());
    assert_eq!(k.prune_closed().len(), 1);
    assert!(k.orders().is_empty());

    // Algos: the running set is handed over when it changes, and the children of a running
    // algo are not pruned even once finished.
    k.handle(&op(
        OP,
        place_algo(
            t,
            Side::Buy,
            "0.45",
            "20",
            TimeInForce::Gtc,
            AlgoSpec::Iceberg { display: sz("10") },
        ),
        T0 + 300,
    ));
    let ch = k.take_changes();
    let algos = ch.algos.expect("a new algo is a change");
    assert_eq!(algos.len(), 1);
    assert_eq!(algos[0].id, c(2));
    assert_eq!(algos[0].children, vec![c(3)]);
    assert_eq!(ch.orders.len(), 1);
    k.handle(&tick(T0 + 400));
    let ch = k.take_changes();
    assert!(
        ch.algos.is_none(),
        "an acknowledgement does not change the algo"
    );
    k.handle(&trade(t, "0.44", "50", T0 + 500)); // child c3 fills, c4 is sent
    let ch = k.take_changes();
    let algos = ch.algos.expect("a refill changes the algo");
    assert_eq!(algos[0].children, vec![c(3), c(4)]);
    let mut ids: Vec<_> = ch.orders.iter().map(|o| o.request.client_id).collect();
    ids.sort();
    assert_eq!(ids, vec![c(3), c(4)]);
    assert!(k.prune_closed().is_empty(), "c3 is a running algo's child");
    assert!(k.orders().contains_key(&c(3)));
    k.handle(&tick(T0 + 600));
    k.handle(&trade(t, "0.44", "50", T0 + 700));
    let ch = k.take_changes();
    assert_eq!(ch.algos, Some(Vec::new()), "the finished algo is gone");
    assert!(ch.decisions.contains(&Decision::AlgoDone {
        id: c(2),
        code: "completed".to_owned()
    }));
    assert_eq!(k.prune_closed().len(), 2);
    assert!(k.orders().is_empty());
    assert_eq!(position(&k, OP, t), sz("30"));
}

#[test]
fn a_cancel_sent_before_the_acknowledgement_goes_out_once_the_order_is_live() {
    let t = tok(1);
    let mut k = paper_kernel(&header(&[t], &[(OP, 1_000)]));
    step(&mut k, &standard_book(t, T0));
    let bid = || place(t, Side::Buy, "0.40", shares("10"), TimeInForce::Gtc);
    step(&mut k, &op(OP, bid(), T0 + 1)); // c1
    let d = step(
        &mut k,
        &op(OP, OperatorCommand::Cancel { client_id: c(1) }, T0 + 2),
    );
    assert!(d.is_empty(), "nothing to cancel at the venue yet: {d:#?}");
    step(&mut k, &op(OP, bid(), T0 + 3)); // c2
    let d = step(
        &mut k,
        &op(OP, OperatorCommand::CancelAll { token: None }, T0 + 4),
    );
    assert!(d.is_empty(), "{d:#?}");
    assert_eq!(state_of(&k, c(2)), OrderState::Submitted { unknown: false });
    // A post-only bid that would cross: the venue rejects it, and its cancel is moot.
    let mut post_only = manual(t, Side::Buy, "0.51", shares("10"), TimeInForce::Gtc);
    post_only.post_only = true;
    step(&mut k, &op(OP, OperatorCommand::Place(post_only), T0 + 5)); // c3
    step(
        &mut k,
        &op(OP, OperatorCommand::Cancel { client_id: c(3) }, T0 + 6),
    );

    // The acknowledgements arrive: both cancels go out at once, and the orders never fill.
    let d = step(&mut k, &tick(T0 + 100));
    no_anomalies(&d);
    assert_eq!(
        d,
        vec![
            Decision::CancelSent { client_id: c(1) },
            Decision::CancelSent { client_id: c(2) },
            Decision::Rejected {
                client_id: c(3),
                reason: "post_only_would_cross".to_owned()
            },
        ]
    );
    assert_eq!(state_of(&k, c(1)), OrderState::CancelPending);
    let d = step(&mut k, &tick(T0 + 200));
    assert_eq!(
        d,
        vec![
            Decision::Closed {
                client_id: c(1),
                reason: CloseReason::Cancelled
            },
            Decision::Closed {
                client_id: c(2),
                reason: CloseReason::Cancelled
            },
        ]
    );
    assert!(k.venue().resting().next().is_none());
    let d = step(&mut k, &trade(t, "0.39", "100", T0 + 300));
    assert!(d.is_empty(), "{d:#?}");
    assert_eq!(position(&k, OP, t), Size::ZERO);

    // Cancelling an order that is already over is refused with a code, not ignored.
    let d = step(
        &mut k,
        &op(OP, OperatorCommand::Cancel { client_id: c(1) }, T0 + 400),
    );
    assert_eq!(
        d,
        vec![Decision::CancelRefused {
            client_id: c(1),
            code: "not_open".to_owned()
        }]
    );
}
