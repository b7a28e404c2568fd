//! Algos whose children the kernel's checks refuse: the algo must say so when it finishes,
//! rather than pass for completed (a TWAP that placed nothing) or cancelled (an iceberg that
//! could not show its next child).

mod common;

use common::*;
use polybot_engine::Decision;
use polybot_engine::kernel::AlgoState;
use polybot_engine::orders::algos::AlgoSpec;
use polybot_engine::orders::{ClientOrderId, OrderState, TimeInForce};
use polybot_model::Side;

const OP: &str = "manual:ops";

fn c(n: u64) -> ClientOrderId {
    ClientOrderId(n)
}

fn done(decisions: &[Decision]) -> Vec<(ClientOrderId, String)> {
    decisions
        .iter()
        .filter_map(|d| match d {
            Decision::AlgoDone { id, code } => Some((*id, code.clone())),
            _ => None,
        })
        .collect()
}

fn refusals(decisions: &[Decision]) -> Vec<String> {
    decisions
        .iter()
        .filter_map(|d| match d {
            Decision::Refused { code, .. } => Some(code.clone()),
            _ => None,
        })
        .collect()
}

/// (sent, refused) of the only running algo, a TWAP.
fn twap_counts<V: polybot_engine::Venue>(k: &polybot_engine::Kernel<V>) -> (u32, u32) {
    let algos: Vec<_> = k.algos().collect();
    let [algo] = algos.as_slice() else {
        panic!("{algos:#?}")
    };
    match algo.state {
        AlgoState::Twap { sent, refused, .. } => (sent, refused),
        AlgoState::Iceberg { .. } => panic!("not a TWAP"),
    }
}

fn twap_buy(price: &str, total: &str, slices: u32, duration_ms: i64) -> polybot_engine::Event {
    let command = place_algo(
        tok(1),
        Side::Buy,
        price,
        total,
        TimeInForce::Gtc,
        AlgoSpec::Twap {
            slices,
            duration_ms,
        },
    );
    op(OP, command, T0 + 1_000)
}

#[test]
fn a_twap_whose_every_slice_is_refused_finishes_slices_refused() {
    let t = tok(1);
    // $1 cannot pay for a 10-share slice at 0.45.
    let mut k = paper_kernel(&header(&[t], &[(OP, 1)]));
    step(&mut k, &standard_book(t, T0));
    let mut all = step(&mut k, &twap_buy("0.45", "20", 2, 1_000));
    assert_eq!(refusals(&all), vec!["insufficient_cash"], "{all:#?}");
    assert!(done(&all).is_empty(), "the second slice is not due yet");
    assert_eq!(twap_counts(&k), (1, 1));

    all.extend(step(&mut k, &tick(T0 + 2_000)));
    assert!(placed(&all).is_empty(), "{all:#?}");
    assert_eq!(refusals(&all).len(), 2);
    assert_eq!(done(&all), vec![(c(1), "slices_refused".to_owned())]);
    assert_eq!(k.algos().count(), 0);
    no_anomalies(&all);
}

#[test]
fn a_twap_with_some_slices_refused_completes_and_counts_them() {
    let t = tok(1);
    // $6 pays for the first 10-share slice taking at 0.51; what is left pays for no other.
    let mut k = paper_kernel(&header(&[t], &[(OP, 6)]));
    step(&mut k, &standard_book(t, T0));
    let mut all = step(&mut k, &twap_buy("0.51", "30", 3, 3_000));
    assert_eq!(placed(&all), vec![(c(2), sz("10"), "manual".to_owned())]);
    all.extend(step(&mut k, &tick(T0 + 1_100)));
    assert_eq!(state_of(&k, c(2)), OrderState::Filled);
    assert_eq!(position(&k, OP, t), sz("10"));

    all.extend(step(&mut k, &tick(T0 + 2_000)));
    assert_eq!(refusals(&all), vec!["insufficient_cash"], "{all:#?}");
    assert_eq!(
        twap_counts(&k),
        (2, 1),
        "the refusal is on the algo's record"
    );

    all.extend(step(&mut k, &tick(T0 + 3_000)));
    assert_eq!(refusals(&all).len(), 2);
    assert_eq!(done(&all), vec![(c(1), "completed".to_owned())]);
    assert_eq!(placed(&all).len(), 1);
    no_anomalies(&all);
}

fn iceberg_buy(total: &str, display: &str) -> polybot_engine::Event {
    let command = place_algo(
        tok(1),
        Side::Buy,
        "0.45",
        total,
        TimeInForce::Gtc,
        AlgoSpec::Iceberg {
            display: sz(display),
        },
    );
    op(OP, command, T0 + 10)
}

#[test]
fn an_iceberg_whose_first_child_is_refused_finishes_child_refused() {
    let t = tok(1);
    let mut k = paper_kernel(&header(&[t], &[(OP, 1)]));
    step(&mut k, &standard_book(t, T0));
    let mut all = step(&mut k, &iceberg_buy("30", "10"));
    all.extend(step(&mut k, &tick(T0 + 100)));
    assert_eq!(refusals(&all), vec!["insufficient_cash"], "{all:#?}");
    assert!(placed(&all).is_empty());
    assert_eq!(done(&all), vec![(c(1), "child_refused".to_owned())]);
    assert_eq!(k.algos().count(), 0);
    no_anomalies(&all);
}

#[test]
fn an_iceberg_whose_refill_is_refused_finishes_child_refused() {
    let t = tok(1);
    // $5 pays for one 10-share child at 0.45 ($4.50), not for the refill.
    let mut k = paper_kernel(&header(&[t], &[(OP, 5)]));
    step(&mut k, &standard_book(t, T0));
    let mut all = step(&mut k, &iceberg_buy("30", "10"));
    assert_eq!(placed(&all), vec![(c(2), sz("10"), "manual".to_owned())]);
    all.extend(step(&mut k, &tick(T0 + 100)));
    // A trade through 0.45 fills the child; the refill is refused.
    all.extend(step(&mut k, &trade(t, "0.44", "100", T0 + 200)));
    assert_eq!(state_of(&k, c(2)), OrderState::Filled);
    assert_eq!(position(&k, OP, t), sz("10"));
    assert_eq!(refusals(&all), vec!["insufficient_cash"], "{all:#?}");
    assert_eq!(placed(&all).len(), 1);
    assert_eq!(done(&all), vec![(c(1), "child_refused".to_owned())]);
    assert_eq!(k.algos().count(), 0);
    no_anomalies(&all);
}
