use alloy_primitives::{B256, U256};
use proptest::prelude::*;

use super::*;

fn token(n: u64) -> TokenId {
    TokenId(U256::from(n))
}
fn px(s: &str) -> Price {
    Price::parse(s).unwrap()
}
fn sz(s: &str) -> Size {
    Size::parse(s).unwrap()
}
fn usd(s: &str) -> Usdc {
    Usdc::parse(s).unwrap()
}
fn acct() -> AccountId {
    AccountId::new("strategy:test")
}
fn ledger(bankroll: &str) -> Ledger {
    let mut l = Ledger::new();
    l.open_account(acct(), usd(bankroll)).unwrap();
    l
}
fn fill(id: &str, tok: u64, side: Side, price: &str, size: &str, fee: &str) -> Fill {
    Fill {
        trade_id: TradeId(id.into()),
        account: acct(),
        token_id: token(tok),
        side,
        price: px(price),
        size: sz(size),
        fee: usd(fee),
        timestamp_ms: 0,
    }
}
fn state(l: &Ledger) -> AccountState {
    l.account(&acct()).unwrap().state().clone()
}

#[test]
fn buys_and_sells_at_average_cost() {
    let mut l = ledger("1000");
    l.apply_fill(
        fill("t1", 1, Side::Buy, "0.40", "100", "0.5"),
        FillStatus::Matched,
    )
    .unwrap();
    l.apply_fill(
        fill("t2", 1, Side::Buy, "0.60", "100", "0"),
        FillStatus::Matched,
    )
    .unwrap();
    let s = state(&l);
    assert_eq!(s.cash, usd("899.5"));
    assert_eq!(s.positions[&token(1)].cost, usd("100"));
    assert_eq!(s.positions[&token(1)].average_price(), Some(0.5));
    l.apply_fill(
        fill("t3", 1, Side::Sell, "0.70", "50", "0.1"),
        FillStatus::Matched,
    )
    .unwrap();
    let s = state(&l);
    assert_eq!(s.cash, usd("934.4"));
    assert_eq!(s.realized, usd("10"));
    assert_eq!(s.positions[&token(1)].size, sz("150"));
    assert_eq!(s.positions[&token(1)].cost, usd("75"));
    assert_eq!(s.fees, usd("0.6"));
    l.apply_fill(
        fill("t4", 1, Side::Sell, "0.30", "150", "0"),
        FillStatus::Matched,
    )
    .unwrap();
    let s = state(&l);
    assert!(s.positions.is_empty());
    assert_eq!(s.realized, usd("-20"));
    assert_eq!(s.cash, usd("979.4"));
}

#[test]
fn duplicate_trades_are_ignored_and_oversells_refused() {
    let mut l = ledger("100");
    assert_eq!(
        l.apply_fill(
            fill("t1", 1, Side::Buy, "0.5", "10", "0"),
            FillStatus::Matched
        ),
        Ok(Applied::New)
    );
    assert_eq!(
        l.apply_fill(
            fill("t1", 1, Side::Buy, "0.5", "10", "0"),
            FillStatus::Matched
        ),
        Ok(Applied::Duplicate)
    );
    assert_eq!(state(&l).positions[&token(1)].size, sz("10"));
    let err = l
        .apply_fill(
            fill("t2", 1, Side::Sell, "0.5", "11", "0"),
            FillStatus::Matched,
        )
        .unwrap_err();
    assert!(matches!(err, LedgerError::Oversell { .. }));
    assert!(
        l.apply_fill(
            Fill {
                account: AccountId::new("nope"),
                ..fill("t3", 1, Side::Buy, "0.5", "1", "0")
            },
            FillStatus::Matched
        )
        .is_err()
    );
}

#[test]
fn a_ghost_fill_is_taken_back_exactly() {
    let mut l = ledger("1000");
    l.apply_fill(
        fill("t1", 1, Side::Buy, "0.40", "100", "0.2"),
        FillStatus::Matched,
    )
    .unwrap();
    let before = state(&l);
    l.apply_fill(
        fill("ghost", 1, Side::Buy, "0.60", "100", "0.3"),
        FillStatus::Matched,
    )
    .unwrap();
    l.apply_fill(
        fill("t3", 1, Side::Sell, "0.55", "50", "0"),
        FillStatus::Matched,
    )
    .unwrap();
    l.update_status(&TradeId("ghost".into()), FillStatus::Failed)
        .unwrap();
    // As if the ghost never happened: the sell is re-costed against the remaining position.
    let mut reference = ledger("1000");
    reference
        .apply_fill(
            fill("t1", 1, Side::Buy, "0.40", "100", "0.2"),
            FillStatus::Matched,
        )
        .unwrap();
    reference
        .apply_fill(
            fill("t3", 1, Side::Sell, "0.55", "50", "0"),
            FillStatus::Matched,
        )
        .unwrap();
    assert_eq!(state(&l), state(&reference));
    assert_ne!(state(&l), before);
    // Failed is final.
    assert!(
        l.update_status(&TradeId("ghost".into()), FillStatus::Confirmed)
            .is_err()
    );
}

#[test]
fn confirmation_tracks_settled_shares() {
    let mut l = ledger("100");
    l.apply_fill(
        fill("t1", 1, Side::Buy, "0.5", "10", "0"),
        FillStatus::Matched,
    )
    .unwrap();
    assert_eq!(state(&l).positions[&token(1)].confirmed, Size::ZERO);
    l.update_status(&TradeId("t1".into()), FillStatus::Mined)
        .unwrap();
    l.update_status(&TradeId("t1".into()), FillStatus::Confirmed)
        .unwrap();
    assert_eq!(state(&l).positions[&token(1)].confirmed, sz("10"));
    assert!(
        l.update_status(&TradeId("t1".into()), FillStatus::Matched)
            .is_err()
    );
    assert!(
        l.update_status(&TradeId("zz".into()), FillStatus::Confirmed)
            .is_err()
    );
}

#[test]
fn resolution_and_redemption() {
    let mut l = ledger("100");
    l.apply_fill(
        fill("t1", 1, Side::Buy, "0.30", "10", "0"),
        FillStatus::Confirmed,
    )
    .unwrap();
    l.apply_fill(
        fill("t2", 2, Side::Buy, "0.60", "5", "0"),
        FillStatus::Confirmed,
    )
    .unwrap();
    let condition = ConditionId(B256::repeat_byte(7));
    let r = Resolution {
        condition,
        tokens: vec![token(1), token(2)],
        winner: 0,
    };
    l.resolve(&r).unwrap();
    let s = state(&l);
    assert!(s.positions.is_empty());
    assert_eq!(s.redeemable[&condition], usd("10"));
    assert_eq!(s.realized, usd("4"));
    assert_eq!(s.cash, usd("94"));
    l.redeem(condition).unwrap();
    let s = state(&l);
    assert_eq!(s.cash, usd("104"));
    assert!(s.redeemable.is_empty());
    assert!(
        l.resolve(&Resolution {
            condition,
            tokens: vec![token(1)],
            winner: 3
        })
        .is_err()
    );
}

#[test]
fn snapshots_mark_to_mid_and_sum_over_accounts() {
    let mut l = ledger("100");
    l.open_account(AccountId::new("wallet:0xabc"), usd("50"))
        .unwrap();
    assert!(
        l.open_account(AccountId::new("wallet:0xabc"), usd("1"))
            .is_err()
    );
    l.apply_fill(
        fill("t1", 1, Side::Buy, "0.40", "10", "0"),
        FillStatus::Matched,
    )
    .unwrap();
    let mark = |t: TokenId| (t == token(1)).then(|| Probability::parse("0.5").unwrap());
    let snap = l.snapshot(&acct(), 9, mark).unwrap();
    assert_eq!(snap.positions_value, usd("5"));
    assert_eq!(snap.unrealized, usd("1"));
    assert_eq!(snap.equity, usd("101"));
    let total = l.total(9, mark);
    assert_eq!(total.equity, usd("151"));
    assert_eq!(total.cash, usd("146"));
}

#[derive(Debug, Clone)]
struct Op {
    token: u64,
    buy: bool,
    cents: u32,
    lots: u64,
    fee_micros: i64,
    fails: bool,
}

fn op() -> impl Strategy<Value = Op> {
    (
        1u64..4,
        any::<bool>(),
        1u32..100,
        1u64..5_000,
        0i64..20_000,
        prop::bool::weighted(0.2),
    )
        .prop_map(|(token, buy, cents, lots, fee_micros, fails)| Op {
            token,
            buy,
            cents,
            lots,
            fee_micros,
            fails,
        })
}

/// Turns ops into fills: sells are clipped to what the *non-failing* fills hold, so the venue
/// would have allowed them whether or not the failing buys had happened. Only buys fail.
fn fills(ops: &[Op]) -> Vec<(Fill, bool)> {
    let mut held = std::collections::HashMap::<u64, u64>::new();
    let mut out = Vec::new();
    for (i, o) in ops.iter().enumerate() {
        let h = held.entry(o.token).or_default();
        let size = if o.buy {
            o.lots * 10_000
        } else {
            (o.lots * 10_000).min(*h)
        };
        if size == 0 {
            continue;
        }
        let fails = o.buy && o.fails;
        if !fails {
            if o.buy { *h += size } else { *h -= size }
        }
        let f = Fill {
            trade_id: TradeId(format!("t{i}")),
            account: acct(),
            token_id: token(o.token),
            side: if o.buy { Side::Buy } else { Side::Sell },
            price: Price::from_micros(o.cents * 10_000).unwrap(),
            size: Size::from_micros(size),
            fee: Usdc::from_micros(o.fee_micros),
            timestamp_ms: i as i64,
        };
        out.push((f, fails));
    }
    out
}

proptest! {
    /// Booking fills that later FAIL, then failing them, leaves exactly the state of never
    /// having booked them — whatever was bought and sold in between.
    #[test]
    fn failing_fills_equals_never_booking_them(ops in prop::collection::vec(op(), 1..60)) {
        let fills = fills(&ops);
        let mut with = ledger("100000");
        let mut without = ledger("100000");
        for (f, fails) in &fills {
            with.apply_fill(f.clone(), FillStatus::Matched).unwrap();
            if !fails {
                without.apply_fill(f.clone(), FillStatus::Matched).unwrap();
            }
        }
        for (f, fails) in &fills {
            if *fails {
                with.update_status(&f.trade_id, FillStatus::Failed).unwrap();
            }
        }
        prop_assert_eq!(state(&with), state(&without));
    }

    /// At marks equal to average cost, equity = bankroll + realized − fees, always.
    #[test]
    fn accounting_identity(ops in prop::collection::vec(op(), 1..80)) {
        let mut l = ledger("100000");
        for (f, _) in fills(&ops) {
            l.apply_fill(f, FillStatus::Matched).unwrap();
        }
        let s = state(&l);
        let at_cost: i64 = s.positions.values().map(|p| p.cost.micros()).sum();
        prop_assert_eq!(s.cash.micros() + at_cost, 100_000_000_000 + s.realized.micros() - s.fees.micros());
    }
}
