//! Helpers shared by the kernel integration tests: markets, books, operator commands and a
//! driver that does what the paper and live drivers do after each event.

#![allow(dead_code, reason = "each test file uses a different subset")]

use alloy_primitives::U256;
use polybot_engine::kernel::RiskSetup;
use polybot_engine::operator::{ManualOrder, OperatorCommand};
use polybot_engine::orders::algos::AlgoSpec;
use polybot_engine::orders::{
    ClientOrderId, MarketRules, OrderState, Quantity, TimeInForce, TrackedOrder,
};
use polybot_engine::session::{FORMAT, Mode, SessionHeader, SessionMarket, SimSetup};
use polybot_engine::sim::{SimConfig, SimVenue};
use polybot_engine::{AccountId, Changes, Decision, Event, Kernel, Venue};
use polybot_model::{BookSide, Level, Price, Side, Size, TickSize, TokenId, Usdc};

pub const T0: i64 = 1_800_000_000_000;
pub const LATENCY_MS: i64 = 20;
pub const FEE_BPS: u32 = 200;

pub fn tok(n: u8) -> TokenId {
    TokenId(U256::from(n))
}
pub fn px(s: &str) -> Price {
    Price::parse(s).unwrap()
}
pub fn sz(s: &str) -> Size {
    Size::parse(s).unwrap()
}
pub fn usdc(s: &str) -> Usdc {
    Usdc::parse(s).unwrap()
}
pub fn acct(name: &str) -> AccountId {
    AccountId::new(name)
}
pub fn rules() -> MarketRules {
    MarketRules::polymarket(TickSize::Hundredth)
}

pub fn market(token: TokenId) -> SessionMarket {
    SessionMarket {
        token,
        rules: rules(),
        taker_fee_bps: FEE_BPS,
        meta: None,
    }
}

/// A fresh paper session on `tokens` with `accounts`.
pub fn header(tokens: &[TokenId], accounts: &[(&str, i64)]) -> SessionHeader {
    SessionHeader {
        format: FORMAT,
        mode: Mode::Paper,
        started_ms: T0,
        markets: tokens.iter().map(|t| market(*t)).collect(),
        sim: Some(SimSetup {
            config: SimConfig {
                latency_ms: LATENCY_MS,
            },
            trade_prefix: 1,
        }),
        accounts: accounts
            .iter()
            .map(|(a, dollars)| (acct(a), Usdc::dollars(*dollars)))
            .collect(),
        fills: Vec::new(),
        resolutions: Vec::new(),
        orders: Vec::new(),
        algos: Vec::new(),
        next_id: 1,
        risk: RiskSetup::default(),
        strategies: Vec::new(),
        closed_orders: Vec::new(),
    }
}

pub fn paper_kernel(header: &SessionHeader) -> Kernel<SimVenue> {
    header.build_kernel(header.sim_venue()).unwrap()
}

pub fn levels(levels: &[(&str, &str)]) -> Vec<Level> {
    levels
        .iter()
        .map(|(p, s)| Level::new(px(p), sz(s)))
        .collect()
}

pub fn book(token: TokenId, bids: &[(&str, &str)], asks: &[(&str, &str)], ts: i64) -> Event {
    Event::Book {
        token,
        bids: levels(bids),
        asks: levels(asks),
        ts,
    }
}

/// The book most tests start from: 30 bid at 0.45 (the queue a 0.45 bid joins), asks from 0.51.
pub fn standard_book(token: TokenId, ts: i64) -> Event {
    book(
        token,
        &[("0.45", "30"), ("0.44", "100")],
        &[("0.51", "40"), ("0.52", "100")],
        ts,
    )
}

pub fn level(token: TokenId, side: BookSide, price: &str, size: &str, ts: i64) -> Event {
    Event::Level {
        token,
        side,
        price: px(price),
        size: sz(size),
        ts,
    }
}

pub fn trade(token: TokenId, price: &str, size: &str, ts: i64) -> Event {
    Event::Trade {
        token,
        price: px(price),
        size: sz(size),
        side: None,
        ts,
    }
}

pub fn tick(ts: i64) -> Event {
    Event::Tick { ts }
}

pub fn op(account: &str, command: OperatorCommand, ts: i64) -> Event {
    Event::Operator {
        command_id: ts,
        account: acct(account),
        command,
        ts,
    }
}

pub fn manual(
    token: TokenId,
    side: Side,
    price: &str,
    quantity: Quantity,
    time_in_force: TimeInForce,
) -> ManualOrder {
    ManualOrder {
        token,
        side,
        price: px(price),
        quantity,
        time_in_force,
        post_only: false,
        algo: None,
    }
}

pub fn place(
    token: TokenId,
    side: Side,
    price: &str,
    quantity: Quantity,
    time_in_force: TimeInForce,
) -> OperatorCommand {
    OperatorCommand::Place(manual(token, side, price, quantity, time_in_force))
}

pub fn place_algo(
    token: TokenId,
    side: Side,
    price: &str,
    total: &str,
    time_in_force: TimeInForce,
    algo: AlgoSpec,
) -> OperatorCommand {
    OperatorCommand::Place(ManualOrder {
        algo: Some(algo),
        ..manual(
            token,
            side,
            price,
            Quantity::Shares(sz(total)),
            time_in_force,
        )
    })
}

pub fn shares(s: &str) -> Quantity {
    Quantity::Shares(sz(s))
}

/// What the drivers do after each event: handle it, take the changes (to persist) and prune
/// the finished orders. Returns the changes.
pub fn drive<V: Venue>(k: &mut Kernel<V>, event: &Event) -> Changes {
    k.handle(event);
    let changes = k.take_changes();
    k.prune_closed();
    changes
}

/// Handles an event and returns its decisions (the changes are taken; nothing is pruned, so
/// tests can inspect finished orders).
pub fn step<V: Venue>(k: &mut Kernel<V>, event: &Event) -> Vec<Decision> {
    k.handle(event);
    k.take_changes().decisions
}

pub fn placed(decisions: &[Decision]) -> Vec<(ClientOrderId, Size, String)> {
    decisions
        .iter()
        .filter_map(|d| match d {
            Decision::Placed { order, reason } => Some((
                order.client_id,
                match order.quantity {
                    Quantity::Shares(s) => s,
                    Quantity::Usdc(_) => Size::ZERO,
                },
                reason.clone(),
            )),
            _ => None,
        })
        .collect()
}

pub fn no_anomalies(decisions: &[Decision]) {
    assert!(
        !decisions
            .iter()
            .any(|d| matches!(d, Decision::Anomaly { .. })),
        "{decisions:#?}"
    );
}

pub fn filled_size(decisions: &[Decision], id: ClientOrderId) -> Size {
    decisions
        .iter()
        .filter_map(|d| match d {
            Decision::Filled {
                client_id, size, ..
            } if *client_id == id => Some(*size),
            _ => None,
        })
        .fold(Size::ZERO, Size::saturating_add)
}

pub fn state_of<V: Venue>(k: &Kernel<V>, id: ClientOrderId) -> OrderState {
    k.orders()
        .get(&id)
        .unwrap_or_else(|| panic!("{id} is not in the kernel"))
        .state
        .clone()
}

pub fn open_ids<V: Venue>(k: &Kernel<V>, account: &str) -> Vec<ClientOrderId> {
    k.orders()
        .values()
        .filter(|o| o.state.is_open() && o.request.account == acct(account))
        .map(|o| o.request.client_id)
        .collect()
}

pub fn position<V: Venue>(k: &Kernel<V>, account: &str, token: TokenId) -> Size {
    k.ledger()
        .account(&acct(account))
        .unwrap()
        .state()
        .positions
        .get(&token)
        .map_or(Size::ZERO, |p| p.size)
}

pub fn cash<V: Venue>(k: &Kernel<V>, account: &str) -> Usdc {
    k.ledger().account(&acct(account)).unwrap().state().cash
}

pub fn open_orders(orders: &[TrackedOrder]) -> Vec<TrackedOrder> {
    orders
        .iter()
        .filter(|o| o.state.is_open())
        .cloned()
        .collect()
}
